/*
 * keccak.c — KECCAK256 (SHA3 opcode): Keccak-256 with the original 0x01 padding, as Ethereum.
 *
 * The state lives in 25 local u64 variables (wasm locals, hence registers) and each round is
 * written out lane by lane (rho offsets and the pi permutation folded into the names, as in the
 * Keccak team's XKCP "64-bit unrolled" code); two rounds per loop iteration ping-pong between the
 * A* and E* variable sets so no copying is needed. Rotations compile to native i64.rotl.
 *
 * Lane names: row y = b g k m s (0..4), column x = a e i o u (0..4); lane(x, y) is state word
 * x + 5y. The per-round lines below were generated from the FIPS 202 definitions of rho and pi
 * and are checked against @noble/hashes by test/builtins/keccak.test.ts.
 */
#include "u256.h"

#define RATE 136 /* bytes: 1600 - 2*256 bits */

#define ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

/* The iota constants. Static data: placed in [BUILTIN_STACK_END, CTX) by the linker. */
static const uint64_t RC[24] = {
  0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
  0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
  0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
  0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
  0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
  0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull
};

/* Theta's column parities and mixing terms of state set A (D's named by column). */
#define THETA(A)                                                                 \
  Ca = A##ba ^ A##ga ^ A##ka ^ A##ma ^ A##sa;                                     \
  Ce = A##be ^ A##ge ^ A##ke ^ A##me ^ A##se;                                     \
  Ci = A##bi ^ A##gi ^ A##ki ^ A##mi ^ A##si;                                     \
  Co = A##bo ^ A##go ^ A##ko ^ A##mo ^ A##so;                                     \
  Cu = A##bu ^ A##gu ^ A##ku ^ A##mu ^ A##su;                                     \
  Da = Cu ^ ROL(Ce, 1);                                                          \
  De = Ca ^ ROL(Ci, 1);                                                          \
  Di = Ce ^ ROL(Co, 1);                                                          \
  Do = Ci ^ ROL(Cu, 1);                                                          \
  Du = Co ^ ROL(Ca, 1);

/* One full round from state set A into state set E: theta, rho+pi (into B*), chi, iota.
 * Each pair of lines builds one output row from the five lanes that pi moves into it. */
#define ROUND(A, E, rc) \
  THETA(A) \
  Ba = A##ba ^ Da; Be = ROL(A##ge ^ De, 44); Bi = ROL(A##ki ^ Di, 43); Bo = ROL(A##mo ^ Do, 21); Bu = ROL(A##su ^ Du, 14); \
  E##ba = Ba ^ (~Be & Bi); E##be = Be ^ (~Bi & Bo); E##bi = Bi ^ (~Bo & Bu); E##bo = Bo ^ (~Bu & Ba); E##bu = Bu ^ (~Ba & Be); \
  Ba = ROL(A##bo ^ Do, 28); Be = ROL(A##gu ^ Du, 20); Bi = ROL(A##ka ^ Da, 3); Bo = ROL(A##me ^ De, 45); Bu = ROL(A##si ^ Di, 61); \
  E##ga = Ba ^ (~Be & Bi); E##ge = Be ^ (~Bi & Bo); E##gi = Bi ^ (~Bo & Bu); E##go = Bo ^ (~Bu & Ba); E##gu = Bu ^ (~Ba & Be); \
  Ba = ROL(A##be ^ De, 1); Be = ROL(A##gi ^ Di, 6); Bi = ROL(A##ko ^ Do, 25); Bo = ROL(A##mu ^ Du, 8); Bu = ROL(A##sa ^ Da, 18); \
  E##ka = Ba ^ (~Be & Bi); E##ke = Be ^ (~Bi & Bo); E##ki = Bi ^ (~Bo & Bu); E##ko = Bo ^ (~Bu & Ba); E##ku = Bu ^ (~Ba & Be); \
  Ba = ROL(A##bu ^ Du, 27); Be = ROL(A##ga ^ Da, 36); Bi = ROL(A##ke ^ De, 10); Bo = ROL(A##mi ^ Di, 15); Bu = ROL(A##so ^ Do, 56); \
  E##ma = Ba ^ (~Be & Bi); E##me = Be ^ (~Bi & Bo); E##mi = Bi ^ (~Bo & Bu); E##mo = Bo ^ (~Bu & Ba); E##mu = Bu ^ (~Ba & Be); \
  Ba = ROL(A##bi ^ Di, 62); Be = ROL(A##go ^ Do, 55); Bi = ROL(A##ku ^ Du, 39); Bo = ROL(A##ma ^ Da, 41); Bu = ROL(A##se ^ De, 2); \
  E##sa = Ba ^ (~Be & Bi); E##se = Be ^ (~Bi & Bo); E##si = Bi ^ (~Bo & Bu); E##so = Bo ^ (~Bu & Ba); E##su = Bu ^ (~Ba & Be); \
  E##ba ^= (rc);

#define LANES(X) \
  X(ba, 0) X(be, 1) X(bi, 2) X(bo, 3) X(bu, 4) X(ga, 5) X(ge, 6) X(gi, 7) X(go, 8) X(gu, 9) \
  X(ka, 10) X(ke, 11) X(ki, 12) X(ko, 13) X(ku, 14) X(ma, 15) X(me, 16) X(mi, 17) X(mo, 18) \
  X(mu, 19) X(sa, 20) X(se, 21) X(si, 22) X(so, 23) X(su, 24)

/* keccak-f[1600] on s[25]. */
static void keccak_f(uint64_t *s) {
#define DECL(n, i) uint64_t A##n = s[i], E##n;
  LANES(DECL)
#undef DECL
  uint64_t Ca, Ce, Ci, Co, Cu, Da, De, Di, Do, Du, Ba, Be, Bi, Bo, Bu;
  for (int r = 0; r < 24; r += 2) {
    ROUND(A, E, RC[r])
    ROUND(E, A, RC[r + 1])
  }
#define SAVE(n, i) s[i] = A##n;
  LANES(SAVE)
#undef SAVE
}

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

void EXPORT(mevmc_keccak256)(uint32_t r, uint32_t in, uint32_t len) {
  uint64_t s[25] = {0};
  const uint8_t *p = (const uint8_t *)(uintptr_t)in;
  for (; len >= RATE; len -= RATE, p += RATE) {
    for (int i = 0; i < RATE / 8; i++) s[i] ^= load64(p + 8 * i);
    keccak_f(s);
  }
  /* Last, partial block (possibly empty): whole lanes, then the bytes of a partial lane. The
   * padding 0x01 ... 0x80 may share a byte when len == RATE - 1. */
  uint32_t i = 0;
  for (; i + 8 <= len; i += 8) s[i / 8] ^= load64(p + i);
  uint64_t tail = 0;
  for (uint32_t k = 0; i + k < len; k++) tail |= (uint64_t)p[i + k] << (8 * k);
  s[i / 8] ^= tail ^ (1ull << (8 * (len - i)));
  s[RATE / 8 - 1] ^= 0x8000000000000000ull;
  keccak_f(s);
  /* The digest read as a big-endian number, stored as a little-endian word: reverse all 32
   * bytes, i.e. the four lanes in reverse order, each byte-swapped. */
  store4(r, __builtin_bswap64(s[3]), __builtin_bswap64(s[2]), __builtin_bswap64(s[1]),
         __builtin_bswap64(s[0]));
}
