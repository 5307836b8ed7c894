/**
 * @file Public compiler API: bytes in, artifact out. No import from runtime/ or cli/.
 */
import { analyze } from './analysis/index.ts';
import { compileToWasm, type WasmArtifact, type WasmOptions } from './backend/wasm/index.ts';
import { Fork } from './evm/forks.ts';

export { analyze } from './analysis/index.ts';
export type { Analysis, Block, BlockIdx, Exit } from './analysis/index.ts';
export { Fork, parseForkName, forkName, FORK_COMMON_NAMES, ALL_FORKS } from './evm/forks.ts';
export { TRAITS, Op, opName, traitsIn } from './evm/traits.ts';
export { baseGas } from './evm/gas.ts';
export { compileToWasm } from './backend/wasm/index.ts';
export type { CompileTimings, WasmArtifact, WasmOptions } from './backend/wasm/index.ts';
export { disassemble, formatBlocks } from './disasm.ts';

/** Compile runtime bytecode for `fork` to a wasm module. Total: never throws on any byte string. */
export function compile(code: Uint8Array, fork: Fork, opts: WasmOptions = {}): WasmArtifact {
  return compileToWasm(analyze(code, fork), opts);
}
