/*
 * arith.c — MUL, EXP, SIGNEXTEND, BYTE, SHL, SHR, SAR, CLZ and the EXP gas helper.
 *
 * Multiplication works on 32-bit digits with 64-bit products (wasm has no 64x64→128 multiply).
 * The exported MUL first tries two register-only fast paths: both operands below 2^64, and both
 * sign-extended int64 — fixed-point code (snailtracer) multiplies small negative numbers all the
 * time, and a*b ≡ (-a)*(-b) ≡ -((-a)*b) (mod 2^256) turns "-3 * 5" into one 64-bit product.
 * Otherwise an operand of one or two set bits makes the product one or two shifts, and negative
 * operands are still negated first (it often shortens them), then a 64-bit operand takes a 4-limb
 * multiply and anything bigger the unrolled 36-product schoolbook.
 */
#include "u256.h"

/* r = x * y mod 2^256 for a 64-bit y: four 64x64→128 products with carries, all scalars. */
static inline void mul_by64(u256 *r, const u256 *x, uint64_t y) {
  uint64_t hi, lo, c, r0, r1, r2, r3;
  r0 = u256_mul64(x->w[0], y, &c);
  lo = u256_mul64(x->w[1], y, &hi);
  r1 = lo + c;
  c = hi + (r1 < lo);
  lo = u256_mul64(x->w[2], y, &hi);
  r2 = lo + c;
  c = hi + (r2 < lo);
  r3 = x->w[3] * y + c; /* only the low half reaches the result */
  r->w[0] = r0, r->w[1] = r1, r->w[2] = r2, r->w[3] = r3;
}

/* r = a*b mod 2^256 for unsigned a, b. r may alias a or b. */
static inline void mul_unsigned(u256 *r, const u256 *a, const u256 *b) {
  if (u256_fits64(b)) {
    mul_by64(r, a, b->w[0]);
    return;
  }
  if (u256_fits64(a)) {
    mul_by64(r, b, a->w[0]);
    return;
  }
  /* The truncated 8x8 schoolbook over 32-bit digits, fully unrolled so every digit is a scalar
   * (a wasm local) rather than a shadow-stack slot: 36 products, cheaper in practice than a
   * loop that skips zero digits but has to keep its digits in memory. */
  uint32_t t[8] = {0};
#pragma clang loop unroll(full)
  for (int i = 0; i < 8; i++) {
    uint64_t carry = 0, ai = a->h[i];
#pragma clang loop unroll(full)
    for (int j = 0; j < 8 - i; j++) {
      /* (2^32-1)^2 + 2*(2^32-1) = 2^64-1: the sum cannot overflow */
      uint64_t p = ai * b->h[j] + t[i + j] + carry;
      t[i + j] = (uint32_t)p;
      carry = p >> 32;
    }
  }
  for (int i = 0; i < 8; i++) r->h[i] = t[i];
}

/* r = a*b mod 2^256, shortening negative operands by negation (see file comment). */
static inline void mul_word(u256 *r, const u256 *a, const u256 *b) {
  u256 x = *a, y = *b;
  int flip = 0;
  if (u256_is_neg(&x)) u256_neg(&x), flip ^= 1;
  if (u256_is_neg(&y)) u256_neg(&y), flip ^= 1;
  mul_unsigned(r, &x, &y);
  if (flip) u256_neg(r);
}

/* x << s (mod 2^256) for s < 256, on four scalars (whole limbs by a switch, then the bit shift). */
static inline void shl4(uint64_t *x0, uint64_t *x1, uint64_t *x2, uint64_t *x3, uint32_t s) {
  uint64_t a = *x0, b = *x1, c = *x2, d = *x3;
  switch (s >> 6) {
  case 1: d = c, c = b, b = a, a = 0; break;
  case 2: d = b, c = a, b = 0, a = 0; break;
  case 3: d = a, c = 0, b = 0, a = 0; break;
  default: break;
  }
  uint32_t bit = s & 63;
  if (bit) {
    d = (d << bit) | (c >> (64 - bit));
    c = (c << bit) | (b >> (64 - bit));
    b = (b << bit) | (a >> (64 - bit));
    a = a << bit;
  }
  *x0 = a, *x1 = b, *x2 = c, *x3 = d;
}

/* The lowest set bit of a nonzero y. */
static inline uint32_t ctz4(uint64_t y0, uint64_t y1, uint64_t y2, uint64_t y3) {
  return y0 ? (uint32_t)__builtin_ctzll(y0)
       : y1 ? 64 + (uint32_t)__builtin_ctzll(y1)
       : y2 ? 128 + (uint32_t)__builtin_ctzll(y2)
            : 192 + (uint32_t)__builtin_ctzll(y3);
}

/* Set bits of y. */
static inline uint32_t popcount4(const u256 *y) {
  return (uint32_t)(__builtin_popcountll(y->w[0]) + __builtin_popcountll(y->w[1]) + __builtin_popcountll(y->w[2]) +
                    __builtin_popcountll(y->w[3]));
}

/* r = x·y for a y of n = 1 or 2 set bits: x << j (+ x << k). Such a multiplier is a shift or a lane copy
 * the compiled code could not see as a constant (DUPed from deep in the stack): blake2b_huff rotates its
 * two 64-bit lanes with x·(2^64 + 1) >> n. */
SLOW static void mul_sparse(uint32_t r, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3,
                            uint64_t y0, uint64_t y1, uint64_t y2, uint64_t y3, uint32_t n) {
  uint32_t j = ctz4(y0, y1, y2, y3);
  uint64_t a0 = x0, a1 = x1, a2 = x2, a3 = x3;
  shl4(&a0, &a1, &a2, &a3, j);
  if (n == 2) {
    /* the other bit: y without bit j (the limbs below j's are zero) */
    uint64_t bit = 1ull << (j & 63);
    uint32_t l = j >> 6;
    uint32_t k = ctz4(l == 0 ? y0 ^ bit : y0, l == 1 ? y1 ^ bit : y1, l == 2 ? y2 ^ bit : y2, l == 3 ? y3 ^ bit : y3);
    uint64_t b0 = x0, b1 = x1, b2 = x2, b3 = x3, c;
    shl4(&b0, &b1, &b2, &b3, k);
    a0 += b0;
    c = a0 < b0;
    a1 += c;
    c = a1 < c;
    a1 += b1;
    c += a1 < b1;
    a2 += c;
    c = a2 < c;
    a2 += b2;
    c += a2 < b2;
    a3 += b3 + c;
  }
  store4(r, a0, a1, a2, a3);
}

SLOW static void mul_slow(uint32_t r, uint32_t pa, uint32_t pb) {
  u256 a = load(pa), b = load(pb), t;
  uint32_t nb = popcount4(&b), na;
  if (nb - 1 < 2) {
    mul_sparse(r, a.w[0], a.w[1], a.w[2], a.w[3], b.w[0], b.w[1], b.w[2], b.w[3], nb);
    return;
  }
  if ((na = popcount4(&a)) - 1 < 2) {
    mul_sparse(r, b.w[0], b.w[1], b.w[2], b.w[3], a.w[0], a.w[1], a.w[2], a.w[3], na);
    return;
  }
  mul_word(&t, &a, &b);
  store(r, &t);
}

void EXPORT(mevmc_mul)(uint32_t r, uint32_t pa, uint32_t pb) {
  uint64_t a0 = ld(pa, 0), a1 = ld(pa, 1), a2 = ld(pa, 2), a3 = ld(pa, 3);
  uint64_t b0 = ld(pb, 0), b1 = ld(pb, 1), b2 = ld(pb, 2), b3 = ld(pb, 3);
  uint64_t hi, lo;
  if ((a1 | a2 | a3 | b1 | b2 | b3) == 0) {
    /* both < 2^64 */
    lo = u256_mul64(a0, b0, &hi);
    store4(r, lo, hi, 0, 0);
    return;
  }
  uint64_t sa = u256_sign64(a0), sb = u256_sign64(b0);
  if (a1 == sa && a2 == sa && a3 == sa && b1 == sb && b2 == sb && b3 == sb) {
    /* Both are sign-extended int64 (small negative fixed-point values): multiply the
     * magnitudes (≤ 2^63 each, product < 2^127) and negate the 128-bit product if needed. */
    lo = u256_mul64(sa ? -a0 : a0, sb ? -b0 : b0, &hi);
    uint64_t fill = 0;
    if ((sa ^ sb) && (lo | hi)) {
      hi = ~hi + (lo == 0);
      lo = -lo;
      fill = ~0ull;
    }
    store4(r, lo, hi, fill, fill);
    return;
  }
  /* One operand below 2^64, or both below 2^128 (Vyper's and Curve's 1e18-scaled products): in registers, without
   * mul_slow's second load, bit counts and sign tests (a third of a call in curve-stableswap's MULs). */
  if ((b1 | b2 | b3) == 0 || (a1 | a2 | a3) == 0) {
    u256 x = {{a0, a1, a2, a3}}, t;
    uint64_t y = b0;
    if ((b1 | b2 | b3) != 0) x.w[0] = b0, x.w[1] = b1, x.w[2] = b2, x.w[3] = b3, y = a0;
    mul_by64(&t, &x, y);
    store(r, &t);
    return;
  }
  if ((a2 | a3 | b2 | b3) == 0) {
    /* (a1·2^64 + a0)(b1·2^64 + b0): four 128-bit partial products, the sum below 2^256 */
    uint64_t h00, h01, h10, h11, c;
    uint64_t r0 = u256_mul64(a0, b0, &h00);
    uint64_t l01 = u256_mul64(a0, b1, &h01);
    uint64_t l10 = u256_mul64(a1, b0, &h10);
    uint64_t l11 = u256_mul64(a1, b1, &h11);
    uint64_t r1 = h00 + l01;
    c = r1 < l01;
    r1 += l10;
    c += r1 < l10;
    uint64_t r2 = h01 + c;
    uint64_t c2 = r2 < c;
    r2 += h10;
    c2 += r2 < h10;
    r2 += l11;
    c2 += r2 < l11;
    store4(r, r0, r1, r2, h11 + c2);
    return;
  }
  mul_slow(r, pa, pb);
}

void EXPORT(mevmc_exp)(uint32_t r, uint32_t pbase, uint32_t pexp) {
  u256 b = load(pbase), e = load(pexp);
  if (u256_is_zero(&e)) { store_u64(r, 1); return; }
  if (u256_fits64(&b) && b.w[0] <= 1) { store_u64(r, b.w[0]); return; } /* 0^e = 0, 1^e = 1 */
  if ((b.w[0] & 1) == 0) {
    /* Even base 2^k·odd (k ≥ 1): b^e has at least k·e ≥ e trailing zero bits. */
    if (!u256_fits64(&e) || e.w[0] >= 256) { store_u64(r, 0); return; }
    uint32_t pop = 0, k = 256 - u256_clz(&b) - 1;
    for (int i = 0; i < 4; i++) pop += (uint32_t)__builtin_popcountll(b.w[i]);
    if (pop == 1) {
      /* 2^k to the e: a single bit (the common 2**n, 256**n of packed-field code) */
      uint64_t s = (uint64_t)k * e.w[0];
      u256 t = {{0, 0, 0, 0}};
      if (s < 256) t.w[s >> 6] = 1ull << (s & 63);
      store(r, &t);
      return;
    }
  }
  /* Left-to-right square-and-multiply; the accumulator starts at b for the top exponent bit. */
  int top = 255 - (int)u256_clz(&e);
  u256 acc = b;
  for (int i = top - 1; i >= 0; i--) {
    mul_word(&acc, &acc, &acc);
    if ((e.w[i >> 6] >> (i & 63)) & 1) mul_word(&acc, &acc, &b);
  }
  store(r, &acc);
}

/* Significant bytes of x: EXP costs 50 gas per byte of the exponent (EIP-160). */
uint32_t EXPORT(mevmc_bytelen)(uint32_t px) {
  u256 x = load(px);
  return (256 - u256_clz(&x) + 7) >> 3;
}

/* EIP-7939 CLZ: leading zero bits, 256 for zero. */
void EXPORT(mevmc_clz)(uint32_t r, uint32_t px) {
  u256 x = load(px);
  store_u64(r, u256_clz(&x));
}

/* SIGNEXTEND: extend the sign of byte b (0 = least significant) of x; b ≥ 31 leaves x as is. */
void EXPORT(mevmc_signextend)(uint32_t r, uint32_t pb, uint32_t px) {
  uint64_t b0 = ld(pb, 0), bhi = ld(pb, 1) | ld(pb, 2) | ld(pb, 3);
  uint64_t x0 = ld(px, 0), x1 = ld(px, 1), x2 = ld(px, 2), x3 = ld(px, 3);
  if (bhi == 0 && b0 < 31) {
    /* Branch-free per limb: `above` masks the bits above the sign bit, which all become
     * copies of it. The sign bit's limb is read straight from memory (variable index). */
    uint32_t bit = (uint32_t)b0 * 8 + 7, sl = bit >> 6, sb = bit & 63;
    uint64_t sign = 0 - ((ld(px, sl) >> sb) & 1);
    uint64_t top = sb == 63 ? 0 : ~0ull << (sb + 1); /* within the sign bit's limb */
#define ABOVE(i) ((i) > sl ? ~0ull : (i) == sl ? top : 0)
    x0 = (x0 & ~ABOVE(0u)) | (sign & ABOVE(0u));
    x1 = (x1 & ~ABOVE(1u)) | (sign & ABOVE(1u));
    x2 = (x2 & ~ABOVE(2u)) | (sign & ABOVE(2u));
    x3 = (x3 & ~ABOVE(3u)) | (sign & ABOVE(3u));
#undef ABOVE
  }
  store4(r, x0, x1, x2, x3);
}

/* BYTE: byte i of x counting from the most significant (big-endian) end; 0 for i ≥ 32. */
void EXPORT(mevmc_byte)(uint32_t r, uint32_t pi, uint32_t px) {
  uint64_t i0 = ld(pi, 0), ihi = ld(pi, 1) | ld(pi, 2) | ld(pi, 3), v = 0;
  if (ihi == 0 && i0 < 32) {
    uint32_t k = 31 - (uint32_t)i0; /* little-endian byte index */
    v = (ld(px, k >> 3) >> ((k & 7) * 8)) & 0xff;
  }
  store_u64(r, v);
}

/* The shift amount of SHL/SHR/SAR, or 256 for anything ≥ 256. */
static inline uint32_t shift_amount(uint32_t ps) {
  uint64_t s0 = ld(ps, 0), shi = ld(ps, 1) | ld(ps, 2) | ld(ps, 3);
  return shi == 0 && s0 < 256 ? (uint32_t)s0 : 256;
}

/* x >> s for s < 256 on four scalars, shifting `fill` (0 or all ones) in from the top. Whole
 * limbs move via a switch (keeps everything in locals), then the bit shift; bit == 0 must be
 * special-cased since a shift by 64 is undefined in C (and a no-op in wasm). */
static inline void shr4(uint64_t *x0, uint64_t *x1, uint64_t *x2, uint64_t *x3, uint32_t s,
                        uint64_t fill) {
  uint64_t a = *x0, b = *x1, c = *x2, d = *x3;
  switch (s >> 6) {
  case 1: a = b, b = c, c = d, d = fill; break;
  case 2: a = c, b = d, c = fill, d = fill; break;
  case 3: a = d, b = fill, c = fill, d = fill; break;
  default: break;
  }
  uint32_t bit = s & 63;
  if (bit) {
    a = (a >> bit) | (b << (64 - bit));
    b = (b >> bit) | (c << (64 - bit));
    c = (c >> bit) | (d << (64 - bit));
    d = (d >> bit) | (fill << (64 - bit));
  }
  *x0 = a, *x1 = b, *x2 = c, *x3 = d;
}

/* SHR(shift, value): logical shift right; 0 for shift ≥ 256. */
void EXPORT(mevmc_shr)(uint32_t r, uint32_t ps, uint32_t px) {
  uint32_t s = shift_amount(ps);
  uint64_t x0 = 0, x1 = 0, x2 = 0, x3 = 0;
  if (s < 256) {
    x0 = ld(px, 0), x1 = ld(px, 1), x2 = ld(px, 2), x3 = ld(px, 3);
    shr4(&x0, &x1, &x2, &x3, s, 0);
  }
  store4(r, x0, x1, x2, x3);
}

/* SAR(shift, value): arithmetic shift right; all sign bits for shift ≥ 256. */
void EXPORT(mevmc_sar)(uint32_t r, uint32_t ps, uint32_t px) {
  uint32_t s = shift_amount(ps);
  uint64_t x3 = ld(px, 3), fill = u256_sign64(x3);
  uint64_t x0 = fill, x1 = fill, x2 = fill;
  if (s < 256) {
    x0 = ld(px, 0), x1 = ld(px, 1), x2 = ld(px, 2);
    shr4(&x0, &x1, &x2, &x3, s, fill);
  } else {
    x3 = fill;
  }
  store4(r, x0, x1, x2, x3);
}

/* SHL(shift, value): shift left modulo 2^256; 0 for shift ≥ 256. */
void EXPORT(mevmc_shl)(uint32_t r, uint32_t ps, uint32_t px) {
  uint32_t s = shift_amount(ps);
  uint64_t a = 0, b = 0, c = 0, d = 0;
  if (s < 256) {
    a = ld(px, 0), b = ld(px, 1), c = ld(px, 2), d = ld(px, 3);
    shl4(&a, &b, &c, &d, s);
  }
  store4(r, a, b, c, d);
}
