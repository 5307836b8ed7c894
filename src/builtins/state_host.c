/*
 * state_host.c — SLOAD, SSTORE, TLOAD and TSTORE, warm BALANCE / SELFBALANCE / EXTCODESIZE / EXTCODEHASH
 * hits and LOG0–LOG4, for compiled wasm contracts without JS: instantiated over
 * each frame's memory (next to the builtins), it reads the operands and the context there and calls the
 * process-wide state cache (state_cache.c) directly, wasm to wasm. It provides the host imports of the same
 * names (src/abi/host.ts), so compiled code is unchanged. A frame whose context holds no state-cache
 * address (MEVMC_CTX_STATE_ADDR = 0: the cache is off) goes to the JS host as before.
 */
#include "mevmc_abi.h"
#include "state_cache_consts.h"

typedef unsigned long long u64;
typedef struct { u64 a, b, c, d; } word4;
typedef struct { u64 a, b, c, d, cost; } word4_cost;
typedef struct { u64 gas; unsigned status; } gas_status;

#define CACHE(name) __attribute__((import_module("cache"), import_name(#name)))
#define HOST(name) __attribute__((import_module("host"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

CACHE(sload) word4_cost cache_sload(unsigned a, u64, u64, u64, u64, unsigned fork);
CACHE(sstore) gas_status cache_sstore(unsigned a, u64, u64, u64, u64, u64, u64, u64, u64, unsigned fork, u64 gas);
CACHE(tload) word4 cache_tload(unsigned a, u64, u64, u64, u64);
CACHE(tstore) void cache_tstore(unsigned a, u64, u64, u64, u64, u64, u64, u64, u64);
CACHE(acct) word4_cost cache_acct(unsigned a, u64, u64, u64, unsigned field);
#define U64X8 u64, u64, u64, u64, u64, u64, u64, u64
CACHE(log_begin) unsigned cache_log_begin(unsigned a, unsigned n, unsigned len, U64X8, U64X8, U64X8);
CACHE(log_data) void cache_log_data(unsigned at, U64X8);
HOST(mevmc_balance) int host_balance(unsigned r);
HOST(mevmc_extcodesize) int host_extcodesize(unsigned r);
HOST(mevmc_extcodehash) int host_extcodehash(unsigned r);
HOST(mevmc_selfbalance) void host_selfbalance(unsigned r);
HOST(mevmc_sload) int host_sload(unsigned r);
HOST(mevmc_sstore) int host_sstore(unsigned k, unsigned v);
HOST(mevmc_tload) void host_tload(unsigned r);
HOST(mevmc_tstore) int host_tstore(unsigned k, unsigned v);
HOST(mevmc_log) int host_log(unsigned n, unsigned t, unsigned d, unsigned len);

#define CTX_U32(o) (*(unsigned *)(__SIZE_TYPE__)(MEVMC_CTX + (o)))
#define GAS (*(u64 *)(__SIZE_TYPE__)(MEVMC_CTX + MEVMC_CTX_GAS))
#define WORD(p) ((u64 *)(__SIZE_TYPE__)(p))

EXPORT(mevmc_sload) int x_sload(unsigned r) {
  unsigned a = CTX_U32(MEVMC_CTX_STATE_ADDR);
  if (!a) return host_sload(r);
  u64 *w = WORD(r);
  word4_cost x = cache_sload(a, w[0], w[1], w[2], w[3], CTX_U32(MEVMC_CTX_FORK));
  if (GAS < x.cost) return MEVMC_STATUS_OUT_OF_GAS;
  GAS -= x.cost;
  w[0] = x.a; w[1] = x.b; w[2] = x.c; w[3] = x.d;
  return 0;
}

EXPORT(mevmc_sstore) int x_sstore(unsigned k, unsigned v) {
  unsigned a = CTX_U32(MEVMC_CTX_STATE_ADDR);
  if (!a) return host_sstore(k, v);
  if (CTX_U32(MEVMC_CTX_FLAGS) & MEVMC_CTX_FLAG_STATIC) return MEVMC_STATUS_STATIC_VIOLATION;
  u64 *kw = WORD(k), *vw = WORD(v);
  gas_status x = cache_sstore(a, kw[0], kw[1], kw[2], kw[3], vw[0], vw[1], vw[2], vw[3], CTX_U32(MEVMC_CTX_FORK), GAS);
  if (x.status) return (int)x.status;
  GAS = x.gas;
  return 0;
}

EXPORT(mevmc_tload) void x_tload(unsigned r) {
  unsigned a = CTX_U32(MEVMC_CTX_STATE_ADDR);
  if (!a) { host_tload(r); return; }
  u64 *w = WORD(r);
  word4 x = cache_tload(a, w[0], w[1], w[2], w[3]);
  w[0] = x.a; w[1] = x.b; w[2] = x.c; w[3] = x.d;
}

EXPORT(mevmc_tstore) int x_tstore(unsigned k, unsigned v) {
  unsigned a = CTX_U32(MEVMC_CTX_STATE_ADDR);
  if (!a) return host_tstore(k, v);
  if (CTX_U32(MEVMC_CTX_FLAGS) & MEVMC_CTX_FLAG_STATIC) return MEVMC_STATUS_STATIC_VIOLATION;
  u64 *kw = WORD(k), *vw = WORD(v);
  cache_tstore(a, kw[0], kw[1], kw[2], kw[3], vw[0], vw[1], vw[2], vw[3]);
  return 0;
}

/* Account fields (SC_ACCT_*): a warm account's word known to the cache, else the JS host. */

static inline int acct_op(unsigned r, unsigned field) {
  unsigned a = CTX_U32(MEVMC_CTX_STATE_ADDR);
  if (!a) return -1;
  u64 *w = WORD(r);
  word4_cost x = cache_acct(a, w[0], w[1], w[2], field);
  if (!x.cost) return -1;
  u64 cost = SC_WARM_ACCESS_COST(CTX_U32(MEVMC_CTX_FORK));
  if (GAS < cost) return MEVMC_STATUS_OUT_OF_GAS;
  GAS -= cost;
  w[0] = x.a; w[1] = x.b; w[2] = x.c; w[3] = x.d;
  return 0;
}

EXPORT(mevmc_balance) int x_balance(unsigned r) {
  int s = acct_op(r, SC_ACCT_BALANCE);
  return s >= 0 ? s : host_balance(r);
}
EXPORT(mevmc_extcodesize) int x_extcodesize(unsigned r) {
  int s = acct_op(r, SC_ACCT_SIZE);
  return s >= 0 ? s : host_extcodesize(r);
}
EXPORT(mevmc_extcodehash) int x_extcodehash(unsigned r) {
  int s = acct_op(r, SC_ACCT_HASH);
  return s >= 0 ? s : host_extcodehash(r);
}
EXPORT(mevmc_selfbalance) void x_selfbalance(unsigned r) {
  unsigned a = CTX_U32(MEVMC_CTX_STATE_ADDR);
  if (a) {
    u64 *env = WORD(MEVMC_ENV); /* slot 0: ADDRESS */
    word4_cost x = cache_acct(a, env[0], env[1], env[2], SC_ACCT_BALANCE | SC_ACCT_SELF);
    if (x.cost) {
      u64 *w = WORD(r);
      w[0] = x.a; w[1] = x.b; w[2] = x.c; w[3] = x.d;
      return;
    }
  }
  host_selfbalance(r);
}

/* An unaligned u64 of the frame memory. */
static inline u64 ld(unsigned p) {
  u64 x;
  __builtin_memcpy(&x, (const void *)(__SIZE_TYPE__)p, 8);
  return x;
}
#define CHUNK_AT(p) ld(p), ld((p) + 8), ld((p) + 16), ld((p) + 24), ld((p) + 32), ld((p) + 40), ld((p) + 48), ld((p) + 56)

/*
 * LOG0–LOG4 into the cache's log buffer: the topic words at t (the compiled code's scratch: all four read, those past
 * n ignored) and the len bytes at d pass as arguments (the cache has its own memory): the first call takes the topics
 * and the 64 bytes ending at d + len (the cache keeps the last len % 64; they stay inside the memory, as
 * d >= MEVMC_EVM_MEMORY_BASE), then one call per whole 64 bytes. Gas: the compiled code's.
 */
EXPORT(mevmc_log) int x_log(unsigned n, unsigned t, unsigned d, unsigned len) {
  unsigned a = CTX_U32(MEVMC_CTX_STATE_ADDR);
  if (!a) return host_log(n, t, d, len);
  if (CTX_U32(MEVMC_CTX_FLAGS) & MEVMC_CTX_FLAG_STATIC) return MEVMC_STATUS_STATIC_VIOLATION;
  u64 *w = WORD(t);
  unsigned at = cache_log_begin(a, n, len, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11],
    w[12], w[13], w[14], w[15], CHUNK_AT(d + len - 64));
  unsigned full = len & ~63u;
  for (unsigned o = 0; o < full; o += 64) cache_log_data(at + o, CHUNK_AT(d + o));
  return 0;
}
