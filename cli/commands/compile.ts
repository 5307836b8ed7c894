/**
 * @file `mevmc compile <code> -o out.wasm [--emit wasm|wat] [--fork F] [-O N]`.
 */
import { writeFileSync } from 'node:fs';
import { toWat } from '../../src/backend/wasm/wat.ts';
import { analyze, compileToWasm } from '../../src/index.ts';
import { readCode, readFork } from '../input.ts';

export interface CompileArgs {
  code: string;
  out?: string;
  emit: 'wasm' | 'wat';
  fork: string;
  optimize: number;
}

export async function compileCommand(a: CompileArgs): Promise<number> {
  const code = readCode(a.code);
  const fork = readFork(a.fork);
  const t0 = performance.now();
  const art = compileToWasm(analyze(code, fork), { optimize: a.optimize as 0 | 1 | 2 | 3 });
  const ms = performance.now() - t0;
  const data = a.emit === 'wat' ? await toWat(art.binary) : art.binary;
  if (a.out) {
    writeFileSync(a.out, data);
    console.error(`mevmc: ${code.length} bytes of EVM code → ${a.out} (${art.binary.length} bytes of wasm, ${ms.toFixed(1)} ms)`);
  } else process.stdout.write(typeof data === 'string' ? data : Buffer.from(data));
  return 0;
}
