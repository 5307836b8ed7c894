/**
 * @file Block-level system calls (EIP-4788 beacon root, EIP-2935 block hashes; Prague's EIP-7002 / EIP-7251
 * request queues), run as geth runs them: a call from the system address with 30M gas, charged to no one, skipped
 * when the contract has no code; the system address is not left behind. Shared by the Ethereum and OP executors.
 */
import { Status } from '../../src/abi/context.ts';
import { Executor } from '../host/call.ts';
import type { BlockContext } from '../host/types.ts';
import type { ContractLoader } from '../loader/types.ts';
import type { Fork } from '../../src/evm/forks.ts';
import type { WorldState } from '../state/world.ts';
import { InvalidBlockError } from './types.ts';

export const SYSTEM_ADDRESS = '0xfffffffffffffffffffffffffffffffffffffffe';
export const BEACON_ROOTS = '0x000f3df6d732807ef1319fb7b8bb8522d0beac02';
export const HISTORY_STORAGE = '0x0000f90827f1c53a10cb7a02335b175320002935';
export const WITHDRAWAL_REQUESTS = '0x00000961ef480eb55e80d19ad83579a64c007002';
export const CONSOLIDATION_REQUESTS = '0x0000bbddc7ce488642fb579f8b00f3a590007251';
const SYSTEM_GAS = 30_000_000n;

/** Call `to` with `data` as the system; a failing call makes the block invalid. */
export function systemCall(world: WorldState, fork: Fork, context: BlockContext, loader: ContractLoader, to: string, data: Uint8Array): void {
  if (world.code(to).length === 0) return;
  const hadSystem = world.getAccount(SYSTEM_ADDRESS) !== undefined;
  const r = new Executor(world, fork, context, loader).run({
    caller: SYSTEM_ADDRESS, address: to, codeAddress: to, origin: SYSTEM_ADDRESS, value: 0n, gasPrice: 0n,
    calldata: data, gas: SYSTEM_GAS, isStatic: false, depth: 0,
  }, false);
  if (r.status !== Status.Stop && r.status !== Status.Return) throw new InvalidBlockError(-1, `system call to ${to} failed`);
  if (!hadSystem && world.getAccount(SYSTEM_ADDRESS) !== undefined) world.deleteAccount(SYSTEM_ADDRESS);
}
