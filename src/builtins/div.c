/*
 * div.c — DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD.
 *
 * Long division is Knuth's algorithm D (TAOCP 4.3.1) over 32-bit digits, so every quotient-digit
 * estimate is one native 64/32 division (wasm's i64.div_u); the code follows Hacker's Delight's
 * `divmnu64`. Fast paths come first, in order of how often compiled contracts hit them: both
 * operands below 2^64 (one i64.div_u, register-only, in the exported functions; for SDIV/SMOD
 * both sign-extended int64), then in the out-of-line general path: dividend below divisor,
 * divisor below 2^32 (a chain of 64/32 divisions), divisor below 2^64 (Knuth D for two digits
 * with a scalar remainder), and only then the general algorithm. Signed operations divide the
 * magnitudes, so small negative fixed-point values (snailtracer) take the same fast paths as
 * small positive ones.
 *
 * EVM rules: any division or modulus by zero gives 0; SDIV(-2^255, -1) = -2^255 (falls out of
 * magnitude division: |-2^255| = 2^255 as unsigned, negated back to itself); SMOD's result takes
 * the dividend's sign; ADDMOD and MULMOD reduce the full 257-bit sum and 512-bit product.
 */
#include "u256.h"

/*
 * Knuth D: u (m digits) divided by v (n digits, v[n-1] != 0), with m ≥ n ≥ 2 and m ≤ 16.
 * Writes the quotient q[0 .. m-n] (if q) and the remainder rem[0 .. n-1] (if rem).
 */
static void divmod_knuth(uint32_t *q, uint32_t *rem, const uint32_t *u, int m, const uint32_t *v,
                         int n) {
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
static uint32_t divmod_digit(uint32_t *q, const uint32_t *u, int m, uint64_t d) {
  uint64_t k = 0;
  for (int j = m - 1; j >= 0; j--) {
    uint64_t num = (k << 32) | u[j];
    uint64_t qd = num / d;
    k = num - qd * d;
    if (q) q[j] = (uint32_t)qd;
  }
  return (uint32_t)k;
}

/*
 * Divide u (m ≥ 2 digits, m ≤ 16) by a two-digit divisor v in [2^32, 2^64) — the frequent
 * "256-bit value by a 64-bit constant" case (fixed-point scales like 1e18, small moduli). This is
 * Knuth D for n = 2 with the running remainder kept in one u64 scalar instead of an array; with
 * two divisor digits the qhat refinement compares against the whole divisor, so the estimate is
 * exact and the add-back step never happens. Returns the remainder; writes q[0 .. m-2] if q.
 */
/* Digit j of u << s, for u of m digits (zero beyond); valid for s = 0 too. */
static inline uint32_t shifted_digit(const uint32_t *u, int m, int j, int s) {
  uint64_t hi = j < m ? u[j] : 0, lo = j > 0 ? u[j - 1] : 0;
  return (uint32_t)((((hi << 32) | lo) << s) >> 32);
}

static uint64_t divmod_2digits(uint32_t *q, const uint32_t *u, int m, uint64_t v) {
  int s = __builtin_clzll(v); /* < 32 since v ≥ 2^32 */
  uint64_t vn = v << s, vtop = vn >> 32, vlo = (uint32_t)vn;
#define UN(j) shifted_digit(u, m, (j), s)
  /* The top two normalised digits are below vn: un[m] < 2^s ≤ 2^31 ≤ vtop. */
  uint64_t r = ((uint64_t)UN(m) << 32) | UN(m - 1);
  for (int j = m - 2; j >= 0; j--) {
    uint64_t d = UN(j);
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
#undef UN
  return r >> s;
}

/* q = a / b, r = a % b for unsigned words, b != 0. q and r may be NULL. */
static inline void udivmod(u256 *q, u256 *r, const u256 *a, const u256 *b) {
  u256 tq = {{0, 0, 0, 0}}, tr = {{0, 0, 0, 0}};
  if (fits64(a) && fits64(b)) {
    tq.w[0] = a->w[0] / b->w[0];
    tr.w[0] = a->w[0] - tq.w[0] * b->w[0];
  } else if (cmp(a, b) < 0) {
    tr = *a;
  } else {
    int m = ndigits(a), n = ndigits(b);
    if (n == 1)
      tr.h[0] = divmod_digit(tq.h, a->h, m, b->h[0]);
    else if (n == 2)
      tr.w[0] = divmod_2digits(tq.h, a->h, m, b->w[0]);
    else
      divmod_knuth(tq.h, tr.h, a->h, m, b->h, n);
  }
  if (q) *q = tq;
  if (r) *r = tr;
}

/* r = u mod v for a dividend of up to 16 digits (ADDMOD's 257-bit sum, MULMOD's product). */
static void mod_digits(u256 *r, const uint32_t *u, int m, const u256 *v) {
  u256 t = {{0, 0, 0, 0}};
  int n = ndigits(v);
  while (m > 0 && u[m - 1] == 0) m--;
  if (m < n) {
    for (int i = 0; i < m; i++) t.h[i] = u[i]; /* u < v already */
  } else if (n == 1) {
    t.h[0] = divmod_digit(0, u, m, v->h[0]);
  } else if (n == 2) {
    t.w[0] = divmod_2digits(0, u, m, v->w[0]);
  } else {
    divmod_knuth(0, t.h, u, m, v->h, n);
  }
  *r = t;
}

enum { OP_DIV, OP_MOD, OP_SDIV, OP_SMOD };

/* The general case of all four operations, including division by zero. */
SLOW static void divmod_slow(uint32_t r, uint32_t pa, uint32_t pb, int op) {
  u256 a = load(pa), b = load(pb), t = {{0, 0, 0, 0}};
  if (!is_zero(&b)) {
    int na = 0, nb = 0;
    if (op == OP_SDIV || op == OP_SMOD) {
      na = is_neg(&a), nb = is_neg(&b);
      if (na) neg(&a);
      if (nb) neg(&b);
    }
    if (op == OP_DIV || op == OP_SDIV) {
      udivmod(&t, 0, &a, &b);
      if (na ^ nb) neg(&t); /* quotient negative iff the signs differ */
    } else {
      udivmod(0, &t, &a, &b);
      if (na) neg(&t); /* remainder takes the dividend's sign */
    }
  }
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

void EXPORT(mevmc_div)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  if ((a1 | a2 | a3 | b1 | b2 | b3) == 0) {
    store_u64(r, b0 ? a0 / b0 : 0);
    return;
  }
  divmod_slow(r, pa, pb, OP_DIV);
}

void EXPORT(mevmc_mod)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  if ((a1 | a2 | a3 | b1 | b2 | b3) == 0) {
    store_u64(r, b0 ? a0 % b0 : 0);
    return;
  }
  divmod_slow(r, pa, pb, OP_MOD);
}

/* Signed division truncating toward zero. The fast path divides int64 magnitudes: -2^63 has
 * magnitude 2^63, so SDIV(-2^63, -1) = +2^63 comes out right (i64.div_s would trap). */
void EXPORT(mevmc_sdiv)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  uint64_t sa = sign64(a0), sb = sign64(b0);
  if (SMALL_SIGNED(sa, sb)) {
    uint64_t ma = sa ? -a0 : a0, mb = sb ? -b0 : b0;
    store_signed(r, mb ? ma / mb : 0, (sa ^ sb) != 0);
    return;
  }
  divmod_slow(r, pa, pb, OP_SDIV);
}

/* Signed remainder: |a| mod |b| with the sign of a. */
void EXPORT(mevmc_smod)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  uint64_t sa = sign64(a0), sb = sign64(b0);
  if (SMALL_SIGNED(sa, sb)) {
    uint64_t ma = sa ? -a0 : a0, mb = sb ? -b0 : b0;
    store_signed(r, mb ? ma % mb : 0, sa != 0);
    return;
  }
  divmod_slow(r, pa, pb, OP_SMOD);
}

void EXPORT(mevmc_addmod)(uint32_t r, uint32_t pa, uint32_t pb, uint32_t pm) {
  u256 a = load(pa), b = load(pb), m = load(pm), t = {{0, 0, 0, 0}};
  if (is_zero(&m)) {
    /* EVM: modulus 0 gives 0 */
  } else if (fits64(&a) && fits64(&b) && fits64(&m)) {
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
    mod_digits(&t, u, 9, &m);
  }
  store(r, &t);
}

void EXPORT(mevmc_mulmod)(uint32_t r, uint32_t pa, uint32_t pb, uint32_t pm) {
  u256 a = load(pa), b = load(pb), m = load(pm), t = {{0, 0, 0, 0}};
  if (!is_zero(&m)) {
    /* Full 512-bit product over the significant digits only. */
    uint32_t p[16];
    int na = ndigits(&a), nb = ndigits(&b);
    for (int i = 0; i < na + nb; i++) p[i] = 0;
    for (int i = 0; i < na; i++) {
      uint64_t ai = a.h[i], carry = 0;
      for (int j = 0; j < nb; j++) {
        uint64_t x = ai * b.h[j] + p[i + j] + carry;
        p[i + j] = (uint32_t)x;
        carry = x >> 32;
      }
      p[i + nb] = (uint32_t)carry;
    }
    mod_digits(&t, p, na + nb, &m);
  }
  store(r, &t);
}
