/**
 * @file The sequential executor's outcomes build their receipts when read (runtime/block/execute.ts LocalOutcome):
 * each receipt must be what an eager build gives — type of its transaction, status from the result, cumulative gas
 * the running sum, logs the result's, and the bloom @ethereumjs/vm's `Bloom` computes over those logs (all zero
 * without logs) — on a ../shared/blocks block with and without logs (skipped visibly when absent).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Bloom } from '@ethereumjs/vm';
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { blockFromRpc } from '../../runtime/block/rpc.ts';
import { executeBlock } from '../../runtime/block/execute.ts';
import { freshState, loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';

const ROOT = join(import.meta.dirname, '../../../shared/blocks/blocks');
const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, '').padStart(h.length > 42 ? 64 : 40, '0'), 'hex'));

/** The bloom of some logs by @ethereumjs/vm (address and topics hashed there). */
function refBloom(logs: { address: string; topics: bigint[] }[]): Uint8Array {
  const b = new Bloom();
  for (const l of logs) {
    b.add(hexBytes(l.address));
    for (const t of l.topics) b.add(hexBytes('0x' + t.toString(16).padStart(64, '0')));
  }
  return b.bitvector;
}

// Cancun (logs in most receipts) and Homestead (pre-Byzantium: no status, no receipts root).
const SAMPLE = ['19426587', '2179522'];

if (!existsSync(ROOT)) {
  it.skip(`sequential receipts built when read (${ROOT} not found)`, () => undefined);
} else {
  const loader = new WasmLoader({ cacheDir: process.env.MEVMC_CACHE_DIR });
  describe.each(SAMPLE)('block %s', (n) => {
    it('each receipt equals its eager build', async () => {
      const f = loadFixture(join(ROOT, n));
      const { block, fork } = blockFromRpc(f.block);
      const got = await executeBlock(block, freshState(f), { loader, blockHash: (k) => f.blockHashes.get(k) });
      let cumulative = 0n;
      let withLogs = 0;
      for (let i = 0; i < got.txs.length; i++) {
        const t = got.txs[i];
        cumulative += t.result.gasUsed;
        const r = t.receipt;
        expect(t.receipt, 'built once').toBe(r);
        expect(r.type).toBe(block.transactions[i].type);
        expect(r.cumulativeGasUsed).toBe(cumulative);
        expect(r.logs).toBe(t.result.logs);
        expect(r.logsBloom.length).toBe(256);
        expect(Buffer.from(r.logsBloom).equals(Buffer.from(refBloom(t.result.logs))), `tx ${i} bloom`).toBe(true);
        if (fork >= Fork.Byzantium) expect(r.status).toBe(t.result.status === 'success' ? 1 : 0);
        else expect(r.status).toBeUndefined();
        if (t.result.logs.length) withLogs++;
      }
      expect(cumulative).toBe(got.gasUsed);
      if (n === '19426587') expect(withLogs).toBeGreaterThan(0);
    }, 300_000); // compiles the block's contracts
  });
}
