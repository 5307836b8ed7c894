/**
 * @file Constants on the stack at block entry: which of the items a block reads from below its entry top hold one
 * known value on every path into it. A forward dataflow over the CFG (static edges and resolved dynamic jumps), each
 * block's entry a window of the top K slots, each a constant or unknown, moved by PUSH/DUP/SWAP/POP; every other
 * result is unknown. Hand-written code keeps its constants deep in the stack and DUPs them where they are used
 * (blake2b_huff's rotation multiplier 2^64 + 1 and shift counts, pushed once at the start): a block that sees them
 * as constants lowers MUL/SHR/AND by them inline instead of calling the builtins.
 *
 * Sound: the entry block and every block the dispatch may enter (any unresolved dynamic jump) start all-unknown, a
 * join keeps a slot only where both sides hold the same constant, and slots below the window are unknown — so a slot
 * known at a block's entry was pushed with that value on every path reaching it.
 */
import { Op, traitsIn } from '../evm/traits.ts';
import { allSuccessors } from './blocks.ts';
import type { Analysis, BlockIdx, InstIdx } from './types.ts';

/** Slots tracked below a block's entry top. */
const K = 32;

/** Top first: state[d − 1] is the item at depth d (1 = top); missing or undefined = unknown. */
type State = (bigint | undefined)[];

/**
 * Per reachable block, the constants among the items it reads below its entry top (depth 1 = top, ≤ stackReq).
 * `skip`: edges left out of the flow (a loop's back edges, for what its header holds when entered from outside);
 * `depth`: how deep to report per block instead of its stackReq (at most K).
 */
export function entryConstants(a: Analysis, opts: { skip?: (from: BlockIdx, to: BlockIdx) => boolean; depth?: (b: BlockIdx) => number } = {}): Map<BlockIdx, Map<number, bigint>> {
  const { blocks, decoded } = a;
  const states: (State | null)[] = new Array(blocks.length).fill(null);
  const fixed = new Uint8Array(blocks.length); // entered from outside the CFG: stays all-unknown
  const work: BlockIdx[] = [];
  const queued = new Uint8Array(blocks.length);
  const enqueue = (t: BlockIdx) => { if (!queued[t]) { queued[t] = 1; work.push(t); } };
  const out = new Map<BlockIdx, Map<number, bigint>>();
  if (blocks.length === 0) return out;
  states[0] = [];
  fixed[0] = 1;
  enqueue(0 as BlockIdx);
  if (a.hasDynamicJumps) for (const t of a.dispatchTargets) { states[t] = []; fixed[t] = 1; enqueue(t); }
  const join = (t: BlockIdx, s: State) => {
    if (t < 0 || t >= blocks.length || fixed[t]) return;
    const cur = states[t];
    if (cur === null) { states[t] = s; enqueue(t); return; }
    const n = Math.min(cur.length, s.length);
    let changed = cur.length !== n;
    const next: State = [];
    for (let i = 0; i < n; i++) {
      const v = cur[i] !== undefined && cur[i] === s[i] ? cur[i] : undefined;
      if (v !== cur[i]) changed = true;
      next.push(v);
    }
    if (changed) { states[t] = next; enqueue(t); }
  };
  while (work.length > 0) {
    const bi = work.pop()!;
    queued[bi] = 0;
    const b = blocks[bi];
    const succ = allSuccessors(b.exit);
    if (succ.length === 0) continue; // its exit state reaches no block
    // Bottom → top, so pushes and pops are array ends; below index 0 everything is unknown.
    const st: (bigint | undefined)[] = states[bi]!.slice(0, K).reverse();
    let ends = false;
    for (let i = b.start; i < b.end && !ends; i++) {
      const op = decoded.ops[i];
      if (op >= Op.PUSH0 && op <= Op.PUSH32) st.push(decoded.pushValues.get(i as InstIdx) ?? 0n);
      else if (op >= Op.DUP1 && op <= Op.DUP16) {
        const n = op - Op.DUP1 + 1;
        st.push(st.length >= n ? st[st.length - n] : undefined);
      } else if (op >= Op.SWAP1 && op <= Op.SWAP16) {
        const n = op - Op.SWAP1 + 1;
        const top = st.length - 1;
        if (st.length >= n + 1) [st[top], st[top - n]] = [st[top - n], st[top]];
        else if (top >= 0) st[top] = undefined; // the other item is below the window: unknown either way
      } else {
        const t = traitsIn(op, a.fork);
        if (t === undefined) { ends = true; break; }
        for (let k = 0; k < t.pops; k++) st.pop();
        for (let k = 0; k < t.pushes; k++) st.push(undefined);
        if (t.terminates) ends = true;
      }
    }
    const s: State = [];
    for (let d = 1; d <= K && d <= st.length; d++) s.push(st[st.length - d]);
    for (const t of succ) if (!opts.skip?.(bi, t)) join(t, s);
  }
  for (const b of blocks) {
    const s = states[b.index];
    if (!b.reachable || s === null) continue;
    let m: Map<number, bigint> | undefined;
    const deep = opts.depth ? opts.depth(b.index) : b.stackReq;
    for (let d = 1; d <= deep && d <= s.length; d++) {
      const v = s[d - 1];
      if (v !== undefined) (m ??= new Map()).set(d, v);
    }
    if (m) out.set(b.index, m);
  }
  return out;
}
