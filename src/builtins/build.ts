/**
 * @file Builds `src/builtins/builtins.wasm` from the C sources next to this file (run with
 * `npx tsx src/builtins/build.ts`). The output is committed; this script exists to regenerate it
 * and, from the tests, to check that the committed file is still what the sources produce.
 *
 * Toolchain: clang ≥ 15 with the wasm32 target and wasm-ld (Debian: `apt-get install clang-19
 * lld-19`). Override with MEVMC_CLANG / MEVMC_WASM_LD. The committed file was built with clang
 * REFERENCE_CLANG_MAJOR, which is preferred when several are installed, since other versions
 * generate different (equally valid) code.
 *
 * The algorithms live in portable headers shared with the native backend's prelude
 * (C_HEADERS: u256_core.h, div_core.h, keccak_core.h, memory_core.h, included by the .c files
 * here and by mevmc_native.h), so editing one changes both targets: rebuild builtins.wasm and
 * run test/builtins (native.test.ts checks the native side).
 *
 * Determinism: no debug info, `--strip-all` drops names, producers and target-feature sections,
 * and objects are linked in a fixed order, so no path, timestamp or version string reaches the
 * output. After linking the module is checked against the layout of src/abi/context.ts: it
 * imports only `env.memory`, exports exactly the BUILTINS table, its shadow stack is
 * [0, BUILTIN_STACK_END) and its static data lies inside [BUILTIN_STACK_END, CTX).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_STACK_END, CTX } from '../abi/context.ts';
import { BUILTINS } from './table.ts';

/** The clang major version the committed builtins.wasm was produced with. */
export const REFERENCE_CLANG_MAJOR = 19;

/** Directory of the C sources (this file's directory). */
export const BUILTINS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The committed output. */
export const BUILTINS_WASM_PATH = join(BUILTINS_DIR, 'builtins.wasm');

/** Translation units, linked in this order. */
export const C_SOURCES = ['arith.c', 'div.c', 'keccak.c', 'memory.c'] as const;

/**
 * Headers the sources include (found through the includes, listed for reference): the wasm-only
 * ones, then the portable cores also included by the native prelude mevmc_native.h.
 */
export const C_HEADERS = [
  'mevmc_abi.h', 'u256.h', 'u256_core.h', 'div_core.h', 'keccak_core.h', 'memory_core.h',
] as const;

/** clang flags for freestanding wasm32 C (also used by runtime/salt/kernel). */
export const WASM_CFLAGS: readonly string[] = [
  '--target=wasm32-unknown-unknown',
  '-O3',
  '-ffreestanding',
  '-nostdlib',
  // No libc: stop LLVM from turning loops into memcpy/memset calls (they would become imports).
  '-fno-builtin',
  // An explicit feature set instead of the version-dependent "generic" default. Bulk memory
  // lets constant-size copies and fills lower to memory.copy/fill rather than libc calls.
  '-mcpu=mvp',
  '-mmutable-globals',
  '-msign-ext',
  '-mbulk-memory',
  '-mnontrapping-fptoint',
  '-std=c11',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-g0',
];

const LDFLAGS = [
  '--no-entry',
  '--import-memory',
  '--stack-first',
  '-z',
  `stack-size=${BUILTIN_STACK_END}`,
  '--strip-all',
  '-O2',
];

/** A usable compiler and linker. */
export interface Toolchain {
  clang: string;
  wasmLd: string;
  clangMajor: number;
}

/** Raised when no suitable clang/wasm-ld is installed. */
export class ToolchainMissingError extends Error {
  override name = 'ToolchainMissingError';
}

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return run(cmd, args);
  } catch {
    return null;
  }
}

const VERSIONS = [22, 21, 20, 19, 18, 17, 16, 15];

/** Major version of a clang that can target wasm32, or null. */
function clangMajor(clang: string): number | null {
  const v = tryRun(clang, ['--version']);
  const m = v && /clang version (\d+)/.exec(v);
  if (!m || Number(m[1]) < 15) return null;
  const targets = tryRun(clang, ['-print-targets']);
  if (targets !== null && !/\bwasm32\b/.test(targets)) return null;
  return Number(m[1]);
}

/** Finds clang and wasm-ld, preferring REFERENCE_CLANG_MAJOR; null when none is usable. */
export function findToolchain(): Toolchain | null {
  const clangs = process.env.MEVMC_CLANG
    ? [process.env.MEVMC_CLANG]
    : ['clang', ...VERSIONS.map((v) => `clang-${v}`)];
  const found: { clang: string; major: number }[] = [];
  for (const c of clangs) {
    const major = clangMajor(c);
    if (major !== null) found.push({ clang: c, major });
  }
  if (found.length === 0) return null;
  const pick = found.find((f) => f.major === REFERENCE_CLANG_MAJOR) ?? found[0];
  // A linker of the same release first: the one installed next to clang, then by name.
  const lds: string[] = [];
  if (process.env.MEVMC_WASM_LD) lds.push(process.env.MEVMC_WASM_LD);
  const beside = tryRun(pick.clang, ['-print-prog-name=wasm-ld'])?.trim();
  if (beside && beside !== 'wasm-ld') lds.push(beside);
  lds.push(`wasm-ld-${pick.major}`, 'wasm-ld', ...VERSIONS.map((v) => `wasm-ld-${v}`));
  for (const ld of lds) {
    if (tryRun(ld, ['--version']) !== null) return { clang: pick.clang, wasmLd: ld, clangMajor: pick.major };
  }
  return null;
}

/** Compiles and links the builtins; returns the checked module bytes (does not write them). */
export function buildBuiltins(tc: Toolchain | null = findToolchain()): Uint8Array<ArrayBuffer> {
  if (!tc) {
    throw new ToolchainMissingError(
      'building src/builtins needs clang >= 15 with the wasm32 target and wasm-ld ' +
        '(Debian/Ubuntu: apt-get install clang-19 lld-19; or set MEVMC_CLANG / MEVMC_WASM_LD)',
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), 'mevmc-builtins-'));
  try {
    const objects = C_SOURCES.map((src) => {
      const obj = join(tmp, src.replace(/\.c$/, '.o'));
      // Relative source names and cwd = the source dir: nothing machine-specific in the objects.
      run(tc.clang, [...WASM_CFLAGS, '-c', src, '-o', obj], BUILTINS_DIR);
      return obj;
    });
    // A second link that also exports the linker's layout symbols, only to read them: the data
    // (including any zero-initialised data) must end at or below CTX.
    const probe = join(tmp, 'probe.wasm');
    run(tc.wasmLd, [...LDFLAGS, '--export=__heap_base', '--export=__data_end', ...objects, '-o', probe]);
    const layout = layoutSymbols(new Uint8Array(readFileSync(probe)));
    if (layout.__heap_base > CTX || layout.__data_end > CTX) {
      throw new Error(
        `builtins static data ends at ${layout.__data_end} (__heap_base ${layout.__heap_base}), ` +
          `past CTX = ${CTX}: shrink the tables or move CTX in src/abi/context.ts`,
      );
    }
    const out = join(tmp, 'builtins.wasm');
    run(tc.wasmLd, [...LDFLAGS, ...objects, '-o', out]);
    const bytes = new Uint8Array(readFileSync(out));
    checkBuiltins(bytes);
    return bytes;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The state modules (issue #14 part 2): the state cache, with its own memory, and the frame-side
// SLOAD/SSTORE/TLOAD/TSTORE that call it. Built with the multi-value ABI: a word returns as 4 × i64.

/** The state modules: source, committed output, shadow-stack size, wasm SIMD (state_cache: a LOG's topic byte swaps). */
export const STATE_MODULES = [
  // Its own memory: a small stack, then data, then the arena from __heap_base.
  { name: 'state_cache', source: 'state_cache.c', stack: 8192, simd: true },
  // Runs in a frame memory: shares the builtins' stack region (never active at the same time) and has no data.
  { name: 'state_host', source: 'state_host.c', stack: BUILTIN_STACK_END, simd: false },
] as const;
export type StateModuleName = (typeof STATE_MODULES)[number]['name'];

/** Where a state module's committed bytes live. */
export const stateModulePath = (name: StateModuleName): string => join(BUILTINS_DIR, `${name}.wasm`);

/** Compiles and links one state module; returns its bytes (does not write them). */
export function buildStateModule(name: StateModuleName, tc: Toolchain | null = findToolchain()): Uint8Array<ArrayBuffer> {
  if (!tc) throw new ToolchainMissingError('building the state modules needs clang >= 15 with wasm32 and wasm-ld');
  const spec = STATE_MODULES.find((m) => m.name === name)!;
  const tmp = mkdtempSync(join(tmpdir(), 'mevmc-state-'));
  try {
    const obj = join(tmp, `${name}.o`);
    const mv = ['-mmultivalue', '-Xclang', '-target-abi', '-Xclang', 'experimental-mv'];
    run(tc.clang, [...WASM_CFLAGS, ...mv, ...(spec.simd ? ['-msimd128'] : []), '-c', spec.source, '-o', obj], BUILTINS_DIR);
    const out = join(tmp, `${name}.wasm`);
    run(tc.wasmLd, ['--no-entry', '--import-memory', '--stack-first', '-z', `stack-size=${spec.stack}`, '--strip-all', '-O2', obj, '-o', out]);
    const bytes = new Uint8Array(readFileSync(out));
    if (name === 'state_host' && summarizeWasm(bytes).data.length) throw new Error('state_host.wasm must have no data: it runs in frame memories');
    return bytes;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Checking the linked module

/** What checkBuiltins needs to know about a module. */
export interface WasmSummary {
  imports: { module: string; name: string; kind: number }[];
  exports: { name: string; kind: number; index: number }[];
  /** Globals whose initialiser is an i32.const (clang's __stack_pointer is the first). */
  globals: { type: number; mutable: boolean; init: number | null }[];
  /** Active data segments with i32.const offsets. */
  data: { offset: number; size: number }[];
}

/** Minimal wasm reader for the sections clang emits (enough for the layout checks). */
export function summarizeWasm(bytes: Uint8Array): WasmSummary {
  let p = 8;
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  };
  const s32 = (): number => {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++];
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return shift < 32 && b & 0x40 ? result | (-1 << shift) : result;
  };
  const name = (): string => {
    const n = u32();
    const s = new TextDecoder().decode(bytes.subarray(p, p + n));
    p += n;
    return s;
  };
  /** A constant expression: returns the i32.const value or null, and skips to `end`. */
  const constExpr = (): number | null => {
    let v: number | null = null;
    if (bytes[p] === 0x41) {
      p++;
      v = s32();
    }
    while (bytes[p] !== 0x0b) p++; // other initialisers are not expected from clang; skip them
    p++;
    return v;
  };
  const limits = (): void => {
    const flags = u32();
    u32();
    if (flags & 1) u32();
  };
  const sum: WasmSummary = { imports: [], exports: [], globals: [], data: [] };
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('not a wasm module');
  }
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = u32();
    const end = p + size;
    if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = bytes[p++];
        if (kind === 0) u32();
        else if (kind === 1) (p++, limits());
        else if (kind === 2) limits();
        else p += 2; // global: type, mutability
        sum.imports.push({ module, name: field, kind });
      }
    } else if (id === 6) {
      for (let n = u32(); n > 0; n--) {
        const type = bytes[p++];
        const mutable = bytes[p++] === 1;
        sum.globals.push({ type, mutable, init: constExpr() });
      }
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const field = name();
        const kind = bytes[p++];
        sum.exports.push({ name: field, kind, index: u32() });
      }
    } else if (id === 11) {
      for (let n = u32(); n > 0; n--) {
        const flags = u32();
        if (flags === 2) u32();
        const offset = flags === 1 ? null : constExpr();
        const len = u32();
        p += len;
        if (offset === null) throw new Error('passive data segment in builtins.wasm');
        sum.data.push({ offset, size: len });
      }
    }
    p = end;
  }
  return sum;
}

/** Values of the exported i32 globals __heap_base and __data_end of a probe link. */
function layoutSymbols(bytes: Uint8Array): { __heap_base: number; __data_end: number } {
  const s = summarizeWasm(bytes);
  const value = (sym: string): number => {
    const e = s.exports.find((x) => x.name === sym && x.kind === 3);
    const g = e && s.globals[e.index];
    if (!g || g.init === null) throw new Error(`probe link did not export ${sym}`);
    return g.init;
  };
  return { __heap_base: value('__heap_base'), __data_end: value('__data_end') };
}

/** Throws unless the module fits the ABI of src/abi/context.ts and exports exactly BUILTINS. */
export function checkBuiltins(bytes: Uint8Array): void {
  const s = summarizeWasm(bytes);
  const problems: string[] = [];
  const imports = s.imports.map((i) => `${i.module}.${i.name}`);
  if (imports.length !== 1 || imports[0] !== 'env.memory' || s.imports[0].kind !== 2) {
    problems.push(`imports must be exactly env.memory, got [${imports.join(', ')}]`);
  }
  const exported = s.exports.map((e) => e.name).sort();
  const expected = BUILTINS.map((b) => b.name).sort();
  if (exported.join() !== expected.join() || s.exports.some((e) => e.kind !== 0)) {
    problems.push(`exports must be the functions of BUILTINS: got [${exported.join(', ')}]`);
  }
  const sp = s.globals[0];
  if (!sp || sp.type !== 0x7f || !sp.mutable || sp.init !== BUILTIN_STACK_END) {
    problems.push(`the first global (__stack_pointer) must start at ${BUILTIN_STACK_END}`);
  }
  for (const d of s.data) {
    if (d.offset < BUILTIN_STACK_END || d.offset + d.size > CTX) {
      problems.push(`data segment [${d.offset}, ${d.offset + d.size}) outside [${BUILTIN_STACK_END}, ${CTX})`);
    }
  }
  // A shadow-stack overflow would run below address 0 and trap, never into data or the context.
  if (problems.length) throw new Error(`builtins.wasm violates the layout:\n  ${problems.join('\n  ')}`);
  // The signatures themselves are checked by instantiating against the table in the tests.
}

function main(): void {
  const tc = findToolchain();
  try {
    const bytes = buildBuiltins(tc);
    writeFileSync(BUILTINS_WASM_PATH, bytes);
    for (const m of STATE_MODULES) writeFileSync(stateModulePath(m.name), buildStateModule(m.name, tc));
    const last = summarizeWasm(bytes).data.reduce((m, d) => Math.max(m, d.offset + d.size), BUILTIN_STACK_END);
    console.log(
      `wrote ${BUILTINS_WASM_PATH} (${bytes.length} bytes; ${tc!.clang} ${tc!.clangMajor}, ${tc!.wasmLd}; ` +
        `static data ends at ${last} ≤ ${CTX})`,
    );
    if (tc!.clangMajor !== REFERENCE_CLANG_MAJOR) {
      console.warn(`note: clang ${tc!.clangMajor} differs from the reference ${REFERENCE_CLANG_MAJOR}; the output may differ from the committed file`);
    }
  } catch (e) {
    if (e instanceof ToolchainMissingError) {
      console.error(`error: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
