/**
 * @file MegaETH REX data-size, KV-update and state-growth limits (runtime/block/op/mega-limits.ts; docs/megaeth.md
 * §3.2), counted by mega-evm's rules (`limit/data_size.rs`, `kv_update.rs`, `state_growth.rs`; limits
 * `rex::TX_DATA_LIMIT` 13,107,200 bytes, `TX_KV_UPDATE_LIMIT` 500,000, `TX_STATE_GROWTH_LIMIT` 1,000, exceeded when
 * used > limit), on every engine. The expected counts below are derived from those rules, item by item:
 *
 * - data: 110 per tx + calldata + 40 (caller); SSTORE of a slot whose original = present ≠ new 40; LOG 32/topic +
 *   data; value CALL 80 (caller + target); CREATE 80 (creator + created) + deployed code;
 * - KV: 1 (caller); SSTORE as above 1; value CALL 2; CREATE 2;
 * - growth: SSTORE 0 → non-0 1; value CALL to an empty account 1; CREATE 1.
 *
 * A transaction exactly at each limit runs; one item more is refused with the limit's typed error.
 */
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { SaltStorageGas, rexHostRules, rexTxHooks } from '../../runtime/block/op/mega-gas.ts';
import {
  DataSizeLimitError, KvUpdateLimitError, REX_TX_DATA_LIMIT, REX_TX_STATE_GROWTH_LIMIT, type ResourceLimits, RexComputeLimit,
  StateGrowthLimitError,
} from '../../runtime/block/op/mega-limits.ts';
import { MEGA_ORACLE, MEGA_SYSTEM_ADDRESS } from '../../runtime/block/op/rules.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader, ensureCompiler } from '../../runtime/loader/wasm.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { createAddress } from '../../runtime/host/call-rules.ts';
import { type Tx, type TxEnv, runTransaction } from '../../runtime/tx/index.ts';

const SENDER = '0x1000000000000000000000000000000000000001';
const PROBE = '0x2000000000000000000000000000000000000002';
const COINBASE = '0x3000000000000000000000000000000000000003';
const EMPTY = '0x4000000000000000000000000000000000000004';
const code = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

const env = (): TxEnv => ({
  number: 10n, timestamp: 1n, coinbase: COINBASE, gasLimit: 2_000_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 6342n, blobBaseFee: 1n, blockHash: () => 0n,
});

/** Run PROBE's `body` under REX with `data` as calldata; `limits` lowers the resource limits. */
function run(loader: ContractLoader, body: string, data: Uint8Array, gasLimit: bigint, limits: Partial<ResourceLimits> = {}) {
  const be = new MemoryBackend();
  be.setAccount(SENDER, { balance: 10n ** 20n, nonce: 0n, code: new Uint8Array(0) });
  be.setAccount(PROBE, { balance: 100n, nonce: 1n, code: code(body) });
  const limit = new RexComputeLimit(MEGA_ORACLE, MEGA_SYSTEM_ADDRESS, limits);
  const salt = new SaltStorageGas();
  const e = { ...env(), chainRules: rexHostRules(salt, limit) };
  const tx: Tx = {
    type: 2, sender: SENDER, nonce: 0n, gasLimit, to: PROBE, value: 0n, data,
    maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, accessList: [], blobVersionedHashes: [], authorizationList: [],
  };
  const world = new WorldState(be);
  const r = runTransaction(world, tx, e, Fork.Prague, loader, rexTxHooks(salt, limit, COINBASE, () => 7));
  return { r, limit, world };
}

const engines: [string, () => Promise<ContractLoader | undefined>][] = [
  ['wasm', async () => (await ensureCompiler(), new WasmLoader({ volatileEnv: true }))],
  ['native', async () => (nativeUnavailableReason() ? undefined : new NativeLoader({ volatileEnv: true }))],
];

// One item of each kind, then STOP:
//   SSTORE(1, 1)                                   data 40, KV 1, growth 1
//   LOG1(topic 7) of 10 bytes of memory            data 32 + 10
//   CALL(gas, EMPTY, value 1, 0, 0, 0, 0)          data 80, KV 2, growth 1 (EMPTY has no account)
//   CREATE(0, init = RETURN(0, 3)): 3 code bytes   data 80 + 3, KV 2, growth 1
const EACH = '6001600155' +
  '6007600a5fa1' +
  '5f5f5f5f600173' + EMPTY.slice(2) + '5af150' +
  '6460036000f35f526005601b5ff050' + '00';
const EACH_DATA = 40 + 42 + 80 + 83;
const EACH_KV = 1 + 2 + 2;
const EACH_GROWTH = 3;
/** Per transaction: 110 bytes + 40 for the caller's account; 1 KV for it. */
const TX_DATA = 110 + 40;

// n = CALLDATALOAD(0); while (n) { SSTORE(n, 1); n-- }: n new slots.
const NEW_SLOTS = '5f355b801560135760018155600190036002565b00';
const word = (n: number) => { const b = new Uint8Array(32); new DataView(b.buffer).setUint32(28, n); return b; };

describe.each(engines)('REX data size / KV updates / state growth, %s engine', (name, make) => {
  it(`data size: a tx of exactly ${REX_TX_DATA_LIMIT} bytes (calldata + one item of each kind) runs, one byte more is refused`, async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const calldata = REX_TX_DATA_LIMIT - TX_DATA - EACH_DATA;
    const at = run(loader, EACH, new Uint8Array(calldata), 1_600_000_000n);
    expect(at.r.status).toBe('success');
    expect(at.limit.usage).toEqual({ data: REX_TX_DATA_LIMIT, kv: 1 + EACH_KV, growth: EACH_GROWTH });
    // Every item took effect (so mega-evm kept each in its counters): the slot, the transfer, the 3-byte contract.
    expect(at.r.logs.length).toBe(1);
    expect(at.world.sload(PROBE, 1n)).toBe(1n);
    expect(at.world.balance(EMPTY)).toBe(1n);
    expect(at.world.getAccount(createAddress(PROBE, 1n))?.code.length).toBe(3);
    expect(() => run(loader, EACH, new Uint8Array(calldata + 1), 1_600_000_000n)).toThrow(DataSizeLimitError);
  });

  it('KV updates and state growth of the same items, checked against lowered limits (each at its count runs, one below refuses)', async () => {
    const loader = await make();
    if (!loader) return;
    const none = new Uint8Array(0);
    expect(run(loader, EACH, none, 5_000_000n, { kv: 1 + EACH_KV }).r.status).toBe('success');
    expect(() => run(loader, EACH, none, 5_000_000n, { kv: EACH_KV })).toThrow(KvUpdateLimitError);
    expect(run(loader, EACH, none, 5_000_000n, { growth: EACH_GROWTH }).r.status).toBe('success');
    expect(() => run(loader, EACH, none, 5_000_000n, { growth: EACH_GROWTH - 1 })).toThrow(StateGrowthLimitError);
  });

  it(`state growth: ${REX_TX_STATE_GROWTH_LIMIT} new slots run, ${REX_TX_STATE_GROWTH_LIMIT + 1} are refused`, async () => {
    const loader = await make();
    if (!loader) return;
    const at = run(loader, NEW_SLOTS, word(REX_TX_STATE_GROWTH_LIMIT), 40_000_000n);
    expect(at.r.status).toBe('success');
    expect(at.limit.usage).toEqual({ data: TX_DATA + 32 + 40 * REX_TX_STATE_GROWTH_LIMIT, kv: 1 + REX_TX_STATE_GROWTH_LIMIT, growth: REX_TX_STATE_GROWTH_LIMIT });
    const over = () => run(loader, NEW_SLOTS, word(REX_TX_STATE_GROWTH_LIMIT + 1), 40_000_000n);
    expect(over).toThrow(StateGrowthLimitError);
    expect(over).toThrow(/tx 7: state growth up to 1001 above the REX limit 1000/);
  });
});
