/**
 * @file P256VERIFY (0x0100, Osaka) against @ethereumjs/evm: valid signatures (low and high s), wrong hash, r/s at
 * and beyond the bounds, public keys off the curve, at infinity, with coordinates ≥ p, and wrong lengths.
 */
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';

import { Fork } from '../../src/evm/forks.ts';
import { be, cat, rand, same } from './reference.ts';

const { n: N, p: P } = p256.Point.CURVE();

function inputs(): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(0), rand(1, 159), rand(2, 160), rand(3, 161)];
  for (let i = 0; i < 3; i++) {
    const key = p256.utils.randomSecretKey(rand(10 + i, 48));
    const pub = p256.getPublicKey(key, false);
    const q = [pub.subarray(1, 33), pub.subarray(33, 65)];
    const hash = rand(20 + i, 32);
    const sig = p256.Signature.fromBytes(p256.sign(hash, key, { prehash: false, lowS: false }));
    const { r, s } = sig;
    const mk = (h: Uint8Array, rr: bigint, ss: bigint, x: Uint8Array = q[0], y: Uint8Array = q[1]) => cat(h, be(rr), be(ss), x, y);
    out.push(mk(hash, r, s), mk(hash, r, N - s), mk(rand(30 + i, 32), r, s), mk(hash, r + 1n, s), cat(mk(hash, r, s), Uint8Array.of(0)));
    out.push(mk(hash, 0n, s), mk(hash, r, 0n), mk(hash, N, s), mk(hash, r, N), mk(hash, r + N, s));
    out.push(mk(hash, r, s, be(0n), be(0n)), mk(hash, r, s, q[0], be(BigInt('0x' + Buffer.from(q[1]).toString('hex')) + 1n)));
    out.push(mk(hash, r, s, be(BigInt('0x' + Buffer.from(q[0]).toString('hex')) + P), q[1]));
  }
  return out;
}

describe('0x0100 P256VERIFY against @ethereumjs/evm', () => {
  it('osaka', async () => {
    let valid = 0;
    for (const input of inputs()) if ((await same(Fork.Osaka, 0x100, input)).output.length > 2) valid++;
    expect(valid).toBe(6); // each key: low s and high s
  });
});
