/**
 * @file The dependency arrows stay one-way: src/ (the compiler) imports neither runtime/ nor cli/;
 * runtime/ never imports cli/; only src/backend/wasm/module.ts imports binaryen and only
 * src/backend/wasm/wat.ts imports wabt; only runtime/loader/native.ts loads koffi; what an embedder ships (runtime/
 * outside harness/) never imports the tooling in runtime/harness/; no two modules import each other, directly or
 * through others. Checked by scanning import statements.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const imports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);

/** Relative imports of every module under src/, runtime/ and cli/, resolved to repository paths. */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of ['src', 'runtime', 'cli'].flatMap((d) => tsFiles(join(ROOT, d)))) {
    g.set(relative(ROOT, f), imports(f).filter((i) => i.startsWith('.')).map((i) => relative(ROOT, resolve(dirname(f), i))));
  }
  return g;
}

/** Strongly connected components with more than one module (Tarjan): each is an import cycle. */
function cycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next); low.set(v, next); next++; stack.push(v); on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      for (let w = ''; w !== v;) { w = stack.pop()!; on.delete(w); scc.push(w); }
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('architecture', () => {
  it('no import cycles in src/, runtime/ or cli/', () => {
    expect(cycles(importGraph())).toEqual([]);
  });
  it('the cycle check finds a planted cycle', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });
  it('the embeddable runtime (runtime/ outside harness/) never imports runtime/harness/', () => {
    for (const [f, deps] of importGraph()) {
      if (!f.startsWith('runtime/') || f.startsWith('runtime/harness/')) continue;
      for (const d of deps) expect(d, f).not.toMatch(/^runtime\/harness\//);
    }
  });
  it('src/ imports neither runtime/ nor cli/', () => {
    for (const f of tsFiles(join(ROOT, 'src'))) {
      for (const i of imports(f)) expect(i, relative(ROOT, f)).not.toMatch(/(^|\/)(runtime|cli)\//);
    }
  });
  it('runtime/ never imports cli/', () => {
    for (const f of tsFiles(join(ROOT, 'runtime'))) {
      for (const i of imports(f)) expect(i, relative(ROOT, f)).not.toMatch(/(^|\/)cli\//);
    }
  });
  it('one file per foreign toolchain: binaryen only in module.ts, wabt only in wat.ts, koffi only in native.ts', () => {
    for (const f of [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'runtime')), ...tsFiles(join(ROOT, 'cli'))]) {
      const rel = relative(ROOT, f);
      for (const i of imports(f)) {
        if (i === 'binaryen') expect(rel).toBe('src/backend/wasm/module.ts');
        if (i === 'wabt') expect(rel).toBe('src/backend/wasm/wat.ts');
        if (i === 'koffi') expect(rel).toBe('runtime/loader/native.ts');
      }
      // koffi is loaded lazily through createRequire (the wasm engine must not depend on it)
      if (/\(\s*['"]koffi['"]\s*\)/.test(readFileSync(f, 'utf8'))) expect(rel).toBe('runtime/loader/native.ts');
    }
  });
});
