/**
 * @file ECADD, ECMUL, ECPAIRING (0x06–0x08) against @ethereumjs/evm on every fork from Byzantium (EIP-1108
 * repricing in Istanbul): valid points and multiples, infinity, points off the curve, coordinates ≥ p, scalars ≥ r,
 * short/long inputs; pairing with the bilinearity identity, invalid G2 points (off the twist, outside the
 * subgroup, coordinates ≥ p), and lengths that are not multiples of 192.
 */
import { bn254 } from '@noble/curves/bn254.js';
import { describe, expect, it } from 'vitest';

import { Fork, forkName } from '../../src/evm/forks.ts';
import { be, cat, ourGas, rand, same } from './reference.ts';

const { Fp, Fp2, Fr } = bn254.fields;
const P = Fp.ORDER;
const G1 = bn254.G1.Point;
const G2 = bn254.G2.Point;
type G2P = typeof G2.BASE;

const g1 = (p: typeof G1.BASE): Uint8Array => {
  const a = p.toAffine();
  return cat(be(a.x), be(a.y));
};
const g2 = (q: G2P): Uint8Array => {
  const a = q.toAffine();
  return cat(be(a.x.c1), be(a.x.c0), be(a.y.c1), be(a.y.c0));
};
const g1Raw = (x: bigint, y: bigint): Uint8Array => cat(be(x), be(y));

/** A point on the twist y² = x³ + b' that is not in the order-r subgroup. */
function twistPointOutsideSubgroup(): Uint8Array {
  const b = Fp2.div(Fp2.create({ c0: 3n, c1: 0n }), Fp2.create({ c0: 9n, c1: 1n }));
  for (let i = 1n; ; i++) {
    const x = Fp2.create({ c0: i, c1: 1n });
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
    let y;
    try {
      y = Fp2.sqrt(rhs);
    } catch {
      continue;
    }
    if (!Fp2.eql(Fp2.sqr(y), rhs)) continue;
    return cat(be(x.c1), be(x.c0), be(y.c1), be(y.c0));
  }
}

const A = G1.BASE.multiply(12345n);
const B = G1.BASE.multiply(678910n);
const notOnCurve = g1Raw(1n, 3n);

const addInputs = (): Uint8Array[] => [
  new Uint8Array(0), cat(g1(A), g1(B)), cat(g1(A), g1(A)), cat(g1(A), g1(A.negate())), cat(g1(A), new Uint8Array(64)),
  new Uint8Array(128), g1(A), cat(g1(A), g1(B), rand(1, 50)), cat(g1(A), g1(B)).subarray(0, 100),
  cat(g1(A), notOnCurve), cat(g1Raw(P, 2n), g1(B)), cat(g1Raw(1n, 2n + P), g1(B)), cat(g1Raw(0n, 0n), g1Raw(1n, 2n)),
  cat(g1Raw(5n, 0n), g1(B)), cat(g1Raw(0n, 1n), g1(B)),
];

const mulInputs = (): Uint8Array[] => [
  new Uint8Array(0), cat(g1(A), be(2n)), cat(g1(A), be(0n)), cat(g1(A), be(Fr.ORDER)), cat(g1(A), be(Fr.ORDER + 5n)),
  cat(g1(A), be((1n << 256n) - 1n)), cat(new Uint8Array(64), be(5n)), cat(notOnCurve, be(0n)), cat(notOnCurve, be(3n)),
  g1(A), cat(g1(A), be(7n)).subarray(0, 80), cat(g1(A), be(9n), rand(2, 33)), cat(g1Raw(P + 1n, 2n), be(1n)),
  cat(g1(B), rand(3, 32)),
];

function pairingInputs(): Uint8Array[] {
  const Q = G2.BASE.multiply(999n);
  const good = cat(g1(A), g2(Q), g1(A.negate()), g2(Q)); // e(A,Q)·e(-A,Q) = 1
  const bil = cat(g1(A.multiply(3n)), g2(Q), g1(A), g2(Q.multiply(3n).negate())); // bilinearity: = 1
  const outside = twistPointOutsideSubgroup();
  const qRaw = g2(Q);
  const ge = (i: number): Uint8Array => {
    const c = qRaw.slice();
    c.set(be(P + BigInt(i)), 32 * i);
    return c;
  };
  return [
    new Uint8Array(0), good, bil, cat(g1(A), g2(Q)), cat(new Uint8Array(64), g2(Q)), cat(g1(A), new Uint8Array(128)),
    new Uint8Array(192), cat(new Uint8Array(64), outside), cat(g1(A), outside), cat(g1(A), ge(0)), cat(g1(A), ge(1)),
    cat(g1(A), ge(2)), cat(g1(A), ge(3)), cat(notOnCurve, g2(Q)), cat(new Uint8Array(64), rand(4, 128)), good.subarray(0, 191),
    cat(good, new Uint8Array(1)), rand(5, 100),
  ];
}

const FORKS = [Fork.Byzantium, Fork.Constantinople, Fork.Petersburg, Fork.Istanbul, Fork.MuirGlacier, Fork.Berlin,
  Fork.London, Fork.ArrowGlacier, Fork.GrayGlacier, Fork.Paris, Fork.Shanghai, Fork.Cancun, Fork.Prague, Fork.Osaka];

describe('0x06-0x08 bn254 against @ethereumjs/evm', () => {
  it.each(FORKS.map((f) => [forkName(f), f] as const))('add, mul: %s', async (_n, fork) => {
    for (const input of addInputs()) await same(fork, 6, input);
    for (const input of mulInputs()) await same(fork, 7, input);
  });

  it.each([Fork.Byzantium, Fork.Istanbul, Fork.Osaka].map((f) => [forkName(f), f] as const))('pairing: %s', async (_n, fork) => {
    const results = [];
    for (const input of pairingInputs()) results.push(await same(fork, 8, input));
    expect(results.slice(0, 3).map((r) => r.output.slice(-1))).toEqual(['1', '1', '1']);
    expect(results[3].output.slice(-1)).toBe('0');
    expect(results[8].ok).toBe(false); // G2 outside the subgroup
  });

  it('pairing prices on the other forks (an invalid pair fails after pricing)', async () => {
    const bad = cat(notOnCurve, new Uint8Array(128));
    for (const fork of FORKS) {
      for (const k of [1, 2, 5]) await same(fork, 8, cat(...Array(k).fill(bad)));
    }
    expect(ourGas(Fork.Istanbul, 8, new Uint8Array(384))).toBe(45000n + 2n * 34000n);
    expect(ourGas(Fork.Byzantium, 8, new Uint8Array(384))).toBe(100000n + 2n * 80000n);
  });
});
