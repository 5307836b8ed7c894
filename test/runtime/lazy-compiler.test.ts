/**
 * @file binaryen (~15 MB of JS) is loaded only on the path that compiles to wasm (issue #12): never by
 * `disasm`, `--engine ref`, input validation or a `run` whose modules come from the disk cache. Proved two
 * ways: no static import chain from the loaders and the run path reaches src/backend/wasm/module.ts (the only
 * binaryen importer), and the built CLI, run under a module hook that logs every module it loads (in every
 * thread), never loads binaryen on those paths — while a cold run does (the hook's negative control).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { CLI } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '../..');
const HOOK = join(import.meta.dirname, '../helpers/module-log.mjs');

/** Imports evaluated when a module is: `import … from`, `export … from`, `import '…'` (not `import type`, not `import()`). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2]);
}

/** The chain of static imports from `start` to the first module matching `target`, or undefined. */
function staticChain(start: string, target: (spec: string, file: string) => boolean): string[] | undefined {
  const from = new Map<string, string | null>([[start, null]]);
  const todo = [start];
  while (todo.length) {
    const f = todo.shift()!;
    if (!existsSync(f)) continue;
    for (const spec of staticImports(f)) {
      const dep = spec.startsWith('.') ? resolve(dirname(f), spec) : spec;
      if (from.has(dep)) continue;
      from.set(dep, f);
      if (target(spec, dep)) {
        const chain = [dep];
        for (let x = from.get(dep); x; x = from.get(x)) chain.unshift(x);
        return chain.map((p) => (p.startsWith('/') ? relative(ROOT, p) : p));
      }
      if (spec.startsWith('.')) todo.push(dep);
    }
  }
  return undefined;
}

const reachesBinaryen = (file: string) =>
  staticChain(join(ROOT, file), (spec, dep) => spec === 'binaryen' || dep === join(ROOT, 'src/backend/wasm/module.ts'));

describe('no static import of the wasm compiler on the run path', () => {
  const entries = [
    'runtime/loader/wasm.ts', 'runtime/loader/native.ts', 'runtime/loader/mixed.ts', 'runtime/loader/cache.ts',
    'runtime/loader/native-objects.ts', 'runtime/loader/types.ts', 'runtime/harness/batch.ts', 'runtime/harness/statetest.ts',
    'cli/commands/run.ts', 'cli/commands/disasm.ts', 'cli/commands/statetest.ts', 'cli/main.ts',
  ];
  for (const f of entries.filter((e) => existsSync(join(ROOT, e)))) {
    it(f, () => expect(reachesBinaryen(f)).toBeUndefined());
  }
  it('the check finds a real chain (src/index.ts re-exports the wasm backend)', () => {
    expect(reachesBinaryen('src/index.ts')).toEqual(['src/index.ts', 'src/backend/wasm/index.ts', 'src/backend/wasm/module.ts']);
  });
});

describe('the loader API without the compiler loaded', () => {
  it('load throws CompilerNotLoadedError on a miss; preload and withCompiler load the compiler and succeed', async () => {
    vi.resetModules(); // fresh loader modules: the setup file's loaded compiler is not theirs
    const wasm = await import('../../runtime/loader/wasm.ts');
    const { CompilerNotLoadedError } = await import('../../runtime/loader/types.ts');
    expect(wasm.compilerLoaded()).toBe(false);
    const code = Buffer.from('60ff60005260206000f3', 'hex');
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-lazy-api-'));
    expect(() => new wasm.WasmLoader({ cacheDir: dir }).load(code, Fork.Cancun)).toThrow(CompilerNotLoadedError);
    let attempts = 0;
    const l = new wasm.WasmLoader({ cacheDir: dir });
    const loaded = await wasm.withCompiler(() => { attempts++; return l.load(code, Fork.Cancun); });
    expect(attempts).toBe(2);
    expect(loaded.fromDisk).toBe(false);
    // preload of cached code needs nothing more; of new code, the compiler (now loaded)
    const other = Buffer.from('60ee60005260206000f3', 'hex');
    await new wasm.WasmLoader({ cacheDir: dir }).preload([code, other], Fork.Cancun);
    const warm = new wasm.WasmLoader({ cacheDir: dir });
    expect(warm.load(code, Fork.Cancun).fromDisk).toBe(true);
    expect(warm.load(other, Fork.Cancun).fromDisk).toBe(true);
  });
});

/** Run the built CLI under the module hook; returns its output and whether binaryen was loaded. */
function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; binaryen: boolean } {
  const log = join(mkdtempSync(join(tmpdir(), 'mevmc-modlog-')), 'modules');
  const r = spawnSync(process.execPath, ['--import', HOOK, CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env, MEVMC_MODULE_LOG: log } });
  const loaded = existsSync(log) ? readFileSync(log, 'utf8') : '';
  expect(loaded).toMatch(/\/runtime\/|\/cli\//); // the hook saw the CLI's own modules
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, binaryen: /\/node_modules\/binaryen\//.test(loaded) };
}

// SSTORE(0, 1) twice, then CALL 0x…0b (no code) with all gas: a warm run still goes through the whole host.
const CODE = '0x600160005560016000556000600060006000600060' + '0b' + '5af1';

describe('the built CLI loads binaryen only to compile', { timeout: 120_000 }, () => {
  it('run: cold (loads it: the hook works), then warm from the disk cache (never loads it), same result', () => {
    const cache = mkdtempSync(join(tmpdir(), 'mevmc-lazy-'));
    const cold = cli(['run', CODE, '--json', '--cache-dir', cache]);
    expect(cold.status, cold.stderr).toBe(0);
    expect(cold.binaryen).toBe(true);
    const warm = cli(['run', CODE, '--json', '--cache-dir', cache]);
    expect(warm.status, warm.stderr).toBe(0);
    expect(warm.binaryen).toBe(false);
    expect(JSON.parse(warm.stdout)).toEqual({ ...JSON.parse(cold.stdout), execMs: JSON.parse(warm.stdout).execMs });
    expect(warm.stderr).toBe('');
    // A batch whose second case needs new code: binaryen comes in for it only, and both results are right.
    const batch = join(cache, 'cases.jsonl');
    writeFileSync(batch, [CODE, '0x60ff60005260206000f3'].map((code, i) => JSON.stringify({ id: `c${i}`, code, gas: '100000' })).join('\n') + '\n');
    const b = cli(['run', '--batch', batch, '--json', '--cache-dir', cache]);
    expect(b.status, b.stderr).toBe(0);
    expect(b.binaryen).toBe(true);
    const [r0, r1] = b.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(r0).toMatchObject({ id: 'c0', status: 'success', gasUsed: JSON.parse(cold.stdout).gasUsed });
    expect(r1).toMatchObject({ id: 'c1', status: 'success', output: '0x' + '00'.repeat(31) + 'ff' });
  });

  it('code met in a nested call that is in no cache: the case runs again with the compiler, same result as the reference', () => {
    const cache = mkdtempSync(join(tmpdir(), 'mevmc-lazy-nested-'));
    expect(cli(['run', CODE, '--json', '--cache-dir', cache]).status).toBe(0); // CODE cached, the callee 0x…0b has none
    const batch = join(cache, 'nested.jsonl');
    // The callee now has code (SSTORE(0, 0xff)) that no cache holds: its load fails inside CODE's CALL.
    const pre = { '0x000000000000000000000000000000000000000b': { code: '0x60ff60005500' } };
    writeFileSync(batch, JSON.stringify({ id: 'nested', code: CODE, gas: '200000', pre }) + '\n');
    const ours = cli(['run', '--batch', batch, '--json', '--cache-dir', cache]);
    const ref = cli(['run', '--batch', batch, '--json', '--engine', 'ref']);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.binaryen).toBe(true);
    expect({ ...JSON.parse(ours.stdout), execMs: 0 }).toEqual({ ...JSON.parse(ref.stdout), execMs: 0 });
    expect(JSON.parse(ours.stdout).gasUsed).not.toBe(JSON.parse(cli(['run', CODE, '--json', '--cache-dir', cache]).stdout).gasUsed);
  });

  it('disasm, --engine ref and input errors never load it', () => {
    const d = cli(['disasm', CODE, '--blocks']);
    expect(d.status, d.stderr).toBe(0);
    expect(d.binaryen).toBe(false);
    const ref = cli(['run', CODE, '--json', '--engine', 'ref']);
    expect(ref.status, ref.stderr).toBe(0);
    expect(ref.binaryen).toBe(false);
    const bad = cli(['run', '0x6', '--json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^mevmc: error: /);
    expect(bad.binaryen).toBe(false);
  });
});
