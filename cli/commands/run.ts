/**
 * @file `mevmc run <code> …` (one message call) and `mevmc run --batch cases.jsonl` (one JSON case
 * per line → one JSON result per line). Both use @ethereumjs/evm `runCall` conventions.
 */
import { readFileSync } from 'node:fs';
import { type Case, type CaseResult, DEFAULT_CALLER, InputError, parseCase, parseQuantity } from '../../runtime/case.ts';
import { runCaseWasm } from '../../runtime/engine.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { runReference } from '../../runtime/reference/ethereumjs.ts';
import { readCode, readFork } from '../input.ts';

export type EngineName = 'wasm' | 'ref';

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
}

/** Run one case on an engine. */
export async function runOn(engine: EngineName, c: Case, repeat: number, loader: WasmLoader): Promise<CaseResult> {
  return engine === 'ref' ? runReference(c, { repeat }) : runCaseWasm(c, { repeat, loader });
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
  const loader = new WasmLoader({ cacheDir: a.cacheDir });
  if (a.batch) {
    for (const c of readBatch(a.batch)) {
      const r = await runOn(a.engine, c, repeat, loader);
      console.log(JSON.stringify(r));
    }
    return 0;
  }
  if (!a.code) throw new InputError('run: give <code> (0x…, a .bin/hex file) or --batch cases.jsonl');
  readFork(a.fork);
  const value = parseQuantity(a.value, 'value');
  // The caller is funded with exactly --value so the transfer can happen.
  const c = parseCase({ id: 'run', fork: a.fork, code: '0x' + Buffer.from(readCode(a.code)).toString('hex'), calldata: a.calldata, gas: a.gas, value: a.value,
    pre: value > 0n ? { [DEFAULT_CALLER]: { balance: value.toString() } } : {} });
  const r = await runOn(a.engine, c, repeat, loader);
  if (a.json) console.log(JSON.stringify(r));
  else printHuman(r);
  return 0;
}
