/**
 * @file SaltBackend (runtime/salt/backend.ts) against the plain MemoryBackend on real blocks of ../shared/blocks:
 * the same block executed on both gives the same per-transaction gas, status and logs, receipts root, bloom and
 * gasUsed; the SALT root after `commitBlock` equals the root of a fresh SaltState built in one batch from the
 * MemoryBackend's final state (an independent path: keys.ts encodings, no overlay); every account and slot reads
 * back the same. A durable store reopens with the same root. Unit cases: a destroyed account's old SALT slots are
 * deleted, no-op writes are not in the batch, genesis only into an empty store.
 * Sample in `npm test`: SALT_BLOCKS=all runs every fixture (see README). Skipped visibly without ../shared/blocks.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { blockFromRpc } from '../../runtime/block/rpc.ts';
import { executeBlock, poolSpecOf } from '../../runtime/block/execute.ts';
import { ParallelPool } from '../../runtime/parallel/pool.ts';
import { freshState, loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { SaltBackend } from '../../runtime/salt/backend.ts';
import { toHex } from '../../runtime/salt/field.ts';
import { MemoryBackend } from '../../runtime/state/world.ts';
import { independentRoot } from './salt-roots.ts';

const ROOT = join(import.meta.dirname, '../../../shared/blocks/blocks');

/**
 * Spurious Dragon (self-destructs, EIP-161), London (1,414 txs, a 1,428-key diff) and the empty Cancun block
 * (withdrawals): cheap to compile. SALT_BLOCKS=all: every block (17666333 alone compiles 145 contracts).
 */
const SAMPLE = process.env.SALT_BLOCKS === 'all' && existsSync(ROOT) ? readdirSync(ROOT).sort((a, b) => +a - +b) : ['4330482', '13287210', '19910734'];

const isEmpty = (a: { nonce: bigint; balance: bigint; code: Uint8Array } | undefined) => !a || (a.nonce === 0n && a.balance === 0n && a.code.length === 0);

if (!existsSync(ROOT)) {
  it.skip(`SaltBackend on real blocks (${ROOT} not found)`, () => undefined);
} else {
  const loader = new WasmLoader({ cacheDir: process.env.MEVMC_CACHE_DIR });
  describe.each(SAMPLE)('block %s on SALT', (n) => {
    it('same results as the MemoryBackend; root equals a one-batch rebuild of the final state; reopen keeps it', async () => {
      const f = loadFixture(join(ROOT, n));
      const { block, fork } = blockFromRpc(f.block);
      const blockHash = (k: bigint) => f.blockHashes.get(k);
      const mem = freshState(f);
      const rm = await executeBlock(block, mem, { loader, blockHash });

      const dir = mkdtempSync(join(tmpdir(), 'salt-backend-'));
      try {
        const salt = SaltBackend.open(dir);
        const genesis = salt.loadGenesis(freshState(f));
        expect(toHex(genesis.root)).toBe(independentRoot(freshState(f)));
        const rs = await executeBlock(block, salt, { loader, blockHash });
        const c = salt.commitBlock();

        expect(rs.gasUsed).toBe(rm.gasUsed);
        expect(toHex(rs.logsBloom)).toBe(toHex(rm.logsBloom));
        if (fork >= Fork.Byzantium) expect(toHex(rs.receiptsRoot!)).toBe(toHex(rm.receiptsRoot!));
        expect(rs.txs.map((t) => [t.result.gasUsed, t.result.status, t.result.logs.length]))
          .toEqual(rm.txs.map((t) => [t.result.gasUsed, t.result.status, t.result.logs.length]));
        // The header: receipts root from Byzantium, gas used always.
        const header = f.block as { receiptsRoot: string; gasUsed: string };
        expect(rs.gasUsed).toBe(BigInt(header.gasUsed));
        if (fork >= Fork.Byzantium) expect('0x' + toHex(rs.receiptsRoot!)).toBe(header.receiptsRoot.toLowerCase());

        const want = independentRoot(mem);
        expect(toHex(c.root)).toBe(want);
        expect(c.keys).toBeGreaterThan(0);
        // Every non-empty account and every slot reads back (SALT drops empty accounts by the mapping).
        for (const a of mem.addresses()) {
          const m = mem.getAccount(a)!;
          const s = salt.getAccount(a);
          if (isEmpty(m)) expect(s).toBeUndefined();
          else expect(s && [s.nonce, s.balance, toHex(s.code)]).toEqual([m.nonce, m.balance, toHex(m.code)]);
          for (const [k, v] of mem.storageEntries(a)) expect(salt.getStorage(a, k)).toBe(v);
        }
        salt.close();

        const again = SaltBackend.open(dir);
        expect(toHex(again.root())).toBe(want);
        expect(again.batches).toBe(2);
        expect(toHex(again.state.rootFromScratch())).toBe(want);
        for (const a of mem.addresses()) if (!isEmpty(mem.getAccount(a))) expect(toHex(again.getAccount(a)!.code)).toBe(toHex(mem.getAccount(a)!.code));
        again.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

if (existsSync(ROOT)) {
  it('the parallel executor (2 workers) commits into SaltBackend: the root of the MemoryBackend replay (4330482)', async () => {
    const loader = new WasmLoader({ cacheDir: process.env.MEVMC_CACHE_DIR });
    const f = loadFixture(join(ROOT, '4330482'));
    const { block } = blockFromRpc(f.block);
    const blockHash = (k: bigint) => f.blockHashes.get(k);
    const mem = freshState(f);
    await executeBlock(block, mem, { loader, blockHash });
    const pool = new ParallelPool(2, poolSpecOf(loader));
    try {
      const salt = SaltBackend.open();
      salt.loadGenesis(freshState(f));
      // A 6.7 Mgas block: below the gate's floor (8 Mgas to hand out) it would run sequentially; this is about the commit.
      const r = await executeBlock(block, salt, { loader, blockHash, pool, parallel: { minDispatchedGas: 0n, minCores: 0 } });
      expect(r.parallel?.fallback).toBeUndefined();
      expect(r.parallel!.dispatched).toBeGreaterThan(0);
      expect(toHex(salt.commitBlock().root)).toBe(independentRoot(mem));
    } finally {
      await pool.close();
    }
  });
}

describe('SaltBackend overlay', () => {
  const A = '0x' + '11'.repeat(20);
  const B = '0x' + '22'.repeat(20);
  const code = Uint8Array.from([0x60, 0x00, 0x00]);
  const genesis = (): MemoryBackend => {
    const m = new MemoryBackend();
    m.setAccount(A, { nonce: 1n, balance: 5n, code }, new Map([[1n, 7n], [2n, 8n], [1n << 200n, 9n]]));
    m.setAccount(B, { nonce: 3n, balance: 0n, code: new Uint8Array(0) });
    return m;
  };

  it('a destroyed account loses its old slots; a re-created one keeps only its new slots; reads see the overlay', () => {
    const s = SaltBackend.open();
    s.loadGenesis(genesis());
    expect([...s.storageEntries(A)].length).toBe(3);
    expect([...s.storageEntries(B)]).toEqual([]);
    // Transaction 1: A self-destructs. Transaction 2: A is re-created with one slot.
    s.applyDiff(new Map([[A, { before: s.getAccount(A), after: undefined, storageCleared: true, storage: new Map() }]]));
    expect(s.getAccount(A)).toBeUndefined();
    expect(s.getStorage(A, 1n)).toBe(0n);
    s.applyDiff(new Map([[A, { before: undefined, after: { nonce: 1n, balance: 0n, code: new Uint8Array(0) }, storageCleared: true, storage: new Map([[2n, 4n]]) }]]));
    expect([...s.storageEntries(A)]).toEqual([[2n, 4n]]);
    const c = s.commitBlock();
    // 1 account rewrite + slot 1 and slot 2^200 deleted + slot 2 rewritten.
    expect(c.keys).toBe(4);
    const m = genesis();
    m.applyDiff(new Map([[A, { before: undefined, after: undefined, storageCleared: true, storage: new Map() }]]));
    m.applyDiff(new Map([[A, { before: undefined, after: { nonce: 1n, balance: 0n, code: new Uint8Array(0) }, storageCleared: true, storage: new Map([[2n, 4n]]) }]]));
    expect(toHex(c.root)).toBe(independentRoot(m));
    expect([...s.storageEntries(A)]).toEqual([[2n, 4n]]);
    expect([...s.addresses()].sort()).toEqual([A, B]);
  });

  it('no-op writes are not in the batch; an emptied account is deleted; genesis only into an empty store', () => {
    const s = SaltBackend.open();
    const g = s.loadGenesis(genesis());
    expect(g.keys).toBe(5);
    s.applyDiff(new Map([[A, { before: undefined, after: s.getAccount(A), storageCleared: false, storage: new Map([[1n, 7n]]) }]]));
    expect(s.pendingKeyChanges()).toEqual([]);
    s.applyDiff(new Map([[B, { before: undefined, after: { nonce: 0n, balance: 0n, code: new Uint8Array(0) }, storageCleared: false, storage: new Map() }]]));
    const ch = s.pendingKeyChanges();
    expect(ch.map((c) => [toHex(c.key), c.value])).toEqual([[B.slice(2), undefined]]);
    s.commitBlock();
    expect(s.getAccount(B)).toBeUndefined();
    expect(() => s.loadGenesis(genesis())).toThrow(/not empty/);
    s.applyDiff(new Map([[B, { before: undefined, after: { nonce: 9n, balance: 0n, code: new Uint8Array(0) }, storageCleared: false, storage: new Map() }]]));
    s.discardBlock();
    expect(s.getAccount(B)).toBeUndefined();
  });
});
