/**
 * @file The state-cache record of a frame (`Ctx.stateAddr`) is looked up at the frame's first storage op and written
 * into the context of the slot it runs in; the next frame in that slot — another transaction, whose context was freed
 * — must not reach the cache through the old record. Each call below is compared with @ethereumjs/evm on the same
 * prestate: the value SLOAD reads, the gas left after it (cold or warm) and the whole call's gas.
 */
import { describe, expect, it } from 'vitest';
import { Executor } from '../../runtime/host/call.ts';
import type { BlockContext, Message } from '../../runtime/host/types.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { Fork } from '../../src/evm/forks.ts';
import { ADDRESS, CALLER, mkCase } from '../helpers/engines.ts';

// mem[0] = SLOAD(0), mem[0x20] = GAS (after the SLOAD: cold or warm shows), SSTORE(0, 1), RETURN mem[0, 0x40).
const CODE = Buffer.from('600054' + '600052' + '5a602052' + '6001600055' + '60406000f3', 'hex');
const BLOCK: BlockContext = {
  number: 1n, timestamp: 1_700_000_000n, coinbase: '0x' + '33'.repeat(20), gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 1n, blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n,
};
const GAS = 100_000n;

describe('a frame slot reused by the next transaction', () => {
  it('reads storage through its own state-cache record, not the previous frame’s', async () => {
    const c = mkCase({ fork: 'cancun', code: CODE, gas: GAS.toString(), pre: { [ADDRESS]: { storage: { '0x0': '0x7' } } } });
    const ref = await runReference(c);
    expect(ref.status).toBe('success');

    const backend = new MemoryBackend();
    backend.setAccount(ADDRESS, { balance: 0n, nonce: 1n, code: CODE }, new Map([[0n, 7n]]));
    backend.setAccount(CALLER, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
    const loader = new WasmLoader();
    const msg: Message = {
      caller: CALLER, address: ADDRESS, codeAddress: ADDRESS, origin: CALLER, value: 0n, gasPrice: 0n,
      calldata: new Uint8Array(0), gas: GAS, isStatic: false, depth: 0,
    };
    const world = new WorldState(backend);
    const other = new WorldState(backend);
    // The same WorldState discarded between calls (its cache context freed and a new one opened), then another one.
    for (const w of [world, world, other, world]) {
      const r = new Executor(w, Fork.Cancun, BLOCK, loader).run(msg, true);
      w.discard();
      expect({ output: '0x' + Buffer.from(r.output).toString('hex'), gasUsed: (GAS - r.gasLeft).toString() })
        .toEqual({ output: ref.output, gasUsed: ref.gasUsed });
    }
    expect(loader.load(CODE, Fork.Cancun).pool).toHaveLength(1); // every call ran in the same instance and slot
  });

  it('a miss of an unset slot reads 0 in a reused cache entry (StateCache.load’s zero fast path): value and SSTORE gas as @ethereumjs/evm', async () => {
    // mem[0] = SLOAD(0), SSTORE(1, 1), RETURN mem[0, 0x20): on empty storage SLOAD reads 0 and SSTORE costs a set.
    const code = Buffer.from('600054' + '600052' + '6001600155' + '60206000f3', 'hex');
    const ref = await runReference(mkCase({ fork: 'cancun', code, gas: GAS.toString() }));
    expect(ref.status).toBe('success');
    const msg: Message = {
      caller: CALLER, address: ADDRESS, codeAddress: ADDRESS, origin: CALLER, value: 0n, gasPrice: 0n,
      calldata: new Uint8Array(0), gas: GAS, isStatic: false, depth: 0,
    };
    const loader = new WasmLoader();
    // Slots holding a value in every limb: their entries go back to the cache's free list on discard...
    const full = new MemoryBackend();
    const ones = (1n << 256n) - 1n;
    full.setAccount(ADDRESS, { balance: 0n, nonce: 1n, code }, new Map([[0n, ones], [1n, ones]]));
    full.setAccount(CALLER, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
    // ...and serve the next transaction's misses of unset slots.
    const empty = new MemoryBackend();
    empty.setAccount(ADDRESS, { balance: 0n, nonce: 1n, code });
    empty.setAccount(CALLER, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
    const a = new WorldState(full), b = new WorldState(empty);
    for (let i = 0; i < 2; i++) {
      new Executor(a, Fork.Cancun, BLOCK, loader).run(msg, true);
      a.discard();
      const r = new Executor(b, Fork.Cancun, BLOCK, loader).run(msg, true);
      b.discard();
      expect({ output: '0x' + Buffer.from(r.output).toString('hex'), gasUsed: (GAS - r.gasLeft).toString() })
        .toEqual({ output: ref.output, gasUsed: ref.gasUsed });
    }
  });
});
