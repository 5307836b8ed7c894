/**
 * @file Where the package's own files are: the folder holding mevmc's package.json, found by walking up from this
 * module, so paths hold both from the TypeScript sources and from the built `dist/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(d, 'package.json');
    if (existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).name === 'mevmc') return d;
    const up = dirname(d);
    if (up === d) throw new Error('mevmc: cannot find the package root (package.json named mevmc) above ' + fileURLToPath(import.meta.url));
    d = up;
  }
}

/** The package root (the repository root when run from a checkout). */
export const PACKAGE_ROOT = findRoot();
