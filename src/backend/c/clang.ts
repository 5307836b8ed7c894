/**
 * @file The only place that runs clang for the native backend: C source → shared object.
 *
 * Needs clang ≥ 15 (`unsigned _BitInt(256)`); Debian/Ubuntu: `apt-get install clang-19`. Override
 * the choice with MEVMC_CLANG. The object exports only the three symbols of runtime/include/mevmc.h.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

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

/** Path of executable `name` in the directories of `path` (PATH syntax, searched as execvp does), or null; a name with a slash as is. */
export function whichExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  const usable = (f: string): boolean => {
    try {
      return statSync(f).isFile() && (accessSync(f, constants.X_OK), true);
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return usable(name) ? name : null;
  for (const d of path.split(delimiter)) {
    const f = join(d || '.', name); // as execvp: an empty entry is the working directory
    if (usable(f)) return f;
  }
  return null;
}

/**
 * The newest clang ≥ 15 among `candidates` on `path`. Only candidates found on PATH are run (`--version`): spawning
 * each of the nine names cost 0.35–0.7 s per thread in a process with a large heap (fork), which every first use of
 * the native SALT kernel paid (profile of validate-bench, 17666333).
 */
export function probeClang(candidates: readonly string[], path = process.env.PATH ?? ''): { clang: string; major: number } | null {
  let best: { clang: string; major: number } | null = null;
  for (const c of candidates) {
    const exe = whichExecutable(c, path);
    const v = exe === null ? null : major(exe);
    if (v !== null && (best === null || v > best.major)) best = { clang: c, major: v };
  }
  return best;
}

let found: { clang: string; major: number } | null | undefined;

/** The clang the native backend uses (MEVMC_CLANG, else the newest installed ≥ 15), or null. */
export function findClang(): { clang: string; major: number } | null {
  if (found !== undefined) return found;
  const env = process.env.MEVMC_CLANG;
  // MEVMC_CLANG is run as given (a name, a path, or anything execFileSync resolves).
  if (env) {
    const v = major(env);
    return (found = v === null ? null : { clang: env, major: v });
  }
  return (found = probeClang(CANDIDATES));
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
    // The SLP vectorizer was 10-17% of an -O2 build (revmc/seaport's -ftime-report) and changed ~0.1% of the
    // object's bytes: the words are _BitInt(256) values, which it leaves alone.
    ...(optimize > 0 ? ['-fno-slp-vectorize'] : []),
  ];
}

/**
 * clang's optimiser is superlinear in the size of a function; generated contracts are split into functions of bounded
 * size (functions.ts), so -O2 is about linear in the code. These limits keep very large contracts (a 60,006-block
 * state-test contract; 24 KB contracts have up to ~24,600 instructions) at -O0 (linear and ~4× cheaper). A deterministic
 * function of the code, so caches stay valid.
 */
export const MAX_OPTIMIZED_BLOCKS = 8_000;
export const MAX_OPTIMIZED_INSTS = 32_000;

/** The optimisation level actually used for a contract of `blocks` reachable blocks holding `insts` instructions. */
export function effectiveOpt(requested: NativeOpt, blocks: number, insts = 0): NativeOpt {
  return blocks > MAX_OPTIMIZED_BLOCKS || insts > MAX_OPTIMIZED_INSTS ? 0 : requested;
}

/** Sizes recorded by compileToC on the first line of its output (0 if absent), and its number of parts (1 if absent). */
function sizeOf(source: string): [number, number, number] {
  const head = source.slice(0, 400);
  const m = /; (\d+) blocks, (\d+) instructions[.;]/.exec(head);
  const p = /instructions; (\d+) parts[.;]/.exec(head);
  return [m ? Number(m[1]) : 0, m ? Number(m[2]) : 0, p ? Number(p[1]) : 1];
}

/**
 * The -O level a generated source is built at: `effectiveOpt` of its sizes, and -O0 when it holds a unit too large to
 * optimise (functions.ts OPTNONE_INSTS; marked `; -O0` on its first line): an `optnone` function inside an -O2 build
 * still costs ~3× a plain -O0 build (memory_grow_*: 7.6 CPU-seconds), and such contracts were -O0 before the split.
 */
export function sourceOpt(source: string, requested: NativeOpt): NativeOpt {
  if (/ parts; -O0\. \*\//.test(source.slice(0, 400))) return 0;
  const [blocks, insts] = sizeOf(source);
  return effectiveOpt(requested, blocks, insts);
}

/** No clang run may hang a process: beyond this it is killed and the build fails with a clear error. */
const CLANG_TIMEOUT_MS = 15 * 60_000;

/**
 * clang processes one build may run at once: MEVMC_CLANG_JOBS, else the machine's available parallelism (a source
 * split into parts, functions.ts PARTS, is compiled by up to this many processes and linked into one object).
 */
export function clangJobs(): number {
  const env = Number(process.env.MEVMC_CLANG_JOBS);
  return Number.isInteger(env) && env >= 1 ? env : Math.max(1, availableParallelism());
}

const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** Compile C source into a shared object at `outPath` (written atomically). */
export function buildSharedObject(source: string, outPath: string, opts: { optimize?: NativeOpt } = {}): void {
  const parts = sizeOf(source)[2];
  const optimize = sourceOpt(source, opts.optimize ?? 2);
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
    const jobs = Math.min(parts, clangJobs());
    try {
      if (jobs <= 1) {
        execFileSync(tc.clang, [...nativeCflags(optimize), src, '-o', tmpOut], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: CLANG_TIMEOUT_MS });
      } else {
        // Parts [lo, hi) per process, compiled at once by a shell (this function is synchronous), then linked.
        const cflags = nativeCflags(optimize).filter((f) => f !== '-shared');
        const objs: string[] = [];
        const cmds: string[] = [];
        for (let j = 0; j < jobs; j++) {
          const lo = Math.floor((j * parts) / jobs);
          const hi = Math.floor(((j + 1) * parts) / jobs);
          const obj = join(dir, `part${j}.o`);
          objs.push(obj);
          const argv = [tc.clang, ...cflags, '-c', `-DMEVMC_PART_LO=${lo}`, `-DMEVMC_PART_HI=${hi}`, src, '-o', obj];
          cmds.push(`${argv.map(quote).join(' ')} & p${j}=$!`);
        }
        const pids = objs.map((_, j) => `$p${j}`).join(' ');
        const script = [...cmds, `trap 'kill ${pids} 2>/dev/null' TERM INT`, 'rc=0', ...objs.map((_, j) => `wait $p${j} || rc=1`), 'exit $rc'].join('\n');
        execFileSync('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: CLANG_TIMEOUT_MS });
        execFileSync(tc.clang, ['-shared', '-fPIC', ...objs, '-o', tmpOut], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: CLANG_TIMEOUT_MS });
      }
    } catch (e) {
      const err = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
      throw new Error(`mevmc internal error: clang failed on generated C:\n${err.slice(0, 4000)}`);
    }
    renameSync(tmpOut, outPath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
