/**
 * @file `mevmc disasm <code> [--blocks] [--fork F]`.
 */
import { analyze, disassemble, formatBlocks } from '../../src/index.ts';
import { readCode, readFork } from '../input.ts';

export function disasmCommand(a: { code: string; blocks: boolean; fork: string }): number {
  const code = readCode(a.code);
  const fork = readFork(a.fork);
  const lines = a.blocks ? formatBlocks(analyze(code, fork)) : disassemble(code, fork);
  process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
  return 0;
}
