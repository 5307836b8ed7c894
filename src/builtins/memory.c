/*
 * memory.c — EVM memory expansion for wasm32: gas, the msize bookkeeping and growing the wasm
 * memory.
 *
 * uint32_t mevmc_expand(uint64_t offset, uint64_t length, uint32_t overflow)
 *
 * Called before every access of `length` bytes at `offset` of EVM memory (MLOAD, MSTORE, RETURN,
 * KECCAK256, *COPY, LOG, …). The caller passes the low 64 bits of the two 256-bit operands and
 * the `overflow` flags of memory_core.h, which holds the rule itself (shared with the native
 * prelude): zero-length accesses are free whatever the offset, C(w) = 3w + floor(w²/512), and
 * OutOfGas versus MemoryLimit past MAX_EVM_MEMORY.
 *
 * Returns 0 (ok), Status.OutOfGas or Status.MemoryLimit; on failure nothing in the context is
 * changed. On success with growth: ctx.gas -= C(new) - C(old), ctx.memWords = new,
 * ctx.pages = the wasm memory's size in 64 KiB pages. MemoryLimit also comes back when the engine
 * refuses to grow the memory.
 *
 * Fresh wasm pages read as zero, so newly exposed EVM memory is zero when the memory is new. A
 * runtime that reuses a memory between runs must zero [EVM_MEMORY_BASE, EVM_MEMORY_BASE +
 * 32·memWords) of the previous run itself; this function never clears anything.
 */
#include "u256.h"
#include "memory_core.h"

_Static_assert(MEVMC_MEM_CORE_MAX_BYTES == MEVMC_MAX_EVM_MEMORY, "memory_core.h limit");
_Static_assert(MEVMC_MEM_OUT_OF_GAS == MEVMC_STATUS_OUT_OF_GAS &&
                   MEVMC_MEM_LIMIT == MEVMC_STATUS_MEMORY_LIMIT && MEVMC_MEM_OK == 0,
               "memory_core.h statuses");

#define CTX_U64(field) (*(uint64_t *)(uintptr_t)(MEVMC_CTX + (field)))
#define CTX_U32(field) (*(uint32_t *)(uintptr_t)(MEVMC_CTX + (field)))

uint32_t EXPORT(mevmc_expand)(uint64_t offset, uint64_t length, uint32_t overflow) {
  uint64_t gas, words;
  uint32_t status = mevmc_mem_expand_core(&CTX_U64(MEVMC_CTX_GAS), &CTX_U64(MEVMC_CTX_MEM_WORDS),
                                          offset, length, overflow, &gas, &words);
  if (status != MEVMC_MEM_GROW) return status;
  /* Make EVM bytes [0, 32·words) addressable (≤ 1 GiB + 128 KiB, below wasm32's 4 GiB). */
  uint32_t need = (uint32_t)((MEVMC_EVM_MEMORY_BASE + words * 32 + 65535) >> 16);
  uint32_t have = (uint32_t)__builtin_wasm_memory_size(0);
  if (need > have) {
    if (__builtin_wasm_memory_grow(0, need - have) == (__SIZE_TYPE__)-1)
      return MEVMC_STATUS_MEMORY_LIMIT; /* the engine refused (memory maximum, host limits) */
    have = need;
  }
  CTX_U64(MEVMC_CTX_GAS) = gas;
  CTX_U64(MEVMC_CTX_MEM_WORDS) = words;
  CTX_U32(MEVMC_CTX_PAGES) = have;
  return 0;
}
