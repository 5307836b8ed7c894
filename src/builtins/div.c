/*
 * div.c — DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD for wasm32.
 *
 * The algorithms (Knuth D over 32-bit digits and its fast paths, the EVM rules for zero divisors,
 * signs and the 257/512-bit ADDMOD/MULMOD intermediates) live in div_core.h, shared with the
 * native prelude. This file adds what is specific to wasm: register-only fast paths in the
 * exported functions for the most frequent case, both operands below 2^64 (one i64.div_u; for
 * SDIV/SMOD both sign-extended int64), reading the operands' limbs straight from the shared
 * memory, and an out-of-line general path.
 */
#include "u256.h"
#include "div_core.h"

/* The general case of all four operations, including division by zero. */
SLOW static void divmod_slow(uint32_t r, uint32_t pa, uint32_t pb, int op) {
  u256 t = u256_divmod_op(load(pa), load(pb), op);
  store(r, &t);
}

/* Loads the operands' limbs as scalars for the fast paths below. */
#define LOAD_AB                                                                  \
  uint64_t a0 = ld(pa, 0), a1 = ld(pa, 1), a2 = ld(pa, 2), a3 = ld(pa, 3);     \
  uint64_t b0 = ld(pb, 0), b1 = ld(pb, 1), b2 = ld(pb, 2), b3 = ld(pb, 3);

/* Both sign-extended int64: the signed fast path (covers small positive values too). */
#define SMALL_SIGNED(sa, sb) \
  (a1 == sa && a2 == sa && a3 == sa && b1 == sb && b2 == sb && b3 == sb)

/* Stores the signed value ±m for a magnitude m ≤ 2^63 (the sign ignored when m = 0). */
static inline void store_signed(uint32_t r, uint64_t m, int negative) {
  if (negative && m) store4(r, -m, ~0ull, ~0ull, ~0ull);
  else store4(r, m, 0, 0, 0);
}

/*
 * (u1·2^64 + u0) / v for a normalised v (top bit set) and u1 < v: the quotient, the remainder into *rem.
 * Hacker's Delight `divlu`: two 32-bit quotient digits, each estimated by one i64.div_u and corrected.
 */
static inline uint64_t div128_norm(uint64_t u1, uint64_t u0, uint64_t v, uint64_t *rem) {
  const uint64_t b = 1ull << 32;
  uint64_t vn1 = v >> 32, vn0 = v & 0xffffffffu, un1 = u0 >> 32, un0 = u0 & 0xffffffffu;
  uint64_t q1 = u1 / vn1, rhat = u1 - q1 * vn1;
  while (q1 >= b || q1 * vn0 > ((rhat << 32) | un1)) {
    q1--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  uint64_t un21 = ((u1 << 32) | un1) - q1 * v; /* < v: exact modulo 2^64 */
  uint64_t q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > ((rhat << 32) | un0)) {
    q0--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  *rem = ((un21 << 32) | un0) - q0 * v;
  return (q1 << 32) | q0;
}

/*
 * q = a / d over four limbs, the remainder returned, for 0 < d < 2^64: short division in registers, with no
 * digit arrays (the general path's set-up dominated when a 256-bit value is divided by a 64-bit one:
 * snailtracer's fixed-point SDIVs, Signed.mix's x / int8 and x % int16). Below 2^32 each limb is two 64/32
 * steps; otherwise the dividend is normalised and each limb one div128_norm.
 */
SLOW static uint64_t udiv_by_limb(uint64_t q[4], const uint64_t a[4], uint64_t d) {
  /* Only the significant limbs: snailtracer's dividends are mostly two (a fixed-point product), and each step
   * whose running value is still below d is a zero digit without a division. */
  int n = 4;
  while (n > 1 && a[n - 1] == 0) q[--n] = 0;
  uint64_t r = 0;
  if ((d >> 32) == 0) {
    for (int j = n - 1; j >= 0; j--) {
      if (r == 0 && a[j] < d) { q[j] = 0; r = a[j]; continue; }
      uint64_t x = (r << 32) | (a[j] >> 32), qh = x / d;
      r = x - qh * d;
      x = (r << 32) | (a[j] & 0xffffffffu);
      uint64_t ql = x / d;
      r = x - ql * d;
      q[j] = (qh << 32) | ql;
    }
    return r;
  }
  int s = __builtin_clzll(d); /* < 32 */
  uint64_t dn = d << s;
  r = s ? a[n - 1] >> (64 - s) : 0; /* < 2^s ≤ dn */
  for (int j = n - 1; j >= 0; j--) {
    uint64_t lo = (a[j] << s) | (s && j > 0 ? a[j - 1] >> (64 - s) : 0);
    if (r == 0 && lo < dn) { q[j] = 0; r = lo; continue; }
    q[j] = div128_norm(r, lo, dn, &r);
  }
  return r >> s;
}

/* Negate four limbs in place (two's complement). */
static inline void neg4(uint64_t x[4]) {
  uint64_t c = 1;
  for (int i = 0; i < 4; i++) {
    x[i] = ~x[i] + c;
    c = c && x[i] == 0;
  }
}

/*
 * DIV / MOD / SDIV / SMOD when the divisor's magnitude is in (0, 2^64) (whatever the dividend): computes and
 * stores the result, returns 1; returns 0 to leave the operation to the general path.
 */
static inline int divmod_by_limb(uint32_t r, uint32_t pa, uint32_t pb, int op) {
  uint64_t a[4] = {ld(pa, 0), ld(pa, 1), ld(pa, 2), ld(pa, 3)};
  uint64_t b0 = ld(pb, 0), b1 = ld(pb, 1), b2 = ld(pb, 2), b3 = ld(pb, 3);
  int sa = 0, sb = 0;
  uint64_t d;
  if (op == U256_OP_SDIV || op == U256_OP_SMOD) {
    sa = (int64_t)a[3] < 0;
    sb = (int64_t)b3 < 0;
    /* |b| < 2^64: b's upper limbs all sign bits */
    uint64_t ext = sb ? ~0ull : 0;
    if ((b1 ^ ext) | (b2 ^ ext) | (b3 ^ ext)) return 0; /* b = −2^64·k leaves d = 0: the general path */
    d = sb ? -b0 : b0;
    if (sa) neg4(a);
  } else {
    if (b1 | b2 | b3) return 0;
    d = b0;
  }
  if (d == 0) return 0;
  uint64_t q[4];
  uint64_t rem = udiv_by_limb(q, a, d);
  if (op == U256_OP_DIV || op == U256_OP_SDIV) {
    if (sa ^ sb) neg4(q);
    store4(r, q[0], q[1], q[2], q[3]);
  } else if (sa && rem) {
    store4(r, -rem, ~0ull, ~0ull, ~0ull);
  } else {
    store_u64(r, rem);
  }
  return 1;
}

/* x < y over four limbs. */
static inline int lt4(const uint64_t x[4], const uint64_t y[4]) {
  for (int i = 3; i >= 0; i--)
    if (x[i] != y[i]) return x[i] < y[i];
  return 0;
}

/*
 * q = a / b and a % b over 64-bit limbs for a divisor of exactly n limbs (n = 2..4, b[n-1] != 0) and a ≥ b: Knuth D
 * with the digits in scalars (always inlined with a constant n, every loop unrolls and every index is a constant, so
 * no digit lives on the shadow stack — the 32-bit-digit arrays of u256_divmod_knuth cost ~100 ns per call here, most
 * of it set-up and memory traffic, against ~5 ns per i64.div_u). Each quotient limb is estimated by div128_norm from
 * the top two dividend limbs, refined with the divisor's second limb (then at most one too large), and confirmed by the
 * multiply-subtract; a window below the divisor's top limb is a zero limb without a division.
 */
static inline __attribute__((always_inline)) void udivmod_wide_n(uint64_t q[4], uint64_t rem[4], const uint64_t a[4],
                                                                  const uint64_t b[4], const int n) {
  /* Normalise so bn's top bit is set; (x >> 1) >> (63 − s) is x >> (64 − s) without the undefined shift by 64. */
  int s = __builtin_clzll(b[n - 1]);
  uint64_t bn[4], an[5];
  for (int i = 3; i > 0; i--) bn[i] = (b[i] << s) | ((b[i - 1] >> 1) >> (63 - s));
  bn[0] = b[0] << s;
  an[4] = (a[3] >> 1) >> (63 - s);
  for (int i = 3; i > 0; i--) an[i] = (a[i] << s) | ((a[i - 1] >> 1) >> (63 - s));
  an[0] = a[0] << s;
  const uint64_t vtop = bn[n - 1], vnext = bn[n - 2];
  for (int i = 0; i < 4; i++) q[i] = 0;
#pragma clang loop unroll(full)
  for (int j = 4 - n; j >= 0; j--) {
    /* Invariant (Knuth): an[j+n] ≤ vtop. */
    uint64_t u2 = an[j + n], u1 = an[j + n - 1], u0 = an[j + n - 2];
    if (u2 == 0 && u1 < vtop) continue; /* the window is below bn: a zero quotient limb */
    uint64_t qhat, rhat;
    int big; /* rhat ≥ 2^64: the refinement test always passes */
    if (u2 == 0) {
      /* u1 ≥ vtop ≥ 2^63: the estimate is 1 without a division (the quotient of a dividend of about the divisor's size) */
      qhat = 1;
      rhat = u1 - vtop;
      big = 0;
    } else if (u2 == vtop) {
      qhat = ~0ull;
      rhat = u1 + vtop;
      big = rhat < u1;
    } else {
      qhat = div128_norm(u2, u1, vtop, &rhat);
      big = 0;
    }
    while (!big) {
      uint64_t hi, lo = u256_mul64(qhat, vnext, &hi);
      if (hi < rhat || (hi == rhat && lo <= u0)) break;
      qhat--;
      rhat += vtop;
      big = rhat < vtop;
    }
    /* an[j .. j+n] −= qhat · bn */
    uint64_t carry = 0, borrow = 0;
#pragma clang loop unroll(full)
    for (int i = 0; i < n; i++) {
      uint64_t hi, lo = u256_mul64(qhat, bn[i], &hi);
      lo += carry;
      carry = hi + (lo < carry);
      uint64_t x = an[j + i], d = x - lo;
      uint64_t b1 = x < lo;
      an[j + i] = d - borrow;
      borrow = b1 | (d < borrow);
    }
    uint64_t top = an[j + n], d = top - carry;
    int negative = top < carry || d < borrow;
    an[j + n] = d - borrow;
    if (negative) {
      /* qhat was one too large (rare): add bn back, the carry out of the top limb cancelling the borrow. */
      qhat--;
      uint64_t c = 0;
#pragma clang loop unroll(full)
      for (int i = 0; i < n; i++) {
        uint64_t x = an[j + i] + c;
        c = x < c;
        an[j + i] = x + bn[i];
        c += an[j + i] < x;
      }
      an[j + n] += c;
    }
    q[j] = qhat;
  }
  /* The remainder is an[0 .. n-1] >> s (it is below bn, so the limbs above are zero). */
  for (int i = 0; i < 4; i++) rem[i] = 0;
  for (int i = 0; i < n - 1; i++) rem[i] = (an[i] >> s) | ((an[i + 1] << 1) << (63 - s));
  rem[n - 1] = an[n - 1] >> s;
}

/*
 * DIV / MOD / SDIV / SMOD when the divisor's magnitude is at least 2^64 (Vyper's and Curve's fixed-point `x * y / z`
 * with 1e18-scaled z, overflow checks `x * y / x`): returns 0 to leave a smaller divisor to the other paths.
 */
SLOW static int divmod_wide(uint32_t r, uint32_t pa, uint32_t pb, int op) {
  uint64_t a[4] = {ld(pa, 0), ld(pa, 1), ld(pa, 2), ld(pa, 3)};
  uint64_t b[4] = {ld(pb, 0), ld(pb, 1), ld(pb, 2), ld(pb, 3)};
  int sa = 0, sb = 0;
  if (op == U256_OP_SDIV || op == U256_OP_SMOD) {
    sa = (int64_t)a[3] < 0;
    sb = (int64_t)b[3] < 0;
    if (sa) neg4(a);
    if (sb) neg4(b);
  }
  if ((b[1] | b[2] | b[3]) == 0) return 0;
  uint64_t q[4], m[4];
  if (lt4(a, b)) {
    for (int i = 0; i < 4; i++) q[i] = 0, m[i] = a[i];
  } else if (b[3]) {
    udivmod_wide_n(q, m, a, b, 4);
  } else if (b[2]) {
    udivmod_wide_n(q, m, a, b, 3);
  } else {
    udivmod_wide_n(q, m, a, b, 2);
  }
  if (op == U256_OP_DIV || op == U256_OP_SDIV) {
    if (sa ^ sb) neg4(q);
    store4(r, q[0], q[1], q[2], q[3]);
  } else {
    if (sa) neg4(m);
    store4(r, m[0], m[1], m[2], m[3]);
  }
  return 1;
}

void EXPORT(mevmc_div)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  if ((a1 | a2 | a3 | b1 | b2 | b3) == 0) {
    store_u64(r, b0 ? a0 / b0 : 0);
    return;
  }
  if (divmod_by_limb(r, pa, pb, U256_OP_DIV) || divmod_wide(r, pa, pb, U256_OP_DIV)) return;
  divmod_slow(r, pa, pb, U256_OP_DIV);
}

void EXPORT(mevmc_mod)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  if ((a1 | a2 | a3 | b1 | b2 | b3) == 0) {
    store_u64(r, b0 ? a0 % b0 : 0);
    return;
  }
  if (divmod_by_limb(r, pa, pb, U256_OP_MOD) || divmod_wide(r, pa, pb, U256_OP_MOD)) return;
  divmod_slow(r, pa, pb, U256_OP_MOD);
}

/* Signed division truncating toward zero. The fast path divides int64 magnitudes: -2^63 has
 * magnitude 2^63, so SDIV(-2^63, -1) = +2^63 comes out right (i64.div_s would trap). */
void EXPORT(mevmc_sdiv)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  uint64_t sa = u256_sign64(a0), sb = u256_sign64(b0);
  if (SMALL_SIGNED(sa, sb)) {
    uint64_t ma = sa ? -a0 : a0, mb = sb ? -b0 : b0;
    store_signed(r, mb ? ma / mb : 0, (sa ^ sb) != 0);
    return;
  }
  if (divmod_by_limb(r, pa, pb, U256_OP_SDIV) || divmod_wide(r, pa, pb, U256_OP_SDIV)) return;
  divmod_slow(r, pa, pb, U256_OP_SDIV);
}

/* Signed remainder: |a| mod |b| with the sign of a. */
void EXPORT(mevmc_smod)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  uint64_t sa = u256_sign64(a0), sb = u256_sign64(b0);
  if (SMALL_SIGNED(sa, sb)) {
    uint64_t ma = sa ? -a0 : a0, mb = sb ? -b0 : b0;
    store_signed(r, mb ? ma % mb : 0, sa != 0);
    return;
  }
  if (divmod_by_limb(r, pa, pb, U256_OP_SMOD) || divmod_wide(r, pa, pb, U256_OP_SMOD)) return;
  divmod_slow(r, pa, pb, U256_OP_SMOD);
}

/*
 * Barrett reduction (HAC 14.42) for moduli of eight 32-bit digits (m ≥ 2^224), the field primes of
 * elliptic-curve and modexp code (weierstrudel, ModExp): the 512-bit product is reduced with
 * multiplications only, where Knuth D spends nine i64.div_u and its normalising shifts. mu is
 * computed once per modulus and kept with it (a program's MULMODs nearly always share one). Moduli
 * ≥ 2^232 (all the field primes) work in 29-bit digits (barrett29_reduce), the rest in 32-bit ones.
 * Everything is unrolled over fixed digit counts so the digits stay in wasm locals.
 */
typedef struct {
  uint64_t m[4];   /* the modulus whose mu this is; 0 = none yet */
  uint32_t mu[10]; /* m < 2^232: floor((2^512 − 1) / m) in 32-bit digits (nine, < 2^288);
                      m ≥ 2^232: floor(2^522 / m) in ten 29-bit digits (see barrett29_reduce) */
  uint32_t r29;    /* 1 when mu is the 29-bit form */
} barrett_ctx;
/* A few moduli at once: code alternates between a field prime and 2^256 − 1 (the 512-bit product idiom
 * mulmod(x, y, not(0)), weierstrudel) or between two primes; filled round-robin. */
#define BARRETT_SLOTS 4
#define B29_MASK 0x1fffffffull
static barrett_ctx barrett_cache[BARRETT_SLOTS];
static uint32_t barrett_next;

/* Whether m can use Barrett: eight digits, and not a power of two (floor((2^512−1)/m) would then
 * be one below floor(2^512/m); powers of two are rare moduli and Knuth handles them). */
static inline int barrett_fits(const u256 *m) {
  if ((m->w[3] >> 32) == 0) return 0;
  return (m->w[3] & (m->w[3] - 1)) != 0 || (m->w[0] | m->w[1] | m->w[2]) != 0;
}

SLOW static const barrett_ctx *barrett_setup(const u256 *m) {
  barrett_ctx *c = &barrett_cache[barrett_next++ % BARRETT_SLOTS];
  uint32_t ones[16], q[9];
  for (int i = 0; i < 16; i++) ones[i] = 0xffffffffu;
  c->r29 = (m->w[3] >> 40) != 0;
  if (c->r29) {
    /* floor(2^522 / m) = q·2^32 + floor(rem·2^32 / m), with q, rem from 2^490 / m (Knuth takes
     * at most sixteen dividend digits). */
    uint32_t u[16], rem[8], u2[9], q2[2], mu32[10];
    for (int i = 0; i < 16; i++) u[i] = 0;
    u[15] = 1u << 10;
    u256_divmod_knuth(q, rem, u, 16, m->h, 8);
    u2[0] = 0;
    for (int i = 0; i < 8; i++) u2[i + 1] = rem[i];
    u256_divmod_knuth(q2, 0, u2, 9, m->h, 8);
    mu32[0] = q2[0];
    for (int i = 0; i < 9; i++) mu32[i + 1] = q[i];
    for (int i = 0; i < 10; i++) { /* bits [29i, 29i + 29) of the 320-bit mu32 */
      int bit = 29 * i, d = bit >> 5, sh = bit & 31;
      uint64_t v = (uint64_t)mu32[d] >> sh;
      if (d + 1 < 10) v |= (uint64_t)mu32[d + 1] << (32 - sh); /* 64 − sh ≥ 29 bits in all */
      c->mu[i] = (uint32_t)(v & B29_MASK);
    }
  } else {
    u256_divmod_knuth(q, 0, ones, 16, m->h, 8);
    for (int i = 0; i < 9; i++) c->mu[i] = q[i];
  }
  for (int i = 0; i < 4; i++) c->m[i] = m->w[i];
  return c;
}

/* Bits [29i, 29i + 29) of the n-limb number w, for a constant i after unrolling. */
#define B29_DIGIT(w, n, i)                                                                   \
  ((((w)[(29 * (i)) >> 6] >> ((29 * (i)) & 63)) |                                            \
    (((29 * (i)) & 63) > 35 && ((29 * (i)) >> 6) + 1 < (n)                                    \
         ? (w)[((29 * (i)) >> 6) + 1] << (64 - ((29 * (i)) & 63)) : 0)) & B29_MASK)

/*
 * r = x mod m for x < 2^522 given as eighteen 29-bit digits, 2^232 ≤ m < 2^256 and mu its ten-digit
 * floor(2^522 / m): Barrett (HAC 14.42) in radix β = 2^29 with k = 9 digits. With 29-bit digits a
 * column of up to ten digit products stays below 2^63, so a column is summed and carried once (two
 * wasm ops a product, where 32-bit digits take five with a carry after each): ~199 products against
 * 32-bit digits' ~161, but a weierstrudel MULMOD by bn254's p 103 → 89 ns.
 * q3's columns below β^8 are dropped: they sum below β^10, so q3 is at most one below Barrett's
 * estimate and r = x − q3·m < 4m.
 */
static inline __attribute__((always_inline)) u256 barrett29_reduce(const uint64_t *x, const u256 *m, const barrett_ctx *bc) {
  uint64_t md[9], mu[10];
  for (int i = 0; i < 9; i++) md[i] = B29_DIGIT(m->w, 4, i);
  for (int i = 0; i < 10; i++) mu[i] = bc->mu[i];
  /* q3 = floor(floor(x / β^8) · mu / β^10), columns 8..18 of the product */
  uint64_t q3[10], c = 0;
#pragma clang loop unroll(full)
  for (int k = 8; k < 19; k++) {
    uint64_t t = c;
#pragma clang loop unroll(full)
    for (int i = 0; i < 10; i++)
      if (k - i >= 0 && k - i < 10) t += x[8 + i] * mu[k - i];
    if (k >= 10) q3[k - 10] = t & B29_MASK;
    c = t >> 29;
  }
  q3[9] = c;
  /* r2 = q3·m mod β^10, r = (x mod β^10) − r2 mod β^10 */
  uint64_t r[10];
  c = 0;
  int64_t br = 0;
#pragma clang loop unroll(full)
  for (int k = 0; k < 10; k++) {
    uint64_t t = c;
#pragma clang loop unroll(full)
    for (int i = 0; i <= k; i++)
      if (k - i < 9) t += q3[i] * md[k - i];
    c = t >> 29;
    int64_t d = (int64_t)x[k] - (int64_t)(t & B29_MASK) + br;
    r[k] = (uint64_t)d & B29_MASK;
    br = d >> 29; /* 0 or −1 */
  }
  /* r < 4m: at most three subtractions (bounded: a broken invariant gives a wrong value, not a hang). */
  for (int n = 0; n < 3; n++) {
    if (r[9] == 0 && r[8] < md[8]) break; /* below m by the top digits alone (the usual case) */
    uint64_t d[10];
    int64_t b = 0;
    for (int k = 0; k < 10; k++) {
      int64_t t = (int64_t)r[k] - (int64_t)(k < 9 ? md[k] : 0) + b;
      d[k] = (uint64_t)t & B29_MASK;
      b = t >> 29;
    }
    if (b) break;
    for (int k = 0; k < 10; k++) r[k] = d[k];
  }
  u256 out;
  for (int l = 0; l < 4; l++) {
    uint64_t w = 0;
    for (int i = 0; i < 9; i++) {
      int sh = 29 * i - 64 * l;
      if (sh >= 0 && sh < 64) w |= r[i] << sh;
      else if (sh < 0 && sh > -29) w |= r[i] >> -sh;
    }
    out.w[l] = w;
  }
  return out;
}

/* r = x mod m for x < 2^512 (16 digits), m as in barrett_fits and c its cache entry. Inlined into
 * its callers so x's digits stay wasm locals rather than a shadow-stack array. */
static inline __attribute__((always_inline)) u256 barrett_reduce(const uint32_t *x, const u256 *m, const barrett_ctx *bc) {
  /* q3 = floor(floor(x / b^7) * mu / b^9), from the partial products of weight ≥ b^7 only: the
   * dropped ones sum below b^9, so q3 is at most one below Barrett's estimate, itself at most two
   * below floor(x / m). */
  uint64_t p[18];
  for (int i = 0; i < 18; i++) p[i] = 0;
  for (int i = 0; i < 9; i++) {
    uint64_t qi = x[7 + i], c = 0;
    for (int j = (7 - i > 0 ? 7 - i : 0); j < 9; j++) {
      uint64_t t = qi * bc->mu[j] + p[i + j] + c;
      p[i + j] = (uint32_t)t;
      c = t >> 32;
    }
    p[i + 9] = c;
  }
  /* r = (x − q3·m) mod b^9, the low nine digits of each side only. */
  uint64_t r2[9];
  for (int i = 0; i < 9; i++) r2[i] = 0;
  for (int i = 0; i < 9; i++) {
    uint64_t qi = p[9 + i], c = 0;
    for (int j = 0; j < 9 - i && j < 8; j++) {
      uint64_t t = qi * m->h[j] + r2[i + j] + c;
      r2[i + j] = (uint32_t)t;
      c = t >> 32;
    }
    if (i + 8 < 9) r2[i + 8] = (uint32_t)c;
  }
  uint32_t r[9];
  int64_t borrow = 0;
  for (int i = 0; i < 9; i++) {
    int64_t t = (int64_t)x[i] - (int64_t)r2[i] + borrow;
    r[i] = (uint32_t)t;
    borrow = t >> 32;
  }
  /* r < 4m: at most three subtractions (a bounded loop: a broken invariant gives a wrong value, not a hang). */
  for (int k = 0; k < 3; k++) {
    int ge = r[8] != 0;
    if (!ge) {
      ge = 1;
      for (int i = 7; i >= 0; i--) {
        if (r[i] != m->h[i]) { ge = r[i] > m->h[i]; break; }
      }
    }
    if (!ge) break;
    int64_t b = 0;
    for (int i = 0; i < 9; i++) {
      int64_t t = (int64_t)r[i] - (int64_t)(i < 8 ? m->h[i] : 0) + b;
      r[i] = (uint32_t)t;
      b = t >> 32;
    }
  }
  u256 out;
  for (int i = 0; i < 8; i++) out.h[i] = r[i];
  return out;
}

/* The cache entry of m (set up on a miss), or 0 when m does not fit Barrett. */
static inline const barrett_ctx *barrett_ready(const u256 *m) {
  if (!barrett_fits(m)) return 0;
  for (int i = 0; i < BARRETT_SLOTS; i++) {
    const barrett_ctx *c = &barrett_cache[i];
    if (c->m[0] == m->w[0] && c->m[1] == m->w[1] && c->m[2] == m->w[2] && c->m[3] == m->w[3]) return c;
  }
  return barrett_setup(m);
}

void EXPORT(mevmc_addmod)(uint32_t r, uint32_t pa, uint32_t pb, uint32_t pm) {
  u256 a = load(pa), b = load(pb), m = load(pm);
  if (u256_cmp(&a, &m) < 0 && u256_cmp(&b, &m) < 0) {
    /* Both reduced (field arithmetic, weierstrudel): a + b < 2m, so one conditional subtraction
     * replaces Barrett's ~90 digit products. The sum's carry out of 2^256 means it is ≥ m. */
    u256 t;
    uint64_t c = 0;
    for (int i = 0; i < 4; i++) {
      uint64_t x = a.w[i] + c;
      c = x < c;
      t.w[i] = x + b.w[i];
      c += t.w[i] < x;
    }
    if (c || u256_cmp(&t, &m) >= 0) {
      uint64_t br = 0;
      for (int i = 0; i < 4; i++) {
        uint64_t x = t.w[i] - m.w[i];
        uint64_t b2 = t.w[i] < m.w[i];
        t.w[i] = x - br;
        br = b2 | (x < br);
      }
    }
    store(r, &t);
    return;
  }
  const barrett_ctx *bc = barrett_ready(&m);
  if (bc) {
    /* The 257-bit sum as sixteen digits. */
    uint32_t x[16];
    uint64_t c = 0;
    for (int i = 0; i < 8; i++) {
      uint64_t t = (uint64_t)a.h[i] + b.h[i] + c;
      x[i] = (uint32_t)t;
      c = t >> 32;
    }
    x[8] = (uint32_t)c;
    for (int i = 9; i < 16; i++) x[i] = 0;
    u256 t;
    if (bc->r29) {
      /* The 257-bit sum in 29-bit digits (nine, and the carry bit in the tenth). */
      uint64_t w[5] = {(uint64_t)x[0] | (uint64_t)x[1] << 32, (uint64_t)x[2] | (uint64_t)x[3] << 32,
                       (uint64_t)x[4] | (uint64_t)x[5] << 32, (uint64_t)x[6] | (uint64_t)x[7] << 32, x[8]};
      uint64_t d[18];
      for (int i = 0; i < 18; i++) d[i] = i < 9 ? B29_DIGIT(w, 5, i) : 0;
      t = barrett29_reduce(d, &m, bc);
    } else {
      t = barrett_reduce(x, &m, bc);
    }
    store(r, &t);
    return;
  }
  u256 t = u256_addmod(a, b, m);
  store(r, &t);
}

void EXPORT(mevmc_mulmod)(uint32_t r, uint32_t pa, uint32_t pb, uint32_t pm) {
  u256 a = load(pa), b = load(pb), m = load(pm);
  /* m = 2^256 − 1 needs no mu (and takes no cache slot): see the fold below */
  int ones = (m.w[0] & m.w[1] & m.w[2] & m.w[3]) == ~0ull;
  const barrett_ctx *bc = ones ? 0 : barrett_ready(&m);
  if (bc && bc->r29) {
    /* The 512-bit product in 29-bit digits, column by column (Comba), each column carried once. */
    uint64_t ad[9], bd[9], x[18];
    for (int i = 0; i < 9; i++) ad[i] = B29_DIGIT(a.w, 4, i), bd[i] = B29_DIGIT(b.w, 4, i);
    uint64_t c = 0;
#pragma clang loop unroll(full)
    for (int k = 0; k < 17; k++) {
      uint64_t t = c;
#pragma clang loop unroll(full)
      for (int i = 0; i < 9; i++)
        if (k - i >= 0 && k - i < 9) t += ad[i] * bd[k - i];
      x[k] = t & B29_MASK;
      c = t >> 29;
    }
    x[17] = c;
    u256 t = barrett29_reduce(x, &m, bc);
    store(r, &t);
    return;
  }
  if (ones || bc) {
    /* The full 512-bit product, row by row. */
    uint32_t x[16];
    uint64_t p[16];
    for (int i = 0; i < 16; i++) p[i] = 0;
    /* unrolled (clang keeps the row loop otherwise): p stays in locals, not the shadow stack */
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++) {
      uint64_t ai = a.h[i], c = 0;
      for (int j = 0; j < 8; j++) {
        uint64_t t = ai * b.h[j] + p[i + j] + c;
        p[i + j] = (uint32_t)t;
        c = t >> 32;
      }
      p[i + 8] = c;
    }
    for (int i = 0; i < 16; i++) x[i] = (uint32_t)p[i];
    u256 t;
    if (ones) {
      /* m = 2^256 − 1 (weierstrudel's 512-bit product idiom mulmod(x, y, not(0))): 2^256 ≡ 1, so
       * x ≡ hi + lo; the end-around carry cannot carry again, and m itself reduces to 0. */
      uint64_t c = 0;
      for (int i = 0; i < 8; i++) {
        uint64_t s = (uint64_t)x[i] + x[i + 8] + c;
        t.h[i] = (uint32_t)s;
        c = s >> 32;
      }
      for (int i = 0; i < 8 && c; i++) {
        uint64_t s = (uint64_t)t.h[i] + c;
        t.h[i] = (uint32_t)s;
        c = s >> 32;
      }
      if ((t.w[0] & t.w[1] & t.w[2] & t.w[3]) == ~0ull) t = u256_zero();
    } else {
      t = barrett_reduce(x, &m, bc);
    }
    store(r, &t);
    return;
  }
  u256 t = u256_mulmod(a, b, m);
  store(r, &t);
}
