/**
 * @file `mevmc compile <code> [--target wasm|c|so] -o out [--emit wasm|wat] [--fork F] [-O N]`.
 */
import { buildSharedObject, sourceOpt } from '../../src/backend/c/clang.ts';
import { compileToC } from '../../src/backend/c/index.ts';
import { analyze } from '../../src/analysis/index.ts';
import { InputError } from '../../runtime/harness/case.ts';
import { readContractInput } from '../artifact.ts';
import { initCodeAdvice } from '../init-code.ts';
import { readFork } from '../input.ts';
import { checkOutputFile, writeOutputFile } from '../options.ts';

export interface CompileArgs {
  code: string;
  out?: string;
  target: 'wasm' | 'c' | 'so';
  emit: 'wasm' | 'wat';
  fork: string;
  optimize: number;
  raw?: boolean;
  /** Which contract of an artifact with several. */
  contract?: string;
}

export async function compileCommand(a: CompileArgs): Promise<number> {
  const input = readContractInput(a.code, { want: 'runtime', contract: a.contract, raw: a.raw });
  if (input.wasm) throw new InputError(`${a.code}: already a compiled module (run it with mevmc run); give the EVM code or an artifact`);
  if (input.initShape) console.error(`mevmc: warning: ${initCodeAdvice(a.code, input.initShape)}`);
  const code = input.code;
  const fork = readFork(a.fork);
  const opt = a.optimize as 0 | 1 | 2 | 3;
  // A bad -o is reported before compiling (clang can take seconds), and again by the write itself.
  if (a.out !== undefined) checkOutputFile('-o', a.out);
  let t0 = performance.now();
  if (a.target !== 'wasm') {
    if (a.target === 'so' && !a.out) throw new InputError('--target so writes a shared object: give -o <file>.so');
    const { source, blocks, insts } = compileToC(analyze(code, fork));
    const genMs = performance.now() - t0;
    if (a.target === 'c') {
      if (a.out) writeOutputFile('-o', a.out, source);
      else process.stdout.write(source);
      if (a.out) console.error(`mevmc: ${code.length} bytes of EVM code → ${a.out} (${source.length} bytes of C, ${genMs.toFixed(1)} ms)`);
      return 0;
    }
    buildSharedObject(source, a.out!, { optimize: opt });
    const ms = performance.now() - t0;
    console.error(`mevmc: ${code.length} bytes of EVM code → ${a.out} (C generated in ${genMs.toFixed(1)} ms, ${blocks} blocks, ${insts} instructions, clang -O${sourceOpt(source, opt)}: ${(ms - genMs).toFixed(0)} ms)`);
    return 0;
  }
  // binaryen (and wabt for text) only now: input and output path errors above come at once.
  const { compileToWasm } = await import('../../src/backend/wasm/index.ts');
  t0 = performance.now(); // compile time, not binaryen's load
  const art = compileToWasm(analyze(code, fork), { optimize: opt });
  const ms = performance.now() - t0;
  const data = a.emit === 'wat' ? await (await import('../../src/backend/wasm/wat.ts')).toWat(art.binary) : art.binary;
  if (a.out) {
    writeOutputFile('-o', a.out, data);
    console.error(`mevmc: ${code.length} bytes of EVM code → ${a.out} (${art.binary.length} bytes of wasm, ${ms.toFixed(1)} ms)`);
  } else process.stdout.write(typeof data === 'string' ? data : Buffer.from(data));
  return 0;
}
