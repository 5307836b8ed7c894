/**
 * @file Plain value transfers through `runTransaction` (its no-code path skips warming, checkpoints and the Executor)
 * against @ethereumjs/vm `runTx`: gas used, status and every involved account after each transaction (existence,
 * balance, nonce) — value 0 to a missing and to an existing empty account (EIP-161 deletes the touched empty one),
 * value to a new account, to the sender itself, to the coinbase, the coinbase as sender, an empty coinbase earning
 * nothing, an access list, calldata (Prague's EIP-7623 floor), and targets that are not plain (a precompile, code,
 * an EIP-7702 delegation) for contrast — on Spurious Dragon, London, Cancun and Prague.
 */
import { createBlock } from '@ethereumjs/block';
import { Common, Mainnet } from '@ethereumjs/common';
import { createAccessList2930Tx, createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx';
import { Account as EjsAccount, Address, hexToBytes } from '@ethereumjs/util';
import { createVM, runTx } from '@ethereumjs/vm';
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import type { Tx } from '../../runtime/tx/decode.ts';
import { runTransaction, type TxEnv } from '../../runtime/tx/run.ts';

const KEY = hexToBytes(('0x' + '42'.repeat(32)) as `0x${string}`);
const KEY2 = hexToBytes(('0x' + '43'.repeat(32)) as `0x${string}`);
const COINBASE = '0x3000000000000000000000000000000000000003';
const FRESH = '0x4000000000000000000000000000000000000004'; // never exists
const EMPTY_ACC = '0x5000000000000000000000000000000000000005'; // exists, empty
const RICH = '0x6000000000000000000000000000000000000006' as const;
const CODE = '0x7000000000000000000000000000000000000007'; // holds code (STOP-free: writes a slot)
const DELEGATED = '0x8000000000000000000000000000000000000008'; // EIP-7702 designator to CODE
const IDENTITY = '0x0000000000000000000000000000000000000004';
const FUNDS = 10n ** 21n;
const BASE_FEE = 7n;

type Kind = 0 | 1 | 2;
interface Step { key: Uint8Array; to: string; value: bigint; kind: Kind; tip?: bigint; data?: string; accessList?: boolean }

const forks: [string, Fork][] = [['spuriousDragon', Fork.SpuriousDragon], ['london', Fork.London], ['cancun', Fork.Cancun], ['prague', Fork.Prague]];

async function check(forkName: string, fork: Fork, coinbase: string, emptyCoinbase: boolean, steps: Step[]): Promise<void> {
  const common = new Common({ chain: Mainnet, hardfork: forkName });
  const vm = await createVM({ common });
  const backend = new MemoryBackend();
  const code = hexToBytes('0x600160015500'); // SSTORE(1, 1)
  const designator = hexToBytes(`0xef0100${CODE.slice(2)}`);
  const london = fork >= Fork.London;
  const put = async (a: string, balance: bigint, bytes?: Uint8Array) => {
    backend.setAccount(a, { balance, nonce: 0n, code: bytes ?? new Uint8Array(0) });
    await vm.stateManager.putAccount(new Address(hexToBytes(a as `0x${string}`)), new EjsAccount(0n, balance));
    if (bytes) await vm.stateManager.putCode(new Address(hexToBytes(a as `0x${string}`)), bytes);
  };
  const senders = [KEY, KEY2].map((k) => createLegacyTx({}, { common }).sign(k).getSenderAddress().toString());
  for (const s of senders) await put(s, FUNDS);
  await put(EMPTY_ACC, 0n);
  await put(RICH, 5n);
  await put(CODE, 0n, code);
  if (fork >= Fork.Prague) await put(DELEGATED, 0n, designator);
  if (emptyCoinbase) await put(coinbase, 0n);
  const header = {
    number: 1n, timestamp: 1_700_000_000n, gasLimit: 30_000_000n, coinbase: hexToBytes(coinbase as `0x${string}`),
    ...(london ? { baseFeePerGas: BASE_FEE } : {}), ...(fork >= Fork.Cancun ? { excessBlobGas: 0n } : {}), difficulty: 0n, mixHash: new Uint8Array(32),
  };
  const block = createBlock({ header }, { common, skipConsensusFormatValidation: true });
  const env: TxEnv = {
    number: 1n, timestamp: 1_700_000_000n, coinbase, gasLimit: 30_000_000n, baseFee: london ? BASE_FEE : 0n, prevRandao: 0n,
    chainId: 1n, blobBaseFee: 1n, blockHash: () => 0n,
  };
  const world = new WorldState(backend);
  const loader = new WasmLoader();
  const nonces = new Map<Uint8Array, number>();
  const watched = [...senders, COINBASE, coinbase, FRESH, EMPTY_ACC, RICH, CODE, DELEGATED, IDENTITY];
  for (const [i, s] of steps.entries()) {
    if (s.kind > 0 && !london && s.kind === 2) continue;
    const nonce = nonces.get(s.key) ?? 0;
    nonces.set(s.key, nonce + 1);
    const data = hexToBytes((s.data ?? '0x') as `0x${string}`);
    const accessList: { address: `0x${string}`; storageKeys: `0x${string}`[] }[] = s.accessList ? [{ address: RICH, storageKeys: [`0x${'00'.repeat(31)}01`] }] : [];
    const base = { nonce, gasLimit: 100_000n, to: s.to as `0x${string}`, value: s.value, data };
    const signed = s.kind === 0 ? createLegacyTx({ ...base, gasPrice: BASE_FEE + 3n }, { common }).sign(s.key)
      : s.kind === 1 ? createAccessList2930Tx({ ...base, gasPrice: BASE_FEE + 3n, accessList }, { common }).sign(s.key)
      : createFeeMarket1559Tx({ ...base, maxFeePerGas: BASE_FEE + 10n, maxPriorityFeePerGas: s.tip ?? 2n, accessList }, { common }).sign(s.key);
    const tx: Tx = {
      type: s.kind, sender: signed.getSenderAddress().toString(), nonce: BigInt(nonce), gasLimit: base.gasLimit, to: s.to, value: s.value, data,
      ...(s.kind === 2 ? { maxFeePerGas: BASE_FEE + 10n, maxPriorityFeePerGas: s.tip ?? 2n } : { gasPrice: BASE_FEE + 3n }),
      accessList: s.kind === 0 ? [] : accessList.map((e) => ({ address: e.address, storageKeys: e.storageKeys.map(BigInt) })),
      blobVersionedHashes: [], authorizationList: [],
    };
    const ours = runTransaction(world, tx, env, fork, loader);
    world.commit();
    const ref = await runTx(vm, { tx: signed, block, skipHardForkValidation: true });
    const note = `${forkName} step ${i} to ${s.to} value ${s.value} type ${s.kind}`;
    expect(ours.status, note).toBe(ref.execResult.exceptionError ? 'halt' : 'success');
    expect(ours.gasUsed, note).toBe(ref.totalGasSpent);
    for (const a of watched) {
      const theirs = await vm.stateManager.getAccount(new Address(hexToBytes(a as `0x${string}`)));
      const mine = backend.getAccount(a);
      expect(mine === undefined ? undefined : { balance: mine.balance, nonce: mine.nonce }, `${note}: account ${a}`)
        .toEqual(theirs === undefined ? undefined : { balance: theirs.balance, nonce: theirs.nonce });
    }
  }
}

describe('plain transfers through runTransaction against @ethereumjs/vm runTx', () => {
  for (const [forkName, fork] of forks) {
    it(`${forkName}: targets missing, empty, new, self, coinbase; not-plain targets for contrast`, async () => {
      const k: Kind = fork >= Fork.London ? 2 : 0;
      const sender2 = createLegacyTx({}, { common: new Common({ chain: Mainnet, hardfork: forkName }) }).sign(KEY2).getSenderAddress().toString();
      const steps: Step[] = [
        { key: KEY, to: FRESH, value: 0n, kind: k }, // value 0 to a missing account: nothing created
        { key: KEY, to: EMPTY_ACC, value: 0n, kind: 0 }, // touched and empty: deleted (EIP-161)
        { key: KEY, to: FRESH, value: 5n, kind: k }, // created
        { key: KEY, to: sender2, value: 3n, kind: 0 }, // to another sender
        { key: KEY2, to: sender2, value: 9n, kind: k }, // to itself
        { key: KEY, to: COINBASE, value: 1n, kind: k },
        { key: KEY, to: RICH, value: 0n, kind: k, data: '0x00ff00ff01' }, // calldata (Prague: the floor)
        { key: KEY, to: IDENTITY, value: 0n, kind: k, data: '0x0102' }, // a precompile: not plain
        { key: KEY, to: CODE, value: 2n, kind: k }, // code: not plain
        ...(fork >= Fork.Berlin ? [{ key: KEY, to: RICH, value: 4n, kind: 1 as Kind, accessList: true }, { key: KEY, to: FRESH, value: 1n, kind: k, accessList: true }] : []),
        ...(fork >= Fork.London ? [{ key: KEY, to: RICH, value: 1n, kind: 2 as Kind, tip: 0n }] : []),
        ...(fork >= Fork.Prague ? [{ key: KEY, to: DELEGATED, value: 1n, kind: k }] : []),
      ];
      await check(forkName, fork, COINBASE, false, steps);
    });
    it(`${forkName}: an empty coinbase earning nothing is deleted; the coinbase as sender`, async () => {
      const common = new Common({ chain: Mainnet, hardfork: forkName });
      const sender = createLegacyTx({}, { common }).sign(KEY).getSenderAddress().toString();
      if (fork >= Fork.London) await check(forkName, fork, EMPTY_ACC.replace('5', '9'), true, [{ key: KEY, to: FRESH, value: 1n, kind: 2, tip: 0n }, { key: KEY, to: RICH, value: 0n, kind: 2, tip: 0n }]);
      await check(forkName, fork, sender, false, [{ key: KEY, to: FRESH, value: 1n, kind: 0 }, { key: KEY, to: sender, value: 2n, kind: 0 }]);
    });
  }
});
