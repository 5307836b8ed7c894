/*
 * state_cache_core.h — the per-transaction state cache and journal (issue #14 part 2), portable C shared
 * by the wasm state module (state_cache.c) and the native engine's helper (state_native.c).
 *
 * What it holds, per context (one context = one WorldState's current transaction):
 *   - storage slots: key → current value (when written), original value (backend value at tx start),
 *     EIP-2929 warm flag;
 *   - transient slots (EIP-1153): key → value;
 *   - the refund counter;
 *   - the logs (LOG0–LOG4) in emission order, as the receipts want them (see "logs" below);
 *   - a journal of every change, so a checkpoint reverts exactly.
 * Compiled into state_cache.wasm (state_cache.c) and into the native engine's helper object (state_native.c),
 * both working on the same wasm memory.
 * Entries are keyed by (address record, 32-byte key): an address record belongs to one context, so one
 * hash table serves every live context. Account wipes (CREATE over an address, deletion) bump the address
 * record's epoch: a current value written under another epoch reads as 0, and the original stays.
 *
 * Storage layout: one arena of fixed-size records addressed by u32 offsets (0 = none); the host grows
 * it (SC_GROW). Values are 4 little-endian u64 limbs, as words in the frame memory.
 *
 * The embedding defines before including: SC_PTR(type, off) (offset → pointer), SC_G (pointer to the
 * sc_globals below, inside the same memory), SC_GROW(bytes) (make [0, bytes) addressable, returns 0 on
 * failure; the memory may move, so no pointer into it is held across an allocation), SC_LOAD(entry)
 * (fill `orig` from the backend: a miss; returns 0 when the backend failed), SC_ON_WARM(addr) (a slot of
 * this address turned warm: the JS side warms the account, EIP-2929).
 */
#ifndef MEVMC_STATE_CACHE_CORE_H
#define MEVMC_STATE_CACHE_CORE_H

#include <stdint.h>

typedef uint64_t sc_u64;
typedef int64_t sc_i64;
typedef uint32_t sc_u32;

#include "state_cache_consts.h"

#define SC_WARM 1u      /* EIP-2929 warm slot */
#define SC_LOADED 2u    /* orig holds the backend value */
#define SC_WRITTEN 4u   /* cur holds a value written in this transaction (under `epoch`) */
#define SC_TRANSIENT 8u /* a transient slot: cur only, never loaded */
/*
 * Account entries (keyed by the address word under the context's `accts` record): what BALANCE, SELFBALANCE,
 * EXTCODESIZE and EXTCODEHASH last returned for a warm account — balance in `cur`, code hash word in `orig`,
 * code size in `pad[0]` — each valid (flag) only in the account generation `wseq` it was filled in. All but
 * SC_ACCT_SELF are filled after an access that left the account warm, so they stand for its warmth too. JS fills
 * them after serving a miss and bumps the context's generation on any account change and any revert (which may
 * also cool an account), so a hit is exactly what JS would answer. Not journaled: a cache, not state.
 */
#define SC_ACCT_ALL (SC_ACCT_BALANCE | SC_ACCT_SIZE | SC_ACCT_HASH | SC_ACCT_SELF)

typedef struct {
  sc_u64 key[4];
  sc_u64 cur[4];
  sc_u64 orig[4];
  sc_u32 addr;  /* address record */
  sc_u32 next;  /* hash chain */
  sc_u32 cnext; /* next entry of the same context */
  sc_u32 flags;
  sc_u32 epoch; /* the address epoch `cur` was written under */
  sc_u32 wseq;  /* when its standing write began (the order WorldState.diff() lists writes in, as the JS maps did) */
  sc_u32 pad[2];
} sc_entry; /* 128 bytes */

typedef struct {
  sc_u32 ctx;
  sc_u32 epoch; /* 0 = storage as the backend has it; else wiped (a unique number per wipe) */
  sc_u32 cnext; /* next address of the same context */
  sc_u32 flags; /* SC_ADDR_NO_SLOTS: JS found no slot of the address in the backend (set with the record) */
  sc_u32 warmed; /* the context's rgen + 1 when JS last warmed the account for a slot: 0 = not since a revert */
} sc_addr;

/* Misses of the record read 0 without asking JS: the backend holds no slot of the address, and it does not
 * change during a transaction (runtime/state/state-cache.ts `newAddr` sets it). */
#define SC_ADDR_NO_SLOTS 1u

enum { SC_REC_ENTRY = 0, SC_REC_REFUND = 1, SC_REC_EPOCH = 2, SC_REC_LOG = 3 };

typedef struct {
  sc_u64 old[4];
  sc_i64 delta;
  sc_u32 target; /* entry or address record */
  sc_u32 kind;
  sc_u32 oflags;
  sc_u32 oepoch;
  sc_u32 prev;
  sc_u32 owseq;
} sc_rec; /* 64 bytes */

typedef struct {
  sc_i64 refund;
  sc_u32 entries; /* list through sc_entry.cnext */
  sc_u32 addrs;   /* list through sc_addr.cnext */
  sc_u32 journal; /* newest record */
  sc_u32 jlen;
  sc_u32 accts;   /* address record the account entries are keyed under (0: none yet) */
  sc_u32 agen;    /* account generation: JS bumps it on every account change and every revert */
  sc_u32 logs;    /* log buffer (SC_LOG_* records), 0: none yet */
  sc_u32 lcap;    /* its size: a power of two >= SC_LOG_MIN */
  sc_u32 llen;    /* bytes of records in it */
  sc_u32 lcount;  /* records in it */
  sc_u32 lver;    /* bumped on every append and every truncation (JS decodes again only when it moved) */
  sc_u32 rgen;    /* bumped on every revert (sc_addr.warmed) */
} sc_ctx; /* in a 64-byte record; runtime/state/state-cache.ts reads the log fields (C_LOGS…) */

/*
 * The cache's own state, in the arena's memory (SC_G: a pointer the embedding defines) so that every
 * embedding running this code on the same bytes (the wasm module, the native helper) shares it.
 */
typedef struct {
  sc_u32 top, cap;                          /* bump pointer over the arena, arena size */
  sc_u32 free_entry, free_rec, free_small;  /* one free list per record size */
  sc_u32 buckets, nbuckets, count;          /* hash table: nbuckets u32 heads at `buckets`; count entries live */
  sc_u32 epochs, wseq;
  sc_u64 ops; /* opcodes served for compiled frames (the bench's host-call count) */
  sc_u32 free_log[32]; /* free log buffers by log2 of their size */
} sc_globals;

#define sc_top (SC_G->top)
#define sc_cap (SC_G->cap)
#define sc_free_entry (SC_G->free_entry)
#define sc_free_rec (SC_G->free_rec)
#define sc_free_small (SC_G->free_small)
#define sc_buckets (SC_G->buckets)
#define sc_nbuckets (SC_G->nbuckets)
#define sc_count (SC_G->count)
#define sc_epochs (SC_G->epochs)
#define sc_wseq (SC_G->wseq)

#define SC_E(o) SC_PTR(sc_entry, o)
#define SC_A(o) SC_PTR(sc_addr, o)
#define SC_R(o) SC_PTR(sc_rec, o)
#define SC_C(o) SC_PTR(sc_ctx, o)
#define SC_BUCKET(i) (SC_PTR(sc_u32, sc_buckets)[i])

/* Bump allocation (never 0: the arena starts at a non-zero base). Traps when the host cannot grow. */
static sc_u32 sc_bump(sc_u32 n) {
  sc_u32 at = (sc_top + 63u) & ~63u;
  if (at + n > sc_cap) {
    if (sc_cap >= 0x80000000u) __builtin_trap(); /* 2 GiB of state: the u32 offsets end here */
    sc_u32 want = sc_cap * 2u;
    while (want < at + n) want *= 2u;
    if (!SC_GROW(want)) __builtin_trap();
    sc_cap = want;
  }
  sc_top = at + n;
  return at;
}

static sc_u32 sc_take(sc_u32 *list, sc_u32 size) {
  sc_u32 o = *list;
  if (o) {
    *list = *SC_PTR(sc_u32, o);
    return o;
  }
  return sc_bump(size);
}
static void sc_give(sc_u32 *list, sc_u32 o) {
  *SC_PTR(sc_u32, o) = *list;
  *list = o;
}

static sc_u32 sc_hash(sc_u32 addr, const sc_u64 *k, sc_u32 transient) {
  sc_u64 h = (sc_u64)addr * 0x9e3779b97f4a7c15ull ^ transient;
  h ^= k[0] * 0xbf58476d1ce4e5b9ull;
  h ^= k[1] * 0x94d049bb133111ebull;
  h ^= k[2] * 0xd6e8feb86659fd93ull;
  h ^= k[3] * 0xa0761d6478bd642full;
  h ^= h >> 31;
  h *= 0x9e3779b97f4a7c15ull;
  return (sc_u32)(h >> 32);
}

static void sc_rehash(sc_u32 n) {
  sc_u32 nb = sc_bump(n * 4u);
  sc_u32 *b = SC_PTR(sc_u32, nb);
  for (sc_u32 i = 0; i < n; i++) b[i] = 0;
  for (sc_u32 i = 0; i < sc_nbuckets; i++) {
    sc_u32 e = SC_BUCKET(i);
    while (e) {
      sc_u32 nx = SC_E(e)->next;
      sc_u32 h = sc_hash(SC_E(e)->addr, SC_E(e)->key, SC_E(e)->flags & SC_TRANSIENT) & (n - 1u);
      SC_E(e)->next = b[h];
      b[h] = e;
      e = nx;
    }
  }
  /* The old bucket array is left in the arena: growth is geometric, so at most as much again. */
  sc_buckets = nb;
  sc_nbuckets = n;
}

static void sc_init(sc_u32 base, sc_u32 cap) {
  sc_top = base;
  sc_cap = cap;
  sc_free_entry = sc_free_rec = sc_free_small = 0;
  sc_nbuckets = 0;
  sc_count = 0;
  sc_epochs = 0;
  for (int i = 0; i < 32; i++) SC_G->free_log[i] = 0;
  sc_rehash(1024);
}

static inline int sc_same(const sc_u64 *a, const sc_u64 *b) {
  return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}
static inline int sc_zero(const sc_u64 *a) { return (a[0] | a[1] | a[2] | a[3]) == 0; }
static inline void sc_copy(sc_u64 *d, const sc_u64 *s) {
  d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3];
}

/* The entry of (addr, k), or 0. */
static sc_u32 sc_find(sc_u32 addr, const sc_u64 *k, sc_u32 transient) {
  sc_u32 e = SC_BUCKET(sc_hash(addr, k, transient) & (sc_nbuckets - 1u));
  while (e) {
    sc_entry *p = SC_E(e);
    if (p->addr == addr && sc_same(p->key, k) && (p->flags & SC_TRANSIENT) == transient) return e;
    e = p->next;
  }
  return 0;
}

/* The entry of (addr, k), created (not loaded, not warm) when absent. */
static sc_u32 sc_get(sc_u32 addr, const sc_u64 *k, sc_u32 transient) {
  sc_u32 e = sc_find(addr, k, transient);
  if (e) return e;
  if (sc_count >= sc_nbuckets) sc_rehash(sc_nbuckets * 2u);
  e = sc_take(&sc_free_entry, sizeof(sc_entry));
  sc_entry *p = SC_E(e);
  sc_copy(p->key, k);
  p->cur[0] = p->cur[1] = p->cur[2] = p->cur[3] = 0;
  p->orig[0] = p->orig[1] = p->orig[2] = p->orig[3] = 0;
  p->addr = addr;
  p->flags = transient;
  p->epoch = 0;
  p->wseq = 0;
  sc_u32 h = sc_hash(addr, k, transient) & (sc_nbuckets - 1u);
  p->next = SC_BUCKET(h);
  SC_BUCKET(h) = e;
  sc_ctx *c = SC_C(SC_A(addr)->ctx);
  p->cnext = c->entries;
  c->entries = e;
  sc_count++;
  return e;
}

static inline void sc_ensure_loaded(sc_u32 e) {
  sc_entry *p = SC_E(e);
  if (p->flags & (SC_LOADED | SC_TRANSIENT)) return;
  if (SC_A(p->addr)->flags & SC_ADDR_NO_SLOTS) {
    p->orig[0] = p->orig[1] = p->orig[2] = p->orig[3] = 0;
    p->flags |= SC_LOADED;
  } else if (SC_LOAD(e)) SC_E(e)->flags |= SC_LOADED;
}

/* The current value of a loaded storage entry (0 when its account was wiped after the write, or before it). */
static inline const sc_u64 *sc_value(sc_u32 e) {
  static const sc_u64 zero[4] = {0, 0, 0, 0};
  sc_entry *p = SC_E(e);
  sc_u32 epoch = SC_A(p->addr)->epoch;
  if ((p->flags & SC_WRITTEN) && p->epoch == epoch) return p->cur;
  return epoch ? zero : p->orig;
}

static sc_u32 sc_new_rec(sc_u32 ctx, sc_u32 kind, sc_u32 target) {
  sc_u32 r = sc_take(&sc_free_rec, sizeof(sc_rec));
  sc_rec *p = SC_R(r);
  sc_ctx *c = SC_C(ctx);
  p->kind = kind;
  p->target = target;
  p->prev = c->journal;
  c->journal = r;
  c->jlen++;
  return r;
}

/* Journal the state of entry e before a change. */
static void sc_save_entry(sc_u32 e) {
  sc_u32 r = sc_new_rec(SC_A(SC_E(e)->addr)->ctx, SC_REC_ENTRY, e);
  sc_entry *p = SC_E(e);
  sc_rec *q = SC_R(r);
  sc_copy(q->old, p->cur);
  q->oflags = p->flags;
  q->oepoch = p->epoch;
  q->owseq = p->wseq;
}

/* Mark entry e written now (after sc_save_entry): a write that does not stand yet starts a new place in the order. */
static inline void sc_mark_written(sc_entry *p) {
  sc_u32 epoch = SC_A(p->addr)->epoch;
  if (!(p->flags & SC_WRITTEN) || p->epoch != epoch) p->wseq = ++sc_wseq;
  p->flags |= SC_WRITTEN;
  p->epoch = epoch;
}

static void sc_write(sc_u32 e, const sc_u64 *v) {
  sc_save_entry(e);
  sc_entry *p = SC_E(e);
  sc_copy(p->cur, v);
  sc_mark_written(p);
}

static void sc_add_refund_ctx(sc_u32 ctx, sc_i64 delta) {
  if (delta == 0) return;
  sc_u32 r = sc_new_rec(ctx, SC_REC_REFUND, ctx);
  SC_R(r)->delta = delta;
  SC_C(ctx)->refund += delta;
}

/* Mark warm (journaled); returns whether it was warm. */
static sc_u32 sc_warm(sc_u32 e) {
  if (SC_E(e)->flags & SC_WARM) return 1;
  sc_save_entry(e);
  SC_E(e)->flags |= SC_WARM;
  return 0;
}

/* A slot of `addr` turned warm: JS warms the account (SC_ON_WARM), unless it already did for this record with
 * no revert since — only a revert cools an account within a transaction (a JS call per fresh slot was ~15% of
 * corpus StorageHeavy.fill). */
static void sc_warm_account(sc_u32 addr) {
  sc_u32 g = SC_C(SC_A(addr)->ctx)->rgen + 1u;
  if (SC_A(addr)->warmed == g) return;
  SC_ON_WARM(addr);
  SC_A(addr)->warmed = g; /* after the call: JS may have grown the memory */
}

static void sc_wipe(sc_u32 addr) {
  sc_u32 r = sc_new_rec(SC_A(addr)->ctx, SC_REC_EPOCH, addr);
  SC_R(r)->oepoch = SC_A(addr)->epoch;
  SC_A(addr)->epoch = ++sc_epochs;
}

static void sc_revert(sc_u32 ctx, sc_u32 len) {
  sc_ctx *c = SC_C(ctx);
  c->rgen++;
  while (c->jlen > len) {
    sc_u32 r = c->journal;
    sc_rec *q = SC_R(r);
    if (q->kind == SC_REC_ENTRY) {
      sc_entry *p = SC_E(q->target);
      sc_copy(p->cur, q->old);
      /* LOADED is a cache fill, not a change: keep it. */
      p->flags = (q->oflags & ~SC_LOADED) | (p->flags & SC_LOADED);
      p->epoch = q->oepoch;
      p->wseq = q->owseq;
    } else if (q->kind == SC_REC_REFUND) {
      c->refund -= q->delta;
    } else if (q->kind == SC_REC_LOG) {
      c->llen = q->oepoch; /* a LOG of a reverted frame disappears */
      c->lcount--;
      c->lver++;
    } else {
      SC_A(q->target)->epoch = q->oepoch;
    }
    c->journal = q->prev;
    c->jlen--;
    sc_give(&sc_free_rec, r);
  }
}

static sc_u32 sc_ctx_new(void) {
  sc_u32 c = sc_take(&sc_free_small, 64);
  sc_ctx *p = SC_C(c);
  p->refund = 0;
  p->entries = p->addrs = p->journal = p->jlen = 0;
  p->accts = 0;
  p->agen = 1;
  p->logs = p->lcap = p->llen = p->lcount = p->lver = 0;
  p->rgen = 0;
  return c;
}

static sc_u32 sc_addr_new(sc_u32 ctx) {
  sc_u32 a = sc_take(&sc_free_small, 64);
  sc_addr *p = SC_A(a);
  p->ctx = ctx;
  p->epoch = 0;
  p->flags = p->warmed = 0;
  p->cnext = SC_C(ctx)->addrs;
  SC_C(ctx)->addrs = a;
  return a;
}

/* Unlink entry e from its hash chain. */
static void sc_unlink(sc_u32 e) {
  sc_entry *p = SC_E(e);
  sc_u32 *link = &SC_BUCKET(sc_hash(p->addr, p->key, p->flags & SC_TRANSIENT) & (sc_nbuckets - 1u));
  while (*link != e) link = &SC_E(*link)->next;
  *link = p->next;
}

/* Free a context with its entries, addresses and journal. */
static void sc_ctx_free(sc_u32 ctx) {
  sc_ctx *c = SC_C(ctx);
  for (sc_u32 e = c->entries; e;) {
    sc_u32 nx = SC_E(e)->cnext;
    sc_unlink(e);
    sc_give(&sc_free_entry, e);
    sc_count--;
    e = nx;
  }
  for (sc_u32 a = c->addrs; a;) {
    sc_u32 nx = SC_A(a)->cnext;
    sc_give(&sc_free_small, a);
    a = nx;
  }
  for (sc_u32 r = c->journal; r;) {
    sc_u32 nx = SC_R(r)->prev;
    sc_give(&sc_free_rec, r);
    r = nx;
  }
  if (c->logs) sc_give(&SC_G->free_log[__builtin_ctz(c->lcap)], c->logs);
  sc_give(&sc_free_small, ctx);
}

/* ---- the opcodes ------------------------------------------------------------------------------- */

/* SLOAD: the value, warming the slot; *cost = EIP-2929 access gas (0 before Berlin: static gas). */
static const sc_u64 *sc_op_sload(sc_u32 addr, const sc_u64 *k, sc_u32 fork, sc_u64 *cost) {
  sc_u32 e = sc_get(addr, k, 0);
  sc_ensure_loaded(e);
  *cost = 0;
  if (fork >= SC_FORK_BERLIN) {
    if (sc_warm(e)) *cost = 100;
    else {
      *cost = 2100;
      sc_warm_account(addr);
    }
  }
  return sc_value(e);
}

/*
 * SSTORE with EIP-2200/2929/3529 gas and refunds (as runtime/host/sstore-gas.ts): returns the status
 * (0 or MEVMC_STATUS_OUT_OF_GAS), *gas updated. Nothing changes when it fails.
 */
static sc_u32 sc_op_sstore(sc_u32 addr, const sc_u64 *k, const sc_u64 *v, sc_u32 fork, sc_u64 *gas) {
  if (fork >= SC_FORK_ISTANBUL && *gas <= 2300) return 3; /* EIP-2200 sentry */
  sc_u32 e = sc_get(addr, k, 0);
  sc_ensure_loaded(e);
  sc_entry *p = SC_E(e);
  const sc_u64 *cur = sc_value(e);
  const sc_u64 *orig = p->orig;
  sc_u64 cost;
  sc_i64 refund = 0;
  int cold = 0;
  if (fork < SC_FORK_CONSTANTINOPLE || fork == SC_FORK_PETERSBURG) {
    cost = sc_zero(cur) && !sc_zero(v) ? 20000 : 5000;
    if (!sc_zero(cur) && sc_zero(v)) refund = 15000;
  } else {
    int berlin = fork >= SC_FORK_BERLIN;
    sc_u64 sload = berlin ? 100 : fork >= SC_FORK_ISTANBUL ? 800 : 200;
    sc_u64 reset = berlin ? 5000 - 2100 : 5000;
    sc_i64 clear = fork >= SC_FORK_LONDON ? 4800 : 15000;
    cold = berlin && !(p->flags & SC_WARM);
    if (sc_same(cur, v)) cost = sload;
    else if (sc_same(orig, cur)) {
      if (sc_zero(orig)) cost = 20000;
      else {
        cost = reset;
        if (sc_zero(v)) refund += clear;
      }
    } else {
      cost = sload;
      if (!sc_zero(orig)) {
        if (sc_zero(cur)) refund -= clear;
        else if (sc_zero(v)) refund += clear;
      }
      if (sc_same(orig, v)) refund += (sc_i64)(sc_zero(orig) ? 20000 - sload : reset - sload);
    }
    if (cold) cost += 2100;
  }
  if (*gas < cost) return 3;
  *gas -= cost;
  /* One journal record covers the warm flag and the value. */
  sc_save_entry(e);
  p = SC_E(e); /* the record may have grown the memory */
  if (cold) {
    p->flags |= SC_WARM;
    sc_warm_account(addr);
  }
  sc_copy(p->cur, v);
  sc_mark_written(p);
  sc_add_refund_ctx(SC_A(addr)->ctx, refund);
  return 0;
}

static const sc_u64 *sc_op_tload(sc_u32 addr, const sc_u64 *k) {
  static const sc_u64 zero[4] = {0, 0, 0, 0};
  sc_u32 e = sc_find(addr, k, SC_TRANSIENT);
  return e ? SC_E(e)->cur : zero;
}

static void sc_op_tstore(sc_u32 addr, const sc_u64 *k, const sc_u64 *v) {
  sc_u32 e = sc_get(addr, k, SC_TRANSIENT);
  sc_save_entry(e);
  sc_copy(SC_E(e)->cur, v);
}

/* ---- account fields (BALANCE, SELFBALANCE, EXTCODESIZE, EXTCODEHASH) ------------------------------- */

/*
 * The word of `field` for the address word k (its low 160 bits) into out: 1, or 0 when JS must answer. `field`: one
 * SC_ACCT_* flag, or SC_ACCT_BALANCE | SC_ACCT_SELF (SELFBALANCE: any known balance).
 */
static int sc_acct_get(sc_u32 addr, const sc_u64 *k, sc_u32 field, sc_u64 *out) {
  sc_ctx *c = SC_C(SC_A(addr)->ctx);
  if (!c->accts) return 0;
  sc_u64 key[4] = { k[0], k[1], k[2] & 0xffffffffull, 0 };
  sc_u32 e = sc_find(c->accts, key, 0);
  if (!e) return 0;
  sc_entry *p = SC_E(e);
  if (p->wseq != c->agen || !(p->flags & field)) return 0;
  if (field & (SC_ACCT_BALANCE | SC_ACCT_SELF)) sc_copy(out, p->cur);
  else if (field == SC_ACCT_HASH) sc_copy(out, p->orig);
  else {
    out[0] = p->pad[0];
    out[1] = out[2] = out[3] = 0;
  }
  return 1;
}

/* Remember what JS answered for `field` of address word k: value v (a code size is v[0]). */
static void sc_acct_fill(sc_u32 addr, const sc_u64 *k, sc_u32 field, const sc_u64 *v) {
  sc_u32 ctx = SC_A(addr)->ctx;
  if (!SC_C(ctx)->accts) {
    sc_u32 a = sc_addr_new(ctx);
    SC_C(ctx)->accts = a;
  }
  sc_u64 key[4] = { k[0], k[1], k[2] & 0xffffffffull, 0 };
  sc_u32 e = sc_get(SC_C(ctx)->accts, key, 0);
  sc_entry *p = SC_E(e);
  sc_u32 gen = SC_C(ctx)->agen;
  if (p->wseq != gen) {
    p->flags &= ~SC_ACCT_ALL;
    p->wseq = gen;
  }
  p->flags |= field;
  if (field & (SC_ACCT_BALANCE | SC_ACCT_SELF)) sc_copy(p->cur, v);
  else if (field == SC_ACCT_HASH) sc_copy(p->orig, v);
  else {
    p->pad[0] = (sc_u32)v[0];
    p->pad[1] = 0;
  }
}

/* ---- logs (LOG0–LOG4) ------------------------------------------------------------------------------ */

/*
 * A context's logs: one buffer of records in emission order, each SC_LOG_HDR bytes of header (u32 address record,
 * u32 topic count, u32 data length, u32 0), the topics as 32-byte big-endian words (as receipts and the bloom want
 * them), then the data, padded to 16 bytes. A LOG appends a record and journals the old length, so a revert drops
 * the logs of the reverted frames; JS decodes the buffer once, at the end of the transaction. The buffer is a power of
 * two (SC_LOG_MIN_LOG2 and up) from a free list per size, moved to the next size when full. Gas is the compiled code's.
 */
#define SC_LOG_HDR 16u
#define SC_LOG_MIN_LOG2 12u

static inline sc_u32 sc_log_size(sc_u32 n, sc_u32 len) { return (SC_LOG_HDR + 32u * n + len + 15u) & ~15u; }

/* Room for `size` more bytes of records in the context's buffer. */
static void sc_log_reserve(sc_u32 ctx, sc_u32 size) {
  sc_ctx *c = SC_C(ctx);
  sc_u64 need = (sc_u64)c->llen + size;
  if (need <= c->lcap) return;
  if (need > 0x40000000ull) __builtin_trap(); /* 1 GiB of logs in one transaction: past any gas limit */
  sc_u32 k = SC_LOG_MIN_LOG2;
  while ((1ull << k) < need) k++;
  /* A context's first buffer is the largest free one (an earlier transaction's): as much logging again never copies. */
  if (!c->logs)
    for (sc_u32 j = 31; j > k; j--)
      if (SC_G->free_log[j]) {
        k = j;
        break;
      }
  sc_u32 nb = sc_take(&SC_G->free_log[k], 1u << k);
  c = SC_C(ctx); /* the memory may have moved */
  if (c->logs) {
    __builtin_memcpy(SC_PTR(unsigned char, nb), SC_PTR(unsigned char, c->logs), c->llen);
    sc_give(&SC_G->free_log[__builtin_ctz(c->lcap)], c->logs);
  }
  c->logs = nb;
  c->lcap = 1u << k;
}

/*
 * Append the record of a LOG of `n` topics and `len` data bytes by address record `addr` (journaled): the offset
 * where its topics go, the data right after them; the caller fills both before anything else runs on the cache.
 */
static sc_u32 sc_log_begin(sc_u32 addr, sc_u32 n, sc_u32 len) {
  sc_u32 ctx = SC_A(addr)->ctx;
  sc_u32 size = sc_log_size(n, len);
  sc_log_reserve(ctx, size);
  sc_u32 r = sc_new_rec(ctx, SC_REC_LOG, ctx);
  sc_ctx *c = SC_C(ctx);
  SC_R(r)->oepoch = c->llen;
  sc_u32 at = c->logs + c->llen;
  sc_u32 *h = SC_PTR(sc_u32, at);
  h[0] = addr;
  h[1] = n;
  h[2] = len;
  h[3] = 0;
  c->llen += size;
  c->lcount++;
  c->lver++;
  return at + SC_LOG_HDR;
}

/* A topic: the word w (4 little-endian limbs, as in frame memory) as 32 big-endian bytes at d. */
#if defined(__wasm_simd128__)
/* wasm has no byte swap: clang spells each bswap64 in ~20 shifts and masks (a LOG4 took ~340 of them); one
 * i8x16.shuffle reverses 16 bytes. */
typedef unsigned char sc_v16 __attribute__((vector_size(16)));
static inline void sc_log_topic(unsigned char *d, const sc_u64 *w) {
  sc_v16 lo, hi;
  __builtin_memcpy(&lo, w, 16);
  __builtin_memcpy(&hi, w + 2, 16);
  hi = __builtin_shufflevector(hi, hi, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  lo = __builtin_shufflevector(lo, lo, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  __builtin_memcpy(d, &hi, 16);
  __builtin_memcpy(d + 16, &lo, 16);
}
#else
static inline void sc_log_topic(unsigned char *d, const sc_u64 *w) {
  sc_u64 t[4] = { __builtin_bswap64(w[3]), __builtin_bswap64(w[2]), __builtin_bswap64(w[1]), __builtin_bswap64(w[0]) };
  __builtin_memcpy(d, t, 32);
}
#endif

#endif /* MEVMC_STATE_CACHE_CORE_H */
