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
import { sha256 } from '@noble/hashes/sha2.js';
import { R, batchInv, bigintToLe32, frFromLeBytesModOrder, leToBigint } from './field.ts';
import { type Point, add, compress, decompress, isIdentity, msm, neg } from './banderwagon.ts';
import { DOMAIN_SIZE, saltCrs } from './crs.ts';

/** Serialised size of a SALT multiproof (D + 8 L + 8 R + a). */
export const MULTIPROOF_BYTES = 576;
const ROUNDS = 8;

/** The rust-verkle SHA-256 transcript. */
export class Transcript {
  private chunks: Uint8Array[] = [];
  private static enc = new TextEncoder();

  constructor(label: string) {
    this.domainSep(label);
  }

  /** Append raw label bytes. */
  domainSep(label: string): void {
    this.chunks.push(Transcript.enc.encode(label));
  }

  /** Append `label ‖ message`. */
  appendMessage(label: string, msg: Uint8Array): void {
    this.domainSep(label);
    this.chunks.push(msg);
  }

  /** Append a scalar as 32 bytes LE. */
  appendScalar(label: string, s: bigint): void {
    this.appendMessage(label, bigintToLe32(s));
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
    let n = 0;
    for (const c of this.chunks) n += c.length;
    const all = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      all.set(c, o);
      o += c.length;
    }
    const s = frFromLeBytesModOrder(sha256(all));
    this.chunks = [];
    this.appendScalar(label, s);
    return s;
  }
}

/** A verifier query: the polynomial committed in `commitment` evaluates to `result` at `point`. */
export interface VerifierQuery {
  readonly commitment: Point;
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

/** Decode a 576-byte multiproof; returns a reason on malformed input. */
export function decodeMultiProof(bytes: Uint8Array): MultiProof | string {
  if (bytes.length !== MULTIPROOF_BYTES) return `multiproof must be ${MULTIPROOF_BYTES} bytes, got ${bytes.length}`;
  const pts: Point[] = [];
  for (let i = 0; i < 1 + 2 * ROUNDS; i++) {
    const p = decompress(bytes.subarray(32 * i, 32 * i + 32));
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
    const aPrime: bigint[] = [];
    for (let i = 0; i < DOMAIN_SIZE; i++) {
      let p = 1n;
      for (let j = 0; j < DOMAIN_SIZE; j++) if (j !== i) p = (p * BigInt(i - j)) % R;
      aPrime.push(((p % R) + R) % R);
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
export function verifyMultiProof(proof: MultiProof, queries: readonly VerifierQuery[], label = 'st'): string | undefined {
  const { G, Q: QP } = saltCrs();
  const tr = new Transcript(label);
  tr.domainSep('multiproof');
  for (const q of queries) {
    tr.appendCompressed('C', q.compressed ?? compress(q.commitment));
    tr.appendScalar('z', BigInt(q.point));
    tr.appendScalar('y', q.result);
  }
  const r = tr.challenge('r');
  tr.appendCompressed('D', proof.raw.subarray(0, 32));
  const t = tr.challenge('t');
  // g2(t) = Σ r^i·y_i/(t − z_i); E = Σ r^i/(t − z_i)·C_i (scalars summed per distinct commitment).
  const dens = batchInv(queries.map((q) => (((t - BigInt(q.point)) % R) + R) % R), R);
  let g2 = 0n;
  let ri = 1n;
  const byCommit = new Map<Point, bigint>();
  for (let i = 0; i < queries.length; i++) {
    const h = (ri * dens[i]) % R;
    g2 = (g2 + h * queries[i].result) % R;
    byCommit.set(queries[i].commitment, ((byCommit.get(queries[i].commitment) ?? 0n) + h) % R);
    ri = (ri * r) % R;
  }
  const E = msm([...byCommit.keys()], [...byCommit.values()]);
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
  const points: Point[] = [...proof.L, ...proof.R, C, QP, ...G];
  const scalars: bigint[] = [
    ...xs,
    ...xInv,
    1n,
    (((w * (g2 - ((a * b0) % R))) % R) + R) % R,
    ...s.map((si) => (R - ((a * si) % R)) % R),
  ];
  const res = msm(points, scalars);
  return isIdentity(res) ? undefined : 'IPA multiproof equation does not hold';
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
