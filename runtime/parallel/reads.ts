/**
 * @file Read sets: what a speculative execution saw, and the coordinator's check that the committed state still
 * holds it. A {@link RecordingBackend} sits under a worker's WorldState; the WorldState keeps a transaction's
 * writes itself, so every backend read is of state the transaction did not write, and the first value seen per
 * location is what the execution depended on. Locations are kept apart as the parallel issue asks: an account
 * (existence, balance, nonce; its code through a version, below), each storage slot, and "the account has no
 * storage" (the CREATE collision rule and the diff of a wiped account read it).
 *
 * Validation is by value (an account whose balance went up and back down does not conflict), except code:
 * comparing code bytes costs more than the execution of a small call, so a read of an account carries the
 * replica's commit prefix and fails if any transaction between that prefix and this one changed its code.
 */
import type { Account, StateBackend } from '../state/world.ts';
import type { ByteReader, ByteWriter } from './codec.ts';

/** Wraps a replica backend; records the first value read per location until {@link reset}. */
export class RecordingBackend implements StateBackend {
  readonly accounts = new Map<string, Account | undefined>();
  readonly storage = new Map<string, Map<bigint, bigint>>();
  readonly empty = new Map<string, boolean>();
  constructor(readonly inner: StateBackend) {}

  getAccount(address: string): Account | undefined {
    const a = this.inner.getAccount(address);
    if (!this.accounts.has(address)) this.accounts.set(address, a);
    return a;
  }
  getStorage(address: string, slot: bigint): bigint {
    const v = this.inner.getStorage(address, slot);
    let m = this.storage.get(address);
    if (!m) this.storage.set(address, (m = new Map()));
    if (!m.has(slot)) m.set(slot, v);
    return v;
  }
  storageEntries(address: string): Iterable<[bigint, bigint]> {
    const e = this.inner.storageEntries(address);
    if (!this.empty.has(address)) this.empty.set(address, e[Symbol.iterator]().next().done === true);
    return e;
  }
  addresses(): Iterable<string> {
    return this.inner.addresses();
  }
  /** Forget the reads (next transaction). */
  reset(): void {
    if (this.accounts.size) this.accounts.clear();
    if (this.storage.size) this.storage.clear();
    if (this.empty.size) this.empty.clear();
  }

  /** The read set, in the layout {@link validateReads} checks. */
  write(w: ByteWriter): void {
    w.u32(this.accounts.size);
    for (const [address, a] of this.accounts) {
      w.address(address);
      if (!a) {
        w.u8(0);
        continue;
      }
      w.u8(1);
      w.word(a.balance);
      w.word(a.nonce);
    }
    let slots = 0;
    for (const m of this.storage.values()) slots += m.size;
    w.u32(slots);
    for (const [address, m] of this.storage) {
      for (const [k, v] of m) {
        w.address(address);
        w.word(k);
        w.word(v);
      }
    }
    w.u32(this.empty.size);
    for (const [address, e] of this.empty) {
      w.address(address);
      w.u8(e ? 1 : 0);
    }
  }
}

/** Which location failed validation (for counting conflicts by kind). */
export type ConflictKind = 'account' | 'code' | 'storage' | 'empty';

/**
 * Check a read set (as {@link RecordingBackend.write} laid it out, read from `r`) against `committed`.
 * `codeVersion` holds, per address, the index of the last committed transaction that changed its code or
 * existence; `seen` is how many transactions the replica held. Returns the first failing kind, or undefined.
 * `written` (optional): per address, the last committed transaction that changed it (account or any slot); a read
 * of an address no commit since `seen` touched holds without comparing values (the replica had the same state).
 * Reads all of it either way (the reader ends after the read set).
 */
export function validateReads(r: ByteReader, committed: StateBackend, codeVersion: Map<string, number>, seen: number, written?: Map<string, number>): ConflictKind | undefined {
  let bad: ConflictKind | undefined;
  /** No commit since the replica's `seen` touched the address: what was read of it still holds (no word decoded). */
  const untouched = (address: string): boolean => {
    if (!written) return false;
    const w = written.get(address);
    return w === undefined || w < seen;
  };
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const address = r.address();
    if (bad || untouched(address)) {
      if (r.u8() === 1) {
        r.skipWord();
        r.skipWord();
      }
      continue;
    }
    const exists = r.u8() === 1;
    const balance = exists ? r.word() : 0n;
    const nonce = exists ? r.word() : 0n;
    if (bad) continue;
    const a = committed.getAccount(address);
    if ((a !== undefined) !== exists || (a && (a.balance !== balance || a.nonce !== nonce))) bad = 'account';
    else {
      const cv = codeVersion.get(address);
      if (cv !== undefined && cv >= seen) bad = 'code';
    }
  }
  const m = r.u32();
  for (let i = 0; i < m; i++) {
    const address = r.address();
    if (bad || untouched(address)) {
      r.skipWord();
      r.skipWord();
      continue;
    }
    const k = r.word();
    const v = r.word();
    if (committed.getStorage(address, k) !== v) bad = 'storage';
  }
  const e = r.u32();
  for (let i = 0; i < e; i++) {
    const address = r.address();
    const empty = r.u8() === 1;
    if (!bad && !untouched(address) && (committed.storageEntries(address)[Symbol.iterator]().next().done === true) !== empty) bad = 'empty';
  }
  return bad;
}

/**
 * The same check for a read set still in memory (the coordinator's own speculative executions: no encoding).
 * `rec`'s maps are copies taken right after the execution. `written` as in {@link validateReads}: an address no
 * commit since `seen` touched is skipped unread (on W3 the coordinator's own results read ~5 accounts and ~10 slots
 * that the commits in between almost never touch).
 */
export function validateRecorded(reads: RecordedReads, committed: StateBackend, codeVersion: Map<string, number>, seen: number, written?: Map<string, number>): ConflictKind | undefined {
  const untouched = (address: string): boolean => {
    if (!written) return false;
    const w = written.get(address);
    return w === undefined || w < seen;
  };
  for (const [address, read] of reads.accounts) {
    if (untouched(address)) continue;
    const a = committed.getAccount(address);
    if (a !== read && (a === undefined || read === undefined || a.balance !== read.balance || a.nonce !== read.nonce)) return 'account';
    const cv = codeVersion.get(address);
    if (cv !== undefined && cv >= seen) return 'code';
  }
  for (const [address, m] of reads.storage) {
    if (untouched(address)) continue;
    for (const [k, v] of m) if (committed.getStorage(address, k) !== v) return 'storage';
  }
  for (const [address, e] of reads.empty) {
    if (untouched(address)) continue;
    if ((committed.storageEntries(address)[Symbol.iterator]().next().done === true) !== e) return 'empty';
  }
  return undefined;
}

/** A read set taken out of a {@link RecordingBackend}. */
export interface RecordedReads {
  accounts: Map<string, Account | undefined>;
  storage: Map<string, Map<bigint, bigint>>;
  empty: Map<string, boolean>;
}

/** Move the recorded reads out (the backend starts a new, empty record). */
export function takeReads(rec: RecordingBackend): RecordedReads {
  const r = { accounts: rec.accounts, storage: rec.storage, empty: rec.empty };
  (rec as { accounts: Map<string, Account | undefined> }).accounts = new Map();
  (rec as { storage: Map<string, Map<bigint, bigint>> }).storage = new Map();
  (rec as { empty: Map<string, boolean> }).empty = new Map();
  return r;
}
