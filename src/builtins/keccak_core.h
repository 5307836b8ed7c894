/*
 * keccak_core.h — Keccak-256 with the original 0x01 padding, as Ethereum's KECCAK256 (SHA3
 * opcode), over plain pointers: shared by the wasm32 builtin (keccak.c) and the native prelude
 * (mevmc_native.h). C11, freestanding, little-endian machines.
 *
 * The state lives in 25 local u64 variables (wasm locals, hence registers) and each round is
 * written out lane by lane (rho offsets and the pi permutation folded into the names, as in the
 * Keccak team's XKCP "64-bit unrolled" code). Native code runs two rounds per loop iteration
 * between the A* and E* variable sets (no copying); wasm runs one round per iteration in place,
 * which V8 compiles better (see mevmc_keccak_f). Rotations compile to native rotates. The state
 * is kept lane-complemented between the sponge's start and its output (the "lane complementing
 * transform" of the Keccak implementation overview): 9% fewer ns per permutation on V8's wasm
 * (361 -> 329 ns, 64-byte input) and on native x86-64 (266 -> 244 ns); fully unrolled rounds
 * were slower on V8 (395 ns).
 *
 * Lane names: row y = b g k m s (0..4), column x = a e i o u (0..4); lane(x, y) is state word
 * x + 5y. The per-round lines below were generated from the FIPS 202 definitions of rho and pi
 * and are checked against @noble/hashes by test/builtins/keccak.test.ts and native.test.ts.
 *
 * Every name defined here starts with mevmc_keccak / MEVMC_KECCAK; the helper macros are
 * #undef'd at the end.
 */
#ifndef MEVMC_KECCAK_CORE_H
#define MEVMC_KECCAK_CORE_H

#include <stdint.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "lanes are read little-endian");

#define MEVMC_KECCAK_RATE 136 /* bytes: 1600 - 2*256 bits */

/* The lanes held complemented (x + 5y for be bi go ki mi sa): the zero state starts as all-ones
 * there, absorbing XORs into either form alike, and the digest lanes 1 and 2 are flipped back. */
#define MEVMC_KECCAK_COMPLEMENTED(X) X(1) X(2) X(8) X(12) X(17) X(20)

#define MEVMC_KECCAK_ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

/* The iota constants (in wasm32, static data the linker places in [BUILTIN_STACK_END, CTX)). */
__attribute__((unused)) static const uint64_t mevmc_keccak_rc[24] = {
  0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
  0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
  0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
  0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
  0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
  0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull
};

/* Theta's column parities and mixing terms of state set A (D's named by column). */
#define MEVMC_KECCAK_THETA(A)                                                         \
  Ca = A##ba ^ A##ga ^ A##ka ^ A##ma ^ A##sa;                                         \
  Ce = A##be ^ A##ge ^ A##ke ^ A##me ^ A##se;                                         \
  Ci = A##bi ^ A##gi ^ A##ki ^ A##mi ^ A##si;                                         \
  Co = A##bo ^ A##go ^ A##ko ^ A##mo ^ A##so;                                         \
  Cu = A##bu ^ A##gu ^ A##ku ^ A##mu ^ A##su;                                         \
  Da = Cu ^ MEVMC_KECCAK_ROL(Ce, 1);                                                  \
  De = Ca ^ MEVMC_KECCAK_ROL(Ci, 1);                                                  \
  Di = Ce ^ MEVMC_KECCAK_ROL(Co, 1);                                                  \
  Do = Ci ^ MEVMC_KECCAK_ROL(Cu, 1);                                                  \
  Du = Co ^ MEVMC_KECCAK_ROL(Ca, 1);

/* One full round from state set A into state set E: theta, rho+pi (into B*), chi, iota, on the
 * lane-complemented state (see MEVMC_KECCAK_COMPLEMENTED): chi's ~x & y becomes x | y, x & y or
 * one NOT per form as the complement bits of its operands and result require, 8 NOTs a round
 * instead of 25 (wasm has no and-not). The forms were derived mechanically from the complement
 * bits (theta's parities of a column with an odd number of complemented lanes come out complemented,
 * rotation keeps a complement); the equivalence is tested against @noble/hashes. Each pair of lines
 * builds one output row from the five lanes that pi moves into it. */
#define MEVMC_KECCAK_ROUND(A, E, rc) \
  MEVMC_KECCAK_THETA(A) \
  Ba = A##ba ^ Da; Be = MEVMC_KECCAK_ROL(A##ge ^ De, 44); Bi = MEVMC_KECCAK_ROL(A##ki ^ Di, 43); Bo = MEVMC_KECCAK_ROL(A##mo ^ Do, 21); Bu = MEVMC_KECCAK_ROL(A##su ^ Du, 14); \
  E##ba = Ba ^ (Be | Bi); E##be = Be ^ (~Bi | Bo); E##bi = Bi ^ (Bo & Bu); E##bo = Bo ^ (Bu | Ba); E##bu = Bu ^ (Ba & Be); \
  Ba = MEVMC_KECCAK_ROL(A##bo ^ Do, 28); Be = MEVMC_KECCAK_ROL(A##gu ^ Du, 20); Bi = MEVMC_KECCAK_ROL(A##ka ^ Da, 3); Bo = MEVMC_KECCAK_ROL(A##me ^ De, 45); Bu = MEVMC_KECCAK_ROL(A##si ^ Di, 61); \
  E##ga = Ba ^ (Be | Bi); E##ge = Be ^ (Bi & Bo); E##gi = Bi ^ (Bo | ~Bu); E##go = Bo ^ (Bu | Ba); E##gu = Bu ^ (Ba & Be); \
  Ba = MEVMC_KECCAK_ROL(A##be ^ De, 1); Be = MEVMC_KECCAK_ROL(A##gi ^ Di, 6); Bi = MEVMC_KECCAK_ROL(A##ko ^ Do, 25); Bo = MEVMC_KECCAK_ROL(A##mu ^ Du, 8); Bu = MEVMC_KECCAK_ROL(A##sa ^ Da, 18); \
  E##ka = Ba ^ (Be | Bi); E##ke = Be ^ (Bi & Bo); E##ki = Bi ^ (~Bo & Bu); E##ko = ~Bo ^ (Bu | Ba); E##ku = Bu ^ (Ba & Be); \
  Ba = MEVMC_KECCAK_ROL(A##bu ^ Du, 27); Be = MEVMC_KECCAK_ROL(A##ga ^ Da, 36); Bi = MEVMC_KECCAK_ROL(A##ke ^ De, 10); Bo = MEVMC_KECCAK_ROL(A##mi ^ Di, 15); Bu = MEVMC_KECCAK_ROL(A##so ^ Do, 56); \
  E##ma = Ba ^ (Be & Bi); E##me = Be ^ (Bi | Bo); E##mi = Bi ^ (~Bo | Bu); E##mo = ~Bo ^ (Bu & Ba); E##mu = Bu ^ (Ba | Be); \
  Ba = MEVMC_KECCAK_ROL(A##bi ^ Di, 62); Be = MEVMC_KECCAK_ROL(A##go ^ Do, 55); Bi = MEVMC_KECCAK_ROL(A##ku ^ Du, 39); Bo = MEVMC_KECCAK_ROL(A##ma ^ Da, 41); Bu = MEVMC_KECCAK_ROL(A##se ^ De, 2); \
  E##sa = Ba ^ (~Be & Bi); E##se = ~Be ^ (Bi | Bo); E##si = Bi ^ (Bo & Bu); E##so = Bo ^ (Bu | Ba); E##su = Bu ^ (Ba & Be); \
  E##ba ^= (rc);

#define MEVMC_KECCAK_LANES(X) \
  X(ba, 0) X(be, 1) X(bi, 2) X(bo, 3) X(bu, 4) X(ga, 5) X(ge, 6) X(gi, 7) X(go, 8) X(gu, 9) \
  X(ka, 10) X(ke, 11) X(ki, 12) X(ko, 13) X(ku, 14) X(ma, 15) X(me, 16) X(mi, 17) X(mo, 18) \
  X(mu, 19) X(sa, 20) X(se, 21) X(si, 22) X(so, 23) X(su, 24)

#if defined(__wasm__)
/*
 * keccak-f[1600] on s[25], held lane-complemented (MEVMC_KECCAK_COMPLEMENTED), for wasm: one
 * round per iteration, in place (25 lane variables, not two sets): theta, then rho and pi as one
 * walk along pi's 24-cycle (each lane rotated into its successor's place, D XORed on the way),
 * then chi row by row through five temporaries. More instructions than the two-set form on paper
 * (the pi walk's copies), but V8's register allocator spills less in the smaller loop body: one
 * 64-byte hash from JS 337-352 -> 305-314 ns. Native code goes the other way (two sets below:
 * 600 vs 700 TSC ticks), and two in-place rounds per iteration were slower on V8 (340 ns).
 */
__attribute__((unused)) static void mevmc_keccak_f(uint64_t *s) {
#define MEVMC_KECCAK_DECL(n, i) uint64_t A##n = s[i];
  MEVMC_KECCAK_LANES(MEVMC_KECCAK_DECL)
#undef MEVMC_KECCAK_DECL
  uint64_t Ca, Ce, Ci, Co, Cu, Da, De, Di, Do, Du, Ba, Be, Bi, Bo, Bu, T0, T1;
  for (int r = 0; r < 24; r++) {
    MEVMC_KECCAK_THETA(A)
    /* rho and pi: lane (x, y) moves to (y, 2x + 3y), rotated by rho's offset for (x, y); the walk
     * starts at be and T0/T1 carry the lane displaced at each step. ba stays in place, unrotated. */
    Aba ^= Da;
    T0 = Abe;
    T1 = Aka; Aka = MEVMC_KECCAK_ROL(T0 ^ De, 1);
    T0 = Agi; Agi = MEVMC_KECCAK_ROL(T1 ^ Da, 3);
    T1 = Ake; Ake = MEVMC_KECCAK_ROL(T0 ^ Di, 6);
    T0 = Ami; Ami = MEVMC_KECCAK_ROL(T1 ^ De, 10);
    T1 = Amo; Amo = MEVMC_KECCAK_ROL(T0 ^ Di, 15);
    T0 = Abo; Abo = MEVMC_KECCAK_ROL(T1 ^ Do, 21);
    T1 = Aga; Aga = MEVMC_KECCAK_ROL(T0 ^ Do, 28);
    T0 = Ame; Ame = MEVMC_KECCAK_ROL(T1 ^ Da, 36);
    T1 = Ago; Ago = MEVMC_KECCAK_ROL(T0 ^ De, 45);
    T0 = Ase; Ase = MEVMC_KECCAK_ROL(T1 ^ Do, 55);
    T1 = Asu; Asu = MEVMC_KECCAK_ROL(T0 ^ De, 2);
    T0 = Abu; Abu = MEVMC_KECCAK_ROL(T1 ^ Du, 14);
    T1 = Ama; Ama = MEVMC_KECCAK_ROL(T0 ^ Du, 27);
    T0 = Aso; Aso = MEVMC_KECCAK_ROL(T1 ^ Da, 41);
    T1 = Amu; Amu = MEVMC_KECCAK_ROL(T0 ^ Do, 56);
    T0 = Ako; Ako = MEVMC_KECCAK_ROL(T1 ^ Du, 8);
    T1 = Aki; Aki = MEVMC_KECCAK_ROL(T0 ^ Do, 25);
    T0 = Abi; Abi = MEVMC_KECCAK_ROL(T1 ^ Di, 43);
    T1 = Asa; Asa = MEVMC_KECCAK_ROL(T0 ^ Di, 62);
    T0 = Aku; Aku = MEVMC_KECCAK_ROL(T1 ^ Da, 18);
    T1 = Asi; Asi = MEVMC_KECCAK_ROL(T0 ^ Du, 39);
    T0 = Agu; Agu = MEVMC_KECCAK_ROL(T1 ^ Di, 61);
    T1 = Age; Age = MEVMC_KECCAK_ROL(T0 ^ Du, 20);
    Abe = MEVMC_KECCAK_ROL(T1 ^ De, 44);
    /* chi with iota, in the complemented forms of MEVMC_KECCAK_ROUND (same rows, same lanes). */
    Ba = Aba; Be = Abe; Bi = Abi; Bo = Abo; Bu = Abu;
    Aba = Ba ^ (Be | Bi) ^ mevmc_keccak_rc[r]; Abe = Be ^ (~Bi | Bo); Abi = Bi ^ (Bo & Bu); Abo = Bo ^ (Bu | Ba); Abu = Bu ^ (Ba & Be);
    Ba = Aga; Be = Age; Bi = Agi; Bo = Ago; Bu = Agu;
    Aga = Ba ^ (Be | Bi); Age = Be ^ (Bi & Bo); Agi = Bi ^ (Bo | ~Bu); Ago = Bo ^ (Bu | Ba); Agu = Bu ^ (Ba & Be);
    Ba = Aka; Be = Ake; Bi = Aki; Bo = Ako; Bu = Aku;
    Aka = Ba ^ (Be | Bi); Ake = Be ^ (Bi & Bo); Aki = Bi ^ (~Bo & Bu); Ako = ~Bo ^ (Bu | Ba); Aku = Bu ^ (Ba & Be);
    Ba = Ama; Be = Ame; Bi = Ami; Bo = Amo; Bu = Amu;
    Ama = Ba ^ (Be & Bi); Ame = Be ^ (Bi | Bo); Ami = Bi ^ (~Bo | Bu); Amo = ~Bo ^ (Bu & Ba); Amu = Bu ^ (Ba | Be);
    Ba = Asa; Be = Ase; Bi = Asi; Bo = Aso; Bu = Asu;
    Asa = Ba ^ (~Be & Bi); Ase = ~Be ^ (Bi | Bo); Asi = Bi ^ (Bo & Bu); Aso = Bo ^ (Bu | Ba); Asu = Bu ^ (Ba & Be);
  }
#define MEVMC_KECCAK_SAVE(n, i) s[i] = A##n;
  MEVMC_KECCAK_LANES(MEVMC_KECCAK_SAVE)
#undef MEVMC_KECCAK_SAVE
}

#else /* native */

/* keccak-f[1600] on s[25], held lane-complemented (MEVMC_KECCAK_COMPLEMENTED): two rounds per
 * iteration between the A and E sets. ATTR: more attributes of this copy (or nothing). */
#define MEVMC_KECCAK_F_TWO_SETS(name, ATTR)                                           \
  __attribute__((unused)) ATTR static void name(uint64_t *s) {                       \
    MEVMC_KECCAK_LANES(MEVMC_KECCAK_DECL)                                             \
    uint64_t Ca, Ce, Ci, Co, Cu, Da, De, Di, Do, Du, Ba, Be, Bi, Bo, Bu;              \
    for (int r = 0; r < 24; r += 2) {                                                 \
      MEVMC_KECCAK_ROUND(A, E, mevmc_keccak_rc[r])                                    \
      MEVMC_KECCAK_ROUND(E, A, mevmc_keccak_rc[r + 1])                                \
    }                                                                                 \
    MEVMC_KECCAK_LANES(MEVMC_KECCAK_SAVE)                                             \
  }
#define MEVMC_KECCAK_DECL(n, i) uint64_t A##n = s[i], E##n;
#define MEVMC_KECCAK_SAVE(n, i) s[i] = A##n;

#if defined(__x86_64__) && !defined(__BMI2__) && !defined(MEVMC_NATIVE_PORTABLE)
/*
 * x86-64 without -mbmi2 (contracts are built for the baseline ISA, their objects cached): a second
 * copy compiled for BMI1/BMI2 (andn for chi's and-nots, rorx: a rotate into another register),
 * chosen at run time by CPUID, asked once per object. 597 -> 566 TSC ticks (2.6 GHz) per 64-byte
 * hash on the reference Xeon; -march=native for the whole file reached 555.
 */
MEVMC_KECCAK_F_TWO_SETS(mevmc_keccak_f_base, )
MEVMC_KECCAK_F_TWO_SETS(mevmc_keccak_f_bmi2, __attribute__((target("bmi,bmi2"))))

/* 0: not asked yet, 1: no BMI1+BMI2, 2: both. Threads may race to store the same value. */
static int mevmc_keccak_cpu;

__attribute__((unused, noinline)) static int mevmc_keccak_ask_cpu(void) {
  uint32_t a, b, c, d;
  __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
  int bmi = 0;
  if (a >= 7) {
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    bmi = (b >> 3 & 1) && (b >> 8 & 1); /* leaf 7 EBX: bit 3 BMI1, bit 8 BMI2 */
  }
  int v = bmi ? 2 : 1;
  __atomic_store_n(&mevmc_keccak_cpu, v, __ATOMIC_RELAXED);
  return v;
}

__attribute__((unused)) static void mevmc_keccak_f(uint64_t *s) {
  int cpu = __atomic_load_n(&mevmc_keccak_cpu, __ATOMIC_RELAXED);
  if (__builtin_expect(cpu == 0, 0)) cpu = mevmc_keccak_ask_cpu();
  if (cpu == 2) mevmc_keccak_f_bmi2(s);
  else mevmc_keccak_f_base(s);
}
#else
MEVMC_KECCAK_F_TWO_SETS(mevmc_keccak_f, )
#endif

#undef MEVMC_KECCAK_F_TWO_SETS
#undef MEVMC_KECCAK_DECL
#undef MEVMC_KECCAK_SAVE
#endif /* native */

static inline uint64_t mevmc_keccak_load64(const uint8_t *p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

/*
 * The Keccak-256 digest of len bytes at in, as its first four lanes: digest byte 8i + k is byte k
 * (little-endian) of out[i]. Reads the input with unaligned-tolerant loads; out may overlap it.
 */
__attribute__((unused)) static void mevmc_keccak256_lanes(const uint8_t *in, uint64_t len,
                                                          uint64_t out[4]) {
  uint64_t s[25];
  for (int i = 0; i < 25; i++) s[i] = 0; /* not `= {0}`: a memset call at -O0 in native code */
#define MEVMC_KECCAK_FLIP(i) s[i] = ~0ull;
  MEVMC_KECCAK_COMPLEMENTED(MEVMC_KECCAK_FLIP)
#undef MEVMC_KECCAK_FLIP
  const uint8_t *p = in;
  for (; len >= MEVMC_KECCAK_RATE; len -= MEVMC_KECCAK_RATE, p += MEVMC_KECCAK_RATE) {
    for (int i = 0; i < MEVMC_KECCAK_RATE / 8; i++) s[i] ^= mevmc_keccak_load64(p + 8 * i);
    mevmc_keccak_f(s);
  }
  /* Last, partial block (possibly empty): whole lanes, then the bytes of a partial lane. The
   * padding 0x01 ... 0x80 may share a byte when len == RATE - 1. */
  uint32_t n = (uint32_t)len, i = 0; /* n < RATE */
  for (; i + 8 <= n; i += 8) s[i / 8] ^= mevmc_keccak_load64(p + i);
  uint64_t tail = 0;
  for (uint32_t k = 0; i + k < n; k++) tail |= (uint64_t)p[i + k] << (8 * k);
  s[i / 8] ^= tail ^ (1ull << (8 * (n - i)));
  s[MEVMC_KECCAK_RATE / 8 - 1] ^= 0x8000000000000000ull;
  mevmc_keccak_f(s);
  out[0] = s[0], out[1] = ~s[1], out[2] = ~s[2], out[3] = s[3]; /* 1, 2: complemented lanes */
}

#undef MEVMC_KECCAK_RATE
#undef MEVMC_KECCAK_ROL
#undef MEVMC_KECCAK_THETA
#undef MEVMC_KECCAK_ROUND
#undef MEVMC_KECCAK_LANES
#undef MEVMC_KECCAK_COMPLEMENTED

#endif /* MEVMC_KECCAK_CORE_H */
