/**
 * @file SALT's own common reference string (SPEC.md §3.4 "CRS").
 *
 * Stage: commitment setup.
 * Input: the seed `MAKE_ETHEREUM_GREAT_AGAIN`.
 * Output: 256 generators G[0..255] and the IPA point Q (the 257th accepted point).
 * Invariants: try-and-increment: for i = 0,1,…, x = sha256(seed ‖ u64_be(i)) mod q is accepted iff
 * it decompresses (on the curve, subgroup check) — 1,044 tries for 257 points. This is NOT the
 * Ethereum verkle CRS (seed `eth_verkle_oct_2021`, Q = generator), so verkle libraries' commit
 * functions give different commitments. Derived lazily once per process (~0.5 s).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { Q as FQ, beToBigint } from './field.ts';
import { type Point, fromAffine, yFromX } from './banderwagon.ts';

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

/** Derive `n` points from `seed` by try-and-increment (exported so tests can check the contrast seed). */
export function derivePoints(seed: string, n: number): { points: Point[]; tries: number } {
  const seedBytes = new TextEncoder().encode(seed);
  const buf = new Uint8Array(seedBytes.length + 8);
  buf.set(seedBytes, 0);
  const view = new DataView(buf.buffer);
  const points: Point[] = [];
  let i = 0n;
  while (points.length < n) {
    view.setBigUint64(seedBytes.length, i, false);
    const x = beToBigint(sha256(buf)) % FQ;
    const y = yFromX(x);
    if (y !== undefined) points.push(fromAffine(x, y));
    i++;
  }
  return { points, tries: Number(i) };
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
