/**
 * @file `mevmc corpus`: the main job on the bundled corpus — compile every contract, run every case
 * on compiled wasm and on @ethereumjs/evm, compare the results and print a short table per contract.
 * Exit 1 if any case differs.
 */
import { loadCorpusCases } from '../../corpus/index.ts';
import type { Case, CaseResult } from '../../runtime/harness/case.ts';
import { runCase } from '../../runtime/harness/batch.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { parseForkName } from '../../src/evm/forks.ts';
import { ensureCompiler } from '../../runtime/loader/wasm.ts';
import { loaderFor } from './run.ts';
import { intOption, regexOption } from '../options.ts';

/** Fields that must be identical between engines. */
export function sameResult(a: CaseResult, b: CaseResult): boolean {
  return a.status === b.status && a.gasUsed === b.gasUsed && a.output === b.output && a.refund === b.refund &&
    JSON.stringify(a.logs) === JSON.stringify(b.logs) && JSON.stringify(a.storage) === JSON.stringify(b.storage);
}

const contractOf = (c: Case): string => c.id.split('.')[0] + (c.id.includes('.noopt') ? '.noopt' : '');

interface Row { contract: string; cases: number; same: number; compileMs: number; refMs: number; wasmMs: number }

export async function corpusCommand(a: { repeat: number; filter?: string; engine?: 'wasm' | 'native' }): Promise<number> {
  const re = regexOption('filter', a.filter);
  intOption('repeat', a.repeat);
  const loader = await loaderFor(a.engine ?? 'wasm');
  if (loader.engine === 'wasm') await ensureCompiler(); // every corpus contract is compiled here
  const rows = new Map<string, Row>();
  const diffs: string[] = [];
  const cases: Case[] = loadCorpusCases().filter((c) => !re || re.test(c.id));
  const engine = a.engine ?? 'wasm';
  const tty = process.stderr.isTTY;
  process.stderr.write(`mevmc corpus: ${cases.length} cases of ${new Set(cases.map(contractOf)).size} contracts, compiled for the ${engine} engine ` +
    `and run ${a.repeat}× each on it and on @ethereumjs/evm\n`);
  for (const [i, c] of cases.entries()) {
    const contract = contractOf(c);
    if (!rows.has(contract) || tty) {
      // A line per contract in logs; on a terminal one line rewritten per case.
      const line = `  [${i + 1}/${cases.length}] ${contract}: ${c.id}`;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `  ${contract}…\n`);
    }
    const row = rows.get(contract) ?? { contract, cases: 0, same: 0, compileMs: 0, refMs: 0, wasmMs: 0 };
    rows.set(contract, row);
    const loaded = loader.load(c.code, parseForkName(c.fork)!);
    row.compileMs = Math.max(row.compileMs, loaded.compileMs);
    const w = runCase(c, { repeat: a.repeat, loader });
    const r = await runReference(c, { repeat: a.repeat });
    row.cases++;
    row.wasmMs += w.execMs;
    row.refMs += r.execMs;
    if (sameResult(w, r)) row.same++;
    else diffs.push(`DIFF ${c.id}\n  mevmc: ${JSON.stringify(w)}\n  ref:   ${JSON.stringify(r)}`);
  }
  if (tty) process.stderr.write('\r\x1b[K');
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(`${'contract'.padEnd(18)}${pad('cases', 6)}${pad('same', 6)}${pad('compile ms', 12)}${pad('ethereumjs ms', 15)}${pad('mevmc ms', 10)}${pad('speedup', 9)}`);
  let total = 0, same = 0;
  for (const r of rows.values()) {
    total += r.cases; same += r.same;
    const speed = r.wasmMs > 0 ? `${(r.refMs / r.wasmMs).toFixed(1)}×` : '-';
    console.log(`${r.contract.padEnd(18)}${pad(r.cases, 6)}${pad(r.same, 6)}${pad(r.compileMs.toFixed(1), 12)}${pad(r.refMs.toFixed(2), 15)}${pad(r.wasmMs.toFixed(3), 10)}${pad(speed, 9)}`);
  }
  console.log(`columns: cases run per contract; same = results identical to @ethereumjs/evm; compile ms = the contract's
  compile time (${engine}; 0 when it came from a cache); ethereumjs ms and mevmc ms = execution time summed over the
  contract's cases (each the median of ${a.repeat} runs, compilation excluded); speedup = ethereumjs ms / mevmc ms`);
  for (const d of diffs) console.log(d);
  console.log(`${same}/${total} cases identical to @ethereumjs/evm (status, gas, output, logs, storage, refund)`);
  return same === total ? 0 : 1;
}
