/**
 * @file `mevmc run <code> …` (one message call) and `mevmc run --batch cases.jsonl` (one JSON case
 * per line → one JSON result per line). Both use @ethereumjs/evm `runCall` conventions.
 */
import { readFileSync } from 'node:fs';
import { type Case, type CaseResult, DEFAULT_CALLER, InputError, parseCase, parseQuantity } from '../../runtime/harness/case.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { formatTraceStep, type TraceStep } from '../../runtime/host/trace.ts';
import { readCode, readFork } from '../input.ts';

export type EngineName = 'wasm' | 'native' | 'ref';

export interface RunArgs {
  code?: string;
  batch?: string;
  calldata: string;
  gas: string;
  value: string;
  fork: string;
  engine: EngineName;
  json: boolean;
  repeat: number;
  cacheDir?: string;
  trace: boolean;
}

/** Run one case on an engine. */
export async function runOn(engine: EngineName, c: Case, repeat: number, loader: ContractLoader, trace = false): Promise<CaseResult> {
  const onStep = trace ? (s: TraceStep) => console.log(formatTraceStep(s)) : undefined;
  if (engine === 'ref') return (await import('../../runtime/harness/reference/ethereumjs.ts')).runReference(c, { repeat, onStep });
  const [{ runCase }, { withCompiler }] = await Promise.all([import('../../runtime/harness/batch.ts'), import('../../runtime/loader/wasm.ts')]);
  // binaryen is loaded only if some code of the case is in no cache (the case then runs again from its pre-state).
  return withCompiler(() => runCase(c, { repeat, loader, engine, trace: onStep }));
}

/**
 * The loader of a compiled engine ('ref' gets a wasm loader it never uses). `--engine native` without a
 * usable clang or FFI is an input error: one `mevmc: error:` line, exit 2.
 */
export async function loaderFor(engine: EngineName, cacheDir?: string): Promise<ContractLoader> {
  if (engine === 'native') {
    const { NativeLoader, nativeUnavailableReason } = await import('../../runtime/loader/native.ts');
    const why = nativeUnavailableReason();
    if (why) throw new InputError(`--engine native: ${why}`);
    return new NativeLoader(cacheDir ? { cacheDir } : {});
  }
  const { WasmLoader } = await import('../../runtime/loader/wasm.ts');
  return new WasmLoader(cacheDir ? { cacheDir } : {});
}

/** The EIP-3155 summary line after a trace. */
function traceSummary(r: CaseResult): string {
  return JSON.stringify({ output: r.output.slice(2), gasUsed: '0x' + BigInt(r.gasUsed).toString(16), ...(r.error ? { error: r.error } : {}) });
}

function printHuman(r: CaseResult): void {
  console.log(`status   ${r.status}${r.error ? ` (${r.error})` : ''}`);
  console.log(`gasUsed  ${r.gasUsed}`);
  console.log(`output   ${r.output}`);
  for (const l of r.logs) console.log(`log      ${l.address} [${l.topics.join(', ')}] ${l.data}`);
  for (const [k, v] of Object.entries(r.storage)) console.log(`storage  ${k} = ${v}`);
  if (r.refund !== '0') console.log(`refund   ${r.refund}`);
  console.log(`execMs   ${r.execMs.toFixed(4)}`);
}

/** Parse every line of a batch file first, so a bad line stops the run before any output. */
export function readBatch(path: string): Case[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${path}: cannot read file`);
  }
  const cases: Case[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw new InputError(`${path}:${i + 1}: not valid JSON`);
    }
    try {
      cases.push(parseCase(o, `line${i + 1}`));
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${path}:${i + 1}: ${e.message}`);
      throw e;
    }
  });
  return cases;
}

export async function runCommand(a: RunArgs): Promise<number> {
  const repeat = Math.max(1, Math.floor(a.repeat));
  // Validate all input before loading the compiler.
  const batch = a.batch ? readBatch(a.batch) : undefined;
  const single = batch ? undefined : singleCase(a);
  const loader = await loaderFor(a.engine, a.cacheDir);
  if (batch) {
    for (const c of batch) {
      const r = await runOn(a.engine, c, repeat, loader, a.trace);
      console.log(a.trace ? traceSummary(r) : JSON.stringify(r));
    }
    return 0;
  }
  const r = await runOn(a.engine, single!, repeat, loader, a.trace);
  if (a.trace) console.log(traceSummary(r));
  else if (a.json) console.log(JSON.stringify(r));
  else printHuman(r);
  return 0;
}

function singleCase(a: RunArgs): Case {
  if (!a.code) throw new InputError('run: give <code> (0x…, a .bin/hex file) or --batch cases.jsonl');
  readFork(a.fork);
  const value = parseQuantity(a.value, 'value');
  // The caller is funded with exactly --value so the transfer can happen.
  return parseCase({ id: 'run', fork: a.fork, code: '0x' + Buffer.from(readCode(a.code)).toString('hex'), calldata: a.calldata, gas: a.gas, value: a.value,
    pre: value > 0n ? { [DEFAULT_CALLER]: { balance: value.toString() } } : {} });
}
