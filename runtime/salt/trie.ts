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
 */
import { type Point, IDENTITY, add, batchMapToScalar, mapToScalar, mul } from './banderwagon.ts';
import { R, mod } from './field.ts';
import { type Committer, defaultCommitter } from './committer.ts';
import { saltCrs } from './crs.ts';
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

interface NodeC {
  p: Point;
  s: bigint;
}

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

/** A bucket rebuilt from its full contents (its subtree shape changed, or first build). */
export interface BucketRebuild {
  readonly bucket: number;
  /** Subtree root level of the new shape (4 = plain 256-slot bucket). */
  readonly level: number;
  /** Occupied slots and their scalars (all other slots take the empty/default-meta scalar). */
  readonly slots: ReadonlyArray<readonly [slot: number, scalar: bigint]>;
}

/** Commitment trie state (sparse: absent nodes hold their default commitment). */
export class SaltTrie {
  private readonly main = new Map<number, NodeC>();
  private readonly sub = new Map<number, Map<number, NodeC>>();
  private readonly levels = new Map<number, number>();
  private readonly defaultScalars = new Map<Point, bigint>();
  readonly committer: Committer;

  constructor(committer: Committer = defaultCommitter()) {
    this.committer = committer;
  }

  private dscalar(p: Point): bigint {
    let s = this.defaultScalars.get(p);
    if (s === undefined) {
      s = mapToScalar(p);
      this.defaultScalars.set(p, s);
    }
    return s;
  }

  /** Subtree root level of a bucket (4 unless expanded). */
  bucketLevel(b: number): number {
    return this.levels.get(b) ?? 4;
  }

  /** Commitment of a main-trie node. */
  mainCommitment(id: number): Point {
    return this.main.get(id)?.p ?? defaultMain(id);
  }

  /** Commitment of a bucket-subtree node (the subtree root is the main leaf). */
  subCommitment(b: number, local: number): Point {
    const level = this.bucketLevel(b);
    if (local === STARTING_NODE_ID[level]) return this.mainCommitment(bucketLeafId(b));
    return this.sub.get(b)?.get(local)?.p ?? defaults().sub[localLevel(local)];
  }

  /** The root commitment. */
  rootCommitment(): Point {
    return this.mainCommitment(0);
  }

  /** Number of stored (non-default) nodes, for memory reports. */
  storedNodes(): number {
    let n = this.main.size;
    for (const m of this.sub.values()) n += m.size;
    return n;
  }

  private mainScalar(id: number): bigint {
    return this.main.get(id)?.s ?? this.dscalar(defaultMain(id));
  }

  /**
   * Apply slot deltas and bucket rebuilds; returns the new root commitment. A bucket must not appear
   * in both `deltas` and `rebuilds`.
   */
  update(deltas: readonly SlotDelta[], rebuilds: readonly BucketRebuild[] = []): Point {
    const c = this.committer;
    // Leaf-level accumulators: main leaves by node id, segments per expanded bucket.
    const mainDelta = new Map<number, Point>();
    const segDelta = new Map<number, Map<number, Point>>();
    for (const { bucket, slot, delta } of deltas) {
      if (mod(delta, R) === 0n) continue;
      const level = this.bucketLevel(bucket);
      if (level === 4) {
        const id = bucketLeafId(bucket);
        mainDelta.set(id, c.addMul(mainDelta.get(id) ?? IDENTITY, slot % 256, delta));
      } else {
        let m = segDelta.get(bucket);
        if (!m) segDelta.set(bucket, (m = new Map()));
        const local = segmentLocalId(slot);
        m.set(local, c.addMul(m.get(local) ?? IDENTITY, slot % 256, delta));
      }
    }
    // New main-leaf commitments (absolute), from expanded-bucket propagation and rebuilds.
    const mainNew = new Map<number, Point>();
    for (const [b, segs] of segDelta) mainNew.set(bucketLeafId(b), this.propagateSubtree(b, segs));
    for (const rb of rebuilds) mainNew.set(bucketLeafId(rb.bucket), this.rebuildBucket(rb));
    for (const [id, d] of mainDelta) mainNew.set(id, add(this.mainCommitment(id), d));
    // Main trie, level 3 → 0.
    let changed = mainNew;
    for (let level = 3; level >= 0 && changed.size > 0; level--) {
      const ids = [...changed.keys()];
      const pts = ids.map((id) => changed.get(id)!);
      const ss = batchMapToScalar(pts);
      const parentDelta = new Map<number, Point>();
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        const old = this.mainScalar(id);
        this.main.set(id, { p: pts[k], s: ss[k] });
        if (level === 0) continue;
        const { parent, pos } = mainParent(id);
        const d = ss[k] - old;
        if (d === 0n) continue;
        parentDelta.set(parent, c.addMul(parentDelta.get(parent) ?? IDENTITY, pos, d));
      }
      changed = new Map();
      for (const [pid, d] of parentDelta) changed.set(pid, add(this.mainCommitment(pid), d));
    }
    return this.rootCommitment();
  }

  /** Propagate segment deltas of an expanded bucket to its subtree root; returns the new root. */
  private propagateSubtree(b: number, segs: Map<number, Point>): Point {
    const c = this.committer;
    const rootLevel = this.bucketLevel(b);
    let m = this.sub.get(b);
    if (!m) this.sub.set(b, (m = new Map()));
    let deltas = segs;
    for (let level = 4; level > rootLevel; level--) {
      const locals = [...deltas.keys()];
      const pts = locals.map((l) => add(m.get(l)?.p ?? defaults().sub[level], deltas.get(l)!));
      const ss = batchMapToScalar(pts);
      const next = new Map<number, Point>();
      for (let k = 0; k < locals.length; k++) {
        const old = m.get(locals[k])?.s ?? this.dscalar(defaults().sub[level]);
        m.set(locals[k], { p: pts[k], s: ss[k] });
        const { parent, pos } = localParent(locals[k]);
        const d = ss[k] - old;
        if (d !== 0n) next.set(parent, c.addMul(next.get(parent) ?? IDENTITY, pos, d));
      }
      deltas = next;
    }
    const rootId = STARTING_NODE_ID[rootLevel];
    return add(this.subCommitment(b, rootId), deltas.get(rootId) ?? IDENTITY);
  }

  /** Rebuild a bucket's whole subtree from its occupied slots; returns the new main-leaf commitment. */
  private rebuildBucket(rb: BucketRebuild): Point {
    const c = this.committer;
    const D = defaults();
    const { bucket, level } = rb;
    const meta = bucket < NUM_META_BUCKETS;
    const emptyScalar = meta ? DEFAULT_META_SCALAR : EMPTY_SLOT_SCALAR;
    const base4 = meta ? D.metaL3 : D.sub[4];
    const segs = new Map<number, Point>();
    for (const [slot, scalar] of rb.slots) {
      const local = segmentLocalId(slot);
      segs.set(local, c.addMul(segs.get(local) ?? IDENTITY, slot % 256, scalar - emptyScalar));
    }
    this.sub.delete(bucket);
    if (level === 4) {
      this.levels.delete(bucket);
      return add(base4, segs.get(STARTING_NODE_ID[4]) ?? IDENTITY);
    }
    this.levels.set(bucket, level);
    const m = new Map<number, NodeC>();
    this.sub.set(bucket, m);
    let cur = new Map<number, Point>();
    for (const [l, d] of segs) cur.set(l, add(D.sub[4], d));
    for (let lv = 4; lv > level; lv--) {
      const locals = [...cur.keys()];
      const pts = locals.map((l) => cur.get(l)!);
      const ss = batchMapToScalar(pts);
      const dflt = this.dscalar(D.sub[lv]);
      const next = new Map<number, Point>();
      for (let k = 0; k < locals.length; k++) {
        m.set(locals[k], { p: pts[k], s: ss[k] });
        const { parent, pos } = localParent(locals[k]);
        next.set(parent, c.addMul(next.get(parent) ?? IDENTITY, pos, ss[k] - dflt));
      }
      cur = new Map();
      for (const [l, d] of next) cur.set(l, add(D.sub[lv - 1], d));
    }
    return cur.get(STARTING_NODE_ID[level]) ?? D.sub[level];
  }
}
