/*
 * keccak.c — KECCAK256 (SHA3 opcode) for wasm32: Keccak-256 of a range of the shared memory. The
 * permutation and the sponge are in keccak_core.h, shared with the native prelude.
 */
#include "u256.h"
#include "keccak_core.h"

void EXPORT(mevmc_keccak256)(uint32_t r, uint32_t in, uint32_t len) {
  uint64_t d[4];
  mevmc_keccak256_lanes((const uint8_t *)(uintptr_t)in, len, d);
  /* The digest read as a big-endian number, stored as a little-endian word: reverse all 32
   * bytes, i.e. the four lanes in reverse order, each byte-swapped. */
  store4(r, __builtin_bswap64(d[3]), __builtin_bswap64(d[2]), __builtin_bswap64(d[1]),
         __builtin_bswap64(d[0]));
}
