/**
 * @file SALT proof generation for key sets of our own store (SPEC.md §3.5; the prover side of ipa.ts).
 *
 * Stage: serving witnesses — the inverse of `verifySaltProof` in witness.ts.
 * Input: a `SaltState` and SaltKeys (bucket << 40 | slot; data or metadata slots, present or not).
 * Output: `{ kvs, proof }` in the witness format (`kvs`: key → value or undefined; `proof`:
 * parents_commitments, 576-byte multiproof, levels), accepted by `verifySaltProof` against `root()`.
 * Invariants: the opened nodes and the query order are the verifier's (`proofShape`: internal nodes
 * by logical id, then leaves, positions ascending), because the transcript binds the order. The
 * multiproof is rust-verkle's: g(X) = Σ rⁱ (fᵢ(X) − yᵢ)/(X − zᵢ) in evaluation form, D = [g],
 * h(X) = Σ rⁱ fᵢ(X)/(t − zᵢ), then an 8-round IPA for h − g at t. IPA folding never materialises the
 * folded generators: a folded generator is Σ cᵢ·Gᵢ over the original CRS with cᵢ a product of x⁻¹,
 * so every L/R is a 256-term fixed-base MSM on the kernel's tables plus one multiple of Q.
 */
import { type Point, IDENTITY, add, batchCompress, compress, mul, neg } from './banderwagon.ts';
import { R, batchInv, inv, mod } from './field.ts';
import { DOMAIN_SIZE, saltCrs } from './crs.ts';
import { Transcript, encodeMultiProof, innerProduct, lagrangeCoefficients } from './ipa.ts';
import { type SaltValue, slotScalar, splitSaltKey } from './keys.ts';
import { type SaltProofData, childId, connectId, proofShape } from './witness.ts';
import { STARTING_NODE_ID } from './trie.ts';
import type { SaltState } from './state.ts';
import { JOB_WORDS, POINT_WORDS, type SaltKernel, bigintToWords, defaultKernel, pointToWords, wordsToPoint } from './kernel/index.ts';

const SLOT_MASK = (1n << 40n) - 1n;
const ROUNDS = 8;

/** A prover query: polynomial `f` (256 evaluations), its commitment, the point and the value f(z). */
interface ProverQuery {
  readonly commitment: Point;
  readonly f: readonly bigint[];
  readonly z: number;
  readonly y: bigint;
  /** The commitment's encoding if known (saves compressing it for the transcript). */
  readonly compressed?: Uint8Array;
}

/** Σ cᵢ·Gᵢ over the CRS generators, on the kernel's fixed-base tables. */
function commitVector(c: readonly bigint[], kernel: SaltKernel): Point {
  const acc = pointToWords(IDENTITY);
  const jobs = new Uint32Array(c.length * JOB_WORDS);
  let n = 0;
  for (let i = 0; i < c.length; i++) {
    const s = mod(c[i], R);
    if (s === 0n) continue;
    jobs[n * JOB_WORDS] = 0;
    jobs[n * JOB_WORDS + 1] = i;
    bigintToWords(s, jobs, n * JOB_WORDS + 2);
    n++;
  }
  kernel.mulBatch(acc, 1, jobs, n);
  return wordsToPoint(acc.subarray(0, POINT_WORDS));
}

let weights: { aPrime: bigint[]; aPrimeInv: bigint[]; invDiff: bigint[] } | undefined;

/** A'(i) for the domain 0..255, its inverses, and 1/d for d ∈ [−255, 255] (index d + 255). */
function domain(): NonNullable<typeof weights> {
  if (!weights) {
    // A'(i) = Π_{j≠i} (i − j) = i!·(n−1−i)!·(−1)^(n−1−i): 512 products instead of 65,280.
    const fact: bigint[] = [1n];
    for (let k = 1; k < DOMAIN_SIZE; k++) fact.push((fact[k - 1] * BigInt(k)) % R);
    const aPrime: bigint[] = [];
    for (let i = 0; i < DOMAIN_SIZE; i++) {
      const p = (fact[i] * fact[DOMAIN_SIZE - 1 - i]) % R;
      aPrime.push((DOMAIN_SIZE - 1 - i) % 2 ? mod(-p, R) : p);
    }
    const diffs = Array.from({ length: 2 * DOMAIN_SIZE - 1 }, (_, k) => mod(BigInt(k - (DOMAIN_SIZE - 1)), R));
    weights = { aPrime, aPrimeInv: batchInv(aPrime, R), invDiff: batchInv(diffs, R) };
  }
  return weights;
}

/**
 * (f(X) − f(m))/(X − m) in evaluation form: qᵢ = (fᵢ − f_m)/(i − m) off m, and at m the derivative
 * f'(m) = Σ_{i≠m} −qᵢ·A'(m)/A'(i) (Lagrange-basis differentiation).
 */
function divideByLinear(f: readonly bigint[], m: number): bigint[] {
  const { aPrime, aPrimeInv, invDiff } = domain();
  const q = new Array<bigint>(DOMAIN_SIZE).fill(0n);
  const y = f[m];
  let qm = 0n;
  for (let i = 0; i < DOMAIN_SIZE; i++) {
    if (i === m) continue;
    const qi = ((f[i] - y) * invDiff[i - m + DOMAIN_SIZE - 1]) % R;
    q[i] = qi;
    qm -= ((qi * aPrime[m]) % R) * aPrimeInv[i];
  }
  q[m] = mod(qm, R);
  return q.map((v) => mod(v, R));
}

/** The original per-query g: one `divideByLinear` per (polynomial, point), summed with rⁱ (BigInt reference). */
function referenceQuotients(queries: readonly ProverQuery[], rPow: readonly bigint[]): bigint[] {
  const g = new Array<bigint>(DOMAIN_SIZE).fill(0n);
  const quotients = new Map<readonly bigint[], Map<number, bigint[]>>();
  queries.forEach((q, k) => {
    let byZ = quotients.get(q.f);
    if (!byZ) quotients.set(q.f, (byZ = new Map()));
    let quo = byZ.get(q.z);
    if (!quo) byZ.set(q.z, (quo = divideByLinear(q.f, q.z)));
    for (let i = 0; i < DOMAIN_SIZE; i++) if (quo[i] !== 0n) g[i] = (g[i] + rPow[k] * quo[i]) % R;
  });
  return g;
}

/**
 * A polynomial in evaluation form as a base value plus the positions that differ from it: a bucket's slots are
 * mostly the empty-slot scalar and a node's children mostly their level's default, so the per-query work of the
 * prover scales with the occupied positions instead of the domain.
 */
interface SparsePoly {
  readonly base: bigint;
  readonly idx: Int32Array;
  readonly dev: bigint[];
}

function sparsePoly(f: readonly bigint[]): SparsePoly {
  // The base: the majority of three samples (any choice is correct, a common one keeps `dev` short).
  const a = f[0];
  const b = f[DOMAIN_SIZE >> 1];
  const c = f[DOMAIN_SIZE - 1];
  const base = a === b || a === c ? a : b === c ? b : c;
  const idx: number[] = [];
  const dev: bigint[] = [];
  for (let i = 0; i < DOMAIN_SIZE; i++) {
    if (f[i] !== base) {
      idx.push(i);
      dev.push(f[i] - base);
    }
  }
  return { base, idx: Int32Array.from(idx), dev };
}

/** Σ cᵢ·fᵢ and Σ cᵢ·yᵢ over the queries opened at one point z (sums left unreduced until `reduce`). */
interface PointAgg {
  base: bigint;
  readonly dev: bigint[];
  y: bigint;
  /** The reduced aggregate polynomial F_z (after `reduce`). */
  F?: bigint[];
}

/**
 * The queries grouped by evaluation point (rust-verkle's prover does the same): with F_z = Σ_{q: z_q = z} rᵠ·f_q,
 * g = Σ_z (F_z − F_z(z))/(X − z) and h = Σ_z F_z/(t − z), so the quotient (the costly division) runs once per
 * distinct point (≤ 256) instead of once per query, and a query costs one product per occupied position.
 */
function aggregateByPoint(queries: readonly ProverQuery[], rPow: readonly bigint[]): Map<number, PointAgg> {
  const sparse = new Map<readonly bigint[], SparsePoly>();
  const byZ = new Map<number, PointAgg>();
  queries.forEach((q, k) => {
    let sp = sparse.get(q.f);
    if (!sp) sparse.set(q.f, (sp = sparsePoly(q.f)));
    let agg = byZ.get(q.z);
    if (!agg) byZ.set(q.z, (agg = { base: 0n, dev: new Array<bigint>(DOMAIN_SIZE).fill(0n), y: 0n }));
    const c = rPow[k];
    agg.base += c * sp.base;
    agg.y += c * q.y;
    const { idx, dev } = sp;
    for (let j = 0; j < idx.length; j++) agg.dev[idx[j]] += c * dev[j];
  });
  for (const agg of byZ.values()) {
    agg.F = agg.dev.map((d) => mod(agg.base + d, R));
    agg.y = mod(agg.y, R);
  }
  return byZ;
}

/** g = Σ_z (F_z − F_z(z))/(X − z) in evaluation form (the derivative rule at X = z as in `divideByLinear`). */
function quotientSum(byZ: ReadonlyMap<number, PointAgg>): bigint[] {
  const { aPrime, aPrimeInv, invDiff } = domain();
  const g = new Array<bigint>(DOMAIN_SIZE).fill(0n);
  for (const [z, agg] of byZ) {
    const F = agg.F!;
    const y = F[z];
    let deriv = 0n;
    for (let i = 0; i < DOMAIN_SIZE; i++) {
      if (i === z) continue;
      const qi = ((F[i] - y) * invDiff[i - z + DOMAIN_SIZE - 1]) % R;
      g[i] += qi;
      deriv += qi * aPrimeInv[i];
    }
    g[z] -= (mod(deriv, R) * aPrime[z]) % R;
  }
  return g.map((v) => mod(v, R));
}

/** Options of {@link createMultiProof} / {@link proveKeys}. */
export interface ProveOptions {
  /** The per-query BigInt quotients (the original algorithm): the reference the grouped path is tested against. */
  reference?: boolean;
}

/** Create the 576-byte multiproof for `queries` (transcript label `label`). */
export function createMultiProof(queries: readonly ProverQuery[], label = 'st', kernel: SaltKernel = defaultKernel(), opts: ProveOptions = {}): Uint8Array {
  const QP = saltCrs().Q;
  const tr = new Transcript(label);
  tr.domainSep('multiproof');
  const compressed = new Map<Point, Uint8Array>();
  for (const q of queries) {
    let c = q.compressed ?? compressed.get(q.commitment);
    if (!c) compressed.set(q.commitment, (c = compress(q.commitment)));
    tr.appendCompressed('C', c);
    tr.appendScalar('z', BigInt(q.z));
    tr.appendScalar('y', q.y);
  }
  const r = tr.challenge('r');
  const rPow: bigint[] = [];
  let ri = 1n;
  for (let k = 0; k < queries.length; k++) {
    rPow.push(ri);
    ri = (ri * r) % R;
  }
  const byZ = opts.reference ? undefined : aggregateByPoint(queries, rPow);
  // g = Σ rⁱ·(fᵢ − yᵢ)/(X − zᵢ).
  const g = byZ ? quotientSum(byZ) : referenceQuotients(queries, rPow);
  const D = commitVector(g, kernel);
  tr.appendPoint('D', D);
  const t = tr.challenge('t');
  // h = Σ rⁱ/(t − zᵢ)·fᵢ, and the value of h − g at t: Σ rⁱ·yᵢ/(t − zᵢ).
  let h: bigint[];
  let value = 0n;
  if (byZ) {
    const zs = [...byZ.keys()];
    const dens = batchInv(zs.map((z) => mod(t - BigInt(z), R)), R);
    const acc = new Array<bigint>(DOMAIN_SIZE).fill(0n);
    zs.forEach((z, k) => {
      const agg = byZ.get(z)!;
      const F = agg.F!;
      const d = dens[k];
      value += d * agg.y;
      for (let i = 0; i < DOMAIN_SIZE; i++) acc[i] += d * F[i];
    });
    h = acc.map((v) => v % R);
    value %= R;
  } else {
    const dens = batchInv(queries.map((q) => mod(t - BigInt(q.z), R)), R);
    h = new Array<bigint>(DOMAIN_SIZE).fill(0n);
    queries.forEach((q, k) => {
      const c = (rPow[k] * dens[k]) % R;
      value = (value + c * q.y) % R;
      for (let i = 0; i < DOMAIN_SIZE; i++) if (q.f[i] !== 0n) h[i] = (h[i] + c * q.f[i]) % R;
    });
  }
  const E = commitVector(h, kernel);
  tr.appendPoint('E', E);
  let a = h.map((hi, i) => mod(hi - g[i], R));
  const C = add(E, neg(D));
  // IPA (rust-verkle `create`), labels as in ipa.ts `verifyMultiProof`.
  tr.domainSep('ipa');
  tr.appendPoint('C', C);
  tr.appendScalar('input point', t);
  tr.appendScalar('output point', value);
  const w = tr.challenge('w');
  let b = lagrangeCoefficients(t);
  const coef = new Array<bigint>(DOMAIN_SIZE).fill(1n); // folded generator j = Σ_{i ≡ j mod n} coefᵢ·Gᵢ
  const Ls: Point[] = [];
  const Rs: Point[] = [];
  for (let k = 0, n = DOMAIN_SIZE; k < ROUNDS; k++, n >>= 1) {
    const half = n >> 1;
    const aL = a.slice(0, half);
    const aR = a.slice(half);
    const bL = b.slice(0, half);
    const bR = b.slice(half);
    const zL = innerProduct(aR, bL);
    const zR = innerProduct(aL, bR);
    const cL = coef.map((c, i) => (i % n < half ? (aR[i % n] * c) % R : 0n));
    const cR = coef.map((c, i) => (i % n >= half ? (aL[(i % n) - half] * c) % R : 0n));
    const L = add(commitVector(cL, kernel), mul(QP, (zL * w) % R));
    const Rk = add(commitVector(cR, kernel), mul(QP, (zR * w) % R));
    Ls.push(L);
    Rs.push(Rk);
    tr.appendPoint('L', L);
    tr.appendPoint('R', Rk);
    const x = tr.challenge('x');
    const xInv = inv(x, R);
    a = aL.map((v, i) => (v + x * aR[i]) % R);
    b = bL.map((v, i) => (v + xInv * bR[i]) % R);
    for (let i = 0; i < DOMAIN_SIZE; i++) if (i % n >= half) coef[i] = (coef[i] * xInv) % R;
  }
  return encodeMultiProof(D, Ls, Rs, a[0]);
}

/** A generated witness for a key set: what `verifySaltProof(kvs, proof, root)` checks. */
export interface GeneratedProof {
  readonly kvs: Map<bigint, SaltValue | undefined>;
  readonly proof: SaltProofData;
}

/** Prove the values (or absence) of `keys` in `state` against its current root. */
export function proveKeys(state: SaltState, keys: readonly bigint[], kernel: SaltKernel = defaultKernel(), opts: ProveOptions = {}): GeneratedProof {
  if (keys.length === 0) throw new Error('no keys to prove');
  const trie = state.trie;
  const sorted = [...new Set(keys)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const kvs = new Map<bigint, SaltValue | undefined>();
  const levels = new Map<number, number>();
  for (const k of sorted) {
    const { bucket, slot } = splitSaltKey(k);
    const v = bucket < 65536 ? state.slotValue(bucket, slot) : state.buckets.get(bucket)?.slots.get(slot);
    kvs.set(k, v && { key: v.key, value: v.value });
    levels.set(bucket, 5 - trie.bucketLevel(bucket));
  }
  // Logical node ids: main ids below 2^40, subtree nodes as bucket << 40 | local id.
  const commitmentOf = (id: bigint): Point =>
    id < 1n << 40n ? trie.mainCommitment(Number(id)) : trie.subCommitment(Number(id >> 40n), Number(id & SLOT_MASK));
  const scalarOf = (id: bigint): bigint =>
    id < 1n << 40n ? trie.mainScalar(Number(id)) : trie.subScalar(Number(id >> 40n), Number(id & SLOT_MASK));
  const shape = proofShape(sorted, levels);
  const points = new Map<bigint, Point>();
  const pointOf = (sid: bigint): Point => {
    let p = points.get(sid);
    if (!p) points.set(sid, (p = commitmentOf(sid)));
    return p;
  };
  const queries: ProverQuery[] = [];
  const cmp = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);
  for (const id of [...shape.internal.keys()].sort(cmp)) {
    const sid = connectId(id, levels);
    const f: bigint[] = new Array(DOMAIN_SIZE);
    const first = childId(id, 0);
    if (opts.reference) for (let pos = 0; pos < DOMAIN_SIZE; pos++) f[pos] = scalarOf(connectId(childId(id, pos), levels));
    // A child is never a subtree root (connectId keeps it): ids first + pos, as numbers within their space.
    else if (first < 1n << 40n) for (let pos = 0, c = Number(first); pos < DOMAIN_SIZE; pos++) f[pos] = trie.mainScalar(c + pos);
    else for (let pos = 0, b = Number(first >> 40n), c = Number(first & SLOT_MASK); pos < DOMAIN_SIZE; pos++) f[pos] = trie.subScalar(b, c + pos);
    for (const z of [...shape.internal.get(id)!].sort((x, y) => x - y)) queries.push({ commitment: pointOf(sid), f, z, y: f[z] });
  }
  for (const id of [...shape.leaves.keys()].sort(cmp)) {
    const sid = connectId(id, levels);
    // First SaltKey of the leaf: a plain bucket (main leaf id) or a segment of an expanded bucket.
    const start = id < 1n << 40n ? BigInt(Number(id) - STARTING_NODE_ID[3]) << 40n : ((id >> 40n) << 40n) + ((id & SLOT_MASK) - BigInt(STARTING_NODE_ID[4])) * 256n;
    const bucket = Number(start >> 40n);
    const slot0 = Number(start & SLOT_MASK);
    const f = Array.from({ length: DOMAIN_SIZE }, (_, pos) => {
      const v = bucket < 65536 ? state.slotValue(bucket, slot0 + pos) : state.buckets.get(bucket)?.slots.get(slot0 + pos);
      return slotScalar(bucket, v);
    });
    for (const z of [...shape.leaves.get(id)!].sort((x, y) => x - y)) queries.push({ commitment: pointOf(sid), f, z, y: f[z] });
  }
  const parentsCommitments = new Map<bigint, Uint8Array>();
  const required = [...new Set([...shape.internal.keys(), ...shape.leaves.keys()].map((id) => connectId(id, levels)))].sort(cmp);
  // One shared inversion for all encodings; the transcript reuses them (createMultiProof compressed each again).
  const enc = opts.reference ? required.map((sid) => compress(pointOf(sid))) : batchCompress(required.map(pointOf));
  required.forEach((sid, i) => parentsCommitments.set(sid, enc[i]));
  const byPoint = new Map<Point, Uint8Array>(required.map((sid) => [pointOf(sid), parentsCommitments.get(sid)!]));
  const withEnc = queries.map((q) => ({ ...q, compressed: byPoint.get(q.commitment) }));
  return { kvs, proof: { parentsCommitments, proof: createMultiProof(withEnc, 'st', kernel, opts), levels } };
}
