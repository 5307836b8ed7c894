/**
 * @file IPA multiproof verification over the SALT CRS (SPEC.md §3.5; rust-verkle algorithm).
 *
 * Stage: witness verification (and proof generation for our own store, see `prover.ts`).
 * Input: queries (commitment C_i, point z_i ∈ [0, 256), claimed value y_i), a 576-byte
 * multiproof (D ‖ L[8] ‖ R[8] ‖ a), and a transcript label (`st` for SALT).
 * Output: accept / reject.
 * Invariants: SHA-256 transcript that accumulates bytes `label ‖ message` and, for a challenge,
 * hashes the whole state, clears it, and re-appends the challenge (`Fr::from_le_bytes_mod_order`);
 * points enter the transcript compressed, scalars as 32-byte LE. Queries are recorded in order, so
 * the query order is part of the proof.
 */
import { type Hash, createHash } from 'node:crypto';
import { R, batchInv, bigintToLe32, frFromLeBytesModOrder, leToBigint } from './field.ts';
import { type Point, add, compress, decompress, isIdentity, msm, neg } from './banderwagon.ts';
import { DOMAIN_SIZE, saltCrs } from './crs.ts';
import { ecKernel } from './kernel/ec.ts';
import { POINT_WORDS, generatorWords, pointToWords, wordsToPoint } from './kernel/index.ts';

/** Serialised size of a SALT multiproof (D + 8 L + 8 R + a). */
export const MULTIPROOF_BYTES = 576;
const ROUNDS = 8;

/**
 * The rust-verkle SHA-256 transcript. Messages stream into node:crypto's incremental SHA-256 (a witness
 * appends ~100 bytes per query, tens of thousands of times; buffering them for @noble/hashes was a quarter
 * of the verification once the curve arithmetic had moved to the kernel).
 */
export class Transcript {
  private h: Hash = createHash('sha256');
  private static labels = new Map<string, Buffer>();
  private readonly word = Buffer.alloc(32);

  constructor(label: string) {
    this.domainSep(label);
  }

  /** Append raw label bytes. */
  domainSep(label: string): void {
    let b = Transcript.labels.get(label);
    if (!b) Transcript.labels.set(label, (b = Buffer.from(label, 'utf8')));
    this.h.update(b);
  }

  /** Append `label ‖ message`. */
  appendMessage(label: string, msg: Uint8Array): void {
    this.domainSep(label);
    this.h.update(msg);
  }

  /** Append a scalar (< 2^256) as 32 bytes LE (via hex: Buffer.writeBigUInt64LE's checks cost more than the hash). */
  appendScalar(label: string, s: bigint): void {
    const w = this.word;
    w.write(s.toString(16).padStart(64, '0'), 'hex');
    w.reverse();
    this.appendMessage(label, w);
  }

  private static small: Buffer[] = [];

  /** Append a small non-negative integer (< 256, e.g. a domain point) as a 32-byte LE scalar, from a cached encoding. */
  appendSmall(label: string, v: number): void {
    let b = Transcript.small[v];
    if (!b) {
      b = Buffer.alloc(32);
      b[0] = v;
      Transcript.small[v] = b;
    }
    this.appendMessage(label, b);
  }

  /** Append a point in compressed form. */
  appendPoint(label: string, p: Point): void {
    this.appendMessage(label, compress(p));
  }

  /** Append an already compressed point (avoids recompressing witness points). */
  appendCompressed(label: string, c: Uint8Array): void {
    this.appendMessage(label, c);
  }

  /** Derive a challenge: hash everything, clear, then re-append the challenge under `label`. */
  challenge(label: string): bigint {
    this.domainSep(label);
    const s = frFromLeBytesModOrder(this.h.digest());
    this.h = createHash('sha256');
    this.appendScalar(label, s);
    return s;
  }
}

/**
 * A verifier query: the polynomial committed in `commitment` evaluates to `result` at `point`. The
 * commitment is given as a BigInt point, or as kernel words (`words`, 36 words: what the kernel's batch
 * decompression yields) — queries on the same commitment share the same object, which is how they are grouped.
 */
export interface VerifierQuery {
  readonly commitment?: Point;
  readonly words?: Uint32Array;
  /** Compressed commitment if known (saves a compression for the transcript). */
  readonly compressed?: Uint8Array;
  readonly point: number;
  readonly result: bigint;
}

/** A decoded multiproof. */
export interface MultiProof {
  readonly D: Point;
  readonly L: readonly Point[];
  readonly R: readonly Point[];
  readonly a: bigint;
  /** The original compressed encodings (used verbatim in the transcript). */
  readonly raw: Uint8Array;
}

/** Which arithmetic a verification uses: the wasm kernel (default) or the BigInt reference. */
export interface VerifyOptions {
  /** BigInt decompression and Straus MSM (banderwagon.ts): the reference the kernel path is tested against. */
  reference?: boolean;
}

/** Decode a 576-byte multiproof; returns a reason on malformed input. */
export function decodeMultiProof(bytes: Uint8Array, opts: VerifyOptions = {}): MultiProof | string {
  if (bytes.length !== MULTIPROOF_BYTES) return `multiproof must be ${MULTIPROOF_BYTES} bytes, got ${bytes.length}`;
  const pts: Point[] = [];
  const k = opts.reference ? undefined : ecKernel().decompress(bytes, 1 + 2 * ROUNDS);
  for (let i = 0; i < 1 + 2 * ROUNDS; i++) {
    const p = k ? (k.ok[i] ? wordsToPoint(k.points, i * POINT_WORDS) : undefined) : decompress(bytes.subarray(32 * i, 32 * i + 32));
    if (!p) return `multiproof point ${i} is not a valid Banderwagon element`;
    pts.push(p);
  }
  const a = leToBigint(bytes.subarray(544, 576));
  if (a >= R) return 'multiproof scalar a is not canonical';
  return { D: pts[0], L: pts.slice(1, 1 + ROUNDS), R: pts.slice(1 + ROUNDS), a, raw: bytes };
}

/** Encode a multiproof (inverse of `decodeMultiProof`). */
export function encodeMultiProof(D: Point, L: readonly Point[], Rv: readonly Point[], a: bigint): Uint8Array {
  const out = new Uint8Array(MULTIPROOF_BYTES);
  out.set(compress(D), 0);
  L.forEach((p, i) => out.set(compress(p), 32 + 32 * i));
  Rv.forEach((p, i) => out.set(compress(p), 32 + 32 * ROUNDS + 32 * i));
  out.set(bigintToLe32(a), 544);
  return out;
}

let weights: { aPrimeInv: bigint[] } | undefined;

/** Barycentric weights 1/A'(i) for the domain {0, …, 255}. */
function domainWeights(): { aPrimeInv: bigint[] } {
  if (!weights) {
    // A'(i) = Π_{j≠i} (i − j) = i! · (n−1−i)! · (−1)^(n−1−i): factorials instead of n² products (~50 ms per process).
    const fact: bigint[] = [1n];
    for (let k = 1; k < DOMAIN_SIZE; k++) fact.push((fact[k - 1] * BigInt(k)) % R);
    const aPrime: bigint[] = [];
    for (let i = 0; i < DOMAIN_SIZE; i++) {
      const p = (fact[i] * fact[DOMAIN_SIZE - 1 - i]) % R;
      aPrime.push((DOMAIN_SIZE - 1 - i) % 2 ? (R - p) % R : p);
    }
    weights = { aPrimeInv: batchInv(aPrime, R) };
  }
  return weights;
}

/** Lagrange basis evaluations L_i(t) for t outside the domain: A(t) / (A'(i)·(t − i)). */
export function lagrangeCoefficients(t: bigint): bigint[] {
  const { aPrimeInv } = domainWeights();
  let At = 1n;
  const diffs: bigint[] = [];
  for (let i = 0; i < DOMAIN_SIZE; i++) {
    const d = (((t - BigInt(i)) % R) + R) % R;
    diffs.push(d);
    At = (At * d) % R;
  }
  const dInv = batchInv(diffs, R);
  return dInv.map((di, i) => (((At * aPrimeInv[i]) % R) * di) % R);
}

/** Inner product mod r. */
export function innerProduct(a: readonly bigint[], b: readonly bigint[]): bigint {
  let s = 0n;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s % R;
}

/**
 * Verify an IPA multiproof for `queries` with a fresh transcript labelled `label`.
 * Returns `undefined` on success or a reason.
 */
export function verifyMultiProof(
  proof: MultiProof,
  queries: readonly VerifierQuery[],
  label = 'st',
  opts: VerifyOptions = {},
): string | undefined {
  const { G, Q: QP } = saltCrs();
  const ref = opts.reference === true;
  const pointOf = (q: VerifierQuery): Point => q.commitment ?? wordsToPoint(q.words!);
  for (const q of queries) if (!(q.point >= 0 && q.point < DOMAIN_SIZE && Number.isInteger(q.point))) return `query point ${q.point} outside the domain`;
  const tr = new Transcript(label);
  tr.domainSep('multiproof');
  for (const q of queries) {
    tr.appendCompressed('C', q.compressed ?? compress(pointOf(q)));
    tr.appendSmall('z', q.point);
    tr.appendScalar('y', q.result);
  }
  const r = tr.challenge('r');
  tr.appendCompressed('D', proof.raw.subarray(0, 32));
  const t = tr.challenge('t');
  // g2(t) = Σ r^i·y_i/(t − z_i); E = Σ r^i/(t − z_i)·C_i (scalars summed per distinct commitment). The points z
  // are domain positions, so one inversion batch of ≤ 256 (not one per query), and the sums stay unreduced until
  // the end (a product without the modulo is several times cheaper in BigInt).
  const seen = new Int32Array(DOMAIN_SIZE).fill(-1);
  const zs: number[] = [];
  for (const q of queries) if (seen[q.point] < 0) ((seen[q.point] = zs.length), zs.push(q.point));
  const dz = batchInv(zs.map((z) => (((t - BigInt(z)) % R) + R) % R), R);
  const ySum = zs.map(() => 0n);
  let ri = 1n;
  const byCommit = new Map<object, { q: VerifierQuery; h: bigint }>();
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i];
    const k = seen[q.point];
    ySum[k] += ri * q.result;
    const h = ri * dz[k];
    const key = q.words ?? q.commitment!;
    const e = byCommit.get(key);
    if (e) e.h += h;
    else byCommit.set(key, { q, h });
    ri = (ri * r) % R;
  }
  let g2 = 0n;
  for (let k = 0; k < zs.length; k++) g2 += (ySum[k] % R) * dz[k];
  g2 %= R;
  for (const e of byCommit.values()) e.h %= R;
  const groups = [...byCommit.values()];
  let E: Point;
  if (ref) E = msm(groups.map((g) => pointOf(g.q)), groups.map((g) => g.h));
  else {
    // The kernel MSM takes every base as words: decompressed commitments are already, others convert once.
    const w = new Uint32Array(groups.length * POINT_WORDS);
    groups.forEach((g, i) => (g.q.words ? w.set(g.q.words.subarray(0, POINT_WORDS), i * POINT_WORDS) : pointToWords(g.q.commitment!, w, i * POINT_WORDS)));
    E = wordsToPoint(ecKernel().msm(w, groups.map((g) => g.h)));
  }
  tr.appendPoint('E', E);
  const C = add(E, neg(proof.D));
  const b = lagrangeCoefficients(t);
  // IPA (rust-verkle `verify_multiexp`).
  tr.domainSep('ipa');
  tr.appendPoint('C', C);
  tr.appendScalar('input point', t);
  tr.appendScalar('output point', g2);
  const w = tr.challenge('w');
  const xs: bigint[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    tr.appendCompressed('L', proof.raw.subarray(32 + 32 * k, 64 + 32 * k));
    tr.appendCompressed('R', proof.raw.subarray(32 + 32 * (ROUNDS + k), 64 + 32 * (ROUNDS + k)));
    xs.push(tr.challenge('x'));
  }
  if (xs.some((x) => x === 0n)) return 'IPA challenge is zero';
  const xInv = batchInv(xs, R);
  // s_i = Π_{round k: bit (7 − k) of i set} x_k^{-1}: the folded G_0 = Σ s_i·G_i and b_0 = <b, s>.
  const s: bigint[] = new Array(DOMAIN_SIZE);
  for (let i = 0; i < DOMAIN_SIZE; i++) {
    let v = 1n;
    for (let k = 0; k < ROUNDS; k++) if ((i >> (ROUNDS - 1 - k)) & 1) v = (v * xInv[k]) % R;
    s[i] = v;
  }
  const b0 = innerProduct(b, s);
  const a = proof.a;
  // C + Σ x_k L_k + Σ x_k^{-1} R_k + w·(y − a·b0)·Q − a·Σ s_i G_i == 0
  const points: Point[] = [...proof.L, ...proof.R, C, QP];
  const scalars: bigint[] = [
    ...xs,
    ...xInv,
    1n,
    (((w * (g2 - ((a * b0) % R))) % R) + R) % R,
    ...s.map((si) => (R - ((a * si) % R)) % R),
  ];
  let holds: boolean;
  if (ref) holds = isIdentity(msm([...points, ...G], scalars));
  else {
    const w = new Uint32Array((points.length + DOMAIN_SIZE) * POINT_WORDS);
    points.forEach((p, i) => pointToWords(p, w, i * POINT_WORDS));
    w.set(generatorWords(), points.length * POINT_WORDS); // the CRS generators, converted once per thread
    const res = ecKernel().msm(w, scalars);
    holds = res.subarray(0, 9).every((x) => x === 0); // x = 0: the identity (Montgomery form of 0 is 0)
  }
  return holds ? undefined : 'IPA multiproof equation does not hold';
}

/** Helper for provers: r-powers. */
export function powers(x: bigint, n: number): bigint[] {
  const out: bigint[] = [];
  let p = 1n;
  for (let i = 0; i < n; i++) {
    out.push(p);
    p = (p * x) % R;
  }
  return out;
}
