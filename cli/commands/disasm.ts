/**
 * @file `mevmc disasm <code> [--blocks] [--fork F]`.
 */
import { analyze } from '../../src/analysis/index.ts';
import { disassemble, formatBlocks } from '../../src/disasm.ts';
import { readCode, readFork } from '../input.ts';

export function disasmCommand(a: { code: string; blocks: boolean; fork: string; raw?: boolean }): number {
  const code = readCode(a.code, { raw: a.raw });
  const fork = readFork(a.fork);
  const lines = a.blocks ? formatBlocks(analyze(code, fork)) : disassemble(code, fork);
  process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
  return 0;
}
