/**
 * @file The only importer of binaryen: a thin typed wrapper plus the pinned optimisation setup.
 *
 * binaryen.js is ESM with top-level await; importing this module waits for it once. The version is
 * pinned exactly in package.json because the emitted code (and the pass pipeline) depends on it.
 */
import binaryen from 'binaryen';
import { type IRModule, T_I32, T_I64, T_NONE, T_UNREACHABLE, WasmWriter } from './writer.ts';

export { binaryen };
/** What the lowering builds on: a binaryen module, or the direct writer at -O0 (writer.ts). */
export type Module = IRModule;
/** An expression handle (binaryen's, or an index into the writer's node table). */
export type Expr = binaryen.ExpressionRef;
export type WasmType = binaryen.Type;

// The writer numbers types as binaryen does, so one set of constants serves both.
if (binaryen.none !== T_NONE || binaryen.unreachable !== T_UNREACHABLE || binaryen.i32 !== T_I32 || binaryen.i64 !== T_I64) {
  throw new Error('mevmc internal error: binaryen type ids changed (src/backend/wasm/writer.ts)');
}
export const i32 = binaryen.i32;
export const i64 = binaryen.i64;
export const none = binaryen.none;

/** Whether `e` never completes normally. */
export function isUnreachable(m: Module, e: Expr): boolean {
  return m instanceof WasmWriter ? m.isUnreachable(e) : binaryen.getExpressionType(e) === binaryen.unreachable;
}

/** Create a module with the features mevmc emits (bulk memory for memory.copy/fill, sign-ext, SIMD for byte swaps). */
export function createModule(): binaryen.Module {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt | binaryen.Features.MutableGlobals | binaryen.Features.SIMD128);
  return m;
}

/**
 * Optimise with binaryen's default -O2 pipeline. Level 2 (not 3/4) because compile time matters for
 * contracts of 24 KB, and V8's own tier-up does the rest; inlining of the small per-module helpers
 * (bswap) is what matters most, and -O2 does it.
 */
export function optimizeModule(m: binaryen.Module, level: 0 | 1 | 2 | 3 = 2): void {
  if (level === 0) return;
  binaryen.setOptimizeLevel(level);
  binaryen.setShrinkLevel(0);
  // bswap64 (12 instructions) must always be inlined: it runs on every MLOAD/MSTORE limb.
  //binaryen.setAlwaysInlineMaxSize(24);
  m.optimize();
}

/** Type of a tuple of params. */
export const params = (ts: readonly ('i32' | 'i64')[]): WasmType =>
  binaryen.createType(ts.map((t) => (t === 'i32' ? i32 : i64)));

/**
 * Identify a finished module (src/abi/wasm-meta.ts): an exported immutable i32 global with the ABI
 * version and custom sections. Added after optimisation: passes could drop unreferenced globals.
 */
export function addModuleIdentity(m: binaryen.Module, abiVersion: { name: string; value: number }, sections: readonly [string, Uint8Array][]): void {
  m.addGlobal(abiVersion.name, i32, false, m.i32.const(abiVersion.value));
  m.addGlobalExport(abiVersion.name, abiVersion.name);
  for (const [name, bytes] of sections) m.addCustomSection(name, bytes);
}
