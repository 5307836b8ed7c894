/**
 * @file The only place that runs clang for the native backend: C source → shared object.
 *
 * Needs clang ≥ 15 (`unsigned _BitInt(256)`); Debian/Ubuntu: `apt-get install clang-19`. Override
 * the choice with MEVMC_CLANG. The object exports only the three symbols of runtime/include/mevmc.h.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Raised when no suitable clang is installed. */
export class ClangMissingError extends Error {
  override name = 'ClangMissingError';
}

const CANDIDATES = ['clang', ...[22, 21, 20, 19, 18, 17, 16, 15].map((v) => `clang-${v}`)];

/** Version of a usable clang: major ≥ 15. */
function major(clang: string): number | null {
  try {
    const m = /clang version (\d+)/.exec(execFileSync(clang, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return m && Number(m[1]) >= 15 ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

let found: { clang: string; major: number } | null | undefined;

/** The clang the native backend uses (MEVMC_CLANG, else the newest installed ≥ 15), or null. */
export function findClang(): { clang: string; major: number } | null {
  if (found !== undefined) return found;
  found = null;
  const list = process.env.MEVMC_CLANG ? [process.env.MEVMC_CLANG] : CANDIDATES;
  for (const c of list) {
    const v = major(c);
    if (v !== null && (found === null || v > found.major)) found = { clang: c, major: v };
  }
  return found;
}

/** Optimisation level of the native code (clang -O). */
export type NativeOpt = 0 | 1 | 2 | 3;

/** clang flags for a generated contract (also the reference for hand-written comparison code in the bench). */
export function nativeCflags(optimize: NativeOpt = 2): string[] {
  return [
    '-x', 'c', '-std=gnu2x', `-O${optimize}`, '-shared', '-fPIC', '-fvisibility=hidden',
    // Deterministic and self-contained: no stack protector or unwind tables to reference libc symbols.
    '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-g0',
    '-Wno-unused-label', '-Wno-unused-variable', '-Wno-unused-function',
  ];
}

/**
 * Above this many blocks clang's optimiser takes minutes on the one big function we emit (measured with clang 19:
 * snailtracer, 978 blocks, 35–50 s at -O1/-O2; a 60,006-block state-test contract over 2 minutes at -O1, 2 s at
 * -O0), so larger contracts are built at -O0, which is linear. A deterministic function of the code: caches stay valid.
 */
export const MAX_OPTIMIZED_BLOCKS = 1500;

/** The optimisation level actually used for a contract of `blocks` reachable blocks. */
export function effectiveOpt(requested: NativeOpt, blocks: number): NativeOpt {
  return blocks > MAX_OPTIMIZED_BLOCKS ? 0 : requested;
}

/** Blocks recorded by compileToC on the first line of its output (0 if absent). */
const blocksOf = (source: string): number => Number(/; (\d+) blocks\. \*\//.exec(source.slice(0, 400))?.[1] ?? 0);

/** No clang run may hang a process: beyond this it is killed and the build fails with a clear error. */
const CLANG_TIMEOUT_MS = 15 * 60_000;

/** Compile C source into a shared object at `outPath` (written atomically). */
export function buildSharedObject(source: string, outPath: string, opts: { optimize?: NativeOpt } = {}): void {
  const optimize = effectiveOpt(opts.optimize ?? 2, blocksOf(source));
  const tc = findClang();
  if (!tc) {
    throw new ClangMissingError(
      'the native backend needs clang >= 15 (for unsigned _BitInt(256)); install it with ' +
        '`apt-get install -y clang-19` (Debian/Ubuntu) or point MEVMC_CLANG at one',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'mevmc-c-'));
  try {
    const src = join(dir, 'contract.c');
    writeFileSync(src, source);
    const tmpOut = join(dirname(outPath), `.${process.pid}.${Math.random().toString(36).slice(2)}.so.tmp`);
    try {
      execFileSync(tc.clang, [...nativeCflags(optimize), src, '-o', tmpOut], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: CLANG_TIMEOUT_MS });
    } catch (e) {
      const err = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
      throw new Error(`mevmc internal error: clang failed on generated C:\n${err.slice(0, 4000)}`);
    }
    renameSync(tmpOut, outPath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
