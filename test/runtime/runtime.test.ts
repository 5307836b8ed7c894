/**
 * @file The embedding API (runtime/index.ts): `Runtime` deploys a Solidity token, transfers, calls and reverts, each
 * transaction checked against @ethereumjs/vm `runTx` (status, gas used, logs, created address, return data and the
 * state root after it); eth_call commits nothing; dumpState/fromState round-trips; rejected transactions change
 * nothing; revert reasons (Error, Panic codes, custom errors) decode; WorldState.diff/commit on their own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBlock } from '@ethereumjs/block';
import { Common, Mainnet } from '@ethereumjs/common';
import { createLegacyTx } from '@ethereumjs/tx';
import { Account as EjsAccount, Address, bytesToHex, hexToBytes, toChecksumAddress } from '@ethereumjs/util';
import { type VM, createVM, runTx } from '@ethereumjs/vm';
import { describe, expect, it } from 'vitest';
import {
  DEV_ACCOUNT, MemoryBackend, Runtime, TxRejectedError, WorldState, compile, decodeResult, encodeCall, nativeUnavailableReason,
  stateRoot, type ExecutionResult,
} from '../../runtime/index.ts';
import { stateCache } from '../../runtime/state/state-cache.ts';
import { compileSolidity } from '../helpers/solc.ts';

const ROOT = join(import.meta.dirname, '../..');
const TOKEN = compileSolidity(readFileSync(join(ROOT, 'corpus/contracts/Token.sol'), 'utf8'), 'Token');
const ME = DEV_ACCOUNT.address;
const BOB = '0x' + 'b0'.repeat(20);
const FUNDS = 10n ** 22n;
const NATIVE_UNAVAILABLE = nativeUnavailableReason();
const hexOf = (b: Uint8Array): string => bytesToHex(b);

/** The same chain on @ethereumjs/vm: transactions signed with the dev key, gas price 0, base fee 0. */
class Reference {
  private nonce = 0n;
  private constructor(private readonly vm: VM, private readonly common: Common) {}
  static async create(): Promise<Reference> {
    const common = new Common({ chain: Mainnet, hardfork: 'cancun' });
    const vm = await createVM({ common });
    await vm.stateManager.putAccount(new Address(hexToBytes(ME)), new EjsAccount(0n, FUNDS));
    return new Reference(vm, common);
  }
  async tx(to: string | undefined, data: Uint8Array | string, value = 0n): Promise<ExecutionResult> {
    const tx = createLegacyTx({ nonce: this.nonce++, gasPrice: 0, gasLimit: 30_000_000, to: to as `0x${string}` | undefined, value, data: typeof data === 'string' ? hexToBytes(data as `0x${string}`) : data }, { common: this.common })
      .sign(hexToBytes(DEV_ACCOUNT.privateKey));
    const header = { number: 1n, timestamp: 1_700_000_000n, gasLimit: 30_000_000n, baseFeePerGas: 0n, excessBlobGas: 0n, difficulty: 0n, mixHash: new Uint8Array(32) };
    const block = createBlock({ header }, { common: this.common, skipConsensusFormatValidation: true });
    const r = await runTx(this.vm, { tx, block, skipHardForkValidation: true });
    const err = r.execResult.exceptionError?.error;
    return {
      status: err === undefined ? 'success' : err === 'revert' ? 'revert' : 'halt', gasUsed: r.totalGasSpent,
      logs: r.receipt.logs.map(([a, topics, d]) => ({ address: hexOf(a), topics: topics.map(hexOf), data: hexOf(d) })),
      returnData: hexOf(r.execResult.returnValue),
      ...(r.createdAddress && err === undefined ? { contractAddress: r.createdAddress.toString() } : {}),
    };
  }
  async root(): Promise<string> {
    return hexOf(await this.vm.stateManager.getStateRoot());
  }
}

const rootOf = (rt: Runtime): string => hexOf(stateRoot(new WorldState(rt.backend)));
const pick = (r: ExecutionResult) => ({ status: r.status, gasUsed: r.gasUsed, logs: r.logs, returnData: r.returnData, contractAddress: r.contractAddress });

describe('Runtime: a Solidity token against @ethereumjs/vm runTx', () => {
  it('deploy, mint, transfer, failing transfer, overflow: same results and state roots', async () => {
    const rt = new Runtime({ fork: 'cancun' });
    rt.setAccount(ME, { balance: FUNDS });
    const ref = await Reference.create();
    expect(rootOf(rt)).toBe(await ref.root());

    const d = await rt.deploy({ from: ME, data: TOKEN.initCode, abi: TOKEN.abi });
    expect(d.status).toBe('success');
    expect(pick(d)).toEqual(pick(await ref.tx(undefined, TOKEN.initCode)));
    expect(d.returnData).toBe(TOKEN.runtimeCode); // a creation returns the deployed code
    expect(rt.getCode(d.contractAddress!)).toBe(TOKEN.runtimeCode);
    expect(rootOf(rt)).toBe(await ref.root());
    const token = d.contractAddress!;

    const steps: [Uint8Array, string][] = [
      [encodeCall('mint(address,uint256)', [ME, 1000n]), 'success'],
      [encodeCall('transfer(address,uint256)', [BOB, 250n]), 'success'],
      [encodeCall('transfer(address,uint256)', [BOB, 5000n]), 'revert'],
      [encodeCall('mint(address,uint256)', [ME, (1n << 256n) - 1n]), 'revert'],
      [encodeCall('approve(address,uint256)', [BOB, 7n]), 'success'],
    ];
    for (const [data, status] of steps) {
      const r = await rt.transact({ from: ME, to: token, data });
      expect(r.status).toBe(status);
      expect(pick(r)).toEqual(pick(await ref.tx(token, data)));
      expect(rootOf(rt)).toBe(await ref.root());
    }
    expect(rt.getNonce(ME)).toBe(BigInt(steps.length + 1));
    const bal = async (who: string) => decodeResult('balanceOf(address)(uint256)', (await rt.call({ to: token, data: encodeCall('balanceOf(address)', [who]) })).returnData)[0];
    expect(await bal(ME)).toBe(750n);
    expect(await bal(BOB)).toBe(250n);
  });

  it('revert reasons: custom error from the registered ABI, Panic with its meaning', async () => {
    const rt = new Runtime();
    const { contractAddress: token } = await rt.deploy({ from: ME, data: TOKEN.initCode, abi: TOKEN.abi });
    const r = await rt.transact({ from: ME, to: token!, data: encodeCall('transfer(address,uint256)', [BOB, 1n]) });
    expect(r).toMatchObject({ status: 'revert', error: 'InsufficientBalance(0, 1)', revert: { name: 'InsufficientBalance', args: [0n, 1n] } });
    const notOwner = await rt.transact({ from: BOB, to: token!, data: encodeCall('mint(address,uint256)', [BOB, 1n]) });
    expect(notOwner.error).toBe(`NotOwner(${toChecksumAddress(BOB)})`);
    await rt.transact({ from: ME, to: token!, data: encodeCall('mint(address,uint256)', [ME, 1n]) });
    const overflow = await rt.transact({ from: ME, to: token!, data: encodeCall('mint(address,uint256)', [ME, (1n << 256n) - 1n]) });
    expect(overflow.error).toBe('Panic(0x11): arithmetic overflow or underflow');
  });

  it('call (eth_call) returns data and commits nothing', async () => {
    const rt = new Runtime();
    const { contractAddress: token } = await rt.deploy({ from: ME, data: TOKEN.initCode });
    await rt.transact({ from: ME, to: token!, data: encodeCall('mint(address,uint256)', [ME, 100n]) });
    const before = JSON.stringify(rt.dumpState());
    const r = await rt.call({ from: ME, to: token!, data: encodeCall('transfer(address,uint256)', [BOB, 40n]) });
    expect(r.status).toBe('success');
    expect(decodeResult('transfer(address,uint256)(bool)', r.returnData)).toEqual([true]);
    expect(r.logs).toHaveLength(1);
    expect(JSON.stringify(rt.dumpState())).toBe(before);
    expect(rt.getNonce(ME)).toBe(2n);
    // eth_calls share one WorldState, discarded after each: the same call again sees cold slots and the committed state.
    const again = await rt.call({ from: ME, to: token!, data: encodeCall('transfer(address,uint256)', [BOB, 40n]) });
    expect({ gasUsed: again.gasUsed, logs: again.logs.length }).toEqual({ gasUsed: r.gasUsed, logs: 1 });
  });

  it('dumpState / fromState round trip, and the restored chain continues identically', async () => {
    const rt = new Runtime();
    rt.setAccount(ME, { balance: 123n });
    const { contractAddress: token } = await rt.deploy({ from: ME, data: TOKEN.initCode });
    await rt.transact({ from: ME, to: token!, data: encodeCall('mint(address,uint256)', [BOB, 9n]) });
    const dump = rt.dumpState();
    expect(dump[ME]).toEqual({ balance: '0x7b', nonce: 2 });
    expect(Object.keys(dump[token!].storage!)).toHaveLength(3); // balanceOf[BOB], totalSupply, owner
    const copy = Runtime.fromState(JSON.parse(JSON.stringify(dump)));
    expect(copy.dumpState()).toEqual(dump);
    expect(rootOf(copy)).toBe(rootOf(rt));
    const data = encodeCall('mint(address,uint256)', [ME, 5n]);
    expect(await copy.transact({ from: ME, to: token!, data })).toEqual(await rt.transact({ from: ME, to: token!, data }));
    expect(copy.dumpState()).toEqual(rt.dumpState());
  });

  it('a rejected transaction throws and changes nothing', async () => {
    const rt = new Runtime({ block: { baseFee: 7n } });
    rt.setAccount(ME, { balance: 10n });
    const before = JSON.stringify(rt.dumpState());
    await expect(rt.transact({ from: ME, to: BOB, value: 1n })).rejects.toThrow(TxRejectedError); // 21000 gas * 7 > 10
    await expect(rt.transact({ from: ME, to: BOB, gasPrice: 6n })).rejects.toThrow(/base fee/);
    expect(JSON.stringify(rt.dumpState())).toBe(before);
    rt.setAccount(ME, { balance: 10n ** 18n });
    await expect(rt.transact({ from: ME, to: BOB, nonce: 5n })).rejects.toThrow(/nonce mismatch/);
    expect(rt.getNonce(ME)).toBe(0n);
    const r = await rt.transact({ from: ME, to: BOB, value: 3n, gas: 21000n });
    expect(r).toMatchObject({ status: 'success', gasUsed: 21000n });
    expect(rt.getBalance(BOB)).toBe(3n);
    expect(rt.getBalance(ME)).toBe(10n ** 18n - 3n - 21000n * 7n);
  });
});

describe('Runtime: Solidity revert reasons', () => {
  const SRC = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Reverter {
  enum E { A, B }
  error Custom(uint8 code, string why);
  uint256[] arr;
  function fail(string calldata m) external pure { revert(m); }
  function divide(uint256 a, uint256 b) external pure returns (uint256) { return a / b; }
  function check() external pure { assert(false); }
  function enumOf(uint256 x) external pure returns (E) { return E(x); }
  function pop() external { arr.pop(); }
  function at(uint256 i) external view returns (uint256) { return arr[i]; }
  function custom() external pure { revert Custom(7, "seven"); }
  function bare() external pure { revert(); }
}`;
  const C = compileSolidity(SRC, 'Reverter');
  const cases: [string, unknown[], string][] = [
    ['fail(string)', ['no way'], 'no way'],
    ['divide(uint256,uint256)', [1n, 0n], 'Panic(0x12): division or modulo by zero'],
    ['check()', [], 'Panic(0x01): assertion failed'],
    ['enumOf(uint256)', [5n], 'Panic(0x21): conversion to an enum out of range'],
    ['pop()', [], 'Panic(0x31): pop() on an empty array'],
    ['at(uint256)', [3n], 'Panic(0x32): array index out of bounds'],
    ['custom()', [], 'Custom(7, "seven")'],
    ['bare()', [], 'execution reverted'],
  ];
  it.each(cases)('%s', async (sig, args, error) => {
    const rt = new Runtime();
    const { contractAddress } = await rt.deploy({ from: ME, data: C.initCode, abi: C.abi });
    const r = await rt.call({ to: contractAddress!, data: encodeCall(sig, args) });
    expect(r.status).toBe('revert');
    expect(r.error).toBe(error);
  });
});

describe('WorldState.diff / commit', () => {
  const A = '0x' + 'aa'.repeat(20);
  const B = '0x' + 'bb'.repeat(20);
  const setup = () => {
    const be = new MemoryBackend();
    be.setAccount(A, { balance: 5n, nonce: 1n, code: new Uint8Array(0) }, new Map([[1n, 10n], [2n, 20n]]));
    be.setAccount(B, { balance: 1n, nonce: 0n, code: Uint8Array.of(0x00) }, new Map([[9n, 9n]]));
    return { be, w: new WorldState(be) };
  };

  it('reports only real changes and writes them into the backend', () => {
    const { be, w } = setup();
    w.setBalance(A, 7n);
    w.sstore(A, 1n, 0n);
    w.sstore(A, 3n, 30n);
    w.sstore(A, 2n, 20n); // unchanged value: not a change
    w.deleteAccount(B);
    w.setBalance(B, 0n); // an account re-created empty in the overlay still counts as B's new state
    w.deleteAccount(B);
    const d = w.diff();
    expect([...d.keys()].sort()).toEqual([A, B]);
    expect(d.get(A)).toMatchObject({ before: { balance: 5n }, after: { balance: 7n, nonce: 1n }, storageCleared: false });
    expect([...d.get(A)!.storage]).toEqual([[1n, 0n], [3n, 30n]]);
    expect(d.get(B)).toMatchObject({ after: undefined, storageCleared: true });
    expect(be.getAccount(A)!.balance).toBe(5n); // diff() writes nothing
    w.commit();
    expect(be.getAccount(A)!.balance).toBe(7n);
    expect([...be.storageEntries(A)].sort()).toEqual([[2n, 20n], [3n, 30n]]);
    expect(be.getAccount(B)).toBeUndefined();
    expect([...be.storageEntries(B)]).toEqual([]);
    expect(w.diff().size).toBe(0);
  });

  it('after deleteAccount every slot reads 0 for the rest of the transaction, whether its storage was read before or not; a revert brings the slots back', () => {
    const { w } = setup();
    const D = '0x' + 'dd'.repeat(20); // neither an account nor a slot in the backend
    expect(w.sload(A, 1n)).toBe(10n); // A's storage seen before its deletion, B's not
    const cp = w.checkpoint();
    w.deleteAccount(A);
    w.deleteAccount(B);
    w.deleteAccount(D);
    expect([w.sload(A, 1n), w.sload(A, 2n), w.sload(B, 9n), w.sload(D, 1n)]).toEqual([0n, 0n, 0n, 0n]);
    expect([w.originalStorage(A, 1n), w.originalStorage(B, 9n)]).toEqual([10n, 9n]); // EIP-2200's original stays
    w.sstore(D, 1n, 5n);
    w.sstore(B, 9n, 7n);
    expect([w.sload(D, 1n), w.sload(B, 9n)]).toEqual([5n, 7n]);
    expect(w.storageEntries(B)).toEqual([[9n, 7n]]);
    w.revertTo(cp);
    expect([w.sload(A, 1n), w.sload(A, 2n), w.sload(B, 9n), w.sload(D, 1n)]).toEqual([10n, 20n, 9n, 0n]);
    expect(w.storageEntries(B)).toEqual([[9n, 9n]]);
  });

  it('a revert restores each account as the overlay had it: written before, deleted before, or not there', () => {
    const { w } = setup();
    const C = '0x' + 'cc'.repeat(20);
    w.setBalance(A, 7n); // in the overlay before the checkpoint
    w.deleteAccount(B); // deleted in the overlay before the checkpoint
    const cp = w.checkpoint();
    w.setBalance(A, 8n);
    w.bumpNonce(A);
    w.setBalance(B, 3n); // re-created
    w.setBalance(C, 4n); // new
    w.revertTo(cp);
    expect(w.getAccount(A)).toMatchObject({ balance: 7n, nonce: 1n });
    expect(w.getAccount(B)).toBeUndefined();
    expect(w.getAccount(C)).toBeUndefined();
    expect([...w.diff().keys()].sort()).toEqual([A, B].sort());
    // An account only the backend had: back to the backend's.
    const { w: w2 } = setup();
    const cp2 = w2.checkpoint();
    w2.setBalance(A, 9n);
    w2.revertTo(cp2);
    expect(w2.getAccount(A)).toMatchObject({ balance: 5n, nonce: 1n });
    expect(w2.diff().size).toBe(0);
  });

  it('lists written slots in the order first written, for few slots and for many', () => {
    for (const n of [5, 33, 200]) {
      const { w } = setup();
      // A permutation of 1..n (7 is prime to every n here), each slot written twice: the first write decides.
      const keys = Array.from({ length: n }, (_, i) => BigInt(((i * 7) % n) + 1));
      for (const k of keys) w.sstore(A, k, k + 100n);
      for (const k of [...keys].reverse()) w.sstore(A, k, k + 1000n);
      expect([...w.diff().get(A)!.storage]).toEqual(keys.map((k) => [k, k + 1000n]));
    }
  });

  it('commit resets the per-transaction records', () => {
    const { w } = setup();
    w.warmAddress(A);
    w.warmSlot(A, 1n);
    w.tstore(A, 1n, 5n);
    w.sstore(A, 1n, 11n);
    w.addRefund(100n);
    w.addLog({ address: A, topics: [], data: new Uint8Array(0) });
    w.touch(A);
    w.createAccount(B, { balance: 0n, nonce: 1n, code: new Uint8Array(0) });
    w.markDestructed(B, A);
    w.commit();
    expect(w.warmAddress(A)).toBe(false);
    expect(w.warmSlot(A, 1n)).toBe(false);
    expect(w.tload(A, 1n)).toBe(0n);
    expect(w.originalStorage(A, 1n)).toBe(11n); // the committed value is the next transaction's original
    expect(w.refund).toBe(0n);
    expect(w.logs).toEqual([]);
    expect([...w.touched, ...w.created, ...w.destructed.keys()]).toEqual([]);
    // Only the two warm-ups above since the commit: the journal was emptied (with the state cache the slot's warmth
    // is in the cache's journal, and checkpoint() adds the marker that reverts it).
    expect(w.checkpoint()).toBe(stateCache() ? 1 : 2);
    expect(w.storageEntries(B)).toEqual([]); // re-created: B's old slot 9 is gone for good
  });
});

describe('compile (library entry)', () => {
  const code = hexToBytes('0x6001600201600055' as `0x${string}`); // SSTORE(0, 1 + 2)
  it('wasm: a module that WebAssembly accepts; c: C text with the run entry', async () => {
    const wasm = await compile(code, { fork: 'cancun' });
    expect([...wasm.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
    expect(WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>)).toBe(true);
    const c = await compile(bytesToHex(code), { target: 'c' });
    expect(c).toContain('mevmc_run');
  });
  it.skipIf(NATIVE_UNAVAILABLE)(`so: an ELF shared object${NATIVE_UNAVAILABLE ? ` (skipped: ${NATIVE_UNAVAILABLE})` : ''}`, async () => {
    const so = await compile(code, { target: 'so', optimize: 0 });
    expect([...so.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  }, 120_000);
  it('rejects an unknown fork and bad hex', async () => {
    await expect(compile(code, { fork: 'nope' })).rejects.toThrow(/unknown fork/);
    await expect(compile('0x123', {})).rejects.toThrow(/hex/);
  });
});

describe.skipIf(NATIVE_UNAVAILABLE)(`Runtime on the native engine${NATIVE_UNAVAILABLE ? ` (skipped: ${NATIVE_UNAVAILABLE})` : ''}`, () => {
  it('the token transactions give the same results as on wasm', async () => {
    const results: ExecutionResult[][] = [];
    for (const engine of ['wasm', 'native'] as const) {
      const rt = new Runtime({ engine });
      const out: ExecutionResult[] = [];
      const d = await rt.deploy({ from: ME, data: TOKEN.initCode, abi: TOKEN.abi });
      out.push(d);
      for (const data of [encodeCall('mint(address,uint256)', [ME, 10n]), encodeCall('transfer(address,uint256)', [BOB, 4n]), encodeCall('transfer(address,uint256)', [BOB, 40n])]) {
        out.push(await rt.transact({ from: ME, to: d.contractAddress!, data }));
      }
      results.push(out);
      rt.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0].map((r) => r.status)).toEqual(['success', 'success', 'success', 'revert']);
  }, 300_000);
});
