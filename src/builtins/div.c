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

void EXPORT(mevmc_div)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  if ((a1 | a2 | a3 | b1 | b2 | b3) == 0) {
    store_u64(r, b0 ? a0 / b0 : 0);
    return;
  }
  divmod_slow(r, pa, pb, U256_OP_DIV);
}

void EXPORT(mevmc_mod)(uint32_t r, uint32_t pa, uint32_t pb) {
  LOAD_AB
  if ((a1 | a2 | a3 | b1 | b2 | b3) == 0) {
    store_u64(r, b0 ? a0 % b0 : 0);
    return;
  }
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
  divmod_slow(r, pa, pb, U256_OP_SMOD);
}

void EXPORT(mevmc_addmod)(uint32_t r, uint32_t pa, uint32_t pb, uint32_t pm) {
  u256 t = u256_addmod(load(pa), load(pb), load(pm));
  store(r, &t);
}

void EXPORT(mevmc_mulmod)(uint32_t r, uint32_t pa, uint32_t pb, uint32_t pm) {
  u256 t = u256_mulmod(load(pa), load(pb), load(pm));
  store(r, &t);
}
