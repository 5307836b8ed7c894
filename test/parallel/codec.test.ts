/**
 * @file The parallel executor's binary codec round-trips what crosses threads: words at every width boundary and
 * random ones, addresses, and a write set (new, changed, deleted and re-created accounts, code changed or kept,
 * slots set and cleared) rebuilt over the state it applies to, compared with the original diff; addresses by number
 * (a block's address table) beside literal ones; a worker's replica overlay against a MemoryBackend given the same diffs;
 * a write set applied from its words (the coordinator's object-free commit) against MemoryBackend.applyDiff of the diff.
 */
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, addressTable, applyWriteSet, readDiff, readDiffWith, readLogs, readStateDiff, toStateDiff, writeDiff, writeLogs } from '../../runtime/parallel/codec.ts';
import { OverlayBackend } from '../../runtime/parallel/replica.ts';
import { PackedLog } from '../../runtime/state/packed-log.ts';
import { MemoryBackend, type StateDiff } from '../../runtime/state/world.ts';

const addr = (n: number) => '0x' + n.toString(16).padStart(40, '0');

describe('parallel codec', () => {
  it('logs: packed and plain ones come back with the same address, topics and data', () => {
    const big = (1n << 255n) + 0x0102n;
    const logs = [
      PackedLog.of(addr(1), [big, 1n, 0n, (1n << 256n) - 1n], Uint8Array.of(1, 2, 3)),
      { address: addr(2), topics: [7n], data: new Uint8Array(0) },
      PackedLog.of(addr(3), [], new Uint8Array(100).fill(9)),
      // RLP's single-byte forms: a byte below 0x80 is its own encoding, 0x80 and up take a header.
      { address: addr(4), topics: [], data: Uint8Array.of(5) },
      { address: addr(5), topics: [1n, 2n, 3n, 4n], data: Uint8Array.of(0x80) },
      { address: addr(6), topics: [3n], data: Uint8Array.of(0) },
    ];
    const w = new ByteWriter(new Uint8Array(8));
    writeLogs(w, logs);
    const back = readLogs(new ByteReader(w.take()));
    expect(back.map((l) => [l.address, l.topics, Buffer.from(l.data).toString('hex')]))
      .toEqual(logs.map((l) => [l.address, l.topics, Buffer.from(l.data).toString('hex')]));
    expect(back[0].topics[0]).toBe(big);
    const none = new ByteWriter(new Uint8Array(8));
    writeLogs(none, []);
    expect(readLogs(new ByteReader(none.take()))).toEqual([]);
  });
  it('words and addresses', () => {
    const words = [0n, 1n, 255n, 256n, 0xffffffffn, 1n << 32n, (1n << 64n) - 1n, 1n << 64n, (1n << 128n) - 1n, 1n << 128n, (1n << 192n) + 5n, (1n << 256n) - 1n];
    let seed = 7;
    const byte = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 8) & 0xff;
    for (let i = 0; i < 500; i++) {
      let x = 0n;
      for (let k = 0; k < 32; k++) x = (x << 8n) | BigInt(byte());
      words.push(x >> BigInt(byte()));
    }
    const w = new ByteWriter(new Uint8Array(8)); // grows
    words.forEach((x, i) => { w.word(x); w.address(addr(i)); });
    const r = new ByteReader(w.take());
    words.forEach((x, i) => {
      expect(r.word()).toBe(x);
      expect(r.address()).toBe(addr(i));
    });
  });

  it("addresses in the block's table travel as numbers and come back as the table's strings; others as they are", () => {
    const txs = [{ sender: addr(1), to: addr(2) }, { sender: addr(2), to: undefined }, { sender: addr(3), to: addr(1) }];
    const t = addressTable(addr(9), txs);
    expect(t.names).toEqual([addr(9), addr(1), addr(2), addr(3)]);
    const w = new ByteWriter();
    w.names = t.index;
    for (const a of [addr(2), addr(7), addr(9), addr(3)]) w.address(a);
    expect(w.pos).toBe(5 + 42 + 5 + 5);
    const r = new ByteReader(w.take());
    r.names = t.names;
    expect([r.address(), r.address(), r.address(), r.address()]).toEqual([addr(2), addr(7), addr(9), addr(3)]);
  });

  it("a replica's overlay reads like a MemoryBackend given the same diffs; reset() is the base again", () => {
    const code = new Uint8Array([0x60, 0]);
    const fill = (b: MemoryBackend) => {
      b.setAccount(addr(1), { balance: 1n, nonce: 1n, code }, new Map([[1n, 2n], [2n, 3n]]));
      b.setAccount(addr(2), { balance: 5n, nonce: 0n, code: new Uint8Array(0) }, new Map([[7n, 7n]]));
      b.setAccount(addr(3), { balance: 0n, nonce: 1n, code }, new Map([[4n, 4n]]));
      return b;
    };
    const base = fill(new MemoryBackend());
    const ref = fill(new MemoryBackend());
    const overlay = new OverlayBackend(base);
    const acc = (balance: bigint) => ({ balance, nonce: 1n, code });
    const diffs: StateDiff[] = [
      new Map([[addr(1), { before: undefined, after: acc(2n), storageCleared: false, storage: new Map([[1n, 0n], [5n, 5n]]) }]]),
      new Map([[addr(2), { before: undefined, after: undefined, storageCleared: true, storage: new Map() }]]),
      new Map([[addr(3), { before: undefined, after: acc(3n), storageCleared: true, storage: new Map([[6n, 6n]]) }],
        [addr(4), { before: undefined, after: acc(4n), storageCleared: false, storage: new Map([[1n, 1n]]) }]]),
      new Map([[addr(2), { before: undefined, after: acc(9n), storageCleared: false, storage: new Map([[8n, 8n]]) }]]),
    ];
    const view = (b: MemoryBackend | OverlayBackend) => [...b.addresses()].sort().map((a) => [a, b.getAccount(a),
      [...b.storageEntries(a)].sort((x, y) => (x[0] < y[0] ? -1 : 1)), [1n, 2n, 4n, 5n, 6n, 7n, 8n].map((k) => b.getStorage(a, k))]);
    for (const d of diffs) {
      overlay.applyDiff(d);
      ref.applyDiff(d);
      expect(view(overlay)).toEqual(view(ref));
    }
    overlay.reset();
    expect(view(overlay)).toEqual(view(fill(new MemoryBackend())));
  });

  it('a write set rebuilt over its base state equals the diff', () => {
    const code = new Uint8Array([0x60, 0, 0x54, 0]);
    const base = new MemoryBackend();
    base.setAccount(addr(1), { balance: 10n, nonce: 1n, code }, new Map([[1n, 2n]]));
    base.setAccount(addr(2), { balance: 5n, nonce: 0n, code: new Uint8Array(0) });
    base.setAccount(addr(3), { balance: 0n, nonce: 1n, code }, new Map([[(1n << 255n) + 3n, 9n]]));
    const diff: StateDiff = new Map([
      [addr(1), { before: base.getAccount(addr(1)), after: { balance: 1n << 200n, nonce: 2n, code }, storageCleared: false, storage: new Map([[1n, 0n], [(1n << 256n) - 1n, 7n]]) }],
      [addr(2), { before: base.getAccount(addr(2)), after: undefined, storageCleared: true, storage: new Map() }],
      [addr(3), { before: base.getAccount(addr(3)), after: { balance: 0n, nonce: 1n, code: new Uint8Array([0xfe]) }, storageCleared: true, storage: new Map([[4n, 4n]]) }],
      [addr(4), { before: undefined, after: { balance: 3n, nonce: 0n, code: new Uint8Array(0) }, storageCleared: false, storage: new Map() }],
    ]);
    const w = new ByteWriter();
    writeDiff(w, diff);
    expect(toStateDiff(readDiff(new ByteReader(w.take())), base)).toEqual(diff);
    // The one-pass reader the coordinator and the replicas use gives the same diff, and ends where the bytes end.
    const r = new ByteReader(w.take());
    expect(readStateDiff(r, base)).toEqual(diff);
    expect(r.pos).toBe(w.pos);
  });
  it('a write set applied from its words leaves the state applyDiff leaves; the diff comes back from the bytes + kept accounts', () => {
    const code = new Uint8Array([0x60, 0, 0x54, 0]);
    const build = (): MemoryBackend => {
      const b = new MemoryBackend();
      b.setAccount(addr(1), { balance: 10n, nonce: 1n, code }, new Map([[1n, 2n], [5n, 6n]]));
      b.setAccount(addr(2), { balance: 5n, nonce: 0n, code: new Uint8Array(0) }, new Map([[3n, 3n]]));
      b.setAccount(addr(3), { balance: 0n, nonce: 1n, code }, new Map([[(1n << 255n) + 3n, 9n]]));
      b.setAccount(addr(5), { balance: 1n, nonce: 0n, code: new Uint8Array(0) }, new Map([[8n, 8n]]));
      return b;
    };
    const ref = build();
    // Changed (a slot cleared, a wide one set), deleted with storage, re-created with new code and storage, created,
    // every slot cleared one by one (the account's storage map goes away).
    const diff: StateDiff = new Map([
      [addr(1), { before: ref.getAccount(addr(1)), after: { balance: 1n << 200n, nonce: 2n, code }, storageCleared: false, storage: new Map([[1n, 0n], [(1n << 256n) - 1n, 7n]]) }],
      [addr(2), { before: ref.getAccount(addr(2)), after: undefined, storageCleared: true, storage: new Map() }],
      [addr(3), { before: ref.getAccount(addr(3)), after: { balance: 0n, nonce: 1n, code: new Uint8Array([0xfe]) }, storageCleared: true, storage: new Map([[4n, 4n]]) }],
      [addr(4), { before: undefined, after: { balance: 3n, nonce: 0n, code: new Uint8Array(0) }, storageCleared: false, storage: new Map() }],
      [addr(5), { before: ref.getAccount(addr(5)), after: { balance: 2n, nonce: 0n, code: ref.getAccount(addr(5))!.code }, storageCleared: false, storage: new Map([[8n, 0n]]) }],
    ]);
    const table = addressTable(addr(9), [{ sender: addr(1), to: addr(3) }]);
    const w = new ByteWriter();
    w.names = table.index;
    writeDiff(w, diff);
    const bytes = w.take();
    ref.applyDiff(diff);
    const m = build();
    const refs: (ReturnType<MemoryBackend['getAccount']>)[] = [];
    const written = new Map<string, number>();
    const codeVersion = new Map<string, number>();
    const r = new ByteReader(bytes);
    r.names = table.names;
    expect(applyWriteSet(r, m, refs, 7, written, codeVersion)).toBe(5);
    expect(r.pos).toBe(bytes.length);
    const state = (b: MemoryBackend) => [...b.accounts].sort().map(([a, x]) => [a, x, b.storage.get(a) ?? null]);
    expect(state(m)).toEqual(state(ref));
    expect([...m.storage.keys()].sort()).toEqual([...ref.storage.keys()].sort());
    // The coordinator's validation maps: every account written at 7; code versions where code or existence changed.
    expect([...written].sort()).toEqual([1, 2, 3, 4, 5].map((k) => [addr(k), 7]));
    expect([...codeVersion.keys()].sort()).toEqual([addr(2), addr(3), addr(4)]);
    const back = new ByteReader(bytes);
    back.names = table.names;
    expect(readDiffWith(back, refs, 0)).toEqual(diff);
  });
});
