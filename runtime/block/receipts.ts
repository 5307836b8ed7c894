/**
 * @file Receipts as the block header commits to them: the 2048-bit logs bloom (per receipt, OR-ed per block),
 * the consensus encoding of a receipt (pre-Byzantium `[postStateRoot, …]`, from Byzantium `[status, …]`, EIP-2718
 * typed envelopes `type ‖ rlp(…)` for non-legacy transactions) and the receipts root, a Merkle-Patricia trie
 * keyed by rlp(index) (checked against @ethereumjs/mpt in test/block).
 */
import { keccak256 } from '../state/keccak.ts';
import { PackedLog, packedTopics, topicWords } from '../state/packed-log.ts';
import { bytesLength, headerLength, uintLength, writeAddress, writeBytes, writeHeader, writeUint } from '../state/rlp.ts';
import { IndexTrie } from '../state/state-root.ts';
import type { Log } from '../state/world.ts';

/** Bytes of a logs bloom. */
export const BLOOM_BYTES = 256;

/** One transaction's receipt. */
export interface Receipt {
  /** Transaction type (0 legacy … 4); selects the envelope. */
  type: number;
  /** Byzantium on: 1 success, 0 failure. */
  status?: 0 | 1;
  /** Before Byzantium: the state root after the transaction (when the caller could compute it). */
  postStateRoot?: Uint8Array;
  cumulativeGasUsed: bigint;
  logsBloom: Uint8Array;
  logs: Log[];
}

const addrBytes = (a: string): Uint8Array => Buffer.from(a.slice(2), 'hex');

/** The three bloom bits of an item (keccak256 bytes 0–1, 2–3, 4–5, each taken mod 2048), packed 11 bits each. */
function bloomBits(item: Uint8Array): number {
  const h = keccak256(item);
  return ((((h[0] << 8) | h[1]) & 2047) * 2048 + (((h[2] << 8) | h[3]) & 2047)) * 2048 + (((h[4] << 8) | h[5]) & 2047);
}

// Blocks repeat the same contracts and event signatures: their bits are kept rather than hashed per log.
const BITS_CACHE_LIMIT = 1 << 16;
const addressBits = new Map<string, number>();
/**
 * Topics by their last 30 bits as a number (address topics share their 12 leading zero bytes), each entry holding the
 * topic's bytes: a latin1 string key per topic was ~0.5 µs of a lookup here, 8 µs of a 4-log swap's receipt. A key
 * that fits a small integer: a 48-bit one was a heap number per lookup (bytesBitsOf's `get` ~3% of an ERC-20 block).
 */
const topicBits = new Map<number, { word: Uint8Array; bits: number }>();
/** Addresses read as bytes (the receipts pipeline's logs), cached the same way. */
const addressBytesBits = new Map<number, { word: Uint8Array; bits: number }>();
const topicBitsOf = (t: Uint8Array, at = 0): number => bytesBitsOf(topicBits, t, at, 32);
const addressBitsAt = (a: Uint8Array, at: number): number => bytesBitsOf(addressBytesBits, a, at, 20);
/** The bloom bits of `len` bytes at `t[at]`, cached by their last 30 bits (the leading bytes compared). */
function bytesBitsOf(cache: Map<number, { word: Uint8Array; bits: number }>, t: Uint8Array, at: number, len: number): number {
  const e4 = at + len - 4;
  const key = ((t[e4] & 0x3f) << 24) | (t[e4 + 1] << 16) | (t[e4 + 2] << 8) | t[e4 + 3];
  const e = cache.get(key);
  if (e !== undefined) {
    const w = e.word;
    let k = 0;
    while (k < len - 3 && w[k] === t[at + k]) k++;
    if (k === len - 3) return e.bits;
    // Another item with the same last 6 bytes: hashed, not cached.
    return bloomBits(t.subarray(at, at + len));
  }
  if (cache.size >= BITS_CACHE_LIMIT) cache.clear();
  const word = t.slice(at, at + len);
  const bits = bloomBits(word);
  cache.set(key, { word, bits });
  return bits;
}

function cachedBits<K>(cache: Map<K, number>, key: K, bytes: (k: K) => Uint8Array): number {
  let b = cache.get(key);
  if (b === undefined) {
    if (cache.size >= BITS_CACHE_LIMIT) cache.clear();
    cache.set(key, (b = bloomBits(bytes(key))));
  }
  return b;
}

function setBits(bloom: Uint8Array, packed: number): void {
  // 33 bits: the top 11 split off by a division (exact), the rest as int32 — `%` on a double is a call to fmod.
  const hi = Math.floor(packed / 4194304);
  const lo = packed - hi * 4194304;
  const mid = lo >>> 11;
  bloom[BLOOM_BYTES - 1 - ((lo & 2047) >> 3)] |= 1 << (lo & 7);
  bloom[BLOOM_BYTES - 1 - (mid >> 3)] |= 1 << (mid & 7);
  bloom[BLOOM_BYTES - 1 - (hi >> 3)] |= 1 << (hi & 7);
}

/**
 * Bloom of some logs: every emitting address and every topic. With `also`, the same bits are OR-ed into it. With
 * `out` (256 bytes, all zero), the bloom is made there instead of in a new array.
 */
export function logsBloom(logs: readonly Log[], also?: Uint8Array, out?: Uint8Array): Uint8Array {
  const bloom = out ?? new Uint8Array(BLOOM_BYTES);
  for (const l of logs) {
    const a = cachedBits(addressBits, l.address, addrBytes);
    setBits(bloom, a);
    if (also) setBits(also, a);
    // A packed log's topics are read in place (a subarray per topic cost ~0.2 µs each, in a worker's profile).
    if (l instanceof PackedLog) {
      const t = l.topicBytes;
      for (let at = 0; at < t.length; at += 32) {
        const b = topicBitsOf(t, at);
        setBits(bloom, b);
        if (also) setBits(also, b);
      }
      continue;
    }
    for (const t of topicWords(l)) {
      const b = topicBitsOf(t);
      setBits(bloom, b);
      if (also) setBits(also, b);
    }
  }
  return bloom;
}

/** Where an RLP item's payload starts and how long it is: [start, length]. */
function rlpItem(b: Uint8Array, at: number): [number, number] {
  const h = b[at];
  if (h < 0x80) return [at, 1];
  if (h < 0xb8) return [at + 1, h - 0x80];
  if (h < 0xc0) return rlpLong(b, at, h - 0xb7);
  if (h < 0xf8) return [at + 1, h - 0xc0];
  return rlpLong(b, at, h - 0xf7);
}
function rlpLong(b: Uint8Array, at: number, k: number): [number, number] {
  let len = 0;
  for (let i = 1; i <= k; i++) len = len * 256 + b[at + i];
  return [at + 1 + k, len];
}

/**
 * Set into `bloom` the bits of the logs whose RLP list (writeLogsRlp) is `rlp[at, end)`: what logsBloom gives for the
 * same logs, read from their encoding (the receipts pipeline's workers get logs only as bytes).
 */
export function bloomOfLogsRlp(rlp: Uint8Array, at: number, end: number, bloom: Uint8Array): void {
  const [first, listLen] = rlpItem(rlp, at);
  for (let p = first; p < first + listLen && p < end; ) {
    const [logAt, logLen] = rlpItem(rlp, p);
    const [addrAt, addrLen] = rlpItem(rlp, logAt);
    setBits(bloom, addrLen === 20 ? addressBitsAt(rlp, addrAt) : bloomBits(rlp.subarray(addrAt, addrAt + addrLen)));
    const [topicsAt, topicsLen] = rlpItem(rlp, addrAt + addrLen);
    for (let t = topicsAt; t < topicsAt + topicsLen; t += 33) setBits(bloom, topicBitsOf(rlp, t + 1));
    p = logAt + logLen;
  }
}

/** The logs of an RLP list made by {@link writeLogsRlp} at `rlp[at]` (copied out: the source may be reused). */
export function readLogsRlp(rlp: Uint8Array, at: number): PackedLog[] {
  const [first, listLen] = rlpItem(rlp, at);
  const out: PackedLog[] = [];
  for (let p = first; p < first + listLen; ) {
    const [logAt, logLen] = rlpItem(rlp, p);
    const [addrAt, addrLen] = rlpItem(rlp, logAt);
    const [topicsAt, topicsLen] = rlpItem(rlp, addrAt + addrLen);
    const topics = new Uint8Array((topicsLen / 33) * 32);
    for (let t = topicsAt, k = 0; t < topicsAt + topicsLen; t += 33, k += 32) topics.set(rlp.subarray(t + 1, t + 33), k);
    const [dataAt, dataLen] = rlpItem(rlp, topicsAt + topicsLen);
    out.push(PackedLog.fromBytes(`0x${Buffer.from(rlp.buffer, rlp.byteOffset + addrAt, addrLen).toString('hex')}`, topics, rlp.subarray(dataAt, dataAt + dataLen)));
    p = logAt + logLen;
  }
  return out;
}

/** OR `b` (from byte `at`) into `into`. */
export function orBloom(into: Uint8Array, b: Uint8Array, at = 0): void {
  for (let i = 0; i < BLOOM_BYTES; i++) into[i] |= b[at + i];
}

const topicCount = (l: Log): number => (l instanceof PackedLog ? l.topicCount : l.topics.length);
/** Payload bytes of a log's item [address, [topic…], data]. */
const logPayload = (l: Log, n = topicCount(l)): number => 21 + headerLength(33 * n) + 33 * n + bytesLength(l.data);

/** Payload bytes of the RLP list of `logs` (each [address, [topic…], data]); the list takes headerLength(p) + p. */
export function logsPayload(logs: readonly Log[]): number {
  let payload = 0;
  for (const l of logs) {
    const p = logPayload(l);
    payload += headerLength(p) + p;
  }
  return payload;
}

/** Write the RLP list of `logs` (its payload `payload` = logsPayload(logs)) at `out[at]`; returns the end. */
export function writeLogsRlp(out: Uint8Array, at: number, logs: readonly Log[], payload: number): number {
  at = writeHeader(out, at, payload, 0xc0);
  for (const l of logs) {
    const n = topicCount(l);
    at = writeHeader(out, at, logPayload(l, n), 0xc0);
    at = writeAddress(out, at, l.address);
    at = writeHeader(out, at, 33 * n, 0xc0);
    const words = l instanceof PackedLog ? l.topicBytes : packedTopics(l);
    // Byte by byte: a subarray per topic was most of what encoding a block's receipts allocated.
    for (let k = 0; k < 32 * n; k += 32) {
      out[at++] = 0xa0;
      for (let j = 0; j < 32; j++) out[at + j] = words[k + j];
      at += 32;
    }
    at = writeBytes(out, at, l.data);
  }
  return at;
}

/** Bytes of a status receipt's encoding whose logs list takes `logsRlp` bytes. */
export function statusReceiptLength(cumulative: bigint, logsRlp: number, type: number): number {
  const payload = 1 + uintLength(cumulative) + 3 + BLOOM_BYTES + logsRlp;
  return (type === 0 ? 0 : 1) + headerLength(payload) + payload;
}

/**
 * Write a status receipt (Byzantium on) from its parts at `out[0]`: the logs list already encoded (`logsRlp`, from
 * writeLogsRlp) — how the receipts pipeline's workers encode what the coordinator published. Returns the length.
 */
export function writeStatusReceipt(out: Uint8Array, type: number, status: 0 | 1, cumulative: bigint, bloom: Uint8Array, bloomAt: number, logsRlp: Uint8Array): number {
  const payload = 1 + uintLength(cumulative) + 3 + BLOOM_BYTES + logsRlp.length;
  const typed = type === 0 ? 0 : 1;
  out[0] = type;
  let at = writeHeader(out, typed, payload, 0xc0);
  out[at++] = status === 1 ? 1 : 0x80;
  at = writeUint(out, at, cumulative);
  at = writeBytes(out, at, bloom, bloomAt, BLOOM_BYTES);
  out.set(logsRlp, at);
  return at + logsRlp.length;
}

/** The consensus encoding of a receipt (what the receipts trie stores). Throws when a pre-Byzantium root is missing. */
export function encodeReceipt(r: Receipt): Uint8Array {
  const logs = logsPayload(r.logs);
  const out = new Uint8Array(receiptLength(r, logs));
  writeReceipt(out, r, logs);
  return out;
}

/** A reusable buffer receipts are encoded into one at a time (grown as needed). */
export interface ReceiptScratch {
  buf: Uint8Array;
}
export const receiptScratch = (): ReceiptScratch => ({ buf: new Uint8Array(1024) });

/**
 * {@link encodeReceipt} into `s` (no new array: one of ~300 bytes is an off-heap allocation, and a block's worth of
 * them was much of its receipts root and of the GC's work); the view is valid until `s` is written again.
 */
export function encodeReceiptInto(s: ReceiptScratch, r: Receipt): Uint8Array {
  const logs = logsPayload(r.logs);
  const len = receiptLength(r, logs);
  if (s.buf.length < len) s.buf = new Uint8Array(Math.max(len, 2 * s.buf.length));
  writeReceipt(s.buf, r, logs);
  return s.buf.subarray(0, len);
}

/** The receipt's RLP payload, its logs list's payload being `logs`. */
function receiptPayload(r: Receipt, logs: number): number {
  let first: number;
  if (r.status !== undefined) first = 1;
  else if (r.postStateRoot !== undefined) first = bytesLength(r.postStateRoot);
  else throw new Error('receipt: neither a status nor a post-state root');
  return first + uintLength(r.cumulativeGasUsed) + 3 + BLOOM_BYTES + headerLength(logs) + logs;
}

function receiptLength(r: Receipt, logs: number): number {
  const payload = receiptPayload(r, logs);
  return (r.type === 0 ? 0 : 1) + headerLength(payload) + payload;
}

function writeReceipt(out: Uint8Array, r: Receipt, logs: number): void {
  const typed = r.type === 0 ? 0 : 1;
  out[0] = r.type;
  let at = writeHeader(out, typed, receiptPayload(r, logs), 0xc0);
  if (r.status !== undefined) out[at++] = r.status === 1 ? 1 : 0x80;
  else at = writeBytes(out, at, r.postStateRoot!);
  at = writeUint(out, at, r.cumulativeGasUsed);
  at = writeBytes(out, at, r.logsBloom);
  writeLogsRlp(out, at, r.logs, logs);
}

/**
 * Root of the receipts trie (key rlp(index) → encoded receipt), built as {@link receiptsRootOf} does: inserting them
 * one by one into @ethereumjs/mpt hashed every path again, ~10× the block's execution time on 1,400 transfers.
 */
export async function receiptsRoot(receipts: readonly Receipt[]): Promise<Uint8Array> {
  return receiptsRootOf(receipts.map((receipt) => ({ receipt })));
}

/**
 * 256-byte arrays for one block's blooms, carved from shared buffers (16 blooms, doubling to 256): a typed array of
 * its own is an off-heap allocation, ~0.5 µs and half of an ERC-20 receipt's bloom in the W2 profile.
 */
export function bloomArena(): () => Uint8Array {
  let buf: ArrayBuffer | undefined;
  let at = 0;
  return () => {
    if (!buf || at === buf.byteLength) {
      buf = new ArrayBuffer(buf ? Math.min(2 * buf.byteLength, 256 * BLOOM_BYTES) : 16 * BLOOM_BYTES);
      at = 0;
    }
    const b = new Uint8Array(buf, at, BLOOM_BYTES);
    at += BLOOM_BYTES;
    return b;
  };
}

/**
 * An all-zero bloom for encoding receipts that never logged: only ever passed to {@link encodeReceipt} inside this
 * runtime, never handed out (a receipt read by a caller gets its own array).
 */
export const ZERO_BLOOM: Uint8Array = new Uint8Array(BLOOM_BYTES);

/** A status receipt's parts (Byzantium on), before encoding: what the parallel executor's receipts pipeline publishes. */
export interface ReceiptParts {
  type: number;
  status: 0 | 1;
  cumulative: bigint;
  /** The receipt's bloom at `bloomAt` (undefined: no logs, all zero). */
  bloom?: Uint8Array;
  bloomAt: number;
  /** The logs, or their RLP list as writeLogsRlp makes it (a worker's result carries them encoded: copied as is). */
  logs?: readonly Log[];
  logsRlp?: Uint8Array;
}

/** Whether a receipt's parts hold any log. */
export const partsHaveLogs = (r: ReceiptParts): boolean => (r.logsRlp ? r.logsRlp.length > 1 : r.logs!.length > 0);

/** A transaction outcome that can give its receipt's encoding, or its parts, without building the receipt (lazy outcomes). */
export interface EncodesReceipt {
  /** Encoded into `s`: a view valid until `s` is written again. */
  encodedReceipt(s: ReceiptScratch): Uint8Array;
  /** Byzantium on only. */
  receiptParts(): ReceiptParts;
}

/**
 * The receipts root of a block's outcomes: each receipt encoded into one scratch buffer and its trie leaf hashed
 * straight from it (IndexTrie: where a leaf sits depends only on the count), so no array per receipt nor per leaf —
 * two off-heap allocations per transaction were 45% of a block of 1,423 transfers and fed its GC.
 */
export function receiptsRootOf(outcomes: readonly ({ readonly receipt: Receipt } & Partial<EncodesReceipt>)[]): Uint8Array {
  const n = outcomes.length;
  const trie = IndexTrie.of(n);
  const refs = new Uint8Array(REF_BYTES * n);
  const lens = new Uint8Array(n);
  const s = rootScratch;
  for (let i = 0; i < n; i++) {
    const t = outcomes[i];
    lens[i] = trie.leafRef(i, t.encodedReceipt ? t.encodedReceipt(s) : encodeReceiptInto(s, t.receipt), refs, REF_BYTES * i);
  }
  return trie.root((i) => refs.subarray(REF_BYTES * i, REF_BYTES * i + lens[i]));
}
/** A leaf's reference: its RLP when shorter than 32 bytes, else 0xa0 ‖ keccak. */
const REF_BYTES = 33;
const rootScratch = receiptScratch();
