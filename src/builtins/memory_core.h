/*
 * memory_core.h — the EVM memory-expansion rule (gas, size bookkeeping, the overflow / limit /
 * out-of-gas decisions), shared by the wasm32 builtin mevmc_expand (memory.c, which also grows the
 * wasm memory) and the native prelude's mevmc_w_expand (mevmc_native.h, whose host reserved the
 * whole frame up front). Pure arithmetic, no memory access; C11, freestanding.
 *
 * An access of `length` bytes at `offset` of EVM memory is described by the low 64 bits of the
 * two 256-bit operands and
 *
 *     overflow = (length's bits 64..255 nonzero ? 1 : 0) | (offset's bits 64..255 nonzero ? 2 : 0)
 *
 * i.e. bit 0 says "the real length is ≥ 2^64", any other bit says "the real offset is ≥ 2^64".
 * The split is what makes a zero-length access exact: when the real length is 0 (length == 0 and
 * bit 0 clear) nothing is charged or grown, whatever the offset — EVM charges no expansion for
 * empty ranges (RETURN(2^200, 0) is fine). Every other nonzero `overflow` makes the end of the
 * access astronomically large.
 *
 * The EVM memory never exceeds MEVMC_MEM_CORE_MAX_BYTES (= MEVMC_MAX_EVM_MEMORY of both ABI
 * headers, checked where they are included). Past it the true expansion cost is still computed
 * exactly (it may pass 2^64, and gas is any uint64): if the gas cannot pay it the EVM answer is
 * out-of-gas; otherwise the access is payable and mevmc stops with its own resource error,
 * MemoryLimit.
 */
#ifndef MEVMC_MEMORY_CORE_H
#define MEVMC_MEMORY_CORE_H

#include <stdint.h>

/* 1 GiB: the EVM memory mevmc supports (src/abi/context.ts MAX_EVM_MEMORY). */
#define MEVMC_MEM_CORE_MAX_BYTES 1073741824ull
#define MEVMC_MEM_CORE_MAX_WORDS (MEVMC_MEM_CORE_MAX_BYTES / 32)

/* Results of mevmc_mem_expand_core. The failures have the numeric values of Status.OutOfGas and
 * Status.MemoryLimit (checked against the ABI headers where this file is included); GROW is no
 * status and must not escape the caller. */
enum { MEVMC_MEM_OK = 0, MEVMC_MEM_OUT_OF_GAS = 3, MEVMC_MEM_LIMIT = 10, MEVMC_MEM_GROW = 0x100 };

/* Total memory cost of w words, C(w) = 3w + floor(w²/512); w ≤ MAX_WORDS = 2^25 keeps w² far
 * inside u64. */
static inline uint64_t mevmc_mem_cost(uint64_t w) { return 3 * w + (w * w) / 512; }

/*
 * 1 if C(nw) - C(w) > g, for w ≤ MAX_WORDS < nw: C(nw) may pass 2^64, so it is built as a 128-bit
 * (hi, lo) pair (no __int128: wasm32 would need compiler-rt). nw ≥ 2^37 costs ≥ 2^65, more than any
 * uint64 gas plus C(w) < 2^42. Below, with nw = 512q + r: floor(nw²/512) = 512q² + 2qr + floor(r²/512).
 */
static inline int mevmc_mem_cost_exceeds(uint64_t nw, uint64_t w, uint64_t g) {
  if (nw >> 37) return 1;
  uint64_t q = nw >> 9, r = nw & 511, q2 = q * q; /* q < 2^28: q² < 2^56 */
  uint64_t lo = q2 << 9, hi = q2 >> 55;
  uint64_t sum = lo + (3 * nw + 2 * q * r + (r * r) / 512);
  hi += sum < lo;
  uint64_t need_lo = g + mevmc_mem_cost(w), need_hi = need_lo < g; /* g + C(w), 65 bits */
  return hi > need_hi || (hi == need_hi && sum > need_lo);
}

/*
 * The expansion for an access (offset, length, overflow as above), given the context's gas left
 * and EVM memory size in words (read through the pointers, and only for a nonempty access).
 * Returns
 *   MEVMC_MEM_OK          the access fits the current memory: nothing changes;
 *   MEVMC_MEM_GROW        the memory grows: the caller makes 32·*new_words bytes available, then
 *                         sets gas = *new_gas (= gas - (C(new) - C(old))) and words = *new_words
 *                         (≤ MAX_WORDS), and reports success (0);
 *   MEVMC_MEM_OUT_OF_GAS, MEVMC_MEM_LIMIT   failures, with nothing to change.
 */
static inline uint32_t mevmc_mem_expand_core(const uint64_t *gas, const uint64_t *words,
                                             uint64_t offset, uint64_t length, uint32_t overflow,
                                             uint64_t *new_gas, uint64_t *new_words) {
  if (length == 0 && (overflow & 1) == 0) return MEVMC_MEM_OK;
  uint64_t g = *gas, w = *words;
  uint64_t end = offset + length;
  /* A real end ≥ 2^64 costs ≥ C(2^59) ≈ 2^109: more than any gas. */
  if (overflow != 0 || end < offset) return MEVMC_MEM_OUT_OF_GAS;
  if (end > MEVMC_MEM_CORE_MAX_BYTES) {
    uint64_t far = end / 32 + (end % 32 != 0); /* (end + 31) / 32 could wrap */
    return mevmc_mem_cost_exceeds(far, w, g) ? MEVMC_MEM_OUT_OF_GAS : MEVMC_MEM_LIMIT;
  }
  uint64_t nw = (end + 31) / 32;
  if (nw <= w) return MEVMC_MEM_OK;
  uint64_t cost = mevmc_mem_cost(nw) - mevmc_mem_cost(w);
  if (cost > g) return MEVMC_MEM_OUT_OF_GAS;
  *new_gas = g - cost;
  *new_words = nw;
  return MEVMC_MEM_GROW;
}

#endif /* MEVMC_MEMORY_CORE_H */
