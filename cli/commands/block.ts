/**
 * @file `mevmc block <block dirs or files…>`: execute whole blocks on compiled code and check them against their
 * headers. One line per block (number, fork, txs, gas, receiptsRoot / logsBloom / gasUsed ok|FAIL|n/a, execution
 * ms, Mgas/s, compile ms apart), then `N passed, N failed`; a FAIL names the first transaction whose gas, status
 * or logs differ from the @ethereumjs/vm oracle. `--json`: one object per block. `--bench`: mevmc and
 * @ethereumjs/vm runBlock side by side per block and in total. Exit codes: 0 all passed, 1 a block failed,
 * 2 bad input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CHAINS, type ChainConfig, ChainConfigError, MAINNET, chainFromGethConfig } from '../../runtime/block/chain.ts';
import { BlockFormatError } from '../../runtime/block/rpc.ts';
import { InputError } from '../../runtime/harness/case.ts';
import { type BlockFixture, loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { type BlockRun, type ParallelSummary, type SendersMode, firstDifference, forkLabel, runFixture } from '../../runtime/harness/blocks/run.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { intOption, regexOption } from '../options.ts';
import { poolSpecOf } from '../../runtime/block/execute.ts';
import { ParallelPool } from '../../runtime/parallel/pool.ts';
import { printSaltBench, saltJson, saltLine, stateOption, witnessOutOption } from './block-salt.ts';
import { type SaltRunInfo, runFixtureOnSalt } from '../../runtime/harness/blocks/salt-run.ts';

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
  chain?: string;
  cacheDir?: string;
  /** Worker threads (runtime/parallel); default: the machine's cores; 1: sequential. */
  workers?: number;
  /** 'from' (default): senders as the block gives them; 'recover': from the signatures, on the pool's threads too. */
  senders?: string;
  /** 'salt:DIR': execute on a persistent SALT store per block under DIR (block-salt.ts). */
  state?: string;
  /** With a SALT state: write each block's witness (`<n>.<hash>.salt`) into this folder. */
  witnessOut?: string;
}

/** `--senders from|recover` (recover: not with a SALT state, whose runs take senders as given). */
function sendersOption(v: string | undefined, saltDir: string | undefined): SendersMode {
  if (v === undefined || v === 'from') return 'from';
  if (v !== 'recover') throw new InputError(`--senders ${v}: expected from or recover`);
  if (saltDir) throw new InputError('--senders recover: not with --state salt:DIR');
  return 'recover';
}

/** `--chain`: a named chain, or a geth genesis / chain config file. */
export function chainOption(v: string | undefined): ChainConfig {
  if (v === undefined) return MAINNET;
  if (Object.hasOwn(CHAINS, v)) return CHAINS[v];
  if (!existsSync(v)) throw new InputError(`--chain ${v}: neither a known chain (${Object.keys(CHAINS).join(', ')}) nor a file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(v, 'utf8'));
  } catch (e) {
    throw new InputError(`--chain ${v}: not a JSON file: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return chainFromGethConfig(json);
  } catch (e) {
    if (e instanceof ChainConfigError) throw new InputError(`--chain ${v}: ${e.message}`);
    throw e;
  }
}

const mgas = (gas: bigint, ms: number): string => (ms > 0 ? (Number(gas) / 1e6 / (ms / 1e3)).toFixed(1) : '-');

function line(r: BlockRun): string {
  return `${r.number} ${forkLabel(r.fork)} txs=${r.txs} gas=${r.gasUsed} receiptsRoot ${r.receiptsRoot} logsBloom ${r.logsBloom} ` +
    `gasUsed ${r.gasUsedCheck}  exec ${r.execMs.toFixed(2)} ms ${mgas(r.gasUsed, r.execMs)} Mgas/s  (compile ${r.compileMs.toFixed(0)} ms` +
    (r.recoverMs !== undefined ? `, senders recovered ${r.recoverMs.toFixed(2)} ms` : '') + ')' +
    (r.parallel ? parallelNote(r.parallel) : '');
}

/** The parallel run in a few words: workers, transactions sent to them, executions, conflicts (or why it ran sequentially). */
function parallelNote(p: ParallelSummary): string {
  if (p.fallback) return `  [workers ${p.workers}: sequential, ${p.fallback}]`;
  return `  [workers ${p.workers}: ${p.dispatched} to workers, ${p.executions} executions, ${p.conflicts} conflicts` +
    `${p.workerError ? `, worker failed: ${p.workerError.split('\n')[0]}` : ''}]`;
}

function jsonOf(r: BlockRun, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    block: Number(r.number), name: r.name, fork: forkLabel(r.fork), txs: r.txs, gasUsed: Number(r.gasUsed), ok: r.ok,
    receiptsRoot: r.receiptsRoot, logsBloom: r.logsBloom, gasUsedCheck: r.gasUsedCheck,
    execMs: +r.execMs.toFixed(3), compileMs: +r.compileMs.toFixed(3), cache: cacheOf(r), transfers: r.transfers, calls: r.calls,
    usPerTransfer: perTx(r.transferMs, r.transfers), usPerTransferMedian: r.transfers > 0 ? +r.transferMedianUs.toFixed(2) : null, usPerCall: perTx(r.callMs, r.calls), ...(r.error ? { error: r.error } : {}),
    ...(r.recoverMs !== undefined ? { recoverMs: +r.recoverMs.toFixed(3) } : {}), ...(r.parallel ? { parallel: r.parallel } : {}), ...extra,
  });
}

/** µs per transaction, or null when there is none of that kind. */
const perTx = (ms: number, n: number): number | null => (n > 0 ? +((ms * 1e3) / n).toFixed(2) : null);

/** Where the first run's contracts came from: 'cold' (something compiled), 'warm' (disk cache), 'mem' (loaded before). */
const cacheOf = (r: BlockRun): 'cold' | 'warm' | 'mem' => (r.contracts.compiled > 0 ? 'cold' : r.contracts.fromDisk > 0 ? 'warm' : 'mem');

/** The loader of an engine (one per command: blocks share compiled contracts). */
function loaderOf(a: BlockArgs, volatileEnv: boolean): ContractLoader | undefined {
  if (a.engine === 'ref') return undefined;
  if (a.engine === 'native') {
    const why = nativeUnavailableReason();
    if (why) throw new InputError(`--engine native: ${why}`);
    return new NativeLoader({ ...(a.cacheDir ? { cacheDir: a.cacheDir } : {}), volatileEnv });
  }
  return new WasmLoader({ cacheDir: a.cacheDir, volatileEnv });
}

export async function blockCommand(a: BlockArgs): Promise<number> {
  const repeat = intOption('--repeat', a.repeat);
  const filter = regexOption('--filter', a.filter);
  if ((a.pre || a.blockHashes) && a.paths.length !== 1) throw new InputError('--pre and --block-hashes apply to a single block');
  // Read every input first: a bad path is reported before anything runs.
  const fixtures: BlockFixture[] = a.paths.map((p) => loadFixture(p, { pre: a.pre, blockHashes: a.blockHashes }))
    .filter((f) => !filter || filter.test(f.name) || filter.test(String(BigInt((f.block.number as string) ?? 0))));
  if (fixtures.length === 0) throw new InputError('no block to run (check the paths and --filter)');
  const chain = chainOption(a.chain);
  // The oracle (@ethereumjs/vm with mainnet's Common) knows no other schedule: it is not asked about other chains.
  const oracle = chain === MAINNET;
  if (!oracle && (a.engine === 'ref' || a.bench)) throw new InputError('--engine ref and --bench run @ethereumjs/vm on mainnet\'s schedule only: drop --chain or use it with wasm/native');
  const saltDir = stateOption(a.state, a.engine);
  const senders = sendersOption(a.senders, saltDir);
  witnessOutOption(a.witnessOut, saltDir);
  // MegaETH REX's gas detention needs code that marks block-environment reads.
  const loader = loaderOf(a, chain.op?.megaSpec === 'rex');
  // Sequential by default: on 2 cores the parallel executor is still slower than sequential on most blocks (see
  // README › Parallel execution); `--workers N` opts in.
  const workers = a.workers === undefined ? 1 : intOption('--workers', a.workers);
  // One pool for every block: threads start once (on the first block that goes parallel; that wait is not counted
  // as its execution) and keep the modules they received.
  const pool = workers > 1 && loader ? new ParallelPool(workers, poolSpecOf(loader)) : undefined;
  try {
    return await runBlocks(a, fixtures, chain, oracle, saltDir, loader, repeat, pool, senders);
  } finally {
    await pool?.close();
  }
}

async function runBlocks(a: BlockArgs, fixtures: BlockFixture[], chain: ChainConfig, oracle: boolean, saltDir: string | undefined,
  loader: ContractLoader | undefined, repeat: number, pool: ParallelPool | undefined, senders: SendersMode): Promise<number> {
  const saltBench: [BlockRun & { salt: SaltRunInfo }, BlockRun][] = [];
  let passed = 0;
  let failed = 0;
  const bench: [BlockRun, BlockRun][] = [];
  for (const f of fixtures) {
    let r: BlockRun;
    try {
      r = saltDir && a.engine !== 'ref'
        ? await runFixtureOnSalt(f, a.engine, loader, repeat, saltDir, { chain, witnessOut: a.witnessOut, pool })
        : await runFixture(f, a.engine, loader, repeat, { chain, pool, senders });
    } catch (e) {
      if (e instanceof BlockFormatError) throw new InputError(`${f.name}: ${e.message}`);
      throw e;
    }
    let diff: string | undefined;
    let ref: BlockRun | undefined;
    // The oracle explains a block whose roots disagree; one that stopped (an invalid transaction or signature) says why itself.
    if (a.bench || (!r.ok && !r.error && a.engine !== 'ref' && oracle)) ref = await runFixture(f, 'ref', undefined, a.bench ? repeat : 1);
    if (!r.ok) diff = r.error ?? (ref ? firstDifference(r.perTx, ref.perTx) ?? 'per-transaction gas, status and logs equal the oracle' : undefined);
    if (r.ok) passed++;
    else failed++;
    if (ref && a.bench) bench.push([r, ref]);
    const salt = 'salt' in r ? (r as BlockRun & { salt: SaltRunInfo }).salt : undefined;
    // The in-memory backend beside SALT, for the bench table.
    if (salt && a.bench) saltBench.push([r as BlockRun & { salt: SaltRunInfo }, await runFixture(f, a.engine, loader, repeat, { chain })]);
    if (a.json) console.log(jsonOf(r, { ...(diff ? { firstDifference: diff } : {}), ...(ref && a.bench ? { refMs: +ref.execMs.toFixed(3) } : {}), ...(salt ? saltJson(r, salt) : {}) }));
    else console.log(line(r) + (salt ? saltLine(r, salt) : '') + (diff ? `\n  FAIL: ${diff}` : ''));
  }
  if (a.bench && !a.json) printBench(bench, a.engine);
  if (saltBench.length && !a.json) printSaltBench(saltBench);
  if (!a.json) console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

function printBench(rows: [BlockRun, BlockRun][], engine: string): void {
  const cols: [string, number][] = [['block', 9], ['txs', 5], ['xfers', 5], ['Mgas', 7], [`${engine} ms`, 9], ['µs/xfer', 8], ['xfer med', 8], ['µs/call', 8],
    ['load ms', 8], ['cache', 5], ['ethjs ms', 9], ['ratio', 7], ['w/ load', 7], ['ethjs µs/tx', 11]];
  const out = (cells: string[]) => console.log(cells.map((c, i) => c.padStart(cols[i][1])).join(' '));
  const f = (x: number, d = 2) => x.toFixed(d);
  const us = (ms: number, n: number) => (n > 0 ? f((ms * 1e3) / n, 1) : '-');
  const ratio = (ref: number, ms: number) => (ms > 0 ? f(ref / ms, 1) + '×' : '-');
  out(cols.map(([c]) => c));
  const t = { txs: 0, xfers: 0, calls: 0, gas: 0n, ms: 0, xferMs: 0, callMs: 0, load: 0, ref: 0, compiled: 0, fromDisk: 0 };
  const row = (name: string, r: typeof t, cache: string, med?: number) =>
    out([name, String(r.txs), String(r.xfers), f(Number(r.gas) / 1e6), f(r.ms), us(r.xferMs, r.xfers), r.xfers > 0 && med !== undefined ? f(med, 1) : '-', us(r.callMs, r.calls), f(r.load, 0), cache,
      f(r.ref), ratio(r.ref, r.ms), ratio(r.ref, r.ms + r.load), us(r.ref, r.txs)]);
  for (const [r, e] of rows) {
    const one = { txs: r.txs, xfers: r.transfers, calls: r.calls, gas: r.gasUsed, ms: r.execMs, xferMs: r.transferMs, callMs: r.callMs,
      load: r.compileMs, ref: e.execMs, ...r.contracts };
    row(String(r.number), one, cacheOf(r), r.transferMedianUs);
    for (const k of Object.keys(t) as (keyof typeof t)[]) (t[k] as number | bigint) = (t[k] as never) + (one[k] as never);
  }
  row('total', t, t.compiled > 0 ? 'cold' : t.fromDisk > 0 ? 'warm' : 'mem');
  console.log(`${engine} ms: execution only, median of the repeats; µs/xfer: mean per plain transfer (no code at the target), xfer med: median transfer of the repeats after the first, µs/call: per ` +
    `contract call or creation (each transaction timed from validation to commit); load ms: the first run's compilation ` +
    `(cache cold: ${t.compiled} contracts compiled) or disk-cache reads (warm: ${t.fromDisk}); w/ load: ethjs / (${engine} + load); ` +
    `ethjs = @ethereumjs/vm runBlock (includes its state-root generation). Total Mgas/s: ${engine} ${mgas(t.gas, t.ms)}, ` +
    `with loading ${mgas(t.gas, t.ms + t.load)}, ethjs ${mgas(t.gas, t.ref)}`);
}
