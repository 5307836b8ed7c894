/**
 * @file Builds `runtime/salt/kernel/kernel.wasm` from `kernel.c` (run `npx tsx runtime/salt/kernel/build.ts`).
 * The output is committed so that running SALT needs no C toolchain; this script regenerates it, and
 * `test/salt/kernel.test.ts` checks that the committed file is what the source produces today.
 *
 * Toolchain discovery is shared with `src/builtins/build.ts` (clang ≥ 15 with wasm32 + wasm-ld,
 * preferring clang 19, the version the committed file was built with).
 *
 * Determinism: no debug info and `--strip-all` (no names, producers or target-feature sections), the
 * source is compiled by its relative name from its own directory, so no path, timestamp or version
 * string reaches the output. Unlike the builtins, the kernel owns and exports its memory: it runs
 * outside the compiled contracts' address space, and the JavaScript side lays out tables and work
 * buffers above the exported `__heap_base`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE_CLANG_MAJOR, ToolchainMissingError, WASM_CFLAGS, findToolchain, type Toolchain } from '../../../src/builtins/build.ts';

export { REFERENCE_CLANG_MAJOR, findToolchain };

/** Directory of kernel.c (this file's directory). */
export const KERNEL_DIR = fileURLToPath(new URL('.', import.meta.url));
/** The committed output. */
export const KERNEL_WASM_PATH = join(KERNEL_DIR, 'kernel.wasm');

/** The same freestanding wasm32 flags as the builtins. */
const CFLAGS = WASM_CFLAGS;

/** 64 KiB shadow stack below the static data; the kernel's deepest frame uses well under 2 KiB. */
const LDFLAGS = ['--no-entry', '--stack-first', '-z', 'stack-size=65536', '--export=__heap_base', '--strip-all', '-O2'];

/** Compile and link the kernel; returns the module bytes (does not write them). */
export function buildKernel(tc: Toolchain | null = findToolchain()): Uint8Array {
  if (!tc) {
    throw new ToolchainMissingError(
      'building runtime/salt/kernel needs clang >= 15 with the wasm32 target and wasm-ld ' +
        '(Debian/Ubuntu: apt-get install clang-19 lld-19; or set MEVMC_CLANG / MEVMC_WASM_LD)',
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), 'mevmc-salt-kernel-'));
  try {
    const obj = join(tmp, 'kernel.o');
    execFileSync(tc.clang, [...CFLAGS, '-c', 'kernel.c', '-o', obj], { cwd: KERNEL_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = join(tmp, 'kernel.wasm');
    execFileSync(tc.wasmLd, [...LDFLAGS, obj, '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main(): void {
  const tc = findToolchain();
  const bytes = buildKernel(tc);
  writeFileSync(KERNEL_WASM_PATH, bytes);
  console.log(`wrote ${KERNEL_WASM_PATH} (${bytes.length} bytes; ${tc!.clang} ${tc!.clangMajor}, ${tc!.wasmLd})`);
  if (tc!.clangMajor !== REFERENCE_CLANG_MAJOR) {
    console.warn(`note: clang ${tc!.clangMajor} differs from the reference ${REFERENCE_CLANG_MAJOR}; the output may differ from the committed file`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
