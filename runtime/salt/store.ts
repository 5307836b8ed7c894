/**
 * @file Durable SALT store: in-memory engine + crash-safe append-only batch log and snapshots.
 *
 * Stage: persistence (issue #6 item 6).
 * Input: a directory; batches of key changes (and optional bucket-metadata overrides).
 * Output: a store that reopens with the same data and root.
 * Invariants: each batch is one log record `[u32 len][32-byte sha256][payload]` written with a
 * single `write` + `fsync`; a torn or corrupt tail record is ignored and truncated on open, so a
 * crash mid-batch leaves the previous root and data intact (a batch is atomic). Every record carries
 * its sequence number and the root after the batch; on open the commitment layer is rebuilt from
 * the data and checked against the stored root. `compact()` writes a snapshot atomically
 * (tmp + fsync + rename) holding the last sequence number; records at or below it are skipped, so
 * a crash between the rename and the log truncation is harmless. No external dependency: node:fs.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from './field.ts';
import type { BucketMeta } from './keys.ts';
import { type KeyChange, SaltState } from './state.ts';
import { newTable } from './shi-table.ts';
import { hashWithNonce } from './hasher.ts';
import type { CommitEngine } from './trie.ts';

const LOG = 'salt.log';
const SNAP = 'salt.snapshot';

class W {
  parts: Uint8Array[] = [];
  n = 0;
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.push(b);
  }
  f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.push(b);
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.push(b);
  }
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.n += b.length;
  }
  out(): Uint8Array {
    const o = new Uint8Array(this.n);
    let k = 0;
    for (const p of this.parts) {
      o.set(p, k);
      k += p.length;
    }
    return o;
  }
}

class Rd {
  o = 0;
  constructor(private b: Uint8Array) {}
  u32(): number {
    if (this.o + 4 > this.b.length) throw new Error('truncated');
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.o, 4).getUint32(0, true);
    this.o += 4;
    return v;
  }
  f64(): number {
    if (this.o + 8 > this.b.length) throw new Error('truncated');
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.o, 8).getFloat64(0, true);
    this.o += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    if (this.o + n > this.b.length) throw new Error('truncated');
    const v = this.b.slice(this.o, this.o + n);
    this.o += n;
    return v;
  }
  get done(): boolean {
    return this.o >= this.b.length;
  }
}

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(36 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, true);
  out.set(sha256(payload), 4);
  out.set(payload, 36);
  return out;
}

/** Parse framed records; returns the payloads and the byte length of the valid prefix. */
function unframe(buf: Uint8Array): { payloads: Uint8Array[]; validBytes: number } {
  const payloads: Uint8Array[] = [];
  let o = 0;
  while (o + 36 <= buf.length) {
    const len = new DataView(buf.buffer, buf.byteOffset + o, 4).getUint32(0, true);
    if (o + 36 + len > buf.length) break;
    const payload = buf.subarray(o + 36, o + 36 + len);
    if (toHex(sha256(payload)) !== toHex(buf.subarray(o + 4, o + 36))) break;
    payloads.push(payload);
    o += 36 + len;
  }
  return { payloads, validBytes: o };
}

/** A batch as persisted: grouped changes and metadata overrides. */
interface BatchRecord {
  seq: number;
  root: Uint8Array;
  changes: Map<number, KeyChange[]>;
  metas: Map<number, BucketMeta>;
}

function encodeBatch(r: BatchRecord): Uint8Array {
  const w = new W();
  w.f64(r.seq);
  w.bytes(r.root);
  w.u32(r.changes.size);
  for (const [b, list] of r.changes) {
    w.u32(b);
    w.u32(list.length);
    for (const c of list) {
      w.bytes(c.key);
      w.u32(c.value === undefined ? 0 : 1);
      if (c.value !== undefined) w.bytes(c.value);
    }
  }
  w.u32(r.metas.size);
  for (const [b, m] of r.metas) {
    w.u32(b);
    w.u32(m.nonce);
    w.f64(m.capacity);
  }
  return w.out();
}

function decodeBatch(p: Uint8Array): BatchRecord {
  const r = new Rd(p);
  const seq = r.f64();
  const root = r.bytes();
  const changes = new Map<number, KeyChange[]>();
  for (let n = r.u32(); n > 0; n--) {
    const b = r.u32();
    const list: KeyChange[] = [];
    for (let k = r.u32(); k > 0; k--) {
      const key = r.bytes();
      const has = r.u32();
      list.push({ key, value: has ? r.bytes() : undefined });
    }
    changes.set(b, list);
  }
  const metas = new Map<number, BucketMeta>();
  for (let n = r.u32(); n > 0; n--) metas.set(r.u32(), { nonce: r.u32(), capacity: r.f64() });
  return { seq, root, changes, metas };
}

/** Error raised when persisted data does not reproduce its recorded root. */
export class StoreCorruptError extends Error {
  override name = 'StoreCorruptError';
}

/** A durable SALT state (memory-only when opened without a directory). */
export class DurableState {
  readonly state: SaltState;
  private seq = 0;
  private fd: number | undefined;
  /** Milliseconds the last batch spent writing + fsync-ing its log record (0 in memory). */
  lastPersistMs = 0;

  private constructor(readonly dir: string | undefined, engine?: CommitEngine) {
    this.state = new SaltState(engine);
  }

  /** Open (or create) a store in `dir`; replays snapshot + log and checks recorded roots. */
  static open(dir?: string, engine?: CommitEngine): DurableState {
    const s = new DurableState(dir, engine);
    if (!dir) return s;
    mkdirSync(dir, { recursive: true });
    const snapPath = join(dir, SNAP);
    if (existsSync(snapPath)) s.loadSnapshot(readFileSync(snapPath));
    const logPath = join(dir, LOG);
    const buf = existsSync(logPath) ? new Uint8Array(readFileSync(logPath)) : new Uint8Array(0);
    const { payloads, validBytes } = unframe(buf);
    for (const p of payloads) {
      const rec = decodeBatch(p);
      if (rec.seq <= s.seq) continue;
      const root = s.state.applyGrouped(rec.changes, rec.metas);
      if (toHex(root) !== toHex(rec.root)) throw new StoreCorruptError(`batch ${rec.seq} replays to ${toHex(root)}, log says ${toHex(rec.root)}`);
      s.seq = rec.seq;
    }
    s.fd = openSync(logPath, 'a+');
    if (validBytes < buf.length) {
      // A torn tail from a crash mid-batch: drop it so the next append starts on a record boundary.
      ftruncateSync(s.fd, validBytes);
      fsyncSync(s.fd);
    }
    return s;
  }

  private loadSnapshot(b: Uint8Array): void {
    const { payloads } = unframe(new Uint8Array(b));
    if (payloads.length !== 1) throw new StoreCorruptError('snapshot is damaged');
    const r = new Rd(payloads[0]);
    this.seq = r.f64();
    const root = r.bytes();
    for (let n = r.u32(); n > 0; n--) {
      const bucket = r.u32();
      const meta = { nonce: r.u32(), capacity: r.f64() };
      const t = newTable(meta);
      for (let k = r.u32(); k > 0; k--) {
        const slot = r.f64();
        const key = r.bytes();
        const value = r.bytes();
        t.slots.set(slot, { key, value, h: hashWithNonce(key, meta.nonce) });
      }
      this.state.buckets.set(bucket, t);
    }
    const rebuilt = this.state.rebuildCommitments();
    if (toHex(rebuilt) !== toHex(root)) throw new StoreCorruptError(`snapshot rebuilds to ${toHex(rebuilt)}, recorded ${toHex(root)}`);
  }

  /** Apply and durably record one batch (atomic: either the whole record is on disk or none of it). */
  applyGrouped(changes: Map<number, KeyChange[]>, metas: Map<number, BucketMeta> = new Map()): Uint8Array {
    const root = this.state.applyGrouped(changes, metas);
    this.seq++;
    const t0 = performance.now();
    if (this.fd !== undefined) {
      writeSync(this.fd, frame(encodeBatch({ seq: this.seq, root, changes, metas })));
      fsyncSync(this.fd);
    }
    this.lastPersistMs = performance.now() - t0;
    return root;
  }

  /** Batches applied since the store was created (the sequence number of the last one). */
  get batches(): number {
    return this.seq;
  }

  /** Write a snapshot atomically and empty the log. */
  compact(): void {
    if (!this.dir || this.fd === undefined) return;
    const w = new W();
    w.f64(this.seq);
    w.bytes(this.state.root());
    w.u32(this.state.buckets.size);
    for (const [b, t] of this.state.buckets) {
      w.u32(b);
      w.u32(t.meta.nonce);
      w.f64(t.meta.capacity);
      w.u32(t.slots.size);
      for (const [slot, e] of t.slots) {
        w.f64(slot);
        w.bytes(e.key);
        w.bytes(e.value);
      }
    }
    const tmp = join(this.dir, SNAP + '.tmp');
    const fd = openSync(tmp, 'w');
    writeSync(fd, frame(w.out()));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, SNAP));
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
  }

  /** Close the log file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
