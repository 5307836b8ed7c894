/**
 * @file The block oracle: @ethereumjs/vm 10.1.3 `runBlock` on a {@link BlockFixture}, as measured to reproduce
 * mainnet receipts roots: the block built from its RPC JSON with `setHardfork: true` (fork by number/timestamp),
 * run with `generate: true` (10.1.3 cannot skip only the stateRoot check, which a partial pre-state fails),
 * `skipBlockValidation`, `skipHeaderValidation`, and a blockchain stub serving the fixture's block hashes to
 * BLOCKHASH. Uncles come only as hashes in RPC JSON, so none are passed (as mevmc's executor, which then pays no
 * uncle inclusion reward either).
 *
 * Per transaction it records gas, status (a Frontier code-store out-of-gas counts as success: ethereumjs keeps its
 * state and logs), logs, and what the transaction wrote: every state-manager write
 * (putAccount, deleteAccount, modifyAccountFields, putCode, putStorage) is noted and the written accounts and
 * slots are read back after the transaction, so a test can compare them with mevmc's state after it.
 */
import { createBlockFromRPC } from '@ethereumjs/block';
import { Common } from '@ethereumjs/common';
import { Address, bigIntToBytes, bytesToBigInt, hexToBytes, setLengthLeft } from '@ethereumjs/util';
import { createVM, runBlock } from '@ethereumjs/vm';
import { Fork } from '../../../src/evm/forks.ts';
import type { Log } from '../../state/world.ts';
import type { BlockFixture } from './fixture.ts';
import { jsonQuantity as big, referencePreState } from '../reference/pre-state.ts';

/** An account as read back from the oracle's state (undefined: does not exist). */
export interface AccountSnap {
  balance: bigint;
  nonce: bigint;
  /** 0x-hex keccak of the code. */
  codeHash: string;
}

/** What one transaction wrote, read back after it: accounts by address, slots by address. */
export interface Writes {
  accounts: Map<string, AccountSnap | undefined>;
  storage: Map<string, Map<bigint, bigint>>;
}

/** The oracle's view of one transaction. */
export interface ReferenceTx {
  gasUsed: bigint;
  status: 'success' | 'revert' | 'halt';
  logs: Log[];
  writes: Writes;
}

/** The oracle's result for a block. */
export interface ReferenceBlock {
  gasUsed: bigint;
  receiptsRoot: string;
  logsBloom: string;
  /** The state root after the block (meaningful when the pre-state is complete, as a generated block's). */
  stateRoot: string;
  txs: ReferenceTx[];
  /** Milliseconds in runBlock (including its stateRoot generation, which it cannot skip). */
  execMs: number;
  /** Read an account / a slot after the block. */
  account(address: string): Promise<AccountSnap | undefined>;
  storage(address: string, slot: bigint): Promise<bigint>;
}

const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');

/** Run `f` through @ethereumjs/vm `runBlock`; `fork` only picks the Common's starting point (setHardfork decides). */
export async function runBlockReference(f: BlockFixture, fork: Fork): Promise<ReferenceBlock> {
  const { common, sm } = await referencePreState(f.pre, fork);

  // Note every write of the running transaction.
  let written: { accounts: Set<string>; slots: Map<string, Set<string>> } = { accounts: new Set(), slots: new Map() };
  const noteAccount = (a: Address) => written.accounts.add(a.toString().toLowerCase());
  for (const m of ['putAccount', 'deleteAccount', 'modifyAccountFields', 'putCode'] as const) {
    const orig = (sm[m] as (...x: unknown[]) => Promise<void>).bind(sm);
    (sm as unknown as Record<string, unknown>)[m] = (a: Address, ...rest: unknown[]) => (noteAccount(a), orig(a, ...rest));
  }
  const putStorage = sm.putStorage.bind(sm);
  sm.putStorage = (a: Address, key: Uint8Array, value: Uint8Array) => {
    const addr = a.toString().toLowerCase();
    let s = written.slots.get(addr);
    if (!s) written.slots.set(addr, (s = new Set()));
    s.add(hex(key));
    return putStorage(a, key, value);
  };

  const readAccount = async (address: string): Promise<AccountSnap | undefined> => {
    const acc = await sm.getAccount(new Address(hexToBytes(address as `0x${string}`)));
    return acc === undefined ? undefined : { balance: acc.balance, nonce: acc.nonce, codeHash: hex(acc.codeHash) };
  };
  const readSlot = async (address: string, slot: bigint): Promise<bigint> =>
    bytesToBigInt(await sm.getStorage(new Address(hexToBytes(address as `0x${string}`)), setLengthLeft(bigIntToBytes(slot), 32)));

  const blockchain = {
    getBlock: async (n: number) => ({ hash: () => setLengthLeft(bigIntToBytes(f.blockHashes.get(BigInt(n)) ?? 0n), 32) }),
  };
  const vm = await createVM({ common, stateManager: sm, blockchain: blockchain as never });
  const block = createBlockFromRPC(f.block as never, [], { common, setHardfork: true, skipConsensusFormatValidation: true } as never);

  const txWrites: Writes[] = [];
  vm.events.on('beforeTx', () => {
    written = { accounts: new Set(), slots: new Map() };
  });
  vm.events.on('afterTx', (_e: unknown, resolve?: (r?: unknown) => void) => {
    void (async () => {
      const w: Writes = { accounts: new Map(), storage: new Map() };
      for (const a of written.accounts) w.accounts.set(a, await readAccount(a));
      for (const [a, slots] of written.slots) {
        const m = new Map<bigint, bigint>();
        for (const s of slots) m.set(BigInt(s), await readSlot(a, BigInt(s)));
        w.storage.set(a, m);
      }
      txWrites.push(w);
    })().then(() => resolve?.());
  });

  const t0 = performance.now();
  const r = await runBlock(vm, { block, generate: true, skipBlockValidation: true, skipHeaderValidation: true, setHardfork: true } as never);
  const execMs = performance.now() - t0;
  const txs = r.results.map((t, i): ReferenceTx => {
    let err = t.execResult.exceptionError?.error;
    // Frontier: ethereumjs reports a creation whose code deposit ran out of gas as an error but keeps its state and
    // logs (evm.js dismisses it for Chainstart): a success, as geth and mevmc count it.
    if (err === 'code store out of gas' && vm.common.hardfork() === 'chainstart') err = undefined;
    return {
      gasUsed: t.totalGasSpent,
      status: err === undefined ? 'success' : err === 'revert' ? 'revert' : 'halt',
      logs: t.receipt.logs.map(([addr, topics, data]) => ({ address: hex(addr), topics: topics.map((x) => bytesToBigInt(x)), data })),
      writes: txWrites[i],
    };
  });
  return {
    gasUsed: r.gasUsed, receiptsRoot: hex(r.receiptsRoot), logsBloom: hex(r.logsBloom), stateRoot: hex(r.stateRoot), txs, execMs,
    account: readAccount, storage: readSlot,
  };
}
