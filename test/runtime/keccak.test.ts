/**
 * @file runtime/state/keccak.ts (the builtins' keccak-f for trie roots, receipts and blooms) against @noble/hashes:
 * every length class of the sponge (empty, within one 136-byte block, at and across block edges, the memo's 32/64-byte
 * paths repeated, code-sized and larger than the private memory's first pages, which must grow).
 */
import { randomBytes } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../runtime/state/keccak.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('runtime keccak256', () => {
  it('equals @noble/hashes on every length class', () => {
    for (const len of [0, 1, 19, 20, 31, 32, 33, 63, 64, 65, 135, 136, 137, 271, 272, 273, 1000, 24_576, 300_000]) {
      for (let k = 0; k < 4; k++) {
        const d = randomBytes(len);
        expect(hex(keccak256(d)), `length ${len}`).toBe(hex(keccak_256(d)));
      }
    }
  });
  it('repeated and alternating 32/64-byte inputs (the builtin memo) and subarray views', () => {
    const a = randomBytes(64);
    const b = randomBytes(64);
    for (let k = 0; k < 6; k++) {
      const d = k % 2 ? a : b;
      expect(hex(keccak256(d))).toBe(hex(keccak_256(d)));
      expect(hex(keccak256(d.subarray(0, 32)))).toBe(hex(keccak_256(d.subarray(0, 32))));
    }
    expect(hex(keccak256(new Uint8Array(0)))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  });
});
