/**
 * @file What an EVM memory expansion must do, from the yellow-paper formula in BigInt (no u64 limits):
 * the oracle for the wasm builtin mevmc_expand and the native prelude's mevmc_w_expand, including
 * accesses past MAX_EVM_MEMORY, whose exact cost can exceed any uint64 gas.
 */
import { MAX_EVM_MEMORY, Status } from '../../src/abi/context.ts';

export const MAX64 = (1n << 64n) - 1n;
/** Overflow flag bits of memory_core.h: length ≥ 2^64, offset ≥ 2^64. */
export const LEN_HI = 1;
export const OFF_HI = 2;
export const MAXW = BigInt(MAX_EVM_MEMORY / 32);

/** C(w) = 3w + floor(w²/512). */
export const memCost = (w: bigint): bigint => 3n * w + (w * w) / 512n;
export const wordsOf = (end: bigint): bigint => (end + 31n) / 32n;

/**
 * The real end of an access described like the builtins' arguments (low 64 bits + flags); a flag
 * adds 2^64 (the real operand is at least that); undefined for an empty access.
 */
export function realEnd(offset: bigint, length: bigint, flags: number): bigint | undefined {
  const len = length + (flags & LEN_HI ? 1n << 64n : 0n);
  if (len === 0n) return undefined;
  return offset + (flags & ~LEN_HI ? 1n << 64n : 0n) + len;
}

/** Gas the access costs from `memWords` words (0 if it fits). */
export function expansionCost(memWords: bigint, offset: bigint, length: bigint, flags: number): bigint {
  const end = realEnd(offset, length, flags);
  if (end === undefined) return 0n;
  const nw = wordsOf(end);
  return nw <= memWords ? 0n : memCost(nw) - memCost(memWords);
}

/**
 * [status, gas, words] after the access: OutOfGas when gas cannot pay, MemoryLimit when it can but
 * the memory would pass MAX_EVM_MEMORY (nothing changes on either), else charged and grown.
 */
export function expectedExpansion(gas: bigint, memWords: bigint, offset: bigint, length: bigint, flags: number): [number, bigint, bigint] {
  const need = expansionCost(memWords, offset, length, flags);
  if (need > gas) return [Status.OutOfGas, gas, memWords];
  if (need === 0n) return [0, gas, memWords];
  const nw = wordsOf(realEnd(offset, length, flags)!);
  if (nw > MAXW) return [Status.MemoryLimit, gas, memWords];
  return [0, gas - need, nw];
}

/** Largest word count whose expansion from `memWords` costs at most `gas` (binary search). */
export function mostWordsFor(gas: bigint, memWords: bigint): bigint {
  let lo = memWords;
  let hi = 1n << 40n;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (memCost(mid) - memCost(memWords) <= gas) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

/**
 * Accesses past MAX_EVM_MEMORY, as [name, offset, length, flags]: just past it, ends ≥ 2^64 in every
 * way, and ends around the largest memory any uint64 gas pays for from `memWords` (where C(new)
 * crosses 2^64), and around 2^37 words (where memory_core.h stops computing).
 */
export function farAccesses(memWords: bigint): [string, bigint, bigint, number][] {
  const top = mostWordsFor(MAX64, memWords);
  return [
    ['end = MAX + 1', BigInt(MAX_EVM_MEMORY), 1n, 0],
    ['length ≥ 2^64', 0n, 0n, LEN_HI],
    ['length ≥ 2^64 with a low part', 5n, 7n, LEN_HI],
    ['offset ≥ 2^64', 0n, 1n, OFF_HI],
    ['both', 0n, 1n, LEN_HI | OFF_HI],
    ['offset + length wraps 2^64', MAX64, 2n, 0],
    ['huge offset', 1n << 63n, 32n, 0],
    ['end = 2^40', (1n << 40n) - 32n, 32n, 0],
    ['largest payable with 2^64-1 gas', 32n * top - 1n, 1n, 0],
    ['one byte more', 32n * top, 1n, 0],
    ['one word more', 32n * top + 31n, 1n, 0],
    ['end = 32·(2^37 - 1)', 32n * ((1n << 37n) - 1n) - 1n, 1n, 0],
    ['end = 32·2^37', 32n * (1n << 37n) - 1n, 1n, 0],
    ['end = 32·2^37 + 1', 32n * (1n << 37n), 1n, 0],
  ];
}
