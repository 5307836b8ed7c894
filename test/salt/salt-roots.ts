/**
 * @file Test helper: the SALT root of a whole state built from scratch in one batch with keys.ts's mapping, on a
 * fresh SaltState — the independent path SaltBackend's incremental roots are checked against.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { toHex } from '../../runtime/salt/field.ts';
import { accountKey, accountValue, storageKey, storageValue } from '../../runtime/salt/keys.ts';
import { type KeyChange, SaltState } from '../../runtime/salt/state.ts';
import type { StateBackend } from '../../runtime/state/world.ts';

const addr = (a: string) => new Uint8Array(Buffer.from(a.slice(2), 'hex'));

/** The SALT root (hex, no 0x) of every account and slot of `be`, inserted as one batch. */
export function independentRoot(be: StateBackend): string {
  const changes: KeyChange[] = [];
  for (const a of be.addresses()) {
    const acc = be.getAccount(a)!;
    const value = accountValue({ nonce: acc.nonce, balance: acc.balance, codeHash: keccak_256(acc.code) });
    if (value) changes.push({ key: accountKey(addr(a)), value });
    for (const [k, v] of be.storageEntries(a)) if (v !== 0n) changes.push({ key: storageKey(addr(a), k), value: storageValue(v) });
  }
  return toHex(new SaltState().applyBatch(changes));
}
