/**
 * @file The C text every generated contract starts with: the ABI header and the native prelude with
 * the headers it includes, inlined (`#include "x.h"` replaced by the file, once), so a generated
 * `.c` file compiles on its own, anywhere, with no include path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directories searched for quoted includes, in order. */
const INCLUDE_DIRS = [
  fileURLToPath(new URL('../../../runtime/include/', import.meta.url)),
  fileURLToPath(new URL('../../builtins/', import.meta.url)),
];

function readInclude(name: string): string {
  for (const dir of INCLUDE_DIRS) {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      /* next directory */
    }
  }
  throw new Error(`mevmc internal error: C header ${name} not found in ${INCLUDE_DIRS.join(', ')}`);
}

let cached: string | undefined;

/** The files named, in order, with their quoted includes inlined once each. */
export function amalgamateFiles(...names: string[]): string {
  const seen = new Set<string>();
  const expand = (name: string): string => {
    if (seen.has(name)) return '';
    seen.add(name);
    return readInclude(name).replace(/^[ \t]*#[ \t]*include[ \t]+"([^"]+)"[^\n]*$/gm, (_, inc: string) => expand(inc));
  };
  return names.map((n) => `${expand(n)}\n`).join('');
}

/** mevmc.h followed by mevmc_native.h, their quoted includes inlined once each. */
export function amalgamate(): string {
  cached ??= amalgamateFiles('mevmc.h', 'mevmc_native.h');
  return cached;
}
