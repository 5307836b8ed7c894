/**
 * @file The real MegaETH blocks end to end (issue #18): each block re-executed from its SALT witness with the REX rules
 * must give exactly the header's stateRoot, receiptsRoot, gasUsed, logsBloom and withdrawalsRoot (the reference is the
 * chain's own header). `npm test` samples four blocks that between them exercise every REX execution rule the blocks
 * need (LOG and code-deposit storage gas everywhere; 98/100 forwarding on 1148's 48 M-gas call; cold first calls to the
 * precompiles on 1146 and 1152 and to the coinbase on 1148 and 1152); `MEGAETH_BLOCKS=all` runs 1140–1154, and
 * `MEVMC_TEST_ENGINE=native` the native engine (README › MegaETH).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHAINS } from '../../runtime/block/chain.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { loadCodeSource } from '../../runtime/salt/stateless-backend.ts';
import { validateBlock } from '../../runtime/salt/validate.ts';

const M = process.env.MEVMC_MEGAETH_DIR ?? join(import.meta.dirname, '../../../shared/salt/megaeth');
const HAVE = existsSync(join(M, 'witness'));
const BLOCKS = process.env.MEGAETH_BLOCKS === 'all' ? Array.from({ length: 15 }, (_, i) => 1140 + i) : [1141, 1146, 1148, 1152];
const NATIVE = process.env.MEVMC_TEST_ENGINE === 'native';
const file = (dir: string, n: number, ext: string): string | undefined => {
  const f = readdirSync(join(M, dir)).find((x) => x.startsWith(`${n}.`) && x.endsWith(ext));
  return f === undefined ? undefined : join(M, dir, f);
};
const json = (n: number) => JSON.parse(readFileSync(file('blocks', n, '.json')!, 'utf8')) as Record<string, unknown> & { stateRoot: string; withdrawalsRoot: string };

describe.skipIf(!HAVE)(`MegaETH blocks ${BLOCKS.join(', ')} from their witnesses (${HAVE ? M : `skipped: ${M} absent`})`, () => {
  it.each(BLOCKS)('block %i: every header field ok', async (n) => {
    let loader: ContractLoader = new WasmLoader({ volatileEnv: true });
    if (NATIVE) {
      const why = nativeUnavailableReason();
      if (why) return console.log(`skipped: native engine unavailable (${why})`);
      loader = new NativeLoader({ volatileEnv: true });
    }
    const parent = json(n - 1);
    const r = await validateBlock(
      json(n), new Uint8Array(readFileSync(file('witness', n, '.salt')!)), new Uint8Array(Buffer.from(parent.stateRoot.slice(2), 'hex')),
      loadCodeSource(join(M, 'contracts.txt')), { chain: CHAINS.megaeth, loader },
      { mptWitness: new Uint8Array(readFileSync(file('witness', n, '.mpt')!)), parentWithdrawalsRoot: parent.withdrawalsRoot },
    );
    expect({ stateRoot: r.stateRootHeader, receiptsRoot: r.receiptsRoot, gasUsed: r.gasUsed, logsBloom: r.logsBloom, withdrawalsRoot: r.withdrawalsRoot })
      .toEqual({ stateRoot: 'ok', receiptsRoot: 'ok', gasUsed: 'ok', logsBloom: 'ok', withdrawalsRoot: 'ok' });
    expect(r.stateRoot).toBe(json(n).stateRoot);
  });
});
