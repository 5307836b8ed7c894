/**
 * @file The C backend's code generator on its own: total on any byte string (like the analysis), and what it
 * generates is C that clang accepts — for random byte strings, every opcode of every fork in random order, and the
 * corpus. Behaviour is tested elsewhere, by running the generated code against @ethereumjs/evm
 * (test/runtime/native-*.test.ts and the whole differential suite under MEVMC_TEST_ENGINE=native).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.ts';
import { findClang, nativeCflags } from '../../src/backend/c/clang.ts';
import { compileToC } from '../../src/backend/c/index.ts';
import { Fork } from '../../src/evm/forks.ts';
import { TRAITS } from '../../src/evm/traits.ts';

const clang = findClang();
if (!clang) console.warn('test/backend/c-codegen: no clang >= 15 found (apt-get install -y clang-19): clang checks skipped');

const dir = mkdtempSync(join(tmpdir(), 'mevmc-ctest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Compile several generated sources in one clang run (syntax and types only: fast). */
function clangAccepts(sources: string[]): void {
  if (!clang) return;
  const files = sources.map((s, i) => {
    const f = join(dir, `c${i}.c`);
    writeFileSync(f, s);
    return f;
  });
  const flags = nativeCflags(0).filter((f) => f !== '-shared' && f !== '-fPIC');
  try {
    execFileSync(clang.clang, [...flags, '-fsyntax-only', '-Werror', '-Wno-unused-label', '-Wno-unused-variable', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`clang rejected generated C:\n${String((e as { stderr?: Buffer }).stderr ?? e).slice(0, 3000)}`);
  }
}

describe('C backend code generation', () => {
  it('never throws on arbitrary byte strings, and clang accepts the output', () => {
    const sources: string[] = [];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(Fork.Frontier, Fork.Byzantium, Fork.Cancun, Fork.Osaka), (code, fork) => {
        const { source } = compileToC(analyze(code, fork));
        expect(source).toContain('int32_t mevmc_run(mevmc_frame *f)');
        if (sources.length < 40) sources.push(source);
      }),
      { numRuns: 300, seed: 42 },
    );
    clangAccepts(sources);
  });

  it('every defined opcode, with constant and run-time operands, gives C that compiles', () => {
    const sources: string[] = [];
    for (const fork of [Fork.Frontier, Fork.Osaka]) {
      const code: number[] = [];
      for (let op = 0; op < 256; op++) {
        const t = TRAITS[op];
        if (!t || t.kind === 'term' || t.kind === 'jump' || op === 0xff) continue;
        // run-time operands: CALLDATALOAD results; constant ones: PUSH1 values
        for (let i = 0; i < 7; i++) code.push(0x60, i, 0x35);
        code.push(op);
        for (let i = 0; i < 7; i++) code.push(0x60, 3 * i + 1);
        code.push(op);
      }
      code.push(0x00);
      sources.push(compileToC(analyze(Uint8Array.from(code), fork)).source);
    }
    clangAccepts(sources);
  });

  it('the corpus contracts give C that compiles', () => {
    const build = join(import.meta.dirname, '../../corpus/build');
    const sources = readdirSync(build).filter((f) => f.endsWith('.bin')).map((f) => {
      const code = Uint8Array.from(Buffer.from(readFileSync(join(build, f), 'utf8').trim().replace(/^0x/, ''), 'hex'));
      return compileToC(analyze(code, Fork.Cancun)).source;
    });
    expect(sources.length).toBeGreaterThan(10);
    clangAccepts(sources);
  });

  it('is deterministic and records fork and code hash in mevmc_contract_info', () => {
    const code = Uint8Array.from([0x60, 0x01, 0x60, 0x00, 0x55, 0x00]);
    const a = compileToC(analyze(code, Fork.Prague)).source;
    expect(compileToC(analyze(code, Fork.Prague)).source).toBe(a);
    expect(a).toMatch(/fork prague; code keccak256 0x[0-9a-f]{64}/);
  });
});
