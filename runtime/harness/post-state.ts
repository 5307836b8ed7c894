/**
 * @file The whole post-state of a bare message call on our side (`CaseResult.postState`, runtime/case.ts): the
 * end-of-transaction deletions of runtime/tx/run.ts step 7 applied to the journaled world with its own bookkeeping
 * — SELFDESTRUCTed accounts in address order (from Cancun only those created in this call, EIP-6780), then (Spurious
 * Dragon+, EIP-161) every touched account that is empty — then every account that still exists, as a state root
 * holds it. The world is changed: call this last.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Fork } from '../../src/evm/forks.ts';
import { type PostState, formatPostState } from './case.ts';
import type { WorldState } from '../state/world.ts';

const EMPTY_CODE_HASH = keccak_256(new Uint8Array(0));

const isEmpty = (a: { nonce: bigint; balance: bigint; code: Uint8Array }): boolean => a.nonce === 0n && a.balance === 0n && a.code.length === 0;

/** Apply the end-of-transaction deletions to `world`, then read every account that exists. */
export function finalizedPostState(world: WorldState, fork: Fork): PostState {
  for (const a of [...world.destructed.keys()].sort()) {
    if (fork >= Fork.Cancun && !world.created.has(a)) continue;
    world.deleteAccount(a);
    world.touch(a);
  }
  if (fork >= Fork.SpuriousDragon) {
    for (const a of [...world.touched]) {
      const acc = world.getAccount(a);
      if (acc !== undefined && isEmpty(acc)) world.deleteAccount(a);
    }
  }
  return formatPostState(world.addresses().map((a) => {
    const acc = world.getAccount(a)!;
    return [a, { balance: acc.balance, nonce: acc.nonce, codeHash: acc.code.length ? keccak_256(acc.code) : EMPTY_CODE_HASH }, world.storageEntries(a)];
  }));
}
