/*
 * u256.h — the wasm32 side of the builtins' 256-bit helpers: loads and stores of words in the
 * shared linear memory (absolute uint32 addresses), on top of the portable word type and
 * operations of u256_core.h (shared with the native prelude, mevmc_native.h).
 *
 * Freestanding C for wasm32 (no libc). Words live in memory as 32 bytes little-endian, so on
 * wasm's little-endian memory a word is both uint64_t[4] and uint32_t[8] (see u256_core.h).
 *
 * Every builtin reads all its operands into locals before writing the result, so the result
 * address may alias any operand.
 */
#ifndef MEVMC_U256_H
#define MEVMC_U256_H

#include <stdint.h> /* clang's own freestanding header: no libc needed */

_Static_assert(sizeof(uint32_t) == 4 && sizeof(uint64_t) == 8 && sizeof(void *) == 4,
               "wasm32 expected");

#include "mevmc_abi.h"

/* Exported under its own name; everything else stays internal. */
#define EXPORT(name) __attribute__((export_name(#name), visibility("default"))) name

/* General (rare) paths are kept out of line so the exported fast paths need no stack frame. */
#define SLOW __attribute__((noinline))

#include "u256_core.h"

/* Memory accesses go through __builtin_memcpy with a constant size: it compiles to plain
 * (unaligned-tolerant) i64 loads/stores, and keeps the C free of aliasing assumptions about the
 * shared memory, which compiled contract code writes as i64. */
static inline u256 load(uint32_t addr) {
  u256 x;
  __builtin_memcpy(&x, (const void *)(uintptr_t)addr, 32);
  return x;
}

/* Limb i (u64) of the word at addr. Fast paths use these scalars so they stay in wasm locals;
 * a u256 whose digits are indexed by variables lives on the shadow stack instead. */
static inline uint64_t ld(uint32_t addr, uint32_t i) {
  uint64_t v;
  __builtin_memcpy(&v, (const void *)(uintptr_t)(addr + 8 * i), 8);
  return v;
}

static inline void store(uint32_t addr, const u256 *x) {
  __builtin_memcpy((void *)(uintptr_t)addr, x, 32);
}

static inline void store4(uint32_t addr, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3) {
  u256 x = {{w0, w1, w2, w3}};
  store(addr, &x);
}

static inline void store_u64(uint32_t addr, uint64_t v) { store4(addr, v, 0, 0, 0); }

#endif /* MEVMC_U256_H */
