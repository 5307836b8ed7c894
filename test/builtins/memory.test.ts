/**
 * @file mevmc_expand: EVM memory-expansion gas (C(w) = 3w + floor(w²/512)), the memWords/pages
 * bookkeeping, wasm memory growth, zero-length accesses, 256-bit overflow flags, out-of-gas
 * exactly at the boundary, and MemoryLimit versus OutOfGas past MAX_EVM_MEMORY (exact for any uint64 gas).
 */
import { describe, it, expect } from 'vitest';
import { CTX, Ctx, EVM_MEMORY_BASE, MAX_EVM_MEMORY, Status } from '../../src/abi/context.ts';
import { Rng, instantiate } from './harness.ts';
import { MAX64, expansionCost, expectedExpansion, farAccesses } from './memory-oracle.ts';

const cost = (w: bigint): bigint => 3n * w + (w * w) / 512n;
const words = (end: bigint): bigint => (end + 31n) / 32n;
const LEN_HI = 1; // overflow bit: length ≥ 2^64
const OFF_HI = 2; // overflow bit: offset ≥ 2^64

function setup(gas: bigint, memWords = 0n, memory?: WebAssembly.Memory) {
  const inst = instantiate(memory);
  const dv = () => new DataView(inst.memory.buffer);
  dv().setBigUint64(CTX + Ctx.gas, gas, true);
  dv().setBigUint64(CTX + Ctx.memWords, memWords, true);
  return {
    expand: (offset: bigint, length: bigint, overflow = 0) => inst.fns.mevmc_expand(offset, length, overflow),
    gas: () => dv().getBigUint64(CTX + Ctx.gas, true),
    memWords: () => dv().getBigUint64(CTX + Ctx.memWords, true),
    pages: () => dv().getUint32(CTX + Ctx.pages, true),
    bytes: () => inst.memory.buffer.byteLength,
    view: (addr: number, len: number) => new Uint8Array(inst.memory.buffer, addr, len),
  };
}

describe('mevmc_expand', () => {
  it('charges C(new) - C(old) and records the new size', () => {
    const m = setup(1_000_000n);
    expect(m.expand(0n, 32n)).toBe(0);
    expect([m.gas(), m.memWords()]).toEqual([1_000_000n - 3n, 1n]);
    expect(m.expand(31n, 1n)).toBe(0); // inside the first word: free
    expect([m.gas(), m.memWords()]).toEqual([1_000_000n - 3n, 1n]);
    expect(m.expand(32n, 1n)).toBe(0); // touches word 2
    expect([m.gas(), m.memWords()]).toEqual([1_000_000n - 6n, 2n]);
    expect(m.expand(1000n, 2000n)).toBe(0);
    const w = words(3000n);
    expect([m.gas(), m.memWords()]).toEqual([1_000_000n - cost(w), w]);
    expect(m.expand(0n, 64n)).toBe(0); // smaller than the current size: nothing happens
    expect([m.gas(), m.memWords()]).toEqual([1_000_000n - cost(w), w]);
  });

  it('matches the formula for many sizes, starting from any size', () => {
    for (const [from, to] of [[0n, 1n], [1n, 2n], [5n, 1000n], [700n, 5000n], [22n, 100_000n], [1n << 20n, (1n << 20n) + 1n]]) {
      const m = setup(10n ** 12n, from);
      expect(m.expand(0n, to * 32n - 5n)).toBe(0);
      expect(m.gas()).toBe(10n ** 12n - (cost(to) - cost(from)));
      expect(m.memWords()).toBe(to);
    }
  });

  it('zero length is a no-op whatever the offset and flags for the offset', () => {
    const m = setup(0n, 3n);
    expect(m.expand(0n, 0n)).toBe(0);
    expect(m.expand(1n << 60n, 0n)).toBe(0);
    expect(m.expand(0xffffffffffffffffn, 0n)).toBe(0);
    expect(m.expand(0n, 0n, OFF_HI)).toBe(0); // offset ≥ 2^64, length 0
    expect([m.gas(), m.memWords()]).toEqual([0n, 3n]);
  });

  it('runs out of gas exactly one below the cost, and leaves the context untouched', () => {
    const need = cost(words(10_000n));
    const short = setup(need - 1n);
    expect(short.expand(0n, 10_000n)).toBe(Status.OutOfGas);
    expect([short.gas(), short.memWords()]).toEqual([need - 1n, 0n]);
    const exact = setup(need);
    expect(exact.expand(0n, 10_000n)).toBe(0);
    expect([exact.gas(), exact.memWords()]).toEqual([0n, words(10_000n)]);
  });

  it('grows the wasm memory to cover EVM_MEMORY_BASE + 32·memWords and records the pages', () => {
    const m = setup(10n ** 9n);
    const before = m.bytes();
    expect(m.expand(0n, 32n)).toBe(0);
    expect(m.bytes()).toBe(before); // a frame's pages already cover one word
    expect(m.expand(200_000n, 1n)).toBe(0);
    const end = EVM_MEMORY_BASE + Number(m.memWords()) * 32;
    expect(m.bytes()).toBeGreaterThanOrEqual(end);
    expect(m.bytes()).toBeLessThan(end + 65536);
    expect(m.pages()).toBe(m.bytes() / 65536);
    // fresh pages: the newly exposed EVM memory reads as zero
    expect(m.view(EVM_MEMORY_BASE, Number(m.memWords()) * 32).every((b) => b === 0)).toBe(true);
  });

  it('returns MemoryLimit when the engine refuses to grow, changing nothing', () => {
    const base = EVM_MEMORY_BASE / 65536; // pages below EVM memory
    const m = setup(10n ** 9n, 0n, new WebAssembly.Memory({ initial: base + 1, maximum: base + 2 }));
    expect(m.expand(0n, 65536n)).toBe(0); // EVM bytes [0, 64 KiB) exactly fill the first page past the base
    expect(m.bytes()).toBe((base + 1) * 65536);
    expect(m.expand(65536n, 1n)).toBe(0); // one more byte: the next page
    expect(m.bytes()).toBe((base + 2) * 65536);
    const gas = m.gas();
    expect(m.expand(2n * 65536n, 1n)).toBe(Status.MemoryLimit); // the page after it is past the maximum
    expect([m.gas(), m.memWords(), m.bytes()]).toEqual([gas, 2049n, (base + 2) * 65536]);
  });

  describe('beyond MAX_EVM_MEMORY', () => {
    const MAXW = BigInt(MAX_EVM_MEMORY / 32);
    for (const memWords of [0n, 1000n, MAXW]) {
      for (const [name, offset, length, flags] of farAccesses(memWords)) {
        it(`${name}, from ${memWords} words: OutOfGas one below the exact cost (even past 2^64), MemoryLimit from it`, () => {
          const need = expansionCost(memWords, offset, length, flags);
          const poorest = need - 1n > MAX64 ? MAX64 : need - 1n; // an unpayable cost: the most gas there is
          const poor = setup(poorest, memWords);
          expect(poor.expand(offset, length, flags)).toBe(Status.OutOfGas);
          expect([poor.gas(), poor.memWords()]).toEqual([poorest, memWords]);
          if (need <= MAX64) {
            const rich = setup(need, memWords);
            expect(rich.expand(offset, length, flags)).toBe(Status.MemoryLimit);
            expect([rich.gas(), rich.memWords()]).toEqual([need, memWords]);
          }
        });
      }
    }

    it('random far accesses with any uint64 gas agree with the formula', () => {
      const rng = new Rng(7);
      const bad: string[] = [];
      for (let i = 0; i < 20_000; i++) {
        const memWords = [0n, 1000n, MAXW][rng.int(3)];
        const end = BigInt(MAX_EVM_MEMORY) + rng.bits(1 + rng.int(43)); // up to ~2^43 bytes: costs around 2^64
        const length = 1n + rng.bits(rng.int(20));
        const offset = end > length ? end - length : 0n;
        const need = expansionCost(memWords, offset, length, 0);
        const gas = [need - 1n, need, need + 1n, rng.u64(), MAX64][rng.int(5)] & MAX64;
        const m = setup(gas, memWords);
        const got = [m.expand(offset, length, 0), m.gas(), m.memWords()];
        const want = expectedExpansion(gas, memWords, offset, length, 0);
        if (JSON.stringify(got.map(String)) !== JSON.stringify(want.map(String))) bad.push(`gas ${gas} words ${memWords} [${offset}, +${length}): ${got} want ${want}`);
      }
      expect(bad.slice(0, 10)).toEqual([]);
    });

    it('end = MAX exactly is an ordinary expansion: out of gas one below, 1 GiB with enough', () => {
      const need = cost(MAXW);
      const m = setup(need - 1n);
      expect(m.expand(BigInt(MAX_EVM_MEMORY) - 32n, 32n)).toBe(Status.OutOfGas);
      // Untouched fresh pages are only reserved, not committed, so this is cheap.
      const big = setup(need + 5n);
      expect(big.expand(BigInt(MAX_EVM_MEMORY) - 32n, 32n)).toBe(0);
      expect([big.gas(), big.memWords()]).toEqual([5n, MAXW]);
      expect(big.bytes()).toBe(EVM_MEMORY_BASE + MAX_EVM_MEMORY);
      expect(big.pages()).toBe(big.bytes() / 65536);
    });
  });
});
