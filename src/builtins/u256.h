/*
 * u256.h — shared helpers of the builtins: the 256-bit word type, loads/stores from the shared
 * linear memory, and small inline operations.
 *
 * Freestanding C for wasm32 (no libc). Words live in memory as 32 bytes little-endian, so on
 * wasm's little-endian memory a word is both uint64_t[4] and uint32_t[8] (limb i of the u32 view
 * is the low/high half of u64 limb i/2). The u64 view is used for loads, stores, comparisons and
 * shifts (native i64 ops); the u32 view for multiplication and division, where wasm only has a
 * 64x64→64 multiply and a 64/64 divide, i.e. 32x32→64 and 64/32 digit steps.
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

typedef union {
  uint64_t w[4]; /* w[0] least significant */
  uint32_t h[8]; /* h[0] least significant */
} u256;

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

/* All ones if limb x is negative as an int64, else 0: the upper limbs of a sign-extended int64. */
static inline uint64_t sign64(uint64_t x) { return (uint64_t)((int64_t)x >> 63); }

static inline void store(uint32_t addr, const u256 *x) {
  __builtin_memcpy((void *)(uintptr_t)addr, x, 32);
}

static inline void store4(uint32_t addr, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3) {
  u256 x = {{w0, w1, w2, w3}};
  store(addr, &x);
}

static inline void store_u64(uint32_t addr, uint64_t v) { store4(addr, v, 0, 0, 0); }

static inline int is_zero(const u256 *x) { return (x->w[0] | x->w[1] | x->w[2] | x->w[3]) == 0; }

/* True when x < 2^64. */
static inline int fits64(const u256 *x) { return (x->w[1] | x->w[2] | x->w[3]) == 0; }

static inline int is_neg(const u256 *x) { return (int64_t)x->w[3] < 0; }

/* Two's complement negation: x = 2^256 - x. */
static inline void neg(u256 *x) {
  uint64_t c = 1;
  for (int i = 0; i < 4; i++) {
    uint64_t t = ~x->w[i] + c;
    c = c & (t == 0);
    x->w[i] = t;
  }
}

/* Unsigned comparison: -1, 0, 1. */
static inline int cmp(const u256 *a, const u256 *b) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

/* Number of significant 32-bit digits (0 for x = 0). */
static inline int ndigits(const u256 *x) {
  for (int i = 3; i >= 0; i--)
    if (x->w[i]) return 2 * i + 1 + (x->w[i] >> 32 != 0);
  return 0;
}

/* Number of leading zero bits of x (256 for 0). */
static inline uint32_t clz256(const u256 *x) {
  for (int i = 3; i >= 0; i--)
    if (x->w[i]) return (uint32_t)(64 * (3 - i) + __builtin_clzll(x->w[i]));
  return 256;
}

/* Full 64x64→128 product from four 32x32→64 products (wasm has no widening multiply). */
static inline uint64_t mul64(uint64_t a, uint64_t b, uint64_t *hi) {
  uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  /* middle column: cannot overflow, (2^32-1) + 2*(2^32-1) fits with the 32-bit carry in */
  uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
  *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (mid << 32) | (uint32_t)p00;
}

#endif /* MEVMC_U256_H */
