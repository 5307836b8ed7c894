/*
 * SALT commitment kernel: Banderwagon arithmetic on 8×32-bit Montgomery limbs (wasm32).
 *
 * Why a kernel: with BigInt a fixed-base multiplication costs ~0.35 ms, which makes a 200k-key
 * batch take minutes. wasm32 has i64.mul but no 64×64→128 product, so limbs must be at most 32
 * bits; 29-bit limbs let products accumulate without carries (see fmul).
 *
 * Layout conventions (all little-endian u32 words, no alignment beyond 4 bytes):
 *   fe      9 words: radix-2^29 limbs of a·2^261 mod q (Montgomery form), fully reduced (< q)
 *   point   36 words: extended twisted-Edwards X, Y, T, Z (x = X/Z, y = Y/Z, T = XY/Z)
 *   entry   27 words: affine Edwards entry x, y, td = d·x·y of the variable-base MSM (mixed addition
 *           needs no Z and saves the d multiplication)
 *   wentry  18 words: fixed-base table entry, short Weierstrass affine X, Y (see salt_table_build)
 *   scalar  8 words, canonical little-endian 32-bit words (not Montgomery)
 *   job     10 words: acc index, generator index, scalar
 * The JavaScript side (kernel/index.ts) owns the memory map; nothing here allocates.
 *
 * The same source is also compiled for the host (kernel/native.ts: clang -O3, a shared object called through
 * koffi). There, and only there (#if !__wasm__), the field product runs on 4×64-bit limbs and the affine rounds of
 * salt_mul_batch entirely so; values and memory words stay exactly those of the wasm build.
 */
#include <stdint.h>
#ifndef __wasm__
#include <sys/mman.h>
#endif

typedef uint32_t u32;
typedef uint64_t u64;

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(#name)))
#define THREAD_LOCAL
#else
/* Native build (kernel/native.ts): the same entry points from a shared object; threads share its globals. */
#define EXPORT(name) __attribute__((visibility("default")))
#define THREAD_LOCAL _Thread_local
#endif
/* Small helpers are forced inline: a call per field addition or per product normalisation was ~20 % of a
 * witness verification in the profile (clang -O3 kept them out of line). */

/*
 * Field elements are 9 limbs of 29 bits (radix 2^29, Montgomery factor 2^261). With 29-bit limbs a
 * product is < 2^58, so the 18 products that ever land in one accumulator of the interleaved
 * Montgomery loop stay below 2^63: no carry propagation inside the multiplication, which is what
 * makes it ~2× faster than 32-bit-limb CIOS in wasm (every carry there is a shift, a mask and an add).
 */
#define NL 9
#define MASK 0x1fffffffu
#define FE NL          /* words per field element */
#define PT (4 * FE)    /* words per extended point */
#define EN (3 * FE)    /* words per affine table entry */

/* q (BLS12-381 scalar field), 2q, and the Banderwagon group order r, in radix 2^29. */
static const u32 QM[NL] = {0x00000001u, 0x1ffffff8u, 0x1f96ffbfu, 0x1b4805ffu, 0x1d80553bu,
                           0x0c0404d0u, 0x1520cce7u, 0x0a6533afu, 0x0073eda7u};
static const u32 RM[NL] = {0x0876e7e1u, 0x07e835a9u, 0x06411c5du, 0x1f0e00e8u, 0x07600ff8u,
                           0x1b010134u, 0x1d483339u, 0x1a994cebu, 0x001cfb69u};
/* 2^522 mod q (to enter Montgomery form), 2^261 mod q (one), and d·2^261 mod q. */
static const u32 R2[NL] = {0x0a71b3c0u, 0x1d32207eu, 0x1663d999u, 0x1c5abc93u, 0x03b58c44u,
                           0x0be37438u, 0x0829f771u, 0x1660139eu, 0x0027fd91u};
static const u32 ONE[NL] = {0x1fffffbau, 0x0000022fu, 0x1cb61180u, 0x0a4e5c00u, 0x0ee8b1a2u,
                            0x16e6aedfu, 0x1907f8bbu, 0x0853ddf7u, 0x004d043fu};
static const u32 DM[NL] = {0x1458e5f2u, 0x1ced1bb7u, 0x0c2440c6u, 0x03a6574fu, 0x06ebc6f2u,
                           0x05d944c8u, 0x185ecb02u, 0x1cdb6c09u, 0x006ed285u};

/* a >= m for normalised limbs. */
static inline __attribute__((always_inline)) int geq(const u32 *a, const u32 *m) {
  for (int i = NL - 1; i >= 0; i--) {
    if (a[i] != m[i]) return a[i] > m[i];
  }
  return 1;
}

/* r = a − m on normalised limbs; returns the borrow. */
static inline __attribute__((always_inline)) u32 sub_raw(u32 *r, const u32 *a, const u32 *m) {
  u32 borrow = 0;
  for (int i = 0; i < NL; i++) {
    u32 d = a[i] - m[i] - borrow;
    r[i] = d & MASK;
    borrow = d >> 31;
  }
  return borrow;
}

static inline __attribute__((always_inline)) void add_raw(u32 *r, const u32 *a, const u32 *m) {
  u32 c = 0;
  for (int i = 0; i < NL; i++) {
    u32 s = a[i] + m[i] + c;
    r[i] = s & MASK;
    c = s >> 29;
  }
}

/*
 * Addition and subtraction choose the reduced value with a mask, not a branch: whether a sum reaches q or a
 * difference borrows is a coin toss for field elements, so the branch was mispredicted about half the time.
 */
static inline __attribute__((always_inline)) void fadd(u32 *r, const u32 *a, const u32 *b) {
  u32 s[NL], t[NL];
  add_raw(s, a, b);
  u32 keep = 0u - sub_raw(t, s, QM); /* all ones when s < q */
  for (int i = 0; i < NL; i++) r[i] = (s[i] & keep) | (t[i] & ~keep);
}

static inline __attribute__((always_inline)) void fsub(u32 *r, const u32 *a, const u32 *b) {
  u32 d[NL];
  u32 m = 0u - sub_raw(d, a, b); /* all ones when a < b */
  u32 c = 0;
  for (int i = 0; i < NL; i++) {
    u32 x = d[i] + (QM[i] & m) + c;
    r[i] = x & MASK;
    c = x >> 29;
  }
}

static inline __attribute__((always_inline)) int fzero(const u32 *a) {
  u32 x = 0;
  for (int i = 0; i < NL; i++) x |= a[i];
  return x == 0;
}

static inline __attribute__((always_inline)) void fneg(u32 *r, const u32 *a) {
  if (fzero(a)) {
    for (int i = 0; i < NL; i++) r[i] = 0;
  } else {
    sub_raw(r, QM, a);
  }
}

/* Carry-normalise a lazy accumulator (value < 2q < 2^256, so the carries fit in 9 limbs) and reduce below q. */
static inline __attribute__((always_inline)) void normalise(u32 *r, const u64 *t) {
  u64 c = 0;
  u32 o[NL];
  for (int i = 0; i < NL; i++) {
    c += t[i];
    o[i] = (u32)c & MASK;
    c >>= 29;
  }
  if (geq(o, QM)) sub_raw(o, o, QM);
  for (int i = 0; i < NL; i++) r[i] = o[i];
}

#if !defined(__wasm__) && defined(__SIZEOF_INT128__)
/*
 * Native build: the product on 4×64-bit limbs with unsigned __int128 (CIOS Montgomery, ~2× faster than the 9×29
 * loop on x86-64), converting at its boundary so that every other routine and the memory layout stay as in the
 * wasm build. The value is the same a·b·2^−261: four 64-bit reduction rounds give a·b·2^−256, and one 5-bit round
 * (−q^−1 ≡ −1 mod 2^5 because q ≡ 1 mod 2^32) the remaining 2^−5; the result is fully reduced, so the limbs are
 * identical to fmul's in the wasm build.
 */
typedef unsigned __int128 u128;
static const u64 Q64[4] = {0xffffffff00000001ull, 0x53bda402fffe5bfeull, 0x3339d80809a1d805ull, 0x73eda753299d7d48ull};
#define Q64_INV 0xfffffffeffffffffull /* −q^−1 mod 2^64 */

static inline __attribute__((always_inline)) void to64(u64 *w, const u32 *l) {
  w[0] = w[1] = w[2] = w[3] = 0;
  for (int i = 0; i < NL; i++) {
    u32 bit = 29 * i, wi = bit >> 6, sh = bit & 63;
    w[wi] |= (u64)l[i] << sh;
    if (sh > 35 && wi < 3) w[wi + 1] |= (u64)l[i] >> (64 - sh);
  }
}

static inline __attribute__((always_inline)) void from64(u32 *l, const u64 *w) {
  for (int i = 0; i < NL; i++) {
    u32 bit = 29 * i, wi = bit >> 6, sh = bit & 63;
    u64 v = w[wi] >> sh;
    if (sh > 35 && wi < 3) v |= w[wi + 1] << (64 - sh);
    l[i] = (u32)v & MASK;
  }
}

static inline __attribute__((always_inline)) void fmul64(u64 *r, const u64 *a, const u64 *b) {
  u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4;
  u128 c;
  for (int i = 0; i < 4; i++) {
    u64 bi = b[i];
    c = (u128)a[0] * bi + t0;
    t0 = (u64)c;
    c = (u128)a[1] * bi + t1 + (u64)(c >> 64);
    t1 = (u64)c;
    c = (u128)a[2] * bi + t2 + (u64)(c >> 64);
    t2 = (u64)c;
    c = (u128)a[3] * bi + t3 + (u64)(c >> 64);
    t3 = (u64)c;
    t4 = (u64)(c >> 64);
    u64 m = t0 * Q64_INV;
    c = (u128)m * Q64[0] + t0;
    c = (u128)m * Q64[1] + t1 + (u64)(c >> 64);
    t0 = (u64)c;
    c = (u128)m * Q64[2] + t2 + (u64)(c >> 64);
    t1 = (u64)c;
    c = (u128)m * Q64[3] + t3 + (u64)(c >> 64);
    t2 = (u64)c;
    t3 = t4 + (u64)(c >> 64); /* q < 2^255: no carry out */
  }
  u64 m = (0 - t0) & 31;
  c = (u128)m * Q64[0] + t0;
  t0 = (u64)c;
  c = (u128)m * Q64[1] + t1 + (u64)(c >> 64);
  t1 = (u64)c;
  c = (u128)m * Q64[2] + t2 + (u64)(c >> 64);
  t2 = (u64)c;
  c = (u128)m * Q64[3] + t3 + (u64)(c >> 64);
  t3 = (u64)c;
  t4 = (u64)(c >> 64);
  t0 = (t0 >> 5) | (t1 << 59);
  t1 = (t1 >> 5) | (t2 << 59);
  t2 = (t2 >> 5) | (t3 << 59);
  t3 = (t3 >> 5) | (t4 << 59);
  /* < 2q: one masked subtraction (no branch, as in fadd). */
  u64 s0, s1, s2, s3, x;
  u64 b0 = __builtin_sub_overflow(t0, Q64[0], &s0);
  u64 b1 = __builtin_sub_overflow(t1, Q64[1], &x);
  b1 |= __builtin_sub_overflow(x, b0, &s1);
  u64 b2 = __builtin_sub_overflow(t2, Q64[2], &x);
  b2 |= __builtin_sub_overflow(x, b1, &s2);
  u64 b3 = __builtin_sub_overflow(t3, Q64[3], &x);
  b3 |= __builtin_sub_overflow(x, b2, &s3);
  u64 keep = 0 - b3; /* all ones when t < q */
  r[0] = (t0 & keep) | (s0 & ~keep);
  r[1] = (t1 & keep) | (s1 & ~keep);
  r[2] = (t2 & keep) | (s2 & ~keep);
  r[3] = (t3 & keep) | (s3 & ~keep);
}

static void fmul(u32 *r, const u32 *a, const u32 *b) {
  u64 x[4], y[4];
  to64(x, a);
  to64(y, b);
  fmul64(x, x, y);
  from64(r, x);
}

static void fsqr(u32 *r, const u32 *a) {
  u64 x[4];
  to64(x, a);
  fmul64(x, x, x);
  from64(r, x);
}

/* The rest of the field on 4×64 limbs, for the affine rounds of salt_mul_batch (values < q, fully reduced). */
static inline __attribute__((always_inline)) void fadd64(u64 *r, const u64 *a, const u64 *b) {
  u64 s[4], t[4];
  u64 c = 0;
  for (int i = 0; i < 4; i++) {
    u128 x = (u128)a[i] + b[i] + c;
    s[i] = (u64)x;
    c = (u64)(x >> 64);
  }
  u64 bw = 0;
  for (int i = 0; i < 4; i++) {
    u128 x = (u128)s[i] - Q64[i] - bw;
    t[i] = (u64)x;
    bw = (u64)(x >> 64) & 1;
  }
  u64 keep = 0 - bw; /* all ones when s < q (a + b < 2q < 2^256: no carry out) */
  for (int i = 0; i < 4; i++) r[i] = (s[i] & keep) | (t[i] & ~keep);
}

static inline __attribute__((always_inline)) void fsub64(u64 *r, const u64 *a, const u64 *b) {
  u64 d[4], bw = 0;
  for (int i = 0; i < 4; i++) {
    u128 x = (u128)a[i] - b[i] - bw;
    d[i] = (u64)x;
    bw = (u64)(x >> 64) & 1;
  }
  u64 m = 0 - bw, c = 0;
  for (int i = 0; i < 4; i++) {
    u128 x = (u128)d[i] + (Q64[i] & m) + c;
    r[i] = (u64)x;
    c = (u64)(x >> 64);
  }
}

static inline __attribute__((always_inline)) int fzero64(const u64 *a) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

static inline __attribute__((always_inline)) void fneg64(u64 *r, const u64 *a) {
  static const u64 zero[4] = {0, 0, 0, 0};
  fsub64(r, zero, a);
}

static inline __attribute__((always_inline)) void fcopy64(u64 *r, const u64 *a) {
  for (int i = 0; i < 4; i++) r[i] = a[i];
}

/* a^(q−2) by square-and-multiply (once per round). */
static void finv64(u64 *r, const u64 *a) {
  static const u64 E[4] = {0xfffffffeffffffffull, 0x53bda402fffe5bfeull, 0x3339d80809a1d805ull, 0x73eda753299d7d48ull};
  u64 acc[4], one[4];
  u32 one29[NL] = {0x1fffffbau, 0x0000022fu, 0x1cb61180u, 0x0a4e5c00u, 0x0ee8b1a2u, 0x16e6aedfu, 0x1907f8bbu, 0x0853ddf7u, 0x004d043fu};
  to64(one, one29);
  fcopy64(acc, one);
  for (int i = 254; i >= 0; i--) {
    fmul64(acc, acc, acc);
    if ((E[i >> 6] >> (i & 63)) & 1) fmul64(acc, acc, a);
  }
  fcopy64(r, acc);
}
#else
/*
 * Montgomery product a·b·2^−261 mod q, operand-interleaved with lazy carries. −q^−1 ≡ −1
 * (mod 2^29) because q ≡ 1, so the reduction digit is m = −t0 mod 2^29.
 */
static void fmul(u32 *r, const u32 *a, const u32 *b) {
  u64 t[NL] = {0};
  for (int i = 0; i < NL; i++) {
    u64 bi = b[i];
#pragma clang loop unroll(full)
    for (int j = 0; j < NL; j++) t[j] += (u64)a[j] * bi;
    u64 m = (0u - (u32)t[0]) & MASK;
    u64 carry = (t[0] + m) >> 29; /* QM[0] = 1 */
    t[0] = t[1] + m * QM[1] + carry;
#pragma clang loop unroll(full)
    for (int j = 2; j < NL; j++) t[j - 1] = t[j] + m * QM[j];
    t[NL - 1] = 0;
  }
  normalise(r, t);
}

/*
 * Montgomery square: the 45 distinct limb products (cross terms doubled) into 18 lazy accumulators, then
 * nine reduction rounds. Every accumulator stays below 2^63 (≤ 9 products < 2^59, ≤ 9 reduction
 * products < 2^58, plus carries); the result is < 2q before `normalise`. ~25 % fewer multiplications
 * than fmul, and square roots are mostly squarings.
 */
static void fsqr(u32 *r, const u32 *a) {
  u64 t[2 * NL];
#pragma clang loop unroll(full)
  for (int k = 0; k < 2 * NL; k++) t[k] = 0;
#pragma clang loop unroll(full)
  for (int i = 0; i < NL; i++) {
    u64 ai = a[i];
    t[2 * i] += ai * ai;
    u64 a2 = ai << 1;
#pragma clang loop unroll(full)
    for (int j = i + 1; j < NL; j++) t[i + j] += a2 * a[j];
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < NL; i++) {
    u64 m = (0u - (u32)t[i]) & MASK;
    u64 carry = (t[i] + m) >> 29; /* QM[0] = 1 */
#pragma clang loop unroll(full)
    for (int j = 1; j < NL; j++) t[i + j] += m * QM[j];
    t[i + 1] += carry;
  }
  normalise(r, t + NL);
}

#endif

static inline __attribute__((always_inline)) void fcopy(u32 *r, const u32 *a) {
  for (int i = 0; i < NL; i++) r[i] = a[i];
}

/* a^(q−2) = a^−1 (Fermat); once per batch inversion, so plain square-and-multiply. */
#if !defined(__wasm__) && defined(__SIZEOF_INT128__)
static void finv(u32 *r, const u32 *a) {
  u64 x[4];
  to64(x, a);
  finv64(x, x);
  from64(r, x);
}
#else
static void finv(u32 *r, const u32 *a) {
  u32 e[NL];
  u32 two[NL] = {2};
  sub_raw(e, QM, two);
  u32 acc[NL];
  fcopy(acc, ONE);
  for (int i = 29 * NL - 1; i >= 0; i--) {
    fsqr(acc, acc);
    if ((e[i / 29] >> (i % 29)) & 1) fmul(acc, acc, a);
  }
  fcopy(r, acc);
}
#endif

/* Canonical radix-2^29 limbs ↔ 8 little-endian 32-bit words. */
static void pack32(u32 *w, const u32 *l) {
  for (int i = 0; i < 8; i++) w[i] = 0;
  for (int i = 0; i < NL; i++) {
    u32 bit = 29 * i, wi = bit >> 5, sh = bit & 31;
    w[wi] |= l[i] << sh;
    if (sh > 3 && wi < 7) w[wi + 1] |= l[i] >> (32 - sh);
  }
}

EXPORT(salt_fq_to_mont) void salt_fq_to_mont(u32 *r, const u32 *a) { fmul(r, a, R2); }

EXPORT(salt_fq_from_mont) void salt_fq_from_mont(u32 *r, const u32 *a) {
  u32 one[NL] = {1};
  fmul(r, a, one);
}

EXPORT(salt_fq_mul) void salt_fq_mul(u32 *r, const u32 *a, const u32 *b) { fmul(r, a, b); }

/* ---- group law (a = −5) ---------------------------------------------------------------------- */

#define X_(p) (p)
#define Y_(p) ((p) + FE)
#define T_(p) ((p) + 2 * FE)
#define Z_(p) ((p) + 3 * FE)

/* 5·A by additions (cheaper than a Montgomery product). */
static void times5(u32 *r, const u32 *A) {
  u32 t[FE];
  fadd(t, A, A);
  fadd(t, t, t);
  fadd(r, t, A);
}

static void finish(u32 *p, const u32 *e, const u32 *f, const u32 *g, const u32 *h) {
  fmul(X_(p), e, f);
  fmul(Y_(p), g, h);
  fmul(T_(p), e, h);
  fmul(Z_(p), f, g);
}

/* p += (x, y) with td = d·x·y (add-2008-hwcd mixed addition, 8 products). */
static void madd(u32 *p, const u32 *x, const u32 *y, const u32 *td) {
  u32 A[FE], B[FE], C[FE], E[FE], F[FE], G[FE], H[FE], s1[FE], s2[FE];
  fmul(A, X_(p), x);
  fmul(B, Y_(p), y);
  fmul(C, T_(p), td);
  fadd(s1, X_(p), Y_(p));
  fadd(s2, x, y);
  fmul(E, s1, s2);
  fsub(E, E, A);
  fsub(E, E, B);
  fsub(F, Z_(p), C);
  fadd(G, Z_(p), C);
  times5(H, A); /* H = B − a·A = B + 5A */
  fadd(H, H, B);
  finish(p, E, F, G, H);
}

/* r = p + q (both extended; 10 products). r may alias p or q. */
static void padd(u32 *r, const u32 *p, const u32 *q) {
  u32 A[FE], B[FE], C[FE], Dd[FE], E[FE], F[FE], G[FE], H[FE], s1[FE], s2[FE];
  fmul(A, X_(p), X_(q));
  fmul(B, Y_(p), Y_(q));
  fmul(C, T_(p), T_(q));
  fmul(C, C, DM);
  fmul(Dd, Z_(p), Z_(q));
  fadd(s1, X_(p), Y_(p));
  fadd(s2, X_(q), Y_(q));
  fmul(E, s1, s2);
  fsub(E, E, A);
  fsub(E, E, B);
  fsub(F, Dd, C);
  fadd(G, Dd, C);
  times5(H, A);
  fadd(H, H, B);
  finish(r, E, F, G, H);
}

/* r = 2p (dbl-2008-hwcd). */
static void pdbl(u32 *r, const u32 *p) {
  u32 A[FE], B[FE], C[FE], Dd[FE], E[FE], F[FE], G[FE], H[FE], s[FE];
  fsqr(A, X_(p));
  fsqr(B, Y_(p));
  fsqr(C, Z_(p));
  fadd(C, C, C);
  times5(Dd, A);
  fneg(Dd, Dd); /* a·A = −5A */
  fadd(s, X_(p), Y_(p));
  fsqr(E, s);
  fsub(E, E, A);
  fsub(E, E, B);
  fadd(G, Dd, B);
  fsub(F, G, C);
  fsub(H, Dd, B);
  finish(r, E, F, G, H);
}

EXPORT(salt_point_add) void salt_point_add(u32 *r, const u32 *p, const u32 *q) { padd(r, p, q); }

EXPORT(salt_point_double) void salt_point_double(u32 *r, const u32 *p) { pdbl(r, p); }

/* ---- batch inversion ------------------------------------------------------------------------- */

/*
 * Invert n field elements found `stride` words apart starting at `v`, in place, with one Fermat
 * inversion (Montgomery's trick); zeros stay zero. `scratch` holds n prefix products.
 */
static void batch_inv(u32 *v, u32 n, u32 stride, u32 *scratch) {
  u32 acc[FE];
  fcopy(acc, ONE);
  for (u32 i = 0; i < n; i++) {
    fcopy(scratch + FE * i, acc);
    if (!fzero(v + i * stride)) fmul(acc, acc, v + i * stride);
  }
  u32 inv[FE], t[FE];
  finv(inv, acc);
  for (u32 i = n; i-- > 0;) {
    u32 *x = v + i * stride;
    if (fzero(x)) continue;
    fmul(t, inv, scratch + FE * i);
    fmul(inv, inv, x);
    fcopy(x, t);
  }
}

/* ---- fixed-base tables and products (short Weierstrass, affine) -------------------------------- */

/*
 * Fixed-base products run on the short Weierstrass model of the curve in affine coordinates, all jobs
 * of a batch advancing one window per round with one shared inversion per round (Montgomery's trick):
 * an addition costs 5 products + 1 square + the batch inversion's 3 products, against 8 products (and
 * twice the additions) for the mixed twisted-Edwards addition used before, and a table entry is (X, Y),
 * 18 words instead of 27. The profile of a 100k-key batch had 87 % of the CPU in the fixed-base
 * products, 70 % of that in fmul.
 *
 * Maps: twisted Edwards (x, y) → Montgomery u = (1 + y)/(1 − y), v = u/x, with A = 2(a + d)/(a − d)
 * and B = 4/(a − d) (B is not a square, so the Weierstrass model rather than a scaled Montgomery one);
 * Montgomery → Weierstrass X = u/B + A/(3B), Y = v/B. Back: u = B·X − A/3, v = B·Y, x = u/v,
 * y = (u − 1)/(u + 1), which in extended coordinates needs no inversion (w_to_ext).
 */
#define WE (2 * FE) /* words per Weierstrass table entry */
/* 1/B, A/(3B), B and A/3, Montgomery form (derived with BigInt from a = −5 and d). */
static const u32 W_BINV[NL] = {0x02e9c6ddu, 0x08c4b646u, 0x0041596eu, 0x08c4832bu, 0x0ea2dab0u,
                               0x11f15dd8u, 0x04dff023u, 0x032ab6e7u, 0x006be15eu};
static const u32 W_A3B[NL] = {0x1364268eu, 0x1a2782c6u, 0x19d2fc0bu, 0x14dfc5e1u, 0x031045f3u,
                              0x05e6a79du, 0x1d49b07eu, 0x04ccd0d2u, 0x001f9351u};
static const u32 W_B[NL] = {0x05960b8fu, 0x0cec445cu, 0x16f8ae47u, 0x07b8c3c8u, 0x1a6f6877u,
                            0x171deba2u, 0x160d2a3bu, 0x1bdbca1cu, 0x0006a7f2u};
static const u32 W_A3[NL] = {0x0c05ececu, 0x0a76373eu, 0x0629d19eu, 0x12352d06u, 0x1cd630b3u,
                             0x00e30781u, 0x15058b5cu, 0x01144edau, 0x00357d93u};

/* The extended Edwards point of the Weierstrass affine point (X, ±Y): (u(u+1), (u−1)v, u(u−1), v(u+1)). */
static void w_to_ext(u32 *p, const u32 *X, const u32 *Y, int neg) {
  u32 u[FE], v[FE], up[FE], um[FE];
  fmul(u, X, W_B);
  fsub(u, u, W_A3);
  fmul(v, Y, W_B);
  if (neg) fneg(v, v);
  fadd(up, u, ONE);
  fsub(um, u, ONE);
  fmul(X_(p), u, up);
  fmul(Y_(p), um, v);
  fmul(T_(p), u, um);
  fmul(Z_(p), v, up);
}

/*
 * Fill the table of one generator: for window j < nwin and digit m ∈ [1, 2^(w−1)], the Weierstrass
 * affine point m·2^(w·j)·G. Signed digits halve the table (−P is (X, −Y)). `g` is an extended point;
 * `scratch` needs nwin·2^(w−1)·(PT + FE) words.
 */
EXPORT(salt_table_build) void salt_table_build(u32 *tbl, const u32 *g, u32 w, u32 nwin, u32 *scratch) {
  u32 half = 1u << (w - 1);
  u32 n = nwin * half;
  u32 *pts = scratch;          /* n extended points */
  u32 *pre = scratch + PT * n; /* n prefix products */
  u32 base[PT];
  for (int i = 0; i < PT; i++) base[i] = g[i];
  for (u32 j = 0; j < nwin; j++) {
    u32 *row = pts + PT * j * half;
    for (int i = 0; i < PT; i++) row[i] = base[i];
    for (u32 m = 1; m < half; m++) padd(row + PT * m, row + PT * (m - 1), base);
    pdbl(base, row + PT * (half - 1)); /* 2·half·B = 2^w·B, the next window's base */
  }
  /*
   * u = (Z + Y)/(Z − Y) and v = u·Z/X share the denominator (Z − Y)·X, parked in T (not needed):
   * X ← (Z + Y)·X, Y ← (Z + Y)·Z; one inversion for the whole table.
   */
  for (u32 k = 0; k < n; k++) {
    u32 *p = pts + PT * k;
    u32 s[FE], d[FE];
    fadd(s, Z_(p), Y_(p));
    fsub(d, Z_(p), Y_(p));
    fmul(T_(p), d, X_(p));
    fmul(X_(p), s, X_(p));
    fmul(Y_(p), s, Z_(p));
  }
  batch_inv(pts + 2 * FE, n, PT, pre);
  for (u32 k = 0; k < n; k++) {
    u32 *p = pts + PT * k;
    u32 *e = tbl + WE * k;
    u32 i[FE];
    fmul(i, T_(p), W_BINV);
    fmul(e, X_(p), i);
    fadd(e, e, W_A3B);
    fmul(e + FE, Y_(p), i);
  }
}

/* Signed w-bit digits of a canonical scalar (< r < 2^253): d_j ∈ [−2^(w−1), 2^(w−1)], Σ d_j·2^(w·j) = k. */
static void recode(short *dig, const u32 *s, u32 w, u32 nwin) {
  u32 half = 1u << (w - 1), mask = (1u << w) - 1, carry = 0;
  for (u32 j = 0; j < nwin; j++) {
    u32 bit = j * w, wi = bit >> 5, sh = bit & 31;
    u32 bits = wi < 8 ? s[wi] >> sh : 0;
    if (sh + w > 32 && wi < 7) bits |= s[wi + 1] << (32 - sh);
    u32 d = (bits & mask) + carry;
    carry = d > half;
    dig[j] = (short)(carry ? (int)d - (int)(1u << w) : (int)d);
  }
}

/* Jobs of the last salt_mul_batch that met the affine formula's exceptional case (tests read it). */
static THREAD_LOCAL u32 last_flagged;
EXPORT(salt_mul_batch_flagged) u32 salt_mul_batch_flagged(void) { return last_flagged; }
/*
 * For scalars < 2^253 the case cannot happen on the prime-order part (|partial sum| < |entry| in every
 * round), so tests force it on one job index to exercise the fallback; ~0 = off.
 */
static THREAD_LOCAL u32 force_flag_job = 0xffffffffu;
EXPORT(salt_mul_batch_force_flag) void salt_mul_batch_force_flag(u32 job) { force_flag_job = job; }

/* Per-job words of the affine rounds: running sum X, Y, then den, dy, sx and the prefix product. */
#define JW (6 * FE)
enum { J_FRESH = 1, J_RUN = 2, J_FLAG = 3 };

/* Scratch words salt_mul_batch needs (layout below). */
static u32 mul_scratch_words(u32 njobs, u32 nacc, u32 nwin) {
  return JW * njobs + (njobs * nwin + 1) / 2 + (njobs + 3) / 4 + 3 * njobs + (nacc + 3) / 4 + nacc + 2 * FE * nacc;
}

EXPORT(salt_mul_batch_scratch) u32 salt_mul_batch_scratch(u32 njobs, u32 nacc, u32 nwin) {
  return 4 * mul_scratch_words(njobs, nacc, nwin);
}

/*
 * Run `njobs` fixed-base jobs: accs[job.acc] += job.scalar·G[job.gen]; generator tables are laid out
 * consecutively (nwin·2^(w−1) entries each). With at least `min_affine` non-zero jobs every job's
 * product k·G is summed in affine rounds (window j of all jobs, one inversion), then added to its
 * accumulator in job order; below that (the inversion per round would dominate) or for a job whose
 * running sum meets ±entry (x equal: an exceptional case of the affine formula), each entry is
 * converted to extended coordinates and added directly. Every accumulator that received a job is
 * returned normalised (Z = 1, one inversion), so its words are the same whichever path or split of
 * the batch computed it. Returns the number of jobs with a non-zero scalar.
 *
 * The rounds visit the jobs grouped by generator (a counting sort into work slots): a round then
 * reads one 2^(w−1)-entry row of each generator's table at a time from cache, where job order
 * (grouped by accumulator) missed the cache on almost every entry of the 100–250 MB of tables.
 */
EXPORT(salt_mul_batch)
u32 salt_mul_batch(const u32 *tables, u32 w, u32 nwin, u32 *accs, u32 nacc, const u32 *jobs, u32 njobs, u32 min_affine,
                   u32 *scratch) {
  u32 half = 1u << (w - 1);
  u32 per = WE * nwin * half;
  u32 *work = scratch;                                    /* per slot: JW words */
  short *dig = (short *)(work + JW * njobs);              /* per slot: nwin digits */
  unsigned char *st = (unsigned char *)(work + JW * njobs + (njobs * nwin + 1) / 2); /* per slot */
  u32 *act = work + JW * njobs + (njobs * nwin + 1) / 2 + (njobs + 3) / 4;          /* slots of a round */
  u32 *order = act + njobs;                               /* slot → job */
  u32 *pos = order + njobs;                               /* job → slot (nonzero jobs) */
  unsigned char *mark = (unsigned char *)(pos + njobs);
  u32 *list = pos + njobs + (nacc + 3) / 4;
  u32 *zs = list + nacc;
  /* Counting sort of the non-zero jobs by generator. */
  u32 cnt[257];
  for (int g = 0; g < 257; g++) cnt[g] = 0;
  for (u32 k = 0; k < njobs; k++) {
    const u32 *s = jobs + 10 * k + 2;
    u32 nz = 0;
    for (int i = 0; i < 8; i++) nz |= s[i];
    pos[k] = nz ? 0 : 0xffffffffu;
    if (nz) cnt[(jobs[10 * k + 1] & 255) + 1]++;
  }
  for (int g = 0; g < 256; g++) cnt[g + 1] += cnt[g];
  u32 count = cnt[256];
  last_flagged = 0;
  for (u32 k = 0; k < njobs; k++) {
    if (pos[k]) continue;
    u32 i = cnt[jobs[10 * k + 1] & 255]++;
    pos[k] = i;
    order[i] = k;
    st[i] = J_FRESH;
    recode(dig + nwin * i, jobs + 10 * k + 2, w, nwin);
  }
#if !defined(__wasm__) && defined(__SIZEOF_INT128__)
  /* Native: the rounds on 4×64 limbs (a job's slot holds X, Y, den, dy, sx, pre as u64[4] each: 48 of its 54 words). */
  if (count >= min_affine) {
    for (u32 j = 0; j < nwin; j++) {
      u32 n = 0;
      u64 acc[4];
      to64(acc, ONE);
      for (u32 i = 0; i < count; i++) {
        if (st[i] == J_FLAG) continue;
        int d = dig[nwin * i + j];
        if (!d) continue;
        const u32 *e = tables + per * jobs[10 * order[i] + 1] + WE * (j * half + (u32)(d < 0 ? -d : d) - 1);
        u64 *R = (u64 *)(work + JW * i), *den = R + 8, *dy = R + 12, *sx = R + 16, *pre = R + 20;
        u64 ex[4], ey[4];
        to64(ex, e);
        to64(ey, e + FE);
        if (d < 0) fneg64(ey, ey);
        if (st[i] == J_FRESH) {
          fcopy64(R, ex);
          fcopy64(R + 4, ey);
          st[i] = J_RUN;
          continue;
        }
        fsub64(den, ex, R);
        if (fzero64(den) || order[i] == force_flag_job) {
          st[i] = J_FLAG;
          last_flagged++;
          continue;
        }
        fsub64(dy, ey, R + 4);
        fadd64(sx, R, ex);
        fcopy64(pre, acc);
        fmul64(acc, acc, den);
        act[n++] = i;
      }
      if (!n) continue;
      u64 inv[4];
      finv64(inv, acc);
      for (u32 m = n; m-- > 0;) {
        u64 *R = (u64 *)(work + JW * act[m]), *den = R + 8, *dy = R + 12, *sx = R + 16, *pre = R + 20;
        u64 ik[4], lam[4], x3[4], t[4];
        fmul64(ik, inv, pre);
        fmul64(inv, inv, den);
        fmul64(lam, dy, ik);
        fmul64(x3, lam, lam);
        fsub64(x3, x3, sx);
        fsub64(t, R, x3);
        fmul64(t, lam, t);
        fsub64(R + 4, t, R + 4);
        fcopy64(R, x3);
      }
    }
    /* Running sums back to the word layout the accumulation below reads. */
    for (u32 i = 0; i < count; i++) {
      if (st[i] != J_RUN) continue;
      u64 X[4], Y[4];
      u64 *R = (u64 *)(work + JW * i);
      fcopy64(X, R);
      fcopy64(Y, R + 4);
      from64(work + JW * i, X);
      from64(work + JW * i + FE, Y);
    }
  }
#else
  if (count >= min_affine) {
    for (u32 j = 0; j < nwin; j++) {
      u32 n = 0;
      u32 acc[FE], ny[FE];
      fcopy(acc, ONE);
      for (u32 i = 0; i < count; i++) {
        if (st[i] == J_FLAG) continue;
        int d = dig[nwin * i + j];
        if (!d) continue;
        const u32 *e = tables + per * jobs[10 * order[i] + 1] + WE * (j * half + (u32)(d < 0 ? -d : d) - 1);
        u32 *R = work + JW * i, *den = R + 2 * FE, *dy = R + 3 * FE, *sx = R + 4 * FE, *pre = R + 5 * FE;
        const u32 *ey = e + FE;
        if (d < 0) {
          fneg(ny, e + FE);
          ey = ny;
        }
        if (st[i] == J_FRESH) {
          fcopy(R, e);
          fcopy(R + FE, ey);
          st[i] = J_RUN;
          continue;
        }
        fsub(den, e, R);
        if (fzero(den) || order[i] == force_flag_job) {
          st[i] = J_FLAG;
          last_flagged++;
          continue;
        }
        fsub(dy, ey, R + FE);
        fadd(sx, R, e);
        fcopy(pre, acc);
        fmul(acc, acc, den);
        act[n++] = i;
      }
      if (!n) continue;
      u32 inv[FE];
      finv(inv, acc);
      for (u32 m = n; m-- > 0;) {
        u32 *R = work + JW * act[m], *den = R + 2 * FE, *dy = R + 3 * FE, *sx = R + 4 * FE, *pre = R + 5 * FE;
        u32 ik[FE], lam[FE], x3[FE], t[FE];
        fmul(ik, inv, pre);
        fmul(inv, inv, den);
        fmul(lam, dy, ik); /* λ = (y2 − y1)/(x2 − x1) */
        fsqr(x3, lam);
        fsub(x3, x3, sx); /* x3 = λ² − x1 − x2 */
        fsub(t, R, x3);
        fmul(t, lam, t);
        fsub(R + FE, t, R + FE); /* y3 = λ(x1 − x3) − y1 */
        fcopy(R, x3);
      }
    }
  }
#endif
  /* Into the accumulators, in job order. */
  for (u32 a = 0; a < nacc; a++) mark[a] = 0;
  u32 nt = 0;
  u32 tmp[PT];
  for (u32 k = 0; k < njobs; k++) {
    u32 i = pos[k];
    if (i == 0xffffffffu) continue;
    u32 a = jobs[10 * k];
    u32 *acc = accs + PT * a;
    if (!mark[a]) {
      mark[a] = 1;
      list[nt++] = a;
    }
    if (st[i] == J_RUN) {
      const u32 *R = work + JW * i;
      w_to_ext(tmp, R, R + FE, 0);
      padd(acc, acc, tmp);
      continue;
    }
    const u32 *tbl = tables + per * jobs[10 * k + 1];
    for (u32 j = 0; j < nwin; j++) {
      int d = dig[nwin * i + j];
      if (!d) continue;
      const u32 *e = tbl + WE * (j * half + (u32)(d < 0 ? -d : d) - 1);
      w_to_ext(tmp, e, e + FE, d < 0);
      padd(acc, acc, tmp);
    }
  }
  /* Normalise the touched accumulators to Z = 1 (x, y, xy, 1). */
  for (u32 i = 0; i < nt; i++) fcopy(zs + FE * i, Z_(accs + PT * list[i]));
  batch_inv(zs, nt, FE, zs + FE * nacc);
  for (u32 i = 0; i < nt; i++) {
    u32 *p = accs + PT * list[i];
    fmul(X_(p), X_(p), zs + FE * i);
    fmul(Y_(p), Y_(p), zs + FE * i);
    fmul(T_(p), X_(p), Y_(p));
    fcopy(Z_(p), ONE);
  }
  return count;
}

/* ---- map_to_scalar, affine output ------------------------------------------------------------- */

/*
 * out[i] = (x/y mod q) mod r for n extended points (x/y = X/Y, so Z is not needed), as 8 canonical
 * little-endian words. One inversion for the whole batch; `scratch` needs 2·FE·n words.
 */
EXPORT(salt_map_to_scalar_batch)
void salt_map_to_scalar_batch(const u32 *pts, u32 n, u32 *out, u32 *scratch) {
  u32 *ys = scratch;
  u32 *pre = scratch + FE * n;
  for (u32 i = 0; i < n; i++) fcopy(ys + FE * i, Y_(pts + PT * i));
  batch_inv(ys, n, FE, pre);
  u32 one[FE] = {1};
  for (u32 i = 0; i < n; i++) {
    u32 t[FE];
    fmul(t, X_(pts + PT * i), ys + FE * i);
    fmul(t, t, one);
    while (geq(t, RM)) sub_raw(t, t, RM);
    pack32(out + 8 * i, t);
  }
}

/* Affine (x, y) of n extended points as canonical radix-2^29 limbs (2·FE words each). */
EXPORT(salt_to_affine_batch) void salt_to_affine_batch(const u32 *pts, u32 n, u32 *out, u32 *scratch) {
  u32 *zs = scratch;
  u32 *pre = scratch + FE * n;
  for (u32 i = 0; i < n; i++) fcopy(zs + FE * i, Z_(pts + PT * i));
  batch_inv(zs, n, FE, pre);
  u32 one[FE] = {1};
  for (u32 i = 0; i < n; i++) {
    u32 t[FE];
    fmul(t, X_(pts + PT * i), zs + FE * i);
    fmul(out + 2 * FE * i, t, one);
    fmul(t, Y_(pts + PT * i), zs + FE * i);
    fmul(out + 2 * FE * i + FE, t, one);
  }
}

/* ---- square roots and point decompression ---------------------------------------------------- */

/*
 * Witness verification decompresses every path commitment: a Legendre symbol (the Banderwagon subgroup
 * check) and a square root each. In BigInt JS that was 60 % of `mevmc validate`. q − 1 = 2^32·t (t odd),
 * so Tonelli–Shanks' loop would cost up to ~500 squarings; instead the 2-adic discrete logarithm of a^t
 * is read off 8 bits at a time from precomputed tables (Pohlig–Hellman with 256-entry tables, as in
 * Sarkar's method): 24 squarings and ~10 products after one exponentiation.
 */
/* (t − 1)/2 as 7 little-endian words (222 bits). */
static const u32 EHALF[7] = {0x7fffffffu, 0x7fff2dffu, 0xa9ded201u, 0x04d0ec02u, 0x199cec04u, 0x94cebea4u, 0x39f6d3a9u};
/* c = 5^t (5 is the least quadratic non-residue mod q): a primitive 2^32-th root of unity, Montgomery form. */
static const u32 ROOT2[NL] = {0x02fe8f6fu, 0x0b6d5c94u, 0x02883125u, 0x0a871953u, 0x148490cau,
                              0x16c01ffdu, 0x0dd91b7bu, 0x11187a43u, 0x002f1515u};
/* (q − 1)/2, canonical: v is "positive" (Banderwagon) iff v > (q − 1)/2. */
static const u32 HALFQ[NL] = {0x00000000u, 0x1ffffffcu, 0x1fcb7fdfu, 0x1da402ffu, 0x0ec02a9du,
                              0x16020268u, 0x1a906673u, 0x153299d7u, 0x0039f6d3u};

/* Words of the square-root tables: NEG_k[j] = c^(−j·2^(8k)) for k < 4, then POS[j] = c^(j·2^24), j < 256. */
#define SQRT_TABLE_WORDS (5 * 256 * FE)

static int feq(const u32 *a, const u32 *b) {
  u32 x = 0;
  for (int i = 0; i < NL; i++) x |= a[i] ^ b[i];
  return x == 0;
}

#if !defined(__wasm__) && defined(__SIZEOF_INT128__)
/* Native: exponentiations stay on 4×64 limbs between their first and last step. */
static void fsqn(u32 *r, const u32 *a, int n) {
  u64 x[4];
  to64(x, a);
  for (int i = 0; i < n; i++) fmul64(x, x, x);
  from64(r, x);
}
#else
static void fsqn(u32 *r, const u32 *a, int n) {
  fcopy(r, a);
  for (int i = 0; i < n; i++) fsqr(r, r);
}
#endif

EXPORT(salt_sqrt_init) void salt_sqrt_init(u32 *tbl) {
  u32 base[NL];
  finv(base, ROOT2);
  for (int k = 0; k < 4; k++) {
    u32 *row = tbl + 256 * FE * k;
    fcopy(row, ONE);
    for (int j = 1; j < 256; j++) fmul(row + FE * j, row + FE * (j - 1), base);
    fsqn(base, base, 8);
  }
  u32 h[NL];
  fsqn(h, ROOT2, 24); /* order 256 */
  u32 *pos = tbl + 4 * 256 * FE;
  fcopy(pos, ONE);
  for (int j = 1; j < 256; j++) fmul(pos + FE * j, pos + FE * (j - 1), h);
}

/* j with POS[j] = x, or −1 (elements are fully reduced, so equality is limb equality). */
static int lookup256(const u32 *pos, const u32 *x) {
  for (int j = 0; j < 256; j++) {
    if (pos[FE * j] == x[0] && feq(pos + FE * j, x)) return j;
  }
  return -1;
}

/* a^((t − 1)/2) with a fixed 4-bit window. */
#if !defined(__wasm__) && defined(__SIZEOF_INT128__)
static void pow_ehalf(u32 *r, const u32 *a) {
  u64 tab[16][4], acc[4];
  to64(tab[0], ONE);
  to64(tab[1], a);
  for (int i = 2; i < 16; i++) fmul64(tab[i], tab[i - 1], tab[1]);
  fcopy64(acc, tab[0]);
  for (int i = 55; i >= 0; i--) {
    if (i != 55) {
      fmul64(acc, acc, acc);
      fmul64(acc, acc, acc);
      fmul64(acc, acc, acc);
      fmul64(acc, acc, acc);
    }
    u32 nib = (EHALF[i >> 3] >> (4 * (i & 7))) & 15;
    if (nib) fmul64(acc, acc, tab[nib]);
  }
  from64(r, acc);
}
#else
static void pow_ehalf(u32 *r, const u32 *a) {
  u32 tab[16][NL];
  fcopy(tab[0], ONE);
  fcopy(tab[1], a);
  for (int i = 2; i < 16; i++) fmul(tab[i], tab[i - 1], a);
  u32 acc[NL];
  fcopy(acc, ONE);
  for (int i = 55; i >= 0; i--) {
    if (i != 55) {
      fsqr(acc, acc);
      fsqr(acc, acc);
      fsqr(acc, acc);
      fsqr(acc, acc);
    }
    u32 nib = (EHALF[i >> 3] >> (4 * (i & 7))) & 15;
    if (nib) fmul(acc, acc, tab[nib]);
  }
  fcopy(r, acc);
}
#endif

/* m with b = c^m (b of order dividing 2^32), or −1 if b is not in <c> (cannot happen for b = a^t ≠ 0). */
static long long dlog32(const u32 *tbl, const u32 *b) {
  const u32 *n0 = tbl, *n1 = tbl + 256 * FE, *n2 = tbl + 512 * FE, *pos = tbl + 1024 * FE;
  u32 b8[NL], b16[NL], b24[NL], t[NL];
  fsqn(b8, b, 8);
  fsqn(b16, b8, 8);
  fsqn(b24, b16, 8);
  int m0 = lookup256(pos, b24);
  if (m0 < 0) return -1;
  fmul(t, b16, n2 + FE * m0);
  int m1 = lookup256(pos, t);
  if (m1 < 0) return -1;
  fmul(t, b8, n1 + FE * m0);
  fmul(t, t, n2 + FE * m1);
  int m2 = lookup256(pos, t);
  if (m2 < 0) return -1;
  fmul(t, b, n0 + FE * m0);
  fmul(t, t, n1 + FE * m1);
  fmul(t, t, n2 + FE * m2);
  int m3 = lookup256(pos, t);
  if (m3 < 0) return -1;
  return (long long)m0 | ((long long)m1 << 8) | ((long long)m2 << 16) | ((long long)m3 << 24);
}

/* r = √a (some root) and 1, or 0 if a is not a square. */
static int fsqrt(const u32 *tbl, u32 *r, const u32 *a) {
  if (fzero(a)) {
    for (int i = 0; i < NL; i++) r[i] = 0;
    return 1;
  }
  u32 w[NL], s[NL], b[NL];
  pow_ehalf(w, a);
  fmul(s, w, a); /* a^((t+1)/2) */
  fmul(b, w, s); /* a^t = c^m; a is a square iff m is even */
  long long m = dlog32(tbl, b);
  if (m < 0 || (m & 1)) return 0;
  u32 k = (u32)(m >> 1);
  for (int i = 0; i < 4; i++) fmul(s, s, tbl + 256 * FE * i + FE * ((k >> (8 * i)) & 255));
  fcopy(r, s); /* s² = a·c^m·c^−m */
  return 1;
}

EXPORT(salt_fq_sqrt) u32 salt_fq_sqrt(const u32 *tbl, u32 *r, const u32 *a) { return (u32)fsqrt(tbl, r, a); }

/*
 * Is a (Montgomery) a square? The Jacobi symbol by the binary algorithm on 4×64-bit words (wasm has
 * native i64): ~5 µs, a third of an exponentiation. Zero counts as a square (as in field.ts).
 */
static int fissquare(const u32 *am) {
  u32 l[NL], one[NL] = {1};
  fmul(l, am, one); /* canonical */
  u64 a[4] = {0, 0, 0, 0}, n[4] = {0, 0, 0, 0};
  for (int i = 0; i < NL; i++) {
    u32 bit = 29 * i, wi = bit >> 6, sh = bit & 63;
    a[wi] |= (u64)l[i] << sh;
    if (sh > 35 && wi < 3) a[wi + 1] |= (u64)l[i] >> (64 - sh);
    n[wi] |= (u64)QM[i] << sh;
    if (sh > 35 && wi < 3) n[wi + 1] |= (u64)QM[i] >> (64 - sh);
  }
  if ((a[0] | a[1] | a[2] | a[3]) == 0) return 1;
  int t = 1;
  for (;;) {
    /* a ≠ 0: strip factors of two; (2/n) = −1 iff n ≡ 3, 5 (mod 8). */
    int z = 0;
    while (a[0] == 0) {
      a[0] = a[1];
      a[1] = a[2];
      a[2] = a[3];
      a[3] = 0;
      z += 64;
    }
    int tz = __builtin_ctzll(a[0]);
    if (tz) {
      a[0] = (a[0] >> tz) | (a[1] << (64 - tz));
      a[1] = (a[1] >> tz) | (a[2] << (64 - tz));
      a[2] = (a[2] >> tz) | (a[3] << (64 - tz));
      a[3] >>= tz;
    }
    z += tz;
    if (z & 1) {
      u32 r = (u32)n[0] & 7;
      if (r == 3 || r == 5) t = -t;
    }
    /* Both odd: if a < n swap them (reciprocity flips the sign when both are ≡ 3 mod 4), then a −= n. */
    int lt = 0;
    for (int i = 3; i >= 0; i--) {
      if (a[i] != n[i]) {
        lt = a[i] < n[i];
        break;
      }
    }
    if (lt) {
      for (int i = 0; i < 4; i++) {
        u64 x = a[i];
        a[i] = n[i];
        n[i] = x;
      }
      if ((a[0] & 3) == 3 && (n[0] & 3) == 3) t = -t;
    }
    u64 borrow = 0;
    for (int i = 0; i < 4; i++) {
      u64 d = a[i] - n[i] - borrow;
      borrow = (a[i] < n[i]) || (a[i] - n[i] < borrow);
      a[i] = d;
    }
    if ((a[0] | a[1] | a[2] | a[3]) == 0) break;
  }
  return n[0] == 1 && (n[1] | n[2] | n[3]) == 0 && t == 1;
}

/*
 * Banderwagon `from_bytes` for n 32-byte big-endian encodings: x < q, 1 − a·x² a square (the subgroup
 * check), y = √((1 − a·x²)/(1 − d·x²)) made positive. out: n extended points (Montgomery, Z = 1);
 * ok[i] = 1 for a valid encoding, else 0 (its point is left as the identity). The denominators share
 * one inversion. scratch: 2·FE·n words.
 */
EXPORT(salt_decompress_batch)
void salt_decompress_batch(const u32 *tbl, const unsigned char *in, u32 n, u32 *out, unsigned char *ok, u32 *scratch) {
  u32 *den = scratch, *pre = scratch + FE * n;
  for (u32 i = 0; i < n; i++) {
    const unsigned char *e = in + 32 * i;
    u32 *p = out + PT * i;
    u32 xl[NL];
    for (int k = 0; k < NL; k++) xl[k] = 0;
    for (int b = 0; b < 256; b++) {
      u32 bit = (e[31 - (b >> 3)] >> (b & 7)) & 1;
      xl[b / 29] |= bit << (b % 29);
    }
    ok[i] = !geq(xl, QM);
    if (!ok[i]) {
      for (int k = 0; k < FE; k++) den[FE * i + k] = 0;
      continue;
    }
    u32 x2[NL], t[NL];
    fmul(X_(p), xl, R2);
    fmul(x2, X_(p), X_(p));
    times5(t, x2);
    fadd(Y_(p), ONE, t); /* num = 1 − a·x² = 1 + 5x², parked in Y */
    fmul(t, DM, x2);
    fsub(den + FE * i, ONE, t);
    if (fzero(den + FE * i)) ok[i] = 0;
  }
  batch_inv(den, n, FE, pre);
  u32 one[NL] = {1};
  for (u32 i = 0; i < n; i++) {
    u32 *p = out + PT * i;
    if (ok[i] && !fissquare(Y_(p))) ok[i] = 0;
    u32 y2[NL], y[NL], yc[NL];
    if (ok[i]) {
      fmul(y2, Y_(p), den + FE * i);
      if (!fsqrt(tbl, y, y2)) ok[i] = 0;
    }
    if (!ok[i]) {
      for (int k = 0; k < PT; k++) p[k] = 0;
      fcopy(Y_(p), ONE);
      fcopy(Z_(p), ONE);
      continue;
    }
    fmul(yc, y, one);
    if (!(geq(yc, HALFQ) && !feq(yc, HALFQ))) fneg(y, y);
    fcopy(Y_(p), y);
    fmul(T_(p), X_(p), y);
    fcopy(Z_(p), ONE);
  }
}

/* ---- variable-base multi-scalar multiplication --------------------------------------------------- */

/*
 * Affine table entries (x, y, d·x·y) of n extended points, one inversion (the bases of salt_msm).
 * scratch: 2·FE·n words.
 */
EXPORT(salt_to_entries) void salt_to_entries(const u32 *pts, u32 n, u32 *out, u32 *scratch) {
  u32 *zs = scratch, *pre = scratch + FE * n;
  for (u32 i = 0; i < n; i++) fcopy(zs + FE * i, Z_(pts + PT * i));
  batch_inv(zs, n, FE, pre);
  for (u32 i = 0; i < n; i++) {
    u32 *e = out + EN * i;
    fmul(e, X_(pts + PT * i), zs + FE * i);
    fmul(e + FE, Y_(pts + PT * i), zs + FE * i);
    fmul(e + 2 * FE, e, e + FE);
    fmul(e + 2 * FE, e + 2 * FE, DM);
  }
}

static void set_identity(u32 *p) {
  for (int k = 0; k < PT; k++) p[k] = 0;
  fcopy(Y_(p), ONE);
  fcopy(Z_(p), ONE);
}

/*
 * out = Σ k_i·P_i (Pippenger's bucket method with signed c-bit digits, so 2^(c−1) buckets per window).
 * entries: n affine entries (salt_to_entries); scalars: n × 8 canonical words, each < 2^253 (reduced mod r).
 * scratch: 2^(c−1)·PT words of buckets, then n·⌈254/c⌉ 16-bit digits.
 */
EXPORT(salt_msm)
void salt_msm(u32 *out, const u32 *entries, const u32 *scalars, u32 n, u32 c, u32 *scratch) {
  u32 half = 1u << (c - 1);
  u32 mask = (1u << c) - 1;
  u32 nwin = (254 + c - 1) / c;
  u32 *buckets = scratch;
  short *dig = (short *)(scratch + half * PT);
  for (u32 i = 0; i < n; i++) {
    const u32 *s = scalars + 8 * i;
    u32 carry = 0;
    for (u32 j = 0; j < nwin; j++) {
      u32 bit = j * c, wi = bit >> 5, sh = bit & 31;
      u32 bits = wi < 8 ? s[wi] >> sh : 0;
      if (sh + c > 32 && wi < 7) bits |= s[wi + 1] << (32 - sh);
      u32 d = (bits & mask) + carry;
      if (d > half) {
        dig[i * nwin + j] = (short)((int)d - (int)(1u << c));
        carry = 1;
      } else {
        dig[i * nwin + j] = (short)d;
        carry = 0;
      }
    }
  }
  u32 acc[PT], sum[PT], run[PT], nx[FE], ntd[FE];
  set_identity(acc);
  for (int j = (int)nwin - 1; j >= 0; j--) {
    if (j != (int)nwin - 1)
      for (u32 k = 0; k < c; k++) pdbl(acc, acc);
    for (u32 b = 0; b < half; b++) set_identity(buckets + PT * b);
    for (u32 i = 0; i < n; i++) {
      int d = dig[i * nwin + j];
      const u32 *e = entries + EN * i;
      if (d > 0) {
        madd(buckets + PT * (d - 1), e, e + FE, e + 2 * FE);
      } else if (d < 0) {
        fneg(nx, e);
        fneg(ntd, e + 2 * FE);
        madd(buckets + PT * (-d - 1), nx, e + FE, ntd);
      }
    }
    /* Σ_b (b+1)·bucket_b by running sums from the top bucket down. */
    set_identity(sum);
    set_identity(run);
    for (int b = (int)half - 1; b >= 0; b--) {
      padd(sum, sum, buckets + PT * b);
      padd(run, run, sum);
    }
    padd(acc, acc, run);
  }
  for (int k = 0; k < PT; k++) out[k] = acc[k];
}

/* ---- kv_hash: BLAKE3 of short inputs, reduced mod r -------------------------------------------- */

/*
 * BLAKE3 (single chunk, ≤ 1024 bytes: a SaltValue's key ‖ value is at most 92), written from the
 * BLAKE3 specification. In JavaScript the hash of a slot dominated the per-key cost (~10 µs); here
 * it is well under a microsecond, and the result comes out as scalar words ready for a job.
 */
static const u32 B3_IV[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                             0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
static const unsigned char B3_PERM[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

static u32 rotr(u32 x, int n) { return (x >> n) | (x << (32 - n)); }

static void b3_g(u32 *s, int a, int b, int c, int d, u32 mx, u32 my) {
  s[a] = s[a] + s[b] + mx;
  s[d] = rotr(s[d] ^ s[a], 16);
  s[c] = s[c] + s[d];
  s[b] = rotr(s[b] ^ s[c], 12);
  s[a] = s[a] + s[b] + my;
  s[d] = rotr(s[d] ^ s[a], 8);
  s[c] = s[c] + s[d];
  s[b] = rotr(s[b] ^ s[c], 7);
}

/* Compress one block into the chaining value `cv` (chunk counter 0). */
static void b3_compress(u32 *cv, const u32 *block, u32 len, u32 flags) {
  u32 s[16], m[16], t[16];
  for (int i = 0; i < 8; i++) s[i] = cv[i];
  for (int i = 0; i < 4; i++) s[8 + i] = B3_IV[i];
  s[12] = 0;
  s[13] = 0;
  s[14] = len;
  s[15] = flags;
  for (int i = 0; i < 16; i++) m[i] = block[i];
  for (int r = 0; r < 7; r++) {
    b3_g(s, 0, 4, 8, 12, m[0], m[1]);
    b3_g(s, 1, 5, 9, 13, m[2], m[3]);
    b3_g(s, 2, 6, 10, 14, m[4], m[5]);
    b3_g(s, 3, 7, 11, 15, m[6], m[7]);
    b3_g(s, 0, 5, 10, 15, m[8], m[9]);
    b3_g(s, 1, 6, 11, 12, m[10], m[11]);
    b3_g(s, 2, 7, 8, 13, m[12], m[13]);
    b3_g(s, 3, 4, 9, 14, m[14], m[15]);
    for (int i = 0; i < 16; i++) t[i] = m[B3_PERM[i]];
    for (int i = 0; i < 16; i++) m[i] = t[i];
  }
  for (int i = 0; i < 8; i++) cv[i] = s[i] ^ s[i + 8];
}

/*
 * out (8 words) = BLAKE3(data[0..len)) as a little-endian integer reduced mod r
 * (arkworks `from_le_bytes_mod_order`, which is what `kv_hash` is). Returns 0 if len > 1024.
 */
EXPORT(salt_kv_hash) u32 salt_kv_hash(const unsigned char *data, u32 len, u32 *out) {
  if (len > 1024) return 0;
  u32 cv[8], block[16];
  for (int i = 0; i < 8; i++) cv[i] = B3_IV[i];
  u32 off = 0;
  u32 flags = 1; /* CHUNK_START */
  do {
    u32 n = len - off > 64 ? 64 : len - off;
    for (int i = 0; i < 16; i++) block[i] = 0;
    for (u32 i = 0; i < n; i++) block[i >> 2] |= (u32)data[off + i] << (8 * (i & 3));
    off += n;
    if (off == len) flags |= 2 | 8; /* CHUNK_END | ROOT */
    b3_compress(cv, block, n, flags);
    flags = 0;
  } while (off < len);
  /* 2^256 / r < 9: at most eight subtractions. */
  u32 r32[8];
  pack32(r32, RM);
  for (;;) {
    int ge = 1;
    for (int i = 7; i >= 0; i--) {
      if (cv[i] != r32[i]) {
        ge = cv[i] > r32[i];
        break;
      }
    }
    if (!ge) break;
    u64 borrow = 0;
    for (int i = 0; i < 8; i++) {
      u64 d = (u64)cv[i] - r32[i] - borrow;
      cv[i] = (u32)d;
      borrow = (d >> 32) & 1;
    }
  }
  for (int i = 0; i < 8; i++) out[i] = cv[i];
  return 1;
}

/* ---- SALT's key hasher (AHash fallback with fixed seeds; hasher.ts has the reference) ----------- */

/*
 * In JavaScript this needs BigInt for every 64-bit step (~3 µs per key, twice per key: bucket id and
 * probe hash); wasm has native u64, and only the 64×64→128 product needs splitting into halves.
 * The keys are the seeds XORed with AHash's PI2 constants, as in hasher.ts.
 */
static const u64 AH_K0 = 0x921321f4ull ^ 0x452821e638d01377ull;
static const u64 AH_K1 = 0x2ccb667eull ^ 0xbe5466cf34e90c6cull;
static const u64 AH_K2 = 0x60d68842ull ^ 0xc0ac29b7c97c50ddull;
static const u64 AH_K3 = 0x077ada9dull ^ 0x3f84d5b5b5470917ull;

static u64 folded_multiply(u64 a, u64 b) {
  u64 a0 = (u32)a, a1 = a >> 32, b0 = (u32)b, b1 = b >> 32;
  u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  u64 mid = (p00 >> 32) + (u32)p01 + (u32)p10;
  u64 lo = (mid << 32) | (u32)p00;
  u64 hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return lo ^ hi;
}

static u64 rotl64(u64 x, u32 k) {
  k &= 63;
  return k ? (x << k) | (x >> (64 - k)) : x;
}

static u64 rd_le(const unsigned char *p, u32 n) {
  u64 v = 0;
  for (u32 i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

static u64 ah_update(u64 buffer, u64 lo, u64 hi) {
  u64 combined = folded_multiply(lo ^ AH_K2, hi ^ AH_K3);
  return rotl64((buffer + AH_K0) ^ combined, 23);
}

/* `hasher.write(data); hasher.finish()` — the u64 as an i64 (JavaScript reads it with asUintN). */
EXPORT(salt_ahash) u64 salt_ahash(const unsigned char *data, u32 len) {
  u64 buffer = (AH_K1 + len) * 6364136223846793005ull;
  if (len > 8) {
    if (len > 16) {
      buffer = ah_update(buffer, rd_le(data + len - 16, 8), rd_le(data + len - 8, 8));
      u32 off = 0;
      for (u32 rest = len; rest > 16; rest -= 16, off += 16) buffer = ah_update(buffer, rd_le(data + off, 8), rd_le(data + off + 8, 8));
    } else {
      buffer = ah_update(buffer, rd_le(data, 8), rd_le(data + len - 8, 8));
    }
  } else {
    u64 lo = 0, hi = 0;
    if (len >= 4) {
      lo = rd_le(data, 4);
      hi = rd_le(data + len - 4, 4);
    } else if (len >= 2) {
      lo = rd_le(data, 2);
      hi = data[len - 1];
    } else if (len == 1) {
      lo = hi = data[0];
    }
    buffer = ah_update(buffer, lo, hi);
  }
  return rotl64(folded_multiply(buffer, AH_K0), (u32)(buffer & 63));
}

#ifndef __wasm__
/* ---- native build: the memory the JavaScript side lays out (kernel/native.ts) ------------------ */

/* Reserve address space for one instance (pages are committed when first touched); 0 on failure. */
EXPORT(salt_native_reserve) u64 salt_native_reserve(u64 bytes) {
  void *p = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? 0 : (u64)(uintptr_t)p;
}

EXPORT(salt_native_release) void salt_native_release(u64 p, u64 bytes) { munmap((void *)(uintptr_t)p, bytes); }
#endif
