/**
 * @file Block pieces against independent implementations: the logs bloom against @ethereumjs/vm's Bloom, the
 * receipt encoding and receipts root against @ethereumjs/vm's `encodeReceipt` and an @ethereumjs/mpt trie built
 * by hand, the mainnet fork schedule against @ethereumjs/common's `setHardforkBy`, and the block reward.
 */
import { Common, Mainnet } from '@ethereumjs/common';
import { createMPT } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { Bloom, encodeReceipt as ejsEncodeReceipt } from '@ethereumjs/vm';
import { describe, expect, it } from 'vitest';
import { Fork, forkName } from '../../src/evm/forks.ts';
import { MAINNET, blockReward, forkAt } from '../../runtime/block/chain.ts';
import { encodeReceipt, logsBloom, receiptsRoot, receiptsRootOf, type Receipt } from '../../runtime/block/receipts.ts';
import { PackedLog } from '../../runtime/state/packed-log.ts';
import type { Log } from '../../runtime/state/world.ts';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
const addr = (seed: number) => '0x' + Buffer.from(bytes(20, seed)).toString('hex');
const word = (b: bigint) => Uint8Array.from(Buffer.from(b.toString(16).padStart(64, '0'), 'hex'));
const logs: Log[] = [
  { address: addr(1), topics: [1n, (1n << 255n) + 5n], data: bytes(40, 3) },
  { address: addr(2), topics: [], data: new Uint8Array(0) },
  { address: addr(3), topics: [7n, 8n, 9n, 10n], data: bytes(3, 9) },
];
const packed = logs.map((l) => PackedLog.of(l.address, l.topics, l.data));

describe('logs bloom', () => {
  it('equals @ethereumjs/vm Bloom over the same addresses and topics', () => {
    const b = new Bloom();
    for (const l of logs) {
      b.add(Buffer.from(l.address.slice(2), 'hex'));
      for (const t of l.topics) b.add(word(t));
    }
    expect(Buffer.from(logsBloom(logs)).toString('hex')).toBe(Buffer.from(b.bitvector).toString('hex'));
    expect(logsBloom([]).every((x) => x === 0)).toBe(true);
    // Again: the bits now come from the per-address / per-topic cache.
    expect(Buffer.from(logsBloom(logs)).toString('hex')).toBe(Buffer.from(b.bitvector).toString('hex'));
    // Compiled frames' logs keep their topics as bytes: same bits.
    expect(Buffer.from(logsBloom(packed)).toString('hex')).toBe(Buffer.from(b.bitvector).toString('hex'));
  });
  it('ORs the same bits into a block bloom passed along', () => {
    const block = new Uint8Array(256);
    block[0] = 0x80; // a bit from an earlier receipt stays
    const b = new Bloom();
    b.add(Buffer.from(logs[0].address.slice(2), 'hex'));
    for (const t of logs[0].topics) b.add(word(t));
    const mine = logsBloom([logs[0]], block);
    expect(Buffer.from(mine).toString('hex')).toBe(Buffer.from(b.bitvector).toString('hex'));
    const want = Uint8Array.from(b.bitvector);
    want[0] |= 0x80;
    expect(Buffer.from(block).toString('hex')).toBe(Buffer.from(want).toString('hex'));
  });
  it('topics that share their last 30 bits (the cache key) keep their own bits', () => {
    // Address-shaped topics equal in their last 6 bytes, differing before: one is cached, the other must not take its bits;
    // and two differing only in the 2 bits of their fourth-last byte that the key leaves out.
    const ts = [(0xaan << 100n) | 0x123456789abcn, (0xbbn << 100n) | 0x123456789abcn, 0x123456789abcn, 0x11223344n, 0x91223344n];
    for (const t of ts) {
      const b = new Bloom();
      b.add(Buffer.from(addr(5).slice(2), 'hex'));
      b.add(word(t));
      const want = Buffer.from(b.bitvector).toString('hex');
      expect(Buffer.from(logsBloom([{ address: addr(5), topics: [t], data: new Uint8Array(0) }])).toString('hex')).toBe(want);
      expect(Buffer.from(logsBloom([PackedLog.of(addr(5), [t], new Uint8Array(0))])).toString('hex')).toBe(want);
    }
  });
});

describe('receipts', () => {
  const ejsLogs = logs.map((l) => [Buffer.from(l.address.slice(2), 'hex'), l.topics.map(word), l.data]);
  const cases: Receipt[] = ([0, 1, 2, 3] as const).map((type) => ({ type, status: (type % 2) as 0 | 1, cumulativeGasUsed: 21000n * BigInt(type + 1), logsBloom: logsBloom(logs), logs }));
  it('typed envelopes and the status form equal @ethereumjs/vm encodeReceipt', () => {
    for (const r of cases) {
      const want = ejsEncodeReceipt({ status: r.status, cumulativeBlockGasUsed: r.cumulativeGasUsed, bitvector: r.logsBloom, logs: ejsLogs } as never, r.type as 0);
      expect(Buffer.from(encodeReceipt(r)).toString('hex')).toBe(Buffer.from(want).toString('hex'));
      expect(Buffer.from(encodeReceipt({ ...r, logs: packed })).toString('hex')).toBe(Buffer.from(want).toString('hex'));
    }
  });
  it('the pre-Byzantium form carries the state root', () => {
    const root = bytes(32, 5);
    const r: Receipt = { type: 0, postStateRoot: root, cumulativeGasUsed: 5n, logsBloom: logsBloom([]), logs: [] };
    const want = ejsEncodeReceipt({ stateRoot: root, cumulativeBlockGasUsed: 5n, bitvector: r.logsBloom, logs: [] } as never, 0);
    expect(Buffer.from(encodeReceipt(r)).toString('hex')).toBe(Buffer.from(want).toString('hex'));
    expect(() => encodeReceipt({ ...r, postStateRoot: undefined })).toThrow(/neither a status nor a post-state root/);
  });
  // 1, 127/128 (rlp(i) goes from 1 to 2 bytes), 255/256 (to 3 bytes), and 0x80 = rlp(0) sorting among them.
  it.each([1, 2, 17, 128, 129, 300])('receipts root of %i receipts equals an @ethereumjs/mpt trie keyed by rlp(index)', async (n) => {
    const rs: Receipt[] = Array.from({ length: n }, (_, i) => ({
      ...cases[i % cases.length], cumulativeGasUsed: 21000n * BigInt(i + 1), ...(i % 3 ? { logs: [], logsBloom: logsBloom([]) } : {}),
    }));
    const trie = await createMPT();
    for (let i = 0; i < n; i++) await trie.put(RLP.encode(i), encodeReceipt(rs[i]));
    expect(Buffer.from(await receiptsRoot(rs)).toString('hex')).toBe(Buffer.from(trie.root()).toString('hex'));
    // The block executor's path: one scratch buffer for every receipt, leaves hashed from it.
    expect(Buffer.from(receiptsRootOf(rs.map((receipt) => ({ receipt })))).toString('hex')).toBe(Buffer.from(trie.root()).toString('hex'));
  });
  it.each([1, 3, 40])('receipts root of %i pre-Byzantium receipts (state roots) equals @ethereumjs/mpt, both paths', async (n) => {
    const rs: Receipt[] = Array.from({ length: n }, (_, i) => ({
      type: 0, postStateRoot: bytes(32, i + 1), cumulativeGasUsed: 30000n * BigInt(i + 1), logsBloom: logsBloom(i % 2 ? logs : []), logs: i % 2 ? logs : [],
    }));
    const trie = await createMPT();
    for (let i = 0; i < n; i++) await trie.put(RLP.encode(i), encodeReceipt(rs[i]));
    expect(Buffer.from(await receiptsRoot(rs)).toString('hex')).toBe(Buffer.from(trie.root()).toString('hex'));
    expect(Buffer.from(receiptsRootOf(rs.map((receipt) => ({ receipt })))).toString('hex')).toBe(Buffer.from(trie.root()).toString('hex'));
  });
  it('receipts root of none is the empty trie root', async () => {
    expect(Buffer.from(await receiptsRoot([])).toString('hex')).toBe('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421');
    expect(Buffer.from(receiptsRootOf([])).toString('hex')).toBe('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421');
  });
});

describe('mainnet fork schedule', () => {
  const points: [bigint, bigint][] = [
    [0n, 0n], [1_149_999n, 0n], [1_150_000n, 0n], [1_920_000n, 0n], [2_463_000n, 0n], [2_675_000n, 0n], [4_369_999n, 0n], [4_370_000n, 0n],
    [7_280_000n, 0n], [9_069_000n, 0n], [9_200_000n, 0n], [12_244_000n, 0n], [12_965_000n, 0n], [13_773_000n, 0n], [15_050_000n, 0n],
    [15_537_393n, 1663224162n], [15_537_394n, 1663224179n], [17_034_869n, 1681338443n], [17_034_870n, 1681338455n],
    [19_426_586n, 1710338123n], [19_426_587n, 1710338135n], [22_431_084n, 1746612311n],
  ];
  it.each(points)('block %s at %s is the fork @ethereumjs/common picks', (number, timestamp) => {
    const c = new Common({ chain: Mainnet });
    // Paris is chosen by terminal total difficulty in ethereumjs' mainnet config: give it the block's side of it.
    const td = number >= 15_537_394n ? 58750003716598352816469n : 0n;
    const name = c.setHardforkBy({ blockNumber: number, timestamp, td } as never);
    expect(forkName(forkAt(MAINNET, number, timestamp))).toBe(name);
  });
  it('block rewards: 5, 3 (Byzantium), 2 (Constantinople) ether, none from Paris', () => {
    expect([Fork.Frontier, Fork.SpuriousDragon, Fork.Byzantium, Fork.Petersburg, Fork.GrayGlacier, Fork.Paris].map(blockReward))
      .toEqual([5n, 5n, 3n, 2n, 2n, 0n].map((e) => e * 10n ** 18n));
  });
});
