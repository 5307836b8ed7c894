/**
 * @file Dynamic-jump resolution: which constants a dynamic JUMP/JUMPI can jump to, found by abstract
 * interpretation over the CFG.
 *
 * Solidity's internal functions return through `PUSH ret … JUMP`: the caller pushes the return address,
 * the callee carries it on the stack and jumps to it, so the jump is not a fused PUSH+JUMP. Per block
 * entry this pass tracks the top of the stack as a window of slots, each the set of constants it may
 * hold (or unknown), moved by PUSH/DUP/SWAP/POP and folded through a few bit and arithmetic ops on known
 * sets (old solc masks every return address: `PUSH4 0xffffffff PUSH2 ret AND JUMP`); every other result is
 * unknown. A dynamic jump whose target slot is a known set becomes a set of edges: `Exit.targets`. Jumps left
 * unknown go through the dispatch, which may enter any JUMPDEST with the join of their stacks.
 *
 * Sound by construction: the least fixpoint from "unreached", every abstract step over-approximates the
 * concrete one, so the real target is always in the set. JUMPDEST pcs and masks (2^k - 1; values ≥ 2^32 by
 * an interned id) are kept exactly; every other constant, and a folded result that is no JUMPDEST, is one value,
 * INVALID ("some non-JUMPDEST": as a jump target they all halt alike; folding an op over it gives unknown).
 */
import type { Fork } from '../evm/forks.ts';
import { Op, traitsIn } from '../evm/traits.ts';
import { bodyEnd, successors } from './blocks.ts';
import { isJumpdest } from './decode.ts';
import type { Block, BlockIdx, Decoded, Exit, JumpTargets } from './types.ts';

/**
 * A set of constants (sorted, distinct), or null: unknown. A value v ≥ 0 is the constant v (< 2^32); v ≤ -2 is
 * the interned constant `big[-2 - v]` (≥ 2^32); INVALID (-1) is some constant that is not a JUMPDEST.
 */
type Slot = readonly number[] | null;
/** The top of the stack, bottom → top; everything below the window is unknown, unless it starts with BOTTOM. */
type Window = Slot[];

const INVALID = -1;
/** First slot of a window that reaches the bottom of the stack (the stack holds exactly the slots above it). */
const BOTTOM: Slot = Object.freeze([]) as readonly number[];
/** Constants per slot before it becomes unknown: a return address has one per call site. */
export const MAX_SET = 24;
/** Deepest slot tracked (the EVM's stack limit). */
const MAX_WINDOW = 1024;

/**
 * The code being analysed and the interned big constants. Module state: the pass is synchronous and sets it on
 * entry (resolveDynamicJumps), so nothing else can observe it.
 */
let cur: { d: Decoded; big: bigint[]; bigIds: Map<bigint, number> } | undefined;

const U256 = (1n << 256n) - 1n;

/**
 * The abstract value of a PUSHed constant: exact for JUMPDEST pcs and for masks (2^k - 1: old solc ANDs every
 * return address with 0xffffffff), INVALID for every other constant — kept apart, they would only split stack
 * contexts that resolve the same jumps.
 */
function constOf(v: bigint): number {
  const c = cur!;
  if (isJumpdest(c.d, v)) return Number(v);
  if (v < 0xffn || (v & (v + 1n)) !== 0n) return INVALID;
  if (v < 0x1_0000_0000n) return Number(v);
  let id = c.bigIds.get(v);
  if (id === undefined) { id = -2 - c.big.length; c.big.push(v); c.bigIds.set(v, id); }
  return id;
}

/** The abstract value of a folded result: exact when it is a JUMPDEST pc, else INVALID. */
function resultOf(v: bigint): number {
  return isJumpdest(cur!.d, v) ? Number(v) : INVALID;
}

function valueOf(v: number): bigint {
  return v >= 0 ? BigInt(v) : cur!.big[-2 - v];
}

function isJumpdestValue(v: number): boolean {
  return v >= 0 && isJumpdest(cur!.d, BigInt(v));
}

/** A set past MAX_SET: its non-JUMPDEST constants become INVALID; null when that is still too many. */
function bound(out: number[]): Slot {
  if (out.length <= MAX_SET) return out;
  const kept = out.filter(isJumpdestValue);
  if (kept.length < out.length) kept.unshift(INVALID);
  return kept.length > MAX_SET ? null : kept;
}

/** Binary ops folded over known sets: EVM operand order (a = top of stack, b = below it). */
const FOLD: Partial<Record<number, (a: bigint, b: bigint) => bigint>> = {
  [Op.ADD]: (a, b) => (a + b) & U256,
  [Op.MUL]: (a, b) => (a * b) & U256,
  [Op.SUB]: (a, b) => (a - b) & U256,
  [Op.AND]: (a, b) => a & b,
  [Op.OR]: (a, b) => a | b,
  [Op.XOR]: (a, b) => a ^ b,
  [Op.SHL]: (a, b) => (a >= 256n ? 0n : (b << a) & U256),
  [Op.SHR]: (a, b) => (a >= 256n ? 0n : b >> a),
};

/** `f` over every pair of two known sets (no INVALID in either); null when unknown or too many. */
function foldSlot(f: (a: bigint, b: bigint) => bigint, x: Slot, y: Slot): Slot {
  if (x === null || y === null || x.length * y.length > MAX_SET * 4 || x.includes(INVALID) || y.includes(INVALID)) return null;
  const out = new Set<number>();
  for (const a of x) for (const b of y) out.add(resultOf(f(valueOf(a), valueOf(b))));
  return bound([...out].sort((p, q) => p - q));
}

/** Union of two sets, null when either is unknown or the union is too big (`limit`: bounded by MAX_SET). */
function unionSlot(x: Slot, y: Slot, limit = true): Slot {
  if (x === null || y === null) return null;
  if (x === y) return x;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] < y[j]) out.push(x[i++]);
    else if (x[i] > y[j]) out.push(y[j++]);
    else { out.push(x[i++]); j++; }
  }
  while (i < x.length) out.push(x[i++]);
  while (j < y.length) out.push(y[j++]);
  return limit ? bound(out) : out;
}

/** Drop unknown slots at the window's bottom (they say nothing): one representation per state. */
function normalise(w: Window): Window {
  let k = 0;
  while (k < w.length && w[k] === null) k++;
  return k === 0 ? w : w.slice(k);
}

/** Distinct stack contexts kept per block entry before they are joined into one. */
const MAX_CONTEXTS = 16;

function sameWindow(x: Window, y: Window): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (a === b) continue;
    if (a === null || b === null || a.length !== b.length || a.some((v, k) => v !== b[k])) return false;
  }
  return true;
}

/**
 * Join `w` into `into` (top-aligned). A whole window (BOTTOM first) has no slots below: they count as no value;
 * below a partial one they are unknown. `widen`: a whole window that would grow becomes partial (a pushing loop
 * or a recursion would otherwise grow it up to MAX_WINDOW). Returns the join, or undefined when `into` is unchanged.
 */
function join(into: Window | undefined, w: Window, widen = false): Window | undefined {
  if (into === undefined) return normalise(w);
  const wholeA = into[0] === BOTTOM;
  const wholeB = w[0] === BOTTOM;
  const na = into.length - (wholeA ? 1 : 0);
  const nb = w.length - (wholeB ? 1 : 0);
  let whole = wholeA && wholeB && !(widen && nb > na);
  const n = wholeA && wholeB ? (whole ? Math.max(na, nb) : Math.min(na, nb)) : Math.min(wholeA ? Infinity : na, wholeB ? Infinity : nb);
  if (n > MAX_WINDOW) whole = false;
  const len = Math.min(n, MAX_WINDOW);
  const slotAt = (x: Window, nx: number, k: number): Slot | undefined => (k <= nx ? x[x.length - k] : undefined);
  const out: Window = new Array(len);
  for (let k = 1; k <= len; k++) {
    const x = slotAt(into, na, k);
    const y = slotAt(w, nb, k);
    out[len - k] = x === undefined ? y! : y === undefined ? x : unionSlot(x, y);
  }
  if (whole) out.unshift(BOTTOM);
  const j = normalise(out);
  return sameWindow(j, into) ? undefined : j;
}

/**
 * Run the instructions of `b` up to its exit jump on the window `w` (modified in place). Returns false when the
 * block certainly underflows on this window (it halts: no successor).
 */
function step(d: Decoded, fork: Fork, b: Block, w: Window): boolean {
  const end = bodyEnd(b);
  /** Items certainly on the stack (a whole window) or at least reachable through the window. */
  const depth = () => (w[0] === BOTTOM ? w.length - 1 : Infinity);
  for (let i = b.start; i < end; i++) {
    const op = d.ops[i];
    const t = traitsIn(op, fork);
    if (t === undefined) return true; // halts here; the exit says so
    if (depth() < t.pops || (op >= Op.DUP1 && op <= Op.DUP16 && depth() < op - Op.DUP1 + 1) || (op >= Op.SWAP1 && op <= Op.SWAP16 && depth() < op - Op.SWAP1 + 2)) return false;
    if (op >= Op.PUSH0 && op <= Op.PUSH32) {
      w.push([constOf(d.pushValues.get(i as never)!)]);
    } else if (op >= Op.DUP1 && op <= Op.DUP16) {
      const n = op - Op.DUP1 + 1;
      w.push(w.length >= n ? w[w.length - n] : null);
    } else if (op >= Op.SWAP1 && op <= Op.SWAP16) {
      const n = op - Op.SWAP1 + 1;
      // The slot swapped with the top may lie below a partial window: widen it with unknowns first.
      while (w.length < n + 1) w.unshift(null);
      const top = w[w.length - 1];
      w[w.length - 1] = w[w.length - 1 - n];
      w[w.length - 1 - n] = top;
    } else if (FOLD[op] !== undefined && w.length >= 2) {
      const r = foldSlot(FOLD[op]!, w[w.length - 1], w[w.length - 2]);
      w.length -= 2;
      w.push(r);
    } else {
      w.length = Math.max(0, w.length - t.pops);
      for (let k = 0; k < t.pushes; k++) w.push(null);
    }
    if (w.length > MAX_WINDOW) w.splice(0, w.length - MAX_WINDOW);
  }
  return true;
}

/**
 * Resolve the dynamic jumps of `blocks` (exits already set by `resolveExits`): each whose target is a
 * known set gets `targets`. Returns how many were resolved.
 */
export function resolveDynamicJumps(d: Decoded, fork: Fork, blocks: Block[], blockAtPc: Map<number, BlockIdx>): number {
  if (blocks.length === 0) return 0;
  const relevant = leadsToDynamicJump(blocks);
  if (relevant === undefined) return 0;
  cur = { d, big: [], bigIds: new Map() };
  try {
    return resolve(d, fork, blocks, blockAtPc, relevant);
  } finally {
    cur = undefined;
  }
}

function resolve(d: Decoded, fork: Fork, blocks: Block[], blockAtPc: Map<number, BlockIdx>, relevant: Uint8Array): number {
  // Per block entry, up to MAX_CONTEXTS distinct windows kept apart (a callee called from several sites
  // returns to each with that site's own deeper stack), then one joined window.
  const contexts: Window[][] = blocks.map(() => []);
  const collapsed = new Uint8Array(blocks.length);
  const pending: Window[][] = blocks.map(() => []);
  /** Target slot of each dynamic jump, as last seen (only grows). */
  const seen = new Map<BlockIdx, Slot>();
  let dispatch: Window | undefined;
  const jumpdests = blocks.filter((b) => b.isJumpdest).map((b) => b.index);
  const queued = new Uint8Array(blocks.length);
  const work: BlockIdx[] = [];
  const flow = (to: BlockIdx, w0: Window) => {
    // A block from which no dynamic jump is reachable resolves nothing: its states need not be computed.
    if (to < 0 || !relevant[to]) return;
    const w = normalise(w0);
    const cs = contexts[to];
    if (collapsed[to]) {
      const j = join(cs[0], w, true);
      if (j === undefined) return;
      cs[0] = j;
      pending[to] = [j];
    } else if (cs.some((c) => sameWindow(c, w))) return;
    else if (cs.length < MAX_CONTEXTS) {
      cs.push(w);
      pending[to].push(w);
    } else {
      let j = w;
      for (const c of cs) j = join(j, c) ?? j;
      contexts[to] = [j];
      collapsed[to] = 1;
      pending[to] = [j];
    }
    if (!queued[to]) { queued[to] = 1; work.push(to); }
  };
  flow(0 as BlockIdx, [BOTTOM]);
  while (work.length > 0) {
    const bi = work.pop()!;
    queued[bi] = 0;
    const todo = pending[bi];
    pending[bi] = [];
    for (const ctx of todo) visit(bi, ctx);
  }
  function visit(bi: BlockIdx, ctx: Window): void {
    const b = blocks[bi];
    const w = ctx.slice();
    if (!step(d, fork, b, w)) return;
    const e = b.exit;
    // The exit's own pops (a fused JUMPI's condition, a dynamic jump's target and condition) may underflow too.
    const exitPops = e.kind === 'jumpi' || e.kind === 'badJumpi' || e.kind === 'dynamicJump' ? 1 : e.kind === 'dynamicJumpi' ? 2 : 0;
    if (w[0] === BOTTOM && w.length - 1 < exitPops) return;
    if (e.kind !== 'dynamicJump' && e.kind !== 'dynamicJumpi') {
      // A fused JUMPI's target push is not lowered (bodyEnd), its condition is still on the stack.
      if (e.kind === 'jumpi' || e.kind === 'badJumpi') w.length = Math.max(0, w.length - 1);
      for (const s of successors(e)) flow(s, w);
      return;
    }
    const target = w.length > 0 ? w[w.length - 1] : null;
    w.length = Math.max(0, w.length - (e.kind === 'dynamicJumpi' ? 2 : 1));
    if (e.kind === 'dynamicJumpi') flow(e.next, w);
    const before = seen.get(bi);
    // A jump's own target set is not bounded: each context's set is (a function's return gathers every call site).
    const slot = seen.has(bi) ? unionSlot(before!, target, false) : target;
    seen.set(bi, slot);
    if (slot === null) {
      // Unknown: through the dispatch, to every JUMPDEST.
      const j = join(dispatch, w, true);
      if (j !== undefined) {
        dispatch = j;
        for (const t of jumpdests) flow(t, dispatch);
      }
    } else {
      // This context's own targets only: the others' come with their contexts.
      if (target !== null) for (const v of target) if (isJumpdestValue(v)) flow(blockAtPc.get(v)!, w);
    }
  }
  let resolved = 0;
  for (const [bi, slot] of seen) {
    if (slot === null) continue;
    const targets: JumpTargets = {
      blocks: slot.filter(isJumpdestValue).map((v) => blockAtPc.get(v)!),
      invalid: slot.some((v) => !isJumpdestValue(v)),
    };
    const e = blocks[bi].exit;
    blocks[bi].exit = (e.kind === 'dynamicJumpi' ? { ...e, targets } : { ...e, targets }) as Exit;
    resolved++;
  }
  return resolved;
}

/**
 * Blocks from which a dynamic jump is reachable along static edges (1), found backwards from the jumps; undefined
 * when the code has no dynamic jump at all. Only these blocks' stack states can resolve anything.
 */
function leadsToDynamicJump(blocks: readonly Block[]): Uint8Array | undefined {
  const preds: BlockIdx[][] = blocks.map(() => []);
  const out = new Uint8Array(blocks.length);
  const work: BlockIdx[] = [];
  for (const b of blocks) {
    for (const s of successors(b.exit)) if (s >= 0) preds[s].push(b.index);
    if (b.exit.kind === 'dynamicJump' || b.exit.kind === 'dynamicJumpi') { out[b.index] = 1; work.push(b.index); }
  }
  if (work.length === 0) return undefined;
  while (work.length > 0) {
    for (const p of preds[work.pop()!]) if (!out[p]) { out[p] = 1; work.push(p); }
  }
  return out;
}
