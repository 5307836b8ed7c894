/**
 * @file The in-memory world state behind the one state interface every frame uses: accounts,
 * storage (with the transaction-start "original" values EIP-2200 needs), transient storage
 * (EIP-1153), warm sets (EIP-2929), logs and the refund counter — all journaled, so a checkpoint
 * can be reverted exactly (nested frames and transactions build on this; a multi-version memory or
 * an authenticated store can implement the same `StateBackend` underneath).
 *
 * Keys: addresses are lowercase `0x` + 40 hex; slots and values are bigints in [0, 2^256).
 */
import { keccak256 } from './keccak.ts';
import { fromLimbs, limbs, type StateCache, stateCache, type StateCacheOwner } from './state-cache.ts';
import { type Log, packedTopics } from './packed-log.ts';

/** A committed account as the backend stores it. */
export interface Account {
  balance: bigint;
  nonce: bigint;
  code: Uint8Array;
}

/**
 * Where committed state comes from (in memory now; later a multi-version memory or SALT). Synchronous.
 * A backend that can take writes implements `applyDiff`, which {@link WorldState.commit} calls.
 */
export interface StateBackend {
  getAccount(address: string): Account | undefined;
  getStorage(address: string, slot: bigint): bigint;
  /** All non-zero slots of an account (for results and state roots). */
  storageEntries(address: string): Iterable<[bigint, bigint]>;
  /** Every account address it holds (for state roots). */
  addresses(): Iterable<string>;
  /** Write a committed transaction's changes (absent: a read-only backend, `commit()` throws). */
  applyDiff?(diff: StateDiff): void;
  /**
   * false when the account holds no non-zero slot, so a slot read may answer 0 without building the slot's key
   * (absent, or true: unknown; wrappers that must see every read, such as the parallel executor's, leave it out).
   */
  hasStorage?(address: string): boolean;
}

/** What one account's committed state became. */
export interface AccountDiff {
  /** The account in the backend before (undefined: it did not exist). */
  before: Account | undefined;
  /** The account after (undefined: deleted, or never came to exist). */
  after: Account | undefined;
  /** Every slot of the backend was dropped before `storage` applies (account deleted or re-created). */
  storageCleared: boolean;
  /** Slot → new value (0 = cleared), only slots whose value differs from what the backend holds. */
  storage: Map<bigint, bigint>;
}

/** Changed accounts by address (lowercase `0x` + 40 hex). */
export type StateDiff = Map<string, AccountDiff>;

/**
 * A backend cannot serve a read or a write (a witness lacks the key, a code file is missing, storage failed).
 * Backends throw subclasses of it; execution lets them through unchanged (other exceptions inside a host call
 * become a HostFailure), so a caller can tell "the state is incomplete" from an implementation failure.
 */
export class StateBackendError extends Error {
  override name = 'StateBackendError';
}

/** A plain in-memory backend. */
export class MemoryBackend implements StateBackend {
  readonly accounts = new Map<string, Account>();
  readonly storage = new Map<string, Map<bigint, bigint>>();
  /**
   * Set by whoever built this backend from an immutable source (backendFromPrestate: the prestate object): two
   * backends with the same `origin` and `writes === origin.writes` hold the same state (the parallel executor then
   * reuses its workers' replica of it instead of copying the state per block).
   */
  origin?: { key: object; writes: number };
  /** setAccount and applyDiff calls so far (see origin). */
  writes = 0;
  getAccount(address: string): Account | undefined {
    return this.accounts.get(address);
  }
  getStorage(address: string, slot: bigint): bigint {
    return this.storage.get(address)?.get(slot) ?? 0n;
  }
  storageEntries(address: string): Iterable<[bigint, bigint]> {
    return this.storage.get(address) ?? [];
  }
  hasStorage(address: string): boolean {
    // A subclass that answers slots itself (getStorage overridden: a witness that lacks slots, a remote store) is asked.
    if (this.getStorage !== MemoryBackend.prototype.getStorage) return true;
    return (this.storage.get(address)?.size ?? 0) !== 0;
  }
  addresses(): Iterable<string> {
    return this.accounts.keys();
  }
  setAccount(address: string, a: Account, storage?: Map<bigint, bigint>): void {
    this.writes++;
    this.accounts.set(address, a);
    if (storage) this.storage.set(address, new Map(storage));
  }
  applyDiff(diff: StateDiff): void {
    this.writes++;
    for (const [address, d] of diff) {
      if (d.after) this.accounts.set(address, d.after);
      else this.accounts.delete(address);
      // An account change without slots (every plain transfer's three): no second lookup in the big storage map.
      if (d.after && !d.storageCleared && d.storage.size === 0) continue;
      let m = this.storage.get(address);
      if (d.storageCleared || !d.after) m?.clear();
      if (!d.after) {
        this.storage.delete(address);
        continue;
      }
      for (const [k, v] of d.storage) {
        if (v === 0n) m?.delete(k);
        else {
          if (!m) this.storage.set(address, (m = new Map()));
          m.set(k, v);
        }
      }
      if (m?.size === 0) this.storage.delete(address);
    }
  }
}

/** One LOG0–LOG4 entry (defined beside PackedLog, which the state cache builds). */
export type { Log } from './packed-log.ts';

/**
 * A journal entry: a closure that undoes one change, or without an allocation for the two that every call makes —
 * a number, the state-cache journal's length at a checkpoint (a revert past it reverts the cache to it), and a
 * string, an address whose touch (EIP-161) to undo.
 */
type Undo = (() => void) | number | string | AccountUndo | WarmUndo | WipeUndo;

/**
 * The undo of an account write (putAccount): the account before, or undefined when the overlay had none. A closure
 * with its context was ~150 bytes per write, five writes per plain transfer (a sampling heap profile of W1).
 */
class AccountUndo {
  constructor(readonly address: string, readonly prev: Account | null | undefined) {}
}
/** The undo of warming an address (EIP-2929): three per transaction at least (sender, target, coinbase). */
class WarmUndo {
  constructor(readonly address: string) {}
}
/** The undo of wiping an account's storage: the JS slots it had (cache off) and whether it was wiped before. */
class WipeUndo {
  constructor(readonly address: string, readonly storage: Map<bigint, bigint> | undefined, readonly wasWiped: boolean) {}
}

const sameAccount = (a: Account | undefined, b: Account | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.balance === b.balance && a.nonce === b.nonce &&
    (a.code === b.code || Buffer.from(a.code).equals(b.code)));

const isEmptyIterable = (it: Iterable<unknown>): boolean => it[Symbol.iterator]().next().done === true;
const EMPTY_CODE_HASH = keccak256(new Uint8Array(0));
const NO_ADDRESSES: ReadonlySet<string> = new Set();
/** writtenStorage's answer when nothing was written (read only by diff/storageEntries, never changed). */
const NOTHING_WRITTEN = new Map<string, Map<bigint, bigint>>();
/** Per pre-warmed set: every address in it starts 0x0000000000 (Ethereum's precompiles), so others skip the lookup. */
const zeroPrefixed = new WeakMap<ReadonlySet<string>, boolean>();
const hasZeroPrefix = (a: string): boolean => a.startsWith('0x0000000000');
// Shared by new accounts: code arrays are never written in place.
const EMPTY_BYTES = new Uint8Array(0);
const RIPEMD160 = '0x0000000000000000000000000000000000000003';

/** A WorldState's context in the state cache (one per transaction) and its address records. */
interface CacheCtx {
  ctx: number;
  /** The first address given a record and its record, apart from `addrs`: most transactions make one. */
  addr0: string | undefined;
  rec0: number;
  addrs: Map<string, number>;
}
/** A WorldState dropped without commit()/discard() gives its context back when collected (ctx 0: none open). */
const freeOnGc = new FinalizationRegistry<CacheCtx>((c) => {
  if (c.ctx !== 0) stateCache()!.freeCtx(c.ctx);
});

/**
 * Journaled state of one transaction (or one bare message call). Storage, transient storage, slot warmth and
 * the refund counter live in the state cache (runtime/state/state-cache.ts, linear memory shared with compiled
 * frames) unless MEVMC_STATE_CACHE=0, where the JS maps below serve them.
 */
export class WorldState implements StateCacheOwner {
  private accounts = new Map<string, Account | null>();
  private storage = new Map<string, Map<bigint, bigint>>();
  private original = new Map<string, Map<bigint, bigint>>();
  private transient = new Map<string, Map<bigint, bigint>>();
  private warmAddresses = new Set<string>();
  /** Warm for the whole transaction without a journal entry (precompiles): see {@link prewarm}. */
  private prewarmed: ReadonlySet<string> = NO_ADDRESSES;
  /** Pre-warmed accounts a chain leaves unloaded until first touched: see {@link touchPreloaded}. */
  private preloadTouched = new Set<string>();
  /** Those of them first touched warm: warm for the rest of the transaction, no revert cools them. */
  private preloadWarm = new Set<string>();
  private warmSlots = new Map<string, Set<bigint>>();
  private codeHashes = new Map<string, Uint8Array>();
  private journal: Undo[] = [];
  /** Accounts whose storage was wiped (deleted or re-created): the backend's slots no longer count. */
  private wiped = new Set<string>();
  private createdSet = new Set<string>();
  private destructedMap = new Map<string, string>();
  private touchedSet = new Set<string>();
  /** The first address touched, while touchedSet is empty (see touch). */
  private touched0: string | undefined;
  /** Accounts created in this transaction (EIP-6780). Changed only through createAccount (journaled). */
  get created(): ReadonlySet<string> {
    return this.createdSet;
  }
  /** Accounts that executed SELFDESTRUCT in this transaction, with their beneficiary (markDestructed). */
  get destructed(): ReadonlyMap<string, string> {
    return this.destructedMap;
  }
  /** Accounts touched in this transaction, for EIP-161's deletion of empty touched accounts (touch). */
  get touched(): ReadonlySet<string> {
    const t0 = this.touched0;
    if (t0 === undefined) return this.touchedSet;
    // The first touch is kept apart (no Set per bare call); in order, as one Set, once read.
    const s = new Set<string>([t0]);
    for (const a of this.touchedSet) s.add(a);
    this.touched0 = undefined;
    return (this.touchedSet = s);
  }
  /** Logs without the cache (MEVMC_STATE_CACHE=0); with it they live in the cache's log buffer. */
  private readonly jsLogs: Log[] = [];
  /** The cache's logs as last decoded, for context `logsCtx` at log version `logsVer`. */
  private logsDecoded: Log[] | undefined;
  private logsCtx = 0;
  private logsVer = 0;
  /** Refunds counted in JS (SELFDESTRUCT; all of them without the cache). */
  private jsRefund = 0n;
  private readonly sc: StateCache | undefined = stateCache();
  /** The state cache this state lives in (undefined: MEVMC_STATE_CACHE=0). */
  get cache(): StateCache | undefined {
    return this.sc;
  }
  private cc: CacheCtx | undefined;
  /** The record `cc` uses, kept (and registered with freeOnGc) across transactions: one registration per WorldState. */
  private ccRecord: CacheCtx | undefined;
  private selfRef: WeakRef<WorldState> | undefined;

  constructor(readonly backend: StateBackend) {}

  /** The refund counter. */
  get refund(): bigint {
    return this.cc ? this.jsRefund + this.sc!.x.refund(this.cc.ctx) : this.jsRefund;
  }

  // --- the state cache ---------------------------------------------------------------------
  /** The state-cache address record of `address` in this transaction, for compiled frames (0: cache off). */
  stateAddr(address: string): number {
    const sc = this.sc;
    if (!sc) return 0;
    const c = this.cc ?? this.openCtx();
    if (c.addr0 === address) return c.rec0;
    if (c.addr0 === undefined) {
      c.rec0 = this.newRecord(sc, c, address);
      c.addr0 = address;
      return c.rec0;
    }
    let a = c.addrs.get(address);
    if (a === undefined) c.addrs.set(address, (a = this.newRecord(sc, c, address)));
    return a;
  }
  private newRecord(sc: StateCache, c: CacheCtx, address: string): number {
    const a = sc.newAddr(c.ctx, (this.selfRef ??= new WeakRef(this)), address, this.noSlots(address));
    // A transaction's target is warm before its frame makes the record: its first slot then needs no JS call to warm it.
    if (this.isWarm(address)) sc.accountWarm(c.ctx, a);
    return a;
  }
  private openCtx(): CacheCtx {
    let c = this.ccRecord;
    if (c === undefined) {
      c = this.ccRecord = { ctx: 0, addr0: undefined, rec0: 0, addrs: new Map() };
      freeOnGc.register(this, c);
    }
    c.ctx = this.sc!.x.ctx_new();
    return (this.cc = c);
  }
  /** The backend's value of a slot: the cache's miss (StateCacheOwner). */
  loadSlot(address: string, slot: bigint): bigint {
    return this.backend.getStorage(address, slot);
  }
  /** The backend holds no slot of the account (StateCacheOwner): its misses are 0 without a key. */
  noSlots(address: string): boolean {
    // A subclass that loads slots itself (loadSlot overridden) sees every miss, as before the shortcut.
    if (this.loadSlot !== WorldState.prototype.loadSlot) return false;
    return this.backend.hasStorage?.(address) === false;
  }
  /** Written slots by address: the cache's or the JS map. */
  private writtenStorage(): Map<string, Map<bigint, bigint>> {
    const c = this.cc;
    if (!c) return this.storage;
    const byRecord = this.sc!.written(c.ctx);
    if (byRecord.size === 0) return NOTHING_WRITTEN; // a transaction that only read slots: no name map to build
    const names = new Map<number, string>();
    if (c.addr0 !== undefined) names.set(c.rec0, c.addr0);
    for (const [address, a] of c.addrs) names.set(a, address);
    const out = new Map<string, Map<bigint, bigint>>();
    for (const [a, m] of byRecord) out.set(names.get(a)!, m);
    return out;
  }

  // --- commit ------------------------------------------------------------------------------
  /**
   * The changes over the backend so far (nothing is written): accounts whose balance, nonce or code differ
   * or that were deleted or re-created, and storage writes whose value differs from the backend's.
   */
  diff(): StateDiff {
    const out: StateDiff = new Map();
    const written = this.writtenStorage();
    for (const address of this.accounts.keys()) this.diffAccount(address, out, written);
    for (const address of written.keys()) if (!this.accounts.has(address)) this.diffAccount(address, out, written);
    for (const address of this.wiped) if (!this.accounts.has(address) && !written.has(address)) this.diffAccount(address, out, written);
    return out;
  }

  /** Add `address` to `out` when it differs from the backend. */
  private diffAccount(address: string, out: StateDiff, writtenStorage: Map<string, Map<bigint, bigint>>): void {
    const before = this.backend.getAccount(address);
    const after = this.getAccount(address);
    const storageCleared = this.wiped.has(address);
    const storage = new Map<bigint, bigint>();
    const written = writtenStorage.get(address);
    if (after && written) {
      for (const [k, v] of written) {
        if (v !== (storageCleared ? 0n : this.backend.getStorage(address, k))) storage.set(k, v);
      }
    }
    const hadSlots = storageCleared && !isEmptyIterable(this.backend.storageEntries(address));
    if (!sameAccount(before, after) || storage.size > 0 || hadSlots) {
      out.set(address, { before, after, storageCleared: storageCleared || (!after && before !== undefined), storage });
    }
  }

  /**
   * End the transaction: write {@link diff} into the backend (`StateBackend.applyDiff`) and reset every
   * per-transaction record (journal, warm sets, transient storage, originals, refund, logs, touched, created
   * and destructed sets), so the next transaction starts from the committed state. Returns the diff.
   */
  commit(): StateDiff {
    const d = this.diff();
    if (!this.backend.applyDiff) throw new Error('WorldState.commit: the state backend is read-only (no applyDiff)');
    this.backend.applyDiff(d);
    this.discard();
    return d;
  }

  /** Drop every uncommitted change and per-transaction record (the backend is untouched). */
  discard(): void {
    // Once per transaction: no array of the collections, and an empty one is left alone. A used one is replaced,
    // not cleared: V8 allocates the table `clear()` leaves in old space when the old table is there (a WorldState
    // that lives long), garbage per transaction that only a major GC frees; a new collection is young and dies young.
    if (this.accounts.size) this.accounts = new Map();
    if (this.storage.size) this.storage = new Map();
    if (this.original.size) this.original = new Map();
    if (this.transient.size) this.transient = new Map();
    if (this.warmSlots.size) this.warmSlots = new Map();
    if (this.codeHashes.size) this.codeHashes = new Map();
    if (this.destructedMap.size) this.destructedMap = new Map();
    if (this.warmAddresses.size) this.warmAddresses = new Set();
    if (this.wiped.size) this.wiped = new Set();
    if (this.createdSet.size) this.createdSet = new Set();
    this.touched0 = undefined;
    if (this.touchedSet.size) this.touchedSet = new Set();
    this.prewarmed = NO_ADDRESSES;
    this.prewarmedZero = true;
    if (this.preloadTouched.size) this.preloadTouched = new Set();
    if (this.preloadWarm.size) this.preloadWarm = new Set();
    // Array length is set through an accessor call (a runtime call, 1.4% of a STOP call): a new array is cheaper.
    if (this.journal.length) this.journal = [];
    if (this.jsLogs.length) this.jsLogs.length = 0;
    this.logsDecoded = undefined;
    this.jsRefund = 0n;
    const c = this.cc;
    if (c) {
      this.sc!.freeCtx(c.ctx);
      c.ctx = 0;
      c.addr0 = undefined;
      c.rec0 = 0;
      if (c.addrs.size) c.addrs = new Map(); // not clear(): as above
      this.cc = undefined;
    }
  }

  // --- checkpoints -------------------------------------------------------------------------
  checkpoint(): number {
    const cp = this.journal.length;
    const sc = this.sc;
    if (sc) {
      // The cache keeps its own journal: a marker reverts it to its length now (to empty if the context opens later).
      // The context opens at most once per journal (discard ends both), so a later one is this one or none yet.
      const c = this.cc;
      this.journal.push(c ? sc.x.jlen(c.ctx) : 0);
    }
    return cp;
  }
  revertTo(cp: number): void {
    if (this.journal.length <= cp) return;
    const j = this.journal;
    while (j.length > cp) {
      const u = j.pop()!;
      if (u instanceof AccountUndo) {
        if (u.prev !== undefined) this.accounts.set(u.address, u.prev);
        else this.accounts.delete(u.address);
        this.codeHashes.delete(u.address);
      } else if (u instanceof WarmUndo) this.warmAddresses.delete(u.address);
      else if (u instanceof WipeUndo) {
        if (u.storage !== undefined) this.storage.set(u.address, u.storage);
        if (!u.wasWiped) this.wiped.delete(u.address);
      }
      else if (typeof u === 'function') u();
      else if (typeof u === 'string') {
        if (u === this.touched0) this.touched0 = undefined;
        else this.touchedSet.delete(u);
      }
      else if (this.cc) this.sc!.x.revert(this.cc.ctx, u);
    }
    this.accountsChanged(); // a revert may cool an account or restore its fields
  }
  /** The cache's account fields (warm BALANCE/EXTCODE* answers) are stale: any account change, any revert. */
  private accountsChanged(): void {
    const c = this.cc;
    if (c) this.sc!.x.acct_bump(c.ctx);
  }

  // --- accounts ----------------------------------------------------------------------------
  getAccount(address: string): Account | undefined {
    const a = this.accounts.get(address);
    if (a !== undefined) return a ?? undefined;
    return this.backend.getAccount(address);
  }
  private putAccount(address: string, a: Account): void {
    // Account | null when the overlay has it (null: deleted), undefined when it does not.
    const prev = this.accounts.get(address);
    // As @ethereumjs/evm's journal.putAccount: every account write touches (EIP-161).
    this.touch(address);
    this.accounts.set(address, a);
    if (this.codeHashes.size !== 0) this.codeHashes.delete(address);
    this.accountsChanged();
    this.journal.push(new AccountUndo(address, prev));
  }
  balance(address: string): bigint {
    return this.getAccount(address)?.balance ?? 0n;
  }
  code(address: string): Uint8Array {
    return this.getAccount(address)?.code ?? EMPTY_BYTES;
  }
  /** EXTCODEHASH: 0 for non-existent or empty accounts (EIP-1052, EIP-161). */
  codeHash(address: string): Uint8Array | undefined {
    const a = this.getAccount(address);
    if (a === undefined || (a.nonce === 0n && a.balance === 0n && a.code.length === 0)) return undefined;
    let h = this.codeHashes.get(address);
    if (!h) this.codeHashes.set(address, (h = a.code.length ? keccak256(a.code) : EMPTY_CODE_HASH));
    return h;
  }
  /** Increment the nonce, creating the account if needed. */
  bumpNonce(address: string): void {
    const a = this.getAccount(address);
    // Literal objects, not spreads: account writes run several times per transaction.
    this.putAccount(address, a ? { balance: a.balance, nonce: a.nonce + 1n, code: a.code } : { balance: 0n, nonce: 1n, code: EMPTY_BYTES });
  }
  setBalance(address: string, balance: bigint): void {
    const a = this.getAccount(address);
    this.putAccount(address, { balance, nonce: a ? a.nonce : 0n, code: a ? a.code : EMPTY_BYTES });
  }
  /** setBalance and setNonce as one account write (a transaction's up-front payment and nonce bump). */
  setBalanceAndNonce(address: string, balance: bigint, nonce: bigint): void {
    const a = this.getAccount(address);
    this.putAccount(address, { balance, nonce, code: a ? a.code : EMPTY_BYTES });
  }

  // --- storage -----------------------------------------------------------------------------
  sload(address: string, slot: bigint): bigint {
    if (this.sc) {
      const [k0, k1, k2, k3] = limbs(slot);
      return fromLimbs(this.sc.x.peek(this.stateAddr(address), k0, k1, k2, k3));
    }
    const m = this.storage.get(address);
    const v = m?.get(slot);
    return v !== undefined ? v : this.wiped.has(address) ? 0n : this.backend.getStorage(address, slot);
  }
  /** Value at the start of the transaction (EIP-2200's "original"). */
  originalStorage(address: string, slot: bigint): bigint {
    if (this.sc) {
      const [k0, k1, k2, k3] = limbs(slot);
      return fromLimbs(this.sc.x.orig(this.stateAddr(address), k0, k1, k2, k3));
    }
    const v = this.original.get(address)?.get(slot);
    return v !== undefined ? v : this.backend.getStorage(address, slot);
  }
  sstore(address: string, slot: bigint, value: bigint): void {
    if (this.sc) {
      const [k0, k1, k2, k3] = limbs(slot);
      const [v0, v1, v2, v3] = limbs(value);
      this.sc.x.write(this.stateAddr(address), k0, k1, k2, k3, v0, v1, v2, v3);
      return;
    }
    let orig = this.original.get(address);
    if (!orig) this.original.set(address, (orig = new Map()));
    if (!orig.has(slot)) orig.set(slot, this.backend.getStorage(address, slot));
    let m = this.storage.get(address);
    if (!m) this.storage.set(address, (m = new Map()));
    const had = m.has(slot);
    const prev = m.get(slot);
    m.set(slot, value);
    const mm = m;
    this.journal.push(() => (had ? mm.set(slot, prev!) : mm.delete(slot)));
  }
  /** Non-zero storage of an account after all changes. */
  storageEntries(address: string): [bigint, bigint][] {
    const merged = new Map<bigint, bigint>(this.wiped.has(address) ? [] : this.backend.storageEntries(address));
    const c = this.cc;
    const a = c === undefined ? undefined : c.addr0 === address ? c.rec0 : c.addrs.get(address);
    const written = this.cc ? (a === undefined ? undefined : this.sc!.written(this.cc.ctx, a).get(a)) : this.storage.get(address);
    for (const [k, v] of written ?? []) merged.set(k, v);
    return [...merged].filter(([, v]) => v !== 0n);
  }

  /** Every address that exists now (backend accounts not deleted, plus new ones). */
  addresses(): string[] {
    const all = new Set<string>(this.backend.addresses());
    for (const a of this.accounts.keys()) all.add(a);
    return [...all].filter((a) => this.getAccount(a) !== undefined);
  }

  setNonce(address: string, nonce: bigint): void {
    const a = this.getAccount(address);
    this.putAccount(address, { balance: a ? a.balance : 0n, nonce, code: a ? a.code : EMPTY_BYTES });
  }
  setCode(address: string, code: Uint8Array): void {
    const a = this.getAccount(address);
    this.putAccount(address, { balance: a ? a.balance : 0n, nonce: a ? a.nonce : 0n, code });
  }
  /** Create (or re-create) an account with empty storage: CREATE targets, EIP-6780 bookkeeping. */
  createAccount(address: string, a: Account): void {
    this.putAccount(address, a);
    this.wipeStorage(address);
    this.addToSet(this.createdSet, address);
  }
  /** Remove an account and its storage. */
  deleteAccount(address: string): void {
    const prev = this.accounts.get(address);
    this.accounts.set(address, null);
    this.codeHashes.delete(address);
    this.accountsChanged();
    this.journal.push(new AccountUndo(address, prev));
    this.wipeStorage(address);
  }
  private wipeStorage(address: string): void {
    if (this.sc) {
      // Without a record in this transaction and with no slot in the backend there is nothing to wipe: a record made
      // later misses to the backend's none. Every zero-fee transaction deletes its coinbase (EIP-161), which made a
      // record (addr_new) and wiped it for an account that never existed (profile of runTransaction calling airdrop).
      const c = this.cc;
      const rec = c === undefined ? undefined : c.addr0 === address ? c.rec0 : c.addrs.get(address);
      if (rec !== undefined || !this.noSlots(address)) this.sc.x.wipe(rec ?? this.stateAddr(address));
    }
    const m = this.storage.get(address);
    const wasWiped = this.wiped.has(address);
    if (m !== undefined) this.storage.delete(address);
    this.wiped.add(address);
    this.journal.push(new WipeUndo(address, m, wasWiped));
  }
  /** Record SELFDESTRUCT (journaled: a reverted frame forgets it). */
  markDestructed(address: string, beneficiary: string): void {
    const m = this.destructedMap;
    const had = m.has(address);
    const prev = m.get(address);
    m.set(address, beneficiary);
    this.journal.push(() => (had ? m.set(address, prev!) : m.delete(address)));
  }
  /** Mark touched (EIP-161), journaled like every other change. */
  touch(address: string): void {
    // RIPEMD-160 (0x03) stays touched when the frame that touched it reverts: the mainnet consensus quirk of
    // block 2675119 that geth and @ethereumjs/evm (journal.revert) both keep.
    // The first touch goes to touched0 (only while the Set is empty: the order of touches is kept).
    const set = this.touchedSet;
    if (address === this.touched0 || set.has(address)) return;
    if (this.touched0 === undefined && set.size === 0) this.touched0 = address;
    else set.add(address);
    if (address !== RIPEMD160) this.journal.push(address);
  }
  /**
   * EIP-161: delete every touched account that exists and is empty, in the order of their first touch. The same as
   * iterating {@link touched}, without the Set that getter builds from the first touch (one per transaction).
   */
  deleteEmptyTouched(): void {
    // deleteAccount does not touch: the set is not changed while it is iterated.
    const t0 = this.touched0;
    if (t0 !== undefined) this.deleteIfEmpty(t0);
    for (const a of this.touchedSet) this.deleteIfEmpty(a);
  }
  private deleteIfEmpty(address: string): void {
    const a = this.getAccount(address);
    if (a !== undefined && a.nonce === 0n && a.balance === 0n && a.code.length === 0) this.deleteAccount(address);
  }
  private addToSet(set: Set<string>, x: string): void {
    if (set.has(x)) return;
    set.add(x);
    this.journal.push(() => set.delete(x));
  }

  // --- transient storage (EIP-1153) -------------------------------------------------------
  tload(address: string, slot: bigint): bigint {
    if (this.sc) {
      const [k0, k1, k2, k3] = limbs(slot);
      return fromLimbs(this.sc.x.t_get(this.stateAddr(address), k0, k1, k2, k3));
    }
    return this.transient.get(address)?.get(slot) ?? 0n;
  }
  tstore(address: string, slot: bigint, value: bigint): void {
    if (this.sc) {
      const [k0, k1, k2, k3] = limbs(slot);
      const [v0, v1, v2, v3] = limbs(value);
      this.sc.x.t_put(this.stateAddr(address), k0, k1, k2, k3, v0, v1, v2, v3);
      return;
    }
    let m = this.transient.get(address);
    if (!m) this.transient.set(address, (m = new Map()));
    const prev = m.get(slot);
    m.set(slot, value);
    const mm = m;
    this.journal.push(() => (prev === undefined ? mm.delete(slot) : mm.set(slot, prev)));
  }

  // --- access lists (EIP-2929) ------------------------------------------------------------
  /**
   * Make `addresses` warm until the end of the transaction, with no journal entry: for what is warm from its
   * start (the precompiles), which no revert can cool. Replaces an earlier set; `commit`/`discard` clear it.
   */
  prewarm(addresses: ReadonlySet<string>): void {
    this.prewarmed = addresses;
    let z = zeroPrefixed.get(addresses);
    if (z === undefined) {
      z = [...addresses].every(hasZeroPrefix);
      zeroPrefixed.set(addresses, z);
    }
    this.prewarmedZero = z;
  }
  /** Every pre-warmed address starts 0x0000000000 (see prewarm). */
  private prewarmedZero = true;
  /**
   * First touch in this transaction of an account that is warm by rule but not loaded (MegaETH REX: precompiles
   * and the coinbase, HostChainRules.coldPreloadedCalls). Returns false if it was touched before (the caller
   * then charges as for any account). Otherwise records the touch, not journaled (a revert keeps it, as it
   * keeps revm's journal entry), and with `warm` makes the account warm for the rest of the transaction.
   */
  touchPreloaded(address: string, warm: boolean): boolean {
    if (this.preloadTouched.has(address)) return false;
    this.preloadTouched.add(address);
    if (warm) this.preloadWarm.add(address);
    return true;
  }
  /** Whether `address` is warm (EIP-2929), changing nothing. */
  private isWarm(address: string): boolean {
    // Cheap tests first: most addresses are neither pre-warmed (precompiles) nor preloaded (a chain mode's).
    if (this.warmAddresses.has(address)) return true;
    if (this.prewarmed.size !== 0 && (!this.prewarmedZero || (address.charCodeAt(2) === 48 && address.charCodeAt(11) === 48)) &&
      this.prewarmed.has(address)) return true;
    return this.preloadWarm.size !== 0 && this.preloadWarm.has(address);
  }
  /**
   * Mark warm with no journal entry: what a transaction warms before its first checkpoint (sender, target, coinbase,
   * access list), which no revert can reach — as {@link prewarm}, without the entry's allocation. commit/discard clear it.
   */
  warmFromStart(address: string): void {
    if (!this.isWarm(address)) this.warmAddresses.add(address);
  }
  /** Mark warm; returns whether it was warm before. */
  warmAddress(address: string): boolean {
    if (this.isWarm(address)) return true;
    this.warmAddresses.add(address);
    this.journal.push(new WarmUndo(address));
    return false;
  }
  warmSlot(address: string, slot: bigint): boolean {
    // Mirrors @ethereumjs/evm (journal.addWarmedStorage): warming a slot warms its account too. EIP-2929
    // keeps the two sets apart, but in a transaction the executing account is always warm already, so
    // only a bare message call (runCall conventions) can observe the difference.
    this.warmAddress(address);
    if (this.sc) {
      const [k0, k1, k2, k3] = limbs(slot);
      return this.sc.x.warm_slot(this.stateAddr(address), k0, k1, k2, k3) !== 0;
    }
    let s = this.warmSlots.get(address);
    if (!s) this.warmSlots.set(address, (s = new Set()));
    if (s.has(slot)) return true;
    s.add(slot);
    const ss = s;
    this.journal.push(() => ss.delete(slot));
    return false;
  }

  // --- logs and refunds -------------------------------------------------------------------
  /**
   * The transaction's logs so far, in order (those of reverted frames dropped). With the cache they are decoded
   * from its log buffer, where compiled frames append them: once per change, so read them at the end of the transaction.
   */
  get logs(): Log[] {
    const c = this.cc;
    if (!c) return this.jsLogs;
    const sc = this.sc!;
    const ver = sc.logVersion(c.ctx);
    if (this.logsDecoded === undefined || this.logsCtx !== c.ctx || this.logsVer !== ver) {
      this.logsDecoded = sc.hasLogs(c.ctx) ? sc.readLogs(c.ctx) : [];
      this.logsCtx = c.ctx;
      this.logsVer = ver;
    }
    return this.logsDecoded;
  }
  /**
   * {@link logs} as an array the caller may keep past commit/discard: with the cache the decoded array itself (decoded
   * anew after any change, never written in place), without it a copy of the list that discard empties.
   */
  logsToKeep(): Log[] {
    const logs = this.logs;
    return logs === this.jsLogs ? [...logs] : logs;
  }
  addLog(log: Log): void {
    const sc = this.sc;
    if (sc) {
      sc.appendLog(this.stateAddr(log.address), packedTopics(log), log.data);
      return;
    }
    this.jsLogs.push(log);
    this.journal.push(() => this.jsLogs.pop());
  }
  addRefund(delta: bigint): void {
    this.jsRefund += delta;
    this.journal.push(() => (this.jsRefund -= delta));
  }
}
