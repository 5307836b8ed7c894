/**
 * @file Control flow: every reachable basic block becomes a Relooper block. Fused jumps are direct
 * edges; all dynamic jumps go to one dispatch block that switches on the target pc (binaryen turns
 * it into a `br_table`), with invalid targets on the default edge.
 *
 * Each block's code starts with the block-level checks — static gas, stack underflow and overflow —
 * then the instructions, then the write-back of the virtual stack.
 */
import { STACK_BASE, STACK_END, Status } from '../../abi/context.ts';
import { allSuccessors, bodyEnd } from '../../analysis/blocks.ts';
import { entryConstants } from '../../analysis/entry-constants.ts';
import type { Analysis, Block, BlockIdx, Exit, JumpTargets } from '../../analysis/types.ts';
import { traitsIn } from '../../evm/traits.ts';
import { BlockBuilder, initBswapMask, LOCAL_JT, LOCAL_LABEL, LOCAL_SP, LOCAL_STATUS, Locals, loadGas, storeGas } from './frame.ts';
import { emitChainChecks, gasChains, type GasChains } from './gas-chains.ts';
import { compileInst, type LowerContext } from './lower.ts';
import { direct, enteredBlocks, impliedStackChecks, loadWindow, planRegisters, storeWindow, stubChecks } from './registers.ts';
import { binaryen, type Expr, i32, isUnreachable, type Module } from './module.ts';
import { makeOrLimbs } from './u256.ts';
import { WasmWriter } from './writer.ts';

type CallFn = LowerContext['call'];

/**
 * Above this many reachable blocks the Relooper's rendering time grows fast (100–200 ms already at
 * ~100 blocks, seconds for 20 KB contracts with a 100-target dispatch), so larger contracts use the
 * linear-time block layout. Measured on the corpus bench cases, both layouts run equally fast once
 * optimised; the Relooper still gives the tightest loops for small kernels.
 */
export const RELOOPER_MAX_BLOCKS = 32;

/** Build the body of the `run` function. Returns the body and the local types. */
export function compileBody(m: Module, a: Analysis, call: CallFn, trace = false): { body: Expr; locals: number[] } {
  return usesRelooper(a) ? compileBodyRelooper(m as binaryen.Module, a, call, trace) : compileBodyLinear(m, a, call, trace);
}

/** Whether `compileBody` lays the contract out with binaryen's Relooper (which needs a binaryen module). */
export function usesRelooper(a: Analysis): boolean {
  let blocks = 0;
  let insts = 0;
  for (const b of a.blocks) if (b.reachable) { blocks++; insts += b.end - b.start; }
  return blocks <= RELOOPER_MAX_BLOCKS && insts <= RELOOPER_MAX_INSTS && maxDispatchPc(a) < BR_TABLE_MAX;
}

/**
 * Reachable code above this many instructions takes the linear layout whatever its block count (a few huge
 * straight-line blocks, as in the memory_grow / signextend micro benchmarks): the Relooper's shapes only pay in small
 * loops, and the linear layout is what the direct writer (writer.ts) emits without binaryen.
 */
export const RELOOPER_MAX_INSTS = 2048;

/** V8 rejects a br_table with more than 65,520 entries; pc dispatch is split into chunks below it. */
const BR_TABLE_MAX = 65520;
const CHUNK_BITS = 15;

function maxDispatchPc(a: Analysis): number {
  return a.dispatchTargets.reduce((x, t) => Math.max(x, a.blocks[t].startPc), -1);
}

/**
 * `br_table` over the jump target pc (LOCAL_JT) to the label of each JUMPDEST block, default
 * `bad`. Large code is dispatched in two levels (pc >> 15, then pc & 0x7fff) to stay under V8's limit.
 */
function makePcDispatch(m: Module, a: Analysis, labelOf: (t: BlockIdx) => string): Expr {
  const jt = () => m.local.get(LOCAL_JT, i32);
  const maxPc = maxDispatchPc(a);
  const table = (from: number, to: number): string[] => {
    const t: string[] = new Array(Math.max(0, to - from)).fill('bad');
    for (const b of a.dispatchTargets) {
      const pc = a.blocks[b].startPc;
      if (pc >= from && pc < to) t[pc - from] = labelOf(b);
    }
    return t;
  };
  return m.block('bad', [makeSwitch(m, table(0, maxPc + 1), 'bad', jt, 'pcchunk')]);
}

/**
 * `br_table` to `labels[index]` (else `dflt`), split into two levels of 32 Ki entries when longer than
 * V8's limit (the pc dispatch of big code, the state switch of contracts with > 65,520 blocks).
 */
function makeSwitch(m: Module, labels: string[], dflt: string, index: () => Expr, prefix: string): Expr {
  if (labels.length <= BR_TABLE_MAX) return m.switch(labels, dflt, index());
  const size = 1 << CHUNK_BITS;
  const chunks = Math.ceil(labels.length / size);
  const names = Array.from({ length: chunks }, (_, i) => `${prefix}${i}`);
  let inner: Expr = m.switch(names, dflt, m.i32.shr_u(index(), m.i32.const(CHUNK_BITS)));
  for (let i = 0; i < chunks; i++) {
    const sub = m.switch(labels.slice(i * size, (i + 1) * size), dflt, m.i32.and(index(), m.i32.const(size - 1)));
    inner = m.block(null, [m.block(names[i], [inner]), sub]);
  }
  return inner;
}

/**
 * Linear layout, O(blocks): the blocks in pc order as nested wasm blocks inside one loop. Falling
 * through costs nothing, a forward edge is one `br`, a backward edge or a dynamic jump goes round
 * the loop through a `br_table` on the state index (dynamic jumps then through one over the pc).
 */
function compileBodyLinear(m: Module, a: Analysis, call: CallFn, trace: boolean): { body: Expr; locals: number[] } {
  const rx = registerContext(a, trace);
  const locals = new Locals(4 * rx.plan.slots);
  const known = entryConstants(a);
  // States: every reachable block, each entered register-region block preceded by its stub (which falls into it); a
  // block that continues an extended block (extendedBlocks) is compiled into its head's state.
  const ext = trace ? undefined : extendedBlocks(a, (b) => rx.plan.inReg[b] === 1 || rx.entered.has(b) || (rx.chains !== undefined && (rx.chains.heads.has(b) || rx.chains.inner.has(b))));
  const order: { b: Block; stub: boolean; unit: readonly Block[] }[] = [];
  for (const b of chainOrder(a, rx.entered, ext)) {
    if (rx.entered.has(b.index)) order.push({ b, stub: true, unit: [b] });
    const unit = [b];
    for (let t = ext?.next[b.index] ?? -1; t >= 0; t = ext!.next[t]) unit.push(a.blocks[t]);
    order.push({ b, stub: false, unit });
  }
  const n = order.length;
  const state = new Map<BlockIdx, number>();
  const stubState = new Map<BlockIdx, number>();
  order.forEach(({ b, stub }, s) => (stub ? stubState : state).set(b.index, s));
  const enterState = (t: BlockIdx) => stubState.get(t) ?? state.get(t)!;
  const label = (s: number) => `b${s}`;
  const next = () => LOCAL_LABEL; // the state index lives in the label local
  const ret = (st: Status) => retWithGas(m, st);
  const DISPATCH = n;
  const loops = naturalLoops(a, order, (b, t) => (rx.direct(b, t) ? state.get(t)! : enterState(t)), enterState, ext?.continues);
  /** Code transferring control from state `from` to state `s` (-1: end of code). */
  const goto = (from: number, s: number, cond?: Expr): Expr => {
    if (s < 0) return cond ? m.if(cond, ret(Status.Stop)) : ret(Status.Stop);
    if (s > from && s !== DISPATCH) return m.br(label(s), cond);
    if (s <= from && (loops.get(s) ?? -1) >= from) return m.br(`L${s}`, cond);
    const jump = m.block(null, [m.local.set(next(), m.i32.const(s)), m.br('L')]);
    return cond ? m.if(cond, jump) : jump;
  };
  const seq = (xs: Expr[]): Expr => (xs.length === 1 ? xs[0] : m.block(null, xs));
  let inner: Expr | undefined;
  const codes: Expr[][] = [];
  order.forEach(({ b: head, stub, unit }, s) => {
    if (stub) { codes.push(rx.stubCode(m, head.index)); return; }
    locals.resetForBlock();
    const bb = new BlockBuilder(m, locals, rx.window(head.index));
    if (trace) bb.emit(call('mevmc_trace', [m.i32.const(head.startPc), m.local.get(LOCAL_SP, i32)], 'none'));
    emitChecks(bb, head, rx.implied, rx.chains);
    bb.setEntryDepth(head.stackReq);
    bb.knownAtEntry(known.get(head.index));
    // Stack bounds the checks so far proved: sp ≥ STACK_BASE + 32·lo, sp ≤ STACK_END − 32·hi.
    const proven = { lo: head.stackReq, hi: head.stackMaxGrowth };
    // The blocks before the last of an extended block: each goes on into the next in the virtual stack, its other exit
    // writes the stack back on the way out.
    let ended = false;
    for (let k = 0; k + 1 < unit.length && !ended; k++) {
      const b = unit[k];
      if (k > 0) emitContinuedChecks(bb, b, proven);
      const cond = compileBlockCode(bb, a, b, call, true);
      if (cond === 'ended') { ended = true; break; }
      const e = b.exit;
      const sideBlock = ext!.side[b.index];
      if (sideBlock >= 0) {
        // the halting side, compiled on top of the virtual stack into the arm; the taken side goes on
        const mk = bb.mark();
        const from = bb.stmts.length;
        emitContinuedChecks(bb, a.blocks[sideBlock], { ...proven });
        bb.noSpill = true;
        if (compileBlockCode(bb, a, a.blocks[sideBlock], call) !== 'ended') throw new Error('mevmc internal error: a side block did not halt');
        bb.noSpill = false;
        const arm = bb.stmts.splice(from);
        bb.rewind(mk);
        bb.emit(m.if(m.i32.eqz(cond!), seq(arm)));
        continue;
      }
      const out = (go: Expr) => m.if(cond!, seq([...bb.flushArm(), go]));
      if (e.kind === 'jumpi') bb.emit(out(goto(s, e.to < 0 ? -1 : enterState(e.to))));
      else if (e.kind === 'dynamicJumpi') bb.emit(out(e.targets ? resolvedJump(m, a, e.targets, (x) => goto(s, enterState(x))) : goto(s, DISPATCH)));
    }
    if (ended) { codes.push(bb.stmts); return; }
    const b = unit[unit.length - 1];
    if (unit.length > 1) emitContinuedChecks(bb, b, proven);
    const cond = compileBlockCode(bb, a, b, call);
    const e = b.exit;
    /** Edge to block t: direct, or b's leave code then t's entry (its stub, if any). */
    const edge = (t: BlockIdx, c?: Expr): Expr => {
      if (t < 0) return goto(s, -1, c);
      if (rx.direct(b, t)) return goto(s, state.get(t)!, c);
      const leave = rx.leave(m, b);
      if (leave.length === 0) return goto(s, enterState(t), c);
      const go = seq([...leave, goto(s, enterState(t))]);
      return c ? m.if(c, go) : go;
    };
    const to = (t: BlockIdx) => edge(t);
    const dispatch = (c?: Expr) => {
      const leave = rx.leave(m, b);
      if (leave.length === 0) return goto(s, DISPATCH, c);
      const go = seq([...leave, goto(s, DISPATCH)]);
      return c ? m.if(c, go) : go;
    };
    const resolved = (t: JumpTargets): Expr => {
      if (t.blocks.some((x) => rx.direct(b, x))) return resolvedJump(m, a, t, (x) => edge(x));
      return seq([...rx.leave(m, b), resolvedJump(m, a, t, (x) => goto(s, enterState(x)))]);
    };
    if (cond !== 'ended') {
      switch (e.kind) {
        case 'fallthrough': case 'jump': bb.emit(to(e.to)); break;
        case 'jumpi': bb.emit(edge(e.to, cond!)); bb.emit(to(e.next)); break;
        case 'dynamicJump': bb.emit(e.targets ? resolved(e.targets) : dispatch()); break;
        case 'dynamicJumpi':
          bb.emit(e.targets ? m.if(cond!, resolved(e.targets)) : dispatch(cond!));
          bb.emit(to(e.next));
          break;
        case 'badJumpi': bb.emit(to(e.next)); break;
        case 'codeEnd': bb.emit(ret(Status.Stop)); break;
        case 'badJump': case 'terminate': break;
      }
    }
    codes.push(bb.stmts);
  });
  // Innermost: the state switch, and the pc dispatch for dynamic jumps.
  // (States inside a natural loop after its first are entered only from inside it: no switch entry.)
  const inLoop = new Uint8Array(n);
  for (const [t, end] of loops) inLoop.fill(1, t + 1, end + 1);
  const states = order.map((_, s) => (inLoop[s] ? 'disp' : label(s)));
  const dispatch = makePcDispatch(m, a, (t) => label(enterState(t)));
  inner = m.block(label(0), [
    m.block('disp', [makeSwitch(m, states, 'disp', () => m.local.get(next(), i32), 'stchunk')]),
    a.hasDynamicJumps ? dispatch : m.nop(),
    ret(Status.InvalidJump),
  ]);
  // binaryen re-scans a named block's whole subtree for branches when a direct child is unreachable
  // (br, return), which makes this nesting quadratic: hide such children behind `if (1)` (type none;
  // the optimiser removes it).
  // (The direct writer has no such cost: it keeps expressions as they are.)
  const typed = (e: Expr) => (!(m instanceof WasmWriter) && isUnreachable(m, e) ? m.if(m.i32.const(1), e) : e);
  for (let s = 0; s < n; s++) {
    const end = loops.get(s);
    if (end === undefined) { inner = m.block(s + 1 < n ? label(s + 1) : null, [inner, ...codes[s].map(typed)]); continue; }
    // A natural loop over states s..end: its back edges are `br L<s>`, not a round through the state switch.
    let body: Expr | undefined;
    for (let x = s; x < end; x++) body = m.block(label(x + 1), [...(body === undefined ? [] : [body]), ...codes[x].map(typed)]);
    const last = m.block(null, [...(body === undefined ? [] : [body]), ...codes[end].map(typed)]);
    inner = m.block(end + 1 < n ? label(end + 1) : null, [inner, m.loop(`L${s}`, last)]);
    s = end;
  }
  const body = m.block(null, [
    m.local.set(LOCAL_SP, m.i32.const(STACK_BASE)),
    loadGas(m),
    initBswapMask(m),
    m.local.set(next(), m.i32.const(0)),
    m.loop('L', inner!),
    ret(Status.Stop),
  ]);
  return { body, locals: locals.types() };
}

/**
 * The reachable blocks in the linear layout's order: pc order, except that a block entered only by the unconditional
 * jump (or fall-through) of one other block comes right after it, and so on down the chain. A jump to a later state is
 * a `br` out of the nested blocks, to an earlier one a round through the state switch (an indirect branch that one
 * site shares for all targets): jump_around's 4,096 blocks `JUMPDEST PUSH2 JUMP` in random order jumped backwards
 * half the time, now always to the next state.
 */
export function chainOrder(a: Analysis, entered: ReadonlySet<BlockIdx>, ext?: ExtendedBlocks): Block[] {
  const into = edgesInto(a);
  const placed = new Uint8Array(a.blocks.length);
  const out: Block[] = [];
  // A block continuing an extended block is placed with its head (the chain goes on from the unit's last block).
  const continues = ext?.continues;
  const last = (b: Block): Block => {
    let x = b;
    while (ext !== undefined && ext.next[x.index] >= 0) x = a.blocks[ext.next[x.index]];
    return x;
  };
  for (const first of a.blocks) {
    if (!first.reachable || placed[first.index] || continues?.[first.index]) continue;
    for (let b: Block | undefined = first; b !== undefined;) {
      placed[b.index] = 1;
      out.push(b);
      const e: Exit = last(b).exit;
      const t: BlockIdx | undefined = e.kind === 'jump' || e.kind === 'fallthrough' ? e.to : undefined;
      b = t !== undefined && t >= 0 && !placed[t] && into[t] === 1 && !entered.has(t) && !continues?.[t] && a.blocks[t].reachable ? a.blocks[t] : undefined;
    }
  }
  return out;
}

/**
 * Natural loops of the linear layout, as state → last state of the loop: a state t that static (or handed-over
 * resolved) back edges reach, from states up to s, becomes `loop L<t>` around states t..s when nothing enters t+1..s
 * except forward edges from inside (wasm cannot branch into a loop's middle), and none of them is entered through the
 * state switch (the dispatch, the function entry). Then V8 sees a real loop instead of one through the state switch.
 */
function naturalLoops(
  a: Analysis, order: readonly { b: Block; stub: boolean; unit: readonly Block[] }[], edgeState: (b: Block, t: BlockIdx) => number,
  enterState: (t: BlockIdx) => number, continues?: Uint8Array,
): Map<number, number> {
  const edges: [number, number][] = [];
  const viaSwitch = new Set<number>([0]);
  if (a.hasDynamicJumps) for (const t of a.dispatchTargets) viaSwitch.add(enterState(t));
  order.forEach(({ stub, unit }, s) => {
    if (stub) { edges.push([s, s + 1]); return; }
    // (an extended block's edge into its next block is inside the state)
    for (const b of unit) for (const t of allSuccessors(b.exit)) if (t >= 0 && !continues?.[t]) edges.push([s, edgeState(b, t)]);
  });
  const lastBack = new Map<number, number>();
  for (const [u, t] of edges) if (t <= u) lastBack.set(t, Math.max(lastBack.get(t) ?? -1, u));
  // For each state x, the lowest source of an edge into it that is not a forward edge (none: x itself).
  const out = new Map<number, number>();
  const n = order.length;
  const lowestFrom = new Int32Array(n + 1).fill(0x7fffffff);
  const backInto = new Uint8Array(n + 1);
  for (const [u, x] of edges) {
    lowestFrom[x] = Math.min(lowestFrom[x], u);
    if (u >= x) backInto[x] = 1;
  }
  for (const [t, end] of [...lastBack].sort((p, q) => p[0] - q[0])) {
    let ok = true;
    for (let x = t + 1; x <= end && ok; x++) {
      // every edge into x comes from t..x-1 (forward, inside), and x is not a switch target
      if (viaSwitch.has(x) || backInto[x] || (lowestFrom[x] !== 0x7fffffff && lowestFrom[x] < t)) ok = false;
    }
    if (ok) out.set(t, end);
  }
  return out;
}

/**
 * Extended blocks of the linear layout: a block whose only way in is its predecessor's fall-through (the not-taken
 * side of a JUMPI, a block split after GAS or a call) or static JUMP is compiled right after it in one BlockBuilder,
 * so the stack items the first leaves for the second stay in locals instead of a store to the memory stack and a load
 * back (what clang's store-to-load forwarding does for the C backend's blocks; V8 does not forward wasm memory). Only
 * the other exits write the stack back, on their way out. Each block keeps its own gas and stack checks, at the same
 * point as before. `next[b]`: the block b goes on into (−1: none); `continues[t]`: t goes on from its predecessor.
 * Blocks for which `keep` holds (register groups, gas chains, stub-entered blocks) stay on their own.
 */
export function extendedBlocks(a: Analysis, keep: (b: BlockIdx) => boolean): ExtendedBlocks {
  const n = a.blocks.length;
  const into = edgesInto(a);
  const next = new Int32Array(n).fill(-1);
  const side = new Int32Array(n).fill(-1);
  const continues = new Uint8Array(n);
  const only = (t: number) => t >= 0 && into[t] === 1 && a.blocks[t].reachable && !keep(t as BlockIdx);
  for (const b of a.blocks) {
    if (!b.reachable || keep(b.index)) continue;
    const e = b.exit;
    // A JUMPI whose not-taken side only halts (solc's assert before each division, `require`'s revert): the taken
    // side goes on, the halting block is compiled into the arm of the other.
    if (e.kind === 'jumpi' && only(e.to) && only(e.next) && haltsAlone(a, a.blocks[e.next])) {
      next[b.index] = e.to;
      side[b.index] = e.next;
      continues[e.to] = 1;
      continues[e.next] = 1;
      continue;
    }
    const t = e.kind === 'jump' || e.kind === 'fallthrough' ? e.to : e.kind === 'jumpi' || e.kind === 'dynamicJumpi' || e.kind === 'badJumpi' ? e.next : -1;
    if (!only(t)) continue;
    next[b.index] = t;
    continues[t] = 1;
  }
  // Cut extended blocks at MAX_EXTENDED_INSTS: two of blake2b_huff's ~4,400-instruction blocks in one ran ~10 % slower.
  const size = (x: number) => a.blocks[x].end - a.blocks[x].start;
  for (const h of a.blocks) {
    if (!h.reachable || continues[h.index] || next[h.index] < 0) continue;
    let insts = size(h.index);
    for (let x: number = h.index, t = next[x]; t >= 0; x = t, t = next[x]) {
      if (insts + size(t) <= MAX_EXTENDED_INSTS) { insts += size(t); continue; }
      next[x] = -1;
      continues[t] = 0;
      if (side[x] >= 0) { continues[side[x]] = 0; side[x] = -1; }
      insts = size(t);
    }
  }
  return { next, side, continues };
}

/** Edges into each block from reachable blocks; the entry and each dispatch target count one more (entered from elsewhere). */
function edgesInto(a: Analysis): Int32Array {
  const into = new Int32Array(a.blocks.length);
  into[0]++;
  for (const t of a.dispatchTargets) into[t]++; // empty without dynamic jumps
  for (const b of a.blocks) if (b.reachable) for (const t of allSuccessors(b.exit)) if (t >= 0) into[t]++;
  return into;
}

/** Largest extended block, in instructions (see the cut in extendedBlocks). */
const MAX_EXTENDED_INSTS = 2000;

export interface ExtendedBlocks {
  /** The block each block goes on into (−1: none). */
  readonly next: Int32Array;
  /** For a JUMPI going on into its taken side: the halting block of its other side (−1: none). */
  readonly side: Int32Array;
  /** Blocks compiled into an extended block's state (its later blocks and side blocks). */
  readonly continues: Uint8Array;
}

/** Largest halting block compiled into a side arm. */
const MAX_SIDE_INSTS = 16;

/** A short block that halts and reads nothing below its entry: its code needs nothing of the stack it is entered with. */
function haltsAlone(a: Analysis, b: Block): boolean {
  return (b.exit.kind === 'terminate' || b.exit.kind === 'badJump') && b.stackReq === 0 && b.end - b.start <= MAX_SIDE_INSTS;
}

/**
 * The checks of a block continuing an extended block: its gas, and its stack bounds against sp plus the items the
 * virtual stack holds above (or has taken below) the head's entry top — skipped where an earlier check of the
 * extended block already proved them (`proven`, updated).
 */
function emitContinuedChecks(bb: BlockBuilder, b: Block, proven: { lo: number; hi: number }): void {
  const m = bb.m;
  if (b.gas > 0) bb.charge(() => m.i64.const(BigInt(b.gas)));
  // The checks compare sp now; `proven` holds bounds of sp at the head's entry, `moved` items below it after spills.
  const h = bb.height;
  const under = b.stackReq - h;
  if (b.stackReq > 0 && under - bb.moved > proven.lo) {
    bb.failIf(m.i32.lt_u(bb.sp(), m.i32.const(STACK_BASE + 32 * under)), Status.StackUnderflow);
    proven.lo = under - bb.moved;
  }
  const over = b.stackMaxGrowth + h;
  if (b.stackMaxGrowth > 0 && over + bb.moved > proven.hi) {
    bb.failIf(m.i32.gt_u(bb.sp(), m.i32.const(STACK_END - 32 * over)), Status.StackOverflow);
    proven.hi = over + bb.moved;
  }
}

/** The register plan with what both layouts ask of it (registers.ts). */
function registerContext(a: Analysis, trace: boolean) {
  const plan = planRegisters(a, !trace);
  const entered = enteredBlocks(a, plan);
  const { entryHeight } = plan.regions;
  const regOf = (b: BlockIdx) => plan.groups.get(plan.groupOf[b]);
  const implied = impliedStackChecks(a, plan, entered);
  return {
    plan,
    entered,
    /** Group blocks whose stack checks their predecessors' (and, for an entered one, its stub's) imply. */
    implied,
    /** Chains whose gas and stack checks their head makes (none when tracing: every block reports itself). */
    chains: trace ? undefined : gasChains(a, (b) => plan.inReg[b] === 1),
    /** The register window of block `b`'s BlockBuilder, if it keeps its slots in locals. */
    window(b: BlockIdx): { entry: number; low: number; narrow?: ReadonlySet<number> } | undefined {
      const reg = regOf(b);
      return reg && { entry: entryHeight[b], low: reg.low, narrow: plan.narrow.get(b) };
    },
    /** Stores that write `b`'s register window back when control leaves the register blocks at its end. */
    leave(m: Module, b: Block): Expr[] {
      const reg = regOf(b.index);
      return reg ? storeWindow(m, reg, entryHeight[b.index] + b.stackDelta, plan.dirtyOut.get(b.index)!) : [];
    },
    /** The stub of an entered block: its window's loads. */
    stubCode(m: Module, t: BlockIdx): Expr[] {
      return [...stubChecks(m, a.blocks[t], implied), ...loadWindow(m, regOf(t)!, entryHeight[t], plan.liveIn.get(t)!)];
    },
    /** Whether the edge b → t keeps the window in locals (else: b's leave code, then t's stub if it has one). */
    direct: (b: Block, t: BlockIdx): boolean => direct(plan, b, t),
  };
}

/**
 * Live i64 locals a block may hold before its virtual stack is spilled to memory (dead ones are reused first, see
 * Locals): V8's limit is 50,000 per function, but Liftoff's first-call compile grows with the count (frame.ts).
 */
const MAX_BLOCK_LOCALS = 1024;

/** `return st`, publishing the gas left first when the status is a normal ending. */
function retWithGas(m: Module, st: Status): Expr {
  return st <= Status.Revert ? m.block(null, [storeGas(m), m.return(m.i32.const(st))]) : m.return(m.i32.const(st));
}

/** The taken flag of a resolved dynamic JUMPI for the Relooper's edge conditions (the status local is free between calls). */
const LOCAL_TAKEN = LOCAL_STATUS;

/** Marker for "the dispatch" as a goto target. */
const DISPATCH_TARGET = -2;

/** Relooper layout: structured loops and ifs, best code for small contracts. */
function compileBodyRelooper(m: binaryen.Module, a: Analysis, call: CallFn, trace: boolean): { body: Expr; locals: number[] } {
  const rx = registerContext(a, trace);
  const locals = new Locals(4 * rx.plan.slots);
  const known = entryConstants(a);
  const ret = (s: Status) => retWithGas(m, s);
  const init = m.block(null, [m.local.set(LOCAL_SP, m.i32.const(STACK_BASE)), loadGas(m), initBswapMask(m)]);
  if (a.blocks.length === 0) return { body: m.block(null, [init, ret(Status.Stop)]), locals: locals.types() };

  const r = new binaryen.Relooper(m);
  const rb = new Map<BlockIdx, number>();
  /** Entered register-region blocks: their stubs (window loads, then the block). */
  const stubs = new Map<BlockIdx, number>();
  const enter = (t: BlockIdx) => stubs.get(t) ?? rb.get(t)!;
  const pending: Array<() => void> = [];
  let stopBlock: number | undefined;
  const stop = () => (stopBlock ??= r.addBlock(ret(Status.Stop)));
  let bad: number | undefined;
  const badJump = () => (bad ??= r.addBlock(ret(Status.InvalidJump)));
  let dispatch: number | undefined;
  const ensureDispatch = () => {
    if (dispatch === undefined) {
      dispatch = r.addBlockWithSwitch(m.nop(), m.local.get(LOCAL_JT, i32));
      const bad = r.addBlock(ret(Status.InvalidJump));
      r.addBranchForSwitch(dispatch, bad, [], 0);
      const d = dispatch;
      pending.push(() => {
        for (const t of a.dispatchTargets) r.addBranchForSwitch(d, enter(t), [a.blocks[t].startPc], 0);
      });
    }
    return dispatch;
  };

  for (const b of a.blocks) {
    if (!b.reachable) continue;
    locals.resetForBlock();
    const bb = new BlockBuilder(m, locals, rx.window(b.index));
    if (trace) bb.emit(call('mevmc_trace', [m.i32.const(b.startPc), m.local.get(LOCAL_SP, i32)], 'none'));
    emitChecks(bb, b, rx.implied, rx.chains);
    bb.setEntryDepth(b.stackReq);
    bb.knownAtEntry(known.get(b.index));
    const cond = compileBlockCode(bb, a, b, call);
    if (cond !== 'ended' && b.exit.kind === 'dynamicJumpi' && b.exit.targets) bb.emit(m.local.set(LOCAL_TAKEN, cond!));
    rb.set(b.index, r.addBlock(m.block(null, bb.stmts)));
    if (rx.entered.has(b.index)) {
      const stub = r.addBlock(m.block(null, [...rx.stubCode(m, b.index), m.nop()]));
      stubs.set(b.index, stub);
      pending.push(() => r.addBranch(stub, rb.get(b.index)!, 0, 0));
    }
    const from = rb.get(b.index)!;
    if (cond === 'ended') continue;
    const e = b.exit;
    /** Edge code leaving the register blocks (a fresh expression per edge), or 0. */
    const leave = () => { const xs = rx.leave(m, b); return xs.length ? m.block(null, xs) : 0; };
    /** An edge's target block and code: direct, or b's leave code and t's entry (its stub, if any). */
    const resolvedEdge = (t: BlockIdx): [number, Expr | 0] => (t < 0 ? [stop(), 0] : rx.direct(b, t) ? [rb.get(t)!, 0] : [enter(t), leave()]);
    const branch = (t: BlockIdx, c: Expr | 0) => { const [to, code] = resolvedEdge(t); r.addBranch(from, to, c, code); };
    const target = (i: BlockIdx) => resolvedEdge(i)[0];
    pending.push(() => {
      switch (e.kind) {
        case 'fallthrough': case 'jump': branch(e.to, 0); break;
        case 'jumpi':
          // The Relooper allows one edge per target: a jump to the very next block is a plain edge.
          if (e.to === e.next) branch(e.next, 0);
          else { branch(e.to, cond!); branch(e.next, 0); }
          break;
        case 'dynamicJump': case 'dynamicJumpi': {
          const next = e.kind === 'dynamicJumpi' ? target(e.next) : undefined;
          if (e.targets === undefined) {
            r.addBranch(from, ensureDispatch(), e.kind === 'dynamicJumpi' ? cond! : 0, leave());
            if (e.kind === 'dynamicJumpi') branch(e.next, 0);
            break;
          }
          const single = e.targets.blocks.length === 1 && !e.targets.invalid;
          if (single && next === undefined) { const [to, code] = resolvedEdge(e.targets.blocks[0]); r.addBranch(from, to, 0, code); break; }
          // One edge per target block (the Relooper's rule), each with the condition that leads there; the rest halts.
          const taken = () => (next === undefined ? m.i32.const(1) : m.local.get(LOCAL_TAKEN, i32));
          const conds = new Map<number, { cs: Expr[]; code: () => Expr | 0 }>();
          const add = (to: number, c: Expr, code: () => Expr | 0) => {
            const x = conds.get(to);
            if (x) x.cs.push(c); else conds.set(to, { cs: [c], code });
          };
          if (e.kind === 'dynamicJumpi') { const nx = e.next; add(next!, m.i32.eqz(taken()), () => resolvedEdge(nx)[1]); }
          for (const t of e.targets.blocks) {
            const onTarget = single ? m.i32.const(1) : m.i32.eq(m.local.get(LOCAL_JT, i32), m.i32.const(a.blocks[t].startPc));
            const [to] = resolvedEdge(t);
            add(to, m.i32.and(taken(), onTarget), () => resolvedEdge(t)[1]);
          }
          for (const [to, { cs, code }] of conds) r.addBranch(from, to, cs.reduce((x, y) => m.i32.or(x, y)), code());
          r.addBranch(from, badJump(), 0, 0);
          break;
        }
        case 'badJumpi': branch(e.next, 0); break;
        case 'codeEnd': r.addBranch(from, stop(), 0, 0); break;
        case 'badJump': case 'terminate': break;
      }
    });
  }
  // Branches need every target block to exist first; the dispatch adds its edges last.
  for (let i = 0; i < pending.length; i++) pending[i]();
  const entry = enter(0 as BlockIdx);
  // Rendering dominates compile time on large contracts (~300 ms for 258 blocks with a 100-target
  // dispatch): the Relooper's multiple-entry shapes are costly. See the closing note of issue #2.
  const body = r.renderAndDispose(entry, LOCAL_LABEL);
  return { body: m.block(null, [init, body, ret(Status.Stop)]), locals: locals.types() };
}

/** Gas and stack checks, once per block (once per chain for the blocks of a chain, gas-chains.ts). */
function emitChecks(bb: BlockBuilder, b: Block, implied?: { under: ReadonlySet<BlockIdx>; over: ReadonlySet<BlockIdx> }, chains?: GasChains): void {
  const m = bb.m;
  if (chains?.inner.has(b.index)) return;
  const chain = chains?.heads.get(b.index);
  if (chain) { emitChainChecks(bb, chain); return; }
  if (b.gas > 0) bb.charge(() => m.i64.const(BigInt(b.gas)));
  if (b.stackReq > 0 && !implied?.under.has(b.index)) bb.failIf(m.i32.lt_u(bb.sp(), m.i32.const(STACK_BASE + 32 * b.stackReq)), Status.StackUnderflow);
  if (b.stackMaxGrowth > 0 && !implied?.over.has(b.index)) bb.failIf(m.i32.gt_u(bb.sp(), m.i32.const(STACK_END - 32 * b.stackMaxGrowth)), Status.StackOverflow);
}

/**
 * Lower the instructions of a block and prepare its exit. Returns the branch condition (i32) for
 * conditional exits, undefined for unconditional ones, or 'ended' when the block returns. With `goesOn` the block
 * continues into the next one of an extended block: its stack is not written back (the caller's exit arm does that).
 */
function compileBlockCode(bb: BlockBuilder, a: Analysis, b: Block, call: CallFn, goesOn = false): Expr | undefined | 'ended' {
  const m = bb.m;
  const d = a.decoded;
  const e = b.exit;
  const end = bodyEnd(b);
  for (let i = b.start; i < end; i++) {
    const op = d.ops[i];
    const t = traitsIn(op, a.fork);
    if (t === undefined) { bb.exit(Status.InvalidOpcode); return 'ended'; }
    const cx: LowerContext = { fork: a.fork, pc: d.pcs[i], call, volatileEnv: a.volatileEnv, codeSize: d.code.length };
    if (!compileInst(bb, cx, op, t, d.pushValues.get(i as never))) return 'ended';
    // Reuse dead locals; spill only when the virtual stack itself holds nearly MAX_BLOCK_LOCALS
    if (bb.locals.wantsRecycle || (bb.locals.inUse > MAX_BLOCK_LOCALS && bb.locals.full)) {
      if (bb.recycle() > MAX_BLOCK_LOCALS - 64 && !bb.noSpill) bb.spill();
    }
  }
  const isTaken = (v: ReturnType<BlockBuilder['pop']>) => m.i64.ne(makeOrLimbs(bb, v, 0), m.i64.const(0n));
  const flush = () => { if (!goesOn) bb.flush(); };
  switch (e.kind) {
    case 'fallthrough': case 'codeEnd': flush(); return undefined;
    case 'terminate': return 'ended'; // the terminator returned
    case 'jump': flush(); return undefined;
    case 'badJump': bb.exit(Status.InvalidJump); return 'ended';
    case 'jumpi': case 'badJumpi': {
      const c = bb.temp(m.i64.extend_u(isTaken(bb.pop())));
      flush();
      const taken = m.i32.wrap(m.local.get(c, binaryen.i64));
      if (e.kind === 'badJumpi') { bb.failIf(taken, Status.InvalidJump); return undefined; }
      return m.i32.wrap(m.local.get(c, binaryen.i64));
    }
    case 'dynamicJump': case 'dynamicJumpi': {
      const target = bb.pop();
      // A jump resolved to one valid target needs no run-time value: it is a direct edge.
      const t = e.targets;
      if (t === undefined || t.invalid || t.blocks.length !== 1) setJumpTarget(bb, target);
      if (e.kind === 'dynamicJump') { bb.flush(); return undefined; }
      const c = bb.temp(m.i64.extend_u(isTaken(bb.pop())));
      flush();
      return m.i32.wrap(m.local.get(c, binaryen.i64));
    }
  }
}

/**
 * Code for a jump whose targets were resolved at compile time (analysis/jump-targets.ts): a direct edge for one
 * valid target, else a binary search on jt over the targets' pcs, each leaf checked (a value off the set halts
 * with InvalidJump like the dispatch's default).
 */
function resolvedJump(m: Module, a: Analysis, t: JumpTargets, goto: (to: BlockIdx) => Expr): Expr {
  if (t.blocks.length === 1 && !t.invalid) return goto(t.blocks[0]);
  const bad = m.return(m.i32.const(Status.InvalidJump));
  const jt = () => m.local.get(LOCAL_JT, i32);
  const pcs = t.blocks.map((b) => a.blocks[b].startPc);
  const search = (lo: number, hi: number): Expr => {
    if (hi - lo <= 3) {
      const leaves: Expr[] = [];
      for (let i = lo; i < hi; i++) leaves.push(m.if(m.i32.eq(jt(), m.i32.const(pcs[i])), goto(t.blocks[i])));
      return m.block(null, [...leaves, bad]);
    }
    const mid = (lo + hi) >> 1;
    return m.if(m.i32.lt_u(jt(), m.i32.const(pcs[mid])), search(lo, mid), search(mid, hi));
  };
  return search(0, pcs.length);
}

/** jt = target if it fits in 32 bits, else 0xffffffff (no JUMPDEST there: the dispatch's default). */
function setJumpTarget(bb: BlockBuilder, target: ReturnType<BlockBuilder['pop']>): void {
  const m = bb.m;
  const fits = m.i32.and(
    m.i64.eqz(makeOrLimbs(bb, target, 1)),
    m.i64.le_u(bb.get(target.limbs[0]), m.i64.const(0xffffffffn)),
  );
  bb.emit(m.local.set(LOCAL_JT, m.select(fits, m.i32.wrap(bb.get(target.limbs[0])), m.i32.const(-1))));
}
