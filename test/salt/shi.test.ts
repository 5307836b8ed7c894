/**
 * @file Stage 2: SHI bucket tables — lookup/upsert/delete with back-shifting, growth at 80 % load,
 * and the history-independence property (same final set ⇒ same layout, whatever the order).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type BucketTable, entriesDescending, grownCapacity, lookup, newTable, rank, rehash, remove, upsert, upsertGrowing,
} from '../../runtime/salt/shi-table.ts';
import { toHex } from '../../runtime/salt/field.ts';
import { compareBytes } from '../../runtime/salt/keys.ts';
import { hashWithNonce } from '../../runtime/salt/hasher.ts';

const layout = (t: BucketTable): string =>
  [...t.slots].sort((a, b) => a[0] - b[0]).map(([s, e]) => `${s}:${toHex(e.key)}=${toHex(e.value)}`).join(',') + `|${t.meta.capacity}/${t.meta.nonce}`;

/** Canonical layout computed independently: descending key order into the first free probe slot. */
function canonical(keys: Map<string, Uint8Array>, values: Map<string, Uint8Array>, cap: number, nonce: number): string {
  const sorted = [...keys.values()].sort((a, b) => compareBytes(b, a));
  const slots = new Map<number, Uint8Array>();
  for (const k of sorted) {
    let s = Number(hashWithNonce(k, nonce) % BigInt(cap));
    while (slots.has(s)) s = (s + 1) % cap;
    slots.set(s, k);
  }
  return [...slots].sort((a, b) => a[0] - b[0]).map(([s, k]) => `${s}:${toHex(k)}=${toHex(values.get(toHex(k))!)}`).join(',') + `|${cap}/${nonce}`;
}

const keyArb = fc.uint8Array({ minLength: 1, maxLength: 24 });

describe('SHI bucket table', () => {
  it('history independence: random insert/update/delete sequences end in the canonical layout', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyArb, fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 420, size: 'max' }),
        fc.nat(3),
        (ops, nonce) => {
          const t = newTable({ nonce, capacity: 256 });
          const live = new Map<string, Uint8Array>();
          const vals = new Map<string, Uint8Array>();
          for (const [k, del, v] of ops) {
            const hk = toHex(k);
            if (del && live.has(hk)) {
              expect(remove(t, k)).toBe(true);
              live.delete(hk);
            } else {
              upsertGrowing(t, k, v);
              live.set(hk, k);
              vals.set(hk, v);
            }
          }
          expect(t.slots.size).toBe(live.size);
          for (const k of live.values()) expect(toHex(lookup(t, k)!.entry.value)).toBe(toHex(vals.get(toHex(k))!));
          expect(layout(t)).toBe(canonical(live, vals, t.meta.capacity, nonce));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('same set, shuffled orders (with interleaved deletes of extra keys) ⇒ identical layouts', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { minLength: 5, maxLength: 260, selector: toHex, size: 'max' }), fc.integer(), (keys, seed) => {
        const v = new Uint8Array([1]);
        const a = newTable();
        for (const k of keys) upsertGrowing(a, k, v);
        const b = newTable();
        const order = [...keys].sort((x, y) => ((toHex(x).charCodeAt(seed & 7) ^ seed) & 7) - ((toHex(y).charCodeAt(seed & 7) ^ seed) & 7));
        // Extras are longer than any generated key (≤ 24 bytes), so they never collide with one:
        // `k ‖ 0xee` could equal another key of the set, and deleting it would change the set.
        const extra = keys.map((k) => Uint8Array.from([...k, ...new Array<number>(25).fill(0xee)]));
        order.forEach((k, i) => {
          upsertGrowing(b, k, v);
          upsertGrowing(b, extra[i], v);
          if (i % 3 === 0) remove(b, extra[i]);
        });
        for (const e of extra) remove(b, e);
        // Growth may differ (b saw a larger peak); compare at equal capacity as a batch canonicalisation would.
        if (b.meta.capacity !== a.meta.capacity) rehash(a, b.meta);
        expect(layout(b)).toBe(layout(a));
      }),
      { numRuns: 40 },
    );
  });

  it('search stops at a smaller key; larger keys take earlier probe slots', () => {
    const t = newTable();
    const keys = Array.from({ length: 150 }, (_, i) => Uint8Array.from([i, i ^ 0x5a]));
    for (const k of keys) upsert(t, k, new Uint8Array([1]));
    for (const [slot, e] of t.slots) {
      // Every entry between its home and its slot is larger (it was displaced or passed over).
      const cap = t.meta.capacity;
      const r = rank(e.h, slot, cap);
      for (let i = 1; i <= r; i++) {
        const before = t.slots.get((slot - i + cap) % cap)!;
        expect(before, 'probe run has no holes').toBeDefined();
      }
    }
    expect(lookup(t, Uint8Array.from([200, 1]))).toBeUndefined();
    expect(entriesDescending(t)).toHaveLength(150);
  });

  it('grows ×2 when used > 80 % (205th key of a 256-slot bucket), never shrinks', () => {
    const t = newTable();
    for (let i = 0; i < 204; i++) upsertGrowing(t, Uint8Array.from([i >> 8, i & 255, 7]), new Uint8Array([1]));
    expect(t.meta.capacity).toBe(256);
    upsertGrowing(t, Uint8Array.from([9, 9, 9]), new Uint8Array([1]));
    expect(t.meta.capacity).toBe(512);
    for (let i = 0; i < 204; i++) remove(t, Uint8Array.from([i >> 8, i & 255, 7]));
    expect(t.meta.capacity).toBe(512);
    expect(grownCapacity(256, 53000)).toBe(131072); // past 65,536 slots: 53,000 > 52,428 = 65,536·0.8
    expect(grownCapacity(256, 52428)).toBe(65536);
  });
});
