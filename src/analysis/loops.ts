/**
 * @file Counted loops: simple static cycles inside a consistent stack region (regions.ts) that carry a
 * counter — a stack slot increased by a small constant once per iteration — for backends that run such
 * loops in a fast version. Backend-neutral: plain data from `Analysis` and `StackRegions`.
 *
 * What the fast version may do, and why it is exact:
 * - **One gas check per round of iterations**, when the cycle's instructions have static gas only
 *   (`staticGas`). A round of `u` iterations then costs at most `u · gas` (`gas` = the cycle's blocks
 *   summed). If `gas left ≥ u · gas` when a round starts, no block of the round can fail its gas check,
 *   so the blocks subtract their cost unchecked and every exit, even mid-iteration, leaves exactly the
 *   gas the per-block checks would have. Below that, the round falls back to the precise per-block
 *   code. A dynamic cost (memory growth, EXP, copies, state access) could take the gas a later block's
 *   check counts on, so cycles with one keep their per-block checks.
 * - **The counter in 64 bits.** Entered with counter < 2^62 and gas left < 2^62, and each iteration
 *   charging ≥ `gas` ≥ step (checked here), the counter grows by less than the gas spent, so it stays
 *   below 2^63 and its 256-bit `+ step` never carries past bit 63. A loop-invariant slot compared with
 *   the counter (its bound) is narrowed too, when at entry it is below 2^64 — then the compare is a
 *   64-bit compare. Both are run-time guards at the loop's header; wider values take the precise code.
 *
 * The symbolic walk only needs to know, per slot, "its header value plus a constant" or "something
 * else"; everything else about the instructions comes from the opcode table.
 */
import { bodyEnd, successors } from './blocks.ts';
import type { StackRegions } from './regions.ts';
import type { Analysis, BlockIdx } from './types.ts';
import { Op, traitsIn } from '../evm/traits.ts';

export interface CountedLoop {
  readonly region: number;
  /** The cycle's blocks in execution order, header first; each one's next is the cycle's continuation. */
  readonly cycle: readonly BlockIdx[];
  /** Static gas of one iteration: the cycle's blocks summed (≥ 1: a cycle goes through a JUMPDEST). */
  readonly gas: number;
  /** Instructions of one iteration. */
  readonly insts: number;
  /** Every instruction of the cycle costs static gas only: its blocks may charge unchecked within a checked round. */
  readonly staticGas: boolean;
  /** Slots (heights relative to the region base) that grow by `step` each iteration. */
  readonly counters: readonly { readonly slot: number; readonly step: bigint }[];
  /** Slots unchanged by the cycle that a counter is compared with (LT, GT, EQ). */
  readonly bounds: readonly number[];
  /**
   * When every conditional exit of the cycle compares a counter with a bound: those tests. A round of
   * iterations that provably takes none of them (see `ExitTest`) may skip them.
   */
  readonly exitTests?: readonly ExitTest[];
}

/**
 * A conditional exit of a counted loop: taken when `counter's value at the iteration's start + offset` stands
 * in `rel` to the bound. The counter only grows, so over a round of iterations the test is least likely to
 * pass at one end: the last iteration for '>'/'>=', the first for '<'/'<='.
 */
export interface ExitTest {
  readonly counter: number;
  readonly step: bigint;
  readonly offset: bigint;
  readonly rel: '<' | '>' | '<=' | '>=';
  readonly bound: number;
}

/** Longest cycle considered: the fast version duplicates its blocks. */
export const MAX_CYCLE_BLOCKS = 8;
/** Largest cycle in instructions, for the same reason. */
export const MAX_CYCLE_INSTS = 256;
/** Largest per-iteration or intermediate counter offset kept symbolic. */
const MAX_STEP = 1n << 32n;

/**
 * A stack slot's value in terms of the header's: `slot + add`, a constant, an unsigned comparison of two
 * such values (`x < y` or `x > y`, x the top operand; `neg` after ISZERO), or unknown.
 */
type Sym =
  | { readonly slot: number; readonly add: bigint }
  | { readonly k: bigint }
  | { readonly cmp: 'lt' | 'gt'; readonly x: Sym; readonly y: Sym; readonly neg: boolean }
  | null;

/**
 * The counted loops of the regions `eligible` accepts, at most one per block. Cycles are searched from
 * each block in order, so a loop's header is its lowest-numbered block on the cycle (for compiled loops
 * the condition block, entered from before the loop).
 */
export function countedLoops(a: Analysis, regions: StackRegions, eligible: (region: number) => boolean): CountedLoop[] {
  const taken = new Set<number>();
  const loops: CountedLoop[] = [];
  for (const b of a.blocks) {
    const r = regions.regionOf[b.index];
    if (!b.reachable || r < 0 || taken.has(b.index) || !eligible(r) || !regions.regions[r].consistent) continue;
    const cycle = findCycle(a, regions, b.index, taken);
    if (cycle === undefined) continue;
    const loop = classify(a, regions, r, cycle);
    if (loop === undefined) continue;
    for (const x of cycle) taken.add(x);
    loops.push(loop);
  }
  return loops;
}

/** A simple cycle through static edges of one region back to `head`, each block with exactly one successor on it. */
function findCycle(a: Analysis, regions: StackRegions, head: BlockIdx, taken: ReadonlySet<number>): BlockIdx[] | undefined {
  const region = regions.regionOf[head];
  const path: BlockIdx[] = [head];
  const onPath = new Set<number>([head]);
  const search = (b: BlockIdx): boolean => {
    for (const s of successors(a.blocks[b].exit)) {
      if (s === head) return true;
      if (s < 0 || onPath.has(s) || taken.has(s) || regions.regionOf[s] !== region || path.length >= MAX_CYCLE_BLOCKS) continue;
      path.push(s);
      onPath.add(s);
      if (search(s)) return true;
      path.pop();
      onPath.delete(s);
    }
    return false;
  };
  if (!search(head)) return undefined;
  // Each block leaves the cycle only to blocks off it: one continuation, no inner branches.
  for (let i = 0; i < path.length; i++) {
    const next = path[(i + 1) % path.length];
    const e = a.blocks[path[i]].exit;
    if (e.kind !== 'jump' && e.kind !== 'jumpi' && e.kind !== 'fallthrough' && e.kind !== 'badJumpi') return undefined;
    if (successors(e).some((s) => s !== next && onPath.has(s))) return undefined;
  }
  const insts = path.reduce((n, i) => n + a.blocks[i].end - a.blocks[i].start, 0);
  return insts <= MAX_CYCLE_INSTS ? path : undefined;
}

/** Walk the cycle symbolically; a loop when some slot is a counter. */
function classify(a: Analysis, regions: StackRegions, region: number, cycle: readonly BlockIdx[]): CountedLoop | undefined {
  const d = a.decoded;
  const h0 = regions.entryHeight[cycle[0]];
  const stack = new Map<number, Sym>();
  let height = h0;
  const get = (h: number): Sym => (stack.has(h) ? stack.get(h)! : { slot: h, add: 0n });
  const pop = (): Sym => get(--height);
  const push = (v: Sym) => stack.set(height++, v);
  const compared: [Sym, Sym][] = [];
  // The conditions of the cycle's conditional exits, and whether each exits when it holds.
  const tests: { cond: Sym; exitWhenTrue: boolean }[] = [];
  // Per slot: every value it holds at a block's end (the values a backend writes to its variable).
  const atEnds = new Map<number, Sym[]>();
  let gas = 0;
  let staticGas = true;
  for (const bi of cycle) {
    const b = a.blocks[bi];
    gas += b.gas;
    for (let i = b.start; i < bodyEnd(b); i++) {
      const op = d.ops[i];
      const t = traitsIn(op, a.fork);
      if (t === undefined) return undefined;
      if (!(t.kind === 'stack' || t.kind === 'jump' || t.kind === 'gas' || (t.kind === 'pure' && op !== Op.EXP))) staticGas = false;
      if (op >= Op.PUSH0 && op <= Op.PUSH32) push({ k: d.pushValues.get(i as never) ?? 0n });
      else if (op >= Op.DUP1 && op <= Op.DUP16) push(get(height - (op - Op.DUP1 + 1)));
      else if (op >= Op.SWAP1 && op <= Op.SWAP16) {
        const x = height - 1;
        const y = height - 2 - (op - Op.SWAP1);
        const vx = get(x);
        stack.set(x, get(y));
        stack.set(y, vx);
      } else if (op === Op.POP) height--;
      else if (op === Op.ADD) push(add(pop(), pop()));
      else if (op === Op.LT || op === Op.GT || op === Op.EQ) {
        const x = pop();
        const y = pop();
        compared.push([x, y]);
        push(op === Op.EQ ? null : { cmp: op === Op.LT ? 'lt' : 'gt', x, y, neg: false });
      } else if (op === Op.ISZERO) {
        const v = pop();
        push(v !== null && 'cmp' in v ? { ...v, neg: !v.neg } : null);
      } else {
        for (let k = 0; k < t.pops; k++) pop();
        for (let k = 0; k < t.pushes; k++) push(null);
      }
    }
    const e = b.exit;
    const next = cycle[(cycle.indexOf(bi) + 1) % cycle.length];
    if (e.kind === 'jumpi' || e.kind === 'badJumpi') {
      const cond = pop();
      if (e.kind === 'badJumpi') tests.push({ cond: null, exitWhenTrue: true });
      else if (e.to !== e.next) tests.push({ cond, exitWhenTrue: e.to !== next });
    }
    for (let h = regions.regions[region].low; h < height; h++) {
      const list = atEnds.get(h) ?? [];
      list.push(get(h));
      atEnds.set(h, list);
    }
  }
  if (height !== h0 || gas < 1) return undefined;
  const isSlot = (v: Sym, h: number): v is { slot: number; add: bigint } => v !== null && 'slot' in v && v.slot === h;
  const counters: { slot: number; step: bigint }[] = [];
  const invariant = new Set<number>();
  for (const [h, values] of atEnds) {
    if (h >= h0 || !values.every((v) => isSlot(v, h) && v.add >= 0n)) continue;
    const step = (get(h) as { add: bigint }).add;
    if (step === 0n) {
      if (values.every((v) => (v as { add: bigint }).add === 0n)) invariant.add(h);
    } else if (step <= BigInt(gas)) counters.push({ slot: h, step });
  }
  if (counters.length === 0) return undefined;
  const counterSlots = new Set(counters.map((c) => c.slot));
  const bounds = new Set<number>();
  const countsFrom = (v: Sym) => v !== null && 'slot' in v && counterSlots.has(v.slot);
  for (const [x, y] of compared) {
    for (const [c, other] of [[x, y], [y, x]] as const) {
      if (countsFrom(c) && other !== null && 'slot' in other && other.add === 0n && invariant.has(other.slot) && !counterSlots.has(other.slot)) bounds.add(other.slot);
    }
  }
  const insts = cycle.reduce((n, i) => n + a.blocks[i].end - a.blocks[i].start, 0);
  const exitTests = tests.map(({ cond, exitWhenTrue }) => exitTest(cond, exitWhenTrue, counters, bounds));
  return {
    region, cycle, gas, insts, staticGas, counters, bounds: [...bounds].sort((p, q) => p - q),
    exitTests: exitTests.every((t) => t !== undefined) ? exitTests : undefined,
  };
}

/** A conditional exit as counter-versus-bound test, when it is one. */
function exitTest(cond: Sym, exitWhenTrue: boolean, counters: readonly { slot: number; step: bigint }[], bounds: ReadonlySet<number>): ExitTest | undefined {
  if (cond === null || !('cmp' in cond)) return undefined;
  const { x, y } = cond;
  if (x === null || y === null || !('slot' in x) || !('slot' in y)) return undefined;
  // counter REL bound, whichever side the counter is on: x < y is y > x.
  const flip = counters.some((c) => c.slot === y.slot) && bounds.has(x.slot) && x.add === 0n;
  const [c, bound, lt] = flip ? [y, x, cond.cmp === 'gt'] : [x, y, cond.cmp === 'lt'];
  const counter = counters.find((k) => k.slot === c.slot);
  if (counter === undefined || !bounds.has(bound.slot) || bound.add !== 0n) return undefined;
  // Exits when `counter lt/gt bound` holds, or when it fails.
  const exitIfHolds = exitWhenTrue !== cond.neg;
  const rel = lt ? (exitIfHolds ? '<' : '>=') : (exitIfHolds ? '>' : '<=');
  return { counter: counter.slot, step: counter.step, offset: c.add, rel, bound: bound.slot };
}

/** `x + y` when one side is a constant and the other a slot's header value plus a small constant. */
function add(x: Sym, y: Sym): Sym {
  if (x !== null && y !== null) {
    if ('k' in x && 'k' in y) return { k: BigInt.asUintN(256, x.k + y.k) };
    const [s, k] = 'slot' in x ? [x, y] : [y, x];
    if ('slot' in s && 'k' in k) {
      const sum = s.add + k.k;
      if (sum < MAX_STEP) return { slot: s.slot, add: sum };
    }
  }
  return null;
}
