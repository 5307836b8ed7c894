/**
 * @file The receipts root, hashed while the block runs. The coordinator publishes each committed transaction's
 * encoded receipt (its cumulative gas is known only then) into shared memory; a worker with nothing left to execute
 * — speculation stopped, its claims ran out, or the block runs sequentially — encodes and hashes the receipts' trie
 * leaves (state-root.ts IndexTrie: a leaf's place depends only on the number of transactions). At the block's end
 * the coordinator hashes the leaves nobody took and builds the branches from the leaves' references.
 *
 * Why: leaf hashing was most of a block's receipts root (W1, 1,423 transfers: 7.5 ms against 8.2 ms of execution,
 * keccak-f over ~270-byte leaves), and it needs no validation — any thread can do it once a receipt is final.
 *
 * Protocol: leaves are claimed from RC_CLAIM — by a worker with compareExchange and only below RC_PUBLISHED, by the
 * coordinator at the end with add — so each is hashed once; a leaf's reference is written before its length (an
 * Atomics.store), and the coordinator recomputes any leaf whose length is still 0 after a short wait (a worker
 * stalled or gone never holds the block up).
 */
import { BLOOM_BYTES, type ReceiptParts, bloomOfLogsRlp, logsPayload, partsHaveLogs, statusReceiptLength, writeLogsRlp, writeStatusReceipt } from '../block/receipts.ts';
import { headerLength } from '../state/rlp.ts';
import { IndexTrie } from '../state/state-root.ts';

/**
 * A published receipt: u8 type, u8 status, u8 bloom (0 none: no logs; 1 given, 256 bytes follow; 2 to compute from the
 * logs — a transaction the coordinator ran leaves its bloom to whoever hashes the leaf), u8 0, u32 + u32 cumulative
 * gas, [bloom], the logs' RLP list.
 */
const HEAD = 12;
const ZERO_BLOOM = new Uint8Array(BLOOM_BYTES);
const EMPTY_LIST = Uint8Array.of(0xc0);

/** Scratch buffers of one thread's leaf encoding. */
interface Scratch {
  out: Uint8Array;
  bloom: Uint8Array;
}
const scratch = (): Scratch => ({ out: new Uint8Array(1024), bloom: new Uint8Array(BLOOM_BYTES) });

/**
 * Encode the receipt published at `bytes[from, to)` into `s.out` (grown as needed); returns its length. A bloom left
 * to compute is computed here and OR-ed into the block's (`blockBloom`, shared).
 */
function receiptFrom(bytes: Uint8Array, from: number, to: number, s: Scratch, blockBloom: Int32Array): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset + from, HEAD);
  const cumulative = BigInt(v.getUint32(4, true)) + (BigInt(v.getUint32(8, true)) << 32n);
  const flag = bytes[from + 2];
  const logsAt = from + HEAD + (flag === 1 ? BLOOM_BYTES : 0);
  const logs = logsAt < to ? bytes.subarray(logsAt, to) : EMPTY_LIST;
  let bloom: Uint8Array = ZERO_BLOOM;
  let bloomAt = 0;
  if (flag === 1) {
    bloom = bytes;
    bloomAt = from + HEAD;
  } else if (flag === 2) {
    bloom = s.bloom;
    bloom.fill(0);
    bloomOfLogsRlp(bytes, logsAt, to, bloom);
    const words = new Int32Array(bloom.buffer, bloom.byteOffset, BLOOM_BYTES / 4);
    for (let k = 0; k < words.length; k++) if (words[k] !== 0) Atomics.or(blockBloom, k, words[k]);
  }
  const len = statusReceiptLength(cumulative, logs.length, bytes[from]);
  if (s.out.length < len) s.out = new Uint8Array(Math.max(len, 2 * s.out.length));
  writeStatusReceipt(s.out, bytes[from], bytes[from + 1] === 1 ? 1 : 0, cumulative, bloom, bloomAt, logs);
  return len;
}

/** Control words (Int32Array over their own SharedArrayBuffer, one per block). */
export const RC_PUBLISHED = 0;
export const RC_CLAIM = 1;
export const RC_DONE = 2;
/** Non-zero: the coordinator publishes no more (it hashes what is left itself). */
export const RC_END = 3;
const RC_WORDS = 4;

/** A leaf's reference is at most 33 bytes (0xa0 ‖ keccak); slots are 33 bytes apart. */
const REF_BYTES = 33;
/** Below this many transactions the root is cheap: hashed at the end as before. */
export const MIN_PIPELINED_RECEIPTS = 64;
/** Receipt bytes one block may publish (the rest are hashed by the coordinator at the end). */
const MAX_BYTES = 1 << 26;
/** How long the coordinator waits for a worker's leaf in progress before hashing it itself. */
const WAIT_MS = 50;

/** What a worker receives (BlockMsg.receipts, HashMsg). */
export interface ReceiptsShared {
  n: number;
  ctrl: SharedArrayBuffer;
  /** Receipts back to back; `ends[i]` (Int32) is where receipt i ends, receipt i starts at ends[i − 1] (0 for i = 0). */
  bytes: SharedArrayBuffer;
  ends: SharedArrayBuffer;
  /** Leaf references, 33 bytes apart, and their lengths (Int32; 0: not yet). */
  refs: SharedArrayBuffer;
  lens: SharedArrayBuffer;
  /** The blooms computed by whoever hashed a leaf (flag 2), OR-ed together (Int32 words, Atomics.or). */
  bloom: SharedArrayBuffer;
}

/** Buffers a pool keeps for its blocks' receipts (reused: at a block's end no worker reads them any more). */
export interface ReceiptsBuffers {
  bytes?: SharedArrayBuffer;
  ends?: SharedArrayBuffer;
  refs?: SharedArrayBuffer;
  lens?: SharedArrayBuffer;
  /** The largest mean receipt size published so far (sizes the next block's byte buffer). */
  perTx?: number;
}

const grow = (b: SharedArrayBuffer | undefined, need: number): SharedArrayBuffer =>
  b && b.byteLength >= need ? b : new SharedArrayBuffer(Math.max(need, 2 * (b?.byteLength ?? 0)));

/** The coordinator's side, for one block of n transactions. */
export class ReceiptsPipeline {
  readonly shared: ReceiptsShared;
  private readonly ctrl: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly head: DataView;
  private readonly blockBloom: Int32Array;
  private readonly scratch = scratch();
  private readonly ends: Int32Array;
  private readonly refs: Uint8Array;
  private readonly lens: Int32Array;
  private readonly trie: IndexTrie;
  private published = 0;
  private at = 0;
  private full = false;

  constructor(readonly n: number, private readonly pool: ReceiptsBuffers) {
    // Log-less receipts are ~270 bytes; with logs ~1 KB and more: sized from the largest mean seen.
    pool.bytes = grow(pool.bytes, Math.min(MAX_BYTES, (1 << 16) + n * Math.ceil(Math.max(600, 1.5 * (pool.perTx ?? 0)))));
    pool.ends = grow(pool.ends, 4 * n);
    pool.refs = grow(pool.refs, REF_BYTES * n);
    pool.lens = grow(pool.lens, 4 * n);
    this.shared = { n, ctrl: new SharedArrayBuffer(4 * RC_WORDS), bytes: pool.bytes, ends: pool.ends, refs: pool.refs, lens: pool.lens, bloom: new SharedArrayBuffer(BLOOM_BYTES) };
    this.blockBloom = new Int32Array(this.shared.bloom);
    this.ctrl = new Int32Array(this.shared.ctrl);
    this.bytes = new Uint8Array(pool.bytes);
    this.head = new DataView(pool.bytes);
    this.ends = new Int32Array(pool.ends);
    this.refs = new Uint8Array(pool.refs);
    this.lens = new Int32Array(pool.lens, 0, n);
    this.lens.fill(0);
    this.trie = IndexTrie.of(n);
  }

  /**
   * Transaction i's receipt, final (called in block order, right after its commit): its parts, encoded by whoever hashes
   * it (and its bloom computed there when `r.bloom` is absent but there are logs). False: not published (out of order, or
   * the buffer is full) — the caller then owes the block its bloom.
   */
  publish(i: number, r: ReceiptParts): boolean {
    if (this.full || i !== this.published) return false;
    const any = partsHaveLogs(r);
    // Already encoded (a worker's result), or encoded here.
    const rlp = any ? r.logsRlp : undefined;
    const logs = any && !rlp ? logsPayload(r.logs!) : -1;
    const size = HEAD + (r.bloom ? BLOOM_BYTES : 0) + (rlp ? rlp.length : logs < 0 ? 0 : headerLength(logs) + logs);
    if (this.at + size > this.bytes.length) {
      this.full = true;
      return false;
    }
    const b = this.bytes;
    const at = this.at;
    b[at] = r.type;
    b[at + 1] = r.status;
    b[at + 2] = r.bloom ? 1 : any ? 2 : 0;
    this.head.setUint32(at + 4, Number(r.cumulative & 0xffffffffn), true);
    this.head.setUint32(at + 8, Number(r.cumulative >> 32n), true);
    if (r.bloom) b.set(r.bloom.subarray(r.bloomAt, r.bloomAt + BLOOM_BYTES), at + HEAD);
    if (rlp) b.set(rlp, at + HEAD + (r.bloom ? BLOOM_BYTES : 0));
    else if (logs >= 0) writeLogsRlp(b, at + HEAD + (r.bloom ? BLOOM_BYTES : 0), r.logs!, logs);
    this.at += size;
    this.ends[i] = this.at;
    Atomics.store(this.ctrl, RC_PUBLISHED, ++this.published);
    return true;
  }

  /**
   * No more receipts will be published (the block's transactions are done, or it failed): a worker hashes what is
   * published and returns instead of waiting for more — a block that threw before its root never leaves it waiting.
   */
  end(): void {
    Atomics.store(this.ctrl, RC_END, 1);
    Atomics.notify(this.ctrl, RC_PUBLISHED);
  }

  /** Published receipts a worker has not claimed yet (nothing for a worker to do when 0). */
  get unclaimed(): number {
    return this.published - Atomics.load(this.ctrl, RC_CLAIM);
  }

  /**
   * The root, once every transaction is committed: the leaves left are hashed here (receipts not published come from
   * `receiptOf`), a worker's leaf in progress is waited for briefly, then the branches are built. Returns also how
   * many leaves the workers hashed.
   */
  root(receiptOf: (i: number) => Uint8Array): { root: Uint8Array; byWorkers: number; bloom: Uint8Array } {
    const { ctrl, n, trie } = this;
    this.end();
    if (this.published) this.pool.perTx = Math.max(this.pool.perTx ?? 0, this.at / this.published);
    const mine = new Map<number, Uint8Array>();
    for (let k = Atomics.add(ctrl, RC_CLAIM, 1); k < n; k = Atomics.add(ctrl, RC_CLAIM, 1)) {
      const out = new Uint8Array(REF_BYTES);
      const len = trie.leafRef(k, k < this.published ? this.receipt(k) : receiptOf(k), out, 0);
      mine.set(k, out.subarray(0, len));
      Atomics.add(ctrl, RC_DONE, 1);
    }
    const deadline = performance.now() + WAIT_MS;
    while (Atomics.load(ctrl, RC_DONE) < n && performance.now() < deadline) {
      /* a worker's leaf in progress: a few µs */
    }
    if (Atomics.load(ctrl, RC_DONE) < n) {
      // A worker may still write into these buffers: the next block gets new ones.
      this.pool.bytes = this.pool.ends = this.pool.refs = this.pool.lens = undefined;
    }
    let byWorkers = 0;
    const root = trie.root((i) => {
      const own = mine.get(i);
      if (own) return own;
      const len = Atomics.load(this.lens, i);
      if (len > 0) {
        byWorkers++;
        return this.refs.subarray(REF_BYTES * i, REF_BYTES * i + len);
      }
      // Claimed by a worker that never finished it: hashed here.
      const out = new Uint8Array(REF_BYTES);
      return out.subarray(0, trie.leafRef(i, i < this.published ? this.receipt(i) : receiptOf(i), out, 0));
    });
    const bloom = new Uint8Array(BLOOM_BYTES);
    for (let k = 0; k < BLOOM_BYTES / 4; k++) new DataView(bloom.buffer).setInt32(4 * k, Atomics.load(this.blockBloom, k), true);
    return { root, byWorkers, bloom };
  }

  /** Published receipt i, encoded (its bloom, when left to compute, OR-ed into the block's). */
  private receipt(i: number): Uint8Array {
    const len = receiptFrom(this.bytes, i === 0 ? 0 : this.ends[i - 1], this.ends[i], this.scratch, this.blockBloom);
    return this.scratch.out.subarray(0, len);
  }
}

/**
 * A worker's side: hash published leaves until every leaf is claimed or the coordinator has ended (it hashes the
 * rest), or after `max` leaves; with `wait`, sleeps briefly for more receipts, else returns when none is published.
 * Returns how many leaves this thread hashed.
 */
export function hashLeaves(s: ReceiptsShared, max = Infinity, wait = true): number {
  const ctrl = new Int32Array(s.ctrl);
  const bytes = new Uint8Array(s.bytes);
  const ends = new Int32Array(s.ends);
  const refs = new Uint8Array(s.refs);
  const lens = new Int32Array(s.lens);
  const trie = IndexTrie.of(s.n);
  const sc = scratch();
  const blockBloom = new Int32Array(s.bloom);
  let hashed = 0;
  while (hashed < max) {
    const k = Atomics.load(ctrl, RC_CLAIM);
    if (k >= s.n) break;
    const published = Atomics.load(ctrl, RC_PUBLISHED);
    if (k >= published) {
      if (!wait || Atomics.load(ctrl, RC_END) !== 0) break;
      // No notify from the coordinator (a futex wake per commit cost it more than this saves): batches of receipts.
      Atomics.wait(ctrl, RC_PUBLISHED, published, 1);
      continue;
    }
    if (Atomics.compareExchange(ctrl, RC_CLAIM, k, k + 1) !== k) continue;
    const n = receiptFrom(bytes, k === 0 ? 0 : ends[k - 1], ends[k], sc, blockBloom);
    const len = trie.leafRef(k, sc.out.subarray(0, n), refs, REF_BYTES * k);
    Atomics.store(lens, k, len);
    Atomics.add(ctrl, RC_DONE, 1);
    hashed++;
  }
  return hashed;
}
