/*
 * u256_core.h — the portable part of the 256-bit helpers, shared by the wasm32 builtins (through
 * u256.h) and the native prelude of the C backend (mevmc_native.h): the word type and small
 * operations on it. No memory access, no target assumption beyond a little-endian machine with
 * 32- and 64-bit integers; C11, freestanding (only <stdint.h>).
 *
 * A word is 32 bytes little-endian, so on a little-endian machine it is both uint64_t[4] and
 * uint32_t[8] (limb i of the u32 view is the low/high half of u64 limb i/2). The u64 view is used
 * for comparisons and shifts; the u32 view for multiplication and division, whose algorithms
 * (div_core.h) work on 32-bit digits with 64-bit intermediates so that wasm's 64x64→64 multiply
 * and 64/64 divide are enough.
 *
 * Everything here is `static inline` and prefixed `u256`, so a file including it (a generated
 * contract, say) gets no unused-function warnings and few reserved names.
 */
#ifndef MEVMC_U256_CORE_H
#define MEVMC_U256_CORE_H

#include <stdint.h> /* clang's own freestanding header: no libc needed */

_Static_assert(sizeof(uint32_t) == 4 && sizeof(uint64_t) == 8, "32- and 64-bit integers expected");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the u256 views assume little-endian");

typedef union {
  uint64_t w[4]; /* w[0] least significant */
  uint32_t h[8]; /* h[0] least significant */
} u256;

/* The word 0. Written as four scalar stores rather than `= {0}`: an aggregate initialiser is a
 * memset, which unoptimised native builds (-O0) emit as a libc call. */
static inline u256 u256_zero(void) {
  u256 z;
  z.w[0] = 0, z.w[1] = 0, z.w[2] = 0, z.w[3] = 0;
  return z;
}

/* All ones if limb x is negative as an int64, else 0: the upper limbs of a sign-extended int64. */
static inline uint64_t u256_sign64(uint64_t x) { return (uint64_t)((int64_t)x >> 63); }

static inline int u256_is_zero(const u256 *x) { return (x->w[0] | x->w[1] | x->w[2] | x->w[3]) == 0; }

/* True when x < 2^64. */
static inline int u256_fits64(const u256 *x) { return (x->w[1] | x->w[2] | x->w[3]) == 0; }

static inline int u256_is_neg(const u256 *x) { return (int64_t)x->w[3] < 0; }

/* Two's complement negation: x = 2^256 - x. */
static inline void u256_neg(u256 *x) {
  uint64_t c = 1;
  for (int i = 0; i < 4; i++) {
    uint64_t t = ~x->w[i] + c;
    c = c & (t == 0);
    x->w[i] = t;
  }
}

/* Unsigned comparison: -1, 0, 1. */
static inline int u256_cmp(const u256 *a, const u256 *b) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

/* Number of significant 32-bit digits (0 for x = 0). */
static inline int u256_ndigits(const u256 *x) {
  for (int i = 3; i >= 0; i--)
    if (x->w[i]) return 2 * i + 1 + (x->w[i] >> 32 != 0);
  return 0;
}

/* Number of leading zero bits of x (256 for 0). */
static inline uint32_t u256_clz(const u256 *x) {
  for (int i = 3; i >= 0; i--)
    if (x->w[i]) return (uint32_t)(64 * (3 - i) + __builtin_clzll(x->w[i]));
  return 256;
}

/* Full 64x64→128 product from four 32x32→64 products (wasm has no widening multiply). */
static inline uint64_t u256_mul64(uint64_t a, uint64_t b, uint64_t *hi) {
  uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  /* middle column: cannot overflow, (2^32-1) + 2*(2^32-1) fits with the 32-bit carry in */
  uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
  *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (mid << 32) | (uint32_t)p00;
}

#endif /* MEVMC_U256_CORE_H */
