/**
 * @file The receipts root hashed along the way (runtime/parallel/receipts-pipeline.ts): the index trie's leaves and
 * branches against @ethereumjs/mpt, and the pipeline's hand-over — leaves hashed by a "worker" (here the same
 * thread), the rest by the coordinator, a claimed leaf never finished, a receipt that did not fit the buffer.
 * The pipeline across real threads is in equality.test.ts (every Byzantium-on block, with and without speculation).
 */
import { createMPT } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { describe, expect, it } from 'vitest';
import { type Receipt, type ReceiptParts, bloomOfLogsRlp, encodeReceipt, logsBloom, logsPayload, writeLogsRlp } from '../../runtime/block/receipts.ts';
import { RC_CLAIM, RC_END, ReceiptsPipeline, type ReceiptsBuffers, hashLeaves } from '../../runtime/parallel/receipts-pipeline.ts';
import type { Log } from '../../runtime/state/world.ts';
import { IndexTrie } from '../../runtime/state/state-root.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Values of assorted sizes: 1–20 bytes make leaves shorter than 32 bytes (embedded in their parent), the rest hashed. */
function values(n: number, seed: number): Uint8Array[] {
  let x = seed;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  return Array.from({ length: n }, () => {
    const len = next() % 4 === 0 ? 1 + (next() % 20) : 20 + (next() % 400);
    return Uint8Array.from({ length: len }, () => next() & 0xff);
  });
}
async function mptRoot(vs: Uint8Array[]): Promise<string> {
  const trie = await createMPT();
  for (let i = 0; i < vs.length; i++) await trie.put(RLP.encode(i), vs[i]);
  return hex(trie.root());
}
const leafRefs = (t: IndexTrie, vs: Uint8Array[]) => vs.map((v, i) => {
  const out = new Uint8Array(33);
  return out.subarray(0, t.leafRef(i, v, out, 0));
});

describe('bloomOfLogsRlp', () => {
  it('reads the same bits from the logs\' encoding as logsBloom from the logs', () => {
    for (const r of receipts(60, 5)) {
      const enc = new Uint8Array(8 + 2 * 1024);
      const end = writeLogsRlp(enc, 3, r.logs, logsPayload(r.logs));
      const b = new Uint8Array(256);
      bloomOfLogsRlp(enc, 3, end, b);
      expect(hex(b)).toBe(hex(logsBloom(r.logs)));
    }
    // Addresses equal in their last 6 bytes (the cache key), different before: each keeps its own bits.
    for (const lead of ['aa', 'bb', 'aa']) {
      const logs: Log[] = [{ address: '0x' + lead.repeat(14) + '0102030405ff', topics: [], data: new Uint8Array(0) }];
      const enc = new Uint8Array(64);
      const end = writeLogsRlp(enc, 0, logs, logsPayload(logs));
      const b = new Uint8Array(256);
      bloomOfLogsRlp(enc, 0, end, b);
      expect(hex(b)).toBe(hex(logsBloom(logs)));
    }
  });
});

describe('IndexTrie (a trie keyed rlp(0) … rlp(n − 1), leaves hashed apart)', () => {
  // 1 (the root is the leaf, hashed even when short), 2, 16/17 (a full branch), 127/128/129 (rlp(i) grows to two
  // bytes; 0x80 = rlp(0) sorts among them), 256/257 (three bytes), 1,423 (W1).
  it.each([1, 2, 3, 16, 17, 127, 128, 129, 256, 257, 1423])('root of %i values equals @ethereumjs/mpt', async (n) => {
    const vs = values(n, n);
    const t = IndexTrie.of(n);
    const refs = leafRefs(t, vs);
    expect(hex(t.root((i) => refs[i]))).toBe(await mptRoot(vs));
  });
  it('a single short value: the root hashes the embedded leaf', async () => {
    const vs = [Uint8Array.of(7)];
    const t = IndexTrie.of(1);
    const refs = leafRefs(t, vs);
    expect(refs[0].length).toBeLessThan(32);
    expect(hex(t.root(() => refs[0]))).toBe(await mptRoot(vs));
  });
});

/** Receipts of every shape the pipeline publishes: legacy and typed, success and failure, with and without logs. */
function receipts(n: number, seed: number): Receipt[] {
  let x = seed;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  let cumulative = 0n;
  return Array.from({ length: n }, (_, i) => {
    // Past 2^32 from index 100: the published gas is two 32-bit halves.
    cumulative += i === 100 ? 1n << 33n : 21000n + BigInt(next() % 100000);
    const logs: Log[] = next() % 3 === 0 ? [] : Array.from({ length: 1 + (next() % 3) }, () => ({
      address: '0x' + (next() % 1000).toString(16).padStart(40, '0'),
      topics: Array.from({ length: next() % 5 }, () => BigInt(next()) << BigInt(next() % 200)),
      data: Uint8Array.from({ length: next() % 90 }, () => next() & 0xff),
    }));
    return { type: [0, 1, 2, 3, 4][next() % 5], status: next() % 7 === 0 ? 0 : 1, cumulativeGasUsed: cumulative, logsBloom: logsBloom(logs), logs };
  });
}
/**
 * What the block executor's outcomes give the pipeline: a worker's result brings its bloom, a transaction the
 * coordinator ran (every third here) leaves it to whoever hashes the leaf.
 */
const parts = (r: Receipt, i = 1): ReceiptParts => ({ type: r.type, status: r.status!, cumulative: r.cumulativeGasUsed, bloom: r.logs.length && i % 3 ? r.logsBloom : undefined, bloomAt: 0, ...(i % 2 ? { logs: r.logs } : { logsRlp: logsRlp(r.logs) }) });
/** A worker's result brings its logs already encoded (every other receipt here). */
const logsRlp = (logs: Receipt['logs']): Uint8Array => {
  const out = new Uint8Array(logsPayload(logs) + 9);
  return out.subarray(0, writeLogsRlp(out, 0, logs, logsPayload(logs)));
};
/** The blooms left to the pipeline, OR-ed: what root() must hand back for the block's bloom. */
const deferred = (rs: Receipt[]) => {
  const b = new Uint8Array(256);
  rs.forEach((r, i) => (i % 3 === 0 ? r.logsBloom.forEach((x, k) => (b[k] |= x)) : undefined));
  return hex(b);
};

describe('ReceiptsPipeline', () => {
  const n = 300;
  const rs = receipts(n, 99);
  const encoded = (i: number) => encodeReceipt(rs[i]);
  let want = '';
  it('leaves hashed by a worker and by the coordinator give the trie root', async () => {
    want = await mptRoot(rs.map(encodeReceipt));
    for (const byWorker of [0, 1, 77, n]) {
      const pool: ReceiptsBuffers = {};
      const pipe = new ReceiptsPipeline(n, pool);
      for (let i = 0; i < n; i++) expect(pipe.publish(i, parts(rs[i], i))).toBe(true);
      expect(hashLeaves(pipe.shared, byWorker)).toBe(byWorker);
      const { root, byWorkers, bloom } = pipe.root(encoded);
      expect(byWorkers).toBe(byWorker);
      expect(hex(root)).toBe(want);
      expect(hex(bloom)).toBe(deferred(rs));
      // The buffers are reused for the next block (a different size, the leaf lengths cleared).
      const pipe2 = new ReceiptsPipeline(5, pool);
      for (let i = 0; i < 5; i++) pipe2.publish(i, parts(rs[i]));
      hashLeaves(pipe2.shared, 2);
      expect(hex(pipe2.root(encoded).root)).toBe(await mptRoot(rs.slice(0, 5).map(encodeReceipt)));
    }
  });
  it('a worker hashes only what is published; unpublished receipts come from the coordinator at the end', () => {
    const pipe = new ReceiptsPipeline(n, {});
    for (let i = 0; i < 120; i++) pipe.publish(i, parts(rs[i], i));
    expect(hashLeaves(pipe.shared, 100)).toBe(100);
    // Without waiting (a worker held by the claim window): what is published, then back to executing.
    expect(hashLeaves(pipe.shared, Infinity, false)).toBe(20);
    expect(hashLeaves(pipe.shared, Infinity, false)).toBe(0);
    expect(hex(pipe.root(encoded).root)).toBe(want);
  });
  it('publishes out of order or beyond its buffer are left to the end', async () => {
    // Receipt 150's log is larger than the whole buffer: nothing from it on is published.
    const big = rs.slice();
    big[150] = { ...big[150], logs: [{ address: '0x' + '11'.repeat(20), topics: [], data: new Uint8Array(400_000).fill(5) }] };
    big[150].logsBloom = logsBloom(big[150].logs);
    const pipe = new ReceiptsPipeline(n, {});
    expect(pipe.publish(1, parts(big[1]))).toBe(false); // not next
    for (let i = 0; i < n; i++) expect(pipe.publish(i, parts(big[i], i))).toBe(i < 150);
    expect(hashLeaves(pipe.shared, 150)).toBe(150);
    expect(pipe.unclaimed).toBe(0);
    const { root, bloom } = pipe.root((i) => encodeReceipt(big[i]));
    expect(hex(root)).toBe(await mptRoot(big.map(encodeReceipt)));
    // Only published receipts' deferred blooms come back (the caller settles the others').
    expect(hex(bloom)).toBe(deferred(big.slice(0, 150)));
  });
  it('a block that ends without its root (it threw) never leaves a worker waiting for receipts', () => {
    const pipe = new ReceiptsPipeline(n, {});
    for (let i = 0; i < 3; i++) pipe.publish(i, parts(rs[i], i));
    pipe.end();
    // Checked first: the waiting form below would otherwise wait for ever (synchronously: no test timeout ends it).
    expect(Atomics.load(new Int32Array(pipe.shared.ctrl), RC_END)).toBe(1);
    // The waiting form (a worker with nothing else to do): the published leaves, then back.
    expect(hashLeaves(pipe.shared)).toBe(3);
  });
  it('a leaf claimed and never finished is hashed by the coordinator, and the buffers are not reused', () => {
    const pool: ReceiptsBuffers = {};
    const pipe = new ReceiptsPipeline(n, pool);
    for (let i = 0; i < n; i++) pipe.publish(i, parts(rs[i]));
    hashLeaves(pipe.shared, 10);
    // A worker claims leaf 10 and stalls.
    expect(Atomics.compareExchange(new Int32Array(pipe.shared.ctrl), RC_CLAIM, 10, 11)).toBe(10);
    const refs = pool.refs;
    const { root, byWorkers } = pipe.root(encoded);
    expect(hex(root)).toBe(want);
    expect(byWorkers).toBe(10);
    expect(pool.refs).toBeUndefined();
    expect(new ReceiptsPipeline(4, pool).shared.refs).not.toBe(refs);
  });
});
