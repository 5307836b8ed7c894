/**
 * @file Dynamic-jump resolution: which constants a dynamic JUMP/JUMPI can jump to, found by abstract
 * interpretation over the CFG.
 *
 * Solidity's internal functions return through `PUSH ret … JUMP`: the caller pushes the return address,
 * the callee carries it on the stack and jumps to it, so the jump is not a fused PUSH+JUMP. Per block
 * entry this pass tracks the top of the stack as a window of slots, each the set of constants it may
 * hold (or unknown), moved by PUSH/DUP/SWAP/POP and folded through a few bit and arithmetic ops on known
 * sets (old solc masks every return address: `PUSH4 0xffffffff PUSH2 ret AND JUMP`); every other result is
 * unknown. Functions (JUMPDEST blocks entered in several contexts) are summarised: analysed once on symbolic
 * entry slots, each return resolved per caller (see symWindow), so one caller's stack never blurs another's.
 * A dynamic jump whose target slot is a known set becomes a set of edges: `Exit.targets`. Jumps left unknown go
 * through the dispatch, which may enter any JUMPDEST with the join of their stacks (symbols forgotten).
 *
 * Sound by construction: the least fixpoint from "unreached", every abstract step over-approximates the
 * concrete one, so the real target is always in the set. JUMPDEST pcs and masks (2^k - 1; values ≥ 2^32 by
 * an interned id) are kept exactly; every other constant, and a folded result that is no JUMPDEST, is one value,
 * INVALID ("some non-JUMPDEST": as a jump target they all halt alike; folding an op over it gives unknown).
 */
import type { Fork } from '../evm/forks.ts';
import { Op, traitsIn } from '../evm/traits.ts';
import { bodyEnd, successorAt, successors } from './blocks.ts';
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
/**
 * Function summaries: a JUMPDEST block entered in more than MAX_CONTEXTS stack contexts (a helper called from many
 * sites) is analysed once on a symbolic window — its top K slots are `sym(F, j)`, "the value at depth j when F was
 * entered", over a base marker, "the caller's stack below depth K" — and its callers' windows are kept apart. A
 * jump whose target is `sym(F, j)` (a return) is resolved per caller: the caller's slot j is the target and the
 * window is instantiated with the caller's. Symbolic values only live in windows of their function's marker; a
 * window that loses its marker (joins, deep pops, the dispatch) forgets them (unknown).
 */
const K = 32;
const SYM = -(2 ** 40);
const MARK = -(2 ** 45);
const symCode = (f: number, j: number): number => SYM - (f * 64 + j);
/** The (function, depth) of a symbolic slot, or undefined. */
function symOf(s: Slot): { f: number; j: number } | undefined {
  if (s === null || s.length !== 1 || s[0] > SYM || s[0] <= MARK) return undefined;
  const t = SYM - s[0];
  return { f: Math.floor(t / 64), j: t % 64 };
}
/** Does the set hold a symbolic value or a marker (they sort first)? */
const hasSymbolic = (s: readonly number[]): boolean => s.length > 0 && s[0] <= SYM;
const markers = new Map<number, Slot>();
function markerSlot(f: number): Slot {
  let m = markers.get(f);
  if (m === undefined) markers.set(f, (m = Object.freeze([MARK - f])));
  return m;
}
/** The function whose base marker starts `w`, or undefined. */
function markerOf(w: Window): number | undefined {
  const s = w.length > 0 ? w[0] : null;
  return s !== null && s.length === 1 && s[0] <= MARK ? MARK - s[0] : undefined;
}
/** Slots above the base (BOTTOM or a marker). */
const avail = (w: Window): number => (w.length > 0 && (w[0] === BOTTOM || markerOf(w) !== undefined) ? w.length - 1 : w.length);
/** Forget symbolic values: drop the marker, unknown for every symbolic slot (in place). */
function desymInPlace(w: Window): void {
  if (markerOf(w) === undefined) return;
  w.shift();
  for (let k = 0; k < w.length; k++) if (w[k] !== null && hasSymbolic(w[k]!)) w[k] = null;
}
function desym(w: Window): Window {
  if (markerOf(w) === undefined) return w;
  const c = w.slice();
  desymInPlace(c);
  return normalise(c);
}
/** Pop n slots; below a marker's slots the window forgets its symbols first. */
function popN(w: Window, n: number): void {
  if (avail(w) < n) desymInPlace(w);
  w.length = Math.max(0, w.length - n);
}
/** F's symbolic entry window: sym(F, K) … sym(F, 1) (top) over F's marker. */
function symWindow(f: number): Window {
  const w: Window = [markerSlot(f)];
  for (let j = K; j >= 1; j--) w.push([symCode(f, j)]);
  return w;
}
/** The slot at depth j (1 = top) of a caller window; null when unknown (or missing). */
function slotAtDepth(c: Window, j: number): Slot {
  return avail(c) >= j ? c[c.length - j] : null;
}
/**
 * F's window `w` seen from a caller whose window at F's entry was `c`: symbols replaced by the caller's slots, the
 * base by the caller's stack below depth K. Undefined when the caller's stack is too short for the path (underflow).
 */
function instantiate(w: Window, f: number, c: Window): Window | undefined {
  if (markerOf(w) !== f) return w; // no symbols left
  const subst = (s: Slot): Slot => {
    const y = symOf(s);
    return y === undefined ? s : slotAtDepth(c, y.j);
  };
  let body = w.slice(1);
  const cm = markerOf(c);
  if (c[0] === BOTTOM) {
    const h = c.length - 1;
    if (h < K) {
      if (body.length < K - h) return undefined;
      body = body.slice(K - h);
      return normalise([BOTTOM, ...body.map(subst)]);
    }
    return normalise([BOTTOM, ...c.slice(1, 1 + h - K), ...body.map(subst)]);
  }
  if (cm !== undefined) {
    const m = c.length - 1;
    if (m >= K) return normalise([c[0], ...c.slice(1, 1 + m - K), ...body.map(subst)]);
    // The caller holds fewer than K slots over its own base: F's K - m deepest symbols are the top of that base.
    // Untouched by F, they are that base again; touched, the base cannot be named (symbols forgotten).
    let untouched = body.length >= K - m;
    for (let k = 0; untouched && k < K - m; k++) untouched = symOf(body[k])?.j === K - k && symOf(body[k])?.f === f;
    if (untouched) return normalise([c[0], ...body.slice(K - m).map(subst)]);
    return desym(body.map(subst).map((s) => (s !== null && hasSymbolic(s) ? null : s)));
  }
  return normalise([...c.slice(0, Math.max(0, c.length - K)), ...body.map(subst)]);
}

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
  if (hasSymbolic(x) || hasSymbolic(y)) return null;
  const out = new Set<number>();
  for (const a of x) for (const b of y) out.add(resultOf(f(valueOf(a), valueOf(b))));
  return bound([...out].sort((p, q) => p - q));
}

/** Union of two sets, null when either is unknown or the union is too big (`limit`: bounded by MAX_SET). */
function unionSlot(x: Slot, y: Slot, limit = true): Slot {
  if (x === null || y === null) return null;
  if (x === y) return x;
  if (x.length === 1 && y.length === 1 && x[0] === y[0]) return x;
  if (hasSymbolic(x) || hasSymbolic(y)) return null;
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
  const ma = markerOf(into);
  const mb = markerOf(w);
  if (ma !== undefined || mb !== undefined) {
    if (ma === mb && into.length === w.length) {
      // One function's frame, same height: slot by slot, symbols kept where they agree.
      const out = into.map((x, k) => (k === 0 ? x : unionSlot(x, w[k])));
      return sameWindow(out, into) ? undefined : out;
    }
    const base = desym(into);
    const j = join(base, desym(w), widen) ?? base;
    return sameWindow(j, into) ? undefined : j;
  }
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
      w.push(avail(w) >= n ? w[w.length - n] : null);
    } else if (op >= Op.SWAP1 && op <= Op.SWAP16) {
      const n = op - Op.SWAP1 + 1;
      // The slot swapped with the top may lie below a partial window: widen it with unknowns first.
      if (avail(w) < n + 1) desymInPlace(w);
      while (w.length < n + 1) w.unshift(null);
      const top = w[w.length - 1];
      w[w.length - 1] = w[w.length - 1 - n];
      w[w.length - 1 - n] = top;
    } else if (FOLD[op] !== undefined && avail(w) >= 2) {
      const r = foldSlot(FOLD[op]!, w[w.length - 1], w[w.length - 2]);
      w.length -= 2;
      w.push(r);
    } else {
      popN(w, t.pops);
      for (let k = 0; k < t.pushes; k++) w.push(null);
    }
    if (w.length > MAX_WINDOW) {
      desymInPlace(w);
      w.splice(0, w.length - MAX_WINDOW);
    }
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

/** Distinct callers kept per summarised function; past this its returns go through the dispatch. */
const MAX_CALLERS = 512;
/**
 * Distinct return events kept per summarised function; past this it is poisoned like one with too many callers.
 * Functions that return into each other's symbolic slots can otherwise make new windows forever (a mutated
 * contract of the fuzz campaign, seed 1415 program 402: unbounded returnVia/apply recursion, stack overflow
 * or out of memory), and the bound also bounds that recursion's depth.
 */
const MAX_RETURNS = 256;
/**
 * Contexts of a JUMPDEST block before it is summarised as a function entry. Early: callers' windows multiply along
 * a call chain of functions that are not summarised (512 callers were exceeded in snailtracer and seaport at 16).
 */
const MAX_ENTRY_CONTEXTS = 2;

interface ReturnEvent { bi: BlockIdx; j: number; w: Window }

function resolve(d: Decoded, fork: Fork, blocks: Block[], blockAtPc: Map<number, BlockIdx>, relevant: Uint8Array): number {
  // Per block entry, up to MAX_CONTEXTS distinct windows kept apart (a callee called from several sites
  // returns to each with that site's own deeper stack); past that a JUMPDEST block is summarised (see symWindow),
  // any other block gets one joined window.
  // Contexts are kept per frame: the windows of one summarised function (by marker), and the others (-1).
  // Per block, made on first use: most of a big contract's blocks never need them (24,571 blocks in
  // micro/loop_with_many_jumpdests, where three containers per block were a third of the pass).
  const contexts: (Map<number, Window[]> | undefined)[] = new Array(blocks.length);
  const collapsed: (Set<number> | undefined)[] = new Array(blocks.length);
  const pending: (Window[] | undefined)[] = new Array(blocks.length);
  /** Summarised functions: their callers' windows, the returns met in their bodies, and whether they gave up. */
  const callers = new Map<number, Window[]>();
  const events = new Map<number, ReturnEvent[]>();
  const poisoned = new Set<number>();
  /** Concrete targets each dynamic jump was seen to take (only grows); `unknown`: some context's target is unknown. */
  const seen = new Map<BlockIdx, Slot>();
  const unknown = new Set<BlockIdx>();
  let dispatch: Window | undefined;
  const jumpdests = blocks.filter((b) => b.isJumpdest).map((b) => b.index);
  const queued = new Uint8Array(blocks.length);
  const work: BlockIdx[] = [];
  const enqueue = (to: BlockIdx, w: Window) => {
    (pending[to] ??= []).push(w);
    if (!queued[to]) { queued[to] = 1; work.push(to); }
  };
  const flow = (to: BlockIdx, w0: Window) => {
    // A block from which no dynamic jump is reachable resolves nothing: its states need not be computed.
    if (to < 0 || !relevant[to]) return;
    const w = normalise(w0);
    if (callers.has(to)) { addCaller(to, w); return; }
    const key = markerOf(w) ?? -1;
    const byKey = (contexts[to] ??= new Map<number, Window[]>());
    let cs = byKey.get(key);
    if (cs === undefined) byKey.set(key, (cs = []));
    if (collapsed[to]?.has(key)) {
      const j = join(cs[0], w, true);
      if (j === undefined) return;
      cs[0] = j;
      enqueue(to, j);
    } else if (cs.some((c) => sameWindow(c, w))) return;
    else if (cs.length < (blocks[to].isJumpdest ? MAX_ENTRY_CONTEXTS : MAX_CONTEXTS)) {
      cs.push(w);
      enqueue(to, w);
    } else if (blocks[to].isJumpdest) {
      // A function entered from many sites: its body once on the symbolic window, each caller kept.
      callers.set(to, []);
      events.set(to, []);
      const sw = symWindow(to);
      byKey.set(markerOf(sw)!, [sw]);
      enqueue(to, sw);
      addCaller(to, w);
    } else {
      let j = w;
      for (const c of cs) j = join(j, c) ?? j;
      byKey.set(key, [j]);
      (collapsed[to] ??= new Set()).add(key);
      enqueue(to, j);
    }
  };
  /** A dynamic jump with an unknown target in this context: through the dispatch, to every JUMPDEST. */
  const toDispatch = (bi: BlockIdx, w: Window) => {
    unknown.add(bi);
    const j = join(dispatch, desym(w), true);
    if (j !== undefined) {
      dispatch = j;
      for (const t of jumpdests) flow(t, dispatch);
    }
  };
  /** A dynamic jump to `target` (concrete or unknown) with window `w` after it. */
  const jumpTo = (bi: BlockIdx, target: Slot, w: Window) => {
    if (target === null) { toDispatch(bi, w); return; }
    const before = seen.get(bi);
    // A jump's own target set is not bounded: each context's set is (a function's return gathers every call site).
    seen.set(bi, before === undefined ? target : unionSlot(before, target, false));
    for (const v of target) if (isJumpdestValue(v)) flow(blockAtPc.get(v)!, w);
  };
  /** Apply a return of function f to one caller window. */
  const apply = (f: number, ev: ReturnEvent, c: Window) => {
    const w = instantiate(ev.w, f, c);
    if (w === undefined) return;
    const t = slotAtDepth(c, ev.j);
    const s = symOf(t);
    if (s !== undefined) returnVia(ev.bi, s.f, s.j, w);
    else jumpTo(ev.bi, t, w);
  };
  /** A jump to sym(f, j): to each caller's slot j, with the caller's window. */
  function returnVia(bi: BlockIdx, f: number, j: number, w: Window): void {
    const evs = events.get(f)!;
    if (evs.some((e) => e.bi === bi && e.j === j && sameWindow(e.w, w))) return;
    const ev = { bi, j, w };
    evs.push(ev);
    if (!poisoned.has(f) && evs.length > MAX_RETURNS) poison(f);
    if (poisoned.has(f)) { toDispatch(bi, w); return; }
    for (const c of callers.get(f)!.slice()) apply(f, ev, c);
  }
  /**
   * Every return of f through the dispatch from now on (still sound: the dispatch reaches every JUMPDEST, with what
   * is known of the stack above the caller's); what was already applied to its callers stays true.
   */
  function poison(f: number): void {
    poisoned.add(f);
    for (const ev of events.get(f)!) toDispatch(ev.bi, ev.w);
  }
  function addCaller(f: number, c: Window): void {
    const cs = callers.get(f)!;
    if (poisoned.has(f) || cs.some((x) => sameWindow(x, c))) return;
    if (cs.length >= MAX_CALLERS) {
      poison(f); // too many callers to keep apart
      return;
    }
    cs.push(c);
    for (const ev of events.get(f)!.slice()) apply(f, ev, c);
  }
  flow(0 as BlockIdx, [BOTTOM]);
  while (work.length > 0) {
    const bi = work.pop()!;
    queued[bi] = 0;
    const todo = pending[bi]!;
    pending[bi] = undefined;
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
      if (e.kind === 'jumpi' || e.kind === 'badJumpi') popN(w, 1);
      for (const s of successors(e)) flow(s, w);
      return;
    }
    const target = avail(w) > 0 ? w[w.length - 1] : null;
    popN(w, e.kind === 'dynamicJumpi' ? 2 : 1);
    if (e.kind === 'dynamicJumpi') flow(e.next, w);
    const s = symOf(target);
    if (s !== undefined && markerOf(w) === s.f) returnVia(bi, s.f, s.j, w);
    else jumpTo(bi, s !== undefined ? null : target, w);
  }
  let resolved = 0;
  for (const [bi, slot] of seen) {
    if (slot === null || unknown.has(bi)) continue;
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
  const n = blocks.length;
  const out = new Uint8Array(n);
  const work: number[] = [];
  // Predecessor lists in one typed array (CSR: preds of s at from[s] .. from[s + 1]), not an array per block.
  const from = new Int32Array(n + 1);
  for (const b of blocks) {
    for (let k = 0; k < 2; k++) { const s = successorAt(b.exit, k); if (s >= 0) from[s + 1]++; }
    if (b.exit.kind === 'dynamicJump' || b.exit.kind === 'dynamicJumpi') { out[b.index] = 1; work.push(b.index); }
  }
  if (work.length === 0) return undefined;
  for (let i = 0; i < n; i++) from[i + 1] += from[i];
  const fill = from.slice(0, n);
  const preds = new Int32Array(from[n]);
  for (const b of blocks) {
    for (let k = 0; k < 2; k++) { const s = successorAt(b.exit, k); if (s >= 0) preds[fill[s]++] = b.index; }
  }
  while (work.length > 0) {
    const s = work.pop()!;
    for (let i = from[s]; i < from[s + 1]; i++) { const p = preds[i]; if (!out[p]) { out[p] = 1; work.push(p); } }
  }
  return out;
}
