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
 * headers, checked where they are included). Past it the true cost exceeds the cost of growing to
 * the limit, so if the gas cannot even pay for that the EVM answer is out-of-gas, exactly;
 * otherwise the access might be payable and mevmc stops with its own resource error, MemoryLimit.
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
  if (overflow != 0 || end < offset || end > MEVMC_MEM_CORE_MAX_BYTES) {
    uint64_t to_limit = w < MEVMC_MEM_CORE_MAX_WORDS
                            ? mevmc_mem_cost(MEVMC_MEM_CORE_MAX_WORDS) - mevmc_mem_cost(w)
                            : 0;
    return g < to_limit ? MEVMC_MEM_OUT_OF_GAS : MEVMC_MEM_LIMIT;
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
