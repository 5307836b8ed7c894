/**
 * @file Kernel word layout and conversions, and the compiled kernel module: what every user of `kernel.wasm`
 * shares (split from kernel/index.ts so that crs.ts can decompress its candidates with the kernel without an
 * import cycle through `generatorWords`).
 *
 * Stage: below kernel/index.ts (commitment updates) and kernel/ec.ts (witness verification, CRS derivation).
 * Input/Output: BigInt points and scalars ↔ kernel words (9 radix-2^29 Montgomery limbs per coordinate,
 * 8 canonical 32-bit words per scalar).
 * Invariants: conversions are exact; `kernelModule()` compiles kernel.wasm once per thread.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Q, R } from '../field.ts';
import type { Point } from '../banderwagon.ts';

/** Words per field element (9 radix-2^29 limbs), extended point, scalar (8 × 32 bits) and job. */
export const FE_WORDS = 9;
export const POINT_WORDS = 4 * FE_WORDS;
export const SCALAR_WORDS = 8;
export const JOB_WORDS = 10;

const MONT = (1n << 261n) % Q;
const MONT_INV = (() => {
  // 2^-261 mod q by Fermat; computed once.
  let r = 1n;
  let b = MONT;
  let e = Q - 2n;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % Q;
    b = (b * b) % Q;
    e >>= 1n;
  }
  return r;
})();

/** Write a canonical integer < 2^256 as 8 LE words. */
export function bigintToWords(x: bigint, out: Uint32Array, off: number): void {
  let v = x;
  for (let i = 0; i < 8; i++) {
    out[off + i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

/** Read 8 LE words as an integer. */
export function wordsToBigint(w: Uint32Array, off: number): bigint {
  let x = 0n;
  for (let i = 7; i >= 0; i--) x = (x << 32n) | BigInt(w[off + i]);
  return x;
}

/** Write x < 2^261 as 9 radix-2^29 limbs. */
export function bigintToLimbs(x: bigint, out: Uint32Array, off: number): void {
  let v = x;
  for (let i = 0; i < FE_WORDS; i++) {
    out[off + i] = Number(v & 0x1fffffffn);
    v >>= 29n;
  }
}

/** Read 9 radix-2^29 limbs. */
export function limbsToBigint(w: Uint32Array, off: number): bigint {
  let x = 0n;
  for (let i = FE_WORDS - 1; i >= 0; i--) x = (x << 29n) | BigInt(w[off + i]);
  return x;
}

/** A BigInt point as kernel words (Montgomery extended coordinates). */
export function pointToWords(p: Point, out: Uint32Array = new Uint32Array(POINT_WORDS), off = 0): Uint32Array {
  const m = (v: bigint): bigint => ((((v % Q) + Q) % Q) * MONT) % Q;
  bigintToLimbs(m(p.X), out, off);
  bigintToLimbs(m(p.Y), out, off + FE_WORDS);
  bigintToLimbs(m(p.T), out, off + 2 * FE_WORDS);
  bigintToLimbs(m(p.Z), out, off + 3 * FE_WORDS);
  return out;
}

/** Kernel words back to a BigInt point (same projective representative). */
export function wordsToPoint(w: Uint32Array, off = 0): Point {
  const u = (o: number): bigint => (limbsToBigint(w, off + o) * MONT_INV) % Q;
  return { X: u(0), Y: u(FE_WORDS), T: u(2 * FE_WORDS), Z: u(3 * FE_WORDS) };
}

// r as words, for the JS-side scalar subtraction.
const R_WORDS = new Uint32Array(8);
bigintToWords(R, R_WORDS, 0);

/**
 * out = (a − b) mod r on canonical 8-word scalars, in plain JS (a wasm call per subtraction would
 * cost more than the arithmetic). Returns whether the result is non-zero.
 */
export function frSubWords(out: Uint32Array, oo: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): boolean {
  let borrow = 0;
  for (let i = 0; i < 8; i++) {
    const d = a[ao + i] - b[bo + i] - borrow;
    borrow = d < 0 ? 1 : 0;
    out[oo + i] = d >>> 0;
  }
  let nz = 0;
  if (borrow) {
    let c = 0;
    for (let i = 0; i < 8; i++) {
      const s = out[oo + i] + R_WORDS[i] + c;
      c = s > 0xffffffff ? 1 : 0;
      out[oo + i] = s >>> 0;
      nz |= out[oo + i];
    }
  } else for (let i = 0; i < 8; i++) nz |= out[oo + i];
  return nz !== 0;
}

let moduleCache: WebAssembly.Module | undefined;

/**
 * MEVMC_SALT_KERNEL_TIERING=eager compiles the kernel with TurboFan up front (V8's flags set around this one
 * synchronous compile, then put back, so contracts keep V8's default tiering); the default is V8's own tiering.
 * Measured on validateBlock of 13217637 at load 25-28, main-thread CPU (schedstat) of the update's 4,643 products:
 * 81-101 ms per validation lazy, 96-111 ms eager, i.e. the kernel reaches TurboFan early either way; eager costs
 * 64-75 ms of compilation per thread (7-8 ms lazy) and saved ~12 ms on the first batch in isolation.
 */
function compileEager(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  if (process.env.MEVMC_SALT_KERNEL_TIERING !== 'eager' || process.env.MEVMC_WASM_TIERING === 'eager') return new WebAssembly.Module(bytes);
  setFlagsFromString('--no-liftoff');
  setFlagsFromString('--no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    setFlagsFromString('--liftoff');
    setFlagsFromString('--wasm-lazy-compilation');
  }
}

/** The compiled kernel module (shared by every instance in this thread). */
export function kernelModule(): WebAssembly.Module {
  // MEVMC_SALT_KERNEL_WASM: another build of the kernel (A/B benchmarks of kernel changes in one session).
  if (!moduleCache) moduleCache = compileEager(readFileSync(process.env.MEVMC_SALT_KERNEL_WASM || new URL('./kernel.wasm', import.meta.url)));
  return moduleCache;
}
