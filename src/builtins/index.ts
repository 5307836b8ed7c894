/**
 * @file The builtins: 256-bit helpers (MUL, DIV, SDIV, MOD, SMOD, EXP, ADDMOD, MULMOD, SIGNEXTEND,
 * BYTE, shifts, CLZ), KECCAK256 and EVM memory expansion, written in C (src/builtins/*.c) and
 * compiled by clang into the committed `builtins.wasm` (regenerate with
 * `npx tsx src/builtins/build.ts`).
 *
 * A compiled contract imports these functions and instantiates this module with the same
 * `env.memory`; the builtins use [0, BUILTIN_STACK_END) as their shadow stack and keep their
 * constants and caches (Barrett moduli, the KECCAK256 memo: zero means empty) in
 * [BUILTIN_STACK_END, CTX) (see src/abi/context.ts). Instantiating this module writes those
 * constants into the memory, so instantiate it after creating the memory and before running code
 * (and again if that part of the memory is ever cleared).
 */
import { readFileSync } from 'node:fs';

export { BUILTINS, builtin, type BuiltinSpec, type BuiltinType } from './table.ts';

/** The bytes of builtins.wasm. Its only import is `env.memory`. */
export const BUILTINS_WASM: Uint8Array<ArrayBuffer> = new Uint8Array(
  readFileSync(new URL('./builtins.wasm', import.meta.url)),
);

let compiled: WebAssembly.Module | undefined;

/** The compiled builtins module (compiled once, on first use). */
export function builtinsModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(BUILTINS_WASM);
  return compiled;
}

/**
 * The state modules (issue #14 part 2, built from state_cache.c / state_host.c by build.ts): the state cache with
 * its own memory (runtime/state/state-cache.ts instantiates it once), and the frame-side SLOAD/SSTORE/TLOAD/TSTORE
 * instantiated over each frame memory next to the builtins.
 */
const stateModules = new Map<string, WebAssembly.Module>();
export function stateModule(name: 'state_cache' | 'state_host'): WebAssembly.Module {
  let m = stateModules.get(name);
  if (!m) stateModules.set(name, (m = new WebAssembly.Module(new Uint8Array(readFileSync(new URL(`./${name}.wasm`, import.meta.url))))));
  return m;
}
