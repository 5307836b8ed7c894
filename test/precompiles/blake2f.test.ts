/**
 * @file BLAKE2F (0x09) against @ethereumjs/evm on every fork from Istanbul, and against BLAKE2b itself: F with 12
 * rounds over the initial state of BLAKE2b-512 must give @noble/hashes' blake2b of a one-block message (EIP-152's
 * test vector 5 is that for "abc"). Also: 0 and many rounds, f = 0/1, bad final flag, wrong lengths.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { describe, expect, it } from 'vitest';

import { ALL_FORKS, Fork, forkName } from '../../src/evm/forks.ts';
import { cat, hexBytes, rand, same } from './reference.ts';

const rounds = (n: number): Uint8Array => hexBytes(n.toString(16).padStart(8, '0'));
const le64 = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
const IV = [0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n];

/** The F input that BLAKE2b-512 (no key) applies to a one-block message `msg` (≤ 128 bytes). */
function oneBlock(msg: Uint8Array, r = 12): Uint8Array {
  const h = IV.map((w, i) => (i === 0 ? w ^ 0x01010040n : w));
  const m = new Uint8Array(128);
  m.set(msg);
  return cat(rounds(r), ...h.map(le64), m, le64(BigInt(msg.length)), le64(0n), Uint8Array.of(1));
}

const inputs = (): Uint8Array[] => [
  oneBlock(new TextEncoder().encode('abc')), oneBlock(new Uint8Array(0)), oneBlock(rand(1, 128)), oneBlock(rand(2, 77), 0),
  oneBlock(rand(3, 5), 1), oneBlock(rand(4, 5), 10), oneBlock(rand(5, 5), 11), oneBlock(rand(6, 5), 25),
  cat(rounds(12), rand(7, 208), Uint8Array.of(0)), cat(rounds(3), rand(8, 208), Uint8Array.of(2)),
  cat(rand(9, 4), rand(10, 208), Uint8Array.of(1)), // random round count: usually priced beyond the limit
  new Uint8Array(0), new Uint8Array(212), new Uint8Array(214), new Uint8Array(213),
];

describe('0x09 BLAKE2F', () => {
  it('is BLAKE2b compression (EIP-152 vector 5 and other one-block messages)', async () => {
    for (const msg of [new TextEncoder().encode('abc'), new Uint8Array(0), rand(11, 128)]) {
      const out = await same(Fork.Istanbul, 9, oneBlock(msg));
      expect(out.output).toBe('0x' + Buffer.from(blake2b(msg)).toString('hex'));
    }
  });

  it.each(ALL_FORKS.filter((f) => f >= Fork.Istanbul).map((f) => [forkName(f), f] as const))('against @ethereumjs/evm: %s', async (_n, fork) => {
    for (const input of inputs()) await same(fork, 9, input);
  });

  it('many rounds', async () => {
    await same(Fork.Cancun, 9, oneBlock(rand(12, 100), 200_000), { edges: false });
  });
});
