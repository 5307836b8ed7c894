/**
 * @file Fixed-base multiplication by the 256 CRS generators in BigInt (SPEC.md §3.4, §3.6).
 *
 * Stage: the reference implementation. Commitment updates run on the WebAssembly kernel
 * (kernel/index.ts, ~20× faster); this class is what the kernel is differentially tested against
 * (test/salt/kernel.test.ts) and stays free of any wasm dependency.
 * Input: generator index i ∈ [0, 256), scalar k mod r.
 * Output: k·G_i (extended coordinates), or Σ k_j·G_{i_j}.
 * Invariants: per-generator tables of affine multiples d·2^{w·j}·G_i (d = 1..2^w − 1), built lazily
 * the first time a generator is used and normalised with one batch inversion, so a multiplication is
 * ⌈253/w⌉ mixed additions and no doublings. `mulCount` counts scalar×generator products (the
 * "EC multiplications" of SALT's cost model).
 */
import { Q, R, batchInv, mod } from './field.ts';
import { type Point, D, IDENTITY, add, addAffine, double } from './banderwagon.ts';
import { saltCrs } from './crs.ts';

const SCALAR_BITS = 253;

/** Fixed-base committer over the SALT CRS generators. */
export class Committer {
  /** Window width in bits. */
  readonly w: number;
  private readonly windows: number;
  private readonly tables: (bigint[] | undefined)[] = new Array(256);
  /** Number of scalar × generator products computed so far. */
  mulCount = 0;

  /** @param w window width (4 builds fast, 8 multiplies fastest; tables cost (2^w − 1)·⌈253/w⌉ points each). */
  constructor(w = 4) {
    this.w = w;
    this.windows = Math.ceil(SCALAR_BITS / w);
  }

  private table(i: number): bigint[] {
    let t = this.tables[i];
    if (t) return t;
    const G = saltCrs().G[i];
    const per = (1 << this.w) - 1;
    const pts: Point[] = [];
    let base = G;
    for (let j = 0; j < this.windows; j++) {
      let acc = base;
      for (let d = 1; d <= per; d++) {
        pts.push(acc);
        acc = add(acc, base);
      }
      for (let k = 0; k < this.w; k++) base = double(base);
    }
    const zis = batchInv(pts.map((p) => p.Z), Q);
    t = new Array<bigint>(pts.length * 3);
    for (let k = 0; k < pts.length; k++) {
      const x = (pts[k].X * zis[k]) % Q;
      const y = (pts[k].Y * zis[k]) % Q;
      t[3 * k] = x;
      t[3 * k + 1] = y;
      t[3 * k + 2] = (((x * y) % Q) * D) % Q;
    }
    this.tables[i] = t;
    return t;
  }

  /** Accumulate k·G_i into `acc`. */
  addMul(acc: Point, i: number, k: bigint): Point {
    let s = mod(k, R);
    if (s === 0n) return acc;
    this.mulCount++;
    const t = this.table(i);
    const per = (1 << this.w) - 1;
    const mask = BigInt(per);
    const wb = BigInt(this.w);
    let out = acc;
    for (let j = 0; s > 0n; j++) {
      const d = Number(s & mask);
      s >>= wb;
      if (d !== 0) {
        const o = 3 * (j * per + d - 1);
        out = addAffine(out, t[o], t[o + 1], t[o + 2]);
      }
    }
    return out;
  }

  /** k·G_i. */
  mul(i: number, k: bigint): Point {
    return this.addMul(IDENTITY, i, k);
  }

  /** Σ scalars[j]·G_{indices[j]} (a commitment to a sparse vector). */
  commitSparse(indices: readonly number[], scalars: readonly bigint[]): Point {
    let acc = IDENTITY;
    for (let j = 0; j < indices.length; j++) acc = this.addMul(acc, indices[j], scalars[j]);
    return acc;
  }

  /** Σ_{i<256} values[i]·G_i (a full vector commitment). */
  commit(values: readonly bigint[]): Point {
    let acc = IDENTITY;
    for (let i = 0; i < values.length; i++) acc = this.addMul(acc, i, values[i]);
    return acc;
  }

  /** Build all 256 tables now (benchmarks call this so table build time is not mixed into updates). */
  warm(): void {
    for (let i = 0; i < 256; i++) this.table(i);
  }
}

let shared: Committer | undefined;

/** The process-wide committer (window 4 unless `setDefaultCommitter` replaced it). */
export function defaultCommitter(): Committer {
  if (!shared) shared = new Committer(4);
  return shared;
}

/** Replace the process-wide committer (e.g. a wider window for benchmarks). */
export function setDefaultCommitter(c: Committer): void {
  shared = c;
}
