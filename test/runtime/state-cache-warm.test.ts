/**
 * @file A slot turning warm in the state cache warms its account (EIP-2929, as @ethereumjs/evm's addWarmedStorage):
 * C calls JS for that unless JS already warmed the account for this record with no revert since — also when the
 * account was warm before its record was made (a transaction's target). Observable in a bare message call, where
 * the executing account starts cold: SLOAD then BALANCE(ADDRESS) pays 2,100 + 100, not 2,100 + 2,600.
 */
import { describe, expect, it } from 'vitest';
import { Executor } from '../../runtime/host/call.ts';
import type { BlockContext, Message } from '../../runtime/host/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { Fork } from '../../src/evm/forks.ts';

const C = '0x2000000000000000000000000000000000000002';
const A = '0x1000000000000000000000000000000000000001';
const BLOCK: BlockContext = {
  number: 1n, timestamp: 1n, coinbase: '0x' + '33'.repeat(20), gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n, chainId: 1n,
  blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n,
};
// PUSH1 0, SLOAD, POP, ADDRESS, BALANCE, POP, STOP
const CODE = Buffer.from('600054503031' + '5000', 'hex');
// Gas by hand (EIP-2929): PUSH1 3, SLOAD cold 2,100, POP 2, ADDRESS 2, BALANCE warm 100 / cold 2,600, POP 2.
const WARM_BALANCE = 3n + 2100n + 2n + 2n + 100n + 2n;

const engines: [string, (() => ContractLoader) | undefined][] = [
  ['wasm', () => new WasmLoader()],
  ['native', nativeUnavailableReason() ? undefined : () => new NativeLoader()],
];
for (const [engine, make] of engines) {
  describe.skipIf(!make)(`${engine}: a warm slot warms its account`, () => {
    const setup = () => {
      const backend = new MemoryBackend();
      backend.setAccount(C, { balance: 7n, nonce: 1n, code: CODE }, new Map([[0n, 5n]]));
      backend.setAccount(A, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
      return { world: new WorldState(backend), loader: make!() };
    };
    const msg: Message = { caller: A, address: C, codeAddress: C, origin: A, value: 0n, gasPrice: 0n, calldata: new Uint8Array(0), gas: 100_000n, isStatic: false, depth: 0 };
    const gasUsed = (world: WorldState, loader: ContractLoader) => {
      const r = new Executor(world, Fork.Cancun, BLOCK, loader).run(msg, false);
      expect(r.status).toBe(0); // STOP
      return msg.gas - r.gasLeft;
    };

    it('in a bare call the executing account starts cold: its first slot warms it', () => {
      const { world, loader } = setup();
      expect(gasUsed(world, loader)).toBe(WARM_BALANCE);
    });

    it('an account warm when its record is made (a transaction\'s target) stays warm; one cooled by a revert since is warmed again by its first slot', () => {
      const { world, loader } = setup();
      world.warmAddress(C);
      expect(gasUsed(world, loader)).toBe(WARM_BALANCE);
      world.discard();
      // Warm inside a checkpoint, the record made then, the checkpoint reverted: cold again.
      const cp = world.checkpoint();
      world.warmAddress(C);
      world.stateAddr(C);
      world.revertTo(cp);
      expect(gasUsed(world, loader)).toBe(WARM_BALANCE);
      // The slot is warm now, and so is the account: a second run in the same transaction pays 100 for SLOAD.
      expect(gasUsed(world, loader)).toBe(WARM_BALANCE - 2000n);
    });
  });
}
