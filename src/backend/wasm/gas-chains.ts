/**
 * @file Gas and stack checks hoisted along chains of blocks that can only run one after the other.
 *
 * A chain is b0 → b1 → … → bn where each bk (k < n) leaves only by a static edge to bk+1 and bk+1 has no other way
 * in (no other edge, not the entry, not a dispatch target). Every instruction of a chain block is a stack move or
 * pure arithmetic (no dynamic gas, no host), so once b0 starts, the only ways to stop before bn's exit are the
 * block checks themselves: static gas, stack underflow, stack overflow. b0 then checks the whole chain at once (gas
 * ≥ the sum of the static gas, the stack height inside the union of the bounds) and charges the sum; b1…bn check and
 * charge nothing. Nothing in a chain reads the gas left, so it is exact wherever it is read (after bn, or a normal
 * halt at bn's end); a per-block `gas -= g` kept jump_around at 55 µs, without it 23–31. When the check fails, a cold path
 * replays the per-block checks in order from b0's gas and height — exactly the check the reference fails first —
 * and halts with its status. (jump_around: 4,096 JUMPDEST PUSH2 JUMP blocks, one chain.)
 */
import { STACK_BASE, STACK_END, Status } from '../../abi/context.ts';
import type { Analysis, Block, BlockIdx } from '../../analysis/types.ts';
import { Op, traitsIn } from '../../evm/traits.ts';
import { type BlockBuilder, LOCAL_GAS } from './frame.ts';
import type { Expr } from './module.ts';

export interface GasChains {
  /** Chain heads → the blocks of the chain, head first. */
  readonly heads: ReadonlyMap<BlockIdx, readonly Block[]>;
  /** Blocks after the head of a chain: their head checked and charged them. */
  readonly inner: ReadonlySet<BlockIdx>;
}

/** Longest chain: its cold path replays every block's checks. */
const MAX_CHAIN = 8192;

/** Whether every instruction of `b` can stop the frame only through the block's own gas and stack checks. */
function checksOnly(a: Analysis, b: Block): boolean {
  const ops = a.decoded.ops;
  for (let i = b.start; i < b.end; i++) {
    const op = ops[i];
    const t = traitsIn(op, a.fork);
    if (t === undefined) return false;
    if (t.kind === 'stack' || (t.kind === 'pure' && op !== Op.EXP)) continue;
    if (op === Op.JUMPDEST || op === Op.JUMP || op === Op.JUMPI || op === Op.STOP) continue;
    return false;
  }
  return true;
}

/** The chains of `a` (none in single-step tracing); blocks for which `exclude` holds (register groups) are never in one. */
export function gasChains(a: Analysis, exclude: (b: BlockIdx) => boolean): GasChains {
  const n = a.blocks.length;
  const preds = new Uint32Array(n);
  preds[0] = 1; // the entry
  for (const t of a.dispatchTargets) preds[t]++;
  for (const b of a.blocks) {
    if (!b.reachable) continue;
    const e = b.exit;
    switch (e.kind) {
      case 'fallthrough': case 'jump': if (e.to >= 0) preds[e.to]++; break;
      case 'jumpi': if (e.to >= 0) preds[e.to]++; if (e.next >= 0) preds[e.next]++; break;
      case 'badJumpi': if (e.next >= 0) preds[e.next]++; break;
      case 'dynamicJump': case 'dynamicJumpi':
        if (e.kind === 'dynamicJumpi' && e.next >= 0) preds[e.next]++;
        for (const t of e.targets?.blocks ?? []) preds[t]++;
        break;
      default: break;
    }
  }
  const ok = (b: Block) => b.reachable && !exclude(b.index) && checksOnly(a, b);
  // next[b]: the block b always runs next, if both are chain material and nothing else enters it.
  const next = new Int32Array(n).fill(-1);
  const hasPrev = new Uint8Array(n);
  for (const b of a.blocks) {
    const e = b.exit;
    if ((e.kind !== 'fallthrough' && e.kind !== 'jump') || e.to < 0 || e.to === b.index) continue;
    const t = a.blocks[e.to];
    if (preds[t.index] !== 1 || !ok(b) || !ok(t)) continue;
    next[b.index] = t.index;
    hasPrev[t.index] = 1;
  }
  const heads = new Map<BlockIdx, Block[]>();
  const inner = new Set<BlockIdx>();
  for (const b of a.blocks) {
    if (hasPrev[b.index] || next[b.index] < 0) continue;
    let chain: Block[] = [b];
    for (let x = next[b.index]; x >= 0 && !inner.has(x as BlockIdx); x = next[x]) {
      if (chain.length === MAX_CHAIN) { addChain(heads, inner, chain); chain = []; }
      chain.push(a.blocks[x]);
    }
    addChain(heads, inner, chain);
  }
  return { heads, inner };
}

function addChain(heads: Map<BlockIdx, Block[]>, inner: Set<BlockIdx>, chain: Block[]): void {
  if (chain.length < 2) return;
  heads.set(chain[0].index, chain);
  for (let k = 1; k < chain.length; k++) inner.add(chain[k].index);
}

/**
 * The checks of a chain's head: the whole chain's at once, the per-block replay when they fail; then the chain's gas.
 * A chain of k blocks is entered at the height of its head; block k's height is that plus the deltas before it.
 */
export function emitChainChecks(bb: BlockBuilder, chain: readonly Block[]): void {
  const m = bb.m;
  let gas = 0n;
  let rel = 0;
  let under = 0; // items needed on entry to the head
  let over = 0; // growth above the head's entry height
  const replay: Expr[] = [];
  for (const b of chain) {
    const g = BigInt(b.gas);
    gas += g;
    const u = b.stackReq - rel;
    const o = rel + b.stackMaxGrowth;
    under = Math.max(under, u);
    over = Math.max(over, o);
    if (g > 0n) {
      replay.push(m.if(m.i64.lt_u(bb.gas(), m.i64.const(g)), m.return(m.i32.const(Status.OutOfGas))));
      replay.push(m.local.set(LOCAL_GAS, m.i64.sub(bb.gas(), m.i64.const(g))));
    }
    if (b.stackReq > 0 && u > 0) replay.push(m.if(m.i32.lt_u(bb.sp(), m.i32.const(STACK_BASE + 32 * u)), m.return(m.i32.const(Status.StackUnderflow))));
    if (b.stackMaxGrowth > 0 && o > 0) replay.push(m.if(m.i32.gt_u(bb.sp(), m.i32.const(STACK_END - 32 * o)), m.return(m.i32.const(Status.StackOverflow))));
    rel += b.stackDelta;
  }
  // Not reached: the chain-wide check failed, so one of the per-block checks above does.
  replay.push(m.return(m.i32.const(Status.OutOfGas)));
  let fails = m.i64.lt_u(bb.gas(), m.i64.const(gas));
  if (under > 0) fails = m.i32.or(fails, m.i32.lt_u(bb.sp(), m.i32.const(STACK_BASE + 32 * under)));
  if (over > 0) fails = m.i32.or(fails, m.i32.gt_u(bb.sp(), m.i32.const(STACK_END - 32 * over)));
  bb.emit(m.if(fails, m.block(null, replay)));
  bb.emit(m.local.set(LOCAL_GAS, m.i64.sub(bb.gas(), m.i64.const(gas))));
}
