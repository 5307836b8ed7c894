/**
 * @file `mevmc block <block dirs or files…>`: execute whole blocks on compiled code and check them against their
 * headers. One line per block (number, fork, txs, gas, receiptsRoot / logsBloom / gasUsed ok|FAIL|n/a, execution
 * ms, Mgas/s, compile ms apart), then `N passed, N failed`; a FAIL names the first transaction whose gas, status
 * or logs differ from the @ethereumjs/vm oracle. `--json`: one object per block. `--bench`: mevmc and
 * @ethereumjs/vm runBlock side by side per block and in total. Exit codes: 0 all passed, 1 a block failed,
 * 2 bad input.
 */
import { BlockFormatError } from '../../runtime/block/rpc.ts';
import { InputError } from '../../runtime/harness/case.ts';
import { type BlockFixture, loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { type BlockRun, firstDifference, forkLabel, runFixture } from '../../runtime/harness/blocks/run.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { intOption, regexOption } from '../options.ts';

/** Arguments of `mevmc block`. */
export interface BlockArgs {
  paths: string[];
  engine: 'wasm' | 'native' | 'ref';
  json: boolean;
  filter?: string;
  repeat: number;
  bench: boolean;
  pre?: string;
  blockHashes?: string;
  cacheDir?: string;
}

const mgas = (gas: bigint, ms: number): string => (ms > 0 ? (Number(gas) / 1e6 / (ms / 1e3)).toFixed(1) : '-');

function line(r: BlockRun): string {
  return `${r.number} ${forkLabel(r.fork)} txs=${r.txs} gas=${r.gasUsed} receiptsRoot ${r.receiptsRoot} logsBloom ${r.logsBloom} ` +
    `gasUsed ${r.gasUsedCheck}  exec ${r.execMs.toFixed(2)} ms ${mgas(r.gasUsed, r.execMs)} Mgas/s  (compile ${r.compileMs.toFixed(0)} ms)`;
}

function jsonOf(r: BlockRun, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    block: Number(r.number), name: r.name, fork: forkLabel(r.fork), txs: r.txs, gasUsed: Number(r.gasUsed), ok: r.ok,
    receiptsRoot: r.receiptsRoot, logsBloom: r.logsBloom, gasUsedCheck: r.gasUsedCheck,
    execMs: +r.execMs.toFixed(3), compileMs: +r.compileMs.toFixed(3), ...(r.error ? { error: r.error } : {}), ...extra,
  });
}

/** The loader of an engine (one per command: blocks share compiled contracts). */
function loaderOf(a: BlockArgs): ContractLoader | undefined {
  if (a.engine === 'ref') return undefined;
  if (a.engine === 'native') {
    const why = nativeUnavailableReason();
    if (why) throw new InputError(`--engine native: ${why}`);
    return new NativeLoader(a.cacheDir ? { cacheDir: a.cacheDir } : {});
  }
  return new WasmLoader({ cacheDir: a.cacheDir });
}

export async function blockCommand(a: BlockArgs): Promise<number> {
  const repeat = intOption('--repeat', a.repeat);
  const filter = regexOption('--filter', a.filter);
  if ((a.pre || a.blockHashes) && a.paths.length !== 1) throw new InputError('--pre and --block-hashes apply to a single block');
  // Read every input first: a bad path is reported before anything runs.
  const fixtures: BlockFixture[] = a.paths.map((p) => loadFixture(p, { pre: a.pre, blockHashes: a.blockHashes }))
    .filter((f) => !filter || filter.test(f.name) || filter.test(String(BigInt((f.block.number as string) ?? 0))));
  if (fixtures.length === 0) throw new InputError('no block to run (check the paths and --filter)');
  const loader = loaderOf(a);
  let passed = 0;
  let failed = 0;
  const bench: [BlockRun, BlockRun][] = [];
  for (const f of fixtures) {
    let r: BlockRun;
    try {
      r = await runFixture(f, a.engine, loader, repeat);
    } catch (e) {
      if (e instanceof BlockFormatError) throw new InputError(`${f.name}: ${e.message}`);
      throw e;
    }
    let diff: string | undefined;
    let ref: BlockRun | undefined;
    if (a.bench || (!r.ok && a.engine !== 'ref')) ref = await runFixture(f, 'ref', undefined, a.bench ? repeat : 1);
    if (!r.ok) diff = r.error ?? (ref ? firstDifference(r.perTx, ref.perTx) ?? 'per-transaction gas, status and logs equal the oracle' : undefined);
    if (r.ok) passed++;
    else failed++;
    if (ref && a.bench) bench.push([r, ref]);
    if (a.json) console.log(jsonOf(r, { ...(diff ? { firstDifference: diff } : {}), ...(ref && a.bench ? { refMs: +ref.execMs.toFixed(3) } : {}) }));
    else console.log(line(r) + (diff ? `\n  FAIL: ${diff}` : ''));
  }
  if (a.bench && !a.json) printBench(bench, a.engine);
  if (!a.json) console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

function printBench(rows: [BlockRun, BlockRun][], engine: string): void {
  const pad = (s: string, n: number) => s.padStart(n);
  console.log(`\n${pad('block', 9)} ${pad('txs', 5)} ${pad('Mgas', 7)} ${pad(`${engine} ms`, 10)} ${pad('compile ms', 10)} ${pad('ethjs ms', 9)} ${pad('ratio', 7)} ${pad('µs/tx', 8)} ${pad('ethjs µs/tx', 11)}`);
  let [txs, gas, ms, cms, ref] = [0, 0n, 0, 0, 0];
  const row = (name: string, t: number, g: bigint, m: number, c: number, rm: number) =>
    console.log(`${pad(name, 9)} ${pad(String(t), 5)} ${pad((Number(g) / 1e6).toFixed(2), 7)} ${pad(m.toFixed(2), 10)} ${pad(c.toFixed(0), 10)} ` +
      `${pad(rm.toFixed(2), 9)} ${pad(m > 0 ? (rm / m).toFixed(1) + '×' : '-', 7)} ${pad(t ? ((m * 1e3) / t).toFixed(1) : '-', 8)} ${pad(t ? ((rm * 1e3) / t).toFixed(1) : '-', 11)}`);
  for (const [r, e] of rows) {
    row(String(r.number), r.txs, r.gasUsed, r.execMs, r.compileMs, e.execMs);
    [txs, gas, ms, cms, ref] = [txs + r.txs, gas + r.gasUsed, ms + r.execMs, cms + r.compileMs, ref + e.execMs];
  }
  row('total', txs, gas, ms, cms, ref);
  console.log(`execution only, median of the repeats; ethjs = @ethereumjs/vm runBlock (includes its state-root generation); ` +
    `total Mgas/s: ${engine} ${mgas(gas, ms)}, with compilation ${mgas(gas, ms + cms)}, ethjs ${mgas(gas, ref)}`);
}
