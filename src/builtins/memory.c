/*
 * memory.c — EVM memory expansion: gas, the msize bookkeeping and growing the wasm memory.
 *
 * uint32_t mevmc_expand(uint64_t offset, uint64_t length, uint32_t overflow)
 *
 * Called before every access of `length` bytes at `offset` of EVM memory (MLOAD, MSTORE, RETURN,
 * KECCAK256, *COPY, LOG, …). The caller passes the low 64 bits of the two 256-bit operands and
 * sets `overflow` to
 *
 *     (length's bits 64..255 nonzero ? 1 : 0) | (offset's bits 64..255 nonzero ? 2 : 0)
 *
 * i.e. bit 0 says "the real length is ≥ 2^64", any other bit says "the real offset is ≥ 2^64".
 * The split is what makes a zero-length access exact: when the real length is 0 (length == 0 and
 * bit 0 clear) nothing is charged or grown and 0 is returned, whatever the offset — EVM charges
 * no expansion for empty ranges (RETURN(2^200, 0) is fine). Every other nonzero `overflow` makes
 * the end of the access astronomically large.
 *
 * Returns 0 (ok), Status.OutOfGas or Status.MemoryLimit; on failure nothing in the context is
 * changed. On success with growth: ctx.gas -= C(new) - C(old), ctx.memWords = new,
 * ctx.pages = the wasm memory's size in 64 KiB pages, where C(w) = 3w + floor(w²/512).
 *
 * Fresh wasm pages read as zero, so newly exposed EVM memory is zero when the memory is new. A
 * runtime that reuses a memory between runs must zero [EVM_MEMORY_BASE, EVM_MEMORY_BASE +
 * 32·memWords) of the previous run itself; this function never clears anything.
 */
#include "u256.h"

#define CTX_U64(field) (*(uint64_t *)(uintptr_t)(MEVMC_CTX + (field)))
#define CTX_U32(field) (*(uint32_t *)(uintptr_t)(MEVMC_CTX + (field)))

#define MAX_WORDS (MEVMC_MAX_EVM_MEMORY / 32)

/* Total memory cost of w words; w ≤ MAX_WORDS = 2^25 keeps w² far inside u64. */
static inline uint64_t mem_cost(uint64_t w) { return 3 * w + (w * w) / 512; }

uint32_t EXPORT(mevmc_expand)(uint64_t offset, uint64_t length, uint32_t overflow) {
  if (length == 0 && (overflow & 1) == 0) return 0;
  uint64_t gas = CTX_U64(MEVMC_CTX_GAS), words = CTX_U64(MEVMC_CTX_MEM_WORDS);
  uint64_t end = offset + length;
  if (overflow != 0 || end < offset || end > MEVMC_MAX_EVM_MEMORY) {
    /* Beyond what mevmc allocates. The true cost exceeds the cost of growing to the limit, so
     * if the gas cannot even pay for that the EVM answer is out-of-gas, exactly; otherwise the
     * access might be payable and we stop with our own resource error. */
    uint64_t to_limit = words < MAX_WORDS ? mem_cost(MAX_WORDS) - mem_cost(words) : 0;
    return gas < to_limit ? MEVMC_STATUS_OUT_OF_GAS : MEVMC_STATUS_MEMORY_LIMIT;
  }
  uint64_t new_words = (end + 31) / 32;
  if (new_words <= words) return 0;
  uint64_t cost = mem_cost(new_words) - mem_cost(words);
  if (cost > gas) return MEVMC_STATUS_OUT_OF_GAS;
  /* Make EVM bytes [0, 32·new_words) addressable (≤ 1 GiB + 64 KiB, below wasm32's 4 GiB). */
  uint32_t need = (uint32_t)((MEVMC_EVM_MEMORY_BASE + new_words * 32 + 65535) >> 16);
  uint32_t have = (uint32_t)__builtin_wasm_memory_size(0);
  if (need > have) {
    if (__builtin_wasm_memory_grow(0, need - have) == (__SIZE_TYPE__)-1)
      return MEVMC_STATUS_MEMORY_LIMIT; /* the engine refused (memory maximum, host limits) */
    have = need;
  }
  CTX_U64(MEVMC_CTX_GAS) = gas - cost;
  CTX_U64(MEVMC_CTX_MEM_WORDS) = new_words;
  CTX_U32(MEVMC_CTX_PAGES) = have;
  return 0;
}
