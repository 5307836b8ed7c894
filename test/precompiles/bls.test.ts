/**
 * @file BLS12-381 precompiles (0x0b–0x11, EIP-2537) against @ethereumjs/evm on Prague and Osaka: valid points,
 * infinity, points off the curve, points on the curve outside the subgroup (accepted by ADD, rejected by MSM and
 * PAIRING), coordinates ≥ p, non-zero padding, scalars ≥ r, wrong and empty lengths, MSM pricing up to 130 pairs
 * (past the end of the discount table), pairing identities, and the two map-to-curve precompiles.
 */
import { bls12_381 as bls } from '@noble/curves/bls12-381.js';
import { describe, expect, it } from 'vitest';

import { Fork, forkName } from '../../src/evm/forks.ts';
import { be, cat, ourGas, rand, same } from './reference.ts';

const { Fp, Fp2, Fr } = bls.fields;
const P = Fp.ORDER;
const G1 = bls.G1.Point;
const G2 = bls.G2.Point;
const fp = (v: bigint): Uint8Array => be(v, 64);
const g1 = (p: typeof G1.BASE): Uint8Array => {
  const a = p.toAffine();
  return cat(fp(a.x), fp(a.y));
};
const g2 = (q: typeof G2.BASE): Uint8Array => {
  const a = q.toAffine();
  return cat(fp(a.x.c0), fp(a.x.c1), fp(a.y.c0), fp(a.y.c1));
};

/** A point of E(Fp) outside the r-torsion subgroup. */
function g1Outside(): Uint8Array {
  for (let x = 1n; ; x++) {
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 4n);
    let y;
    try { y = Fp.sqrt(rhs); } catch { continue; }
    return cat(fp(x), fp(y));
  }
}
/** A point of E'(Fp2) outside the subgroup. */
function g2Outside(): Uint8Array {
  const b = Fp2.create({ c0: 4n, c1: 4n });
  for (let i = 1n; ; i++) {
    const x = Fp2.create({ c0: i, c1: 1n });
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
    let y;
    try { y = Fp2.sqrt(rhs); } catch { continue; }
    if (!Fp2.eql(Fp2.sqr(y), rhs)) continue;
    return cat(fp(x.c0), fp(x.c1), fp(y.c0), fp(y.c1));
  }
}
const withByte = (b: Uint8Array, i: number, v: number): Uint8Array => {
  const c = b.slice();
  c[i] = v;
  return c;
};
const withWord = (b: Uint8Array, off: number, v: bigint): Uint8Array => {
  const c = b.slice();
  c.set(fp(v), off);
  return c;
};

const A = G1.BASE.multiply(1234567n);
const B = G1.BASE.multiply(7654321n);
const Q = G2.BASE.multiply(424242n);
const R = G2.BASE.multiply(171717n);
const O1 = new Uint8Array(128);
const O2 = new Uint8Array(256);
const off1 = cat(fp(1n), fp(1n));
const off2 = cat(fp(1n), fp(1n), fp(1n), fp(1n));
const out1 = g1Outside();
const out2 = g2Outside();

const g1add = (): Uint8Array[] => [
  cat(g1(A), g1(B)), cat(g1(A), g1(A)), cat(g1(A), g1(A.negate())), cat(g1(A), O1), cat(O1, O1), cat(g1(A), out1),
  cat(out1, out1), cat(g1(A), off1), withWord(cat(g1(A), g1(B)), 0, P), withWord(cat(g1(A), g1(B)), 64, P + 2n),
  withByte(cat(g1(A), g1(B)), 0, 1), withByte(cat(g1(A), g1(B)), 199, 1), new Uint8Array(0), cat(g1(A), g1(B)).subarray(0, 255),
  cat(g1(A), g1(B), Uint8Array.of(0)),
];
const g2add = (): Uint8Array[] => [
  cat(g2(Q), g2(R)), cat(g2(Q), g2(Q)), cat(g2(Q), O2), cat(O2, O2), cat(g2(Q), out2), cat(g2(Q), off2),
  withWord(cat(g2(Q), g2(R)), 64, P), withWord(cat(g2(Q), g2(R)), 448, P + 1n), withByte(cat(g2(Q), g2(R)), 384, 1),
  new Uint8Array(0), new Uint8Array(511),
];
const sc = [0n, 1n, 2n, Fr.ORDER - 1n, Fr.ORDER, Fr.ORDER + 3n, (1n << 256n) - 1n].map((v) => be(v));
const g1msm = (): Uint8Array[] => [
  ...sc.map((s) => cat(g1(A), s)), cat(O1, sc[2]), cat(out1, sc[1]), cat(out1, sc[0]), cat(off1, sc[2]),
  cat(g1(A), sc[2], g1(B), sc[6]), cat(g1(A), sc[3], g1(A), sc[1]), cat(g1(A), sc[2], g1(B), sc[5], O1, sc[2]),
  withByte(cat(g1(A), sc[2]), 64, 1), withWord(cat(g1(A), sc[2]), 0, P + 5n), new Uint8Array(0), rand(1, 100), rand(2, 161),
];
const g2msm = (): Uint8Array[] => [
  ...sc.map((s) => cat(g2(Q), s)), cat(O2, sc[2]), cat(out2, sc[1]), cat(off2, sc[2]), cat(g2(Q), sc[2], g2(R), sc[6]),
  withByte(cat(g2(Q), sc[2]), 130, 1), withWord(cat(g2(Q), sc[2]), 192, P), new Uint8Array(0), rand(3, 289),
];
const pairing = (): Uint8Array[] => [
  cat(g1(A), g2(Q), g1(A.negate()), g2(Q)), cat(g1(A.multiply(5n)), g2(Q), g1(A), g2(Q.multiply(5n).negate())),
  cat(g1(A), g2(Q)), cat(O1, g2(Q)), cat(g1(A), O2), cat(O1, O2), cat(out1, g2(Q)), cat(g1(A), out2), cat(O1, out2),
  cat(off1, g2(Q)), withByte(cat(g1(A), g2(Q)), 200, 1), withWord(cat(g1(A), g2(Q)), 128, P), new Uint8Array(0), rand(4, 383),
];
const map1 = (): Uint8Array[] => [fp(0n), fp(1n), fp(P - 1n), fp(P), fp(P + 1n), withByte(fp(5n), 3, 1), ...[5, 6, 7].map((s) => fp(BigInt('0x' + Buffer.from(rand(s, 47)).toString('hex')))), new Uint8Array(0), new Uint8Array(65)];
const map2 = (): Uint8Array[] => [cat(fp(0n), fp(0n)), cat(fp(1n), fp(2n)), cat(fp(P - 1n), fp(P - 2n)), cat(fp(P), fp(1n)), cat(fp(1n), fp(P)), withByte(cat(fp(1n), fp(2n)), 70, 1), cat(fp(BigInt('0x' + Buffer.from(rand(8, 47)).toString('hex'))), fp(3n)), new Uint8Array(64)];

describe('0x0b-0x11 BLS12-381 against @ethereumjs/evm', () => {
  it.each([Fork.Prague, Fork.Osaka].map((f) => [forkName(f), f] as const))('add, map: %s', async (_n, fork) => {
    for (const input of g1add()) await same(fork, 0x0b, input);
    for (const input of g2add()) await same(fork, 0x0d, input);
    for (const input of map1()) await same(fork, 0x10, input);
    for (const input of map2()) await same(fork, 0x11, input);
  });

  it('G1ADD accepts points outside the subgroup; MSM and PAIRING reject them', async () => {
    expect((await same(Fork.Prague, 0x0b, cat(g1(A), out1))).ok).toBe(true);
    expect((await same(Fork.Prague, 0x0c, cat(out1, sc[1]))).ok).toBe(false);
    expect((await same(Fork.Prague, 0x0f, cat(g1(A), out2))).ok).toBe(false);
  });

  it.each([Fork.Prague, Fork.Osaka].map((f) => [forkName(f), f] as const))('msm: %s', async (_n, fork) => {
    for (const input of g1msm()) await same(fork, 0x0c, input);
    for (const input of g2msm()) await same(fork, 0x0e, input);
  });

  it('MSM pricing for 1..130 pairs (an invalid last pair fails after pricing)', async () => {
    for (const k of [1, 2, 3, 4, 17, 64, 127, 128, 129, 130]) {
      const bad1 = cat(...Array(k - 1).fill(cat(g1(A), sc[1])), withByte(cat(g1(A), sc[1]), 0, 1));
      const bad2 = cat(...Array(k - 1).fill(cat(g2(Q), sc[1])), withByte(cat(g2(Q), sc[1]), 0, 1));
      await same(Fork.Prague, 0x0c, bad1);
      await same(Fork.Prague, 0x0e, bad2);
    }
    expect(ourGas(Fork.Prague, 0x0c, new Uint8Array(160 * 200))).toBe((200n * 12000n * 519n) / 1000n);
  });

  it.each([Fork.Prague, Fork.Osaka].map((f) => [forkName(f), f] as const))('pairing: %s', async (_n, fork) => {
    const r = [];
    for (const input of pairing()) r.push(await same(fork, 0x0f, input));
    expect(r.slice(0, 3).map((x) => x.output.slice(-1))).toEqual(['1', '1', '0']);
  });
});
