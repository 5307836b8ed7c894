/**
 * @file A backend that cannot serve the state (a witness lacking a key, a missing code file) throws a
 * StateBackendError; it must reach the caller as it was thrown, from the top frame and from nested calls, on every
 * engine — not become a HostFailure whose message only names it. Any other exception in a backend stays a
 * HostFailure (an implementation failure).
 */
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { HostFailure } from '../../runtime/host/types.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader, ensureCompiler } from '../../runtime/loader/wasm.ts';
import { type Account, MemoryBackend, StateBackendError, WorldState } from '../../runtime/state/world.ts';
import { type TxEnv, runTransaction } from '../../runtime/tx/index.ts';

class LacksSlot extends StateBackendError {
  override name = 'LacksSlot';
}

const SENDER = '0x1000000000000000000000000000000000000001';
const OUTER = '0x2000000000000000000000000000000000000002';
const INNER = '0x3000000000000000000000000000000000000003';
const hexCode = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
// INNER: SLOAD(7) and store it at 0. OUTER: CALL INNER with all gas, then SSTORE the success flag.
const INNER_CODE = hexCode('600754600055' + '00');
const OUTER_CODE = hexCode('6000600060006000600073' + INNER.slice(2) + '5af1600155' + '00');

/** Memory state whose slot 7 of INNER is "not in the witness". */
class PartialBackend extends MemoryBackend {
  constructor(readonly fail: () => Error) {
    super();
    const acc = (code: Uint8Array, balance = 0n): Account => ({ balance, nonce: 0n, code });
    this.setAccount(SENDER, acc(new Uint8Array(0), 10n ** 20n));
    this.setAccount(OUTER, acc(OUTER_CODE));
    this.setAccount(INNER, acc(INNER_CODE));
  }
  override getStorage(address: string, slot: bigint): bigint {
    if (address === INNER && slot === 7n) throw this.fail();
    return super.getStorage(address, slot);
  }
}

const env: TxEnv = {
  number: 1n, timestamp: 1n, coinbase: '0x' + '00'.repeat(20), gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 1n, blobBaseFee: 0n, blockHash: () => 0n,
};
const tx = (to: string) => ({
  type: 2 as const, sender: SENDER, nonce: 0n, gasLimit: 200_000n, to, value: 0n, data: new Uint8Array(0),
  maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, accessList: [], blobVersionedHashes: [], authorizationList: [],
});

const engines: [string, () => Promise<ContractLoader | undefined>][] = [
  ['wasm', async () => (await ensureCompiler(), new WasmLoader())],
  ['native', async () => (nativeUnavailableReason() ? undefined : new NativeLoader())],
];

describe.each(engines)('%s engine', (name, make) => {
  it('a StateBackendError reaches the caller unchanged, from the top frame and from a nested call', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    for (const to of [INNER, OUTER]) {
      const thrown = new LacksSlot(`witness lacks slot 7 of ${INNER}`);
      const world = new WorldState(new PartialBackend(() => thrown));
      let caught: unknown;
      try {
        runTransaction(world, tx(to), env, Fork.Cancun, loader);
      } catch (e) {
        caught = e;
      }
      expect(caught, `via ${to === INNER ? 'top frame' : 'nested call'}`).toBe(thrown);
    }
  });

  it('any other exception inside a backend is a HostFailure', async () => {
    const loader = await make();
    if (!loader) return;
    const world = new WorldState(new PartialBackend(() => new TypeError('disk on fire')));
    expect(() => runTransaction(world, tx(OUTER), env, Fork.Cancun, loader)).toThrow(HostFailure);
  });
});
