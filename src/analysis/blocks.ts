/**
 * @file Basic blocks, their static gas and stack bounds, jump fusion and reachability.
 *
 * A block starts at the entry, at every JUMPDEST and after every block end; it ends after a
 * terminator, JUMP, JUMPI, and after every opcode whose behaviour depends on the exact remaining gas
 * (GAS, SSTORE's EIP-2200 sentry, CALL*, CREATE*): because block gas is charged on entry, splitting
 * there makes the gas seen by those opcodes exactly the interpreter's. Charging early is otherwise
 * unobservable: a block either runs to its end or halts exceptionally, and every exceptional halt
 * consumes all gas. Opcodes undefined in the fork terminate their block like INVALID.
 */
import type { Fork } from '../evm/forks.ts';
import { baseGas } from '../evm/gas.ts';
import { Op, observesGas, traitsIn } from '../evm/traits.ts';
import { isJumpdest } from './decode.ts';
import type { Block, BlockIdx, Decoded, Exit, InstIdx, Pc } from './types.ts';

/** Does instruction `op` end its block (after itself)? */
function endsBlock(op: number, fork: Fork): boolean {
  const t = traitsIn(op, fork);
  return t === undefined || t.terminates || op === Op.JUMPI || observesGas(op);
}

/**
 * Split decoded code into blocks (exits still unresolved: set to codeEnd/terminate placeholders). The JUMPDESTs
 * at the instruction indices of `merged` start no block (see `mergeableJumpdests`).
 */
export function splitBlocks(d: Decoded, fork: Fork, singleStep = false, merged?: ReadonlySet<number>): Block[] {
  const blocks: Block[] = [];
  const n = d.ops.length;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const isLast = i === n - 1;
    const nextIsJumpdest = !isLast && d.ops[i + 1] === Op.JUMPDEST && !merged?.has(i + 1);
    if (singleStep || isLast || nextIsJumpdest || endsBlock(d.ops[i], fork)) {
      blocks.push(makeBlock(d, fork, blocks.length as BlockIdx, start as InstIdx, (i + 1) as InstIdx));
      start = i + 1;
    }
  }
  return blocks;
}

function makeBlock(d: Decoded, fork: Fork, index: BlockIdx, start: InstIdx, end: InstIdx): Block {
  let gas = 0;
  let h = 0;
  let req = 0;
  let maxGrowth = 0;
  for (let i = start; i < end; i++) {
    const op = d.ops[i];
    const t = traitsIn(op, fork);
    if (t === undefined) break; // halts here: later bytes of the block never run
    gas += baseGas(fork, op)!;
    h -= t.pops;
    req = Math.max(req, -h);
    h += t.pushes;
    maxGrowth = Math.max(maxGrowth, h);
  }
  return {
    index, start, end, startPc: d.pcs[start] as Pc, gas, stackReq: req, stackMaxGrowth: maxGrowth,
    stackDelta: h, fused: false, isJumpdest: d.ops[start] === Op.JUMPDEST,
    exit: { kind: 'codeEnd' }, reachable: false,
  };
}

/**
 * Resolve every block's exit: fuse PUSH+JUMP(I) into static edges (checked against the JUMPDEST
 * set now, at compile time), route other jumps to the dispatch. Returns the block of each JUMPDEST pc.
 */
export function resolveExits(d: Decoded, fork: Fork, blocks: Block[]): Map<number, BlockIdx> {
  const blockAtPc = new Map<number, BlockIdx>();
  for (const b of blocks) if (b.isJumpdest) blockAtPc.set(b.startPc, b.index);
  for (const b of blocks) {
    const last = (b.end - 1) as InstIdx;
    const op = d.ops[last];
    const next = (b.index + 1) as BlockIdx;
    const hasNext = next < blocks.length;
    const t = traitsIn(op, fork);
    const pushed = b.end - b.start >= 2 ? staticPush(d, fork, (last - 1) as InstIdx) : undefined;
    let exit: Exit;
    if (t === undefined || (t.terminates && op !== Op.JUMP)) exit = { kind: 'terminate' };
    else if (op === Op.JUMP) {
      if (pushed === undefined) exit = { kind: 'dynamicJump' };
      else {
        exit = isJumpdest(d, pushed) ? { kind: 'jump', to: blockAtPc.get(Number(pushed))! } : { kind: 'badJump' };
        (b as { fused: boolean }).fused = true;
      }
    } else if (op === Op.JUMPI) {
      // Not taken and no next block: falls off the end of the code (implicit STOP).
      const nextIdx = hasNext ? next : (-1 as BlockIdx);
      if (pushed === undefined) exit = { kind: 'dynamicJumpi', next: nextIdx };
      else {
        exit = isJumpdest(d, pushed)
          ? { kind: 'jumpi', to: blockAtPc.get(Number(pushed))!, next: nextIdx }
          : { kind: 'badJumpi', next: nextIdx };
        (b as { fused: boolean }).fused = true;
      }
    } else exit = hasNext ? { kind: 'fallthrough', to: next } : { kind: 'codeEnd' };
    b.exit = exit;
  }
  return blockAtPc;
}

/** The value of instruction `i` if it is a PUSH defined in `fork`. */
function staticPush(d: Decoded, fork: Fork, i: InstIdx): bigint | undefined {
  const op = d.ops[i];
  if ((op < Op.PUSH0 || op > Op.PUSH32) || traitsIn(op, fork) === undefined) return undefined;
  return d.pushValues.get(i);
}

/**
 * JUMPDESTs no jump can reach (call only when no reachable jump goes through the dispatch): no static or
 * resolved edge leads to their block, and the block before falls into it only because a JUMPDEST starts a
 * block. Such a JUMPDEST is an ordinary instruction; its block can join the one before (one gas and stack
 * check instead of two). Returns their instruction indices.
 */
export function mergeableJumpdests(d: Decoded, fork: Fork, blocks: readonly Block[]): Set<number> {
  const jumpedTo = new Uint8Array(blocks.length);
  for (const b of blocks) {
    const e = b.exit;
    if (e.kind === 'fallthrough') continue;
    for (let k = 0; k < 2; k++) { const s = successorAt(e, k); if (s >= 0) jumpedTo[s] = 1; }
    const t = e.kind === 'dynamicJump' || e.kind === 'dynamicJumpi' ? e.targets : undefined;
    if (t !== undefined) for (const s of t.blocks) jumpedTo[s] = 1;
  }
  const out = new Set<number>();
  for (const b of blocks) {
    if (b.index === 0 || !b.isJumpdest || jumpedTo[b.index]) continue;
    const prev = blocks[b.index - 1];
    if (prev.exit.kind === 'fallthrough' && !endsBlock(d.ops[prev.end - 1], fork)) out.add(b.start);
  }
  return out;
}

/**
 * Successor blocks of a block along static edges: fallthroughs and fused jumps (-1 stands for "falls off the
 * end"). Resolved dynamic jumps are not static edges: see `allSuccessors`.
 */
export function successors(e: Exit): BlockIdx[] {
  switch (e.kind) {
    case 'fallthrough': case 'jump': return [e.to];
    case 'jumpi': return [e.to, e.next];
    case 'dynamicJumpi': case 'badJumpi': return [e.next];
    case 'dynamicJump': case 'badJump': case 'terminate': case 'codeEnd': return [];
  }
}

/** Successor k (0 or 1) of `successors(e)` without an array (a hot path over large block counts); -1 when none. */
export function successorAt(e: Exit, k: number): number {
  switch (e.kind) {
    case 'fallthrough': case 'jump': return k === 0 ? e.to : -1;
    case 'jumpi': return k === 0 ? e.to : k === 1 ? e.next : -1;
    case 'dynamicJumpi': case 'badJumpi': return k === 0 ? e.next : -1;
    default: return -1;
  }
}

/**
 * Every block control can reach next, the targets of resolved dynamic jumps included (not the dispatch's).
 * A resolved jump's target may be entered at other stack heights than its static predecessors give it (a
 * function returning to several callers), so stack regions (regions.ts) keep to `successors`.
 */
export function allSuccessors(e: Exit): BlockIdx[] {
  const t = e.kind === 'dynamicJump' || e.kind === 'dynamicJumpi' ? e.targets : undefined;
  return t === undefined ? successors(e) : [...t.blocks, ...successors(e)];
}

/** Mark reachable blocks from the entry; any reachable unresolved dynamic jump makes every JUMPDEST block reachable. */
export function markReachable(blocks: Block[]): { hasDynamicJumps: boolean; dispatchTargets: BlockIdx[] } {
  if (blocks.length === 0) return { hasDynamicJumps: false, dispatchTargets: [] };
  const work: BlockIdx[] = [0 as BlockIdx];
  let dynamic = false;
  const visit = (i: BlockIdx) => {
    if (i >= 0 && !blocks[i].reachable) {
      blocks[i].reachable = true;
      work.push(i);
    }
  };
  blocks[0].reachable = true;
  while (work.length) {
    const b = blocks[work.pop()!];
    const e = b.exit;
    visit(successorAt(e, 0) as BlockIdx);
    visit(successorAt(e, 1) as BlockIdx);
    const t = e.kind === 'dynamicJump' || e.kind === 'dynamicJumpi' ? e.targets : undefined;
    if (t !== undefined) for (const s of t.blocks) visit(s);
    if (!dynamic && (b.exit.kind === 'dynamicJump' || b.exit.kind === 'dynamicJumpi') && b.exit.targets === undefined) {
      dynamic = true;
      for (const x of blocks) if (x.isJumpdest) visit(x.index);
    }
  }
  const dispatchTargets = dynamic ? blocks.filter((b) => b.isJumpdest && b.reachable).map((b) => b.index) : [];
  return { hasDynamicJumps: dynamic, dispatchTargets };
}

/**
 * One past the last instruction a backend lowers itself: a block's exit jump (JUMP/JUMPI, and the PUSH fused into it)
 * is the exit's business, not an instruction to lower.
 */
export function bodyEnd(b: Block): InstIdx {
  const e = b.exit.kind;
  const jumpExit = e !== 'fallthrough' && e !== 'terminate' && e !== 'codeEnd';
  return (b.end - (jumpExit ? (b.fused ? 2 : 1) : 0)) as InstIdx;
}
