/**
 * @file Banderwagon group arithmetic (SPEC.md §3.4).
 *
 * Stage: group layer under the CRS, commitments and IPA verifier.
 * Input: points in extended twisted-Edwards coordinates over F_q (a = −5), scalars mod r,
 * 32-byte compressed / 64-byte uncompressed encodings.
 * Output: points, encodings and `map_to_scalar` values.
 * Invariants: Banderwagon is the quotient of Bandersnatch by the 2-torsion point (0, −1), so
 * (x, y) and (−x, −y) are the same element. Equality is therefore `X1·Y2 == X2·Y1`, encodings
 * canonicalise to "positive" y (v > q − v), and `map_to_scalar = x/y` is well defined on classes.
 */
import { Q, R, mod, inv, batchInv, sqrtQ, isSquare, beToBigint, bigintToBe32, bigintToLe32, leToBigint } from './field.ts';

/** Twisted Edwards parameter a = −5. */
export const A = Q - 5n;
/** Twisted Edwards parameter d = 138827208126141220649022263972958607803 / 171449701953573178309673572579671231137 mod q. */
export const D = 45022363124591815672509500913686876175488063829319466900776701791074614335719n;

/** A group element in extended coordinates: x = X/Z, y = Y/Z, T = XY/Z. */
export interface Point {
  readonly X: bigint;
  readonly Y: bigint;
  readonly T: bigint;
  readonly Z: bigint;
}

/** Neutral element (0, 1). */
export const IDENTITY: Point = { X: 0n, Y: 1n, T: 0n, Z: 1n };

/** The Banderwagon prime-subgroup generator (pinned in salt_vectors.json `curve.generator`). */
export const GENERATOR: Point = fromAffine(
  18886178867200960497001835917649091219057080094937609519140440539760939937304n,
  19188667384257783945677642223292697773471335439753913231509108946878080696678n,
);

/** Build a point from affine coordinates (no validation). */
export function fromAffine(x: bigint, y: bigint): Point {
  return { X: x, Y: y, T: (x * y) % Q, Z: 1n };
}

/** Unified addition (add-2008-hwcd, general a); complete on this curve. 9 multiplications. */
export function add(p: Point, q: Point): Point {
  const a = (p.X * q.X) % Q;
  const b = (p.Y * q.Y) % Q;
  const c = (((p.T * D) % Q) * q.T) % Q;
  const d = (p.Z * q.Z) % Q;
  const e = ((p.X + p.Y) * (q.X + q.Y) - a - b) % Q;
  const f = d - c;
  const g = d + c;
  const h = b + 5n * a; // b − a·A with A = −5
  return { X: mod(e * f, Q), Y: mod(g * h, Q), T: mod(e * h, Q), Z: mod(f * g, Q) };
}

/** Mixed addition with an affine point given as (x, y, x·y·d); 8 multiplications. */
export function addAffine(p: Point, x: bigint, y: bigint, td: bigint): Point {
  const a = (p.X * x) % Q;
  const b = (p.Y * y) % Q;
  const c = (p.T * td) % Q;
  const d = p.Z;
  const e = ((p.X + p.Y) * (x + y) - a - b) % Q;
  const f = d - c;
  const g = d + c;
  const h = b + 5n * a;
  return { X: mod(e * f, Q), Y: mod(g * h, Q), T: mod(e * h, Q), Z: mod(f * g, Q) };
}

/** Doubling (dbl-2008-hwcd). */
export function double(p: Point): Point {
  const a = (p.X * p.X) % Q;
  const b = (p.Y * p.Y) % Q;
  const c = (2n * p.Z * p.Z) % Q;
  const d = Q - ((5n * a) % Q); // A·a
  const xy = p.X + p.Y;
  const e = (xy * xy - a - b) % Q;
  const g = d + b;
  const f = g - c;
  const h = d - b;
  return { X: mod(e * f, Q), Y: mod(g * h, Q), T: mod(e * h, Q), Z: mod(f * g, Q) };
}

/** Negation (−x, y). */
export function neg(p: Point): Point {
  return { X: mod(-p.X, Q), Y: p.Y, T: mod(-p.T, Q), Z: p.Z };
}

/** p − q. */
export function sub(p: Point, q: Point): Point {
  return add(p, neg(q));
}

/** Banderwagon equality: (x1, y1) ~ (x2, y2) iff x1·y2 == x2·y1 (covers the (−x, −y) identification). */
export function equals(p: Point, q: Point): boolean {
  return (p.X * q.Y - q.X * p.Y) % Q === 0n;
}

/** Is `p` the neutral element (x = 0)? */
export function isIdentity(p: Point): boolean {
  return p.X % Q === 0n;
}

/** Variable-base scalar multiplication (double-and-add); for non-hot paths only. */
export function mul(p: Point, k: bigint): Point {
  let n = mod(k, R);
  let acc = IDENTITY;
  let base = p;
  while (n > 0n) {
    if (n & 1n) acc = add(acc, base);
    base = double(base);
    n >>= 1n;
  }
  return acc;
}

/**
 * Multi-scalar multiplication Σ k_i·P_i by Straus' interleaving with 4-bit windows: one shared
 * doubling chain, so ~253 doublings + 64 additions per term instead of ~380 point operations each.
 */
export function msm(points: readonly Point[], scalars: readonly bigint[]): Point {
  const n = points.length;
  if (n === 0) return IDENTITY;
  const tables: Point[][] = [];
  const ks: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const k = mod(scalars[i], R);
    ks.push(k);
    const t: Point[] = [IDENTITY, points[i]];
    if (k !== 0n) for (let j = 2; j < 16; j++) t.push(add(t[j - 1], points[i]));
    tables.push(t);
  }
  let acc = IDENTITY;
  for (let w = 63; w >= 0; w--) {
    if (w !== 63) for (let j = 0; j < 4; j++) acc = double(acc);
    const shift = BigInt(w * 4);
    for (let i = 0; i < n; i++) {
      const digit = Number((ks[i] >> shift) & 15n);
      if (digit !== 0) acc = add(acc, tables[i][digit]);
    }
  }
  return acc;
}

/** Affine (x, y) of a point. */
export function toAffine(p: Point): { x: bigint; y: bigint } {
  const zi = inv(p.Z, Q);
  return { x: (p.X * zi) % Q, y: (p.Y * zi) % Q };
}

/** Affine coordinates of many points with a single inversion. */
export function batchToAffine(ps: readonly Point[]): { x: bigint; y: bigint }[] {
  const zis = batchInv(ps.map((p) => p.Z), Q);
  return ps.map((p, i) => ({ x: (p.X * zis[i]) % Q, y: (p.Y * zis[i]) % Q }));
}

/** "Positive" in the Banderwagon sense: v is the lexicographically larger of {v, q − v}. */
export function isPositive(v: bigint): boolean {
  return v > Q - v;
}

/** 32-byte compressed encoding: big-endian of x if y is positive, else of −x (SPEC §3.4). */
export function compress(p: Point): Uint8Array {
  const { x, y } = toAffine(p);
  return bigintToBe32(isPositive(y) ? x : mod(-x, Q));
}

/** Compress many points sharing one inversion. */
export function batchCompress(ps: readonly Point[]): Uint8Array[] {
  return batchToAffine(ps).map(({ x, y }) => bigintToBe32(isPositive(y) ? x : mod(-x, Q)));
}

/**
 * Decode a compressed point, enforcing canonical x < q, curve membership and the subgroup
 * condition "1 − a·x² is a square" (Banderwagon `from_bytes`). Returns `undefined` on failure.
 */
export function decompress(bytes: Uint8Array): Point | undefined {
  if (bytes.length !== 32) return undefined;
  const x = beToBigint(bytes);
  if (x >= Q) return undefined;
  const y = yFromX(x);
  if (y === undefined) return undefined;
  return fromAffine(x, y);
}

/** The positive y with (x, y) on the curve and in the subgroup, if any. */
export function yFromX(x: bigint): bigint | undefined {
  const x2 = (x * x) % Q;
  const num = mod(1n - A * x2, Q);
  if (!isSquare(num, Q)) return undefined; // subgroup check
  const den = mod(1n - D * x2, Q);
  if (den === 0n) return undefined;
  const y = sqrtQ((num * inv(den, Q)) % Q);
  if (y === undefined) return undefined;
  return isPositive(y) ? y : Q - y;
}

/** 64-byte uncompressed encoding `x LE || y LE`, canonicalised to positive y (SALT `CommitmentBytes`). */
export function toUncompressed(p: Point): Uint8Array {
  return uncompressedFromAffine(toAffine(p));
}

/** Uncompressed encoding from affine coordinates. */
export function uncompressedFromAffine({ x, y }: { x: bigint; y: bigint }): Uint8Array {
  const out = new Uint8Array(64);
  const pos = isPositive(y);
  out.set(bigintToLe32(pos ? x : mod(-x, Q)), 0);
  out.set(bigintToLe32(pos ? y : Q - y), 32);
  return out;
}

/** Parse a 64-byte uncompressed encoding, checking the curve equation. */
export function fromUncompressed(bytes: Uint8Array): Point | undefined {
  if (bytes.length !== 64) return undefined;
  const x = leToBigint(bytes.subarray(0, 32));
  const y = leToBigint(bytes.subarray(32, 64));
  if (x >= Q || y >= Q) return undefined;
  const x2 = (x * x) % Q;
  const y2 = (y * y) % Q;
  if (mod(A * x2 + y2 - 1n - ((D * x2) % Q) * y2, Q) !== 0n) return undefined;
  return fromAffine(x, y);
}

/** `map_to_scalar(P) = (x/y mod q) mod r` — the "hash commitment" used for parents and the state root. */
export function mapToScalar(p: Point): bigint {
  // x/y = X/Y in projective coordinates, so Z is not needed.
  return ((p.X * inv(p.Y, Q)) % Q) % R;
}

/** `map_to_scalar` of many points with one inversion. */
export function batchMapToScalar(ps: readonly Point[]): bigint[] {
  const yi = batchInv(ps.map((p) => p.Y), Q);
  return ps.map((p, i) => ((p.X * yi[i]) % Q) % R);
}

/** 32-byte little-endian `map_to_scalar` (the form of a SALT state root). */
export function hashCommitment(p: Point): Uint8Array {
  return bigintToLe32(mapToScalar(p));
}
