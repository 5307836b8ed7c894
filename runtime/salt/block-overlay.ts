/**
 * @file A block's pending changes over a SALT key/value source, as a `StateBackend`: what the full store
 * (`SaltBackend`) and the witness-backed one (`StatelessBackend`) share. Transactions' diffs are buffered per
 * account (null = deleted) and per slot, with "cleared" accounts whose committed slots no longer count; reads look
 * at the overlay first, then the source. `keyChanges` turns the overlay into the block's SALT batch with MegaETH's
 * mapping, dropping writes that leave a key as it is.
 */
import { type Account, type StateBackend, StateBackendError, type StateDiff } from '../state/world.ts';
import { accountValue, bytesEqual, decodeAccountValue, storageKey, storageValue } from './keys.ts';
import type { KeyChange } from './state.ts';

export const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
export const addrBytes = (address: string): Uint8Array => new Uint8Array(Buffer.from(address.slice(2), 'hex'));
export const beToBigint = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt('0x' + hexOf(b)));

/** An account's code hash is in SALT but its code is not where code is kept. */
export class MissingCodeError extends StateBackendError {
  override name = 'MissingCodeError';
}

/** One key of the block's batch, with whether the source holds it now. */
export type OverlayChange = KeyChange & { had: boolean };

export abstract class BlockOverlayBackend implements StateBackend {
  /** Null = account deleted. */
  protected readonly pendingAccounts = new Map<string, Account | null>();
  protected readonly pendingStorage = new Map<string, Map<bigint, bigint>>();
  /** Accounts whose committed slots no longer count (deleted or re-created in this block). */
  protected readonly pendingCleared = new Set<string>();

  /** The committed value of a plain key. */
  protected abstract lookup(key: Uint8Array): Uint8Array | undefined;
  /** Code by hash (undefined: not available), and the name of where code comes from, for the error. */
  protected abstract codeOf(hash: Uint8Array): Uint8Array | undefined;
  protected abstract readonly codeSourceName: string;
  protected abstract hashOf(code: Uint8Array): Uint8Array;
  /** Committed non-zero slots of `address`. */
  protected abstract committedSlots(address: string): Iterable<[bigint, bigint]>;
  /** Committed account addresses. */
  protected abstract committedAddresses(): Iterable<string>;
  /** Called for each account's code as a diff is buffered (a store persists it). */
  protected onCode(_code: Uint8Array): void {}

  /** Whether changes are pending (a block executed but not committed). */
  get dirty(): boolean {
    return this.pendingAccounts.size > 0 || this.pendingStorage.size > 0 || this.pendingCleared.size > 0;
  }

  getAccount(address: string): Account | undefined {
    const p = this.pendingAccounts.get(address);
    if (p !== undefined) return p ?? undefined;
    const v = this.lookup(addrBytes(address));
    if (!v) return undefined;
    const a = decodeAccountValue(v);
    const code = this.codeOf(a.codeHash!);
    if (!code) throw new MissingCodeError(`${address}: code 0x${hexOf(a.codeHash!)} is not in the ${this.codeSourceName}`);
    return { balance: a.balance, nonce: a.nonce, code };
  }

  getStorage(address: string, slot: bigint): bigint {
    const v = this.pendingStorage.get(address)?.get(slot);
    if (v !== undefined) return v;
    if (this.pendingCleared.has(address)) return 0n;
    const b = this.lookup(storageKey(addrBytes(address), slot));
    return b ? beToBigint(b) : 0n;
  }

  *storageEntries(address: string): Iterable<[bigint, bigint]> {
    const pending = this.pendingStorage.get(address);
    if (pending) for (const [k, v] of pending) if (v !== 0n) yield [k, v];
    if (this.pendingCleared.has(address)) return;
    for (const [k, v] of this.committedSlots(address)) if (!pending?.has(k)) yield [k, v];
  }

  *addresses(): Iterable<string> {
    for (const [a, acc] of this.pendingAccounts) if (acc) yield a;
    for (const a of this.committedAddresses()) if (!this.pendingAccounts.has(a)) yield a;
  }

  /** Buffer one transaction's changes (the source is written when the block is). */
  applyDiff(diff: StateDiff): void {
    for (const [address, d] of diff) {
      if (!d.after) {
        this.pendingAccounts.set(address, null);
        this.pendingCleared.add(address);
        this.pendingStorage.delete(address);
        continue;
      }
      this.pendingAccounts.set(address, d.after);
      if (d.after.code.length) this.onCode(d.after.code);
      let m = this.pendingStorage.get(address);
      if (d.storageCleared) {
        this.pendingCleared.add(address);
        m?.clear();
      }
      for (const [k, v] of d.storage) {
        if (!m) this.pendingStorage.set(address, (m = new Map()));
        m.set(k, v);
      }
    }
  }

  /**
   * The overlay as SALT key changes in address order (no-op writes dropped; cleared accounts' slots deleted),
   * compared with `current` (the source's value, read without counting as an execution read).
   */
  protected overlayChanges(current: (key: Uint8Array) => Uint8Array | undefined): OverlayChange[] {
    const out: OverlayChange[] = [];
    const push = (key: Uint8Array, value: Uint8Array | undefined): void => {
      const cur = current(key);
      if (value === undefined ? cur !== undefined : !cur || !bytesEqual(cur, value)) out.push({ key, value, had: cur !== undefined });
    };
    const addresses = new Set<string>([...this.pendingAccounts.keys(), ...this.pendingStorage.keys(), ...this.pendingCleared]);
    for (const address of [...addresses].sort()) {
      const ab = addrBytes(address);
      if (this.pendingAccounts.has(address)) {
        const a = this.pendingAccounts.get(address);
        push(ab, a ? accountValue({ nonce: a.nonce, balance: a.balance, codeHash: this.hashOf(a.code) }) : undefined);
      }
      const pending = this.pendingStorage.get(address);
      if (this.pendingCleared.has(address)) {
        for (const [slot] of this.committedSlots(address)) if (!pending?.has(slot)) out.push({ key: storageKey(ab, slot), value: undefined, had: true });
      }
      for (const [slot, v] of pending ?? []) push(storageKey(ab, slot), storageValue(v));
    }
    return out;
  }

  /** Drop the overlay. */
  protected clearOverlay(): void {
    this.pendingAccounts.clear();
    this.pendingStorage.clear();
    this.pendingCleared.clear();
  }
}
