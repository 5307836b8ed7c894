/**
 * @file MegaETH REX compute-gas limit and volatile-data reads (runtime/block/op/mega-limits.ts; docs/megaeth.md
 * §3.2–3.3), from the spec text (mega-evm `specs/MiniRex.md` §3 and `docs/spec/evm/resource-limits.md`; constants
 * `rex::TX_COMPUTE_GAS_LIMIT` = 200,000,000), on every engine:
 *
 * - The opcodes the spec lists as block-environment reads (NUMBER, TIMESTAMP, COINBASE, PREVRANDAO, GASLIMIT, BASEFEE,
 *   BLOCKHASH, BLOBBASEFEE, BLOBHASH) are seen — the compiled ones through `Ctx.volatile` in `volatileEnv` builds —
 *   and others (CHAINID, CALLER, GAS) are not; BALANCE of the coinbase is a beneficiary read, of another account not;
 *   a CALL into the Oracle is an oracle read unless the caller is the Mega system address.
 * - `volatileEnv` is part of the loaders' cache keys, and executeOpBlock requires it for REX.
 * - A transaction whose compute gas may pass 200,000,000 is refused with ComputeGasLimitError (mega-evm halts it at an
 *   opcode mevmc cannot place); one that stays within runs as on Ethereum; storage gas does not count: a LOG whose
 *   208,000,000 of storage gas takes the transaction's gas past 200 M runs.
 */
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { CHAINS } from '../../runtime/block/chain.ts';
import { VolatileEnvLoaderError, executeOpBlock } from '../../runtime/block/op/execute.ts';
import { SaltStorageGas, rexHostRules, rexTxHooks } from '../../runtime/block/op/mega-gas.ts';
import type { OpBlock } from '../../runtime/block/op/rpc.ts';
import { ComputeGasLimitError, REX_TX_COMPUTE_GAS_LIMIT, RexComputeLimit } from '../../runtime/block/op/mega-limits.ts';
import { MEGA_ORACLE, MEGA_SYSTEM_ADDRESS } from '../../runtime/block/op/rules.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader, ensureCompiler } from '../../runtime/loader/wasm.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { type Tx, type TxEnv, runTransaction } from '../../runtime/tx/index.ts';

const SENDER = '0x1000000000000000000000000000000000000001';
const PROBE = '0x2000000000000000000000000000000000000002';
const COINBASE = '0x3000000000000000000000000000000000000003';
const code = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (a: string) => a.slice(2);

const env = (): TxEnv => ({
  number: 10n, timestamp: 1n, coinbase: COINBASE, gasLimit: 2_000_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 6342n, blobBaseFee: 1n, blockHash: () => 0n,
});
const tx = (to: string, gasLimit = 1_000_000n, sender = SENDER): Tx => ({
  type: 2, sender, nonce: 0n, gasLimit, to, value: 0n, data: new Uint8Array(0),
  maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, accessList: [], blobVersionedHashes: [], authorizationList: [],
});

/** Run `body` (hex, ends the frame itself) as PROBE's code under REX; returns the result and the limit state. */
function run(loader: ContractLoader, body: string, gasLimit = 1_000_000n, sender = SENDER) {
  const be = new MemoryBackend();
  be.setAccount(sender, { balance: 10n ** 20n, nonce: 0n, code: new Uint8Array(0) });
  be.setAccount(PROBE, { balance: 0n, nonce: 1n, code: code(body) });
  be.setAccount(COINBASE, { balance: 5n, nonce: 0n, code: new Uint8Array(0) });
  be.setAccount(MEGA_ORACLE, { balance: 0n, nonce: 1n, code: code('00') });
  const limits = new RexComputeLimit(MEGA_ORACLE, MEGA_SYSTEM_ADDRESS);
  const salt = new SaltStorageGas();
  const e = { ...env(), chainRules: rexHostRules(salt, limits) };
  const r = runTransaction(new WorldState(be), tx(PROBE, gasLimit, sender), e, Fork.Prague, loader, rexTxHooks(salt, limits, COINBASE, () => 0));
  return { r, limits };
}

const engines: [string, () => Promise<ContractLoader | undefined>][] = [
  ['wasm', async () => (await ensureCompiler(), new WasmLoader({ volatileEnv: true }))],
  ['native', async () => (nativeUnavailableReason() ? undefined : new NativeLoader({ volatileEnv: true }))],
];

// PUSH0 … CALL(gas, oracle, 0, 0, 0, 0, 0) POP STOP
const CALL_ORACLE = '5f5f5f5f5f73' + hex(MEGA_ORACLE) + '5af15000';

describe.each(engines)('REX volatile-data reads, %s engine', (name, make) => {
  it('the spec\'s block-environment opcodes are seen, others are not', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const volatile: [string, string][] = [
      ['NUMBER', '43'], ['TIMESTAMP', '42'], ['COINBASE', '41'], ['PREVRANDAO', '44'], ['GASLIMIT', '45'], ['BASEFEE', '48'],
      ['BLOBBASEFEE', '4a'], ['BLOCKHASH', '600140'], ['BLOBHASH', '5f49'],
    ];
    for (const [op, h] of volatile) {
      const { r, limits } = run(loader, h + '5000');
      expect(r.status, op).toBe('success');
      expect([...limits.seen], op).toEqual(['blockEnv']);
      expect(limits.detainedCap, op).toBe(20_000_000n);
    }
    for (const [op, h] of [['CHAINID', '46'], ['CALLER', '33'], ['GAS', '5a']]) {
      const { r, limits } = run(loader, h + '5000');
      expect(r.status, op).toBe('success');
      expect([...limits.seen], op).toEqual([]);
    }
  });

  it('BALANCE of the coinbase is a beneficiary read, of another account not; a CALL into the Oracle an oracle read', async () => {
    const loader = await make();
    if (!loader) return;
    expect([...run(loader, '73' + hex(COINBASE) + '315000').limits.seen]).toEqual(['beneficiary']);
    expect([...run(loader, '73' + hex(SENDER) + '315000').limits.seen]).toEqual([]);
    const o = run(loader, CALL_ORACLE);
    expect([...o.limits.seen]).toEqual(['oracle']);
    expect(o.limits.detainedCap).toBe(1_000_000n);
  });
});

describe('volatileEnv in the cache key', () => {
  it('executeOpBlock refuses a REX block on a loader without it (its code would read TIMESTAMP unseen)', async () => {
    const block = { header: { number: 1n, timestamp: 1n }, items: [] } as unknown as OpBlock;
    await expect(executeOpBlock(block, new WorldState(new MemoryBackend()), { chain: CHAINS.megaeth, loader: new WasmLoader() }))
      .rejects.toThrow(VolatileEnvLoaderError);
  });

  it('wasm and native loaders key the two builds apart', () => {
    const c = code('4200');
    expect(new WasmLoader({ volatileEnv: true }).entryKey(c, Fork.Prague).options).not.toBe(new WasmLoader().entryKey(c, Fork.Prague).options);
    expect(new NativeLoader({ volatileEnv: true }).entryKey(c, Fork.Prague).options).not.toBe(new NativeLoader().entryKey(c, Fork.Prague).options);
  });
});

// JUMPDEST PUSH0 JUMP: 1 + 2 + 8 = 11 gas per round, forever.
const LOOP = '5b5f56';

describe.each(engines)('REX compute-gas limit (200,000,000), %s engine', (name, make) => {
  it('a loop under a 210 M gas limit may pass 200 M of compute gas: refused; under 190 M it runs out of gas as on Ethereum', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    expect(REX_TX_COMPUTE_GAS_LIMIT).toBe(200_000_000n);
    expect(() => run(loader, LOOP, 210_000_000n)).toThrow(ComputeGasLimitError);
    const { r } = run(loader, LOOP, 190_000_000n);
    expect(r.status).toBe('halt');
    expect(r.gasUsed).toBe(190_000_000n);
  });

  it('storage gas does not count: a LOG0 of 2,600,000 bytes (208 M of storage gas) in a 250 M transaction runs', async () => {
    const loader = await make();
    if (!loader) return;
    // PUSH4 2,600,000 PUSH0 LOG0 STOP
    const { r, limits } = run(loader, '630027ac40' + '5f' + 'a0' + '00', 250_000_000n);
    expect(r.status).toBe('success');
    const words = 2_600_000n / 32n;
    const memory = 3n * words + (words * words) / 512n;
    // Compute gas from the spec's schedule (Prague): intrinsic 21,000, PUSH4 3, PUSH0 2, LOG0 375 + 8/byte + memory.
    const compute = 21_000n + 3n + 2n + 375n + 8n * 2_600_000n + memory;
    expect(limits.lastBound).toBe(compute);
    // Storage gas from the spec text: 39,000 per transaction, 80 per LOG data byte.
    expect(r.gasUsed).toBe(compute + 39_000n + 80n * 2_600_000n);
  });
});
