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
import { bodyEnd } from '../../analysis/blocks.ts';
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
 * function), or a single block that keeps the memory stack. Control moves between units only by `goto B<i>;` /
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
export function compileBody(a: Analysis, trace: boolean, cut = { above: SPLIT_ABOVE, every: SPLIT_INSTS }): CBody {
  const out: string[] = [];
  /** Owner unit of `out` lines from `from` on, in order. */
  const marks: { unit: string; from: number; insts?: number }[] = [];
  const names = { next: 0, pieces: 0 };
  const plan = planRegisters(a, trace);
  const unitOf = (b: BlockIdx | number): string => {
    const r = plan.regions.regionOf[b];
    return plan.byRegion.has(r) ? `R${r}` : `b${b}`;
  };
  const loops = new Map<number, CountedLoop>();
  for (const l of countedLoops(a, plan.regions, (r) => plan.byRegion.has(r))) loops.set(l.cycle[0], l);
  const narrowVars = new Set<number>();
  for (const l of loops.values()) {
    const low = plan.byRegion.get(l.region)!.low;
    for (const h of narrowSlots(l)) narrowVars.add(h - low);
  }
  // Register windows to write back before a dispatch, filled in once the region's blocks are all lowered.
  // `to`: a resolved jump's target in the same region, which takes the window in its variables (transferCode).
  const spills: { line: number; id: number; region: number; height: number; to?: BlockIdx }[] = [];
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
    // Leaving the region (the dispatch or a resolved jump): its register window goes back to the memory stack.
    const leave = (jump: string, to?: BlockIdx): string => {
      if (reg === undefined) return jump;
      const id = spills.length;
      spills.push({ line: out.length + 1 + bb.lines.length, id, region, height: entry + b.stackDelta, to });
      return `{ /* spill ${id} */ ${jump} }`;
    };
    const toDispatch = () => leave('goto dispatch;');
    // A resolved jump (a Solidity return): a target in this region is entered with the window kept in variables
    // (one hand-over per target); the others share one spill, as before.
    const resolved = (t: JumpTargets): string => {
      const inside = reg === undefined ? [] : t.blocks.filter((x) => plan.regions.regionOf[x] === region);
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
    const split = reg === undefined && !trace && b.end - b.start > cut.above
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
      : undefined;
    const cond = compileBlockCode(bb, a, b, split && { every: cut.every, split });
    const e = b.exit;
    if (cond !== 'ended') {
      switch (e.kind) {
        case 'fallthrough': case 'jump': bb.emit(goto(e.to)); break;
        case 'jumpi': bb.emit(`if (${cond}) ${goto(e.to)}`); bb.emit(goto(e.next)); break;
        case 'dynamicJump': bb.emit(e.targets ? resolved(e.targets) : toDispatch()); break;
        case 'dynamicJumpi': bb.emit(`if (${cond}) ${e.targets ? resolved(e.targets) : toDispatch()}`); bb.emit(goto(e.next)); break;
        case 'badJumpi': bb.emit(goto(e.next)); break;
        case 'codeEnd': bb.exit(Status.Stop); break;
        case 'badJump': case 'terminate': break;
      }
    }
    // Braces scope the block's temporaries; a label needs a statement after it.
    marks.push({ unit: piece.unit, from: out.length, insts: b.end - piece.from });
    out.push(`${piece.label}: {`, ...bb.lines.map((l) => `  ${l}`), '}');
  }
  for (const loop of loops.values()) {
    marks.push({ unit: unitOf(loop.cycle[0]), from: out.length });
    out.push(...fastLoop(a, plan, loop, names));
  }
  for (const s of spills) {
    const reg = plan.byRegion.get(s.region)!;
    const code = s.to === undefined
      ? windowCode(s.height, reg.low, reg.written, 'store')
      : transferCode(s.height, plan.regions.entryHeight[s.to], reg.low, new Set([...reg.read, ...reg.written]), reg.written);
    out[s.line] = out[s.line].replace(`/* spill ${s.id} */`, code);
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
function fastLoop(a: Analysis, plan: RegisterPlan, loop: CountedLoop, names: { next: number }): string[] {
  const reg = plan.byRegion.get(loop.region)!;
  const head = loop.cycle[0];
  const narrow = new Set(narrowSlots(loop).map((h) => h - reg.low));
  const writeBack = loop.counters.map(({ slot }) => `${regVar(slot, reg.low)} = (w256)${narrowVar(slot - reg.low)};`).join(' ');
  const leave = (to: BlockIdx | number) => `{ ${writeBack} ${to < 0 ? exitCode(Status.Stop) : `goto ${label(to)};`} }`;
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
function compileBlockCode(bb: BlockBuilder, a: Analysis, b: Block, cut?: { every: number; split: (i: number) => BlockBuilder }): string | undefined | 'ended' {
  const d = a.decoded;
  const e = b.exit;
  const end = bodyEnd(b);
  for (let i = b.start; i < end; i++) {
    if (cut !== undefined && i > b.start && (i - b.start) % cut.every === 0) bb = cut.split(i);
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
