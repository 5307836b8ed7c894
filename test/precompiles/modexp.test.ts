/**
 * @file MODEXP (0x05) against @ethereumjs/evm on every fork from Byzantium: EIP-198 examples, random operands of
 * many sizes, exponents longer than 32 bytes, zero modulus/exponent/base, truncated input, huge and > 1024-byte
 * lengths (EIP-7823 in Osaka), the bLen = mLen = 0 shortcut, and gas exactly at the price (EIP-198/2565/7883).
 */
import { describe, expect, it } from 'vitest';

import { Fork, forkName } from '../../src/evm/forks.ts';
import { be, cat, hexBytes, ourGas, rand, same } from './reference.ts';

const mk = (b: Uint8Array, e: Uint8Array, m: Uint8Array): Uint8Array =>
  cat(be(BigInt(b.length)), be(BigInt(e.length)), be(BigInt(m.length)), b, e, m);
const lens = (b: bigint, e: bigint, m: bigint, ...rest: Uint8Array[]): Uint8Array => cat(be(b), be(e), be(m), ...rest);

function inputs(): Uint8Array[] {
  const out: Uint8Array[] = [
    new Uint8Array(0),
    rand(1, 50),
    // EIP-198 examples: 3^(p-1) mod p (Fermat) and 0^(p-1) mod p
    hexBytes('0000000000000000000000000000000000000000000000000000000000000001' + '0000000000000000000000000000000000000000000000000000000000000020' + '0000000000000000000000000000000000000000000000000000000000000020' + '03' + 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e' + 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'),
    hexBytes('0000000000000000000000000000000000000000000000000000000000000000' + '0000000000000000000000000000000000000000000000000000000000000020' + '0000000000000000000000000000000000000000000000000000000000000020' + 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e' + 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'),
    mk(be(5n, 1), new Uint8Array(0), be(7n, 1)), // e = 0
    mk(be(5n, 1), be(3n, 1), new Uint8Array(0)), // mLen = 0
    mk(be(5n, 1), be(3n, 1), be(0n, 4)), // m = 0 → zeros
    mk(be(5n, 1), be(3n, 1), be(1n, 3)), // m = 1
    mk(new Uint8Array(0), be(3n, 1), be(9n, 2)), // b empty
    lens(0n, 0n, 0n),
    lens(0n, 1n << 200n, 0n), // b = m = 0 with a huge exponent length
    lens(0n, 2000n, 0n, rand(2, 40)),
    lens(1n, 1n, 1n), // all operands read past the end
    lens(2n, 40n, 3n, rand(3, 20)), // truncated
    lens(1n << 255n, 1n, 1n, rand(4, 10)), // huge lengths: priced enormously
    lens(1n, 1n << 255n, 1n, rand(5, 10)),
    lens(1025n, 1n, 1n, rand(6, 1030)), // > 1024: fails in Osaka (EIP-7823)
    lens(1n, 1025n, 1n, rand(7, 1030)),
    lens(1n, 1n, 1025n, rand(8, 1030)),
    lens(1024n, 2n, 1024n, rand(9, 2050)),
    lens(3n, 33n, 3n, rand(10, 3), be(0n, 32), be(1n, 1), rand(11, 3)), // exp head zero, long exponent
    lens(3n, 64n, 3n, rand(12, 70)),
  ];
  for (const [bl, el, ml] of [[1, 1, 1], [32, 32, 32], [64, 5, 64], [8, 100, 8], [100, 3, 200], [200, 31, 100], [33, 1, 33], [16, 32, 16], [0, 7, 40]]) {
    out.push(mk(rand(bl * 31 + el, bl), rand(el * 7 + 1, el), rand(ml * 5 + 3, ml)));
  }
  return out;
}

const FORKS = [Fork.Byzantium, Fork.Constantinople, Fork.Petersburg, Fork.Istanbul, Fork.MuirGlacier, Fork.Berlin,
  Fork.London, Fork.ArrowGlacier, Fork.GrayGlacier, Fork.Paris, Fork.Shanghai, Fork.Cancun, Fork.Prague, Fork.Osaka];

describe('0x05 MODEXP against @ethereumjs/evm', () => {
  it.each(FORKS.map((f) => [forkName(f), f] as const))('%s', async (_n, fork) => {
    for (const input of inputs()) await same(fork, 5, input, { gasLimit: 1n << 62n });
  });

  it('EIP-198 Fermat example returns 1; pricing differs across the three schedules', async () => {
    const fermat = inputs()[2];
    expect((await same(Fork.Byzantium, 5, fermat)).output).toBe('0x' + '00'.repeat(31) + '01');
    expect([Fork.Byzantium, Fork.Berlin, Fork.Osaka].map((f) => ourGas(f, 5, fermat))).toEqual([13056n, 1360n, 4080n]);
  });
});
