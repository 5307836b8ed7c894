/**
 * @file A state-cache miss on an account whose backend holds no slot is answered 0 without building the slot's key
 * (StateBackend.hasStorage, WorldState.noSlots). The answer must follow the backend: after a commit gives the account
 * a slot, the next transaction's miss reads it. Each call is compared with @ethereumjs/evm on the matching prestate.
 */
import { describe, expect, it } from 'vitest';
import { Executor } from '../../runtime/host/call.ts';
import type { BlockContext, Message } from '../../runtime/host/types.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { stateCache } from '../../runtime/state/state-cache.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { Fork } from '../../src/evm/forks.ts';
import { ADDRESS, CALLER, freshLoader, mkCase, TEST_ENGINE } from '../helpers/engines.ts';

// mem[0] = SLOAD(0), mem[0x20] = SLOAD(9), SSTORE(0, SLOAD(0) + 5), RETURN mem[0, 0x40): values and the SSTORE's gas show.
const CODE = Buffer.from('600054600052' + '600954602052' + '6005600054016000' + '55' + '60406000f3', 'hex');
const BLOCK: BlockContext = {
  number: 1n, timestamp: 1_700_000_000n, coinbase: '0x' + '33'.repeat(20), gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 1n, blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n,
};
const GAS = 100_000n;

describe.skipIf(!stateCache())(`state cache misses of an account without slots (${TEST_ENGINE})${stateCache() ? '' : ' (skipped: MEVMC_STATE_CACHE=0)'}`, () => {
  it('read 0 while the backend has none, then the committed values: output and gas as @ethereumjs/evm', async () => {
    const backend = new MemoryBackend();
    backend.setAccount(ADDRESS, { balance: 0n, nonce: 1n, code: CODE });
    backend.setAccount(CALLER, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
    expect(backend.hasStorage(ADDRESS)).toBe(false);
    const loader = freshLoader();
    const msg: Message = {
      caller: CALLER, address: ADDRESS, codeAddress: ADDRESS, origin: CALLER, value: 0n, gasPrice: 0n,
      calldata: new Uint8Array(0), gas: GAS, isStatic: false, depth: 0,
    };
    const world = new WorldState(backend);
    // Slot 0 goes 0 -> 5 -> 10 -> 15 over three committed calls on one WorldState; slot 9 stays unset.
    for (const slot0 of [0n, 5n, 10n]) {
      const pre = slot0 === 0n ? {} : { storage: { '0x0': `0x${slot0.toString(16)}` } };
      const ref = await runReference(mkCase({ fork: 'cancun', code: CODE, gas: GAS.toString(), pre: { [ADDRESS]: pre } }));
      expect(ref.status).toBe('success');
      const r = new Executor(world, Fork.Cancun, BLOCK, loader).run(msg, true);
      world.commit();
      expect({ output: '0x' + Buffer.from(r.output).toString('hex'), gasUsed: (GAS - r.gasLeft).toString() })
        .toEqual({ output: ref.output, gasUsed: ref.gasUsed });
    }
    expect(backend.getStorage(ADDRESS, 0n)).toBe(15n);
  });
});
