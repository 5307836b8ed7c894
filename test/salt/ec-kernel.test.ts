/**
 * @file Witness-verification arithmetic on the wasm kernel (kernel/ec.ts) against the BigInt reference of
 * banderwagon.ts / field.ts: square roots, batch decompression (non-canonical x, points off the curve,
 * points outside the subgroup), Pippenger MSM, and whole witnesses verified both ways with equal verdicts.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as B from '../../runtime/salt/banderwagon.ts';
import { Q, R, bigintToBe32, isSquare, mod, sqrtQ, fromHex } from '../../runtime/salt/field.ts';
import { EcKernel, msmWindow } from '../../runtime/salt/kernel/ec.ts';
import { POINT_WORDS, pointToWords, wordsToPoint } from '../../runtime/salt/kernel/index.ts';
import { decodeWitnessFile, verifySaltProof } from '../../runtime/salt/witness.ts';
import { CRS_SEED, derivePoints } from '../../runtime/salt/crs.ts';
import { HAVE_SHARED, SALT_DIR } from './shared.ts';

const rnd = (): bigint => BigInt('0x' + randomBytes(32).toString('hex'));
const k = new EcKernel();

/** Same point as the reference, as a projective class with the reference's (positive) y. */
function sameAffine(words: Uint32Array, i: number, ref: B.Point): boolean {
  const p = wordsToPoint(words, i * POINT_WORDS);
  return mod(p.X * ref.Z - ref.X * p.Z, Q) === 0n && mod(p.Y * ref.Z - ref.Y * p.Z, Q) === 0n;
}

describe('kernel square roots and decompression vs BigInt', () => {
  it('sqrt: squares, non-squares, 0, 1, q − 1', () => {
    const xs = [0n, 1n, Q - 1n, 5n, 7n, ...Array.from({ length: 200 }, () => rnd() % Q)];
    for (let i = 0; i < 60; i++) xs.push((rnd() % Q) ** 2n % Q); // certain squares
    let nonSquares = 0;
    for (const a of xs) {
      const s = k.sqrt(a, Q);
      const ref = sqrtQ(a);
      expect(s === undefined, `a = ${a}`).toBe(ref === undefined);
      expect(s === undefined).toBe(!isSquare(a, Q));
      if (s !== undefined) expect((s * s) % Q).toBe(a);
      else nonSquares++;
    }
    expect(nonSquares).toBeGreaterThan(50);
  });

  it('decompress: valid points, the identity, x ≥ q, off-curve and non-subgroup x (same verdict and point)', () => {
    const encs: Uint8Array[] = [];
    for (let i = 0; i < 120; i++) encs.push(B.compress(B.mul(B.GENERATOR, rnd())));
    encs.push(B.compress(B.IDENTITY), B.compress(B.GENERATOR), B.compress(B.neg(B.GENERATOR)));
    encs.push(bigintToBe32(Q), bigintToBe32(Q + 1n), new Uint8Array(32).fill(0xff), bigintToBe32(Q - 1n));
    // Random x < q: each is valid, off the curve ((1 − a·x²)/(1 − d·x²) not a square) or outside the
    // subgroup (1 − a·x² not a square) — count that both rejections occur.
    let offCurve = 0;
    let notSubgroup = 0;
    for (let i = 0; i < 400; i++) {
      const x = rnd() % Q;
      const num = mod(1n + 5n * x * x, Q);
      const den = mod(1n - B.D * x * x, Q);
      if (!isSquare(num, Q)) notSubgroup++;
      else if (!isSquare(mod(num * den, Q), Q)) offCurve++;
      encs.push(bigintToBe32(x));
    }
    expect(offCurve).toBeGreaterThan(10);
    expect(notSubgroup).toBeGreaterThan(10);
    const all = new Uint8Array(32 * encs.length);
    encs.forEach((e, i) => all.set(e, 32 * i));
    const d = k.decompress(all, encs.length);
    let valid = 0;
    encs.forEach((e, i) => {
      const ref = B.decompress(e);
      expect(d.ok[i] === 1, `encoding ${i}`).toBe(ref !== undefined);
      if (ref) {
        valid++;
        expect(sameAffine(d.points, i, ref), `point ${i}`).toBe(true);
        expect(B.compress(wordsToPoint(d.points, i * POINT_WORDS))).toEqual(e); // round trip
      }
    });
    expect(valid).toBeGreaterThan(120);
  });
});

describe('CRS derivation', () => {
  it('kernel batches accept exactly the candidates yFromX accepts (same 257 points, same tries; and another seed)', () => {
    for (const [seed, n] of [[CRS_SEED, 257], ['eth_verkle_oct_2021', 40]] as const) {
      const a = derivePoints(seed, n);
      const b = derivePoints(seed, n, { reference: true });
      expect(a.tries).toBe(b.tries);
      expect(a.points).toEqual(b.points);
    }
  });
});

describe('kernel MSM vs BigInt Straus', () => {
  const special = [0n, 1n, 2n, R - 1n, R - 2n, (1n << 252n) - 1n, 0xffn, 0x80n];
  for (const n of [1, 2, 9, 40, 300]) {
    it(`${n} points (window ${msmWindow(n)}), edge scalars, repeated and opposite points`, () => {
      const pts: B.Point[] = [];
      for (let i = 0; i < n; i++) {
        if (i >= 2 && i % 7 === 0) pts.push(pts[i - 1]); // the same point twice
        else if (i >= 2 && i % 11 === 0) pts.push(B.neg(pts[i - 2]));
        else if (i === 5) pts.push(B.IDENTITY);
        else pts.push(B.mul(B.GENERATOR, rnd()));
      }
      const sc = pts.map((_, i) => (i < special.length ? special[i] : rnd() % R));
      const w = new Uint32Array(n * POINT_WORDS);
      pts.forEach((p, i) => pointToWords(p, w, i * POINT_WORDS));
      expect(B.equals(wordsToPoint(k.msm(w, sc)), B.msm(pts, sc))).toBe(true);
    }, 60_000);
  }
  it('a sum that is the identity', () => {
    const P = B.mul(B.GENERATOR, rnd());
    const w = new Uint32Array(2 * POINT_WORDS);
    pointToWords(P, w, 0);
    pointToWords(P, w, POINT_WORDS);
    const s = rnd() % R;
    expect(B.isIdentity(wordsToPoint(k.msm(w, [s, R - s])))).toBe(true);
  });
});

describe.skipIf(!HAVE_SHARED)('witness verification: kernel path = BigInt reference', () => {
  const dir = join(SALT_DIR, 'megaeth');
  const files = HAVE_SHARED ? readdirSync(join(dir, 'witness')).filter((f) => f.endsWith('.salt')).sort().slice(0, 2) : [];
  const root = (f: string): Uint8Array => {
    const n = Number(f.split('.')[0]) - 1;
    const b = readdirSync(join(dir, 'blocks')).find((x) => x.startsWith(`${n}.`))!;
    return fromHex(JSON.parse(readFileSync(join(dir, 'blocks', b), 'utf8')).stateRoot);
  };
  it.each(files)('%s: both accept; a flipped bit in each proof point and in a is rejected by both', (f) => {
    const w = decodeWitnessFile(readFileSync(join(dir, 'witness', f)));
    const r = root(f);
    expect(verifySaltProof(w.kvs, w.saltProof, r)).toEqual({ ok: true });
    expect(verifySaltProof(w.kvs, w.saltProof, r, undefined, { reference: true })).toEqual({ ok: true });
    // D, one L, one R, the scalar a: a point whose bit flip stays decodable must fail the IPA equation.
    for (const at of [5, 32 + 7, 32 * 9 + 3, 550]) {
      const proof = w.saltProof.proof.slice();
      proof[at] ^= 0x04;
      const p = { ...w.saltProof, proof };
      const kr = verifySaltProof(w.kvs, p, r);
      expect(kr.ok, `byte ${at}`).toBe(false);
      expect(kr).toEqual(verifySaltProof(w.kvs, p, r, undefined, { reference: true }));
    }
    // A path commitment replaced by a random valid point.
    const id = [...w.saltProof.parentsCommitments.keys()].find((x) => x > 1000n)!;
    const pc = new Map(w.saltProof.parentsCommitments);
    pc.set(id, B.compress(B.mul(B.GENERATOR, rnd())));
    const p2 = { ...w.saltProof, parentsCommitments: pc };
    const kr = verifySaltProof(w.kvs, p2, r);
    expect(kr).toMatchObject({ ok: false, reason: /IPA/ });
    expect(kr).toEqual(verifySaltProof(w.kvs, p2, r, undefined, { reference: true }));
  }, 120_000);
});
