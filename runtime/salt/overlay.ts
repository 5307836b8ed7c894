/**
 * @file An ephemeral SALT view: SHI lookups and a batch's updates over a slot source that may know only
 * part of the state (a witness), recording nothing itself (SPEC.md §3.3; the validator's update order).
 *
 * Stage: stateless validation and witness construction. The same code runs over a witness (stateless.ts)
 * and over a full `SaltState` with every read recorded (the witness key set of a block), so the slots a
 * stateless replay needs are by construction the slots the recorder saw.
 * Input: a `SlotSource` (slot contents, bucket metadata, the occupied count when known, where a plain key
 * is known to sit) and plain-key changes.
 * Output: per bucket the final slot contents that differ from the source, and buckets whose capacity
 * changed (rebuilt whole from their full contents, with their new metadata).
 * Invariants: a batch applies in-place updates of present keys first, then inserts and deletes in
 * ascending key order (so an update never needs the probe path of a key that an insert displaced);
 * capacity follows the full engine's rule (final capacity = pre-batch capacity doubled until the final
 * load is ≤ 80 %), decided only when the bucket's occupied count is known — a witness that does not
 * hold every slot of a bucket cannot prove the count, and then no resize happens (as upstream; the full
 * node's recorder reads every slot of a bucket it resizes, so its witnesses always carry the count).
 * A source read of a slot it does not know throws; the overlay never guesses a value.
 */
import { hashWithNonce, bucketId } from './hasher.ts';
import { type BucketMeta, type SaltValue, bytesEqual, compareBytes } from './keys.ts';
import { grownCapacity } from './shi-table.ts';
import type { KeyChange } from './state.ts';

/** Where the overlay reads the pre-batch state from. Reads of unknown slots throw. */
export interface SlotSource {
  /** Content of data slot (bucket, slot) before the batch. */
  slot(bucket: number, slot: number): SaltValue | undefined;
  /** Metadata of a data bucket before the batch. */
  meta(bucket: number): BucketMeta;
  /** Occupied slots of a bucket before the batch, when the source can prove it (else undefined). */
  used(bucket: number): number | undefined;
  /** Slot where `key` is known to be stored before the batch (a direct lookup), if any. */
  locate(key: Uint8Array, bucket: number): number | undefined;
  /** The plain key the next reads are for (sources name it in errors). */
  focus?(key: Uint8Array | undefined): void;
}

/** A bucket whose capacity changed in the batch: its whole final content. */
export interface RebuiltBucket {
  readonly bucket: number;
  readonly pre: BucketMeta;
  readonly meta: BucketMeta;
  /** Occupied slots of the final layout. */
  readonly slots: ReadonlyMap<number, SaltValue>;
  /** Pre-batch occupied slots (all of them). */
  readonly before: ReadonlyMap<number, SaltValue>;
}

/** The outcome of a batch over the source. */
export interface OverlayResult {
  /** bucket → slot → [before, after] for buckets that kept their capacity (only slots that changed). */
  readonly slots: Map<number, Map<number, [SaltValue | undefined, SaltValue | undefined]>>;
  readonly rebuilt: RebuiltBucket[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The i-th probe slot of hash h. */
const probe = (h: bigint, i: number, cap: number): number => Number((h + BigInt(i)) % BigInt(cap));
/** Probe distance from h's home slot to `slot`. */
const rank = (h: bigint, slot: number, cap: number): number => (slot - Number(h % BigInt(cap)) + cap) % cap;

/** Per-bucket working state. */
interface BucketWork {
  readonly meta: BucketMeta;
  /** slot → current content (overrides the source). */
  readonly writes: Map<number, SaltValue | undefined>;
  /** Net change of the occupied count. */
  net: number;
  /** An insert found no empty slot in the whole probe sequence. */
  full: boolean;
}

/** An ephemeral view over a `SlotSource`; one instance per block. */
export class SaltOverlay {
  private readonly work = new Map<number, BucketWork>();
  /** plain key hex → slot, for keys moved or written by the batch. */
  private readonly moved = new Map<string, number>();

  constructor(readonly source: SlotSource) {}

  private bucket(b: number): BucketWork {
    let w = this.work.get(b);
    if (!w) {
      // Read on first use: in-place updates never need it, and upstream witnesses carry no metadata for buckets
      // whose keys are only updated in place.
      const source = this.source;
      let meta: BucketMeta | undefined;
      w = { get meta() { return (meta ??= source.meta(b)); }, writes: new Map(), net: 0, full: false };
      this.work.set(b, w);
    }
    return w;
  }

  private read(b: number, w: BucketWork | undefined, slot: number): SaltValue | undefined {
    if (w && w.writes.has(slot)) return w.writes.get(slot);
    return this.source.slot(b, slot);
  }

  private write(b: number, w: BucketWork, slot: number, v: SaltValue | undefined): void {
    const old = this.read(b, w, slot);
    if (old && this.moved.get(hex(old.key)) === slot) this.moved.delete(hex(old.key));
    w.writes.set(slot, v);
    if (v) this.moved.set(hex(v.key), slot);
  }

  /** Find `key` (a direct lookup when its slot is known, else the SHI probe). */
  find(key: Uint8Array): { bucket: number; slot: number; value: SaltValue } | undefined {
    const b = bucketId(key);
    const w = this.work.get(b);
    const known = this.moved.get(hex(key)) ?? this.source.locate(key, b);
    if (known !== undefined) {
      const v = this.read(b, w, known);
      if (v && bytesEqual(v.key, key)) return { bucket: b, slot: known, value: v };
    }
    const meta = w?.meta ?? this.source.meta(b);
    const h = hashWithNonce(key, meta.nonce);
    for (let i = 0; i < meta.capacity; i++) {
      const slot = probe(h, i, meta.capacity);
      const v = this.read(b, w, slot);
      if (!v) return undefined;
      const c = compareBytes(v.key, key);
      if (c === 0) return { bucket: b, slot, value: v };
      if (c < 0) return undefined;
    }
    return undefined;
  }

  /** Insert (SHI displacement) or overwrite; no resize here (decided per bucket at the end). */
  private upsert(key: Uint8Array, value: Uint8Array): void {
    const b = bucketId(key);
    const w = this.bucket(b);
    const f = this.find(key);
    if (f) {
      if (!bytesEqual(f.value.value, value)) this.write(b, w, f.slot, { key, value });
      return;
    }
    const cap = w.meta.capacity;
    let cur: SaltValue = { key, value };
    const start = Number(hashWithNonce(key, w.meta.nonce) % BigInt(cap));
    // One pass over the probe sequence from the new key's home; a displaced key continues from the next slot.
    for (let i = 0; i < cap; i++) {
      const slot = (start + i) % cap;
      const e = this.read(b, w, slot);
      if (!e) {
        this.write(b, w, slot, cur);
        w.net++;
        return;
      }
      if (compareBytes(e.key, cur.key) < 0) {
        this.write(b, w, slot, cur);
        cur = e;
      }
    }
    w.full = true;
  }

  /** Delete with back-shifting. */
  private remove(key: Uint8Array): void {
    const f = this.find(key);
    if (!f) return;
    const b = f.bucket;
    const w = this.bucket(b);
    const cap = w.meta.capacity;
    let gap = f.slot;
    for (;;) {
      let next: number | undefined;
      for (let i = 1; i < cap; i++) {
        const j = (gap + i) % cap;
        const e = this.read(b, w, j);
        if (!e) break;
        const h = hashWithNonce(e.key, w.meta.nonce);
        if (rank(h, j, cap) > rank(h, gap, cap)) {
          this.write(b, w, gap, e);
          next = j;
          break;
        }
      }
      if (next === undefined) break;
      gap = next;
    }
    this.write(b, w, gap, undefined);
    w.net--;
  }

  /**
   * Apply one batch (the last change of a key wins): in-place updates of present keys first, then
   * inserts and deletes in ascending key order; then each bucket's capacity is settled.
   */
  apply(changes: Iterable<KeyChange>): OverlayResult {
    const last = new Map<string, KeyChange>();
    for (const c of changes) last.set(hex(c.key), c);
    const rest: KeyChange[] = [];
    for (const c of last.values()) {
      this.source.focus?.(c.key);
      const f = c.value !== undefined ? this.find(c.key) : undefined;
      if (f && c.value !== undefined) {
        const w = this.bucket(f.bucket);
        if (!bytesEqual(f.value.value, c.value)) this.write(f.bucket, w, f.slot, { key: c.key, value: c.value });
      } else rest.push(c);
    }
    rest.sort((x, y) => compareBytes(x.key, y.key));
    const full = new Set<number>();
    for (const c of rest) {
      const b = bucketId(c.key);
      // A bucket found full is rebuilt from its whole content below; later changes need no probing.
      if (full.has(b)) continue;
      this.source.focus?.(c.key);
      if (c.value === undefined) this.remove(c.key);
      else this.upsert(c.key, c.value);
      if (this.work.get(b)?.full) full.add(b);
    }
    this.source.focus?.(undefined);
    return this.settle(last);
  }

  /** Decide each touched bucket's final capacity; rebuild the ones that change. */
  private settle(last: Map<string, KeyChange>): OverlayResult {
    const slots = new Map<number, Map<number, [SaltValue | undefined, SaltValue | undefined]>>();
    const rebuilt: RebuiltBucket[] = [];
    for (const b of [...this.work.keys()].sort((x, y) => x - y)) {
      const w = this.work.get(b)!;
      // An unchanged occupied count keeps the capacity (in-place updates only: no metadata read).
      const used = w.net === 0 && !w.full ? undefined : this.source.used(b);
      const finalCap = used === undefined ? undefined : grownCapacity(w.meta.capacity, used + w.net);
      if (w.full || (finalCap !== undefined && finalCap !== w.meta.capacity)) {
        if (used === undefined) throw new Error(`bucket ${b} must be resized but its occupied count is unknown`);
        rebuilt.push(this.rebuild(b, w.meta, last));
        continue;
      }
      const m = new Map<number, [SaltValue | undefined, SaltValue | undefined]>();
      for (const [slot, v] of w.writes) {
        const before = this.source.slot(b, slot);
        if (before === v || (before && v && bytesEqual(before.key, v.key) && bytesEqual(before.value, v.value))) continue;
        m.set(slot, [before, v]);
      }
      if (m.size) slots.set(b, m);
    }
    return { slots, rebuilt };
  }

  /** The bucket's final content laid out canonically at its new capacity (every pre-batch slot is read). */
  private rebuild(b: number, pre: BucketMeta, last: Map<string, KeyChange>): RebuiltBucket {
    const before = new Map<number, SaltValue>();
    const content = new Map<string, SaltValue>();
    for (let s = 0; s < pre.capacity; s++) {
      const v = this.source.slot(b, s);
      if (v) {
        before.set(s, v);
        content.set(hex(v.key), v);
      }
    }
    for (const [k, c] of last) {
      if (bucketId(c.key) !== b) continue;
      if (c.value === undefined) content.delete(k);
      else content.set(k, { key: c.key, value: c.value });
    }
    // The full engine's rule: the final capacity depends on the pre-batch capacity and the final count only.
    const cap = grownCapacity(pre.capacity, content.size);
    const meta = { nonce: pre.nonce, capacity: cap };
    const out = new Map<number, SaltValue>();
    // History independence: the layout of a key set is its descending-order insertion into first free slots.
    for (const v of [...content.values()].sort((x, y) => compareBytes(y.key, x.key))) {
      let s = Number(hashWithNonce(v.key, meta.nonce) % BigInt(cap));
      while (out.has(s)) s = (s + 1) % cap;
      out.set(s, v);
    }
    return { bucket: b, pre, meta, slots: out, before };
  }
}
