/**
 * @file Test helper: a whole state as SALT key/values with keys.ts's mapping, and its root built from scratch in one
 * batch on a fresh SaltState — the independent path SaltBackend's incremental roots are checked against.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { toHex } from '../../runtime/salt/field.ts';
import { accountKey, accountValue, storageKey, storageValue } from '../../runtime/salt/keys.ts';
import { type KeyChange, SaltState } from '../../runtime/salt/state.ts';
import type { StateBackend } from '../../runtime/state/world.ts';

const addr = (a: string) => new Uint8Array(Buffer.from(a.slice(2), 'hex'));

/** Every account and non-zero slot of `be` as SALT plain key → value (empty accounts have none). */
export function saltKeyValues(be: StateBackend): KeyChange[] {
  const changes: KeyChange[] = [];
  for (const a of be.addresses()) {
    const acc = be.getAccount(a)!;
    const value = accountValue({ nonce: acc.nonce, balance: acc.balance, codeHash: keccak_256(acc.code) });
    if (value) changes.push({ key: accountKey(addr(a)), value });
    for (const [k, v] of be.storageEntries(a)) if (v !== 0n) changes.push({ key: storageKey(addr(a), k), value: storageValue(v) });
  }
  return changes;
}

/** The SALT root (hex, no 0x) of every account and slot of `be`, inserted as one batch. */
export function independentRoot(be: StateBackend): string {
  return toHex(new SaltState().applyBatch(saltKeyValues(be)));
}

/** How many SALT keys differ between two states (inserted, changed or deleted). */
export function keysChanged(a: StateBackend, b: StateBackend): number {
  const m = (be: StateBackend) => new Map(saltKeyValues(be).map((c) => [toHex(c.key), toHex(c.value!)]));
  const [x, y] = [m(a), m(b)];
  let n = 0;
  for (const [k, v] of x) if (y.get(k) !== v) n++;
  for (const k of y.keys()) if (!x.has(k)) n++;
  return n;
}
