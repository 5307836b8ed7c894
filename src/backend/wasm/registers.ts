/**
 * @file Register groups of the wasm backend: the blocks of a tight loop keep their stack slots in i64 locals across
 * blocks instead of writing them to the memory stack at every block end and reading them back at the next block's
 * start. A group is a cycle of direct edges (static edges, and resolved jumps that land where a static path would:
 * heights from analysis/regions.ts), entered at one block; slot h (height relative to its stack region's base) is the
 * four locals `FIRST_I64 + 4·(h − low)` (frame.ts regLocal) … +3, shared by all groups (one runs at a time).
 *
 * The memory stack is only made right where control leaves a group (any edge that is not direct, the dispatch): the
 * slots that may be newer in locals go to memory (`storeWindow`). A group block entered other than by a direct edge
 * (the function's entry, the dispatch, a resolved jump, an edge from outside) is entered through a stub that loads the
 * slots read before written (`loadWindow`). Halts discard the stack.
 *
 * Why loads below the real stack bottom are harmless: a window is at most MAX_REGISTER_SLOTS deep, so a stub's loads
 * stay in the unused gap between the environment words and STACK_BASE (a block reading such a slot fails its own
 * underflow check first), and a slot stored when leaving was loaded or written on the way (see planRegisters).
 */
import { ENV, STACK_BASE, STACK_END, Status } from '../../abi/context.ts';
import { type StackRegions, stackRegions } from '../../analysis/regions.ts';
import { bodyEnd, successors } from '../../analysis/blocks.ts';
import { cyclesOf } from '../../analysis/cycles.ts';
import { entryConstants } from '../../analysis/entry-constants.ts';
import { type CountedLoop, countedLoops } from '../../analysis/loops.ts';
import type { Analysis, Block, BlockIdx } from '../../analysis/types.ts';
import { Op, traitsIn } from '../../evm/traits.ts';
import { LOCAL_BASE, LOCAL_GAS, LOCAL_SP, regLocal } from './frame.ts';
import { type Expr, i32, i64, type Module } from './module.ts';

/** Widest window (slots) of a group: a window must fit the gap below STACK_BASE (see the file comment). */
export const MAX_REGISTER_SLOTS = 48;
/** Largest live window (slots loaded on entry) and block count of a register group (see the end of planRegisters). */
const MAX_LIVE_SLOTS = 6;
const MAX_GROUP_BLOCKS = 3;
/** Group blocks never spill mid-block (frame.ts): a cycle with a longer block keeps the memory stack. */
const MAX_BLOCK_INSTS = 2000;

if (STACK_BASE - 32 * MAX_REGISTER_SLOTS < ENV + 512) throw new Error('mevmc internal error: register window reaches the environment words');

export interface RegisterRegion {
  readonly low: number;
}

export interface RegisterPlan {
  /** The stack regions, whose entry heights the register windows use. */
  readonly regions: StackRegions;
  /** Register groups (cycles of direct edges): each one's lowest slot. */
  readonly groups: ReadonlyMap<number, RegisterRegion>;
  /** Group of each block, −1 for blocks on the memory stack. */
  readonly groupOf: Int32Array;
  /** Blocks that keep their slots in locals (1): the blocks on cycles of direct edges. */
  readonly inReg: Uint8Array;
  /** Slots of the widest register window (4 i64 locals each, from FIRST_I64). */
  readonly slots: number;
  /** Per register block: slots that may be newer in locals than in memory at its end (stored on leaving). */
  readonly dirtyOut: ReadonlyMap<BlockIdx, ReadonlySet<number>>;
  /** Per register block: slots read (by it or after it, before a write) that its entry stub loads. */
  readonly liveIn: ReadonlyMap<BlockIdx, ReadonlySet<number>>;
  /** Per register block: slots below 2^64 at its entry (counters of counted loops, see narrowCounters). */
  readonly narrow: ReadonlyMap<BlockIdx, ReadonlySet<number>>;
}

/** Whether the edge b → t keeps the window in locals: both register blocks of one region, on the same base. */
export function direct(plan: RegisterPlan, b: Block, t: BlockIdx): boolean {
  const g = plan.groupOf[b.index];
  return g >= 0 && plan.groupOf[t] === g && plan.regions.entryHeight[t] === plan.regions.entryHeight[b.index] + b.stackDelta;
}

/** Every block control may go to from `b` (static successors and resolved targets; not the dispatch's). */
function exitTargets(b: Block): BlockIdx[] {
  const e = b.exit;
  const out = successors(e).filter((t) => t >= 0);
  if ((e.kind === 'dynamicJump' || e.kind === 'dynamicJumpi') && e.targets) out.push(...e.targets.blocks);
  return out;
}

/**
 * Which blocks keep their stack in locals: the cycles of direct edges, each entered at one block, not re-entered from
 * outside it, with a bounded window, no huge block and (measured) at most MAX_GROUP_BLOCKS blocks and MAX_LIVE_SLOTS
 * live slots. Then two data flows over the direct edges: slots possibly written since the window was loaded
 * (`dirtyOut`: what a leaving edge stores; slots above the stack top are dead and drop out), and slots read before
 * written (`liveIn`: what an entry stub loads; a leaving edge reads what it stores, so a stored slot is always a loaded
 * or written one).
 */
export function planRegisters(a: Analysis, enabled: boolean): RegisterPlan {
  const regions = stackRegions(a);
  const { regionOf, entryHeight } = regions;
  const groups = new Map<number, RegisterRegion>();
  const groupOf = new Int32Array(a.blocks.length).fill(-1);
  const inReg = new Uint8Array(a.blocks.length);
  const dirtyOut = new Map<BlockIdx, Set<number>>();
  const liveIn = new Map<BlockIdx, Set<number>>();
  const narrow = new Map<BlockIdx, Set<number>>();
  const plan = { regions, groups, groupOf, inReg, slots: 0, dirtyOut, liveIn, narrow };
  if (!enabled) return plan;
  // Candidate edges: inside one stack region, agreeing with its heights (in a region whose heights disagree
  // somewhere, the edges that agree still qualify: a loop in code that shares blocks at other heights).
  // A cycle entered from outside at several blocks shares them with other code (a checked-add helper called from a loop
  // and from elsewhere, a return tail the optimiser merged): every outside entry would load the window and every exit
  // store it, per call. Such blocks, all but the cycle's first-entered one, keep the memory stack; then look again.
  // A cycle whose window is too wide or holds a huge block keeps the memory stack too.
  const banned = new Uint8Array(a.blocks.length);
  const cand = (b: Block, t: BlockIdx) => !banned[b.index] && !banned[t] &&
    regionOf[t] === regionOf[b.index] && entryHeight[t] === entryHeight[b.index] + b.stackDelta;
  const sameBase = (b: Block, t: BlockIdx) => regionOf[t] === regionOf[b.index] && entryHeight[t] === entryHeight[b.index] + b.stackDelta;
  const preds: BlockIdx[][] = a.blocks.map(() => []);
  for (const b of a.blocks) if (b.reachable) for (const t of exitTargets(b)) preds[t].push(b.index);
  for (;;) {
    const sccs = cyclesOf(a, (b) => b.reachable, (b) => exitTargets(b).filter((t) => cand(b, t)));
    let more = false;
    for (const scc of sccs) {
      const inside = new Set<number>(scc);
      let low = Infinity, high = -Infinity;
      for (const x of scc) {
        const b = a.blocks[x];
        low = Math.min(low, entryHeight[x] - b.stackReq);
        high = Math.max(high, entryHeight[x] + b.stackMaxGrowth, entryHeight[x]);
      }
      if (high - low > MAX_REGISTER_SLOTS || scc.some((x) => a.blocks[x].end - a.blocks[x].start > MAX_BLOCK_INSTS)) {
        for (const x of scc) banned[x] = 1;
        more = true;
        continue;
      }
      const entries = scc.filter((x) => preds[x].some((p) => !inside.has(p))).sort((x, y) => x - y);
      for (const x of entries.slice(1)) { banned[x] = 1; more = true; }
      if (entries.length <= 1 && reentered(a, inside, sameBase)) {
        // A loop that leaves its locals and comes back (a helper kept on the memory stack, a path through other code)
        // would store and reload its window every round: the memory stack is cheaper.
        for (const x of scc) banned[x] = 1;
        more = true;
      }
    }
    if (more) continue;
    sccs.forEach((scc, g) => {
      let low = Infinity, high = -Infinity;
      for (const x of scc) {
        inReg[x] = 1;
        groupOf[x] = g;
        const b = a.blocks[x];
        low = Math.min(low, entryHeight[x] - b.stackReq);
        high = Math.max(high, entryHeight[x] + b.stackMaxGrowth, entryHeight[x]);
      }
      groups.set(g, { low });
      plan.slots = Math.max(plan.slots, high - low);
    });
    break;
  }
  const members = a.blocks.filter((b) => b.reachable && inReg[b.index]).map((b) => b.index);
  const eff = new Map<BlockIdx, BlockEffect>();
  const succ = new Map<BlockIdx, BlockIdx[]>();
  const pred = new Map<BlockIdx, BlockIdx[]>();
  for (const bi of members) { succ.set(bi, []); pred.set(bi, []); }
  for (const bi of members) {
    const b = a.blocks[bi];
    let leaves = b.exit.kind === 'dynamicJump' || b.exit.kind === 'dynamicJumpi' ? b.exit.targets === undefined : false;
    for (const t of exitTargets(b)) {
      if (direct(plan, b, t)) { succ.get(bi)!.push(t); pred.get(t)!.push(bi); } else leaves = true;
    }
    eff.set(bi, blockEffect(a, b, entryHeight[bi], leaves));
  }
  const exitH = (bi: BlockIdx) => entryHeight[bi] + a.blocks[bi].stackDelta;
  // Forward: dirty slots at each block's end.
  const dIn = new Map<BlockIdx, Set<number>>(members.map((b) => [b, new Set<number>()]));
  const work = [...members];
  const queued = new Set<BlockIdx>(members);
  while (work.length) {
    const bi = work.pop()!;
    queued.delete(bi);
    const out = new Set<number>();
    const h = exitH(bi);
    for (const x of dIn.get(bi)!) if (x < h) out.add(x);
    for (const x of eff.get(bi)!.writes) out.add(x);
    dirtyOut.set(bi, out);
    for (const t of succ.get(bi)!) {
      const d = dIn.get(t)!;
      const n0 = d.size;
      for (const x of out) d.add(x);
      if (d.size !== n0 && !queued.has(t)) { queued.add(t); work.push(t); }
    }
  }
  // Backward: live slots at each block's start (sets only grow, so a size check finds the fixpoint).
  for (const bi of members) liveIn.set(bi, new Set<number>());
  const work2 = [...members];
  const queued2 = new Set<BlockIdx>(members);
  while (work2.length) {
    const bi = work2.pop()!;
    queued2.delete(bi);
    const h = exitH(bi);
    const { reads, writes, leaves } = eff.get(bi)!;
    const out = new Set<number>(leaves ? dirtyOut.get(bi)! : []);
    for (const t of succ.get(bi)!) for (const x of liveIn.get(t)!) if (x < h) out.add(x);
    const inn = new Set<number>(reads);
    for (const x of out) if (!writes.has(x)) inn.add(x);
    for (const x of liveIn.get(bi)!) inn.add(x);
    if (inn.size === liveIn.get(bi)!.size) continue;
    liveIn.set(bi, inn);
    for (const p of pred.get(bi)!) if (!queued2.has(p)) { queued2.add(p); work2.push(p); }
  }
  // Wide live windows and long loops lost in measurements (CPU ms per call, alternating builds: burntpix 17.3-18.5 ->
  // 20.6-21.1 ms with groups up to 40 blocks and 10 live slots, blake2b_shifts 2.6-2.8 -> 3.0-3.1; with at most 3
  // blocks and 6 slots 18.5 and 2.7): TurboFan keeps that many loop-carried values in machine stack slots anyway, with
  // moves at every merge. Tight loops (fib: 2 blocks, 4 slots) gain. The others keep the memory stack.
  // A group with a dispatch target past its first block gets a stub there: in the linear layout that entry from the
  // state switch keeps the group from being one wasm loop (control.ts naturalLoops), costlier than the locals gain.
  const drop = new Set<number>();
  const first = new Map<number, number>();
  for (const bi of members) if (!first.has(groupOf[bi])) first.set(groupOf[bi], bi);
  if (a.hasDynamicJumps) for (const t of a.dispatchTargets) if (groupOf[t] >= 0 && first.get(groupOf[t]) !== t) drop.add(groupOf[t]);
  for (const bi of members) {
    const g = groupOf[bi];
    if (liveIn.get(bi)!.size > MAX_LIVE_SLOTS || members.filter((x) => groupOf[x] === g).length > MAX_GROUP_BLOCKS) drop.add(g);
  }
  if (drop.size) {
    for (const bi of members) {
      if (!drop.has(groupOf[bi])) continue;
      inReg[bi] = 0;
      groupOf[bi] = -1;
      liveIn.delete(bi);
      dirtyOut.delete(bi);
    }
    for (const g of drop) groups.delete(g);
    plan.slots = 0;
    for (const bi of members) {
      const g = groupOf[bi];
      if (g < 0) continue;
      const b = a.blocks[bi];
      plan.slots = Math.max(plan.slots, entryHeight[bi] + Math.max(b.stackMaxGrowth, 0) - groups.get(g)!.low);
    }
  }
  narrowCounters(a, plan, preds, narrow);
  return plan;
}

/**
 * Counters of counted loops (analysis/loops.ts) that stay below 2^64: their three high limbs are zero at every block
 * entry of the loop, so the blocks read them as constants (fib's `i < n` and `++i` become one-limb work) and set their
 * locals to zero (TurboFan then drops the dead carries of `i + 1`). Why it holds, for a group that is exactly a
 * counted loop's cycle entered only at its header:
 * - every way into the header from outside the cycle brings the same constant c0 < 2^62 in the counter's slot
 *   (entry-constants with the cycle's back edges left out; the dispatch and the entry block count as unknown);
 * - a way from the header back to it runs the whole cycle (findCycle: one successor on the cycle per block, and the
 *   group holds no other block), which adds `step` to the counter and charges at least `gas` ≥ 2·step static gas;
 * - gas left is below 2^64, so after k rounds k·step ≤ k·gas / 2 < 2^63 and the counter is c0 + k·step < 2^64 − 2^32;
 * - at every block end of the cycle the slot holds the header's counter plus 0 ≤ add < 2^32 (loops.ts classify).
 */
function narrowCounters(a: Analysis, plan: RegisterPlan, preds: readonly BlockIdx[][], out: Map<BlockIdx, Set<number>>): void {
  const { groupOf, regions } = plan;
  const members = new Map<number, BlockIdx[]>();
  for (const b of a.blocks) if (b.reachable && groupOf[b.index] >= 0) { const g = groupOf[b.index]; if (!members.has(g)) members.set(g, []); members.get(g)!.push(b.index); }
  const dispatched = new Set<number>(a.hasDynamicJumps ? a.dispatchTargets : []);
  const cands: { loop: CountedLoop; counters: { slot: number; step: bigint }[] }[] = [];
  for (const loop of countedLoops(a, regions, () => true)) {
    const head = loop.cycle[0];
    const g = groupOf[head];
    const inCycle = new Set<number>(loop.cycle);
    if (g < 0 || members.get(g)!.length !== loop.cycle.length || loop.cycle.some((x) => groupOf[x] !== g)) continue;
    // Only the header is entered from outside the cycle.
    if (loop.cycle.some((x, i) => i > 0 && (x === 0 || dispatched.has(x) || preds[x].some((p) => !inCycle.has(p))))) continue;
    const counters = loop.counters.filter((c) => 2n * c.step <= BigInt(loop.gas));
    if (counters.length) cands.push({ loop, counters });
  }
  if (cands.length === 0) return;
  const back = new Map<BlockIdx, Set<number>>(cands.map(({ loop }) => [loop.cycle[0], new Set<number>(loop.cycle)]));
  const h = regions.entryHeight;
  const known = entryConstants(a, {
    skip: (from, to) => back.get(to)?.has(from) ?? false,
    depth: (b) => (back.has(b) ? Math.max(a.blocks[b].stackReq, h[b] - regions.regions[regions.regionOf[b]].low) : a.blocks[b].stackReq),
  });
  for (const { loop, counters } of cands) {
    const head = loop.cycle[0];
    const slots = counters.filter((c) => {
      const c0 = known.get(head)?.get(h[head] - c.slot);
      return c0 !== undefined && c0 < 1n << 62n;
    }).map((c) => c.slot);
    if (slots.length === 0) continue;
    for (const x of loop.cycle) {
      const at = slots.filter((slot) => slot < h[x]);
      if (at.length) out.set(x, new Set(at));
    }
  }
}

/**
 * Whether control leaving the blocks `inside` can come back into them along edges on one stack base (`edge`: static
 * edges, and resolved jumps that return where a static path would stand) — a round of the loop outside its locals.
 * Paths through returns to other heights are the over-approximate call graph's (a helper returning to every caller).
 */
function reentered(a: Analysis, inside: ReadonlySet<number>, edge: (b: Block, t: BlockIdx) => boolean): boolean {
  const seen = new Uint8Array(a.blocks.length);
  const work: number[] = [];
  for (const x of inside) for (const t of exitTargets(a.blocks[x])) if (!inside.has(t) && !seen[t] && edge(a.blocks[x], t)) { seen[t] = 1; work.push(t); }
  while (work.length) {
    const v = work.pop()!;
    for (const t of exitTargets(a.blocks[v])) {
      if (!edge(a.blocks[v], t)) continue;
      if (inside.has(t)) return true;
      if (!seen[t]) { seen[t] = 1; work.push(t); }
    }
  }
  return false;
}

interface BlockEffect {
  /** Slots whose entry value the block uses (an operand, a moved item, a jump operand). */
  readonly reads: ReadonlySet<number>;
  /** Slots the block's end writes (every item not in its entry slot). */
  readonly writes: ReadonlySet<number>;
  /** An exit of the block leaves the register blocks (stores its dirty slots). */
  readonly leaves: boolean;
}

/**
 * What a block does to its region's slots, by the same stack moves as its lowering (control.ts compileBlockCode,
 * frame.ts flush): entry item k is −k, anything computed is 0. A block that always halts writes nothing.
 */
function blockEffect(a: Analysis, b: Block, entry: number, leaves: boolean): BlockEffect {
  const d = a.decoded;
  const stack: number[] = [];
  let popped = 0;
  const reads = new Set<number>();
  const use = (v: number) => { if (v < 0) reads.add(entry + v); };
  const pop = (): number => {
    if (stack.length) return stack.pop()!;
    popped++;
    return -popped;
  };
  const ensure = (n: number) => { while (stack.length < n) { popped++; stack.unshift(-popped); } };
  const end = bodyEnd(b);
  for (let i = b.start; i < end; i++) {
    const op = d.ops[i];
    const t = traitsIn(op, a.fork);
    if (t === undefined || t.terminates) return { reads, writes: new Set(), leaves: false };
    if (op === Op.POP) pop();
    else if (op >= Op.DUP1 && op <= Op.DUP16) { const n = op - Op.DUP1 + 1; ensure(n); stack.push(stack[stack.length - n]); }
    else if (op >= Op.SWAP1 && op <= Op.SWAP16) {
      const n = op - Op.SWAP1 + 1;
      ensure(n + 1);
      const top = stack.length - 1;
      [stack[top], stack[top - n]] = [stack[top - n], stack[top]];
    } else {
      for (let k = 0; k < t.pops; k++) use(pop());
      for (let k = 0; k < t.pushes; k++) stack.push(0);
    }
  }
  const e = b.exit;
  switch (e.kind) {
    case 'terminate': case 'badJump': return { reads, writes: new Set(), leaves: false };
    case 'jumpi': case 'badJumpi': use(pop()); break;
    case 'dynamicJump': use(pop()); break;
    case 'dynamicJumpi': use(pop()); use(pop()); break;
    default: break;
  }
  const writes = new Set<number>();
  stack.forEach((v, i) => {
    const pos = i - popped;
    if (v === -(popped - i) && v < 0) return; // still in its entry slot
    use(v);
    writes.add(entry + pos);
  });
  return { reads, writes, leaves };
}

/** Set LOCAL_BASE to the address of slot `from` when sp is at `height`; returns the offset maker for slot h. */
function windowBase(m: Module, height: number, from: number, out: Expr[]): (h: number) => number {
  out.push(m.local.set(LOCAL_BASE, m.i32.sub(m.local.get(LOCAL_SP, i32), m.i32.const(32 * (height - from)))));
  return (h) => 32 * (h - from);
}

/** Leaving the region with sp at `height`: the dirty slots below it go to the memory stack. */
export function storeWindow(m: Module, reg: RegisterRegion, height: number, dirty: ReadonlySet<number>): Expr[] {
  const hs = [...dirty].filter((h) => h < height).sort((x, y) => x - y);
  if (hs.length === 0) return [];
  const out: Expr[] = [];
  const off = windowBase(m, height, hs[0], out);
  for (const h of hs) {
    for (let i = 0; i < 4; i++) out.push(m.i64.store(off(h) + 8 * i, 8, m.local.get(LOCAL_BASE, i32), m.local.get(regLocal(reg.low, h, i), i64)));
  }
  return out;
}

/** Entering a block of the region from outside with sp at `height`: its live slots below it from memory. */
export function loadWindow(m: Module, reg: RegisterRegion, height: number, live: ReadonlySet<number>): Expr[] {
  const hs = [...live].filter((h) => h < height).sort((x, y) => x - y);
  if (hs.length === 0) return [];
  const out: Expr[] = [];
  const off = windowBase(m, height, hs[0], out);
  for (const h of hs) {
    for (let i = 0; i < 4; i++) out.push(m.local.set(regLocal(reg.low, h, i), m.i64.load(off(h) + 8 * i, 8, m.local.get(LOCAL_BASE, i32))));
  }
  return out;
}

/** Register blocks entered other than by a direct edge: function entry, dispatch, other edges (through a stub). */
export function enteredBlocks(a: Analysis, plan: RegisterPlan): Set<BlockIdx> {
  const out = new Set<BlockIdx>();
  const inReg = (b: BlockIdx) => plan.inReg[b] === 1;
  if (a.blocks.length > 0 && a.blocks[0].reachable && inReg(0 as BlockIdx)) out.add(0 as BlockIdx);
  if (a.hasDynamicJumps) for (const t of a.dispatchTargets) if (inReg(t)) out.add(t);
  for (const b of a.blocks) {
    if (!b.reachable) continue;
    for (const t of exitTargets(b)) if (inReg(t) && !direct(plan, b, t)) out.add(t);
  }
  return out;
}

/**
 * Group blocks whose stack checks the blocks before them already made: inside a group every block's sp is the group's
 * base plus 32 × its height, so a predecessor's passed check (base ≥ STACK_BASE + 32 · (req − height)) bounds the
 * base for the next block too. A must-analysis over the direct edges (entered blocks know nothing): a block whose
 * every path guarantees its own bound needs no check (fib's loop body after its header). Underflow and overflow apart.
 */
export function impliedStackChecks(a: Analysis, plan: RegisterPlan, entered: ReadonlySet<BlockIdx>): { under: Set<BlockIdx>; over: Set<BlockIdx> } {
  const under = new Set<BlockIdx>();
  const over = new Set<BlockIdx>();
  const h = plan.regions.entryHeight;
  const members = a.blocks.filter((b) => b.reachable && plan.inReg[b.index]);
  const preds = new Map<BlockIdx, BlockIdx[]>(members.map((b) => [b.index, []]));
  for (const b of members) for (const t of exitTargets(b)) if (direct(plan, b, t)) preds.get(t)!.push(b.index);
  // lo: base ≥ STACK_BASE + 32·lo; hi: base ≤ STACK_END − 32·hi, known on entry to each block (top = +∞ to start).
  const lo = new Map<BlockIdx, number>(), hi = new Map<BlockIdx, number>();
  // An entered block's other ways in go through its stub, which makes the block's own checks (stubChecks): they count
  // as one more predecessor that proves exactly them.
  const ownLo = (b: Block) => b.stackReq - h[b.index];
  const ownHi = (b: Block) => h[b.index] + b.stackMaxGrowth;
  const none = (b: Block) => !entered.has(b.index) && preds.get(b.index)!.length === 0; // no way in: proves nothing
  for (const b of members) {
    lo.set(b.index, entered.has(b.index) ? ownLo(b) : none(b) ? -Infinity : Infinity);
    hi.set(b.index, entered.has(b.index) ? ownHi(b) : none(b) ? -Infinity : Infinity);
  }
  const outLo = (p: BlockIdx) => Math.max(lo.get(p)!, a.blocks[p].stackReq - h[p]);
  const outHi = (p: BlockIdx) => Math.max(hi.get(p)!, h[p] + a.blocks[p].stackMaxGrowth);
  for (let changed = true; changed;) {
    changed = false;
    for (const b of members) {
      const ps = preds.get(b.index)!;
      const stub = entered.has(b.index);
      const l = Math.min(stub ? ownLo(b) : Infinity, ...ps.map(outLo));
      const u = Math.min(stub ? ownHi(b) : Infinity, ...ps.map(outHi));
      if (none(b)) continue;
      if (l !== lo.get(b.index) || u !== hi.get(b.index)) { lo.set(b.index, l); hi.set(b.index, u); changed = true; }
    }
  }
  for (const b of members) {
    if (lo.get(b.index)! >= b.stackReq - h[b.index]) under.add(b.index);
    if (hi.get(b.index)! >= h[b.index] + b.stackMaxGrowth) over.add(b.index);
  }
  return { under, over };
}

/**
 * The stack checks an entered group block's stub makes for it (those impliedStackChecks let the block skip: its direct
 * predecessors prove them), in the block's order: gas, underflow, overflow — a block that would fail its gas check
 * and a stack check reports OutOfGas, as the reference does.
 */
export function stubChecks(m: Module, b: Block, implied: { under: ReadonlySet<BlockIdx>; over: ReadonlySet<BlockIdx> }): Expr[] {
  const sp = () => m.local.get(LOCAL_SP, i32);
  const under = () => m.i32.lt_u(sp(), m.i32.const(STACK_BASE + 32 * b.stackReq));
  const over = () => m.i32.gt_u(sp(), m.i32.const(STACK_END - 32 * b.stackMaxGrowth));
  const moved: Expr[] = [];
  if (b.stackReq > 0 && implied.under.has(b.index)) moved.push(under());
  if (b.stackMaxGrowth > 0 && implied.over.has(b.index)) moved.push(over());
  if (moved.length === 0) return [];
  const ret = (st: Status) => m.return(m.i32.const(st));
  const fail: Expr[] = [];
  if (b.gas > 0) fail.push(m.if(m.i64.lt_u(m.local.get(LOCAL_GAS, i64), m.i64.const(BigInt(b.gas))), ret(Status.OutOfGas)));
  if (b.stackReq > 0) fail.push(m.if(under(), ret(Status.StackUnderflow)));
  fail.push(ret(Status.StackOverflow));
  return [m.if(moved.length === 1 ? moved[0] : m.i32.or(moved[0], moved[1]), m.block(null, fail))];
}
