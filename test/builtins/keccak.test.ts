/**
 * @file mevmc_keccak256 against @noble/hashes' keccak_256: every length 0..300 (all positions of
 * the padding within and across the 136-byte blocks), a few KB, unaligned inputs, and the result
 * written over its own input; the memo of 32- and 64-byte inputs (keccak.c) against the same
 * reference: repeats, one-bit changes in every lane and in pairs of lanes (equal lane XOR), all-zero
 * inputs on an empty memo, a 32-byte input that is the prefix of a remembered 64-byte one and a
 * 64-byte one that extends a remembered 32-byte one with zeros, evictions, hits written over the input;
 * entries serve only the frame serial (Ctx.memoEpoch) that filled them.
 */
import { describe, it, expect } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { BUILTIN_STACK_END, CTX, Ctx, EVM_MEMORY_BASE } from '../../src/abi/context.ts';
import { Rng, SLOT, framePages, instantiate, readWord } from './harness.ts';

/** The digest as the big-endian number the EVM pushes. */
function reference(data: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(keccak_256(data)).toString('hex'));
}

const { memory, fns } = instantiate(new WebAssembly.Memory({ initial: framePages(2) }));

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(rng.u64() & 0xffn);
  return out;
}

function hashAt(addr: number, data: Uint8Array, r = SLOT[0]): bigint {
  new Uint8Array(memory.buffer).set(data, addr);
  fns.mevmc_keccak256(r, addr, data.length);
  return readWord(memory, r);
}

describe('mevmc_keccak256', () => {
  it('known vectors', () => {
    expect(hashAt(EVM_MEMORY_BASE, new Uint8Array(0))).toBe(
      0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470n,
    );
    expect(hashAt(EVM_MEMORY_BASE, new TextEncoder().encode('abc'))).toBe(
      0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45n,
    );
  });

  it('every length 0..300, at aligned and unaligned addresses', () => {
    const rng = new Rng(1);
    const bad: string[] = [];
    for (let len = 0; len <= 300; len++) {
      const data = randomBytes(rng, len);
      for (const addr of [EVM_MEMORY_BASE, EVM_MEMORY_BASE + 1 + (len % 7)]) {
        const got = hashAt(addr, data);
        if (got !== reference(data)) bad.push(`len ${len} at ${addr}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('a few KB, and block-multiple lengths', () => {
    const rng = new Rng(2);
    for (const len of [136 * 8, 136 * 8 - 1, 136 * 8 + 1, 1000, 4096, 5000, 65536]) {
      const data = randomBytes(rng, len);
      expect(hashAt(EVM_MEMORY_BASE + 5, data)).toBe(reference(data));
    }
  });

  it('all-0xff input (the 0x01/0x80 padding bytes must be xored, not or-ed, in)', () => {
    for (const len of [0, 1, 134, 135, 136, 137, 271, 272]) {
      const data = new Uint8Array(len).fill(0xff);
      expect(hashAt(EVM_MEMORY_BASE, data)).toBe(reference(data));
    }
  });

  it('the result may overwrite the input', () => {
    const rng = new Rng(3);
    const data = randomBytes(rng, 64);
    expect(hashAt(EVM_MEMORY_BASE, data, EVM_MEMORY_BASE)).toBe(reference(data));
    const short = randomBytes(rng, 10);
    expect(hashAt(EVM_MEMORY_BASE + 100, short, EVM_MEMORY_BASE + 95)).toBe(reference(short));
  });

  it('the 32/64-byte memo gives the reference digest on hits, near misses and evictions', () => {
    // A fresh memory: the memo starts empty (zeroed), so an all-zero input must not match an empty entry.
    const own = instantiate(new WebAssembly.Memory({ initial: framePages(2) }));
    const u8 = () => new Uint8Array(own.memory.buffer);
    const bad: string[] = [];
    const check = (what: string, data: Uint8Array, addr = EVM_MEMORY_BASE, r = SLOT[0]) => {
      u8().set(data, addr);
      own.fns.mevmc_keccak256(r, addr, data.length);
      if (readWord(own.memory, r) !== reference(data)) bad.push(what);
    };
    for (const len of [64, 32, 64, 32]) check(`all-zero ${len}`, new Uint8Array(len));
    const rng = new Rng(4);
    const bases = Array.from({ length: 24 }, (_, i) => randomBytes(rng, i % 3 === 0 ? 32 : 64));
    for (let round = 0; round < 3; round++) {
      bases.forEach((b, i) => {
        check(`base ${i} round ${round}`, b, EVM_MEMORY_BASE + (i % 5));
        // One bit flipped in one lane (another memo entry), and the same bit flipped in two lanes: the lanes' XOR,
        // which the memo hashes, is unchanged, so that input meets the base's entry and only the lane compare tells
        // them apart. The base again after each.
        const lanes = b.length / 8;
        for (let l1 = 0; l1 < lanes; l1++) {
          for (let l2 = l1; l2 < lanes; l2++) {
            const near = b.slice();
            const bit = Number(rng.u64() % 64n);
            near[8 * l1 + (bit >> 3)] ^= 1 << (bit & 7);
            if (l2 !== l1) near[8 * l2 + (bit >> 3)] ^= 1 << (bit & 7);
            check(`base ${i} lanes ${l1},${l2} bit ${bit}`, near);
            check(`base ${i} between`, b);
          }
        }
        check(`base ${i} again`, b);
        // The other length over the same bytes: a 32-byte prefix of a 64-byte input, a 64-byte extension with zeros.
        check(`base ${i} other length`, b.length === 64 ? b.subarray(0, 32) : Uint8Array.from([...b, ...new Uint8Array(32)]));
      });
    }
    // A hit whose result overwrites its own input.
    const d = randomBytes(rng, 64);
    check('overwrite, miss', d, EVM_MEMORY_BASE + 300, SLOT[1]);
    check('overwrite, hit', d, EVM_MEMORY_BASE + 300, EVM_MEMORY_BASE + 300);
    check('overwrite, hit again', d, EVM_MEMORY_BASE + 300, EVM_MEMORY_BASE + 310);
    expect(bad).toEqual([]);
  });

  it('a memo entry serves only the frame serial that filled it', () => {
    // White box: the remembered result is overwritten in the memo's static data, so a hit is visible as that
    // wrong value. Same serial: the poisoned entry is used (this proves the poke hit the memo); another serial:
    // the reference digest, computed again.
    const own = instantiate(new WebAssembly.Memory({ initial: framePages(2) }));
    const dv = () => new DataView(own.memory.buffer);
    const u8 = () => new Uint8Array(own.memory.buffer);
    const rng = new Rng(9);
    for (const len of [32, 64]) {
      const data = randomBytes(rng, len);
      const hash = (serial: number) => {
        dv().setUint32(CTX + Ctx.memoEpoch, serial, true);
        u8().set(data, EVM_MEMORY_BASE);
        own.fns.mevmc_keccak256(SLOT[0], EVM_MEMORY_BASE, len);
        return readWord(own.memory, SLOT[0]);
      };
      expect(hash(7)).toBe(reference(data));
      const stored = u8().slice(SLOT[0], SLOT[0] + 32);
      const area = u8().subarray(BUILTIN_STACK_END, CTX);
      let at = -1;
      for (let i = 0; i + 32 <= area.length && at < 0; i += 8) {
        if (area.subarray(i, i + 32).every((b, k) => b === stored[k])) at = i;
      }
      expect(at).toBeGreaterThanOrEqual(0);
      area.fill(0xab, at, at + 32);
      const poisoned = readWord(own.memory, BUILTIN_STACK_END + at);
      expect(hash(7)).toBe(poisoned);
      expect(hash(8)).toBe(reference(data));
      expect(hash(8)).toBe(reference(data)); // refilled under serial 8
    }
  });
});
