/**
 * @file `mevmc run <code> …` (one message call) and `mevmc run --batch cases.jsonl` (one JSON case
 * per line → one JSON result per line). Both use @ethereumjs/evm `runCall` conventions.
 */
import { readFileSync } from 'node:fs';
import { type Case, type CaseResult, DEFAULT_CALLER, InputError, parseCase, parseQuantity } from '../../runtime/harness/case.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { formatTraceStep, type TraceStep } from '../../runtime/host/trace.ts';
import { parseBatchCase, lineId } from '../../runtime/harness/case-schema.ts';
import { loaderWith, readRunInput, type RunInput } from '../run-input.ts';
import { intOption } from '../options.ts';

export type EngineName = 'wasm' | 'native' | 'ref';

export interface RunArgs {
  code?: string;
  batch?: string;
  calldata: string;
  gas: string;
  value: string;
  /** Absent: cancun, or the fork a .wasm module was compiled for. */
  fork?: string;
  /** Which contract of an artifact with several. */
  contract?: string;
  engine: EngineName;
  json: boolean;
  repeat: number;
  cacheDir?: string;
  trace: boolean;
  /** Read the code file as raw bytes. */
  raw?: boolean;
  /** msg.sender and the address the code runs at (defaults: DEFAULT_CALLER, DEFAULT_ADDRESS). */
  caller?: string;
  address?: string;
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

/** The lines of a batch file (1-based numbers, blank lines dropped); an unreadable file is an input error. */
export function readBatchLines(path: string): { no: number; text: string }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot read file'}`);
  }
  return text.replace(/^\uFEFF/, '').split('\n').map((t, i) => ({ no: i + 1, text: t })).filter((l) => l.text.trim() !== '');
}

/** One batch line → a case, or the result line that stands in its place (`status: "error"`, the reason). */
export function batchLineCase(line: { no: number; text: string }): Case | BatchError {
  let o: unknown;
  try {
    o = JSON.parse(line.text);
  } catch {
    return { id: `line ${line.no}`, status: 'error', error: `line ${line.no}: not valid JSON` };
  }
  try {
    return parseBatchCase(o, `line ${line.no}`);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { id: lineId(o, line.no), status: 'error', error: `line ${line.no}: ${e.message}` };
  }
}

/** The result line of a batch line that could not be run. */
export interface BatchError { id: string; status: 'error'; error: string }

/**
 * Each line runs on its own: a bad line prints its error result in its place and the rest still run, results
 * streaming in order. Exit 0 when every line ran, 2 (with one `mevmc: error:` summary line) when any was bad.
 */
async function runBatch(a: RunArgs, path: string, repeat: number): Promise<number> {
  const lines = readBatchLines(path);
  // As statetest: a run that finds nothing to run did not test anything.
  if (lines.length === 0) throw new InputError(`${path}: no cases (a batch holds one JSON case per line)`);
  const loader = await loaderFor(a.engine, a.cacheDir);
  const bad: BatchError[] = [];
  for (const line of lines) {
    const c = batchLineCase(line);
    if ('status' in c) {
      bad.push(c);
      console.log(JSON.stringify(c));
      continue;
    }
    const r = await runOn(a.engine, c, repeat, loader, a.trace);
    console.log(a.trace ? traceSummary(r) : JSON.stringify(r));
  }
  if (bad.length === 0) return 0;
  console.error(`mevmc: error: ${path}: ${bad.length} of ${lines.length} line${lines.length > 1 ? 's' : ''} not run (${bad[0].error}${bad.length > 1 ? '; …' : ''})`);
  return 2;
}

export async function runCommand(a: RunArgs): Promise<number> {
  const repeat = intOption('repeat', a.repeat);
  if (a.batch) return runBatch(a, a.batch, repeat);
  // Validate all input before loading the compiler.
  const input = a.code ? readRunInput(a.code, { fork: a.fork, contract: a.contract, engine: a.engine, raw: a.raw }) : undefined;
  const single = singleCase(a, input);
  const loader = loaderWith(await loaderFor(a.engine, a.cacheDir), input);
  const r = await runOn(a.engine, single, repeat, loader, a.trace);
  if (a.trace) console.log(traceSummary(r));
  else if (a.json) console.log(JSON.stringify(r));
  else printHuman(r);
  return 0;
}

function singleCase(a: RunArgs, input: RunInput | undefined): Case {
  if (!a.code || !input) throw new InputError('run: give <code> (0x…, a .bin/hex file) or --batch cases.jsonl');
  const value = parseQuantity(a.value, 'value');
  const caller = a.caller ?? DEFAULT_CALLER;
  // The caller is funded with exactly --value so the transfer can happen.
  return parseCase({ id: 'run', fork: input.fork, code: '0x' + Buffer.from(input.code).toString('hex'), calldata: a.calldata, gas: a.gas, value: a.value,
    ...(a.caller !== undefined ? { caller: a.caller } : {}), ...(a.address !== undefined ? { address: a.address } : {}),
    pre: value > 0n ? { [caller]: { balance: value.toString() } } : {} });
}
