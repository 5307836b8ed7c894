/**
 * @file The flat binary form in which state crosses threads in the parallel executor: a pre-state replica,
 * committed write sets (the coordinator's append-only commit log, read by every worker from shared memory) and
 * a worker's per-transaction result (read set, write set, receipt parts). One writer and one reader, no schema
 * objects: structured clone of the same data as Maps and bigints measured 4× dearer per transaction.
 *
 * Words (balances, slots, values) are a length byte (0, 1–4, 8 or 32) + big-endian bytes, wide ones as 64-bit limbs
 * (no hex strings: converting through hex cost more than the rest of a result); addresses their 42 latin1
 * characters; byte strings a u32 length + bytes.
 */
import { logsPayload, readLogsRlp, writeLogsRlp } from '../block/receipts.ts';
import { headerLength } from '../state/rlp.ts';
import type { Account, AccountDiff, Log, MemoryBackend, StateBackend, StateDiff } from '../state/world.ts';

const EMPTY = new Uint8Array(0);

/** A {@link ByteWriter} over a shared buffer ran out of room (the parallel executor then stops speculating). */
export class BufferFullError extends RangeError {
  constructor(readonly needed: number) {
    super(`parallel: shared buffer full (${needed} bytes needed)`);
  }
}

/** An append-only byte buffer that grows by doubling (one over a SharedArrayBuffer has a fixed size). */
export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  /** The same bytes as a Buffer (latin1 writes without a new view per address). */
  private nb: Buffer;
  pos = 0;
  constructor(initial: Uint8Array = new Uint8Array(4096), pos = 0) {
    this.buf = initial;
    this.view = new DataView(initial.buffer, initial.byteOffset, initial.byteLength);
    this.nb = Buffer.from(initial.buffer, initial.byteOffset, initial.byteLength);
    this.pos = pos;
  }
  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    // Shared buffers have a fixed size (views over growable SharedArrayBuffers measured 6× slower to read and
    // write here, in V8 11): a full one is the caller's to handle.
    if (this.buf.buffer instanceof SharedArrayBuffer) throw new BufferFullError(need);
    const next = new Uint8Array(Math.max(this.buf.length * 2, need));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.nb = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  u8(x: number): void {
    this.ensure(1);
    this.buf[this.pos++] = x;
  }
  u32(x: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, x, true);
    this.pos += 4;
  }
  f64(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }
  /** A non-negative bigint below 2^256. */
  word(x: bigint): void {
    if (x === 0n) return this.u8(0);
    if (x < 0x100000000n) {
      // Most balances' and nonces' fast path: ≤ 4 bytes without building a hex string.
      const n = Number(x);
      const len = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
      this.ensure(1 + len);
      this.buf[this.pos++] = len;
      for (let i = len - 1; i >= 0; i--) this.buf[this.pos++] = (n >>> (8 * i)) & 0xff;
      return;
    }
    if (x < 1n << 64n) {
      this.ensure(9);
      this.buf[this.pos++] = 8;
      this.view.setBigUint64(this.pos, x);
      this.pos += 8;
      return;
    }
    if (x < 1n << 128n) {
      // Balances in wei and token amounts: two limbs (a 32-byte word decodes with ten BigInt operations, this with four).
      this.ensure(17);
      this.buf[this.pos++] = 16;
      this.view.setBigUint64(this.pos, x >> 64n);
      this.view.setBigUint64(this.pos + 8, BigInt.asUintN(64, x));
      this.pos += 16;
      return;
    }
    // Wider words (slots are hashes): four 64-bit limbs, big-endian; no hex string.
    this.ensure(33);
    this.buf[this.pos++] = 32;
    const v = this.view;
    v.setBigUint64(this.pos, BigInt.asUintN(64, x >> 192n));
    v.setBigUint64(this.pos + 8, BigInt.asUintN(64, x >> 128n));
    v.setBigUint64(this.pos + 16, BigInt.asUintN(64, x >> 64n));
    v.setBigUint64(this.pos + 24, BigInt.asUintN(64, x));
    this.pos += 32;
  }
  /**
   * Addresses both threads know by number (see {@link addressTable}): written as a 0x01 byte + u32 index instead
   * of 42 characters, so the reader gets the very string the table holds (no decode, its hash already computed).
   */
  names?: Map<string, number>;
  /** A lowercase 0x + 40 hex address (42 latin1 bytes, or 5 bytes when it is in `names`). */
  address(a: string): void {
    const k = this.names?.get(a);
    if (k !== undefined) {
      this.ensure(5);
      this.buf[this.pos] = 1;
      this.view.setUint32(this.pos + 1, k, true);
      this.pos += 5;
      return;
    }
    this.ensure(42);
    this.nb.write(a, this.pos, 42, 'latin1');
    this.pos += 42;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  string(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }
  /** Bytes as they are (no length): e.g. a write set another writer encoded. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** The bytes written (a copy, transferable). */
  take(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Reads what {@link ByteWriter} wrote. */
export class ByteReader {
  pos: number;
  private readonly view: DataView;
  private readonly nb: Buffer;
  constructor(readonly buf: Uint8Array, pos = 0) {
    this.pos = pos;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.nb = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u8(): number {
    return this.buf[this.pos++];
  }
  u32(): number {
    const x = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }
  f64(): number {
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }
  word(): bigint {
    const len = this.buf[this.pos++];
    if (len === 0) return 0n;
    if (len <= 4) {
      let n = 0;
      for (let i = 0; i < len; i++) n = n * 256 + this.buf[this.pos++];
      return BigInt(n);
    }
    const v = this.view;
    const p = this.pos;
    if (len === 8) {
      this.pos += 8;
      return v.getBigUint64(p);
    }
    if (len === 16) {
      this.pos += 16;
      return (v.getBigUint64(p) << 64n) | v.getBigUint64(p + 8);
    }
    this.pos += 32;
    return (v.getBigUint64(p) << 192n) | (v.getBigUint64(p + 8) << 128n) | (v.getBigUint64(p + 16) << 64n) | v.getBigUint64(p + 24);
  }
  /** The writer's address table (needed to read what a writer with `names` wrote). */
  names?: readonly string[];
  /** Step over a word without building it. */
  skipWord(): void {
    this.pos += 1 + this.buf[this.pos];
  }
  address(): string {
    if (this.buf[this.pos] === 1) {
      const k = this.view.getUint32(this.pos + 1, true);
      this.pos += 5;
      return this.names![k];
    }
    const s = this.nb.toString('latin1', this.pos, this.pos + 42);
    this.pos += 42;
    return s;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    // A copy: the source may be a shared log that later writes reuse, and code arrays are kept.
    const b = n === 0 ? EMPTY : this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  string(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }
}

/**
 * The addresses a block's transactions name — the coinbase, then each sender and target in order, once each — by
 * number: coordinator and workers build the same table from the same transactions. Decoding an address from 42
 * bytes and hashing the new string for each Map lookup was a good part of validating a plain transfer.
 */
export function addressTable(coinbase: string, txs: readonly { sender: string; to?: string }[]): { names: string[]; index: Map<string, number> } {
  const names: string[] = [];
  const index = new Map<string, number>();
  const add = (a: string | undefined): void => {
    if (a !== undefined && !index.has(a)) {
      index.set(a, names.length);
      names.push(a);
    }
  };
  add(coinbase);
  for (const tx of txs) {
    add(tx.sender);
    add(tx.to);
  }
  return { names, index };
}

// --- write sets ---------------------------------------------------------------------------------
const F_AFTER = 1;
const F_CLEARED = 2;
const F_CODE = 4;

/**
 * A diff's after-state: per account whether it exists after, its balance and nonce, its code when it changed
 * (a reader keeps its own copy of unchanged code), whether storage was cleared, and the written slots.
 */
export function writeDiff(w: ByteWriter, diff: StateDiff): void {
  w.u32(diff.size);
  for (const [address, d] of diff) {
    const a = d.after;
    const codeChanged = a !== undefined && (d.before === undefined ? a.code.length > 0 : a.code !== d.before.code);
    w.address(address);
    w.u8((a ? F_AFTER : 0) | (d.storageCleared ? F_CLEARED : 0) | (codeChanged ? F_CODE : 0));
    if (a) {
      w.word(a.balance);
      w.word(a.nonce);
      if (codeChanged) w.bytes(a.code);
    }
    w.u32(d.storage.size);
    for (const [k, v] of d.storage) {
      w.word(k);
      w.word(v);
    }
  }
}

/** One account of a decoded write set: `code` undefined = unchanged (or empty for a new account). */
export interface DecodedAccount {
  address: string;
  after?: { balance: bigint; nonce: bigint; code?: Uint8Array };
  storageCleared: boolean;
  storage: Map<bigint, bigint>;
}

export function readDiff(r: ByteReader): DecodedAccount[] {
  const n = r.u32();
  const out: DecodedAccount[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const address = r.address();
    const f = r.u8();
    let after: DecodedAccount['after'];
    if (f & F_AFTER) {
      const balance = r.word();
      const nonce = r.word();
      after = { balance, nonce, code: f & F_CODE ? r.bytes() : undefined };
    }
    const m = r.u32();
    const storage = new Map<bigint, bigint>();
    for (let j = 0; j < m; j++) {
      const k = r.word();
      storage.set(k, r.word());
    }
    out[i] = { address, after, storageCleared: (f & F_CLEARED) !== 0, storage };
  }
  return out;
}

/**
 * Rebuild a full {@link StateDiff} from a decoded write set over `backend` (the state it applies to): `before`
 * is the backend's account, unchanged code is the backend's own array.
 */
export function toStateDiff(accounts: DecodedAccount[], backend: StateBackend): StateDiff {
  const diff: StateDiff = new Map();
  for (const x of accounts) {
    const before = backend.getAccount(x.address);
    let after: Account | undefined;
    if (x.after) after = { balance: x.after.balance, nonce: x.after.nonce, code: x.after.code ?? before?.code ?? EMPTY };
    const d: AccountDiff = { before, after, storageCleared: x.storageCleared, storage: x.storage };
    diff.set(x.address, d);
  }
  return diff;
}

/**
 * {@link readDiff} and {@link toStateDiff} in one pass: the write set read straight into a {@link StateDiff} over
 * `backend` (no intermediate objects; the coordinator does this once per committed worker result).
 */
export function readStateDiff(r: ByteReader, backend: StateBackend): StateDiff {
  const n = r.u32();
  const diff: StateDiff = new Map();
  for (let i = 0; i < n; i++) {
    const address = r.address();
    const f = r.u8();
    const before = backend.getAccount(address);
    let after: Account | undefined;
    if (f & F_AFTER) {
      const balance = r.word();
      const nonce = r.word();
      after = { balance, nonce, code: f & F_CODE ? r.bytes() : before?.code ?? EMPTY };
    }
    const m = r.u32();
    const storage = new Map<bigint, bigint>();
    for (let j = 0; j < m; j++) {
      const k = r.word();
      storage.set(k, r.word());
    }
    diff.set(address, { before, after, storageCleared: (f & F_CLEARED) !== 0, storage });
  }
  return diff;
}

// --- whole state (a replica's starting point) ---------------------------------------------------
/** Every account of `backend` with its storage. */
export function writeState(w: ByteWriter, backend: StateBackend): void {
  const addresses = [...backend.addresses()];
  w.u32(addresses.length);
  for (const a of addresses) {
    const acc = backend.getAccount(a);
    w.address(a);
    if (!acc) {
      w.u8(0);
      continue;
    }
    w.u8(1);
    w.word(acc.balance);
    w.word(acc.nonce);
    w.bytes(acc.code);
    const slots = [...backend.storageEntries(a)];
    w.u32(slots.length);
    for (const [k, v] of slots) {
      w.word(k);
      w.word(v);
    }
  }
}

/** Read {@link writeState} output into `set(address, account, storage)`. */
export function readState(r: ByteReader, set: (address: string, a: Account, storage: Map<bigint, bigint>) => void): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const address = r.address();
    if (r.u8() === 0) continue;
    const balance = r.word();
    const nonce = r.word();
    const code = r.bytes();
    const m = r.u32();
    const storage = new Map<bigint, bigint>();
    for (let j = 0; j < m; j++) {
      const k = r.word();
      storage.set(k, r.word());
    }
    set(address, { balance, nonce, code }, storage);
  }
}

// --- logs ----------------------------------------------------------------------------------------
/**
 * Logs as the receipt's RLP list (u32 length + writeLogsRlp's bytes): the coordinator publishes a committed worker
 * result's receipt by copying them (decoding and re-encoding them was ~8 % of its time on W3 swaps).
 */
export function writeLogs(w: ByteWriter, logs: readonly Log[]): void {
  const payload = logsPayload(logs);
  const len = headerLength(payload) + payload;
  w.u32(len);
  w.ensure(len);
  writeLogsRlp(w.buf, w.pos, logs, payload);
  w.pos += len;
}

export function readLogs(r: ByteReader): Log[] {
  const len = r.u32();
  const logs = readLogsRlp(r.buf, r.pos);
  r.pos += len;
  return logs;
}

// --- write sets applied without a StateDiff (the coordinator's commit of a worker result) ---------------------
/**
 * Apply a write set ({@link writeDiff}'s layout, read from `r`) straight to a plain {@link MemoryBackend}: the same
 * change as `m.applyDiff(readStateDiff(r, m))` without the StateDiff, its AccountDiffs and storage Maps. Per account
 * the backend's account before and the one stored after are pushed to `refs` (the lazy diff rebuilds the StateDiff
 * from them and the bytes, see {@link readDiffWith}); `written` / `codeVersion` get `i` for every account / every
 * account whose code or existence changed (the coordinator's validation maps). Returns the accounts applied.
 */
export function applyWriteSet(r: ByteReader, m: MemoryBackend, refs: (Account | undefined)[], i: number, written: Map<string, number>, codeVersion: Map<string, number>): number {
  const n = r.u32();
  m.writes++;
  for (let k = 0; k < n; k++) {
    const address = r.address();
    const f = r.u8();
    const before = m.accounts.get(address);
    let after: Account | undefined;
    if (f & F_AFTER) {
      const balance = r.word();
      const nonce = r.word();
      after = { balance, nonce, code: f & F_CODE ? r.bytes() : before?.code ?? EMPTY };
    }
    refs.push(before, after);
    written.set(address, i);
    if (!before || !after || before.code !== after.code) codeVersion.set(address, i);
    if (after) m.accounts.set(address, after);
    else m.accounts.delete(address);
    let s = m.storage.get(address);
    if (f & F_CLEARED || !after) s?.clear();
    const slots = r.u32();
    if (!after) {
      m.storage.delete(address);
      for (let j = 0; j < slots; j++) {
        r.skipWord();
        r.skipWord();
      }
      continue;
    }
    for (let j = 0; j < slots; j++) {
      const key = r.word();
      const v = r.word();
      if (v === 0n) s?.delete(key);
      else {
        if (!s) m.storage.set(address, (s = new Map()));
        s.set(key, v);
      }
    }
    if (s?.size === 0) m.storage.delete(address);
  }
  return n;
}

/**
 * The {@link StateDiff} of a write set applied by {@link applyWriteSet}: accounts' before and after from `refs`
 * (from index `at`, two per account), flags and slots from the bytes.
 */
export function readDiffWith(r: ByteReader, refs: readonly (Account | undefined)[], at: number): StateDiff {
  const n = r.u32();
  const diff: StateDiff = new Map();
  for (let k = 0; k < n; k++) {
    const address = r.address();
    const f = r.u8();
    if (f & F_AFTER) {
      r.skipWord();
      r.skipWord();
      if (f & F_CODE) r.pos += 4 + r.u32();
    }
    const slots = r.u32();
    const storage = new Map<bigint, bigint>();
    for (let j = 0; j < slots; j++) {
      const key = r.word();
      storage.set(key, r.word());
    }
    diff.set(address, { before: refs[at + 2 * k], after: refs[at + 2 * k + 1], storageCleared: (f & F_CLEARED) !== 0, storage });
  }
  return diff;
}

/** Step over a byte string ({@link ByteWriter.bytes}). */
export function skipBytes(r: ByteReader): void {
  r.pos += 4 + r.u32();
}

/** Step over an address (5 bytes by table number, else 42). */
export function skipAddress(r: ByteReader): void {
  r.pos += r.buf[r.pos] === 1 ? 5 : 42;
}

/** Step over {@link writeLogs}' output; returns the number of logs. */
/** Step over the logs ({@link writeLogs}); returns where their RLP list starts (its length is the u32 before). */
export function skipLogs(r: ByteReader): number {
  const len = r.u32();
  const at = r.pos;
  r.pos += len;
  return at;
}
