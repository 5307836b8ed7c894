/**
 * @file V8's tiering of compiled contracts (issue #14 part 0), decided once per process.
 *
 * V8 compiles wasm lazily with Liftoff (its baseline compiler) and moves hot functions to TurboFan in the
 * background; a call already running keeps its Liftoff code (no on-stack replacement). A compiled contract is one
 * large `run` function, so a compute-heavy contract's first calls run 3–8× slower than later ones (snailtracer
 * 538 ms, 326 ms, then 66 ms). Eager TurboFan (`--no-liftoff --no-wasm-lazy-compilation`) fixes first calls
 * (snailtracer 100 ms, counter 0.7 ms instead of 18.6 ms) but makes every module load a full TurboFan compile —
 * the disk cache holds binaryen's output, not V8's machine code — about 250 ms per real contract. Measured on
 * mainnet blocks 11114732 + 13287210 with cold contracts (`mevmc block … --json`): eager 62.4 s loading + 0.7 s
 * executing, V8's default 15.7 s + 4.7 s. Most contracts of a block or a sequencer's stream run a few times per
 * load, and hot ones tier up on their own, so V8's default tiering is the default here; `MEVMC_WASM_TIERING=eager`
 * chooses eager TurboFan for workloads of a few hot contracts where the first call matters.
 * V8 flags are per process (shared by worker threads) and are read when a module is compiled, so they are set
 * before the first contract module is. Branch hints (src/backend/wasm/branch-hints.ts: memory expansion's call
 * placed out of line by TurboFan) are read by Node 20's V8 only behind its experimental flag; they move code, never
 * change what it computes. `MEVMC_WASM_BRANCH_HINTS=off` leaves the flag alone. It is set only on the V8 it was
 * measured on (11.x, Node 20; `=on` forces it elsewhere): V8 prints "unrecognized flag" on stderr for a flag a later
 * version dropped, and a module whose hints are not read still runs the same.
 */
import { setFlagsFromString } from 'node:v8';

let applied = false;

/** Apply the tiering chosen by `MEVMC_WASM_TIERING` (default: V8's own) before the first module is compiled. */
export function applyWasmTiering(): void {
  if (applied) return;
  applied = true;
  const hints = process.env.MEVMC_WASM_BRANCH_HINTS;
  if (hints === 'on' || (hints !== 'off' && process.versions.v8.startsWith('11.'))) setFlagsFromString('--experimental-wasm-branch-hinting');
  if (process.env.MEVMC_WASM_TIERING !== 'eager') return;
  setFlagsFromString('--no-liftoff');
  setFlagsFromString('--no-wasm-lazy-compilation');
}
