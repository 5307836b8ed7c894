/**
 * @file The JS side of the state cache in linear memory (issue #14 part 2; C in src/builtins/state_cache_core.h):
 * storage slots (current, original, warm), transient slots, the refund counter and their journal live in one
 * wasm memory shared by every frame of the process. Compiled wasm contracts reach it without JS through
 * state_host.wasm (native frames through the helper of runtime/loader/native-state.ts); `WorldState` reaches it
 * through the exports below. Logs (LOG0–LOG4) are appended to a per-context buffer here and decoded once per
 * transaction ({@link StateCache.readLogs}). JS is called back only on a miss (the
 * backend's value of a slot: `load`) and when a slot turns warm (the account is warmed too: `warm`).
 *
 * One context per WorldState transaction; address records (the `addr` ids) belong to a context and are what
 * compiled frames find in `Ctx.stateAddr`. Off with MEVMC_STATE_CACHE=0 (the JS maps of WorldState serve).
 */
import { stateModule } from '../../src/builtins/index.ts';
import { Op, TRAITS } from '../../src/evm/traits.ts';
import { logArena, PackedLog } from './packed-log.ts';

/** Exports of state_cache.wasm (see state_cache.c). Words are 4 × i64 limbs, least significant first. */
export interface StateCacheExports {
  init(): void;
  ctx_new(): number;
  ctx_free(ctx: number): void;
  addr_new(ctx: number): number;
  jlen(ctx: number): number;
  revert(ctx: number, len: number): void;
  refund(ctx: number): bigint;
  add_refund(ctx: number, delta: bigint): void;
  wipe(addr: number): void;
  entries(ctx: number): number;
  count(): number;
  /** Opcodes served for compiled frames so far (storage, warm account fields, LOG; wasm and native). */
  ops(): bigint;
  /** Offset of the cache's own state (sc_globals) in its memory, for the native helper. */
  globals(): number;
  /** Remember an account field JS answered (key and value in the scratch words 0-3 and 4-7). */
  s_acct_fill(addr: number, field: number): void;
  /** Every account entry of the context is stale (an account changed, a revert ran). */
  acct_bump(ctx: number): void;
  t_get(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint): bigint[];
  t_put(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint, v0: bigint, v1: bigint, v2: bigint, v3: bigint): void;
  scratch(): number;
  s_sload(addr: number, fork: number): number;
  s_sstore(addr: number, fork: number): number;
  s_tload(addr: number): void;
  s_tstore(addr: number): void;
  peek(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint): bigint[];
  orig(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint): bigint[];
  warm_slot(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint): number;
  write(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint, v0: bigint, v1: bigint, v2: bigint, v3: bigint): void;
  sload(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint, fork: number): bigint[];
  sstore(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint, v0: bigint, v1: bigint, v2: bigint, v3: bigint, fork: number, gas: bigint): [bigint, number];
  tload(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint): bigint[];
  tstore(addr: number, k0: bigint, k1: bigint, k2: bigint, k3: bigint, v0: bigint, v1: bigint, v2: bigint, v3: bigint): void;
  /** Append a log record (journaled) for JS: where its `32 × n` topic bytes go, the `len` data bytes after them. */
  log_open(addr: number, n: number, len: number): number;
}

/** What the cache needs from the owner of an address record (WorldState implements it). */
export interface StateCacheOwner {
  /** The backend's value of a slot (a miss). */
  loadSlot(address: string, slot: bigint): bigint;
  /** True when every slot of the address is 0 in the backend: its misses read 0 without a call (optional). */
  noSlots?(address: string): boolean;
  /** A slot of `address` turned warm inside the cache: warm the account (EIP-2929, as WorldState.warmSlot). */
  warmAddress(address: string): boolean;
}

// Entry layout (sc_entry): key at 0, cur at 32, orig at 64, then u32 addr 96, next 100, cnext 104, flags 108, epoch 112,
// wseq 116.
const E_CUR = 32, E_ORIG = 64, E_ADDR = 96, E_CNEXT = 104, E_FLAGS = 108, E_EPOCH = 112, E_WSEQ = 116;
// sc_addr: u32 ctx at 0, epoch at 4, flags at 12 (A_NO_SLOTS: SC_ADDR_NO_SLOTS).
const A_EPOCH = 4, A_FLAGS = 12, A_WARMED = 16, A_NO_SLOTS = 1;
// sc_ctx: the log buffer's offset, used length, record count and version; a record's header (u32 address record,
// topic count, data length, 0) is LOG_HDR bytes, the record padded to 16.
const C_LOGS = 32, C_LLEN = 40, C_LCOUNT = 44, C_LVER = 48, C_RGEN = 52, LOG_HDR = 16;
const F_WRITTEN = 4, F_TRANSIENT = 8;
/** Account fields the cache remembers for warm accounts (SC_ACCT_* of state_cache_core.h). */
export const AcctField = { balance: 16, codeSize: 32, codeHash: 64, selfBalance: 128 } as const;
const MASK = (1n << 64n) - 1n;

/**
 * Whether `code` holds an opcode that compiled frames serve from the state cache through `Ctx.stateAddr` (SLOAD,
 * SSTORE, TLOAD, TSTORE, BALANCE, EXTCODESIZE, EXTCODEHASH, SELFBALANCE, LOG0–LOG4; PUSH data skipped). A frame of
 * code without one needs no state-cache record: opening the transaction's context and the record for it (two JS→wasm
 * calls, a third to free it, the record's map entries) was about a quarter of a bare STOP call's CPU.
 */
export function usesStateCache(code: Uint8Array): boolean {
  for (let i = 0; i < code.length; i++) {
    const op = code[i];
    if (SERVED_BY_CACHE[op]) return true;
    i += TRAITS[op]?.imm ?? 0;
  }
  return false;
}
/** By opcode byte: the ops {@link usesStateCache} looks for, from the opcode table (storage and log kinds, four reads). */
const SERVED_BY_CACHE = (() => {
  const t = new Uint8Array(256);
  for (let op = 0; op < 256; op++) if (TRAITS[op]?.kind === 'storage' || TRAITS[op]?.kind === 'log') t[op] = 1;
  for (const op of [Op.BALANCE, Op.EXTCODESIZE, Op.EXTCODEHASH, Op.SELFBALANCE]) t[op] = 1;
  return t;
})();

interface AddrInfo {
  owner: WeakRef<StateCacheOwner>;
  address: string;
}

/** readKey's memo: 2^KEY_MEMO_BITS keys, their lanes and BigInts (a key is a pure function of its bytes). */
const KEY_MEMO_BITS = 10;
const keyLanes = new Uint32Array(8 << KEY_MEMO_BITS);
const keyValues: (bigint | undefined)[] = new Array<bigint | undefined>(1 << KEY_MEMO_BITS).fill(undefined);

/** The process-wide cache instance. */
export class StateCache {
  readonly memory = new WebAssembly.Memory({ initial: 4, maximum: 65536 });
  readonly x: StateCacheExports;
  /** Address record → its owner and address (for the miss and warm callbacks). */
  private readonly addrs = new Map<number, AddrInfo>();
  private view: DataView;

  constructor() {
    const inst = new WebAssembly.Instance(stateModule('state_cache'), {
      env: { memory: this.memory },
      js: { load: (e: number) => this.miss(e), warm: (a: number) => this.warm(a) },
    });
    this.x = inst.exports as unknown as StateCacheExports;
    this.view = new DataView(this.memory.buffer);
    this.x.init();
    this.scratch = this.x.scratch();
  }
  private readonly scratch: number;

  /** Views of the current buffer: growing detaches the old one (its views read length 0), so no `buffer` getter call per access. */
  private fresh(): void {
    if (this.u32v.length === 0) {
      const b = this.memory.buffer;
      this.view = new DataView(b);
      this.u32v = new Uint32Array(b);
    }
  }

  dv(): DataView {
    this.fresh();
    return this.view;
  }

  /**
   * The slot key at `p` (4-aligned) as a BigInt, through a direct-mapped memo by its 8 u32 lanes: building a 256-bit
   * BigInt from limbs (four u64 reads, three shifts, three ors) costs ~0.5 µs, the largest part of a miss, and the
   * same slots miss again in every transaction that reads them (a fresh context each).
   */
  readKey(p: number): bigint {
    const u = this.u32();
    const q = p >> 2;
    const l0 = u[q], l1 = u[q + 1], l2 = u[q + 2], l3 = u[q + 3], l4 = u[q + 4], l5 = u[q + 5], l6 = u[q + 6], l7 = u[q + 7];
    const i = (Math.imul(l0 ^ Math.imul(l1 ^ l2 ^ l3, 0x85ebca6b) ^ l4 ^ l5 ^ l6 ^ l7, 0x9e3779b1) >>> (32 - KEY_MEMO_BITS)) * 8;
    const m = keyLanes;
    if (m[i] === l0 && m[i + 1] === l1 && m[i + 2] === l2 && m[i + 3] === l3 && m[i + 4] === l4 && m[i + 5] === l5 &&
      m[i + 6] === l6 && m[i + 7] === l7) {
      const k = keyValues[i >> 3];
      if (k !== undefined) return k;
    }
    const k = this.readWord(p);
    m[i] = l0; m[i + 1] = l1; m[i + 2] = l2; m[i + 3] = l3; m[i + 4] = l4; m[i + 5] = l5; m[i + 6] = l6; m[i + 7] = l7;
    keyValues[i >> 3] = k;
    return k;
  }

  readWord(p: number): bigint {
    // Below 2^53 (balances, counters, flags): one BigInt of a Number, not seven BigInt operations.
    const u = this.u32();
    const q = p >> 2;
    if ((p & 3) === 0 && (u[q + 2] | u[q + 3] | u[q + 4] | u[q + 5] | u[q + 6] | u[q + 7]) === 0 && u[q + 1] < 0x200000) {
      return BigInt(u[q + 1] * 4294967296 + u[q]);
    }
    if ((p & 7) === 0) {
      const b = this.u64();
      const i = p >>> 3;
      return b[i] | (b[i + 1] << 64n) | (b[i + 2] << 128n) | (b[i + 3] << 192n);
    }
    const v = this.dv();
    return v.getBigUint64(p, true) | (v.getBigUint64(p + 8, true) << 64n) | (v.getBigUint64(p + 16, true) << 128n) | (v.getBigUint64(p + 24, true) << 192n);
  }

  /**
   * SLOAD/SSTORE/TLOAD/TSTORE for the JS host (native frames, frames without state_host.wasm): copy the operand words
   * and the gas between the frame memory (`frame`, 32-bit lanes) and the cache's scratch, run the op in C, copy back.
   * `k`, `v` and `gas` are byte offsets in the frame, 4-aligned. Returns a Status.
   */
  frameOp(op: 0x54 | 0x55 | 0x5c | 0x5d, frame: () => Uint32Array, k: number, v: number, gas: number, addr: number, fork: number): number {
    let f = frame();
    let c = this.u32();
    const s = this.scratch >> 2;
    k >>= 2;
    for (let i = 0; i < 8; i++) c[s + i] = f[k + i];
    if (op === 0x55 || op === 0x5d) {
      v >>= 2;
      for (let i = 0; i < 8; i++) c[s + 8 + i] = f[v + i];
    }
    const g = gas >> 2;
    if (op === 0x5d) {
      this.x.s_tstore(addr);
      return 0;
    }
    if (op === 0x5c) {
      this.x.s_tload(addr);
      c = this.u32();
      for (let i = 0; i < 8; i++) f[k + i] = c[s + i];
      return 0;
    }
    c[s + 16] = f[g];
    c[s + 17] = f[g + 1];
    const status = op === 0x54 ? this.x.s_sload(addr, fork) : this.x.s_sstore(addr, fork);
    if (status !== 0) return status;
    c = this.u32(); // a miss ran JS and the cache may have grown
    f = frame();
    f[g] = c[s + 16];
    f[g + 1] = c[s + 17];
    if (op === 0x54) for (let i = 0; i < 8; i++) f[k + i] = c[s + i];
    return 0;
  }

  /**
   * BALANCE / SELFBALANCE / EXTCODESIZE / EXTCODEHASH answered by JS for a frame on the cache (record `addr`): the
   * address's lanes `k0`–`k4` and the answer as the word at `r` of `frame` (4-aligned), remembered until the context's
   * next account change or revert, so the next warm read is served in C.
   */
  acctFill(addr: number, field: number, k0: number, k1: number, k2: number, k3: number, k4: number, frame: Uint32Array, r: number): void {
    const c = this.u32();
    const s = this.scratch >> 2;
    c[s] = k0; c[s + 1] = k1; c[s + 2] = k2; c[s + 3] = k3; c[s + 4] = k4;
    c[s + 5] = 0; c[s + 6] = 0; c[s + 7] = 0;
    r >>= 2;
    for (let i = 0; i < 8; i++) c[s + 8 + i] = frame[r + i];
    this.x.s_acct_fill(addr, field);
  }

  private u32v = new Uint32Array(0);
  private u32(): Uint32Array {
    this.fresh();
    return this.u32v;
  }

  /**
   * A miss from C (the wasm import, the native helper): fill entry `e`'s original value from its owner's backend.
   * A record of an address whose backend holds no slot is marked so when it is made ({@link newAddr}), and C answers
   * its misses with 0 without calling here. One lookup of the record per miss.
   */
  miss(e: number): void {
    const v = this.dv();
    const a = v.getUint32(e + E_ADDR, true);
    const info = this.addrs.get(a)!;
    const owner = info.owner.deref()!;
    const value = owner.loadSlot(info.address, this.readKey(e));
    const dv = this.dv(); // the backend ran JS: the buffer is unchanged (only the cache grows it), re-read anyway
    if (value === 0n) {
      // Most misses read an unset slot: no BigInt limbs to cut.
      for (let i = 0; i < 32; i += 4) dv.setUint32(e + E_ORIG + i, 0, true);
      return;
    }
    // u64 lanes (entries are 64-aligned): a BigUint64Array store is inline code, DataView's setBigUint64 a call.
    const b = this.u64();
    const i = (e + E_ORIG) >>> 3;
    b[i] = value; // the lane keeps value mod 2^64
    if (value <= MASK) {
      // A counter, a nonce, a packed flag: one limb, no shifts.
      b[i + 1] = b[i + 2] = b[i + 3] = 0n;
      return;
    }
    b[i + 1] = value >> 64n;
    b[i + 2] = value >> 128n;
    b[i + 3] = value >> 192n;
  }

  /** The version of a context's logs: it changes with every LOG and every revert that drops one. */
  logVersion(ctx: number): number {
    return this.dv().getUint32(ctx + C_LVER, true);
  }

  /** Whether a context holds logs. */
  hasLogs(ctx: number): boolean {
    return this.dv().getUint32(ctx + C_LCOUNT, true) !== 0;
  }

  /**
   * A context's logs, in emission order: the buffer copied once into the log arena (records of every frame that did
   * not revert), one PackedLog per record over those bytes — they outlive the context.
   */
  readLogs(ctx: number): PackedLog[] {
    const v = this.dv();
    const n = v.getUint32(ctx + C_LCOUNT, true);
    if (n === 0) return [];
    const base = v.getUint32(ctx + C_LOGS, true), len = v.getUint32(ctx + C_LLEN, true);
    const at = logArena.take(len);
    const { bytes, view } = logArena;
    bytes.set(this.u8().subarray(base, base + len), at);
    const out: PackedLog[] = new Array(n);
    for (let i = 0, p = at; i < n; i++) {
      const topics = view.getUint32(p + 4, true), dataLen = view.getUint32(p + 8, true);
      out[i] = new PackedLog(this.addrs.get(view.getUint32(p, true))!.address, bytes, p + LOG_HDR, topics, dataLen);
      p += (LOG_HDR + 32 * topics + dataLen + 15) & ~15;
    }
    return out;
  }

  /** Append a log from JS (frames of a chain mode with host rules, the cache's owner): journaled as a LOG in C. */
  appendLog(addr: number, topicBytes: Uint8Array, data: Uint8Array): void {
    const at = this.x.log_open(addr, topicBytes.length >> 5, data.length);
    const u8 = this.u8();
    u8.set(topicBytes, at);
    if (data.length) u8.set(data, at + topicBytes.length);
  }

  private u64v = new BigUint64Array(0);
  private u64(): BigUint64Array {
    if (this.u64v.length === 0) this.u64v = new BigUint64Array(this.memory.buffer);
    return this.u64v;
  }

  private u8v = new Uint8Array(0);
  private u8(): Uint8Array {
    if (this.u8v.length === 0) this.u8v = new Uint8Array(this.memory.buffer);
    return this.u8v;
  }

  /** A slot of address record `a` turned warm in C: warm the account (EIP-2929). */
  warm(a: number): void {
    const info = this.addrs.get(a)!;
    info.owner.deref()!.warmAddress(info.address);
  }

  /**
   * A new address record of context `ctx`. `noSlots`: the owner's backend holds no slot of the address (its
   * `noSlots`), so C answers the record's misses with 0 itself — asked here, once per record, not on its first miss:
   * that miss was a wasm→JS call per transaction for every such account (a bare call of revmc/counter: ~5% of it),
   * and the check per miss of an account with slots is gone (the backend does not change during a transaction).
   */
  newAddr(ctx: number, owner: WeakRef<StateCacheOwner>, address: string, noSlots: boolean): number {
    const a = this.x.addr_new(ctx);
    if (noSlots) this.dv().setUint32(a + A_FLAGS, A_NO_SLOTS, true);
    // Records are reused (C free list): update the entry in place. A set and a delete per transaction on this
    // long-lived Map made V8 reallocate its hash table in old space, garbage that only a major GC frees.
    const info = this.addrs.get(a);
    if (info === undefined) this.addrs.set(a, { owner, address });
    else {
      info.owner = owner;
      info.address = address;
    }
    return a;
  }

  /**
   * The account of record `a` (context `ctx`) is warm in JS now: C need not call `warm` when a slot of it turns warm,
   * until a revert (which may cool the account) — as after such a call (sc_warm_account).
   */
  accountWarm(ctx: number, a: number): void {
    const v = this.dv();
    v.setUint32(a + A_WARMED, (v.getUint32(ctx + C_RGEN, true) + 1) >>> 0, true);
  }

  /**
   * Free a context. Its address records' entries stay (bounded by the records C ever had at once) and are
   * overwritten when a record is reused: only live records are looked up.
   */
  freeCtx(ctx: number): void {
    this.x.ctx_free(ctx);
  }

  /**
   * Every written storage slot of a context whose value stands: address record → slot → value, in the order the
   * writes began (addresses by their first standing write), as WorldState's JS maps list them. `only`: that address
   * record's slots alone (CREATE's collision check reads one account).
   */
  written(ctx: number, only = 0): Map<number, Map<bigint, bigint>> {
    // Standing writes as (write sequence, entry) in two scratch arrays, put in sequence order in place when few (a
    // transaction writes a few slots: an array of pairs sorted with a comparator was ~0.9 KB of garbage per
    // transaction in an ERC-20 block's profile).
    let seqs = writtenSeqs;
    let ents = writtenEntries;
    let n = 0;
    for (let e = this.x.entries(ctx); e !== 0; e = this.dv().getUint32(e + E_CNEXT, true)) {
      const v = this.dv();
      const flags = v.getUint32(e + E_FLAGS, true);
      if ((flags & F_WRITTEN) === 0 || (flags & F_TRANSIENT) !== 0) continue;
      const a = v.getUint32(e + E_ADDR, true);
      if (only !== 0 && a !== only) continue;
      if (v.getUint32(e + E_EPOCH, true) !== v.getUint32(a + A_EPOCH, true)) continue; // wiped since
      if (n === seqs.length) {
        const s2 = new Uint32Array(2 * n);
        s2.set(seqs);
        const e2 = new Uint32Array(2 * n);
        e2.set(ents);
        writtenSeqs = seqs = s2;
        writtenEntries = ents = e2;
      }
      seqs[n] = v.getUint32(e + E_WSEQ, true);
      ents[n++] = e;
    }
    let order: number[] | undefined;
    if (n <= 32) {
      for (let i = 1; i < n; i++) {
        const q = seqs[i];
        const e = ents[i];
        let j = i;
        for (; j > 0 && seqs[j - 1] > q; j--) {
          seqs[j] = seqs[j - 1];
          ents[j] = ents[j - 1];
        }
        seqs[j] = q;
        ents[j] = e;
      }
    } else {
      const sq = seqs;
      order = Array.from({ length: n }, (_, i) => i).sort((x, y) => sq[x] - sq[y]);
    }
    const out = new Map<number, Map<bigint, bigint>>();
    for (let k = 0; k < n; k++) {
      const e = ents[order ? order[k] : k];
      const a = this.dv().getUint32(e + E_ADDR, true);
      let m = out.get(a);
      if (!m) out.set(a, (m = new Map()));
      m.set(this.readKey(e), this.readWord(e + E_CUR)); // the key's BigInt as its miss made it (memo)
    }
    return out;
  }
}

/** written()'s scratch (grown as needed; a method never re-enters). */
let writtenSeqs = new Uint32Array(64);
let writtenEntries = new Uint32Array(64);

/** 4 limbs of a word, least significant first. */
export const limbs = (x: bigint): [bigint, bigint, bigint, bigint] =>
  [x & MASK, (x >> 64n) & MASK, (x >> 128n) & MASK, x >> 192n];
/** A word from 4 limbs (wasm returns i64 signed). */
export const fromLimbs = (l: bigint[]): bigint =>
  BigInt.asUintN(64, l[0]) | (BigInt.asUintN(64, l[1]) << 64n) | (BigInt.asUintN(64, l[2]) << 128n) | (BigInt.asUintN(64, l[3]) << 192n);

let shared: StateCache | undefined;
/** The process's cache, or undefined when MEVMC_STATE_CACHE=0. */
export function stateCache(): StateCache | undefined {
  if (shared === undefined && process.env.MEVMC_STATE_CACHE !== '0') shared = new StateCache();
  return shared;
}
