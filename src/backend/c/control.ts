/**
 * @file Control flow of the C backend: every reachable basic block a label in one of the contract's
 * C functions (functions.ts groups the code into functions of bounded size). Fused jumps are direct
 * `goto`s (tail calls between functions); dynamic jumps go through a `switch` on the target pc (clang
 * turns it into a jump table), with invalid targets on the default. Each block starts with
 * its checks — static gas, stack underflow and overflow, once per block — as in the wasm backend.
 * Looping static regions (analysis/regions.ts) keep their stack in variables r0…, synced with the
 * memory stack only where the dispatch enters or leaves them. Counted loops in them (analysis/loops.ts)
 * get a second, fast copy: one gas check per round of iterations and the counter in 64 bits, entered
 * from the loop's header when run-time guards hold.
 */
import { STACK_BASE, STACK_END, Status } from '../../abi/context.ts';
import { allSuccessors, bodyEnd } from '../../analysis/blocks.ts';
import { cyclesOf } from '../../analysis/cycles.ts';
import { entryConstants } from '../../analysis/entry-constants.ts';
import { type CountedLoop, countedLoops, type ExitTest } from '../../analysis/loops.ts';
import { type StackRegions, stackRegions } from '../../analysis/regions.ts';
import type { Analysis, Block, BlockIdx, JumpTargets } from '../../analysis/types.ts';
import { traitsIn } from '../../evm/traits.ts';
import { BlockBuilder, exitCode, GAS_TO_CTX, narrowVar, regVar, type Value } from './frame.ts';
import { compileInst } from './lower.ts';

const label = (b: BlockIdx | number) => `B${b}`;

/**
 * A block of more than SPLIT_ABOVE instructions (memory stack only) — one that would be a unit over functions.ts's
 * OPTNONE_INSTS, built without optimisation — is cut into pieces of SPLIT_INSTS: its stack is written back at each cut
 * and the next piece is a label of its own, so functions.ts packs the pieces into functions of bounded size and clang
 * optimises them (memory_grow_*'s one 20,483-instruction block was built at -O0). Gas and stack checks stay once per
 * block, at its start: a piece needs none. Smaller blocks stay whole (a cut costs a stack write-back).
 */
export const SPLIT_ABOVE = 16_000;
export const SPLIT_INSTS = 500;

/**
 * EVM instructions of a register region per unit (about FUNCTION_BYTES of C, functions.ts): a region of more than two
 * units is cut into several, at block boundaries and inside blocks of more than this (loops stay whole), so that clang
 * optimises functions of bounded size that the parallel build can spread. blake2b_huff's one 8,803-instruction region
 * (one function) cost 5.3 s of clang, weierstrudel's 2,556-instruction one 3.8 s. Control crossing a cut goes through
 * the memory stack as when the dispatch leaves and enters the region: the window's written variables are stored, the
 * next unit loads its used ones.
 */
export const REGION_UNIT_INSTS = 1_200;

/** Largest register window (slots) of a region kept in variables; wider regions keep the memory stack. */
const MAX_REGISTER_SLOTS = 64;

/**
 * Iterations per round of a counted loop's fast copy (one gas check each): small bodies are copied more
 * often, so the round's overhead is shared and clang can alternate the roles of rotating variables (fib's
 * a, b) without moves. fib(10^8), before exit-free rounds: 2 copies 44 ms, 4 copies 42.6 ms. Big bodies gain
 * little and would cost clang time.
 */
const unrollOf = (loop: CountedLoop): number => (loop.insts <= 32 ? 4 : loop.insts <= 96 ? 2 : 1);

/** Register stacks of the regions that get them, by region index. */
interface RegisterPlan {
  readonly regions: StackRegions;
  readonly byRegion: Map<number, { readonly low: number; readonly read: Set<number>; readonly written: Set<number> }>;
  /** Variables to declare: the widest window. */
  readonly slots: number;
}

/**
 * Which regions keep their stack in variables: those whose static edges loop (where items would otherwise make a
 * memory round trip every iteration), with consistent heights and a bounded window. Elsewhere the memory stack is
 * cheaper: a region in variables loads its window each time the dispatch enters it and stores it when it leaves.
 */
function planRegisters(a: Analysis, trace: boolean): RegisterPlan {
  const regions = stackRegions(a);
  const byRegion: RegisterPlan['byRegion'] = new Map();
  let slots = 0;
  if (!trace) {
    regions.regions.forEach((r, i) => {
      if (!r.consistent || !r.loops || r.high - r.low > MAX_REGISTER_SLOTS) return;
      byRegion.set(i, { low: r.low, read: new Set(), written: new Set() });
      slots = Math.max(slots, r.high - r.low);
    });
  }
  return { regions, byRegion, slots };
}

/**
 * The contract's code as segments of C statements, each owned by a unit that must stay in one C function (see
 * functions.ts): a register region with its counted loops' fast copies and entry loads (its variables live in the
 * function; a region of more than two units is cut into several, see cutRegions), or a single block that keeps the
 * memory stack. Control moves between units only by `goto B<i>;` /
 * `goto E<i>;` (the sp/gas state is all in `sp` and `gas` then) or `goto dispatch;`.
 */
export interface CBody {
  /** Variables r0… (w256, zero) a function holding a register unit declares. */
  readonly registerSlots: number;
  /** 64-bit variables n… of counted loops' fast copies (declared with the registers). */
  readonly narrowVars: readonly number[];
  /** `insts`: EVM instructions of the blocks the segment holds (what decides optnone, functions.ts). */
  readonly segments: readonly { readonly unit: string; readonly lines: readonly string[]; readonly insts: number }[];
  /** Whether unit `u` keeps stack items in the register variables. */
  readonly registerUnit: (u: string) => boolean;
  /** The dispatch's targets: pc and the label that enters the block (E… for a register region). */
  readonly dispatch: readonly { readonly pc: number; readonly label: string }[];
}

/** The contract's code in segments (see CBody). */
export function compileBody(a: Analysis, trace: boolean, cut = { above: SPLIT_ABOVE, every: SPLIT_INSTS }, regionInsts = REGION_UNIT_INSTS): CBody {
  const out: string[] = [];
  /** Owner unit of `out` lines from `from` on, in order. */
  const marks: { unit: string; from: number; insts?: number }[] = [];
  const names = { next: 0, pieces: 0 };
  const plan = planRegisters(a, trace);
  const loops = new Map<number, CountedLoop>();
  for (const l of countedLoops(a, plan.regions, (r) => plan.byRegion.has(r))) loops.set(l.cycle[0], l);
  const { subUnit, regCuts, cutRegionSet } = cutRegions(a, plan, loops, regionInsts);
  // In a region cut into several functions, clang no longer sees the constants kept deep in its variables (blake2b_huff's
  // rotation multipliers and shift counts, 4× slower without them): the blocks take them from the analysis instead.
  const known = cutRegionSet.size > 0 ? entryConstants(a) : undefined;
  const regUnit = (r: number, k: number) => (k === 0 ? `R${r}` : `R${r}_${k}`);
  const unitOf = (b: BlockIdx | number): string => {
    const r = plan.regions.regionOf[b];
    return plan.byRegion.has(r) ? regUnit(r, subUnit[b]) : `b${b}`;
  };
  const narrowVars = new Set<number>();
  for (const l of loops.values()) {
    const low = plan.byRegion.get(l.region)!.low;
    for (const h of narrowSlots(l)) narrowVars.add(h - low);
  }
  // Register windows to write back before a dispatch, filled in once the region's blocks are all lowered.
  // `to`: a resolved jump's target in the same region, which takes the window in its variables (transferCode).
  const spills: { region: number; height: number; to?: BlockIdx }[] = [];
  /** Pieces of register blocks cut inside (see cutRegions): entered at E<n> with the window at `height`. */
  const regPieces: { n: number; unit: string; region: number; height: number }[] = [];
  const goto = (to: BlockIdx | number) => (to < 0 ? exitCode(Status.Stop) : `goto ${label(to)};`);
  // Entering a block from outside the static edges: a block of a register region loads its window first (E…).
  const entered = new Set<BlockIdx>(a.hasDynamicJumps ? a.dispatchTargets : []);
  const enter = (t: BlockIdx): string => {
    if (!plan.byRegion.has(plan.regions.regionOf[t])) return label(t);
    entered.add(t);
    return `E${t}`;
  };
  for (const b of a.blocks) {
    if (!b.reachable) continue;
    const region = plan.regions.regionOf[b.index];
    const reg = plan.byRegion.get(region);
    const entry = plan.regions.entryHeight[b.index];
    let bb = new BlockBuilder(names, reg && { entry, ...reg });
    if (reg !== undefined && cutRegionSet.has(region)) bb.knownBelow = known!.get(b.index);
    // Leaving the region (the dispatch or a resolved jump): its register window goes back to the memory stack.
    const leave = (jump: string, to?: BlockIdx, height = entry + b.stackDelta): string => {
      if (reg === undefined) return jump;
      spills.push({ region, height, to });
      return `{ /* spill ${spills.length - 1} */ ${jump} }`;
    };
    const toDispatch = () => leave('goto dispatch;');
    // A static edge to a block of this region in another unit (a cut, see cutRegions) goes through the memory stack.
    const staticGoto = (to: BlockIdx | number): string =>
      reg === undefined || to < 0 || unitOf(to) === piece.unit ? goto(to) : leave(`goto ${enter(to as BlockIdx)};`);
    // A resolved jump (a Solidity return): a target in this region's unit is entered with the window kept in
    // variables (one hand-over per target); the others share one spill, as before.
    const resolved = (t: JumpTargets): string => {
      const inside = reg === undefined ? [] : t.blocks.filter((x) => plan.regions.regionOf[x] === region && unitOf(x) === piece.unit);
      const outside = t.blocks.filter((x) => !inside.includes(x));
      const viaEntry = (to: BlockIdx) => `goto ${enter(to)};`;
      if (inside.length === 0) return leave(resolvedJump(a, t, viaEntry));
      if (t.blocks.length === 1 && !t.invalid) return leave(`goto ${label(inside[0])};`, inside[0]);
      const handOver = inside.map((x) => `case ${a.blocks[x].startPc}u: ${leave(`goto ${label(x)};`, x)}`).join(' ');
      const rest = outside.length === 0 ? `return ${Status.InvalidJump};` : leave(resolvedJump(a, { ...t, blocks: outside, invalid: true }, viaEntry));
      return `{ switch (jt) { ${handOver} default: break; } ${rest} }`;
    };
    const loop = loops.get(b.index);
    if (loop !== undefined) fastEntry(bb, loop, reg!.low);
    if (trace) bb.synced(`H->trace(U, ${b.startPc}u, (uint32_t)(sp - M))`);
    emitChecks(bb, b);
    // A huge block of the memory stack is cut into pieces (see SPLIT_INSTS), each its own unit.
    let piece: { label: string; unit: string; from: number } = { label: label(b.index), unit: unitOf(b.index), from: b.start };
    const cutUnits = regCuts.get(b.index);
    // A register block cut across units: the window goes to memory at the cut and the next piece, a unit of the
    // region's, loads it (E<n>), as at a dispatch.
    const regSplit = reg !== undefined && cutUnits !== undefined
      ? (i: number): BlockBuilder => {
        const height = bb.heightNow();
        const carried = bb.knownAfterFlush();
        bb.flush();
        const n = a.blocks.length + names.pieces++;
        const next = { label: label(n), unit: cutUnits.get(i)!, from: i };
        regPieces.push({ n, unit: next.unit, region, height });
        bb.emit(leave(`goto E${n};`, undefined, height));
        marks.push({ unit: piece.unit, from: out.length, insts: i - piece.from });
        out.push(`${piece.label}: {`, ...bb.lines.map((l) => `  ${l}`), '}');
        piece = next;
        bb = new BlockBuilder(names, { entry: height, ...reg });
        bb.knownBelow = carried;
        return bb;
      }
      : undefined;
    const split = regSplit ?? (reg === undefined && !trace && b.end - b.start > cut.above
      ? (i: number): BlockBuilder => {
        const known = bb.knownAfterFlush();
        bb.flush();
        const next = { label: label(a.blocks.length + names.pieces++), unit: `${unitOf(b.index)}_${i}`, from: i };
        bb.emit(`goto ${next.label};`);
        marks.push({ unit: piece.unit, from: out.length, insts: i - piece.from });
        out.push(`${piece.label}: {`, ...bb.lines.map((l) => `  ${l}`), '}');
        piece = next;
        bb = new BlockBuilder(names);
        bb.knownBelow = known;
        return bb;
      }
      : undefined);
    const at = cutUnits !== undefined ? (i: number) => cutUnits.has(i) : (i: number) => (i - b.start) % cut.every === 0;
    const cond = compileBlockCode(bb, a, b, split && { at, split });
    const e = b.exit;
    if (cond !== 'ended') {
      switch (e.kind) {
        case 'fallthrough': case 'jump': bb.emit(staticGoto(e.to)); break;
        case 'jumpi': bb.emit(`if (${cond}) ${staticGoto(e.to)}`); bb.emit(staticGoto(e.next)); break;
        case 'dynamicJump': bb.emit(e.targets ? resolved(e.targets) : toDispatch()); break;
        case 'dynamicJumpi': bb.emit(`if (${cond}) ${e.targets ? resolved(e.targets) : toDispatch()}`); bb.emit(staticGoto(e.next)); break;
        case 'badJumpi': bb.emit(staticGoto(e.next)); break;
        case 'codeEnd': bb.exit(Status.Stop); break;
        case 'badJump': case 'terminate': break;
      }
    }
    // Braces scope the block's temporaries; a label needs a statement after it.
    marks.push({ unit: piece.unit, from: out.length, insts: b.end - piece.from });
    out.push(`${piece.label}: {`, ...bb.lines.map((l) => `  ${l}`), '}');
  }
  for (const loop of loops.values()) {
    const unit = unitOf(loop.cycle[0]);
    // An exit to another unit of the region (cutRegions keeps the cycle in one) goes through the memory stack.
    const far = (to: BlockIdx): string | undefined => {
      if (unitOf(to) === unit) return undefined;
      spills.push({ region: loop.region, height: plan.regions.entryHeight[to] });
      return `/* spill ${spills.length - 1} */ goto ${enter(to)};`;
    };
    marks.push({ unit, from: out.length });
    out.push(...fastLoop(a, plan, loop, names, far));
  }
  for (const p of regPieces) {
    const reg = plan.byRegion.get(p.region)!;
    marks.push({ unit: p.unit, from: out.length });
    out.push(`E${p.n}: { ${windowCode(p.height, reg.low, new Set([...reg.read, ...reg.written]), 'load')} goto ${label(p.n)}; }`);
  }
  const spillCode = spills.map((s) => {
    const reg = plan.byRegion.get(s.region)!;
    return s.to === undefined
      ? windowCode(s.height, reg.low, reg.written, 'store')
      : transferCode(s.height, plan.regions.entryHeight[s.to], reg.low, new Set([...reg.read, ...reg.written]), reg.written);
  });
  for (let i = 0; i < out.length; i++) {
    if (out[i].includes('/* spill ')) out[i] = out[i].replace(/\/\* spill (\d+) \*\//g, (_, id: string) => spillCode[Number(id)]);
  }
  const dispatch = a.hasDynamicJumps ? a.dispatchTargets.map((t) => ({ pc: a.blocks[t].startPc, label: enter(t) })) : [];
  for (const t of [...entered].sort((x, y) => x - y)) {
    const reg = plan.byRegion.get(plan.regions.regionOf[t]);
    if (reg === undefined) continue;
    // Entering a register region: its variables below the entry height come from the memory stack.
    const used = new Set([...reg.read, ...reg.written]);
    marks.push({ unit: unitOf(t), from: out.length });
    out.push(`E${t}: { ${windowCode(plan.regions.entryHeight[t], reg.low, used, 'load')} goto ${label(t)}; }`);
  }
  if (!a.blocks.some((b) => b.reachable)) {
    marks.push({ unit: 'empty', from: out.length });
    out.push(`B0: { ${GAS_TO_CTX} return ${Status.Stop}; }`);
  }
  const segments = marks.map((m, i) => ({ unit: m.unit, lines: out.slice(m.from, i + 1 < marks.length ? marks[i + 1].from : out.length), insts: m.insts ?? 0 }));
  return {
    registerSlots: plan.slots,
    narrowVars: [...narrowVars].sort((x, y) => x - y),
    segments,
    registerUnit: (u) => u.startsWith('R'),
    dispatch,
  };
}

/**
 * Units of the register regions (see REGION_UNIT_INSTS): `subUnit` numbers each block's unit within its region (0 the
 * first; all 0 in a region of up to 2 × `max` instructions), filled in code order up to `max` instructions each, a loop (regionCycles) in one unit; `regCuts` maps a block of
 * more than `max` instructions (not in a counted loop's cycle) to its cut points, each with the unit of the piece it
 * starts;
 * `cutRegionSet` holds the regions of more than one unit.
 */
function cutRegions(a: Analysis, plan: RegisterPlan, loops: ReadonlyMap<number, CountedLoop>, max: number): { subUnit: Int32Array; regCuts: Map<BlockIdx, Map<number, string>>; cutRegionSet: Set<number> } {
  const subUnit = new Int32Array(a.blocks.length);
  const regCuts = new Map<BlockIdx, Map<number, string>>();
  const inLoop = new Set<number>();
  for (const l of loops.values()) for (const x of l.cycle) inLoop.add(x);
  const cycleOf = regionCycles(a, plan);
  const fill = new Map<number, { k: number; insts: number }>();
  const done = new Set<number>();
  // Only regions of more than two units are cut: a cut costs run time (blake2b_shifts' 1,993-instruction region in
  // two units ran 15% slower) and a function of up to two units' worth builds in about linear time.
  const big = new Set<number>();
  for (const r of plan.byRegion.keys()) {
    if (plan.regions.regions[r].blocks.reduce((n, x) => n + a.blocks[x].end - a.blocks[x].start, 0) > 2 * max) big.add(r);
  }
  for (const b of a.blocks) {
    const r = plan.regions.regionOf[b.index];
    if (!b.reachable || !big.has(r) || done.has(b.index)) continue;
    const f = fill.get(r) ?? { k: 0, insts: 0 };
    fill.set(r, f);
    const group = cycleOf.get(b.index) ?? [b.index];
    const size = (x: BlockIdx | number) => a.blocks[x].end - a.blocks[x].start;
    const insts = group.reduce((n, x) => n + size(x), 0);
    if (f.insts > 0 && f.insts + insts > max) { f.k++; f.insts = 0; }
    for (const x of group) {
      subUnit[x] = f.k;
      done.add(x);
      const m = a.blocks[x];
      if (inLoop.has(x) || size(x) <= max) { f.insts += size(x); continue; }
      // Pieces of at most about `max` instructions, each a unit; the block's later group members go with its last piece.
      const cuts = new Map<number, string>();
      let last: number = m.start;
      for (const i of cutPoints(a, m, max)) { cuts.set(i, `R${r}_${++f.k}`); last = i; }
      if (cuts.size > 0) regCuts.set(x, cuts);
      f.insts = m.end - last;
    }
  }
  return { subUnit, regCuts, cutRegionSet: new Set([...fill].filter(([, f]) => f.k > 0).map(([r]) => r)) };
}

/**
 * Where to cut a block of more than `max` instructions into about equal pieces: each cut near its even share, at the
 * lowest stack height within a quarter piece of it (a cut stores and reloads the window below that height).
 */
function cutPoints(a: Analysis, b: Block, max: number): number[] {
  const end = bodyEnd(b);
  const pieces = Math.ceil((end - b.start) / max);
  const step = Math.ceil((end - b.start) / pieces);
  // height[j]: stack height before instruction b.start + j, relative to the block's entry.
  const height = new Int32Array(end - b.start + 1);
  for (let i = b.start; i < end; i++) {
    const t = traitsIn(a.decoded.ops[i], a.fork);
    height[i - b.start + 1] = height[i - b.start] + (t === undefined ? 0 : t.pushes - t.pops);
  }
  const out: number[] = [];
  for (let k = 1; k < pieces; k++) {
    const ideal = b.start + k * step;
    const lo = Math.max(ideal - (step >> 2), (out[out.length - 1] ?? b.start) + 1);
    const hi = Math.min(ideal + (step >> 2), end - 1);
    let best = -1;
    for (let i = lo; i <= hi; i++) {
      const h = height[i - b.start];
      if (best < 0 || h < height[best - b.start] || (h === height[best - b.start] && Math.abs(i - ideal) < Math.abs(best - ideal))) best = i;
    }
    if (best > b.start) out.push(best);
  }
  return out;
}

/**
 * The strongly connected components of more than one block (or a block looping to itself) of the register regions'
 * edges inside a region (static, and resolved jumps to a block of the same region), by member: cutRegions keeps each in
 * one unit, so that no loop pays a cut's stores and loads per iteration.
 */
function regionCycles(a: Analysis, plan: RegisterPlan): Map<number, BlockIdx[]> {
  const regionOf = plan.regions.regionOf;
  const out = new Map<number, BlockIdx[]>();
  const sccs = cyclesOf(a, (b) => b.reachable && plan.byRegion.has(regionOf[b.index]), (b) => allSuccessors(b.exit).filter((x) => x >= 0 && regionOf[x] === regionOf[b.index]));
  for (const members of sccs) {
    members.sort((x, y) => x - y);
    for (const m of members) out.set(m, members);
  }
  return out;
}

/**
 * A jump whose targets were resolved at compile time (analysis/jump-targets.ts): the jump `go(target)` for one valid
 * target, else a local switch on jt (a value off the set halts with InvalidJump, like the dispatch's default).
 */
function resolvedJump(a: Analysis, t: JumpTargets, go: (b: BlockIdx) => string): string {
  if (t.blocks.length === 1 && !t.invalid) return go(t.blocks[0]);
  const cases = t.blocks.map((b) => `case ${a.blocks[b].startPc}u: ${go(b)}`).join(' ');
  return `{ switch (jt) { ${cases} default: return ${Status.InvalidJump}; } }`;
}

/**
 * A resolved jump between two blocks of one register region (a Solidity internal function's return, revmc's static
 * return addresses): the source's window, top at height `hs`, becomes the target's, top at `ht` (the same sp), in
 * variables instead of a store of the window and a reload at the target. Height h of the source is height
 * h + (ht − hs) of the target: its variable moves there when the target uses that variable, else it goes to memory if
 * it may be newer than memory (written). A target variable nothing moves into is loaded from memory (it is deeper
 * than the source's window, or a variable the source never held). A moved value that may be newer than memory also
 * goes to memory when the target does not write that variable: only written variables are stored when the region is
 * left, so the others must equal memory.
 */
function transferCode(hs: number, ht: number, low: number, used: ReadonlySet<number>, written: ReadonlySet<number>): string {
  const shift = ht - hs;
  const stores: string[] = [];
  const moves: [number, number][] = [];
  for (let h = low; h < hs; h++) {
    const i = h - low, j = i + shift;
    const moved = h + shift >= low && used.has(i) && used.has(j);
    if (moved && i !== j) moves.push([i, j]);
    if (written.has(i) && !(moved && written.has(j))) stores.push(`if (dep >= ${32 * (hs - h)}) mevmc_w_store(sp - ${32 * (hs - h)}, r${i});`);
  }
  const loads: string[] = [];
  for (let g = low; g < ht; g++) {
    const j = g - low, i = j - shift;
    const fromVar = g - shift >= low && g - shift < hs && used.has(i);
    if (used.has(j) && !fromVar) loads.push(`r${j} = dep >= ${32 * (ht - g)} ? mevmc_w_load(sp - ${32 * (ht - g)}) : 0;`);
  }
  // Moves read every source variable before any is assigned (the windows overlap).
  const temps = moves.map(([i], k) => `const w256 x${k} = r${i};`);
  const assigns = moves.map(([, j], k) => `r${j} = x${k};`);
  const parts = [...stores, ...temps, ...assigns, ...loads];
  return parts.length === 0 ? '' : `const uint64_t dep = (uint64_t)(sp - S); (void)dep; ${parts.join(' ')}`;
}

/** The guard at a counted loop's header: enter the fast copy when a round's gas and the 64-bit counters are safe. */
function fastEntry(bb: BlockBuilder, loop: CountedLoop, low: number): void {
  // Counters must leave room to grow (2^62, see analysis/loops.ts); bounds only have to fit.
  const counters = new Set(loop.counters.map((c) => c.slot));
  const conds = [`gas >= ${unrollOf(loop) * loop.gas}ull`, 'gas < (1ull << 62)'];
  const moves: string[] = [];
  for (const slot of narrowSlots(loop)) {
    conds.push(`(${regVar(slot, low)} >> ${counters.has(slot) ? 62 : 64}) == 0`);
    moves.push(`${narrowVar(slot - low)} = (uint64_t)${regVar(slot, low)};`);
  }
  bb.emit(`if (${conds.join(' && ')}) { ${moves.join(' ')} goto F${loop.cycle[0]}; }`);
  bb.emit(`P${loop.cycle[0]}: ;`);
}

/** The slots a counted loop's fast copy keeps in 64 bits: its counters, then its bounds. */
const narrowSlots = (loop: CountedLoop): number[] => [...loop.counters.map((c) => c.slot), ...loop.bounds];

/**
 * The fast copy of a counted loop: rounds of `unrollOf` iterations, each round checking its gas once (the cycle's
 * blocks then charge theirs unchecked when it has static gas only), counters and bounds in 64-bit variables. Exits
 * write the counters back to their register variables (bounds never change) and continue in the precise code; so
 * does a round without enough gas.
 * When every exit is a counter test (analysis/loops.ts `exitTests`), a round that provably takes none of them runs
 * a copy without the tests: a counted `for` loop's round is then straight-line code.
 */
function fastLoop(a: Analysis, plan: RegisterPlan, loop: CountedLoop, names: { next: number }, far: (to: BlockIdx) => string | undefined): string[] {
  const reg = plan.byRegion.get(loop.region)!;
  const head = loop.cycle[0];
  const narrow = new Set(narrowSlots(loop).map((h) => h - reg.low));
  const writeBack = loop.counters.map(({ slot }) => `${regVar(slot, reg.low)} = (w256)${narrowVar(slot - reg.low)};`).join(' ');
  const leave = (to: BlockIdx | number) => `{ ${writeBack} ${to < 0 ? exitCode(Status.Stop) : far(to as BlockIdx) ?? `goto ${label(to)};`} }`;
  const unroll = unrollOf(loop);
  const round = (withExits: boolean, indent: string): string[] => {
    const out: string[] = [];
    for (let it = 0; it < unroll; it++) {
      loop.cycle.forEach((bi, i) => {
        const b = a.blocks[bi];
        const next = loop.cycle[(i + 1) % loop.cycle.length];
        const bb = new BlockBuilder(names, { entry: plan.regions.entryHeight[bi], ...reg, narrow });
        if (b.gas > 0) {
          if (loop.staticGas) bb.emit(`gas -= ${b.gas}ull;`);
          else bb.charge(`${b.gas}ull`);
        }
        emitStackChecks(bb, b);
        const cond = compileBlockCode(bb, a, b);
        const e = b.exit;
        if (withExits && cond !== 'ended' && cond !== undefined && e.kind === 'jumpi' && e.to !== e.next) {
          bb.emit(e.to === next ? `if (!(${cond})) ${leave(e.next)}` : `if (${cond}) ${leave(e.to)}`);
        }
        out.push(`${indent}{`, ...bb.lines.map((l) => `${indent}  ${l}`), `${indent}}`);
      });
    }
    return out;
  };
  const out = [`F${head}: {`, `  if (gas < ${unroll * loop.gas}ull) { ${writeBack} goto P${head}; }`];
  if (loop.exitTests !== undefined) {
    out.push(`  if (${loop.exitTests.map((t) => noExitInRound(t, unroll, reg.low)).join(' && ')}) {`, ...round(false, '    '), `    goto F${head};`, '  }');
  }
  out.push(...round(true, '  '), `  goto F${head};`, '}');
  return out;
}

/** C condition: no iteration of a round of `unroll` takes the exit `t` (64-bit arithmetic: counters stay below 2^63). */
function noExitInRound(t: ExitTest, unroll: number, low: number): string {
  // The test passes most easily at the round's last iteration for '>'/'>=', at its first for '<'/'<='.
  const it = t.rel === '>' || t.rel === '>=' ? BigInt(unroll - 1) : 0n;
  const value = `${narrowVar(t.counter - low)} + ${it * t.step + t.offset}ull`;
  const negated = { '>': '<=', '>=': '<', '<': '>=', '<=': '>' }[t.rel];
  return `(${value} ${negated} ${narrowVar(t.bound - low)})`;
}

/**
 * Move the register variables `vars` of the slots below `height` between the memory stack (whose top is `sp`) and
 * the variables. A slot below the real stack bottom is never read (the blocks' underflow checks stop first), so
 * it is skipped: loads give 0, stores are dropped.
 */
function windowCode(height: number, low: number, vars: ReadonlySet<number>, dir: 'load' | 'store'): string {
  const parts: string[] = [];
  for (let h = low; h < height; h++) {
    if (!vars.has(h - low)) continue;
    const back = 32 * (height - h);
    const v = regVar(h, low);
    parts.push(dir === 'load'
      ? `${v} = dep >= ${back} ? mevmc_w_load(sp - ${back}) : 0;`
      : `if (dep >= ${back}) mevmc_w_store(sp - ${back}, ${v});`);
  }
  return parts.length === 0 ? '' : `const uint64_t dep = (uint64_t)(sp - S); ${parts.join(' ')}`;
}

/** Gas and stack checks, once per block. */
function emitChecks(bb: BlockBuilder, b: Block): void {
  if (b.gas > 0) bb.charge(`${b.gas}ull`);
  emitStackChecks(bb, b);
}

function emitStackChecks(bb: BlockBuilder, b: Block): void {
  if (b.stackReq > 0) bb.failIf(`sp < S + ${32 * b.stackReq}`, Status.StackUnderflow);
  if (b.stackMaxGrowth > 0) bb.failIf(`sp > S + ${STACK_END - STACK_BASE - 32 * b.stackMaxGrowth}`, Status.StackOverflow);
}

/**
 * Lower the instructions of a block and prepare its exit. Returns the C condition of a conditional
 * exit, undefined for unconditional ones, or 'ended' when the block returns.
 */
function compileBlockCode(bb: BlockBuilder, a: Analysis, b: Block, cut?: { at: (i: number) => boolean; split: (i: number) => BlockBuilder }): string | undefined | 'ended' {
  const d = a.decoded;
  const e = b.exit;
  const end = bodyEnd(b);
  for (let i = b.start; i < end; i++) {
    if (cut !== undefined && i > b.start && cut.at(i)) bb = cut.split(i);
    const op = d.ops[i];
    const t = traitsIn(op, a.fork);
    if (t === undefined) { bb.exit(Status.InvalidOpcode); return 'ended'; }
    if (!compileInst(bb, { fork: a.fork, pc: d.pcs[i], volatileEnv: a.volatileEnv }, op, t, d.pushValues.get(i as never))) return 'ended';
  }
  const taken = (v: Value) => bb.scalar('int', v.k !== undefined ? (v.k !== 0n ? '1' : '0') : `${v.c} != 0`);
  switch (e.kind) {
    case 'fallthrough': case 'codeEnd': case 'jump': bb.flush(); return undefined;
    case 'terminate': return 'ended';
    case 'badJump': bb.exit(Status.InvalidJump); return 'ended';
    case 'jumpi': case 'badJumpi': {
      const c = taken(bb.pop());
      bb.flush();
      if (e.kind === 'badJumpi') { bb.failIf(c, Status.InvalidJump); return undefined; }
      return c;
    }
    case 'dynamicJump': case 'dynamicJumpi': {
      const target = bb.pop();
      // Targets of 2^32 and above hit no JUMPDEST: map them to one that is never valid. A jump resolved to one
      // valid target needs no run-time value: it is a direct edge.
      if (e.targets === undefined || e.targets.invalid || e.targets.blocks.length !== 1) bb.emit(`jt = (${target.c} >> 32) == 0 ? (uint32_t)${target.c} : 0xffffffffu;`);
      if (e.kind === 'dynamicJump') { bb.flush(); return undefined; }
      const c = taken(bb.pop());
      bb.flush();
      return c;
    }
  }
}
