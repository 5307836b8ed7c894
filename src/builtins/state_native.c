/*
 * state_native.c — the native engine's SLOAD, SSTORE, TLOAD, TSTORE, warm BALANCE / SELFBALANCE /
 * EXTCODESIZE / EXTCODEHASH hits and LOG0–LOG4 without JS (issue #14 part 2): the
 * state cache core (state_cache_core.h, the code state_cache.wasm runs) compiled into one small helper
 * object per process, working on the state cache's wasm memory itself through its base address. So native
 * and wasm frames, and WorldState, share one cache and journal. runtime/loader/native-state.ts builds it
 * (cached like a contract object), and puts the functions below into the host callback table in place
 * of the koffi callbacks they fall back to: JS is reached only on a miss (the backend's value of a slot),
 * when a slot turns warm (its account is warmed in JS), when the cache must grow, and for frames whose
 * context holds no state-cache record (the cache off, a chain mode with host rules).
 *
 * Frames reach the callbacks by `user` (the frame id): their memory comes from a table the loader fills.
 */
#include <stdint.h>
#include "mevmc_abi.h"

#define SCN_API __attribute__((visibility("default")))

static uint8_t *scn_base;  /* the state cache's wasm memory */
static uint32_t scn_goff;  /* where its sc_globals lie in it */
static int scn_failed;     /* a JS callback failed during the current op */
static uint64_t scn_user;  /* the frame of the current op (for JS callbacks) */

typedef int32_t (*scn_load_fn)(uint64_t user, uint32_t entry);
typedef void (*scn_warm_fn)(uint64_t user, uint32_t addr);
typedef uint64_t (*scn_grow_fn)(uint32_t bytes);
static scn_load_fn scn_js_load;
static scn_warm_fn scn_js_warm;
static scn_grow_fn scn_js_grow;

/* The JS host's callbacks of the same ops (the koffi ones this helper replaces in the table), in mevmc_scn_fn's order. */
typedef int32_t (*scn_r_fn)(uint64_t user, uint32_t r);
typedef int32_t (*scn_kv_fn)(uint64_t user, uint32_t k, uint32_t v);
typedef void (*scn_void_fn)(uint64_t user, uint32_t r);
#define SCN_OPS 9
static uint64_t scn_js[SCN_OPS];
#define scn_js_sload ((scn_r_fn)(uintptr_t)scn_js[0])
#define scn_js_sstore ((scn_kv_fn)(uintptr_t)scn_js[1])
#define scn_js_tload ((scn_void_fn)(uintptr_t)scn_js[2])
#define scn_js_tstore ((scn_kv_fn)(uintptr_t)scn_js[3])
#define scn_js_balance ((scn_r_fn)(uintptr_t)scn_js[4])
#define scn_js_extcodesize ((scn_r_fn)(uintptr_t)scn_js[5])
#define scn_js_extcodehash ((scn_r_fn)(uintptr_t)scn_js[6])
#define scn_js_selfbalance ((scn_void_fn)(uintptr_t)scn_js[7])
typedef int32_t (*scn_log_fn)(uint64_t user, uint32_t n, uint32_t t, uint32_t d, uint32_t len);
#define scn_js_log ((scn_log_fn)(uintptr_t)scn_js[8])

static int scn_grow(uint32_t bytes) {
  uint64_t b = scn_js_grow(bytes); /* the memory's base afterwards (V8 grows in place; re-read anyway), 0: failed */
  if (!b) return 0;
  scn_base = (uint8_t *)(uintptr_t)b;
  return 1;
}
static int scn_load(uint32_t e) {
  if (scn_js_load(scn_user, e)) return 1;
  scn_failed = 1;
  return 0;
}

#define SC_PTR(T, o) ((T *)(scn_base + (o)))
#define SC_G SC_PTR(sc_globals, scn_goff)
#define SC_GROW(b) scn_grow(b)
#define SC_LOAD(e) scn_load(e)
#define SC_ON_WARM(a) scn_js_warm(scn_user, a)

#include "state_cache_core.h"

/* Frame memory by frame id (`user`); ids beyond the table go to JS. */
#define SCN_MAX_FRAMES 65536
static uint8_t *scn_frames[SCN_MAX_FRAMES];

SCN_API void mevmc_scn_frame(uint32_t id, uint64_t mem) {
  if (id < SCN_MAX_FRAMES) scn_frames[id] = (uint8_t *)(uintptr_t)mem;
}
SCN_API void mevmc_scn_base(uint64_t base) { scn_base = (uint8_t *)(uintptr_t)base; }
/* The address a pointer argument arrives as (the loader passes the cache memory's buffer). */
SCN_API uint64_t mevmc_scn_addr(void *p) { return (uint64_t)(uintptr_t)p; }

/* js: the SCN_OPS callbacks the helper's functions fall back to. */
SCN_API void mevmc_scn_init(uint64_t base, uint32_t goff, uint64_t load, uint64_t warm, uint64_t grow, const uint64_t *js) {
  scn_base = (uint8_t *)(uintptr_t)base;
  scn_goff = goff;
  scn_js_load = (scn_load_fn)(uintptr_t)load;
  scn_js_warm = (scn_warm_fn)(uintptr_t)warm;
  scn_js_grow = (scn_grow_fn)(uintptr_t)grow;
  for (int i = 0; i < SCN_OPS; i++) scn_js[i] = js[i];
}

#define CTX_U32(m, o) (*(uint32_t *)((m) + MEVMC_CTX + (o)))
#define CTX_GAS(m) (*(uint64_t *)((m) + MEVMC_CTX + MEVMC_CTX_GAS))

/* The frame's memory when its storage ops run here (its context holds a state-cache record), else 0. */
static inline uint8_t *scn_frame(uint64_t user, uint32_t *a) {
  uint8_t *m = user < SCN_MAX_FRAMES ? scn_frames[user] : 0;
  if (!m || !(*a = CTX_U32(m, MEVMC_CTX_STATE_ADDR))) return 0;
  scn_user = user;
  scn_failed = 0;
  return m;
}

static int32_t scn_sload(uint64_t user, uint32_t r) {
  uint32_t a;
  uint8_t *m = scn_frame(user, &a);
  if (!m) return scn_js_sload(user, r);
  SC_G->ops++;
  sc_u64 k[4], cost;
  __builtin_memcpy(k, m + r, 32);
  const sc_u64 *v = sc_op_sload(a, k, CTX_U32(m, MEVMC_CTX_FORK), &cost);
  if (scn_failed) return MEVMC_STATUS_HOST_ERROR;
  if (CTX_GAS(m) < cost) return MEVMC_STATUS_OUT_OF_GAS;
  CTX_GAS(m) -= cost;
  __builtin_memcpy(m + r, v, 32);
  return 0;
}

static int32_t scn_sstore(uint64_t user, uint32_t kp, uint32_t vp) {
  uint32_t a;
  uint8_t *m = scn_frame(user, &a);
  if (!m) return scn_js_sstore(user, kp, vp);
  if (CTX_U32(m, MEVMC_CTX_FLAGS) & MEVMC_CTX_FLAG_STATIC) return MEVMC_STATUS_STATIC_VIOLATION;
  SC_G->ops++;
  sc_u64 k[4], v[4], gas = CTX_GAS(m);
  __builtin_memcpy(k, m + kp, 32);
  __builtin_memcpy(v, m + vp, 32);
  sc_u32 status = sc_op_sstore(a, k, v, CTX_U32(m, MEVMC_CTX_FORK), &gas);
  if (scn_failed) return MEVMC_STATUS_HOST_ERROR;
  if (status) return (int32_t)status;
  CTX_GAS(m) = gas;
  return 0;
}

static void scn_tload(uint64_t user, uint32_t r) {
  uint32_t a;
  uint8_t *m = scn_frame(user, &a);
  if (!m) {
    scn_js_tload(user, r);
    return;
  }
  SC_G->ops++;
  sc_u64 k[4];
  __builtin_memcpy(k, m + r, 32);
  __builtin_memcpy(m + r, sc_op_tload(a, k), 32);
}

static int32_t scn_tstore(uint64_t user, uint32_t kp, uint32_t vp) {
  uint32_t a;
  uint8_t *m = scn_frame(user, &a);
  if (!m) return scn_js_tstore(user, kp, vp);
  if (CTX_U32(m, MEVMC_CTX_FLAGS) & MEVMC_CTX_FLAG_STATIC) return MEVMC_STATUS_STATIC_VIOLATION;
  SC_G->ops++;
  sc_u64 k[4], v[4];
  __builtin_memcpy(k, m + kp, 32);
  __builtin_memcpy(v, m + vp, 32);
  sc_op_tstore(a, k, v);
  return 0;
}

/* Warm account fields known to the cache (sc_acct_get); JS otherwise. */
static inline int scn_acct(uint64_t user, uint32_t r, sc_u32 field) {
  uint32_t a;
  uint8_t *m = scn_frame(user, &a);
  if (!m) return -1;
  sc_u64 k[4], v[4];
  __builtin_memcpy(k, m + r, 32);
  if (!sc_acct_get(a, k, field, v)) return -1;
  SC_G->ops++;
  sc_u64 cost = SC_WARM_ACCESS_COST(CTX_U32(m, MEVMC_CTX_FORK));
  if (CTX_GAS(m) < cost) return MEVMC_STATUS_OUT_OF_GAS;
  CTX_GAS(m) -= cost;
  __builtin_memcpy(m + r, v, 32);
  return 0;
}
static int32_t scn_balance(uint64_t user, uint32_t r) {
  int s = scn_acct(user, r, SC_ACCT_BALANCE);
  return s >= 0 ? s : scn_js_balance(user, r);
}
static int32_t scn_extcodesize(uint64_t user, uint32_t r) {
  int s = scn_acct(user, r, SC_ACCT_SIZE);
  return s >= 0 ? s : scn_js_extcodesize(user, r);
}
static int32_t scn_extcodehash(uint64_t user, uint32_t r) {
  int s = scn_acct(user, r, SC_ACCT_HASH);
  return s >= 0 ? s : scn_js_extcodehash(user, r);
}
static void scn_selfbalance(uint64_t user, uint32_t r) {
  uint32_t a;
  uint8_t *m = scn_frame(user, &a);
  sc_u64 k[4], v[4];
  if (m) {
    __builtin_memcpy(k, m + MEVMC_ENV, 32); /* slot 0: ADDRESS */
    if (sc_acct_get(a, k, SC_ACCT_BALANCE | SC_ACCT_SELF, v)) {
      SC_G->ops++;
      __builtin_memcpy(m + r, v, 32);
      return;
    }
  }
  scn_js_selfbalance(user, r);
}

/* LOG0–LOG4 into the cache's log buffer (sc_log_begin): topics and data copied straight from the frame memory. */
static int32_t scn_log(uint64_t user, uint32_t n, uint32_t t, uint32_t d, uint32_t len) {
  uint32_t a;
  uint8_t *m = scn_frame(user, &a);
  if (!m) return scn_js_log(user, n, t, d, len);
  if (CTX_U32(m, MEVMC_CTX_FLAGS) & MEVMC_CTX_FLAG_STATIC) return MEVMC_STATUS_STATIC_VIOLATION;
  SC_G->ops++;
  sc_u32 at = sc_log_begin(a, n, len);
  uint8_t *dst = SC_PTR(uint8_t, at); /* after sc_log_begin: growing may move the base */
  for (uint32_t i = 0; i < n; i++) {
    sc_u64 w[4];
    __builtin_memcpy(w, m + t + 32 * i, 32);
    sc_log_topic(dst + 32 * i, w);
  }
  if (len) __builtin_memcpy(dst + 32 * n, m + d, len);
  return 0;
}

/* The host-table entries, in the order of NativeStateHelper's OPS. */
SCN_API uint64_t mevmc_scn_fn(uint32_t i) {
  switch (i) {
    case 0: return (uint64_t)(uintptr_t)&scn_sload;
    case 1: return (uint64_t)(uintptr_t)&scn_sstore;
    case 2: return (uint64_t)(uintptr_t)&scn_tload;
    case 3: return (uint64_t)(uintptr_t)&scn_tstore;
    case 4: return (uint64_t)(uintptr_t)&scn_balance;
    case 5: return (uint64_t)(uintptr_t)&scn_extcodesize;
    case 6: return (uint64_t)(uintptr_t)&scn_extcodehash;
    case 7: return (uint64_t)(uintptr_t)&scn_selfbalance;
    case 8: return (uint64_t)(uintptr_t)&scn_log;
    default: return 0;
  }
}
