/**
 * @file `SaltBackend`: the runtime's `StateBackend` over a (durable) SALT state, with MegaETH's mapping (SPEC §3.2):
 * account key = 20-byte address → nonce u64 BE ‖ balance u256 BE (‖ code hash when the code is not empty);
 * storage key = address ‖ slot (52 bytes) → u256 BE; a zero slot or an empty account is a deletion. Bytecode is
 * not in SALT: a {@link CodeStore} beside it, keyed by code hash (files under `DIR/code/` when durable).
 *
 * Blocks: `WorldState.commit()` calls {@link SaltBackend.applyDiff} once per transaction; those diffs go into a
 * pending overlay (bounded by the block's own changes), which reads consult before SALT's bucket tables. The
 * caller ends the block with {@link SaltBackend.commitBlock}: the overlay becomes **one** SALT batch (one log
 * record, so a crash leaves the store at the last whole block) and the root is updated incrementally. Until then
 * SALT holds the pre-block state: witnesses are proved against `state` between `executeBlock` and `commitBlock`.
 *
 * No full second copy of the state: besides SALT's tables there is the code store and a per-address count of
 * storage slots. SALT cannot enumerate an account's slots (they are hashed across buckets); the count answers
 * "has this account any storage" in O(1), which is what `WorldState` asks when an account is created or
 * destroyed. MegaETH never needs more (SELFDESTRUCT only removes accounts created in the same transaction, whose
 * slots are all in the diff; revm's CREATE collision rule reads nonce and code hash only), but mainnet blocks
 * before Cancun can destroy a contract holding old storage: then {@link storageEntries} scans the buckets, O(keys),
 * once per such account. `addresses()` scans the buckets too (state dumps only, never on the execution path).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { keccak256 } from '../state/keccak.ts';
import type { StateBackend } from '../state/world.ts';
import { BlockOverlayBackend, type OverlayChange, addrBytes, beToBigint, hexOf } from './block-overlay.ts';
import { bucketId } from './hasher.ts';
import { KECCAK_EMPTY, bytesEqual } from './keys.ts';
import type { KeyChange, SaltState } from './state.ts';
import { DurableState } from './store.ts';
import type { CommitEngine } from './trie.ts';

const EMPTY_CODE = new Uint8Array(0);

export { MissingCodeError } from './block-overlay.ts';

/** Per-block figures of {@link SaltBackend.commitBlock}. */
export interface BlockCommit {
  /** New 32-byte state root. */
  root: Uint8Array;
  /** SALT key/value changes in the batch (accounts + slots; no-op writes are dropped). */
  keys: number;
  /** Turning the block's diff into SALT key changes (encoding, bucket ids, no-op filtering, slot enumeration). */
  prepareMs: number;
  /** SHI tables + slot hashes + incremental commitments + new root (the engine's batch). */
  updateMs: number;
  /** Writing and fsync-ing the batch record (0 in memory) and new code files. */
  persistMs: number;
  /**
   * CPU time of the update + root, all threads of the process (`process.cpuUsage`): on a busy machine wall time
   * measures the neighbours; this does not. Includes the log write's CPU, not its wait.
   */
  updateCpuMs: number;
  /** Scalar × generator multiplications of the commitment update. */
  mults: number;
  /** Slot scalar deltas fed to the trie, and buckets whose subtree was rebuilt. */
  slotDeltas: number;
  rebuiltBuckets: number;
}

/** Bytecode by code hash: in memory, and as `DIR/<hash hex>` files when durable (written before the batch). */
export class CodeStore {
  private readonly mem = new Map<string, Uint8Array>();
  private readonly unsaved = new Map<string, Uint8Array>();
  /** code array → its hash (code arrays are never written in place). */
  private readonly hashes = new WeakMap<Uint8Array, Uint8Array>();

  constructor(readonly dir?: string) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  /** keccak256 of `code` (KECCAK_EMPTY for empty), memoised per array. */
  hashOf(code: Uint8Array): Uint8Array {
    if (code.length === 0) return KECCAK_EMPTY;
    let h = this.hashes.get(code);
    if (!h) this.hashes.set(code, (h = keccak256(code)));
    return h;
  }

  /** Record `code` (written to disk by {@link save}); returns its hash. */
  put(code: Uint8Array): Uint8Array {
    const h = this.hashOf(code);
    if (code.length === 0) return h;
    const k = hexOf(h);
    if (!this.mem.has(k)) {
      this.mem.set(k, code);
      this.unsaved.set(k, code);
    }
    return h;
  }

  /** Code of `hash`, or undefined when unknown. */
  get(hash: Uint8Array): Uint8Array | undefined {
    if (bytesEqual(hash, KECCAK_EMPTY)) return EMPTY_CODE;
    const k = hexOf(hash);
    let c = this.mem.get(k);
    if (!c && this.dir) {
      const p = join(this.dir, k);
      if (existsSync(p)) {
        c = new Uint8Array(readFileSync(p));
        this.mem.set(k, c);
      }
    }
    if (c) this.hashes.set(c, hash);
    return c;
  }

  /** Durably write codes recorded since the last call (tmp + fsync + rename; content-addressed, so idempotent). */
  save(): void {
    if (this.dir) {
      for (const [k, code] of this.unsaved) {
        const p = join(this.dir, k);
        if (existsSync(p)) continue;
        const fd = openSync(p + '.tmp', 'w');
        writeSync(fd, code);
        fsyncSync(fd);
        closeSync(fd);
        renameSync(p + '.tmp', p);
      }
    }
    this.unsaved.clear();
  }

  /** Forget codes recorded since the last save (a discarded block). Kept in memory: content-addressed, harmless. */
  dropUnsaved(): void {
    this.unsaved.clear();
  }
}

/** Options of {@link SaltBackend.open}. */
export interface SaltBackendOptions {
  /** Commitment engine (default: the SALT engine's default). */
  engine?: CommitEngine;
}

/** The runtime's state backend over SALT (durable when opened with a directory). */
export class SaltBackend extends BlockOverlayBackend {
  readonly code: CodeStore;
  /** Storage slots held in SALT per address (lowercase 0x hex), for the "has storage" predicate. */
  private readonly slotCounts = new Map<string, number>();
  /** Plain keys (hex) read from SALT since {@link trackReads} was turned on. */
  private reads: Map<string, Uint8Array> | undefined;

  protected readonly codeSourceName = 'code store';

  private constructor(readonly store: DurableState, codeDir: string | undefined) {
    super();
    this.code = new CodeStore(codeDir);
    for (const t of store.state.buckets.values()) {
      for (const e of t.slots.values()) if (e.key.length === 52) this.bumpCount('0x' + hexOf(e.key.subarray(0, 20)), 1);
    }
  }

  /** Open (or create) a store in `dir` (SALT log/snapshot + `code/`); without `dir` it lives in memory. */
  static open(dir?: string, opts: SaltBackendOptions = {}): SaltBackend {
    return new SaltBackend(DurableState.open(dir, opts.engine), dir ? join(dir, 'code') : undefined);
  }

  /** The SALT state (bucket tables + trie) holding the last committed block: prove keys against it. */
  get state(): SaltState {
    return this.store.state;
  }

  /**
   * Capacity of the SALT bucket `key` (a plain account or storage key) hashes to, in the last committed state, i.e.
   * the parent's while a block runs: MegaETH's SALT-scaled storage gas (runtime/block/op/mega-gas.ts).
   */
  saltBucketCapacity(key: Uint8Array): bigint {
    return BigInt(this.store.state.meta(bucketId(key)).capacity);
  }

  /** Current (last committed) state root, 32 bytes. */
  root(): Uint8Array {
    return this.store.state.root();
  }

  /** Batches committed since the store was created (genesis counts as one). */
  get batches(): number {
    return this.store.batches;
  }

  /** Record every plain key read from SALT (not from the overlay) from now on; `readKeys()` returns them. */
  trackReads(on = true): void {
    this.reads = on ? new Map() : undefined;
  }

  /** Plain keys read from SALT since `trackReads()` (account keys 20 bytes, storage keys 52). */
  readKeys(): Uint8Array[] {
    return [...(this.reads?.values() ?? [])];
  }

  private saltGet(key: Uint8Array): Uint8Array | undefined {
    if (this.reads) this.reads.set(hexOf(key), key);
    return this.store.state.get(key);
  }

  // --- the overlay's source ----------------------------------------------------------------
  protected lookup(key: Uint8Array): Uint8Array | undefined {
    return this.saltGet(key);
  }

  protected codeOf(hash: Uint8Array): Uint8Array | undefined {
    return this.code.get(hash);
  }

  protected hashOf(code: Uint8Array): Uint8Array {
    return this.code.hashOf(code);
  }

  protected committedSlots(address: string): Iterable<[bigint, bigint]> {
    return this.saltSlots(address);
  }

  protected *committedAddresses(): Iterable<string> {
    for (const t of this.store.state.buckets.values()) {
      for (const e of t.slots.values()) if (e.key.length === 20) yield '0x' + hexOf(e.key);
    }
  }

  protected override onCode(code: Uint8Array): void {
    this.code.put(code);
  }

  // --- blocks ------------------------------------------------------------------------------
  /** The SALT key changes the pending overlay amounts to (what {@link commitBlock} applies), without applying them. */
  pendingKeyChanges(): KeyChange[] {
    return this.collect().map(({ key, value }) => ({ key, value }));
  }

  /** The pending changes, each with whether its key is in SALT now (no-op writes dropped). */
  private collect(): OverlayChange[] {
    return this.overlayChanges((key) => this.store.state.get(key));
  }

  /**
   * Write the pending overlay (the union of the block's transaction diffs) into SALT as one atomic batch and
   * update the root incrementally. Returns the new root and the batch's figures.
   */
  commitBlock(): BlockCommit {
    const t0 = performance.now();
    const changes = this.collect();
    const grouped = new Map<number, KeyChange[]>();
    const state = this.store.state;
    for (const c of changes) {
      const b = bucketId(c.key);
      let l = grouped.get(b);
      if (!l) grouped.set(b, (l = []));
      l.push({ key: c.key, value: c.value });
      const has = c.value !== undefined;
      if (c.key.length === 52 && c.had !== has) this.bumpCount('0x' + hexOf(c.key.subarray(0, 20)), has ? 1 : -1);
    }
    const t1 = performance.now();
    this.code.save(); // before the batch: a crash in between leaves an unreferenced code file, never a missing one
    const t2 = performance.now();
    const cpu0 = process.cpuUsage();
    const root = this.store.applyGrouped(grouped);
    const cpu = process.cpuUsage(cpu0);
    const t3 = performance.now();
    this.clearOverlay();
    const s = state.lastStats;
    const persistMs = this.store.lastPersistMs;
    return {
      root, keys: changes.length, prepareMs: t1 - t0, updateMs: t3 - t2 - persistMs, persistMs: persistMs + (t2 - t1),
      updateCpuMs: (cpu.user + cpu.system) / 1000,
      mults: s.mults, slotDeltas: s.slotDeltas, rebuiltBuckets: s.rebuiltBuckets,
    };
  }

  /** Drop the pending overlay (an invalid block): SALT keeps the last committed block. */
  discardBlock(): void {
    this.clearOverlay();
    this.code.dropUnsaved();
  }

  /**
   * Genesis: every account, slot and code of `source` (e.g. a MemoryBackend from a pre-state) into an empty
   * store as one batch. Throws if the store already holds batches or changes are pending.
   */
  loadGenesis(source: StateBackend): BlockCommit {
    if (this.batches > 0 || this.dirty) throw new Error('SaltBackend.loadGenesis: the store is not empty');
    for (const address of source.addresses()) {
      const a = source.getAccount(address);
      if (!a) continue;
      this.applyDiff(new Map([[address, { before: undefined, after: a, storageCleared: false, storage: new Map(source.storageEntries(address)) }]]));
    }
    return this.commitBlock();
  }

  /** Release the log file. */
  close(): void {
    this.store.close();
  }

  private bumpCount(address: string, by: number): void {
    const n = (this.slotCounts.get(address) ?? 0) + by;
    if (n > 0) this.slotCounts.set(address, n);
    else this.slotCounts.delete(address);
  }

  /** An address's slots in SALT (committed state): nothing when its count is 0, else a scan of the buckets. */
  private saltSlots(address: string): [bigint, bigint][] {
    if (!this.slotCounts.has(address)) return [];
    const prefix = addrBytes(address);
    const out: [bigint, bigint][] = [];
    for (const t of this.store.state.buckets.values()) {
      for (const e of t.slots.values()) {
        if (e.key.length === 52 && bytesEqual(e.key.subarray(0, 20), prefix)) out.push([beToBigint(e.key.subarray(20)), beToBigint(e.value)]);
      }
    }
    return out;
  }
}
