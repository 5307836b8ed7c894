#!/usr/bin/env node
// Builds dist/: tsc emits JavaScript and declarations mirroring the source tree (tsconfig.build.json), then the
// files the code reads at run time next to its modules (builtins.wasm, the C headers, the SALT kernel) are copied
// beside them, so every `new URL('./x', import.meta.url)` resolves the same from src/ and from dist/.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// --keep-going (the test setup): emit even with type errors and keep files in place (a concurrent test may be
// running them); a plain build starts from an empty dist/ and fails on any type error.
const keepGoing = process.argv.includes('--keep-going');
if (!keepGoing) rmSync(dist, { recursive: true, force: true });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
} catch (e) {
  if (!keepGoing) process.exit(1);
  console.error('build-dist: type errors (see above); dist/ emitted anyway for the tests');
}

const ASSETS = [
  ['src/builtins', /\.(wasm|h)$|^state_native\.c$/], // state_native.c: the native state helper's source
  ['runtime/include', /\.h$/],
  ['runtime/salt/kernel', /\.wasm$|^kernel\.c$/], // kernel.c: the native SALT kernel's source
  ['cli/bench', /\.(c|json)$/],
];
for (const [dir, re] of ASSETS) {
  mkdirSync(join(dist, dir), { recursive: true });
  for (const f of readdirSync(join(root, dir))) if (re.test(f)) copyFileSync(join(root, dir, f), join(dist, dir, f));
}
chmodSync(join(dist, 'cli', 'mevmc.js'), 0o755);
writeFileSync(join(dist, '.built'), new Date().toISOString() + '\n');
