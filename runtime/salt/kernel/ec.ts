/**
 * @file Witness-verification arithmetic on the SALT kernel: batch point decompression (square roots,
 * subgroup check) and variable-base multi-scalar multiplication (Pippenger).
 *
 * Stage: `verifySaltProof` / `verifyMultiProof` (witness.ts, ipa.ts). The BigInt code of banderwagon.ts
 * (`decompress`, `msm`) stays the reference; test/salt/ec-kernel.test.ts compares the two.
 * Input: 32-byte compressed encodings; extended points in kernel words with BigInt scalars.
 * Output: kernel words (Montgomery extended coordinates, Z = 1 after decompression) and validity flags.
 * Invariants: one small instance per thread (no fixed-base tables: ~50 KB of square-root tables plus a
 * work area that grows with the batch); results depend only on the inputs.
 */
import { R } from '../field.ts';
import type { Point } from '../banderwagon.ts';
import { FE_WORDS, POINT_WORDS, SCALAR_WORDS, bigintToWords, pointToWords, wordsToPoint } from './words.ts';
import { type KernelInstance, type KernelKind, kernelInstance } from './native.ts';

interface EcExports extends KernelInstance {
  salt_sqrt_init(tbl: number): void;
  salt_fq_sqrt(tbl: number, r: number, a: number): number;
  salt_decompress_batch(tbl: number, inp: number, n: number, out: number, ok: number, scratch: number): void;
  salt_to_entries(pts: number, n: number, out: number, scratch: number): void;
  salt_msm(out: number, entries: number, scalars: number, n: number, c: number, scratch: number): void;
  salt_map_to_scalar_batch(pts: number, n: number, out: number, scratch: number): void;
}

const PAGE = 65536;
const SQRT_TABLE_BYTES = 5 * 256 * FE_WORDS * 4;
const ENTRY_WORDS = 3 * FE_WORDS;
const align = (n: number, a = 64): number => Math.ceil(n / a) * a;

/** Pippenger window minimising ⌈254/c⌉·(8·n + 20·2^(c−1)) field products (mixed adds into buckets, two running sums). */
export function msmWindow(n: number): number {
  let best = 2;
  let cost = Infinity;
  for (let c = 2; c <= 14; c++) {
    const k = Math.ceil(254 / c) * (8 * n + 20 * 2 ** (c - 1));
    if (k < cost) {
      cost = k;
      best = c;
    }
  }
  return best;
}

/** A kernel instance for decompression and MSMs. */
export class EcKernel {
  /** Which build of kernel.c runs this instance (kernel/native.ts). */
  readonly kind: KernelKind;
  private readonly x: EcExports;
  private readonly tbl: number;
  private readonly work: number;
  private u8: Uint8Array;
  private u32: Uint32Array;

  /** @param kind `native` or `wasm` (default: `kernelKind()`). */
  constructor(kind?: KernelKind) {
    this.x = kernelInstance(kind) as EcExports;
    this.kind = this.x.kind;
    this.tbl = align(this.x.__heap_base.value as number);
    this.work = align(this.tbl + SQRT_TABLE_BYTES);
    this.u8 = new Uint8Array(this.x.memory.buffer);
    this.u32 = new Uint32Array(this.x.memory.buffer);
    this.reserve(0);
    this.x.salt_sqrt_init(this.tbl);
  }

  /** Make [work, work + bytes) addressable (views are recreated after growth). */
  private reserve(bytes: number): void {
    const need = this.work + bytes;
    const have = this.x.memory.buffer.byteLength;
    if (need > have) {
      this.x.memory.grow(Math.ceil((need - have) / PAGE));
      this.u8 = new Uint8Array(this.x.memory.buffer);
      this.u32 = new Uint32Array(this.x.memory.buffer);
    }
  }

  /**
   * Banderwagon `from_bytes` of n 32-byte encodings laid end to end: `points` (n × 36 words, Z = 1) and
   * `ok[i]` = 1 when encoding i is canonical, on the curve and in the subgroup (else its point is the identity).
   */
  decompress(enc: Uint8Array, n: number): { points: Uint32Array; ok: Uint8Array } {
    if (enc.length < 32 * n) throw new RangeError('decompress: input shorter than 32·n bytes');
    const pb = n * POINT_WORDS * 4;
    const inp = this.work;
    const out = align(inp + 32 * n);
    const ok = align(out + pb);
    const scratch = align(ok + n);
    this.reserve(scratch - this.work + 2 * FE_WORDS * 4 * n);
    this.u8.set(enc.subarray(0, 32 * n), inp);
    this.x.salt_decompress_batch(this.tbl, inp, n, out, ok, scratch);
    return { points: this.u32.slice(out / 4, out / 4 + n * POINT_WORDS), ok: this.u8.slice(ok, ok + n) };
  }

  /** Square root in F_q of a canonical value (tests; decompression uses it in batch). */
  sqrt(a: bigint, q: bigint): bigint | undefined {
    const w = this.work / 4;
    // Montgomery form in, Montgomery form out: convert with the same factor both ways.
    const M = (1n << 261n) % q;
    const am = (a * M) % q;
    let v = am;
    for (let i = 0; i < FE_WORDS; i++) {
      this.u32[w + FE_WORDS + i] = Number(v & 0x1fffffffn);
      v >>= 29n;
    }
    if (!this.x.salt_fq_sqrt(this.tbl, this.work, this.work + FE_WORDS * 4)) return undefined;
    let r = 0n;
    for (let i = FE_WORDS - 1; i >= 0; i--) r = (r << 29n) | BigInt(this.u32[w + i]);
    return (r * modInverse(M, q)) % q;
  }

  /**
   * Σ scalars[i]·P_i for n extended points in kernel words (`pts`, n × 36 words); scalars are reduced
   * mod r. Returns the sum as 36 kernel words.
   */
  msm(pts: Uint32Array, scalars: readonly bigint[], n = scalars.length): Uint32Array {
    const out = new Uint32Array(POINT_WORDS);
    if (n === 0) {
      pointToWords({ X: 0n, Y: 1n, T: 0n, Z: 1n }, out);
      return out;
    }
    const c = msmWindow(n);
    const nwin = Math.ceil(254 / c);
    const ptsAt = this.work;
    const ent = align(ptsAt + n * POINT_WORDS * 4);
    const sc = align(ent + n * ENTRY_WORDS * 4);
    const res = align(sc + n * SCALAR_WORDS * 4);
    const scratch = align(res + POINT_WORDS * 4);
    const scratchBytes = Math.max(2 * FE_WORDS * 4 * n, (1 << (c - 1)) * POINT_WORDS * 4 + 2 * n * nwin);
    this.reserve(scratch - this.work + scratchBytes);
    this.u32.set(pts.subarray(0, n * POINT_WORDS), ptsAt / 4);
    this.x.salt_to_entries(ptsAt, n, ent, scratch);
    for (let i = 0; i < n; i++) bigintToWords(((scalars[i] % R) + R) % R, this.u32, sc / 4 + i * SCALAR_WORDS);
    this.x.salt_msm(res, ent, sc, n, c, scratch);
    out.set(this.u32.subarray(res / 4, res / 4 + POINT_WORDS));
    return out;
  }

  /** `map_to_scalar` of n points (kernel words) as canonical 8-word scalars, one inversion. */
  mapToScalars(pts: Uint32Array, n: number): Uint32Array {
    const pb = n * POINT_WORDS * 4;
    const out = align(this.work + pb);
    const scratch = align(out + n * SCALAR_WORDS * 4);
    this.reserve(scratch - this.work + 2 * FE_WORDS * 4 * n);
    this.u32.set(pts.subarray(0, n * POINT_WORDS), this.work / 4);
    this.x.salt_map_to_scalar_batch(this.work, n, out, scratch);
    return this.u32.slice(out / 4, out / 4 + n * SCALAR_WORDS);
  }
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [((a % m) + m) % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

let shared: EcKernel | undefined;

/** The thread's EcKernel. */
export function ecKernel(): EcKernel {
  return (shared ??= new EcKernel());
}

/** `msm` of banderwagon.ts on the kernel: BigInt points in, BigInt point out (same group element). */
export function msmKernel(points: readonly Point[], scalars: readonly bigint[]): Point {
  const w = new Uint32Array(points.length * POINT_WORDS);
  points.forEach((p, i) => pointToWords(p, w, i * POINT_WORDS));
  return wordsToPoint(ecKernel().msm(w, scalars));
}
