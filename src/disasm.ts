/**
 * @file Disassembler and block dump: a stable, diffable text view of the decoded code and of the
 * analysis (gas, stack bounds, exits, fused jumps), used by `mevmc disasm` and tests.
 */
import type { Analysis, Exit, JumpTargets } from './analysis/types.ts';
import { decode } from './analysis/decode.ts';
import type { Fork } from './evm/forks.ts';
import { traitsIn } from './evm/traits.ts';

const hex = (n: number | bigint, w = 0) => n.toString(16).padStart(w, '0');

/** One line per instruction: `pc  MNEMONIC [0ximm]`; opcodes undefined in `fork` are marked. */
export function disassemble(code: Uint8Array, fork: Fork): string[] {
  const d = decode(code);
  const lines: string[] = [];
  for (let i = 0; i < d.ops.length; i++) {
    const op = d.ops[i];
    const t = traitsIn(op, fork);
    let s = `${hex(d.pcs[i], 4)}  ${t ? t.name : `INVALID(0x${hex(op, 2)})`}`;
    const v = d.pushValues.get(i as never);
    if (t && t.imm > 0 && v !== undefined) {
      const avail = Math.max(0, Math.min(t.imm, code.length - d.pcs[i] - 1));
      s += ` 0x${hex(v, 2 * t.imm)}${avail < t.imm ? `  ; truncated: ${avail} of ${t.imm} bytes, zero-padded` : ''}`;
    }
    lines.push(s);
  }
  return lines;
}

function formatExit(a: Analysis, e: Exit): string {
  const pcOf = (i: number) => (i < 0 ? 'end' : `@${hex(a.blocks[i].startPc, 4)}`);
  const resolved = (t: JumpTargets | undefined) => t === undefined ? 'dispatch'
    : `{${[...t.blocks.map(pcOf), ...(t.invalid ? ['invalid'] : [])].join(', ')}} (resolved)`;
  switch (e.kind) {
    case 'fallthrough': return `fallthrough → ${pcOf(e.to)}`;
    case 'jump': return `jump → ${pcOf(e.to)} (fused)`;
    case 'jumpi': return `jumpi → ${pcOf(e.to)} else ${pcOf(e.next)} (fused)`;
    case 'dynamicJump': return `jump → ${resolved(e.targets)}`;
    case 'dynamicJumpi': return `jumpi → ${resolved(e.targets)} else ${pcOf(e.next)}`;
    case 'badJump': return 'jump → invalid target (halts)';
    case 'badJumpi': return `jumpi → invalid target (halts if taken) else ${pcOf(e.next)}`;
    case 'terminate': return 'terminates';
    case 'codeEnd': return 'end of code (STOP)';
  }
}

/** One line per block: start pc, instruction count, gas, stack requirement/growth, exit. */
export function formatBlocks(a: Analysis): string[] {
  const dynamic = a.blocks.filter((b) => b.reachable && (b.exit.kind === 'dynamicJump' || b.exit.kind === 'dynamicJumpi')).length;
  const lines = [
    `${a.blocks.length} blocks, ${a.blocks.filter((b) => b.reachable).length} reachable, ${a.dispatchTargets.length} dispatch targets`,
    `dynamic jumps: ${a.resolvedJumps} of ${dynamic} reachable resolved; ${a.mergedJumpdests} JUMPDESTs no jump reaches merged into the block before`,
  ];
  for (const b of a.blocks) {
    const mark = b.reachable ? ' ' : 'x';
    lines.push(`${mark} block ${b.index} @${hex(b.startPc, 4)} insts=${b.end - b.start} gas=${b.gas} req=${b.stackReq} growth=${b.stackMaxGrowth} delta=${b.stackDelta >= 0 ? '+' : ''}${b.stackDelta}  ${formatExit(a, b.exit)}`);
  }
  return lines;
}
