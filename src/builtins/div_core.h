/*
 * div_core.h — 256-bit division and modular reduction over words in memory (u256) and 32-bit digit
 * arrays: the algorithms of DIV, SDIV, MOD, SMOD, ADDMOD and MULMOD, shared by the wasm32 builtins
 * (div.c, which adds register-only fast paths over wasm memory) and the native prelude
 * (mevmc_native.h, which adds fast paths over `unsigned _BitInt(256)` values).
 *
 * Long division is Knuth's algorithm D (TAOCP 4.3.1) over 32-bit digits, so every quotient-digit
 * estimate is one native 64/32 division (wasm's i64.div_u); the code follows Hacker's Delight's
 * `divmnu64`. u256_udivmod tries, in order: both operands below 2^64 (one 64-bit division),
 * dividend below divisor, divisor below 2^32 (a chain of 64/32 divisions), divisor below 2^64
 * (Knuth D for two digits with a scalar remainder), and only then the general algorithm. Signed
 * operations divide the magnitudes, so small negative fixed-point values (snailtracer) take the
 * same fast paths as small positive ones.
 *
 * EVM rules: any division or modulus by zero gives 0; SDIV(-2^255, -1) = -2^255 (falls out of
 * magnitude division: |-2^255| = 2^255 as unsigned, negated back to itself); SMOD's result takes
 * the dividend's sign; ADDMOD and MULMOD reduce the full 257-bit sum and 512-bit product.
 *
 * Functions are static (the big ones marked unused, so a file that includes this header without
 * calling them compiles warning-free) and prefixed `u256_`.
 */
#ifndef MEVMC_DIV_CORE_H
#define MEVMC_DIV_CORE_H

#include "u256_core.h"

/* A helper that may go unused in some including file. */
#define U256_DIV_FN static __attribute__((unused))

/*
 * Knuth D: u (m digits) divided by v (n digits, v[n-1] != 0), with m ≥ n ≥ 2 and m ≤ 16.
 * Writes the quotient q[0 .. m-n] (if q) and the remainder rem[0 .. n-1] (if rem).
 */
U256_DIV_FN void u256_divmod_knuth(uint32_t *q, uint32_t *rem, const uint32_t *u, int m,
                                   const uint32_t *v, int n) {
  uint32_t un[17], vn[16];
  /* Normalise: shift so v's top digit has its top bit set, which makes the estimate qhat at
   * most 2 too large. Shifts of a u64 by 32 (s = 0) are defined and give 0. */
  int s = __builtin_clz(v[n - 1]);
  for (int i = n - 1; i > 0; i--) vn[i] = (v[i] << s) | (uint32_t)((uint64_t)v[i - 1] >> (32 - s));
  vn[0] = v[0] << s;
  un[m] = (uint32_t)((uint64_t)u[m - 1] >> (32 - s));
  for (int i = m - 1; i > 0; i--) un[i] = (u[i] << s) | (uint32_t)((uint64_t)u[i - 1] >> (32 - s));
  un[0] = u[0] << s;

  uint64_t vtop = vn[n - 1], vnext = vn[n - 2];
  for (int j = m - n; j >= 0; j--) {
    /* Estimate the quotient digit from the top two dividend digits, then refine it with the
     * third (the test below is skipped once rhat ≥ 2^32, where it always passes). */
    uint64_t num = ((uint64_t)un[j + n] << 32) | un[j + n - 1];
    uint64_t qhat = num / vtop, rhat = num - qhat * vtop;
    while ((qhat >> 32) != 0 || qhat * vnext > ((rhat << 32) | un[j + n - 2])) {
      qhat--;
      rhat += vtop;
      if ((rhat >> 32) != 0) break;
    }
    /* un[j .. j+n] -= qhat * vn, with a signed borrow. */
    int64_t k = 0, t;
    for (int i = 0; i < n; i++) {
      uint64_t p = qhat * vn[i];
      t = (int64_t)un[i + j] - k - (int64_t)(p & 0xffffffffu);
      un[i + j] = (uint32_t)t;
      k = (int64_t)(p >> 32) - (t >> 32);
    }
    t = (int64_t)un[j + n] - k;
    un[j + n] = (uint32_t)t;
    if (t < 0) {
      /* qhat was still one too large (probability ~2/2^32): add v back once. */
      qhat--;
      uint64_t c = 0;
      for (int i = 0; i < n; i++) {
        uint64_t x = (uint64_t)un[i + j] + vn[i] + c;
        un[i + j] = (uint32_t)x;
        c = x >> 32;
      }
      un[j + n] += (uint32_t)c;
    }
    if (q) q[j] = (uint32_t)qhat;
  }
  if (rem) {
    for (int i = 0; i < n - 1; i++)
      rem[i] = (un[i] >> s) | (uint32_t)((uint64_t)un[i + 1] << (32 - s));
    rem[n - 1] = un[n - 1] >> s;
  }
}

/* Divide u (m digits, m ≤ 16) by the single digit d != 0: a chain of 64/32 divisions.
 * Returns the remainder; writes the quotient q[0 .. m-1] if q. */
U256_DIV_FN uint32_t u256_divmod_digit(uint32_t *q, const uint32_t *u, int m, uint64_t d) {
  uint64_t k = 0;
  for (int j = m - 1; j >= 0; j--) {
    uint64_t num = (k << 32) | u[j];
    uint64_t qd = num / d;
    k = num - qd * d;
    if (q) q[j] = (uint32_t)qd;
  }
  return (uint32_t)k;
}

/* Digit j of u << s, for u of m digits (zero beyond); valid for s = 0 too. */
static inline uint32_t u256_shifted_digit(const uint32_t *u, int m, int j, int s) {
  uint64_t hi = j < m ? u[j] : 0, lo = j > 0 ? u[j - 1] : 0;
  return (uint32_t)((((hi << 32) | lo) << s) >> 32);
}

/*
 * Divide u (m ≥ 2 digits, m ≤ 16) by a two-digit divisor v in [2^32, 2^64) — the frequent
 * "256-bit value by a 64-bit constant" case (fixed-point scales like 1e18, small moduli). This is
 * Knuth D for n = 2 with the running remainder kept in one u64 scalar instead of an array; with
 * two divisor digits the qhat refinement compares against the whole divisor, so the estimate is
 * exact and the add-back step never happens. Returns the remainder; writes q[0 .. m-2] if q.
 */
U256_DIV_FN uint64_t u256_divmod_2digits(uint32_t *q, const uint32_t *u, int m, uint64_t v) {
  int s = __builtin_clzll(v); /* < 32 since v ≥ 2^32 */
  uint64_t vn = v << s, vtop = vn >> 32, vlo = (uint32_t)vn;
  /* The top two normalised digits are below vn: un[m] < 2^s ≤ 2^31 ≤ vtop. */
  uint64_t r = ((uint64_t)u256_shifted_digit(u, m, m, s) << 32) | u256_shifted_digit(u, m, m - 1, s);
  for (int j = m - 2; j >= 0; j--) {
    uint64_t d = u256_shifted_digit(u, m, j, s);
    uint64_t qhat = r / vtop, rhat = r - qhat * vtop;
    while ((qhat >> 32) != 0 || qhat * vlo > ((rhat << 32) | d)) {
      qhat--;
      rhat += vtop;
      if ((rhat >> 32) != 0) break;
    }
    /* (r·2^32 + d) - qhat·vn lies in [0, vn), so computing it modulo 2^64 is exact. */
    r = ((r << 32) | d) - qhat * vn;
    if (q) q[j] = (uint32_t)qhat;
  }
  return r >> s;
}

#ifdef U256_UDIV128
/*
 * Targets with a native 128/64 division (x86-64 `divq`) define U256_UDIV128(hi, lo, d, &r) —
 * the quotient of (hi·2^64 + lo) / d, remainder into r, for hi < d — before including this file
 * (mevmc_native.h does). Divisors below 2^64 then take a chain of such divisions over 64-bit
 * limbs instead of the 64/32 chains below: the same schoolbook short division, with digits twice
 * as wide. wasm32 has no such instruction and never defines it.
 */
/* Divide u (m limbs, m ≤ 8) by d != 0: returns the remainder; writes q[0 .. m-1] if q. */
static inline uint64_t u256_divmod_limb(uint64_t *q, const uint64_t *u, int m, uint64_t d) {
  uint64_t r = 0;
  for (int j = m - 1; j >= 0; j--) {
    uint64_t qj = U256_UDIV128(r, u[j], d, &r);
    if (q) q[j] = qj;
  }
  return r;
}
#endif

/* q = a / b, r = a % b for unsigned words, b != 0. q and r may be NULL. */
static inline void u256_udivmod(u256 *q, u256 *r, const u256 *a, const u256 *b) {
  u256 tq = u256_zero(), tr = u256_zero();
  if (u256_fits64(a) && u256_fits64(b)) {
    tq.w[0] = a->w[0] / b->w[0];
    tr.w[0] = a->w[0] - tq.w[0] * b->w[0];
  } else if (u256_cmp(a, b) < 0) {
    tr = *a;
  } else {
    int m = u256_ndigits(a), n = u256_ndigits(b);
#ifdef U256_UDIV128
    if (n <= 2)
      tr.w[0] = u256_divmod_limb(tq.w, a->w, (m + 1) / 2, b->w[0]);
    else
#endif
    if (n == 1)
      tr.h[0] = u256_divmod_digit(tq.h, a->h, m, b->h[0]);
    else if (n == 2)
      tr.w[0] = u256_divmod_2digits(tq.h, a->h, m, b->w[0]);
    else
      u256_divmod_knuth(tq.h, tr.h, a->h, m, b->h, n);
  }
  if (q) *q = tq;
  if (r) *r = tr;
}

/* r = u mod v for a dividend of up to 16 digits (ADDMOD's 257-bit sum, MULMOD's product), v != 0. */
U256_DIV_FN void u256_mod_digits(u256 *r, const uint32_t *u, int m, const u256 *v) {
  u256 t = u256_zero();
  int n = u256_ndigits(v);
  while (m > 0 && u[m - 1] == 0) m--;
  if (m < n) {
    /* u < v already. (A fixed-length loop: a variable-length copy would become a memcpy call.) */
    for (int i = 0; i < 8; i++) t.h[i] = i < m ? u[i] : 0;
#ifdef U256_UDIV128
  } else if (n <= 2) {
    uint64_t r = 0;
    for (int j = (m - 1) / 2; j >= 0; j--) {
      uint64_t limb = u[2 * j] | (2 * j + 1 < m ? (uint64_t)u[2 * j + 1] << 32 : 0);
      U256_UDIV128(r, limb, v->w[0], &r);
    }
    t.w[0] = r;
#endif
  } else if (n == 1) {
    t.h[0] = u256_divmod_digit(0, u, m, v->h[0]);
  } else if (n == 2) {
    t.w[0] = u256_divmod_2digits(0, u, m, v->w[0]);
  } else {
    u256_divmod_knuth(0, t.h, u, m, v->h, n);
  }
  *r = t;
}

/* The four division opcodes, for u256_divmod_op. */
enum { U256_OP_DIV, U256_OP_MOD, U256_OP_SDIV, U256_OP_SMOD };

/* DIV / MOD / SDIV / SMOD (op) of a and b with the EVM rules, including division by zero. */
static inline u256 u256_divmod_op(u256 a, u256 b, int op) {
  u256 t = u256_zero();
  if (!u256_is_zero(&b)) {
    int na = 0, nb = 0;
    if (op == U256_OP_SDIV || op == U256_OP_SMOD) {
      na = u256_is_neg(&a), nb = u256_is_neg(&b);
      if (na) u256_neg(&a);
      if (nb) u256_neg(&b);
    }
    if (op == U256_OP_DIV || op == U256_OP_SDIV) {
      u256_udivmod(&t, 0, &a, &b);
      if (na ^ nb) u256_neg(&t); /* quotient negative iff the signs differ */
    } else {
      u256_udivmod(0, &t, &a, &b);
      if (na) u256_neg(&t); /* remainder takes the dividend's sign */
    }
  }
  return t;
}

/* (a + b) mod m over the full 257-bit sum; 0 when m = 0. */
static inline u256 u256_addmod(u256 a, u256 b, u256 m) {
  u256 t = u256_zero();
  if (u256_is_zero(&m)) {
    /* EVM: modulus 0 gives 0 */
  } else if (u256_fits64(&a) && u256_fits64(&b) && u256_fits64(&m)) {
    /* Reduce first, then one conditional subtraction; a wrapped sum is ≥ 2^64 > m, and
     * subtracting m modulo 2^64 then yields the right value. */
    uint64_t x = a.w[0] % m.w[0], y = b.w[0] % m.w[0], s = x + y;
    if (s < x || s >= m.w[0]) s -= m.w[0];
    t.w[0] = s;
  } else {
    /* 257-bit sum as 9 digits */
    uint32_t u[9];
    uint64_t c = 0;
    for (int i = 0; i < 8; i++) {
      uint64_t x = (uint64_t)a.h[i] + b.h[i] + c;
      u[i] = (uint32_t)x;
      c = x >> 32;
    }
    u[8] = (uint32_t)c;
    u256_mod_digits(&t, u, 9, &m);
  }
  return t;
}

/* p[0 .. na+nb-1] = the full product of a (na digits) and b (nb digits), 1 ≤ na, nb and
 * na + nb ≤ 16. Row 0 initialises p[0 .. nb], and row i only reads p[i .. i+nb-1], which the
 * earlier rows wrote, so p needs no clearing (a variable-length clearing loop would become a
 * memset call in native code). */
static inline void u256_mul_digits(uint32_t *p, const uint32_t *a, int na, const uint32_t *b, int nb) {
  uint64_t a0 = a[0], c0 = 0;
  for (int j = 0; j < nb; j++) {
    uint64_t x = a0 * b[j] + c0;
    p[j] = (uint32_t)x;
    c0 = x >> 32;
  }
  p[nb] = (uint32_t)c0;
  for (int i = 1; i < na; i++) {
    uint64_t ai = a[i], carry = 0;
    for (int j = 0; j < nb; j++) {
      uint64_t x = ai * b[j] + p[i + j] + carry;
      p[i + j] = (uint32_t)x;
      carry = x >> 32;
    }
    p[i + nb] = (uint32_t)carry;
  }
}

/* (a * b) mod m over the full 512-bit product; 0 when m = 0. */
static inline u256 u256_mulmod(u256 a, u256 b, u256 m) {
  u256 t = u256_zero();
  int na = u256_ndigits(&a), nb = u256_ndigits(&b);
  if (!u256_is_zero(&m) && na != 0 && nb != 0) {
    /* Full 512-bit product over the significant digits only (a zero factor gives 0). */
    uint32_t p[16];
    u256_mul_digits(p, a.h, na, b.h, nb);
    u256_mod_digits(&t, p, na + nb, &m);
  }
  return t;
}

#undef U256_DIV_FN

#endif /* MEVMC_DIV_CORE_H */
