/*
 * mevmc_native.h — the prelude of every contract compiled by mevmc's native backend (C compiled by
 * clang into a shared object, src/backend/c). Include it after mevmc.h (runtime/include):
 *
 *     #include "mevmc.h"
 *     #include "mevmc_native.h"        with -I runtime/include -I src/builtins
 *
 * Words are `unsigned _BitInt(256)` values (w256; s256 for signed comparisons). What clang does well
 * on them — add, sub, compare, bitwise, constant shifts, multiplication — generated code writes
 * inline; the rest are the functions below. The algorithms are those of the wasm builtins, from the
 * shared portable headers (u256_core.h, div_core.h, keccak_core.h, memory_core.h): "no semantics
 * written twice". Only EXP, SIGNEXTEND, BYTE, the shifts and CLZ are written here again, as a few
 * lines of _BitInt each, since arith.c's versions are wasm register tricks over memory words.
 *
 * Requirements: clang ≥ 15 (_BitInt(256)), C23 or gnu2x (-std=c2x), a little-endian 64-bit target
 * (x86-64 Linux is the one tested; the 128/64 division uses `divq` there and a portable path
 * elsewhere, or everywhere with -DMEVMC_NATIVE_PORTABLE). Freestanding: no libc call, no
 * compiler-runtime call (no 128- or 256-bit `/` or `%`: clang's are slow bit-serial loops or
 * __udivti3 calls), only <stdint.h>. Everything is static, so each contract object is
 * self-contained, and unused functions cost nothing and warn nothing under -Wall -Wextra.
 *
 * Reserved names: everything starting with mevmc_ / MEVMC_ / u256 / U256_, plus the types w256,
 * s256 and u256.
 */
#ifndef MEVMC_NATIVE_H
#define MEVMC_NATIVE_H

#ifndef MEVMC_H
#error "include mevmc.h before mevmc_native.h"
#endif

#include <stdint.h>

/* ---- 128/64 division for div_core.h's 64-bit-divisor paths ----------------------------------
 * U256_UDIV128(hi, lo, d, r): the quotient of (hi·2^64 + lo) / d, remainder into *r, for hi < d
 * (so the quotient fits 64 bits). One `divq` on x86-64. */
#if defined(__x86_64__) && !defined(MEVMC_NATIVE_PORTABLE)
static inline uint64_t mevmc_udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *r) {
  uint64_t q, rem;
  __asm__("divq %[d]" : "=a"(q), "=d"(rem) : [d] "r"(d), "a"(lo), "d"(hi) : "cc");
  *r = rem;
  return q;
}
#define U256_UDIV128(hi, lo, d, r) mevmc_udiv128((hi), (lo), (d), (r))
#endif

#include "u256_core.h"
#include "div_core.h"
#include "keccak_core.h"
#include "memory_core.h"

_Static_assert(MEVMC_MEM_CORE_MAX_BYTES == MEVMC_MAX_EVM_MEMORY, "memory_core.h limit");
_Static_assert(MEVMC_MEM_OUT_OF_GAS == MEVMC_OUT_OF_GAS && MEVMC_MEM_LIMIT == MEVMC_MEMORY_LIMIT &&
                   MEVMC_MEM_OK == 0,
               "memory_core.h statuses");

typedef unsigned _BitInt(256) w256;
typedef signed _BitInt(256) s256;

_Static_assert(sizeof(w256) == 32 && sizeof(u256) == 32, "a word is 32 bytes, 4 limbs little-endian");

/* Slow paths stay out of line, so the inline fast paths stay small at every call site. */
#define MEVMC_NATIVE_SLOW static __attribute__((noinline, unused))
/* Word operations that must not become calls: clang passes a _BitInt(256) through memory, and the result's reload
 * after the call stalls on store forwarding (the limb-wise shifts were left out of line in corpus Bits.mix). */
#ifdef __OPTIMIZE__
#define MEVMC_NATIVE_INLINE static inline __attribute__((always_inline))
#else /* -O0 (units too large to optimise): inlining only makes the code bigger and slower to build */
#define MEVMC_NATIVE_INLINE static inline
#endif

/* ---- conversions --------------------------------------------------------------------------- */

/* A w256 is stored as four 64-bit limbs, least significant first (x86-64 psABI), i.e. exactly a
 * u256; these compile to register moves. */
static inline u256 mevmc_w_to_u256(w256 v) {
  u256 x;
  __builtin_memcpy(&x, &v, 32);
  return x;
}

static inline w256 mevmc_w_from_u256(u256 x) {
  w256 v;
  __builtin_memcpy(&v, &x, 32);
  return v;
}

/*
 * A word as four limb arguments, least significant first. Out-of-line paths take their words so: a w256 argument is
 * passed through memory, and the callee's reloads of what the caller just stored cost more than a Barrett reduction's
 * multiplications (a MULMOD loop by bn254's p: 35 -> 24 ns; by 2^256 - 159: 25 -> 14 ns). Each word expression is
 * evaluated four times: pass variables.
 */
#define MEVMC_LIMBS(x) (uint64_t)(x), (uint64_t)((x) >> 64), (uint64_t)((x) >> 128), (uint64_t)((x) >> 192)
#define MEVMC_LIMB_PARAMS(x) uint64_t x##0, uint64_t x##1, uint64_t x##2, uint64_t x##3
#define MEVMC_FROM_LIMBS(x) mevmc_w_make(x##3, x##2, x##1, x##0)

/* Constant from limbs, l0 least significant. */
static inline w256 mevmc_w_make(uint64_t l3, uint64_t l2, uint64_t l1, uint64_t l0) {
  return ((w256)l3 << 192) | ((w256)l2 << 128) | ((w256)l1 << 64) | (w256)l0;
}

/* Limb i (0 = least significant) of v; i is taken mod 4. */
static inline uint64_t mevmc_w_limb(w256 v, int i) { return (uint64_t)(v >> (64 * ((unsigned)i & 3))); }

/* 32 bytes little-endian (the stack and every word of the frame layout). No alignment needed. */
static inline w256 mevmc_w_load(const uint8_t *p) {
  w256 v;
  __builtin_memcpy(&v, p, 32);
  return v;
}

static inline void mevmc_w_store(uint8_t *p, w256 v) { __builtin_memcpy(p, &v, 32); }

/* 32 bytes big-endian: MLOAD. Always inlined when optimising: clang kept one out-of-line copy per object for contracts with many
 * MLOADs (corpus Sort: 5% of its samples in the call, the result returned through memory). */
MEVMC_NATIVE_INLINE w256 mevmc_w_load_be(const uint8_t *p) {
  uint64_t l[4];
  __builtin_memcpy(l, p, 32);
  return mevmc_w_make(__builtin_bswap64(l[0]), __builtin_bswap64(l[1]), __builtin_bswap64(l[2]),
                      __builtin_bswap64(l[3]));
}

/* MSTORE. The limbs through a u256 (a copy) rather than shifts of the word: the same machine code, and ~10% less clang
 * time on memory_grow_mstore (4,096 MSTOREs), whose i256 shift-and-truncate pairs InstCombine and ISel each took apart. */
MEVMC_NATIVE_INLINE void mevmc_w_store_be(uint8_t *p, w256 v) {
  u256 u = mevmc_w_to_u256(v);
  uint64_t l[4] = { __builtin_bswap64(u.w[3]), __builtin_bswap64(u.w[2]), __builtin_bswap64(u.w[1]), __builtin_bswap64(u.w[0]) };
  __builtin_memcpy(p, l, 32);
}

/* CALLDATACOPY / CODECOPY: `len` bytes of `src` (`n` bytes long) from offset `off` (`high`: the offset is >= 2^64)
 * into `dst`, zeros past the end of `src`. */
static inline void mevmc_copy_padded(uint8_t *dst, const uint8_t *src, uint64_t n, uint64_t off, uint32_t high, uint32_t len) {
  uint64_t avail = high || off >= n ? 0 : n - off;
  uint32_t c = avail < len ? (uint32_t)avail : len;
  if (c) __builtin_memcpy(dst, src + off, c);
  if (c < len) __builtin_memset(dst + c, 0, len - c);
}

/* True when v < 2^64. */
static inline int mevmc_w_fits64(w256 v) { return (v >> 64) == 0; }

/* v is a sign-extended int64 (small positive or small negative). */
static inline int mevmc_w_is_small_signed(w256 v) {
  uint64_t l0 = (uint64_t)v;
  return (v >> 64) == (((w256)0 - (l0 >> 63)) >> 64);
}

/* Two's complement value of the sign-extended int64 magnitude m with the given sign. */
static inline w256 mevmc_w_signed64(uint64_t m, int negative) {
  return negative ? (w256)0 - (w256)m : (w256)m;
}

/* ---- MUL ------------------------------------------------------------------------------------ */

/* a * b mod 2^256. clang expands the 256-bit multiply inline into 10 64x64→128 `mul`s, which
 * beats a hand-written schoolbook; the 64-bit case is one `mul`. */
static inline w256 mevmc_w_mul(w256 a, w256 b) { return a * b; }

/* ---- DIV, MOD, SDIV, SMOD ------------------------------------------------------------------- */

/*
 * Division of a 256-bit value by one limb d != 0 with a reciprocal (Möller & Granlund, "Improved division by invariant
 * integers", 2011): one 128/64 division makes v = floor((2^128 - 1) / dn) - 2^64 for the normalised divisor dn, then
 * each of the four limbs costs two multiplications instead of a `divq` (35-90 cycles on the Xeons this runs on).
 * A large value by a small one is the common shape of signed fixed-point code (corpus Signed.mix: x / int8).
 * Writes the quotient to q (if q) and returns the remainder.
 */
typedef unsigned __int128 mevmc_u128;

static inline uint64_t mevmc_div_2by1(uint64_t *r, uint64_t u1, uint64_t u0, uint64_t d, uint64_t v) {
  /* u1 < d, d normalised (top bit set). */
  mevmc_u128 q = (mevmc_u128)v * u1 + (((mevmc_u128)u1 << 64) | u0);
  uint64_t q1 = (uint64_t)(q >> 64) + 1, q0 = (uint64_t)q;
  uint64_t rem = u0 - q1 * d;
  /* Taken about half the time on random operands: a select, not a branch (corpus Signed.mix). */
  uint64_t adjust = 0 - (uint64_t)(rem > q0);
  q1 += adjust;
  rem += adjust & d;
  if (__builtin_expect(rem >= d, 0)) { q1++; rem -= d; }
  *r = rem;
  return q1;
}

static inline uint64_t mevmc_divrem_limb(uint64_t *q, const uint64_t *u, uint64_t d) {
#ifdef U256_UDIV128
  /* x86-64: four dependent `divq`s beat the reciprocal's `divq` and four multiply steps on this Xeon (a standalone
   * loop of random 256-bit values by 15-bit divisors: 22 against 24-25 ns under chrt). Leading limbs below d are
   * remainders with a zero quotient limb, no division. */
  uint64_t r = 0;
  for (int i = 3; i >= 0; i--) {
    uint64_t qi = 0;
    if (r == 0 && u[i] < d) r = u[i];
    else qi = U256_UDIV128(r, u[i], d, &r);
    if (q) q[i] = qi;
  }
  return r;
#else
  int s = __builtin_clzll(d);
  uint64_t dn = d << s, v, unused;
#ifdef U256_UDIV128
  v = U256_UDIV128(~dn, ~0ull, dn, &unused);
#else
  /* Portable builds: the same quotient through div_core.h's division by a two-digit divisor. */
  u256 num, den, qq;
  num.w[0] = ~0ull, num.w[1] = ~dn, num.w[2] = 0, num.w[3] = 0;
  den.w[0] = dn, den.w[1] = 0, den.w[2] = 0, den.w[3] = 0;
  u256_udivmod(&qq, 0, &num, &den);
  v = qq.w[0];
#endif
  (void)unused;
  /* The numerator shifted left by s: five limbs, the top one below dn. */
  uint64_t n4 = s ? u[3] >> (64 - s) : 0, r = n4;
  for (int i = 3; i >= 0; i--) {
    uint64_t limb = (u[i] << s) | (s && i > 0 ? u[i - 1] >> (64 - s) : 0);
    uint64_t qi = mevmc_div_2by1(&r, r, limb, dn, v);
    if (q) q[i] = qi;
  }
  return r >> s;
#endif
}

#ifdef U256_UDIV128
/*
 * floor(u / v) for 2^64 <= v < 2^128 (the quotient fits one limb), with one `divq`: the divisor's top 64 bits after
 * normalising by s = clz(v's high limb) divide u / 2 (so the quotient fits), which gives the quotient shifted or one
 * above; one product and compare settle it (the 128-by-128 division of Hacker's Delight, 9-5).
 */
static inline uint64_t mevmc_div128_big(mevmc_u128 u, mevmc_u128 v) {
  uint64_t vh = (uint64_t)(v >> 64);
  int s = __builtin_clzll(vh);
  uint64_t vt = (uint64_t)((v << s) >> 64), unused;
  mevmc_u128 u1 = u >> 1; /* below 2^127, so its high limb is below vt: divq cannot overflow */
  uint64_t q1 = U256_UDIV128((uint64_t)(u1 >> 64), (uint64_t)u1, vt, &unused);
  (void)unused;
  uint64_t q = q1 >> (63 - s); /* q1·2^s / 2^63: floor(u / v) or one above it, unless 0 */
  if (q != 0) q--;
  if (u - (mevmc_u128)q * v >= v) q++;
  return q;
}
#endif

/*
 * DIV/MOD/SDIV/SMOD (op) past the inline fast paths. A divisor whose magnitude fits one limb (a full word by an int8 or
 * int16: corpus Signed.mix; fixed-point scales) divides limb by limb, else div_core.h's Knuth D. One call, the words
 * as limbs (MEVMC_LIMBS), so that the inline wrappers stay small enough for clang to inline them (Bits.mix's MOD).
 */
MEVMC_NATIVE_SLOW w256 mevmc_w_divmod_slow8(MEVMC_LIMB_PARAMS(a_), MEVMC_LIMB_PARAMS(b_), int op) {
  w256 a = MEVMC_FROM_LIMBS(a_), b = MEVMC_FROM_LIMBS(b_);
  u256 x = mevmc_w_to_u256(a), y = mevmc_w_to_u256(b);
  int na = 0, nb = 0;
  if (op == U256_OP_SDIV || op == U256_OP_SMOD) {
    na = u256_is_neg(&x), nb = u256_is_neg(&y);
    if (na) u256_neg(&x);
    if (nb) u256_neg(&y);
  }
  if (u256_fits64(&y) && y.w[0] != 0) {
    u256 t = u256_zero();
    if (op == U256_OP_DIV || op == U256_OP_SDIV) {
      mevmc_divrem_limb(t.w, x.w, y.w[0]);
      if (na ^ nb) u256_neg(&t); /* quotient negative iff the signs differ */
    } else {
      t.w[0] = mevmc_divrem_limb(0, x.w, y.w[0]);
      if (na) u256_neg(&t); /* remainder takes the dividend's sign */
    }
    return mevmc_w_from_u256(t);
  }
#ifdef U256_UDIV128
  if ((x.w[2] | x.w[3] | y.w[2] | y.w[3]) == 0 && y.w[1] != 0) {
    /* Both magnitudes below 2^128, the divisor at least 2^64 (fixed-point products divided by scaled values:
     * evm-benchmarks snailtracer's SDIVs, 21k a run, went through Knuth D over 32-bit digits). */
    mevmc_u128 u = (mevmc_u128)x.w[1] << 64 | x.w[0], v = (mevmc_u128)y.w[1] << 64 | y.w[0];
    uint64_t q = mevmc_div128_big(u, v);
    mevmc_u128 r = u - (mevmc_u128)q * v;
    u256 t = u256_zero();
    if (op == U256_OP_DIV || op == U256_OP_SDIV) {
      t.w[0] = q;
      if (na ^ nb) u256_neg(&t);
    } else {
      t.w[0] = (uint64_t)r, t.w[1] = (uint64_t)(r >> 64);
      if (na) u256_neg(&t);
    }
    return mevmc_w_from_u256(t);
  }
#endif
  return mevmc_w_from_u256(u256_divmod_op(mevmc_w_to_u256(a), mevmc_w_to_u256(b), op));
}
#define mevmc_w_divmod_slow(a, b, op) mevmc_w_divmod_slow8(MEVMC_LIMBS(a), MEVMC_LIMBS(b), (op))

/* The inline fast paths below cover operands below 2^64 (unsigned) or sign-extended int64
 * (signed); everything else, including the rules for zero divisors, is div_core.h's. Left to clang's inliner (not
 * MEVMC_NATIVE_INLINE): forced, they cost snailtracer's build 9.5 -> 12.1 CPU-s (its many SDIVs) for Signed.mix's
 * 1.00 -> 0.85 ms. */
MEVMC_NATIVE_INLINE w256 mevmc_w_div(w256 a, w256 b) {
  if (mevmc_w_fits64(a) && mevmc_w_fits64(b)) {
    uint64_t y = (uint64_t)b;
    return y ? (w256)((uint64_t)a / y) : 0;
  }
  return mevmc_w_divmod_slow(a, b, U256_OP_DIV);
}

MEVMC_NATIVE_INLINE w256 mevmc_w_mod(w256 a, w256 b) {
  if (mevmc_w_fits64(a) && mevmc_w_fits64(b)) {
    uint64_t y = (uint64_t)b;
    return y ? (w256)((uint64_t)a % y) : 0;
  }
  return mevmc_w_divmod_slow(a, b, U256_OP_MOD);
}

/* Signed division truncating toward zero; small operands divide their int64 magnitudes (≤ 2^63,
 * as unsigned: SDIV(-2^63, -1) = +2^63 needs no special case, and there is no C overflow). */
MEVMC_NATIVE_INLINE w256 mevmc_w_sdiv(w256 a, w256 b) {
  if (mevmc_w_is_small_signed(a) && mevmc_w_is_small_signed(b)) {
    uint64_t x = (uint64_t)a, y = (uint64_t)b, sx = x >> 63, sy = y >> 63;
    uint64_t mx = sx ? 0 - x : x, my = sy ? 0 - y : y;
    return my ? mevmc_w_signed64(mx / my, (int)(sx ^ sy)) : 0;
  }
  return mevmc_w_divmod_slow(a, b, U256_OP_SDIV);
}

/* Signed remainder: |a| mod |b| with the sign of a. */
MEVMC_NATIVE_INLINE w256 mevmc_w_smod(w256 a, w256 b) {
  if (mevmc_w_is_small_signed(a) && mevmc_w_is_small_signed(b)) {
    uint64_t x = (uint64_t)a, y = (uint64_t)b, sx = x >> 63, sy = y >> 63;
    uint64_t mx = sx ? 0 - x : x, my = sy ? 0 - y : y;
    return my ? mevmc_w_signed64(mx % my, (int)sx) : 0;
  }
  return mevmc_w_divmod_slow(a, b, U256_OP_SMOD);
}

/* ---- ADDMOD, MULMOD ------------------------------------------------------------------------- */

/*
 * Barrett reduction (HAC 14.42) over 64-bit limbs for moduli m >= 2^192 that are not powers of two (field primes,
 * 2^256 - 159 …: weierstrudel, ModExp): x < 2^512 is reduced with 64x64->128 multiplications only, where
 * div_core.h's Knuth D over 32-bit digits spends nine divisions and its normalising shifts (the wasm builtins do the
 * same over 32-bit digits, div.c). mu = floor((2^512 - 1) / m) = floor(2^512 / m) (m is no power of two), < 2^320,
 * is computed once per modulus and kept in a small per-object cache: a contract's MULMODs nearly always share one
 * or two moduli. The cache is plain static data: a native object is loaded per loader, and a loader is used by one
 * thread (runtime/loader/native.ts), so no two threads share it.
 */
typedef struct {
  uint64_t m[4];  /* the modulus of this entry; all zero = empty (0 never uses Barrett) */
  uint64_t mu[5]; /* floor(2^512 / m) */
} mevmc_barrett;

#define MEVMC_BARRETT_SLOTS 4
__attribute__((unused)) static mevmc_barrett mevmc_barrett_cache[MEVMC_BARRETT_SLOTS];
__attribute__((unused)) static uint32_t mevmc_barrett_next;

/* Whether m (limbs, least significant first) takes the Barrett path: m >= 2^192 and not a power of two. */
static inline int mevmc_barrett_fits(const uint64_t *m) {
  return m[3] != 0 && ((m[3] & (m[3] - 1)) != 0 || (m[0] | m[1] | m[2]) != 0);
}

MEVMC_NATIVE_SLOW const mevmc_barrett *mevmc_barrett_setup(const uint64_t *m) {
  mevmc_barrett *c = &mevmc_barrett_cache[mevmc_barrett_next++ % MEVMC_BARRETT_SLOTS];
  u256 mv;
  uint32_t ones[16], q[10];
  for (int i = 0; i < 16; i++) ones[i] = 0xffffffffu;
  for (int i = 0; i < 10; i++) q[i] = 0;
  for (int i = 0; i < 4; i++) mv.w[i] = m[i];
  int n = u256_ndigits(&mv); /* 7 or 8 */
  u256_divmod_knuth(q, 0, ones, 16, mv.h, n); /* 17 - n <= 10 quotient digits */
  for (int i = 0; i < 5; i++) c->mu[i] = (uint64_t)q[2 * i] | (uint64_t)q[2 * i + 1] << 32;
  for (int i = 0; i < 4; i++) c->m[i] = m[i];
  return c;
}

/* The cache entry of m (made on a miss), or 0 when m does not take Barrett. */
MEVMC_NATIVE_INLINE const mevmc_barrett *mevmc_barrett_ready(const uint64_t *m) {
  if (!mevmc_barrett_fits(m)) return 0;
  for (int i = 0; i < MEVMC_BARRETT_SLOTS; i++) {
    const mevmc_barrett *c = &mevmc_barrett_cache[i];
    if (c->m[0] == m[0] && c->m[1] == m[1] && c->m[2] == m[2] && c->m[3] == m[3]) return c;
  }
  return mevmc_barrett_setup(m);
}

/* x mod m for x < 2^512 (8 limbs), m with its entry c. */
MEVMC_NATIVE_INLINE w256 mevmc_barrett_reduce(const uint64_t *x, const uint64_t *m, const mevmc_barrett *c) {
  /* q3 = floor(floor(x / 2^192) * mu / 2^320), from the partial products of weight >= 2^192 only: the dropped ones
   * sum below 2^258, so q3 is at most one below Barrett's estimate, itself at most two below floor(x / m).
   * Loops fully unrolled (so the limbs stay in registers): 37 -> 34 ns a MULMOD against 43 ns rolled. */
  uint64_t p[10];
  _Pragma("clang loop unroll(full)") for (int i = 0; i < 10; i++) p[i] = 0;
  _Pragma("clang loop unroll(full)") for (int i = 0; i < 5; i++) {
    uint64_t carry = 0;
    _Pragma("clang loop unroll(full)") for (int j = (i < 3 ? 3 - i : 0); j < 5; j++) {
      mevmc_u128 t = (mevmc_u128)x[3 + i] * c->mu[j] + p[i + j] + carry;
      p[i + j] = (uint64_t)t;
      carry = (uint64_t)(t >> 64);
    }
    p[i + 5] = carry;
  }
  /* r = (x - q3 * m) mod 2^320, from the low five limbs of each side. */
  uint64_t qm[5];
  _Pragma("clang loop unroll(full)") for (int i = 0; i < 5; i++) qm[i] = 0;
  _Pragma("clang loop unroll(full)") for (int i = 0; i < 5; i++) {
    uint64_t carry = 0;
    _Pragma("clang loop unroll(full)") for (int j = 0; j < 4 && i + j < 5; j++) {
      mevmc_u128 t = (mevmc_u128)p[5 + i] * m[j] + qm[i + j] + carry;
      qm[i + j] = (uint64_t)t;
      carry = (uint64_t)(t >> 64);
    }
    if (i + 4 < 5) qm[i + 4] = carry;
  }
  uint64_t r[5], borrow = 0;
  _Pragma("clang loop unroll(full)") for (int i = 0; i < 5; i++) {
    mevmc_u128 t = (mevmc_u128)x[i] - qm[i] - borrow;
    r[i] = (uint64_t)t;
    borrow = (uint64_t)(t >> 64) & 1;
  }
  /* 0 <= r < 4m: at most three subtractions (bounded: a broken invariant gives a wrong value, never a hang). */
  for (int k = 0; k < 3; k++) {
    int ge = r[4] != 0;
    if (!ge) {
      ge = 1;
      for (int i = 3; i >= 0; i--)
        if (r[i] != m[i]) { ge = r[i] > m[i]; break; }
    }
    if (!ge) break;
    borrow = 0;
    for (int i = 0; i < 5; i++) {
      mevmc_u128 t = (mevmc_u128)r[i] - (i < 4 ? m[i] : 0) - borrow;
      r[i] = (uint64_t)t;
      borrow = (uint64_t)(t >> 64) & 1;
    }
  }
  return mevmc_w_make(r[3], r[2], r[1], r[0]);
}

MEVMC_NATIVE_SLOW w256 mevmc_w_addmod_slow12(MEVMC_LIMB_PARAMS(a_), MEVMC_LIMB_PARAMS(b_), MEVMC_LIMB_PARAMS(m_)) {
  w256 a = MEVMC_FROM_LIMBS(a_), b = MEVMC_FROM_LIMBS(b_);
  u256 mu = mevmc_w_to_u256(MEVMC_FROM_LIMBS(m_));
  const mevmc_barrett *c = mevmc_barrett_ready(mu.w);
  if (c) {
    /* The 257-bit sum as eight limbs. */
    unsigned _BitInt(512) s = (unsigned _BitInt(512))a + b;
    uint64_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint64_t)(s >> (64 * i)); /* not a 64-byte memcpy: a libc call at -O0 */
    return mevmc_barrett_reduce(x, mu.w, c);
  }
  return mevmc_w_from_u256(u256_addmod(mevmc_w_to_u256(a), mevmc_w_to_u256(b), mu));
}
#define mevmc_w_addmod_slow(a, b, m) mevmc_w_addmod_slow12(MEVMC_LIMBS(a), MEVMC_LIMBS(b), MEVMC_LIMBS(m))

/* (a + b) mod m over the 257-bit sum; 0 when m = 0. Operands already reduced (field arithmetic)
 * take one conditional subtraction: a + b < 2m, and a wrapped sum minus m modulo 2^256 is exact. */
static inline w256 mevmc_w_addmod(w256 a, w256 b, w256 m) {
  if (a < m && b < m) {
    w256 s = a + b;
    return s < a || s >= m ? s - m : s;
  }
  return mevmc_w_addmod_slow(a, b, m);
}

/*
 * (a * b) mod m for m = 2^256 - c with 1 <= c < 2^64 (pseudo-Mersenne moduli: secp256k1's p = 2^256 - 2^32 - 977,
 * 2^256 - 159 in corpus ModExp): as 2^256 ≡ c, the product hi·2^256 + lo folds to lo + hi·c (< 2^320), then once more
 * to below 2^256 + 2^128, and a carry and one subtraction finish it: five multiplications by c after the product,
 * where Barrett's reduction spends 33 on a longer dependency chain (a MULMOD loop by 2^256 - 159: 36 -> 25 ns).
 */
static inline w256 mevmc_mulmod_pm(w256 a, w256 b, uint64_t c) {
  unsigned _BitInt(512) p = (unsigned _BitInt(512))a * b;
  uint64_t lo[4], hi[4], t[5];
  for (int i = 0; i < 4; i++) lo[i] = (uint64_t)(p >> (64 * i)), hi[i] = (uint64_t)(p >> (256 + 64 * i));
  /* t = lo + hi·c, five limbs */
  uint64_t carry = 0;
  for (int i = 0; i < 4; i++) {
    mevmc_u128 x = (mevmc_u128)hi[i] * c + lo[i] + carry;
    t[i] = (uint64_t)x;
    carry = (uint64_t)(x >> 64);
  }
  t[4] = carry;
  /* t = t[0..3] + t[4]·c: below 2^256 + 2^128, so at most one carry out of bit 256 */
  mevmc_u128 x = (mevmc_u128)t[4] * c + t[0];
  t[0] = (uint64_t)x;
  carry = (uint64_t)(x >> 64);
  for (int i = 1; i < 4; i++) {
    x = (mevmc_u128)t[i] + carry;
    t[i] = (uint64_t)x;
    carry = (uint64_t)(x >> 64);
  }
  w256 r = mevmc_w_make(t[3], t[2], t[1], t[0]);
  /* A carry is 2^256 ≡ c; r is below 2^128 then, so r + c does not wrap. */
  if (carry) r += c;
  /* r < 2^256 = m + c: one subtraction of m (adding c modulo 2^256) at most. */
  w256 m = (w256)0 - c;
  return r >= m ? r - m : r;
}

MEVMC_NATIVE_SLOW w256 mevmc_w_mulmod_slow12(MEVMC_LIMB_PARAMS(a_), MEVMC_LIMB_PARAMS(b_), MEVMC_LIMB_PARAMS(m_)) {
  w256 a = MEVMC_FROM_LIMBS(a_), b = MEVMC_FROM_LIMBS(b_);
  u256 mu = mevmc_w_to_u256(MEVMC_FROM_LIMBS(m_));
  if ((mu.w[3] & mu.w[2] & mu.w[1] & mu.w[0]) == ~0ull) { /* 2^256 - 1: the end-around add of mevmc_w_mulmod */
    unsigned _BitInt(512) p = (unsigned _BitInt(512))a * b;
    w256 lo = (w256)p, hi = (w256)(p >> 256), s = lo + hi;
    if (s < lo) s += 1;
    return s == ~(w256)0 ? 0 : s;
  }
  if ((mu.w[3] & mu.w[2] & mu.w[1]) == ~0ull && mu.w[0] != 0) return mevmc_mulmod_pm(a, b, 0 - mu.w[0]);
  const mevmc_barrett *c = mevmc_barrett_ready(mu.w);
  if (c) {
    /* The 512-bit product: clang expands the multiply inline into 64x64->128 `mul`s. */
    unsigned _BitInt(512) p = (unsigned _BitInt(512))a * b;
    uint64_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint64_t)(p >> (64 * i)); /* not a 64-byte memcpy: a libc call at -O0 */
    return mevmc_barrett_reduce(x, mu.w, c);
  }
  return mevmc_w_from_u256(u256_mulmod(mevmc_w_to_u256(a), mevmc_w_to_u256(b), mu));
}
/* Generated code calls this directly for a run-time modulus (src/backend/c/lower.ts): pass variables. */
#define mevmc_w_mulmod_slow(a, b, m) mevmc_w_mulmod_slow12(MEVMC_LIMBS(a), MEVMC_LIMBS(b), MEVMC_LIMBS(m))

/* (a * b) mod m over the 512-bit product; 0 when m = 0.
 * Fast path: m = 2^256 - 1, the `mulmod(x, y, not(0))` of 512-bit multiplication idioms
 * (Uniswap's FullMath.mulDiv, Solady, OpenZeppelin's Math.mulDiv). As 2^256 ≡ 1 (mod m), the
 * product hi·2^256 + lo ≡ hi + lo: one 512-bit multiply (inline `mul`s) and an end-around add. */
static inline w256 mevmc_w_mulmod(w256 a, w256 b, w256 m) {
  if (m == ~(w256)0) {
    unsigned _BitInt(512) p = (unsigned _BitInt(512))a * b;
    w256 lo = (w256)p, hi = (w256)(p >> 256), s = lo + hi;
    if (s < lo) s += 1; /* the carry out is 2^256 ≡ 1; s + 1 cannot wrap again */
    return s == m ? 0 : s;
  }
  return mevmc_w_mulmod_slow(a, b, m);
}

/* ---- EXP ------------------------------------------------------------------------------------ */

/* Significant bytes of x: EXP costs 50 gas per byte of the exponent (EIP-160). */
static inline uint32_t mevmc_w_bytelen(w256 x) {
  u256 u = mevmc_w_to_u256(x);
  return (256 - u256_clz(&u) + 7) >> 3;
}

MEVMC_NATIVE_SLOW w256 mevmc_w_exp_slow8(MEVMC_LIMB_PARAMS(b_), MEVMC_LIMB_PARAMS(e_)) {
  w256 b = MEVMC_FROM_LIMBS(b_), e = MEVMC_FROM_LIMBS(e_);
  /* Left-to-right square-and-multiply; the accumulator starts at b for the top exponent bit. */
  u256 eu = mevmc_w_to_u256(e);
  int top = 255 - (int)u256_clz(&eu);
  w256 acc = b;
  for (int i = top - 1; i >= 0; i--) {
    acc = acc * acc;
    if ((eu.w[i >> 6] >> (i & 63)) & 1) acc = acc * b;
  }
  return acc;
}
#define mevmc_w_exp_slow(b, e) mevmc_w_exp_slow8(MEVMC_LIMBS(b), MEVMC_LIMBS(e))

/* base ** e mod 2^256, with arith.c's shortcuts: 0^e, 1^e, and even bases (b^e has at least e
 * trailing zero bits: 0 from e ≥ 256; a power of two is one shift). */
static inline w256 mevmc_w_exp(w256 b, w256 e) {
  if (e == 0) return 1;
  if (b <= 1) return b;
  if ((b & 1) == 0) {
    if (e >= 256) return 0;
    if ((b & (b - 1)) == 0) {
      u256 bu = mevmc_w_to_u256(b);
      uint64_t s = (uint64_t)(255 - u256_clz(&bu)) * (uint64_t)e;
      return s < 256 ? (w256)1 << s : 0;
    }
  }
  if (e == 1) return b;
  if (e == 2) return b * b;
  return mevmc_w_exp_slow(b, e);
}

/* ---- SIGNEXTEND, BYTE, shifts, CLZ ---------------------------------------------------------- */

/*
 * Shifts by a run-time amount work on the four limbs with selects: clang lowers a variable shift of a _BitInt(256) by
 * storing the value into a stack buffer and reloading it at a byte offset, which stalls on store forwarding (corpus
 * Bits.mix: most of its time on the reloads). By a constant amount the compiler folds these to the plain shifts.
 */

/* x << s for s < 256. */
MEVMC_NATIVE_INLINE w256 mevmc_w_shl_limbs(w256 x, unsigned s) {
  u256 u = mevmc_w_to_u256(x);
  uint64_t l0 = u.w[0], l1 = u.w[1], l2 = u.w[2], l3 = u.w[3];
  if (s & 128) { l3 = l1; l2 = l0; l1 = 0; l0 = 0; }
  if (s & 64) { l3 = l2; l2 = l1; l1 = l0; l0 = 0; }
  unsigned r = s & 63;
  /* (y >> 1) >> (63 - r) is y >> (64 - r), and 0 for r = 0, without a shift by 64. */
  u.w[3] = (l3 << r) | ((l2 >> 1) >> (63 - r));
  u.w[2] = (l2 << r) | ((l1 >> 1) >> (63 - r));
  u.w[1] = (l1 << r) | ((l0 >> 1) >> (63 - r));
  u.w[0] = l0 << r;
  return mevmc_w_from_u256(u);
}

/* x >> s (logical) for s < 256. */
MEVMC_NATIVE_INLINE w256 mevmc_w_shr_limbs(w256 x, unsigned s) {
  u256 u = mevmc_w_to_u256(x);
  uint64_t l0 = u.w[0], l1 = u.w[1], l2 = u.w[2], l3 = u.w[3];
  if (s & 128) { l0 = l2; l1 = l3; l2 = 0; l3 = 0; }
  if (s & 64) { l0 = l1; l1 = l2; l2 = l3; l3 = 0; }
  unsigned r = s & 63;
  u.w[0] = (l0 >> r) | ((l1 << 1) << (63 - r));
  u.w[1] = (l1 >> r) | ((l2 << 1) << (63 - r));
  u.w[2] = (l2 >> r) | ((l3 << 1) << (63 - r));
  u.w[3] = l3 >> r;
  return mevmc_w_from_u256(u);
}

/* SIGNEXTEND: extend the sign of byte b (0 = least significant) of x; b ≥ 31 leaves x as is. */
MEVMC_NATIVE_INLINE w256 mevmc_w_signextend(w256 b, w256 x) {
  if (b >= 31) return x;
  unsigned bit = (unsigned)b * 8 + 7, li = bit >> 6, bi = bit & 63; /* bit ≤ 247 */
  u256 u = mevmc_w_to_u256(x);
  uint64_t fill = 0 - ((u.w[li] >> bi) & 1);
  uint64_t above = (~0ull << bi) << 1; /* bits of limb li above the sign bit (none when bi = 63) */
  u.w[li] = (u.w[li] & ~above) | (fill & above);
  /* Written out, no loop: ~12,000 inlined copies of a 3-iteration loop made clang's LoopRotate, SROA, BDCE and jump
     threading take ~2 CPU-ms each (evm-benchmarks signextend/zero, 48 CPU-s; a constant b is now a shift pair, lower.ts). */
  if (li < 1) u.w[1] = fill;
  if (li < 2) u.w[2] = fill;
  if (li < 3) u.w[3] = fill;
  return mevmc_w_from_u256(u);
}

/* BYTE: byte i of x counting from the most significant end; 0 for i ≥ 32. */
MEVMC_NATIVE_INLINE w256 mevmc_w_byte(w256 i, w256 x) {
  if (i >= 32) return 0;
  unsigned k = 31 - (unsigned)i; /* from the least significant end */
  u256 u = mevmc_w_to_u256(x);
  return (u.w[k >> 3] >> (8 * (k & 7))) & 0xff;
}

/* SHL(shift, value): value << shift mod 2^256; 0 for shift ≥ 256. */
MEVMC_NATIVE_INLINE w256 mevmc_w_shl(w256 s, w256 x) { return s < 256 ? mevmc_w_shl_limbs(x, (unsigned)s) : 0; }

/* SHR(shift, value): logical; 0 for shift ≥ 256. */
MEVMC_NATIVE_INLINE w256 mevmc_w_shr(w256 s, w256 x) { return s < 256 ? mevmc_w_shr_limbs(x, (unsigned)s) : 0; }

/* SAR(shift, value): arithmetic, written on unsigned values (~(~x >> s) for negative x) so
 * nothing depends on the implementation-defined signed shift; all sign bits for shift ≥ 256. */
MEVMC_NATIVE_INLINE w256 mevmc_w_sar(w256 s, w256 x) {
  w256 fill = (w256)0 - (x >> 255);
  if (s >= 256) return fill;
  return mevmc_w_shr_limbs(x ^ fill, (unsigned)s) ^ fill;
}

/* EIP-7939 CLZ: leading zero bits, 256 for zero. */
static inline w256 mevmc_w_clz(w256 x) {
  u256 u = mevmc_w_to_u256(x);
  return u256_clz(&u);
}

/* ---- KECCAK256 ------------------------------------------------------------------------------ */

/* Keccak-256 of len bytes at p (p is not read when len = 0), the digest read as a big-endian
 * number. */
static inline w256 mevmc_w_keccak_lanes(const uint8_t *p, uint64_t len) {
  uint64_t d[4];
  mevmc_keccak256_lanes(p, len, d);
  return mevmc_w_make(__builtin_bswap64(d[0]), __builtin_bswap64(d[1]), __builtin_bswap64(d[2]),
                      __builtin_bswap64(d[3]));
}

/*
 * Inputs of 32 and 64 bytes go through a small memo first (as the wasm builtin's, keccak.c): Solidity hashes a
 * dynamic array's or a mapping's slot again at every access — evm-benchmarks snailtracer hashed the same two words
 * 5,547 times a call, 28% of its instructions in keccak-f. Direct-mapped, keyed by the whole input, so a hit is
 * exact whichever frame or call made the entry and entries never expire. Plain static data: one copy per loaded
 * object, used by one thread (as the reciprocal cache of MULMOD).
 */
typedef struct {
  uint64_t in[8]; /* the input, zero-padded to 64 bytes */
  uint64_t len;   /* 32 or 64; 0 = empty */
  w256 out;
} mevmc_keccak_memo_entry;

#define MEVMC_KECCAK_MEMO_SLOTS 16
__attribute__((unused)) static mevmc_keccak_memo_entry mevmc_keccak_memo[MEVMC_KECCAK_MEMO_SLOTS];

MEVMC_NATIVE_SLOW w256 mevmc_w_keccak_memo(const uint8_t *p, uint64_t len) {
  uint64_t in[8], mix = len;
  int n = (int)(len / 8);
  for (int i = 0; i < 8; i++) {
    in[i] = 0;
    if (i < n) __builtin_memcpy(&in[i], p + 8 * i, 8);
    mix ^= in[i] ^ (in[i] >> 29);
  }
  mevmc_keccak_memo_entry *e = &mevmc_keccak_memo[(mix * 0x9e3779b97f4a7c15ull) >> 60];
  int hit = e->len == len;
  for (int i = 0; i < 8; i++) hit &= e->in[i] == in[i];
  if (hit) return e->out;
  w256 h = mevmc_w_keccak_lanes(p, len);
  for (int i = 0; i < 8; i++) e->in[i] = in[i];
  e->len = len;
  e->out = h;
  return h;
}

static inline w256 mevmc_w_keccak(const uint8_t *p, uint64_t len) {
  if (len == 32 || len == 64) return mevmc_w_keccak_memo(p, len);
  return mevmc_w_keccak_lanes(p, len);
}

/* ---- memory expansion ----------------------------------------------------------------------- */

/*
 * Expansion before an access of `length` bytes at `offset` of EVM memory, with memory_core.h's
 * `overflow` flags ((length ≥ 2^64) | (offset ≥ 2^64) << 1), on the context at mem + MEVMC_CTX:
 * exactly the wasm builtin mevmc_expand, except that nothing is allocated (the host made the
 * whole frame addressable). Returns 0, MEVMC_OUT_OF_GAS or MEVMC_MEMORY_LIMIT; on success with
 * growth ctx.gas -= C(new) - C(old) and ctx.memWords = new; on failure nothing changes.
 * Out of line: it runs only when memory grows, and its ~1,400 inlined copies in a 24 KB contract (revmc/seaport) cost
 * 5-15% of the clang build.
 */
MEVMC_NATIVE_SLOW int32_t mevmc_w_expand(uint8_t *mem, uint64_t offset, uint64_t length, uint32_t overflow) {
  uint64_t *gas = (uint64_t *)(mem + MEVMC_CTX + MEVMC_CTX_GAS);
  uint64_t *words = (uint64_t *)(mem + MEVMC_CTX + MEVMC_CTX_MEM_WORDS);
  uint64_t new_gas, new_words;
  uint32_t status = mevmc_mem_expand_core(gas, words, offset, length, overflow, &new_gas, &new_words);
  if (status != MEVMC_MEM_GROW) return (int32_t)status;
  *gas = new_gas;
  *words = new_words;
  return 0;
}

#undef MEVMC_NATIVE_SLOW
#undef MEVMC_NATIVE_INLINE

#endif /* MEVMC_NATIVE_H */
