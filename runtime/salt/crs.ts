/**
 * @file SALT's own common reference string (SPEC.md §3.4 "CRS").
 *
 * Stage: commitment setup.
 * Input: the seed `MAKE_ETHEREUM_GREAT_AGAIN`.
 * Output: 256 generators G[0..255] and the IPA point Q (the 257th accepted point).
 * Invariants: try-and-increment: for i = 0,1,…, x = sha256(seed ‖ u64_be(i)) mod q is accepted iff
 * it decompresses (on the curve, subgroup check) — 1,044 tries for 257 points. This is NOT the
 * Ethereum verkle CRS (seed `eth_verkle_oct_2021`, Q = generator), so verkle libraries' commit
 * functions give different commitments. Derived lazily once per process (kernel decompression: ~0.05 s).
 */
import { createHash } from 'node:crypto';
import { Q as FQ, beToBigint, bigintToBe32 } from './field.ts';
import { type Point, fromAffine, yFromX } from './banderwagon.ts';
import { ecKernel } from './kernel/ec.ts';
import { POINT_WORDS, wordsToPoint } from './kernel/words.ts';

/** SALT's CRS seed (upstream `ipa-multipoint/src/default_crs.rs`). */
export const CRS_SEED = 'MAKE_ETHEREUM_GREAT_AGAIN';
/** Vector-commitment width: every node commits to 256 values. */
export const DOMAIN_SIZE = 256;

/** The CRS: `G` (256 generators) and `Q` (inner-product point). */
export interface Crs {
  readonly G: readonly Point[];
  readonly Q: Point;
  /** Number of sha256 candidates tried (1,044 for SALT's seed). */
  readonly tries: number;
}

/**
 * Derive `n` points from `seed` by try-and-increment (exported so tests can check the contrast seed). The
 * candidates are decompressed in kernel batches (a BigInt square root per candidate made this ~0.3 s of every
 * process that verifies or updates); `reference` uses the BigInt `yFromX` for each.
 */
export function derivePoints(seed: string, n: number, opts: { reference?: boolean } = {}): { points: Point[]; tries: number } {
  const seedBytes = new TextEncoder().encode(seed);
  const buf = new Uint8Array(seedBytes.length + 8);
  buf.set(seedBytes, 0);
  const view = new DataView(buf.buffer);
  const candidate = (i: number): bigint => {
    view.setBigUint64(seedBytes.length, BigInt(i), false);
    return beToBigint(createHash('sha256').update(buf).digest()) % FQ; // node:crypto: ~10× @noble's per call here
  };
  const points: Point[] = [];
  let i = 0;
  if (opts.reference) {
    for (; points.length < n; i++) {
      const x = candidate(i);
      const y = yFromX(x);
      if (y !== undefined) points.push(fromAffine(x, y));
    }
    return { points, tries: i };
  }
  // About 1 in 4 candidates is accepted: batches of 4n + 64 rarely need a second round.
  const k = ecKernel();
  while (points.length < n) {
    const m = 4 * (n - points.length) + 64;
    const enc = new Uint8Array(32 * m);
    for (let j = 0; j < m; j++) enc.set(bigintToBe32(candidate(i + j)), 32 * j);
    const d = k.decompress(enc, m);
    let j = 0;
    for (; j < m && points.length < n; j++) {
      if (!d.ok[j]) continue;
      const p = wordsToPoint(d.points, j * POINT_WORDS);
      points.push(fromAffine(p.X, p.Y)); // Z = 1 after decompression
    }
    i += j;
  }
  return { points, tries: i };
}

let cached: Crs | undefined;

/** The SALT CRS (memoised). */
export function saltCrs(): Crs {
  if (!cached) {
    const { points, tries } = derivePoints(CRS_SEED, DOMAIN_SIZE + 1);
    cached = { G: points.slice(0, DOMAIN_SIZE), Q: points[DOMAIN_SIZE], tries };
  }
  return cached;
}
