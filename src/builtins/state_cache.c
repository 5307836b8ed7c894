/*
 * state_cache.c — the state cache (state_cache_core.h) as a wasm module with its own memory (`env.memory`,
 * created by runtime/state/state-cache.ts): one instance per process, shared by every frame. Compiled
 * contracts reach it through state_host.c; the JS WorldState through the same exports. Built with the
 * experimental multi-value ABI, so a word comes back as four i64 results. The native engine's helper
 * (state_native.c) runs the same core on this memory.
 */
#include "mevmc_abi.h"

#define SC_PTR(T, o) ((T *)(__SIZE_TYPE__)(o))

__attribute__((import_module("js"), import_name("load"))) void sc_js_load(unsigned entry);
__attribute__((import_module("js"), import_name("warm"))) void sc_js_warm(unsigned addr);
#define SC_LOAD(e) (sc_js_load(e), 1) /* a backend failure throws through wasm */
#define SC_ON_WARM(a) sc_js_warm(a)

static int sc_grow_to(unsigned bytes) {
  unsigned have = (unsigned)__builtin_wasm_memory_size(0);
  unsigned need = (bytes + 65535u) >> 16;
  return need <= have || __builtin_wasm_memory_grow(0, need - have) != (__SIZE_TYPE__)-1;
}
#define SC_GROW(b) sc_grow_to(b)

/* The cache's own state lives in this memory, where the native helper finds it too (export `globals`). */
static struct sc_globals_store { unsigned long long w[32]; } sc_g_store;
#define SC_G ((sc_globals *)&sc_g_store)

#include "state_cache_core.h"

_Static_assert(sizeof(sc_globals) <= sizeof(struct sc_globals_store), "sc_globals fits its store");

extern unsigned char __heap_base;

typedef struct { sc_u64 a, b, c, d; } word4;
typedef struct { sc_u64 a, b, c, d, cost; } word4_cost;
typedef struct { sc_u64 gas; sc_u32 status; } gas_status;

#define EXPORT(name) __attribute__((export_name(#name)))
#define KEY sc_u64 k0, sc_u64 k1, sc_u64 k2, sc_u64 k3
#define VAL sc_u64 v0, sc_u64 v1, sc_u64 v2, sc_u64 v3

static inline word4 w4(const sc_u64 *p) { word4 r = { p[0], p[1], p[2], p[3] }; return r; }

EXPORT(init) void x_init(void) {
  sc_u32 base = (sc_u32)(__SIZE_TYPE__)&__heap_base;
  sc_init(base < 64 ? 64 : base, (sc_u32)__builtin_wasm_memory_size(0) << 16);
}
EXPORT(ctx_new) sc_u32 x_ctx_new(void) { return sc_ctx_new(); }
EXPORT(ctx_free) void x_ctx_free(sc_u32 c) { sc_ctx_free(c); }
EXPORT(addr_new) sc_u32 x_addr_new(sc_u32 c) { return sc_addr_new(c); }
EXPORT(jlen) sc_u32 x_jlen(sc_u32 c) { return SC_C(c)->jlen; }
EXPORT(revert) void x_revert(sc_u32 c, sc_u32 len) { sc_revert(c, len); }
EXPORT(refund) sc_i64 x_refund(sc_u32 c) { return SC_C(c)->refund; }
EXPORT(add_refund) void x_add_refund(sc_u32 c, sc_i64 d) { sc_add_refund_ctx(c, d); }
EXPORT(wipe) void x_wipe(sc_u32 a) { sc_wipe(a); }
EXPORT(entries) sc_u32 x_entries(sc_u32 c) { return SC_C(c)->entries; }
EXPORT(count) sc_u32 x_count(void) { return sc_count; }
/* Opcodes served for compiled frames (here by sload/sstore/tload/tstore below, and by the native helper). */
EXPORT(ops) sc_u64 x_ops(void) { return SC_G->ops; }
/* Where the cache's state (sc_globals) lies in this memory: the native helper's view of it. */
EXPORT(globals) sc_u32 x_globals(void) { return (sc_u32)(__SIZE_TYPE__)&sc_g_store; }

/* Current storage value (loaded on a miss, not warmed). */
EXPORT(peek) word4 x_peek(sc_u32 a, KEY) {
  sc_u64 k[4] = { k0, k1, k2, k3 };
  sc_u32 e = sc_get(a, k, 0);
  sc_ensure_loaded(e);
  return w4(sc_value(e));
}
/* Value at the start of the transaction. */
EXPORT(orig) word4 x_orig(sc_u32 a, KEY) {
  sc_u64 k[4] = { k0, k1, k2, k3 };
  sc_u32 e = sc_get(a, k, 0);
  sc_ensure_loaded(e);
  return w4(SC_E(e)->orig);
}
/* Warm a slot (journaled); whether it was warm. The caller warms the account. */
EXPORT(warm_slot) sc_u32 x_warm_slot(sc_u32 a, KEY) {
  sc_u64 k[4] = { k0, k1, k2, k3 };
  return sc_warm(sc_get(a, k, 0));
}
/* A plain journaled write (no gas). */
EXPORT(write) void x_write(sc_u32 a, KEY, VAL) {
  sc_u64 k[4] = { k0, k1, k2, k3 }, v[4] = { v0, v1, v2, v3 };
  sc_u32 e = sc_get(a, k, 0);
  sc_ensure_loaded(e);
  sc_write(e, v);
}

/* Transient storage for JS (uncounted). */
EXPORT(t_get) word4 x_t_get(sc_u32 a, KEY) {
  sc_u64 k[4] = { k0, k1, k2, k3 };
  return w4(sc_op_tload(a, k));
}
EXPORT(t_put) void x_t_put(sc_u32 a, KEY, VAL) {
  sc_u64 k[4] = { k0, k1, k2, k3 }, v[4] = { v0, v1, v2, v3 };
  sc_op_tstore(a, k, v);
}

/* The opcodes, for state_host.c. */
EXPORT(sload) word4_cost x_sload(sc_u32 a, KEY, sc_u32 fork) {
  SC_G->ops++;
  sc_u64 k[4] = { k0, k1, k2, k3 }, cost;
  const sc_u64 *v = sc_op_sload(a, k, fork, &cost);
  word4_cost r = { v[0], v[1], v[2], v[3], cost };
  return r;
}
EXPORT(sstore) gas_status x_sstore(sc_u32 a, KEY, VAL, sc_u32 fork, sc_u64 gas) {
  SC_G->ops++;
  sc_u64 k[4] = { k0, k1, k2, k3 }, v[4] = { v0, v1, v2, v3 };
  gas_status r;
  r.status = sc_op_sstore(a, k, v, fork, &gas);
  r.gas = gas;
  return r;
}
EXPORT(tload) word4 x_tload(sc_u32 a, KEY) {
  SC_G->ops++;
  sc_u64 k[4] = { k0, k1, k2, k3 };
  return w4(sc_op_tload(a, k));
}
EXPORT(tstore) void x_tstore(sc_u32 a, KEY, VAL) {
  SC_G->ops++;
  sc_u64 k[4] = { k0, k1, k2, k3 }, v[4] = { v0, v1, v2, v3 };
  sc_op_tstore(a, k, v);
}

/*
 * The opcodes for the JS host (the native engine's callbacks, frames without state_host): operands pass through a
 * scratch area in this memory, so JS copies 32-bit lanes instead of converting words to BigInt. Layout (u64):
 * [0, 4) key, also the result of sload/tload; [4, 8) value; [8] gas, charged in place. Returns a Status.
 */
static sc_u64 sc_scratch[12];
EXPORT(scratch) sc_u32 x_scratch(void) { return (sc_u32)(__SIZE_TYPE__)sc_scratch; }
EXPORT(s_sload) sc_u32 x_s_sload(sc_u32 a, sc_u32 fork) {
  sc_u64 cost;
  const sc_u64 *v = sc_op_sload(a, sc_scratch, fork, &cost);
  if (sc_scratch[8] < cost) return 3;
  sc_scratch[8] -= cost;
  sc_copy(sc_scratch, v);
  return 0;
}
EXPORT(s_sstore) sc_u32 x_s_sstore(sc_u32 a, sc_u32 fork) { return sc_op_sstore(a, sc_scratch, sc_scratch + 4, fork, &sc_scratch[8]); }
EXPORT(s_tload) void x_s_tload(sc_u32 a) { sc_copy(sc_scratch, sc_op_tload(a, sc_scratch)); }
EXPORT(s_tstore) void x_s_tstore(sc_u32 a) { sc_op_tstore(a, sc_scratch, sc_scratch + 4); }

/* Account fields (BALANCE, SELFBALANCE, EXTCODESIZE, EXTCODEHASH) for state_host.c: the word and 1, or 0 (JS answers). */
EXPORT(acct) word4_cost x_acct(sc_u32 a, sc_u64 k0, sc_u64 k1, sc_u64 k2, sc_u32 field) {
  sc_u64 k[4] = { k0, k1, k2, 0 }, v[4];
  word4_cost r = { 0, 0, 0, 0, 0 };
  if (sc_acct_get(a, k, field, v)) {
    SC_G->ops++;
    r.a = v[0]; r.b = v[1]; r.c = v[2]; r.d = v[3]; r.cost = 1;
  }
  return r;
}
/* JS answered: remember it (key in scratch words 0-3, value in 4-7). */
EXPORT(s_acct_fill) void x_s_acct_fill(sc_u32 a, sc_u32 field) { sc_acct_fill(a, sc_scratch, field, sc_scratch + 4); }
/* An account changed or a revert ran: every account entry of the context is stale. */
EXPORT(acct_bump) void x_acct_bump(sc_u32 c) { SC_C(c)->agen++; }

/*
 * LOG0–LOG4 (sc_log_begin) for state_host.c, which moves the topics and data from the frame's memory as call arguments
 * (two memories; no JS): log_begin takes the four topic words (those past n ignored) and the 64 bytes ending at the
 * data's end, of which it keeps the last len % 64; log_data then takes each whole 64 bytes. A LOG of up to 63 bytes is
 * one call. log_open is the bare record for JS (uncounted), which writes the bytes itself.
 */
#define TOPICS sc_u64 t0, sc_u64 t1, sc_u64 t2, sc_u64 t3, sc_u64 t4, sc_u64 t5, sc_u64 t6, sc_u64 t7, \
  sc_u64 t8, sc_u64 t9, sc_u64 t10, sc_u64 t11, sc_u64 t12, sc_u64 t13, sc_u64 t14, sc_u64 t15
#define CHUNK sc_u64 x0, sc_u64 x1, sc_u64 x2, sc_u64 x3, sc_u64 x4, sc_u64 x5, sc_u64 x6, sc_u64 x7
/* Returns where the data goes. */
EXPORT(log_begin) sc_u32 x_log_begin(sc_u32 a, sc_u32 n, sc_u32 len, TOPICS, CHUNK) {
  SC_G->ops++;
  sc_u32 at = sc_log_begin(a, n, len);
  sc_u64 t[16] = { t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15 };
  for (sc_u32 i = 0; i < n; i++) sc_log_topic(SC_PTR(unsigned char, at + 32 * i), t + 4 * i);
  sc_u32 d = at + 32 * n, r = len & 63u;
  sc_u64 x[8] = { x0, x1, x2, x3, x4, x5, x6, x7 };
  if (r) __builtin_memcpy(SC_PTR(unsigned char, d + len - r), (unsigned char *)x + 64 - r, r);
  return d;
}
EXPORT(log_open) sc_u32 x_log_open(sc_u32 a, sc_u32 n, sc_u32 len) { return sc_log_begin(a, n, len); }
/* 64 data bytes at `at`. */
EXPORT(log_data) void x_log_data(sc_u32 at, CHUNK) {
  sc_u64 x[8] = { x0, x1, x2, x3, x4, x5, x6, x7 };
  __builtin_memcpy(SC_PTR(unsigned char, at), x, 64);
}
