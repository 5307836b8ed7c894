/**
 * @file Where a stateless re-execution first diverges from the chain (issue #18's diagnostic): the block's
 * post-state as we computed it, compared key by key with what the **next** block's witness shows (that witness
 * proves the pre-state of block n + 1, i.e. the post-state of block n, for every key it holds).
 *
 * Stage: `mevmc validate … --chain megaeth` (after execution, before the batch is applied).
 * Input: the partial state of this block's witness, our key changes, the per-transaction diffs, the next witness.
 * Output: every compared key whose value differs, each with the transactions of ours that wrote it; the first
 * divergence = the earliest mismatch one transaction alone wrote (a shared key such as a fee vault cannot name
 * its transaction; a key none of ours wrote means a write we missed).
 * Invariants: only keys present in the next witness are compared (a key absent there is unknown, not "deleted":
 * witnesses prove absence only through bucket probing, which this does not replay); a key this block's witness
 * does not hold and we did not write has no known value of ours and is skipped.
 */
import type { StateDiff } from '../state/world.ts';
import { WitnessLacksKeyError, type PartialSaltState } from './stateless.ts';
import { decodeAccountValue } from './keys.ts';
import type { KeyChange } from './state.ts';
import type { WitnessFile } from './witness.ts';

const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** One key whose value differs. Values are 0x-hex SALT values, undefined = absent. */
export interface KeyDivergence {
  /** 0x + 20-byte address. */
  address: string;
  /** Storage slot (0x-hex), undefined for the account itself. */
  slot?: string;
  ours?: string;
  theirs?: string;
  /** Human-readable difference (account fields decoded). */
  detail: string;
  /** Transaction indexes of ours that wrote the key (-1: before the transactions, `txCount`: after them). */
  writers: number[];
}

/** What {@link compareWithNextWitness} found. */
export interface StateDivergence {
  /** Keys of the next witness whose value we know and compared. */
  compared: number;
  mismatches: KeyDivergence[];
  /** The mismatch written by one transaction alone, the earliest; else the earliest shared one; else a missed write. */
  first?: KeyDivergence;
}

function describe(key: Uint8Array, ours: Uint8Array | undefined, theirs: Uint8Array | undefined): string {
  const show = (v: Uint8Array | undefined): string => {
    if (v === undefined) return 'absent';
    if (key.length !== 20) return '0x' + (BigInt('0x' + (hexOf(v) || '0'))).toString(16);
    const a = decodeAccountValue(v);
    return `nonce ${a.nonce} balance ${a.balance}${a.codeHash && v.length > 40 ? ` code 0x${hexOf(a.codeHash).slice(0, 8)}…` : ''}`;
  };
  let d = `ours ${show(ours)}, next witness ${show(theirs)}`;
  if (key.length === 20 && ours && theirs) {
    const [a, b] = [decodeAccountValue(ours), decodeAccountValue(theirs)];
    const parts: string[] = [];
    if (a.nonce !== b.nonce) parts.push(`nonce ${a.nonce - b.nonce > 0n ? '+' : ''}${a.nonce - b.nonce}`);
    if (a.balance !== b.balance) parts.push(`balance ${a.balance - b.balance > 0n ? '+' : ''}${a.balance - b.balance} wei`);
    if (parts.length) d += ` (ours − theirs: ${parts.join(', ')})`;
  }
  return d;
}

/**
 * Compare our post-state with the next block's witness. `pre` is this block's partial state (pre-batch values),
 * `changes` our key changes (before they are applied), `diffs` the per-transaction diffs in order with the
 * system calls' diff first and the post-transaction diff last.
 */
export function compareWithNextWitness(
  pre: PartialSaltState, changes: readonly KeyChange[], system: StateDiff, txDiffs: readonly StateDiff[], final: StateDiff, next: WitnessFile,
): StateDivergence {
  const ours = new Map<string, Uint8Array | undefined>();
  for (const c of changes) ours.set(hexOf(c.key), c.value);
  const writersOf = (key: Uint8Array): number[] => {
    const address = '0x' + hexOf(key.subarray(0, 20));
    const slot = key.length === 52 ? BigInt('0x' + hexOf(key.subarray(20))) : undefined;
    const hit = (d: StateDiff): boolean => {
      const e = d.get(address);
      if (!e) return false;
      return slot === undefined ? true : e.storage.has(slot) || e.storageCleared === true || !e.after;
    };
    const out: number[] = [];
    if (hit(system)) out.push(-1);
    txDiffs.forEach((d, i) => hit(d) && out.push(i));
    if (hit(final)) out.push(txDiffs.length);
    return out;
  };
  const mismatches: KeyDivergence[] = [];
  let compared = 0;
  const eq = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => (a === undefined || b === undefined ? a === b : hexOf(a) === hexOf(b));
  for (const [k, v] of next.kvs) {
    if (!v || k >> 40n < 65536n) continue; // metadata and proven-empty slots
    const key = v.key;
    const h = hexOf(key);
    let mine: Uint8Array | undefined;
    if (ours.has(h)) mine = ours.get(h);
    else {
      try {
        mine = pre.get(key);
      } catch (e) {
        if (e instanceof WitnessLacksKeyError) continue; // neither read nor written by us: unknown
        throw e;
      }
    }
    compared++;
    if (eq(mine, v.value)) continue;
    mismatches.push({
      address: '0x' + hexOf(key.subarray(0, 20)),
      ...(key.length === 52 ? { slot: '0x' + hexOf(key.subarray(20)) } : {}),
      ...(mine ? { ours: '0x' + hexOf(mine) } : {}),
      theirs: '0x' + hexOf(v.value),
      detail: describe(key, mine, v.value),
      writers: writersOf(key),
    });
  }
  // Keys one transaction alone wrote point at it: earliest of those first; then keys several wrote (a fee
  // vault collects from all), by first writer; then keys none of ours wrote (missed writes), in key order.
  const rank = (m: KeyDivergence): number =>
    m.writers.length === 1 ? m.writers[0] : m.writers.length ? 1e9 + m.writers[0] : Number.MAX_SAFE_INTEGER;
  mismatches.sort((a, b) => rank(a) - rank(b) || (a.address + (a.slot ?? '') < b.address + (b.slot ?? '') ? -1 : 1));
  return { compared, mismatches, first: mismatches[0] };
}
