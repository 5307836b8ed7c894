/**
 * @file Strongly history-independent bucket tables (SPEC.md §3.3; Blelloch & Golovin 2007).
 *
 * Stage: state layer — where a plain key lives inside its bucket.
 * Input: a bucket table (metadata + sparse slot map) and upserts / deletes of plain keys.
 * Output: the mutated table; every slot write is reported to an optional observer so the
 * commitment layer can compute deltas (`onWrite(slot, before)` fires once per write with the
 * slot's previous content).
 * Invariants (history independence): for a fixed (nonce, capacity) the layout is a function of the
 * key set only. Keys are ordered as byte strings and larger keys win earlier probe slots; lookup
 * stops at an empty slot or at a smaller stored key; deletion back-shifts the first entry that may
 * move into the gap; rehash inserts in descending key order into the first empty probe slot.
 * Capacity grows (×2) when `used > cap·80/100` after an insert into an empty slot and never shrinks.
 */
import { hashWithNonce } from './hasher.ts';
import { type BucketMeta, type SaltValue, DEFAULT_META, MAX_BUCKET_SIZE, bytesEqual, compareBytes } from './keys.ts';

/** Load factor (percent) above which a bucket doubles (`BUCKET_RESIZE_LOAD_FACTOR_PCT`). */
export const RESIZE_LOAD_PCT = 80;

/** A stored entry with its probe hash for the table's current nonce cached. */
export interface Entry extends SaltValue {
  readonly h: bigint;
}

/** A bucket: metadata plus its occupied slots (absent slot = empty). */
export interface BucketTable {
  meta: BucketMeta;
  readonly slots: Map<number, Entry>;
}

/** Observer of slot writes: called with the slot and its content before the write. */
export type WriteObserver = (slot: number, before: Entry | undefined) => void;

/** A fresh empty bucket with default (or given) metadata. */
export function newTable(meta: BucketMeta = DEFAULT_META): BucketTable {
  return { meta, slots: new Map() };
}

function home(h: bigint, cap: number): number {
  return Number(h % BigInt(cap));
}

/** `rank(h, slot)`: how many probe steps from the key's home slot to `slot`. */
export function rank(h: bigint, slot: number, cap: number): number {
  return (slot - home(h, cap) + cap) % cap;
}

function makeEntry(key: Uint8Array, value: Uint8Array, nonce: number): Entry {
  return { key, value, h: hashWithNonce(key, nonce) };
}

/** Find the slot holding `key`, or `undefined` (stops at an empty slot or a smaller key). */
export function lookup(t: BucketTable, key: Uint8Array): { slot: number; entry: Entry } | undefined {
  const cap = t.meta.capacity;
  const h = hashWithNonce(key, t.meta.nonce);
  const start = home(h, cap);
  for (let i = 0; i < cap; i++) {
    const slot = (start + i) % cap;
    const e = t.slots.get(slot);
    if (!e) return undefined;
    const c = compareBytes(e.key, key);
    if (c === 0) return { slot, entry: e };
    if (c < 0) return undefined;
  }
  return undefined;
}

function write(t: BucketTable, slot: number, e: Entry | undefined, obs?: WriteObserver): void {
  obs?.(slot, t.slots.get(slot));
  if (e) t.slots.set(slot, e);
  else t.slots.delete(slot);
}

/**
 * Insert or overwrite `key`. Returns `true` if a new key was added (an empty slot got filled),
 * after which the caller applies the growth rule. Throws if the table is full (callers grow first).
 */
export function upsert(t: BucketTable, key: Uint8Array, value: Uint8Array, obs?: WriteObserver): boolean {
  const cap = t.meta.capacity;
  let cur = makeEntry(key, value, t.meta.nonce);
  const start = home(cur.h, cap);
  for (let i = 0; i < cap; i++) {
    const slot = (start + i) % cap;
    const e = t.slots.get(slot);
    if (!e) {
      write(t, slot, cur, obs);
      return true;
    }
    const c = compareBytes(e.key, cur.key);
    if (c === 0) {
      if (!bytesEqual(e.value, cur.value)) write(t, slot, cur, obs);
      return false;
    }
    if (c < 0) {
      // The stored key is smaller: the larger new key takes this slot, the displaced one moves on.
      write(t, slot, cur, obs);
      cur = e;
    }
  }
  throw new Error('bucket full');
}

/** Delete `key` with back-shifting. Returns whether the key was present. */
export function remove(t: BucketTable, key: Uint8Array, obs?: WriteObserver): boolean {
  const found = lookup(t, key);
  if (!found) return false;
  const cap = t.meta.capacity;
  let gap = found.slot;
  for (;;) {
    let moved = false;
    for (let i = 1; i < cap; i++) {
      const j = (gap + i) % cap;
      const e = t.slots.get(j);
      if (!e) break;
      if (rank(e.h, j, cap) > rank(e.h, gap, cap)) {
        write(t, gap, e, obs);
        gap = j;
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  write(t, gap, undefined, obs);
  return true;
}

/** All entries of a table, sorted by descending key (the canonical insertion order). */
export function entriesDescending(t: BucketTable): Entry[] {
  return [...t.slots.values()].sort((a, b) => compareBytes(b.key, a.key));
}

/**
 * Rehash into new metadata: collect entries, clear, and insert in descending key order into the
 * first empty probe slot (no comparisons are needed because every later key is smaller).
 */
export function rehash(t: BucketTable, meta: BucketMeta, obs?: WriteObserver): void {
  if (meta.capacity < t.slots.size) throw new Error(`capacity ${meta.capacity} < used ${t.slots.size}`);
  if (meta.capacity > MAX_BUCKET_SIZE) throw new Error('capacity above 2^40');
  const entries = entriesDescending(t);
  const sameNonce = meta.nonce === t.meta.nonce;
  for (const slot of [...t.slots.keys()]) write(t, slot, undefined, obs);
  t.meta = meta;
  const cap = meta.capacity;
  for (const old of entries) {
    const e = sameNonce ? old : makeEntry(old.key, old.value, meta.nonce);
    let slot = home(e.h, cap);
    while (t.slots.has(slot)) slot = (slot + 1) % cap;
    write(t, slot, e, obs);
  }
}

/** Capacity required for `used` entries starting from `cap` (doubling while above 80 % load). */
export function grownCapacity(cap: number, used: number): number {
  let c = cap;
  while (used > Math.floor((c * RESIZE_LOAD_PCT) / 100) && c < MAX_BUCKET_SIZE) c *= 2;
  return c;
}

/**
 * Upsert with SALT's growth rule: a forced expansion if there is no empty slot for a new key, and
 * doubling when the load exceeds 80 % after filling an empty slot.
 */
export function upsertGrowing(t: BucketTable, key: Uint8Array, value: Uint8Array, obs?: WriteObserver): boolean {
  if (t.slots.size >= t.meta.capacity && !lookup(t, key)) {
    rehash(t, { nonce: t.meta.nonce, capacity: t.meta.capacity * 2 }, obs);
  }
  const added = upsert(t, key, value, obs);
  if (added) {
    const cap = grownCapacity(t.meta.capacity, t.slots.size);
    if (cap !== t.meta.capacity) rehash(t, { nonce: t.meta.nonce, capacity: cap }, obs);
  }
  return added;
}
