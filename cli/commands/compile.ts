/**
 * @file `mevmc compile <code> -o out.wasm [--emit wasm|wat] [--fork F] [-O N]`.
 */
import { writeFileSync } from 'node:fs';
import { analyze, compileToWasm } from '../../src/index.ts';
import { readCode, readFork } from '../input.ts';

export interface CompileArgs {
  code: string;
  out?: string;
  emit: 'wasm' | 'wat';
  fork: string;
  optimize: number;
}

export function compileCommand(a: CompileArgs): number {
  const code = readCode(a.code);
  const fork = readFork(a.fork);
  const t0 = performance.now();
  const art = compileToWasm(analyze(code, fork), { optimize: a.optimize as 0 | 1 | 2 | 3, text: a.emit === 'wat' });
  const ms = performance.now() - t0;
  const data = a.emit === 'wat' ? art.text! : art.binary;
  if (a.out) {
    writeFileSync(a.out, data);
    console.error(`mevmc: ${code.length} bytes of EVM code → ${a.out} (${art.binary.length} bytes of wasm, ${ms.toFixed(1)} ms)`);
  } else if (a.emit === 'wat') process.stdout.write(art.text!);
  else process.stdout.write(Buffer.from(art.binary));
  return 0;
}
