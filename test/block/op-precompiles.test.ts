/**
 * @file The OP stack's precompile set per upgrade (runtime/precompiles/op.ts), each rule by a small case whose
 * numbers come from the spec text (RIP-7212; OP specs `fjord/exec-engine.md`, `granite/exec-engine.md`,
 * `isthmus/exec-engine.md`; op-revm 8.1 `precompiles.rs`), run against Ethereum's table on every engine:
 *
 * - Fjord: P256VERIFY at 0x100 for 3,450 gas (Ethereum Osaka's EIP-7951: 6,900; Prague: no precompile there),
 *   warm from the transaction's start; under MegaETH REX cold for a first CALL and warm for a first BALANCE, like
 *   the other pre-warmed precompiles (docs/megaeth.md §3.4.1).
 * - Granite: bn256 pairing input ≤ 112,687 bytes (586 pairs pass, 587 fail with all gas used).
 * - Isthmus: BLS12-381 G1 MSM ≤ 513,760 bytes (3,211 pairs), G2 MSM ≤ 488,448 (1,696), pairing ≤ 235,008 (612).
 */
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { rexHostRules } from '../../runtime/block/op/mega-gas.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader, ensureCompiler } from '../../runtime/loader/wasm.ts';
import { opPrecompiles } from '../../runtime/precompiles/op.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { type Tx, type TxEnv, runTransaction } from '../../runtime/tx/index.ts';

const SENDER = '0x1000000000000000000000000000000000000001';
const FORWARDER = '0x2000000000000000000000000000000000000002';
const CALL_P256 = '0x3000000000000000000000000000000000000003';
const CALL_ID = '0x4000000000000000000000000000000000000004';
const BAL_P256 = '0x5000000000000000000000000000000000000005';
const BAL_ID = '0x6000000000000000000000000000000000000006';
const P256 = '0x0000000000000000000000000000000000000100';
const ID = '0x0000000000000000000000000000000000000004';
const code = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
// A contract that writes `input` (160 bytes) to memory, CALLs 0x100 with it and all gas, and returns what it
// returned. The input is in the code, not the calldata, so EIP-7623's calldata floor stays below the gas used.
const forward = (input: Uint8Array): string => {
  let c = '';
  for (let i = 0; i < 5; i++) c += '7f' + Buffer.from(input.subarray(32 * i, 32 * i + 32)).toString('hex') + '60' + (32 * i).toString(16).padStart(2, '0') + '52';
  return c + '5f5f60a05f5f' + '610100' + '5af1' + '50' + '3d5f5f3e' + '3d5ff3';
};
// CALL `a` with no data and all gas; BALANCE(`a`).
const callTo = (a: string) => '5f5f5f5f5f' + '73' + a.slice(2) + '5af1' + '50' + '00';
const balanceOf = (a: string) => '73' + a.slice(2) + '3150' + '00';

const env: TxEnv = {
  number: 1n, timestamp: 1n, coinbase: '0x' + '00'.repeat(20), gasLimit: 100_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 10n, blobBaseFee: 1n, blockHash: () => 0n,
};
const opEnv = (u: 'fjord' | 'granite' | 'holocene' | 'isthmus'): TxEnv => ({ ...env, precompiles: opPrecompiles(u) });

function world(forwarderCode = '00'): WorldState {
  const be = new MemoryBackend();
  be.setAccount(SENDER, { balance: 10n ** 20n, nonce: 0n, code: new Uint8Array(0) });
  be.setAccount(FORWARDER, { balance: 0n, nonce: 1n, code: code(forwarderCode) });
  be.setAccount(CALL_P256, { balance: 0n, nonce: 1n, code: code(callTo(P256)) });
  be.setAccount(CALL_ID, { balance: 0n, nonce: 1n, code: code(callTo(ID)) });
  be.setAccount(BAL_P256, { balance: 0n, nonce: 1n, code: code(balanceOf(P256)) });
  be.setAccount(BAL_ID, { balance: 0n, nonce: 1n, code: code(balanceOf(ID)) });
  return new WorldState(be);
}
const tx = (to: string, gasLimit = 1_000_000n, data = new Uint8Array(0)): Tx => ({
  type: 2, sender: SENDER, nonce: 0n, gasLimit, to, value: 0n, data,
  maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, accessList: [], blobVersionedHashes: [], authorizationList: [],
});

const engines: [string, () => Promise<ContractLoader | undefined>][] = [
  ['wasm', async () => (await ensureCompiler(), new WasmLoader())],
  ['native', async () => (nativeUnavailableReason() ? undefined : new NativeLoader())],
];

/** A P-256 signature over a fixed hash: hash ‖ r ‖ s ‖ qx ‖ qy (160 bytes); `valid: false` signs another hash. */
function p256Input(valid: boolean): Uint8Array {
  const key = p256.utils.randomSecretKey(new Uint8Array(48).fill(7));
  const pub = p256.getPublicKey(key, false);
  const hash = new Uint8Array(32).fill(0x42);
  const sig = p256.sign(valid ? hash : new Uint8Array(32).fill(0x43), key, { prehash: false });
  const out = new Uint8Array(160);
  out.set(hash, 0);
  out.set(sig.subarray(0, 64), 32);
  out.set(pub.subarray(1), 96);
  return out;
}
const ONE = new Uint8Array(32);
ONE[31] = 1;

describe.each(engines)('OP Fjord P256VERIFY at 0x100, %s engine', (name, make) => {
  it('a valid signature returns 1 for 3,450 gas (Osaka: 6,900; Prague: an empty account, cold); a bad one returns nothing for 3,450', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const run = (e: TxEnv, fork: Fork, valid = true) => {
      const r = runTransaction(world(forward(p256Input(valid))), tx(FORWARDER), e, fork, loader);
      expect(r.status).toBe('success');
      return r;
    };
    const osaka = run(env, Fork.Osaka);
    const prague = run(env, Fork.Prague);
    expect(osaka.returnData).toEqual(ONE);
    expect(prague.returnData).toEqual(new Uint8Array(0));
    for (const u of ['fjord', 'granite', 'holocene', 'isthmus'] as const) {
      const op = run(opEnv(u), Fork.Prague);
      expect(op.returnData, u).toEqual(ONE);
      expect(op.gasUsed - osaka.gasUsed, u).toBe(3_450n - 6_900n);
      // Prague: CALL to a cold empty account (2,600); OP: warm precompile (100) + 3,450, and RETURNDATACOPY of
      // its one-word output (3).
      expect(op.gasUsed - prague.gasUsed, u).toBe(100n + 3_450n - 2_600n + 3n);
      const bad = run(opEnv(u), Fork.Prague, false);
      expect(bad.returnData, u).toEqual(new Uint8Array(0));
      expect(bad.gasUsed, u).toBe(op.gasUsed - 3n);
    }
  });

  it('warm from the start on an OP chain (CALL 0x100 − CALL 0x04 = 3,450 − 15); under REX a first CALL pays 2,600, a first BALANCE 100', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const op = opEnv('isthmus');
    const rex: TxEnv = { ...op, chainRules: rexHostRules() };
    const gas = (to: string, e: TxEnv) => {
      const r = runTransaction(world(), tx(to), e, Fork.Prague, loader);
      expect(r.status, to).toBe('success');
      return r.gasUsed;
    };
    expect(gas(CALL_P256, op) - gas(CALL_ID, op)).toBe(3_450n - 15n);
    expect(gas(CALL_P256, rex) - gas(CALL_P256, op)).toBe(2_600n - 100n);
    expect(gas(BAL_P256, rex) - gas(BAL_P256, op)).toBe(0n);
    expect(gas(BAL_P256, op)).toBe(gas(BAL_ID, op));
  });
});

describe('OP input limits of bn256 pairing (Granite) and BLS12-381 MSM / pairing (Isthmus)', () => {
  type Upgrade = 'fjord' | 'granite' | 'holocene' | 'isthmus';
  // [precompile, bytes per pair, largest accepted pair count, upgrades that limit it, upgrades that have it]
  const all: Upgrade[] = ['fjord', 'granite', 'holocene', 'isthmus'];
  const cases: [string, number, number, readonly Upgrade[], readonly Upgrade[]][] = [
    ['08', 192, 586, ['granite', 'holocene', 'isthmus'], all],
    ['0c', 160, 3_211, ['isthmus'], ['isthmus']],
    ['0e', 288, 1_696, ['isthmus'], ['isthmus']],
    ['0f', 384, 612, ['isthmus'], ['isthmus']],
  ];
  it.each(cases)('0x%s: %i-byte pairs, %i pass and one more fails with all gas used', async (n, pair, max, limited, has) => {
    await ensureCompiler();
    const loader = new WasmLoader();
    const gasLimit = 40_000_000n;
    // All zeros: points at infinity, which every one of these accepts; the work is priced but cheap to run.
    const run = (pairs: number, e: TxEnv) => runTransaction(world(), tx('0x' + n.padStart(40, '0'), gasLimit, new Uint8Array(pairs * pair)), e, Fork.Prague, loader);
    const ethOk = run(max, env);
    const ethOver = run(max + 1, env);
    expect([ethOk.status, ethOver.status]).toEqual(['success', 'success']);
    for (const u of has) {
      const ok = run(max, opEnv(u));
      expect([ok.status, ok.gasUsed], u).toEqual(['success', ethOk.gasUsed]);
      const over = run(max + 1, opEnv(u));
      if (limited.includes(u)) expect([over.status, over.gasUsed], u).toEqual(['halt', gasLimit]);
      else expect([over.status, over.gasUsed], u).toEqual(['success', ethOver.gasUsed]);
    }
  });
});
