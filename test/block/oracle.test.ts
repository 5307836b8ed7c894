/**
 * @file executeBlock against the @ethereumjs/vm runBlock oracle on a sample of ../shared/blocks (CI time: the
 * whole set is `mevmc block ../shared/blocks/blocks/*`): per transaction gas, status, logs, and the state after it
 * on every account and slot either engine wrote; the state after the block (withdrawals, rewards) on every account
 * of the pre-state or written; and the header's gasUsed, logsBloom and (from Byzantium) receiptsRoot.
 * Skipped visibly when ../shared/blocks is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { blockFromRpc } from '../../runtime/block/rpc.ts';
import { executeBlock } from '../../runtime/block/execute.ts';
import { freshState, loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { type AccountSnap, runBlockReference } from '../../runtime/harness/blocks/oracle.ts';
import { firstDifference } from '../../runtime/harness/blocks/run.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { MemoryBackend, type StateDiff } from '../../runtime/state/world.ts';

const ROOT = join(import.meta.dirname, '../../../shared/blocks/blocks');
const hex = (b: Uint8Array) => '0x' + Buffer.from(b).toString('hex');
const EMPTY_CODE_HASH = hex(keccak_256(new Uint8Array(0)));

/** Frontier, Homestead, Cancun (withdrawals, blobs era) and the empty block. */
const SAMPLE = ['116525', '2179522', '19426587', '19910734'];

function snap(be: MemoryBackend, a: string): AccountSnap | undefined {
  const acc = be.getAccount(a);
  return acc && { balance: acc.balance, nonce: acc.nonce, codeHash: acc.code.length ? hex(keccak_256(acc.code)) : EMPTY_CODE_HASH };
}

if (!existsSync(ROOT)) {
  it.skip(`block oracle comparison (${ROOT} not found)`, () => undefined);
} else {
  const loader = new WasmLoader({ cacheDir: process.env.MEVMC_CACHE_DIR });
  describe.each(SAMPLE)('block %s', (n) => {
    it('equals @ethereumjs/vm runBlock per transaction and the header', async () => {
      const f = loadFixture(join(ROOT, n));
      const { block, fork } = blockFromRpc(f.block);
      const got = await executeBlock(block, freshState(f), { loader, blockHash: (k) => f.blockHashes.get(k) });
      const want = await runBlockReference(f, fork);
      const header = f.block as { gasUsed: string; logsBloom: string; receiptsRoot: string };

      // Header checks, by both engines.
      expect(got.gasUsed).toBe(BigInt(header.gasUsed));
      expect(want.gasUsed).toBe(BigInt(header.gasUsed));
      expect(hex(got.logsBloom)).toBe(header.logsBloom);
      if (fork >= Fork.Byzantium) expect(hex(got.receiptsRoot!)).toBe(header.receiptsRoot);
      else expect(got.receiptsRoot).toBeUndefined();

      // Per transaction: gas, status, logs.
      const summaries = got.txs.map((t) => ({ gasUsed: t.result.gasUsed, status: t.result.status as 'success', logs: t.result.logs }));
      expect(firstDifference(summaries, want.txs)).toBeUndefined();
      expect(got.txs.map((t) => t.receipt.cumulativeGasUsed)).toEqual(want.txs.map((_, i) => want.txs.slice(0, i + 1).reduce((s, t) => s + t.gasUsed, 0n)));

      // Per transaction: the state after it, on what either engine wrote.
      const replica = freshState(f);
      const apply = (d: StateDiff) => replica.applyDiff(d);
      apply(got.systemDiff);
      const touched = new Set(Object.keys(f.pre));
      for (let i = 0; i < got.txs.length; i++) {
        const d = got.txs[i].diff;
        apply(d);
        const w = want.txs[i].writes;
        for (const a of new Set([...w.accounts.keys(), ...w.storage.keys(), ...d.keys()])) {
          touched.add(a);
          if (w.accounts.has(a) || d.has(a)) expect(snap(replica, a), `tx ${i} account ${a}`).toEqual(w.accounts.has(a) ? w.accounts.get(a) : await want.account(a));
          const slots = new Set([...(w.storage.get(a)?.keys() ?? []), ...(d.get(a)?.storage.keys() ?? [])]);
          for (const s of slots) {
            const theirs = w.storage.get(a)?.has(s) ? w.storage.get(a)!.get(s)! : undefined;
            if (theirs !== undefined) expect(replica.getStorage(a, s), `tx ${i} ${a}[${s}]`).toBe(theirs);
            else expect(d.get(a)!.storage.get(s), `tx ${i} ${a}[${s}] written by mevmc only: a no-op`).toBe(replica.getStorage(a, s));
          }
        }
      }
      // After the block: withdrawals and rewards too.
      apply(got.finalDiff);
      for (const a of got.finalDiff.keys()) touched.add(a);
      for (const a of touched) expect(snap(replica, a), `after the block: ${a}`).toEqual(await want.account(a));
    });
  });
}
