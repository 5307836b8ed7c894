/**
 * @file The dependency arrows stay one-way: src/ (the compiler) imports neither runtime/ nor cli/;
 * runtime/ never imports cli/; only src/backend/wasm/module.ts imports binaryen and only
 * src/backend/wasm/wat.ts imports wabt; only runtime/loader/native.ts loads koffi. Checked by scanning import statements.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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

describe('architecture', () => {
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
