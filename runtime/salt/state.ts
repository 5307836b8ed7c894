/**
 * @file In-memory SALT state: bucket tables + commitment trie, updated in batches (SPEC.md §3.3–3.4).
 *
 * Stage: the engine behind `SaltStore` (persistence wraps it) and the property tests.
 * Input: batches of plain-key changes (value bytes, or `undefined` = delete); optionally explicit
 * bucket-metadata changes (nonce / capacity), or changes forced into a given bucket (tests).
 * Output: updated tables, per-slot scalar deltas fed to the trie, the new 32-byte state root.
 * Invariants: within a batch keys are applied in ascending byte order; a bucket whose capacity grew
 * during the batch is canonicalised at the end from its pre-batch metadata (final capacity = the
 * pre-batch capacity doubled until the final load is ≤ 80 %), so transient growth never leaks into
 * the layout; metadata slots change only when (nonce, capacity) differ from the pre-batch value;
 * a bucket whose subtree shape changed is rebuilt, every other change is an incremental delta.
 */
import type { Point } from './banderwagon.ts';
import { bucketId } from './hasher.ts';
import {
  type BucketMeta, type SaltValue, DEFAULT_META, compareBytes, dataSlotWords, kvHash, metaSaltValue, metadataLocation,
} from './keys.ts';
import { type BucketTable, type Entry, grownCapacity, lookup, newTable, rehash, remove, upsertGrowing } from './shi-table.ts';
import { type BucketRebuild, type SlotDelta, SaltTrie, SlotDeltaList, subtreeRootLevel } from './trie.ts';
import type { CommitEngine } from './trie.ts';

/** One change of a batch: `value === undefined` deletes the key. */
export interface KeyChange {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

/** Statistics of the last applied batch. */
export interface BatchStats {
  readonly keys: number;
  readonly slotDeltas: number;
  readonly rebuiltBuckets: number;
  /** Scalar × generator products used by the commitment update. */
  readonly mults: number;
  /** Main leaves whose products ran in the leaf stream (overlapped with the bucket tables; 0 = not streamed). */
  readonly streamedLeaves?: number;
}

const metaEq = (a: BucketMeta, b: BucketMeta): boolean => a.nonce === b.nonce && a.capacity === b.capacity;
const metaScalar = (m: BucketMeta): bigint => kvHash(metaSaltValue(m));
const isDefaultMeta = (m: BucketMeta): boolean => metaEq(m, DEFAULT_META);

/** The in-memory SALT state. */
export class SaltState {
  /** Data buckets that are non-empty or have non-default metadata. */
  readonly buckets = new Map<number, BucketTable>();
  trie: SaltTrie;
  lastStats: BatchStats = { keys: 0, slotDeltas: 0, rebuiltBuckets: 0, mults: 0 };

  constructor(engine?: CommitEngine) {
    this.trie = new SaltTrie(engine);
  }

  /** Metadata of a data bucket. */
  meta(b: number): BucketMeta {
    return this.buckets.get(b)?.meta ?? DEFAULT_META;
  }

  /** Value stored under a plain key, if any. */
  get(key: Uint8Array): Uint8Array | undefined {
    const t = this.buckets.get(bucketId(key));
    return t ? lookup(t, key)?.entry.value : undefined;
  }

  /** Slot location of a plain key, if present. */
  locate(key: Uint8Array): { bucket: number; slot: number } | undefined {
    const bucket = bucketId(key);
    const t = this.buckets.get(bucket);
    const f = t ? lookup(t, key) : undefined;
    return f ? { bucket, slot: f.slot } : undefined;
  }

  /** Content of a slot (metadata slots are synthesised from bucket metadata). */
  slotValue(bucket: number, slot: number): SaltValue | undefined {
    if (bucket < 65536) {
      const b = bucket * 256 + slot;
      return metaSaltValue(this.meta(b));
    }
    return this.buckets.get(bucket)?.slots.get(slot);
  }

  /** Number of stored key/value pairs. */
  size(): number {
    let n = 0;
    for (const t of this.buckets.values()) n += t.slots.size;
    return n;
  }

  /** Apply a batch of plain-key changes (keys routed by `bucket_id`); returns the new state root. */
  applyBatch(changes: Iterable<KeyChange>): Uint8Array {
    // Most buckets of a batch get one key: keep that change alone, and build the per-key map (last write
    // of a key wins) only for a bucket that gets a second one (a Map and a hex string per key were a
    // visible share of a 200k-key batch's allocation).
    const byBucket = new Map<number, KeyChange | Map<string, KeyChange>>();
    const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');
    for (const ch of changes) {
      const b = bucketId(ch.key);
      const m = byBucket.get(b);
      if (m === undefined) byBucket.set(b, ch);
      else if (m instanceof Map) m.set(hex(ch.key), ch);
      else byBucket.set(b, new Map([[hex(m.key), m], [hex(ch.key), ch]]));
    }
    const grouped = new Map<number, KeyChange[]>();
    for (const [b, m] of byBucket) grouped.set(b, m instanceof Map ? [...m.values()] : [m]);
    return this.applyGrouped(grouped, new Map());
  }

  /**
   * Apply changes with explicit bucket placement and optional metadata overrides (the lower-level
   * entry point; tests use it to fill one bucket past 256 / 65 536 slots without searching for
   * colliding keys). Returns the new state root.
   */
  applyGrouped(changes: Map<number, KeyChange[]>, metaOverrides: Map<number, BucketMeta>): Uint8Array {
    const engine = this.trie.engine;
    const before = engine.mulCount;
    const deltas = new SlotDeltaList();
    const hw = new Uint32Array(16);
    const rebuilds: BucketRebuild[] = [];
    const touched = new Set<number>([...changes.keys(), ...metaOverrides.keys()]);
    let expected = 0;
    for (const l of changes.values()) expected += l.length;
    // Large batches: plain buckets' leaf products start on a worker while later buckets are still prepared.
    const stream = this.trie.leafStream(expected);
    let nkeys = 0;
    // Slots' contents before this batch, per bucket (one map and observer reused for every bucket).
    const snapshot = new Map<number, Entry | undefined>();
    const obs = (slot: number, old: Entry | undefined): void => {
      if (!snapshot.has(slot)) snapshot.set(slot, old);
    };
    for (const b of [...touched].sort((x, y) => x - y)) {
      if (b < 65536) throw new Error(`bucket ${b} is a metadata bucket`);
      const t = this.buckets.get(b) ?? newTable();
      const pre = t.meta;
      snapshot.clear();
      const override = metaOverrides.get(b);
      if (override && !metaEq(override, t.meta)) rehash(t, override, obs);
      const given = changes.get(b) ?? [];
      const list = given.length > 1 ? [...given].sort((x, y) => compareBytes(x.key, y.key)) : given;
      nkeys += list.length;
      for (const ch of list) {
        if (ch.value === undefined) remove(t, ch.key, obs);
        else upsertGrowing(t, ch.key, ch.value, obs);
      }
      // Canonicalise transient growth from the pre-batch (or overridden) metadata.
      const baseCap = override?.capacity ?? pre.capacity;
      const finalCap = grownCapacity(baseCap, t.slots.size);
      if (finalCap !== t.meta.capacity) rehash(t, { nonce: t.meta.nonce, capacity: finalCap }, obs);
      const post = t.meta;
      if (subtreeRootLevel(post.capacity) !== subtreeRootLevel(pre.capacity) || this.trie.bucketLevel(b) !== subtreeRootLevel(post.capacity)) {
        rebuilds.push({
          bucket: b,
          level: subtreeRootLevel(post.capacity),
          slots: [...t.slots].map(([slot, e]) => [slot, kvHash(e)] as const),
        });
      } else {
        const sink = stream && post.capacity <= 256 ? stream : deltas;
        for (const [slot, old] of snapshot) {
          const now = t.slots.get(slot);
          if (now === old) continue;
          // kv_hash(now) − kv_hash(old) on words (a zero delta is dropped by pushSub).
          dataSlotWords(now, hw, 0);
          dataSlotWords(old, hw, 8);
          sink.pushSub(b, slot, hw, 0, hw, 8);
        }
        stream?.endBucket();
      }
      if (!metaEq(pre, post)) {
        const loc = metadataLocation(b);
        deltas.pushBig(loc.bucket, loc.slot, metaScalar(post) - metaScalar(pre));
      }
      if (t.slots.size === 0 && isDefaultMeta(t.meta)) this.buckets.delete(b);
      else this.buckets.set(b, t);
    }
    this.trie.apply(deltas, rebuilds, stream);
    this.lastStats = {
      keys: nkeys,
      slotDeltas: deltas.length + (stream?.jobs ?? 0),
      streamedLeaves: stream?.leaves ?? 0,
      rebuiltBuckets: rebuilds.length,
      mults: engine.mulCount - before,
    };
    return this.root();
  }

  /** Root commitment. */
  rootCommitment(): Point {
    return this.trie.rootCommitment();
  }

  /** 32-byte state root: little-endian `map_to_scalar(root commitment)`. */
  root(): Uint8Array {
    return this.trie.rootHash();
  }

  /**
   * Recompute the root from the bucket contents alone, in a fresh trie (every bucket rebuilt, every
   * non-default metadata slot applied) — the reference the incremental path is checked against.
   */
  rootFromScratch(engine?: CommitEngine): Uint8Array {
    return this.buildTrie(engine ?? this.trie.engine).rootHash();
  }

  /** Replace the commitment layer by one rebuilt from the data (used when loading persisted data). */
  rebuildCommitments(): Uint8Array {
    this.trie = this.buildTrie(this.trie.engine);
    return this.root();
  }

  private buildTrie(engine: CommitEngine): SaltTrie {
    const trie = new SaltTrie(engine);
    const rebuilds: BucketRebuild[] = [];
    const deltas: SlotDelta[] = [];
    for (const [b, t] of this.buckets) {
      rebuilds.push({
        bucket: b,
        level: subtreeRootLevel(t.meta.capacity),
        slots: [...t.slots].map(([slot, e]) => [slot, kvHash(e)] as const),
      });
      if (!isDefaultMeta(t.meta)) {
        const loc = metadataLocation(b);
        deltas.push({ bucket: loc.bucket, slot: loc.slot, delta: metaScalar(t.meta) - metaScalar(DEFAULT_META) });
      }
    }
    trie.apply(deltas, rebuilds);
    return trie;
  }
}
