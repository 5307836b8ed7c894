/**
 * @file V8's tiering of compiled contracts (issue #14 part 0), decided once per process.
 *
 * By default V8 compiles wasm lazily with Liftoff (its baseline compiler) and moves hot functions to TurboFan
 * later, in the background; a call already running keeps its Liftoff code (there is no on-stack replacement).
 * A compiled contract is one large `run` function, so its first calls ran 3–8× slower than later ones
 * (snailtracer 538 ms then 326 ms then 66 ms; counter 18.6 ms then 0.1 ms). With eager TurboFan
 * (`--no-liftoff --no-wasm-lazy-compilation`) `new WebAssembly.Module` compiles every function optimised up
 * front: snailtracer's first call 100 ms, then 65 ms; counter's 0.7 ms. Compiling the module costs more
 * (~1.3× on snailtracer), once per contract and cached, which the runtime pays anyway before a first call.
 * V8 flags are per process (shared by worker threads) and are read when a module is compiled, so they are set
 * before the first contract module is; `MEVMC_WASM_TIERING=v8` keeps V8's defaults.
 */
import { setFlagsFromString } from 'node:v8';

let applied = false;

/** Make V8 compile wasm modules compiled from now on with TurboFan, eagerly (once per process). */
export function eagerWasmTiering(): void {
  if (applied) return;
  applied = true;
  if (process.env.MEVMC_WASM_TIERING === 'v8') return;
  setFlagsFromString('--no-liftoff');
  setFlagsFromString('--no-wasm-lazy-compilation');
}
