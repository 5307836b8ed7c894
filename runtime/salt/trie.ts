/**
 * @file The SALT commitment trie: main 4-level 256-ary trie plus bucket subtrees (SPEC.md §3.1, §3.4).
 *
 * Stage: authentication layer above the SHI bucket tables.
 * Input: per-slot scalar changes (`kv_hash(new) − kv_hash(old)`) and buckets whose subtree shape
 * changed (rebuilt from their full slot list).
 * Output: node commitments (only non-default nodes are stored) and the root commitment.
 * Invariants: node ids follow SALT's BFS numbering (STARTING = [0, 1, 257, 65 793, 16 843 009]);
 * bucket b's main leaf is 65 793 + b; a bucket with capacity > 256 is a subtree whose level-4
 * leaves are 256-slot segments (local id 16 843 009 + slot/256) and whose root (level 3, 2, 1 or 0
 * by capacity) is stored as the main leaf. Updates are incremental: one δ·G_pos per changed node,
 * deltas into the same parent summed, levels processed bottom-up with batched `map_to_scalar`.
 * Each level is one kernel batch (accumulators initialised with the nodes' current commitments, one
 * fixed-base job per change), so a `CommitEngine` can spread it over threads; node commitments stay
 * in kernel words, and BigInt points appear only at the API (`mainCommitment`, …).
 */
import { type Point, IDENTITY, add, mapToScalar, mul } from './banderwagon.ts';
import { R, mod } from './field.ts';
import { saltCrs } from './crs.ts';
import {
  JOB_WORDS, POINT_WORDS, SCALAR_WORDS, bigintToWords, frSubWords, pointToWords, wordsToBigint, wordsToPoint,
} from './kernel/index.ts';
import { type BatchTicket, defaultEngine } from './kernel/parallel.ts';
import { NUM_META_BUCKETS } from './hasher.ts';
import { DEFAULT_META_SCALAR, EMPTY_SLOT_SCALAR } from './keys.ts';

/** First node id of each main-trie level (also the local ids of bucket-subtree levels). */
export const STARTING_NODE_ID = [0, 1, 257, 65793, 16843009] as const;
/** Main-trie node id of bucket b's leaf. */
export const bucketLeafId = (b: number): number => STARTING_NODE_ID[3] + b;

/** Subtree root level for a capacity: 4 (≤256), 3 (≤65 536), 2 (≤2^24), 1 (≤2^32), 0 above. */
export function subtreeRootLevel(capacity: number): number {
  if (capacity <= 256) return 4;
  if (capacity <= 65536) return 3;
  if (capacity <= 2 ** 24) return 2;
  if (capacity <= 2 ** 32) return 1;
  return 0;
}

/** Main-trie level of a node id (0 root … 3 bucket leaves). */
export function mainLevel(id: number): number {
  if (id === 0) return 0;
  if (id < STARTING_NODE_ID[2]) return 1;
  if (id < STARTING_NODE_ID[3]) return 2;
  return 3;
}

/** Parent and vector position of a main-trie node (id > 0). */
export function mainParent(id: number): { parent: number; pos: number } {
  const l = mainLevel(id);
  const idx = id - STARTING_NODE_ID[l];
  return { parent: STARTING_NODE_ID[l - 1] + Math.floor(idx / 256), pos: idx % 256 };
}

/** Level of a bucket-subtree local id. */
export function localLevel(local: number): number {
  for (let l = 4; l >= 0; l--) if (local >= STARTING_NODE_ID[l]) return l;
  return 0;
}

/** Parent and position of a subtree local node (level > 0). */
export function localParent(local: number): { parent: number; pos: number } {
  const l = localLevel(local);
  const idx = local - STARTING_NODE_ID[l];
  return { parent: STARTING_NODE_ID[l - 1] + Math.floor(idx / 256), pos: idx % 256 };
}

/** Local id of the segment holding `slot` (level 4). */
export const segmentLocalId = (slot: number): number => STARTING_NODE_ID[4] + Math.floor(slot / 256);

/** Default (empty-state) commitments. */
export interface Defaults {
  /** Metadata bucket with all 256 slots holding the default meta. */
  readonly metaL3: Point;
  /** Main L2 / L1 nodes on the metadata side (node ids 257..512 and 1). */
  readonly metaL2: Point;
  readonly metaL1: Point;
  /** Bucket-subtree defaults by level 0..4; level 4 = empty 256-slot bucket/segment; main data level l = sub[l + 1]. */
  readonly sub: readonly Point[];
  /** Root of the empty SALT. */
  readonly root: Point;
}

let defaultsCache: Defaults | undefined;

/** Compute the default commitments (Σ c·G_i = c·ΣG_i, so each costs one multiplication). */
export function defaults(): Defaults {
  if (defaultsCache) return defaultsCache;
  const { G } = saltCrs();
  let sumG = IDENTITY;
  for (const g of G) sumG = add(sumG, g);
  const constVec = (c: bigint): Point => mul(sumG, c);
  const metaL3 = constVec(DEFAULT_META_SCALAR);
  const metaL2 = constVec(mapToScalar(metaL3));
  const metaL1 = constVec(mapToScalar(metaL2));
  const sub: Point[] = new Array(5);
  sub[4] = constVec(EMPTY_SLOT_SCALAR);
  for (let l = 3; l >= 0; l--) sub[l] = constVec(mapToScalar(sub[l + 1]));
  const hData = mapToScalar(sub[2]);
  const root = add(mul(G[0], mapToScalar(metaL1)), mul(add(sumG, mul(G[0], R - 1n)), hData));
  defaultsCache = { metaL3, metaL2, metaL1, sub, root };
  return defaultsCache;
}

/** Default commitment of a main-trie node. */
export function defaultMain(id: number): Point {
  const d = defaults();
  const l = mainLevel(id);
  if (l === 0) return d.root;
  const meta =
    l === 1 ? id === 1 : l === 2 ? id - STARTING_NODE_ID[2] < 256 : id - STARTING_NODE_ID[3] < NUM_META_BUCKETS;
  if (meta) return l === 1 ? d.metaL1 : l === 2 ? d.metaL2 : d.metaL3;
  return d.sub[l + 1];
}

/** A slot scalar change: `delta = kv_hash(new) − kv_hash(old)` (mod r). */
export interface SlotDelta {
  readonly bucket: number;
  readonly slot: number;
  readonly delta: bigint;
}

/**
 * Slot deltas packed as canonical scalar words (8 per delta), the form the kernel's jobs take: the batch
 * paths (state.ts, stateless.ts) subtract `kv_hash` words directly, so a 100k-key batch allocates no
 * BigInt per slot. A zero delta is dropped on push, as `apply` drops zero BigInt deltas.
 */
export class SlotDeltaList {
  readonly buckets: number[] = [];
  /** Slots can exceed 2^32 (expanded buckets), so a plain number array. */
  readonly slots: number[] = [];
  words: Uint32Array<ArrayBuffer> = new Uint32Array(SCALAR_WORDS * 64);

  get length(): number {
    return this.buckets.length;
  }

  /** Push (a − b) mod r for canonical scalar words a, b; returns false (nothing pushed) when it is zero. */
  pushSub(bucket: number, slot: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): boolean {
    const o = this.reserve();
    if (!frSubWords(this.words, o, a, ao, b, bo)) return false;
    this.buckets.push(bucket);
    this.slots.push(slot);
    return true;
  }

  /** Push a BigInt delta (any integer; reduced mod r), unless it is zero mod r. */
  pushBig(bucket: number, slot: number, delta: bigint): boolean {
    const s = mod(delta, R);
    if (s === 0n) return false;
    bigintToWords(s, this.words, this.reserve());
    this.buckets.push(bucket);
    this.slots.push(slot);
    return true;
  }

  /** The same deltas from `SlotDelta` records. */
  static from(deltas: readonly SlotDelta[]): SlotDeltaList {
    const l = new SlotDeltaList();
    for (const d of deltas) l.pushBig(d.bucket, d.slot, d.delta);
    return l;
  }

  /** Word offset of the next delta (the buffer grown to hold it). */
  private reserve(): number {
    const o = this.buckets.length * SCALAR_WORDS;
    if (o + SCALAR_WORDS > this.words.length) this.words = grow(this.words, o + SCALAR_WORDS);
    return o;
  }
}

/** A bucket rebuilt from its full contents (its subtree shape changed, or first build). */
export interface BucketRebuild {
  readonly bucket: number;
  /** Subtree root level of the new shape (4 = plain 256-slot bucket). */
  readonly level: number;
  /** Occupied slots and their scalars (all other slots take the empty/default-meta scalar). */
  readonly slots: ReadonlyArray<readonly [slot: number, scalar: bigint]>;
}

/** What the trie needs from the arithmetic back end (a `SaltKernel`, or the worker pool in `parallel.ts`). */
export interface CommitEngine {
  /** accs[job.acc] += job.scalar · G[job.gen], jobs in order; returns the non-zero jobs. */
  mulBatch(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): number;
  /** `map_to_scalar` of n points → n canonical scalars (8 words each). */
  mapToScalars(pts: Uint32Array, n: number): Uint32Array;
  /** Scalar × generator products so far. */
  readonly mulCount: number;
  /**
   * Optional, worker pools only (parallel.ts): a batch of about `jobs` products follows — true when
   * `startBatch` can then run batches on other threads (a pool may start its threads here).
   */
  expect?(jobs: number): boolean;
  /** Optional: start `mulBatch` on an idle worker without waiting (undefined: none idle). */
  startBatch?(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): BatchTicket | undefined;
  /** Optional: `mulBatch` on the calling thread only. */
  mulLocal?(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): number;
}

/** A default commitment in kernel form, with its `map_to_scalar`. */
interface KNode {
  readonly p: Uint32Array;
  readonly s: Uint32Array;
}

const kdefaults = new Map<Point, KNode>();
function kdefault(p: Point): KNode {
  let k = kdefaults.get(p);
  if (!k) {
    const s = new Uint32Array(SCALAR_WORDS);
    bigintToWords(mapToScalar(p), s, 0);
    kdefaults.set(p, (k = { p: pointToWords(p), s }));
  }
  return k;
}

const REC = POINT_WORDS + SCALAR_WORDS;

const defaultScalars = new Map<Point, bigint>();

/**
 * Accumulators and fixed-base jobs for one level: each distinct target node gets an accumulator
 * initialised with its current commitment, every change to it becomes a job; the kernel then adds
 * all products into the accumulators, which become the nodes' new commitments.
 */
class LevelBatch {
  readonly ids: number[] = [];
  /** Node id → accumulator; absent for a leaf-stream chunk, whose caller knows its accumulators. */
  private readonly index: Map<number, number> | undefined;
  accs: Uint32Array<ArrayBuffer>;
  jobs: Uint32Array<ArrayBuffer>;
  nj = 0;

  constructor(indexed = true, accWords = POINT_WORDS * 16, jobWords = JOB_WORDS * 16) {
    this.index = indexed ? new Map() : undefined;
    this.accs = new Uint32Array(accWords);
    this.jobs = new Uint32Array(jobWords);
  }

  /** Accumulator of node `id`, created with `init` the first time. */
  acc(id: number, init: () => Uint32Array, io = 0): number {
    const a = this.find(id);
    return a >= 0 ? a : this.add(id, init(), io);
  }

  /** Accumulator index of `id`, or −1. */
  find(id: number): number {
    return this.index!.get(id) ?? -1;
  }

  /**
   * New accumulator for `id`, initialised from src[off…off+36) (the hot paths pass the node pool
   * directly: a subarray view per node was a measurable share of the allocation churn).
   */
  add(id: number, src: Uint32Array, off: number): number {
    const a = this.ids.length;
    this.index?.set(id, a);
    this.ids.push(id);
    if ((a + 1) * POINT_WORDS > this.accs.length) this.accs = grow(this.accs, (a + 1) * POINT_WORDS);
    copyWords(this.accs, a * POINT_WORDS, src, off, POINT_WORDS);
    return a;
  }

  /** Reserve a job; returns its word offset (scalar at +2). */
  job(acc: number, gen: number): number {
    const o = this.nj * JOB_WORDS;
    if (o + JOB_WORDS > this.jobs.length) this.jobs = grow(this.jobs, o + JOB_WORDS);
    this.jobs[o] = acc;
    this.jobs[o + 1] = gen;
    this.nj++;
    return o;
  }

  /** Add a job whose canonical, non-zero scalar is src[off…off+8). */
  jobWords(acc: number, gen: number, src: Uint32Array, off: number): void {
    const o = this.job(acc, gen); // may replace this.jobs
    copyWords(this.jobs, o + 2, src, off, SCALAR_WORDS);
  }

  /** Add a job with a BigInt scalar (reduced mod r here). */
  jobBig(acc: number, gen: number, k: bigint): void {
    const s = mod(k, R);
    if (s === 0n) return;
    const o = this.job(acc, gen); // may replace this.jobs
    bigintToWords(s, this.jobs, o + 2);
  }

  run(e: CommitEngine): Uint32Array {
    e.mulBatch(this.accs, this.ids.length, this.jobs, this.nj);
    return this.accs;
  }
}

/**
 * Jobs per leaf-stream chunk (~0.1 s of products): in isolation 100k jobs cost 15.3–16.6 µs per product
 * as one batch, 15.7 in chunks of 16k and 17.8 in chunks of 4k (each round's table rows are shared by
 * fewer jobs), so chunks stay large and the few left at the end are split between the threads.
 */
const STREAM_CHUNK = 8192;

/**
 * Main-leaf products of plain buckets, started while the caller is still building its batch (state.ts
 * visits the buckets in order and pushes each bucket's slot deltas together): every STREAM_CHUNK jobs
 * the chunk goes to an idle worker (`CommitEngine.startBatch`) and the caller goes on with the next
 * buckets' tables and hashes, so that JavaScript no longer runs with the worker idle. A bucket's leaf
 * lies in exactly one chunk, so running chunks never share an accumulator; `finish` runs what is left
 * on this thread (from the tail) and the workers (from the head). Accumulators come back normalised
 * (Z = 1), so the words are the same as with one batch.
 */
export class LeafStream {
  private cur = LeafStream.chunk();
  private curBucket = -1;
  private curAcc = 0;
  private readonly queue: LevelBatch[] = [];
  private readonly running: { readonly c: LevelBatch; readonly t: BatchTicket }[] = [];
  private readonly chunks: LevelBatch[] = [];
  /** Slot deltas (non-zero) and main leaves pushed so far. */
  jobs = 0;
  leaves = 0;

  constructor(
    private readonly engine: Required<Pick<CommitEngine, 'startBatch' | 'mulLocal'>>,
    /** Current commitment words of a main leaf: [array, offset]. */
    private readonly leafInit: (id: number) => readonly [Uint32Array, number],
  ) {}

  private static chunk(): LevelBatch {
    return new LevelBatch(false, POINT_WORDS * (STREAM_CHUNK + 64), JOB_WORDS * (STREAM_CHUNK + 64));
  }

  /** Slot delta (a − b) mod r of plain data bucket `bucket` (canonical scalar words); a zero delta is dropped. */
  pushSub(bucket: number, slot: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
    const c = this.cur;
    const o = c.job(0, slot % 256);
    if (!frSubWords(c.jobs, o + 2, a, ao, b, bo)) {
      c.nj--;
      return;
    }
    if (bucket !== this.curBucket) {
      const id = bucketLeafId(bucket);
      const [src, off] = this.leafInit(id);
      this.curBucket = bucket;
      this.curAcc = c.add(id, src, off);
      this.leaves++;
    }
    c.jobs[o] = this.curAcc;
    this.jobs++;
  }

  /** After each bucket: hand a full chunk over, collect finished ones. */
  endBucket(): void {
    if (this.cur.nj >= STREAM_CHUNK) {
      this.queue.push(this.cur);
      this.chunks.push(this.cur);
      this.cur = LeafStream.chunk();
      this.curBucket = -1;
    }
    if (this.queue.length > 0 || this.running.length > 0) this.pump();
  }

  private pump(): void {
    for (let i = this.running.length; i-- > 0; ) {
      if (this.running[i].t.done()) {
        this.running[i].t.wait();
        this.running.splice(i, 1);
      }
    }
    while (this.queue.length > 0) {
      const c = this.queue[0];
      const t = this.engine.startBatch(c.accs, c.ids.length, c.jobs, c.nj);
      if (!t) break;
      this.queue.shift();
      this.running.push({ c, t });
    }
  }

  /** Run the remaining chunks; the streamed leaves' ids and new commitments, in push order. */
  finish(): { ids: number[]; pts: Uint32Array } {
    if (this.cur.nj > 0) {
      this.queue.push(this.cur);
      this.chunks.push(this.cur);
    }
    while (this.queue.length > 0) {
      this.pump();
      const c = this.queue.pop();
      if (c) this.engine.mulLocal(c.accs, c.ids.length, c.jobs, c.nj);
    }
    for (const r of this.running) r.t.wait();
    this.running.length = 0;
    const ids: number[] = [];
    for (const c of this.chunks) for (const id of c.ids) ids.push(id);
    const pts = new Uint32Array(ids.length * POINT_WORDS);
    let o = 0;
    for (const c of this.chunks) {
      const n = c.ids.length * POINT_WORDS;
      pts.set(c.accs.subarray(0, n), o);
      o += n;
    }
    return { ids, pts };
  }
}

function copyWords(dst: Uint32Array, d: number, src: Uint32Array, s: number, n: number): void {
  for (let i = 0; i < n; i++) dst[d + i] = src[s + i];
}

/** Parent id and position of a node whose level starts at STARTING_NODE_ID[level] (level > 0). */
const parentIdAt = (id: number, level: number): number => STARTING_NODE_ID[level - 1] + Math.floor((id - STARTING_NODE_ID[level]) / 256);
const posAt = (id: number, level: number): number => (id - STARTING_NODE_ID[level]) % 256;

function grow(a: Uint32Array, need: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** Where one family of nodes (the main trie, or one bucket's subtree) is stored and what it defaults to. */
interface NodeSpace {
  readonly map: Map<number, number>;
  readonly dflt: (id: number) => KNode;
  /** Level of a node of this space (main-trie or subtree-local numbering). */
  readonly level: (id: number) => number;
  /** Current commitment of a parent (may live outside `map`: a subtree root is a main leaf). */
  readonly parentInit: (id: number) => Uint32Array;
}

/**
 * Commitment trie state (sparse: absent nodes hold their default commitment). Node commitments are
 * kept in kernel form (Montgomery extended coordinates) with their `map_to_scalar`, in one pooled
 * typed array, so an update never converts through BigInt.
 */
export class SaltTrie {
  private readonly main = new Map<number, number>();
  private readonly sub = new Map<number, Map<number, number>>();
  private readonly levels = new Map<number, number>();
  private pool: Uint32Array<ArrayBuffer> = new Uint32Array(REC * 1024);
  private used = 0;
  private readonly free: number[] = [];
  readonly engine: CommitEngine;

  constructor(engine: CommitEngine = defaultEngine()) {
    this.engine = engine;
  }

  /** Subtree root level of a bucket (4 unless expanded). */
  bucketLevel(b: number): number {
    return this.levels.get(b) ?? 4;
  }

  private mainK(id: number): Uint32Array {
    const r = this.main.get(id);
    return r === undefined ? kdefault(defaultMain(id)).p : this.pool.subarray(r * REC, r * REC + POINT_WORDS);
  }

  /** Commitment of a main-trie node. */
  mainCommitment(id: number): Point {
    return wordsToPoint(this.mainK(id));
  }

  /** Commitment of a bucket-subtree node (the subtree root is the main leaf). */
  subCommitment(b: number, local: number): Point {
    const level = this.bucketLevel(b);
    if (local === STARTING_NODE_ID[level]) return this.mainCommitment(bucketLeafId(b));
    const r = this.sub.get(b)?.get(local);
    return r === undefined ? defaults().sub[localLevel(local)] : wordsToPoint(this.pool, r * REC);
  }

  /** `map_to_scalar` of a main-trie node (stored with its commitment, so no inversion). */
  mainScalar(id: number): bigint {
    const r = this.main.get(id);
    return r === undefined ? this.defaultScalar(defaultMain(id)) : wordsToBigint(this.pool, r * REC + POINT_WORDS);
  }

  /** `map_to_scalar` of a bucket-subtree node. */
  subScalar(b: number, local: number): bigint {
    const level = this.bucketLevel(b);
    if (local === STARTING_NODE_ID[level]) return this.mainScalar(bucketLeafId(b));
    const r = this.sub.get(b)?.get(local);
    return r === undefined ? this.defaultScalar(defaults().sub[localLevel(local)]) : wordsToBigint(this.pool, r * REC + POINT_WORDS);
  }

  private defaultScalar(p: Point): bigint {
    // Memoised: the prover reads all 256 children of every opened node, most of them defaults.
    let s = defaultScalars.get(p);
    if (s === undefined) defaultScalars.set(p, (s = wordsToBigint(kdefault(p).s, 0)));
    return s;
  }

  /** The root commitment. */
  rootCommitment(): Point {
    return this.mainCommitment(0);
  }

  /** The 32-byte state root (little-endian `map_to_scalar` of the root), from the stored scalar. */
  rootHash(): Uint8Array {
    const r = this.main.get(0);
    const w = r === undefined ? kdefault(defaults().root).s : this.pool.subarray(r * REC + POINT_WORDS, (r + 1) * REC);
    return new Uint8Array(Uint32Array.from(w).buffer);
  }

  /** Number of stored (non-default) nodes, for memory reports. */
  storedNodes(): number {
    let n = this.main.size;
    for (const m of this.sub.values()) n += m.size;
    return n;
  }

  private alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if ((this.used + 1) * REC > this.pool.length) this.pool = grow(this.pool, (this.used + 1) * REC);
    return this.used++;
  }

  private dropSubtree(b: number): void {
    const m = this.sub.get(b);
    if (m) for (const r of m.values()) this.free.push(r);
    this.sub.delete(b);
  }

  /**
   * Store the new commitments `pts` of nodes `ids` (one level of `space`), and return the batch
   * that applies their scalar changes to their parents (not yet run). With `top` the nodes are the
   * last level of the space and no parent batch is built.
   */
  private storeLevel(space: NodeSpace, ids: readonly number[], pts: Uint32Array, top: boolean): LevelBatch {
    const n = ids.length;
    const ss = this.engine.mapToScalars(pts, n);
    const next = new LevelBatch();
    const d = new Uint32Array(SCALAR_WORDS);
    for (let k = 0; k < n; k++) {
      const id = ids[k];
      let r = space.map.get(id);
      // The scalar change is taken before the old scalar is overwritten.
      const changed =
        r === undefined
          ? frSubWords(d, 0, ss, k * SCALAR_WORDS, space.dflt(id).s, 0)
          : frSubWords(d, 0, ss, k * SCALAR_WORDS, this.pool, r * REC + POINT_WORDS);
      if (r === undefined) space.map.set(id, (r = this.alloc()));
      copyWords(this.pool, r * REC, pts, k * POINT_WORDS, POINT_WORDS);
      copyWords(this.pool, r * REC + POINT_WORDS, ss, k * SCALAR_WORDS, SCALAR_WORDS);
      if (top || !changed) continue;
      const level = space.level(id);
      const parent = parentIdAt(id, level);
      let a = next.find(parent);
      if (a < 0) {
        const pr = space.map.get(parent);
        a = pr === undefined ? next.add(parent, space.parentInit(parent), 0) : next.add(parent, this.pool, pr * REC);
      }
      const o = next.job(a, posAt(id, level)); // may replace next.jobs
      copyWords(next.jobs, o + 2, d, 0, SCALAR_WORDS);
    }
    return next;
  }

  private mainSpace(): NodeSpace {
    return {
      map: this.main,
      dflt: (id) => kdefault(defaultMain(id)),
      level: mainLevel,
      parentInit: (id) => this.mainK(id),
    };
  }

  /** Node space of bucket b's subtree with its root at `rootLevel`; `fresh` = rebuilt from defaults. */
  private subSpace(b: number, rootLevel: number, fresh: boolean): NodeSpace {
    let m = this.sub.get(b);
    if (!m) this.sub.set(b, (m = new Map()));
    const map = m;
    const rootId = STARTING_NODE_ID[rootLevel];
    const D = defaults();
    return {
      map,
      dflt: (id) => kdefault(D.sub[localLevel(id)]),
      level: localLevel,
      parentInit: (id) => {
        if (id === rootId) return fresh ? kdefault(D.sub[rootLevel]).p : this.mainK(bucketLeafId(b));
        const r = map.get(id);
        return r === undefined ? kdefault(D.sub[localLevel(id)]).p : this.pool.subarray(r * REC, r * REC + POINT_WORDS);
      },
    };
  }

  /** Run a subtree's segment batch up to its root; returns the new root commitment (kernel words). */
  private propagateSubtree(b: number, rootLevel: number, segs: LevelBatch, fresh: boolean): Uint32Array {
    const space = this.subSpace(b, rootLevel, fresh);
    let batch = segs;
    for (let level = 4; level > rootLevel; level--) {
      const pts = batch.run(this.engine);
      batch = this.storeLevel(space, batch.ids, pts, false);
    }
    const rootId = STARTING_NODE_ID[rootLevel];
    const a = batch.acc(rootId, () => space.parentInit(rootId));
    return batch.run(this.engine).slice(a * POINT_WORDS, (a + 1) * POINT_WORDS);
  }

  /**
   * Apply slot deltas and bucket rebuilds; returns the new root commitment. A bucket must not appear
   * in both `deltas` and `rebuilds`.
   */
  update(deltas: readonly SlotDelta[] | SlotDeltaList, rebuilds: readonly BucketRebuild[] = []): Point {
    this.apply(deltas, rebuilds);
    return this.rootCommitment();
  }

  /**
   * A `LeafStream` for a batch of about `jobs` slot deltas, or undefined when the engine has no idle
   * threads to give it (or the batch is too small to be worth streaming). Only plain data buckets
   * (subtree level 4, not rebuilt in this batch) may go through it; pass it to `apply`.
   */
  leafStream(jobs: number): LeafStream | undefined {
    const e = this.engine;
    if (jobs < 4 * STREAM_CHUNK || !e.startBatch || !e.mulLocal || !e.expect?.(jobs)) return undefined;
    return new LeafStream(e as Required<Pick<CommitEngine, 'startBatch' | 'mulLocal'>>, (id) => {
      const r = this.main.get(id);
      return r === undefined ? [kdefault(defaultMain(id)).p, 0] : [this.pool, r * REC];
    });
  }

  /** `update` without converting the root to a BigInt point; `stream` holds further leaf updates. */
  apply(deltas: readonly SlotDelta[] | SlotDeltaList, rebuilds: readonly BucketRebuild[] = [], stream?: LeafStream): void {
    const streamed = stream?.finish();
    const list = deltas instanceof SlotDeltaList ? deltas : SlotDeltaList.from(deltas);
    const leaves = new LevelBatch();
    const segs = new Map<number, LevelBatch>();
    const words = list.words;
    for (let i = 0; i < list.length; i++) {
      const bucket = list.buckets[i];
      const slot = list.slots[i];
      const level = this.bucketLevel(bucket);
      if (level === 4) {
        const id = bucketLeafId(bucket);
        let a = leaves.find(id);
        if (a < 0) {
          const r = this.main.get(id);
          a = r === undefined ? leaves.add(id, kdefault(defaultMain(id)).p, 0) : leaves.add(id, this.pool, r * REC);
        }
        leaves.jobWords(a, slot % 256, words, i * SCALAR_WORDS);
      } else {
        let sb = segs.get(bucket);
        if (!sb) segs.set(bucket, (sb = new LevelBatch()));
        const space = this.subSpace(bucket, level, false);
        const local = segmentLocalId(slot);
        sb.jobWords(sb.acc(local, () => space.parentInit(local)), slot % 256, words, i * SCALAR_WORDS);
      }
    }
    // Main leaves first hold plain-bucket updates; expanded and rebuilt buckets append their new roots.
    const pts = leaves.run(this.engine);
    const ids = streamed ? [...streamed.ids, ...leaves.ids] : [...leaves.ids];
    let all = pts.subarray(0, leaves.ids.length * POINT_WORDS);
    if (streamed) {
      all = new Uint32Array(ids.length * POINT_WORDS);
      all.set(streamed.pts);
      all.set(pts.subarray(0, leaves.ids.length * POINT_WORDS), streamed.pts.length);
    }
    const base = ids.length;
    const extra: Uint32Array[] = [];
    for (const [b, sb] of segs) {
      ids.push(bucketLeafId(b));
      extra.push(this.propagateSubtree(b, this.bucketLevel(b), sb, false));
    }
    for (const rb of rebuilds) {
      ids.push(bucketLeafId(rb.bucket));
      extra.push(this.rebuildBucket(rb));
    }
    if (extra.length) {
      const m = new Uint32Array(ids.length * POINT_WORDS);
      m.set(all);
      extra.forEach((p, i) => m.set(p, (base + i) * POINT_WORDS));
      all = m;
    }
    const space = this.mainSpace();
    let batch = this.storeLevel(space, ids, all, false);
    for (let level = 2; level >= 0 && batch.ids.length > 0; level--) {
      const p = batch.run(this.engine);
      batch = this.storeLevel(space, batch.ids, p, level === 0);
    }
  }

  /**
   * Seed a trie with known node commitments (a witness's path commitments; stateless.ts): `nodes` by
   * storage id (main id, or bucket << 40 | subtree local id; a subtree root is its main leaf), `rootLevels`
   * = bucket → subtree root level. Every other node keeps its default, so only updates whose paths are
   * all seeded give true commitments — the caller guarantees that.
   */
  seed(nodes: Iterable<readonly [bigint, Point]>, rootLevels: ReadonlyMap<number, number>): void {
    this.seedWords([...nodes].map(([id, p]) => [id, pointToWords(p)] as const), rootLevels);
  }

  /** `seed` with the commitments already in kernel words (36 each), e.g. from the kernel's batch decompression. */
  seedWords(nodes: Iterable<readonly [bigint, Uint32Array]>, rootLevels: ReadonlyMap<number, number>): void {
    for (const [b, level] of rootLevels) if (level !== 4) this.levels.set(b, level);
    const list = [...nodes];
    const pts = new Uint32Array(list.length * POINT_WORDS);
    list.forEach(([, p], i) => pts.set(p.subarray(0, POINT_WORDS), i * POINT_WORDS));
    const ss = this.engine.mapToScalars(pts, list.length);
    list.forEach(([id, ], i) => {
      let map = this.main;
      let key = Number(id);
      if (id >= 1n << 40n) {
        const b = Number(id >> 40n);
        let m = this.sub.get(b);
        if (!m) this.sub.set(b, (m = new Map()));
        map = m;
        key = Number(id & ((1n << 40n) - 1n));
      }
      let r = map.get(key);
      if (r === undefined) map.set(key, (r = this.alloc()));
      copyWords(this.pool, r * REC, pts, i * POINT_WORDS, POINT_WORDS);
      copyWords(this.pool, r * REC + POINT_WORDS, ss, i * SCALAR_WORDS, SCALAR_WORDS);
    });
  }

  /** Rebuild a bucket's whole subtree from its occupied slots; returns the new main-leaf commitment. */
  private rebuildBucket(rb: BucketRebuild): Uint32Array {
    const D = defaults();
    const { bucket, level } = rb;
    const meta = bucket < NUM_META_BUCKETS;
    const emptyScalar = meta ? DEFAULT_META_SCALAR : EMPTY_SLOT_SCALAR;
    const base4 = kdefault(meta ? D.metaL3 : D.sub[4]).p;
    const segs = new LevelBatch();
    for (const [slot, scalar] of rb.slots) segs.jobBig(segs.acc(segmentLocalId(slot), () => base4), slot % 256, scalar - emptyScalar);
    this.dropSubtree(bucket);
    if (level === 4) {
      this.levels.delete(bucket);
      if (segs.ids.length === 0) return base4.slice();
      return segs.run(this.engine).slice(0, POINT_WORDS);
    }
    this.levels.set(bucket, level);
    return this.propagateSubtree(bucket, level, segs, true);
  }
}
