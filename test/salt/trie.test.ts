/**
 * @file Stages 3–4: incremental commitments equal a from-scratch rebuild after random batches of
 * inserts, updates and deletes (including a bucket grown past 256 slots by inserts and one set past
 * 65,536 slots), and a bucket commitment equals an independent full 256-term MSM over the CRS.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SaltState, type KeyChange } from '../../runtime/salt/state.ts';
import { R, mod, toHex } from '../../runtime/salt/field.ts';
import * as B from '../../runtime/salt/banderwagon.ts';
import { saltCrs } from '../../runtime/salt/crs.ts';
import { EMPTY_SLOT_SCALAR, dataSlotWords, kvHash, kvHashReference } from '../../runtime/salt/keys.ts';
import { SlotDeltaList, bucketLeafId } from '../../runtime/salt/trie.ts';
import { wordsToBigint } from '../../runtime/salt/kernel/words.ts';
import { bucketId } from '../../runtime/salt/hasher.ts';
import { SaltStore, EMPTY_STATE_ROOT_HEX, saltRootFromChangesJsonl } from '../../runtime/salt/index.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('SALT commitments', () => {
  it('a bucket leaf equals the full MSM Σ kv_hash(slot_i)·G_i', () => {
    const s = new SaltState();
    const ch: KeyChange[] = Array.from({ length: 3 }, (_, i) => ({ key: Uint8Array.from([i, 1, 2]), value: Uint8Array.from([i]) }));
    s.applyBatch(ch);
    for (const [b, t] of s.buckets) {
      const scalars = Array.from({ length: 256 }, (_, i) => (t.slots.get(i) ? kvHash(t.slots.get(i)!) : EMPTY_SLOT_SCALAR));
      const full = B.msm(saltCrs().G, scalars);
      expect(B.equals(full, s.trie.mainCommitment(bucketLeafId(b)))).toBe(true);
    }
  }, 30_000);

  it('slot deltas on words: kv_hash words match @noble BLAKE3, (a − b) mod r matches BigInt, zero deltas dropped', () => {
    const rnd = lcg(7);
    const w = new Uint32Array(16);
    const l = new SlotDeltaList();
    const want: bigint[] = [];
    for (let i = 0; i < 200; i++) {
      const a = i % 10 === 0 ? undefined : { key: randomBytes(rnd() < 0.5 ? 20 : 52), value: randomBytes(32) };
      // Every 7th pair is equal (a zero delta); others are independent (about half wrap below zero).
      const b = i % 7 === 0 ? a : i % 11 === 0 ? undefined : { key: randomBytes(20), value: randomBytes(8) };
      dataSlotWords(a, w, 0);
      dataSlotWords(b, w, 8);
      const ra = a ? kvHashReference(a) : EMPTY_SLOT_SCALAR;
      const rb = b ? kvHashReference(b) : EMPTY_SLOT_SCALAR;
      expect(wordsToBigint(w, 0)).toBe(ra);
      expect(wordsToBigint(w, 8)).toBe(rb);
      expect(l.pushSub(65536 + i, i, w, 0, w, 8)).toBe(mod(ra - rb, R) !== 0n);
      if (mod(ra - rb, R) !== 0n) want.push(mod(ra - rb, R));
    }
    // Extremes: 0 − (r − 1) = 1, (r − 1) − 0 = r − 1.
    const top = new Uint32Array(16);
    for (let i = 0; i < 8; i++) top[8 + i] = Number(((R - 1n) >> BigInt(32 * i)) & 0xffffffffn);
    l.pushSub(65536, 0, top, 0, top, 8);
    want.push(1n);
    l.pushSub(65536, 1, top, 8, top, 0);
    want.push(R - 1n);
    expect(l.pushBig(65536, 2, 5n * R)).toBe(false);
    l.pushBig(65536, 3, -3n);
    want.push(R - 3n);
    expect(l.length).toBe(want.length);
    expect(Array.from({ length: l.length }, (_, i) => wordsToBigint(l.words, 8 * i))).toEqual(want);
  });

  it('incremental root == from-scratch rebuild over random batches (inserts, updates, deletes)', () => {
    const rnd = lcg(42);
    const s = new SaltState();
    const live: Uint8Array[] = [];
    for (let round = 0; round < 4; round++) {
      const ch: KeyChange[] = [];
      for (let i = 0; i < 40; i++) {
        const k = randomBytes(rnd() < 0.5 ? 20 : 52);
        live.push(k);
        ch.push({ key: k, value: randomBytes(32) });
      }
      for (let i = 0; i < 10 && live.length > 0; i++) ch.push({ key: live[Math.floor(rnd() * live.length)], value: randomBytes(8) });
      for (let i = 0; i < 10 && live.length > 0; i++) ch.push({ key: live.splice(Math.floor(rnd() * live.length), 1)[0], value: undefined });
      const root = s.applyBatch(ch);
      expect(toHex(root)).toBe(toHex(s.rootFromScratch()));
    }
    // Deleting everything returns to the empty root.
    const all = [...s.buckets.values()].flatMap((t) => [...t.slots.values()].map((e) => ({ key: e.key, value: undefined })));
    expect('0x' + toHex(s.applyBatch(all))).toBe(EMPTY_STATE_ROOT_HEX);
  }, 60_000);

  it('order independence: the same final set in different batch orders gives the same root', () => {
    const keys = Array.from({ length: 30 }, (_, i) => ({ key: Uint8Array.from([i, 3, 3, 3]), value: Uint8Array.from([i, 9]) }));
    const a = new SaltState();
    a.applyBatch(keys);
    const b = new SaltState();
    b.applyBatch(keys.slice(15).reverse());
    b.applyBatch([...keys.slice(0, 15), { key: Uint8Array.from([77]), value: Uint8Array.from([1]) }]);
    b.applyBatch([{ key: Uint8Array.from([77]), value: undefined }]);
    expect(toHex(b.root())).toBe(toHex(a.root()));
  }, 30_000);

  it('a batch repeating keys and sharing buckets: last write wins, same root as one key per batch', () => {
    // Keys that share a bucket (birthday search over 2^24 buckets) and keys written twice in one batch go
    // through applyBatch's per-bucket map; one key per batch never does, so the two must agree.
    const byBucket = new Map<number, Uint8Array>();
    const pairs: Uint8Array[][] = [];
    for (let i = 0; pairs.length < 4 && i < 200_000; i++) {
      const k = randomBytes(20);
      const b = bucketId(k);
      const other = byBucket.get(b);
      if (other) pairs.push([other, k]);
      else byBucket.set(b, k);
    }
    expect(pairs.length).toBe(4);
    const v = (n: number): Uint8Array => Uint8Array.from([n, 7, n]);
    const [p, q, r, t] = pairs;
    const batch: KeyChange[] = [
      { key: p[0], value: v(1) }, { key: p[1], value: v(2) }, { key: p[0], value: v(3) },
      { key: q[0], value: v(4) }, { key: q[0], value: v(5) },
      { key: r[0], value: v(6) }, { key: r[1], value: v(7) }, { key: r[1], value: undefined },
      { key: t[1], value: v(8) },
    ];
    const a = new SaltState();
    a.applyBatch([{ key: r[1], value: v(9) }, { key: t[0], value: v(10) }]);
    const b = new SaltState();
    for (const c of [{ key: r[1], value: v(9) }, { key: t[0], value: v(10) }]) b.applyBatch([c]);
    a.applyBatch(batch);
    const last = new Map(batch.map((c) => [toHex(c.key), c] as const));
    for (const c of last.values()) b.applyBatch([c]);
    expect(toHex(a.root())).toBe(toHex(b.root()));
    expect(a.get(p[0])).toEqual(v(3));
    expect(a.get(q[0])).toEqual(v(5));
    expect(a.get(r[1])).toBeUndefined();
    expect(toHex(a.rootFromScratch())).toBe(toHex(a.root()));
  }, 60_000);

  it('bucket grown past 256 slots by inserts, then past 65,536 slots by metadata; incremental == rebuild', () => {
    const s = new SaltState();
    const bucket = 70000;
    const first = Array.from({ length: 230 }, (_, i) => ({ key: Uint8Array.from([i, i >> 3, 0x42]), value: Uint8Array.from([i]) }));
    s.applyGrouped(new Map([[bucket, first]]), new Map());
    expect(s.meta(bucket).capacity).toBe(512);
    expect(s.trie.bucketLevel(bucket)).toBe(3);
    expect(toHex(s.root())).toBe(toHex(s.rootFromScratch()));
    // Incremental updates inside the expanded (segmented) bucket.
    const upd = first.slice(0, 40).map((c, i) => ({ key: c.key, value: i % 2 ? undefined : Uint8Array.from([1, 2, 3]) }));
    s.applyGrouped(new Map([[bucket, upd]]), new Map());
    expect(s.lastStats.rebuiltBuckets).toBe(0);
    expect(toHex(s.root())).toBe(toHex(s.rootFromScratch()));
    // Past 65,536 slots: capacity 2^17 (subtree root at level 2), new nonce ⇒ rehash.
    s.applyGrouped(new Map(), new Map([[bucket, { nonce: 3, capacity: 1 << 17 }]]));
    expect(s.trie.bucketLevel(bucket)).toBe(2);
    expect(toHex(s.root())).toBe(toHex(s.rootFromScratch()));
    const more = Array.from({ length: 20 }, (_, i) => ({ key: Uint8Array.from([0xf0, i]), value: Uint8Array.from([i, i]) }));
    s.applyGrouped(new Map([[bucket, more], [bucket + 1, more]]), new Map());
    expect(s.lastStats.rebuiltBuckets).toBe(0);
    expect(toHex(s.root())).toBe(toHex(s.rootFromScratch()));
  }, 60_000);

  it('EVM mapping through SaltStore: accounts, storage, deletion of zero values and empty accounts', () => {
    const st = SaltStore.open();
    const addr = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
    st.applyBatch([
      { kind: 'account', address: addr, account: { nonce: 1n, balance: 10n ** 18n } },
      { kind: 'storage', address: addr, slot: 5n, value: 0x1234n },
    ]);
    expect(st.getAccount(addr)?.balance).toBe(10n ** 18n);
    expect(st.getStorage(addr, 5n)).toBe(0x1234n);
    expect(st.get(addr)!.length).toBe(40);
    st.applyBatch([
      { kind: 'account', address: addr, account: { nonce: 0n, balance: 0n } },
      { kind: 'storage', address: addr, slot: 5n, value: 0n },
    ]);
    expect(st.size()).toBe(0);
    expect('0x' + toHex(st.root())).toBe(EMPTY_STATE_ROOT_HEX);
  }, 30_000);

  it('saltRootFromChangesJsonl: batches, deletes, and agreement with the store API', () => {
    const text = [
      '{"key":"0x0102","value":"0xaabb"}',
      '{"address":"0x0000000000000000000000000000000000000001","nonce":"1","balance":"0x10"}',
      '{"commit":true}',
      '{"address":"0x0000000000000000000000000000000000000001","slot":"0x01","value":"7"}',
      '{"key":"0x0102","value":null}',
    ].join('\n');
    const st = SaltStore.open();
    st.applyBatch([
      { kind: 'account', address: Uint8Array.from({ length: 20 }, (_, i) => (i === 19 ? 1 : 0)), account: { nonce: 1n, balance: 16n } },
      { kind: 'storage', address: Uint8Array.from({ length: 20 }, (_, i) => (i === 19 ? 1 : 0)), slot: 1n, value: 7n },
    ]);
    expect(saltRootFromChangesJsonl(text)).toBe('0x' + toHex(st.root()));
    expect(saltRootFromChangesJsonl('')).toBe(EMPTY_STATE_ROOT_HEX);
    expect(() => saltRootFromChangesJsonl('{"nope":1}')).toThrow(/line 1/);
  }, 30_000);
});
