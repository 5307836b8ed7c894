/**
 * @file Control flow of the C backend: the whole contract is one function, every reachable basic
 * block a label. Fused jumps are direct `goto`s; dynamic jumps go through one `switch` on the target
 * pc (clang turns it into a jump table), with invalid targets on the default. Each block starts with
 * its checks — static gas, stack underflow and overflow, once per block — as in the wasm backend.
 */
import { STACK_BASE, STACK_END, Status } from '../../abi/context.ts';
import { bodyEnd } from '../../analysis/blocks.ts';
import type { Analysis, Block, BlockIdx } from '../../analysis/types.ts';
import { traitsIn } from '../../evm/traits.ts';
import { BlockBuilder, exitCode, GAS_TO_CTX, type Value } from './frame.ts';
import { compileInst } from './lower.ts';

const label = (b: BlockIdx | number) => `B${b}`;

/** The statements of `mevmc_run`'s body. */
export function compileBody(a: Analysis, trace: boolean): string[] {
  const out: string[] = [];
  const names = { next: 0 };
  const goto = (to: BlockIdx | number) => (to < 0 ? exitCode(Status.Stop) : `goto ${label(to)};`);
  for (const b of a.blocks) {
    if (!b.reachable) continue;
    const bb = new BlockBuilder(names);
    if (trace) bb.synced(`H->trace(U, ${b.startPc}u, (uint32_t)(sp - M))`);
    emitChecks(bb, b);
    const cond = compileBlockCode(bb, a, b);
    const e = b.exit;
    if (cond !== 'ended') {
      switch (e.kind) {
        case 'fallthrough': case 'jump': bb.emit(goto(e.to)); break;
        case 'jumpi': bb.emit(`if (${cond}) ${goto(e.to)}`); bb.emit(goto(e.next)); break;
        case 'dynamicJump': bb.emit('goto dispatch;'); break;
        case 'dynamicJumpi': bb.emit(`if (${cond}) goto dispatch;`); bb.emit(goto(e.next)); break;
        case 'badJumpi': bb.emit(goto(e.next)); break;
        case 'codeEnd': bb.exit(Status.Stop); break;
        case 'badJump': case 'terminate': break;
      }
    }
    // Braces scope the block's temporaries; a label needs a statement after it.
    out.push(`${label(b.index)}: {`, ...bb.lines.map((l) => `  ${l}`), '}');
  }
  if (a.hasDynamicJumps) {
    out.push('dispatch:', '  switch (jt) {');
    for (const t of a.dispatchTargets) out.push(`  case ${a.blocks[t].startPc}u: goto ${label(t)};`);
    out.push(`  default: return ${Status.InvalidJump};`, '  }');
  }
  if (!a.blocks.some((b) => b.reachable)) out.push(`{ ${GAS_TO_CTX} return ${Status.Stop}; }`);
  return out;
}

/** Gas and stack checks, once per block. */
function emitChecks(bb: BlockBuilder, b: Block): void {
  if (b.gas > 0) bb.charge(`${b.gas}ull`);
  if (b.stackReq > 0) bb.failIf(`sp < S + ${32 * b.stackReq}`, Status.StackUnderflow);
  if (b.stackMaxGrowth > 0) bb.failIf(`sp > S + ${STACK_END - STACK_BASE - 32 * b.stackMaxGrowth}`, Status.StackOverflow);
}

/**
 * Lower the instructions of a block and prepare its exit. Returns the C condition of a conditional
 * exit, undefined for unconditional ones, or 'ended' when the block returns.
 */
function compileBlockCode(bb: BlockBuilder, a: Analysis, b: Block): string | undefined | 'ended' {
  const d = a.decoded;
  const e = b.exit;
  const end = bodyEnd(b);
  for (let i = b.start; i < end; i++) {
    const op = d.ops[i];
    const t = traitsIn(op, a.fork);
    if (t === undefined) { bb.exit(Status.InvalidOpcode); return 'ended'; }
    if (!compileInst(bb, { fork: a.fork, pc: d.pcs[i] }, op, t, d.pushValues.get(i as never))) return 'ended';
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
      // Targets of 2^32 and above hit no JUMPDEST: map them to one that is never valid.
      bb.emit(`jt = (${target.c} >> 32) == 0 ? (uint32_t)${target.c} : 0xffffffffu;`);
      if (e.kind === 'dynamicJump') { bb.flush(); return undefined; }
      const c = taken(bb.pop());
      bb.flush();
      return c;
    }
  }
}
