/**
 * @file A worker's replica of one block's committed state without copying the pre-state per block: the pre-state
 * (decoded once per pool worker, see coordinator.ts › base snapshots) stays untouched underneath, and the block's
 * commits land in an overlay that the next block drops. Building the replica from a snapshot cost 15–40 ms per
 * block on the critical path (the coordinator's encode, the worker's decode) — more than W1/W2 take whole.
 */
import type { Account, StateBackend, StateDiff } from '../state/world.ts';

/** Per written address: its account (undefined: deleted) and its written slots (0n: cleared). */
interface Written {
  account: Account | undefined;
  /** Every slot of the base is gone (deleted or re-created account). */
  cleared: boolean;
  slots: Map<bigint, bigint>;
}

/** `base` read-only, with this block's committed diffs on top. */
export class OverlayBackend implements StateBackend {
  private written = new Map<string, Written>();
  constructor(readonly base: StateBackend) {}

  /** Back to the base alone (the next block). */
  reset(): void {
    if (this.written.size) this.written = new Map();
  }

  getAccount(address: string): Account | undefined {
    const w = this.written.get(address);
    return w ? w.account : this.base.getAccount(address);
  }
  getStorage(address: string, slot: bigint): bigint {
    const w = this.written.get(address);
    if (w) {
      const v = w.slots.get(slot);
      if (v !== undefined) return v;
      if (w.cleared) return 0n;
    }
    return this.base.getStorage(address, slot);
  }
  storageEntries(address: string): Iterable<[bigint, bigint]> {
    const w = this.written.get(address);
    if (!w) return this.base.storageEntries(address);
    const out: [bigint, bigint][] = [];
    if (!w.cleared) for (const [k, v] of this.base.storageEntries(address)) if (!w.slots.has(k)) out.push([k, v]);
    for (const [k, v] of w.slots) if (v !== 0n) out.push([k, v]);
    return out;
  }
  *addresses(): Iterable<string> {
    for (const a of this.base.addresses()) if (!this.written.has(a)) yield a;
    for (const [a, w] of this.written) if (w.account) yield a;
  }
  applyDiff(diff: StateDiff): void {
    for (const [address, d] of diff) {
      let w = this.written.get(address);
      if (!w) this.written.set(address, (w = { account: undefined, cleared: false, slots: new Map() }));
      w.account = d.after;
      if (!d.after || d.storageCleared) {
        w.cleared = true;
        w.slots.clear();
      }
      if (!d.after) continue;
      for (const [k, v] of d.storage) w.slots.set(k, v);
    }
  }
}
