/**
 * @file One block fixture run on an engine (wasm, native, or the @ethereumjs/vm oracle 'ref'), checked against
 * its header: receiptsRoot (from Byzantium; before it receipts embed intermediate state roots the partial
 * pre-state cannot give), logsBloom and gasUsed. With `repeat` > 1 each run starts from a fresh pre-state and the
 * median execution time is reported. {@link firstDifference} names the first transaction whose gas, status or
 * logs differ between two runs (a FAIL line names it against the oracle).
 */
import { Fork, forkName } from '../../../src/evm/forks.ts';
import type { ChainConfig } from '../../block/chain.ts';
import { BlockFormatError, blockFromRpc, checkFrom, recoverSendersOn } from '../../block/rpc.ts';
import { MAINNET } from '../../block/chain.ts';
import { executeBlock } from '../../block/execute.ts';
import { type BlockResult, InvalidBlockError } from '../../block/types.ts';
import type { ContractLoader } from '../../loader/types.ts';
import type { ParallelStats } from '../../parallel/coordinator.ts';
import type { ParallelPool } from '../../parallel/pool.ts';
import type { Log, StateBackend } from '../../state/world.ts';
import { type BlockFixture, freshState } from './fixture.ts';
import { runBlockReference } from './oracle.ts';

/** 'ok', 'FAIL', or 'n/a' (not checkable for this fork). */
export type Check = 'ok' | 'FAIL' | 'n/a';

/** Per-transaction outcome compared across engines. */
export interface TxSummary {
  gasUsed: bigint;
  status: 'success' | 'revert' | 'halt';
  logs: Log[];
}

/** The result of one fixture on one engine. */
export interface BlockRun {
  name: string;
  number: bigint;
  fork: Fork;
  txs: number;
  gasUsed: bigint;
  receiptsRoot: Check;
  logsBloom: Check;
  gasUsedCheck: Check;
  ok: boolean;
  /** Median over the repeats (execution only). */
  execMs: number;
  /** Compile time of the first run (0 when every contract came from a cache; always 0 for ref). */
  compileMs: number;
  /** First run: contracts compiled and read from the disk cache (both 0: all in memory already, or ref). */
  contracts: { compiled: number; fromDisk: number };
  /** Plain transfers (no code at the target) and the rest (contract calls and creations). */
  transfers: number;
  calls: number;
  /** Median over the repeats of the time in each class of transaction (wasm/native only; 0 for ref). */
  transferMs: number;
  callMs: number;
  /** Median µs of one plain transfer over every transfer of the repeats after the first (all of them when repeat is 1):
   * the mean above is set by a few GC pauses (on 12300570, 5 pauses were 83–96 % of it). */
  transferMedianUs: number;
  /** With a worker pool: the last run's executions, conflicts and waiting (runtime/parallel). */
  parallel?: ParallelSummary;
  /** Senders recovered from the signatures (`senders: 'recover'`): median ms per run, before execution, not in execMs. */
  recoverMs?: number;
  /** Why the block could not be executed (an invalid transaction), if so. */
  error?: string;
  perTx: TxSummary[];
}

const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Where senders come from: each transaction's `from` (trusted), or its signature (recovered and checked against `from`). */
export type SendersMode = 'from' | 'recover';

/** Where a run's state lives, and what happens after it (wasm/native only): the SALT path (salt-run.ts) uses these. */
export interface RunHooks {
  /** The backend of run `i` (default: a fresh MemoryBackend from the pre-state). */
  state?: (i: number) => StateBackend;
  /** Run `i` executed (its block result). */
  executed?: (r: BlockResult, i: number) => void;
  /** Run `i` hit an invalid transaction (its state is left as the block stopped). */
  failed?: (i: number) => void;
}

/** What `mevmc block` shows of a parallel run. */
export interface ParallelSummary {
  workers: number;
  /** Transactions sent to the workers. */
  dispatched: number;
  /** Executions in all (transactions + re-executions) and the most of one transaction. */
  executions: number;
  maxExecutions: number;
  conflicts: number;
  conflictKinds: ParallelStats['conflictKinds'];
  /** Waiting for the pool's threads to start (first parallel block only; not in execMs). */
  startMs: number;
  setupMs: number;
  waitMs: number;
  bytesIn: number;
  bytesOut: number;
  fallback?: string;
  workerError?: string;
  /** Speculation stopped after this transaction, and why ('conflicts' or 'hand-over'). */
  stoppedAt?: number;
  stopReason?: string;
  /** Transactions the coordinator ran exactly / speculatively itself, and its ms committing speculative results. */
  ranHere: number;
  localSpeculated: number;
  commitMs: number;
}

function parallelSummary(p: ParallelStats): ParallelSummary {
  return {
    workers: p.workers, dispatched: p.dispatched, executions: p.executions.reduce((a, b) => a + b, 0),
    maxExecutions: p.executions.reduce((a, b) => Math.max(a, b), 0), conflicts: p.conflicts, conflictKinds: p.conflictKinds,
    startMs: +p.startMs.toFixed(3), setupMs: +p.setupMs.toFixed(3), waitMs: +p.waitMs.toFixed(3), bytesIn: p.bytesIn, bytesOut: p.bytesOut,
    ...(p.fallback ? { fallback: p.fallback } : {}), ...(p.workerError ? { workerError: p.workerError } : {}),
    ...(p.stoppedAt !== undefined ? { stoppedAt: p.stoppedAt, stopReason: p.stopReason } : {}),
    ranHere: p.ranHere ?? 0, localSpeculated: p.localSpeculated ?? 0, commitMs: +(p.commitMs ?? 0).toFixed(3),
  };
}

/** Run a fixture `repeat` times on `engine` (for wasm/native `loader` runs the code). */
export async function runFixture(f: BlockFixture, engine: 'wasm' | 'native' | 'ref', loader: ContractLoader | undefined, repeat = 1,
  opts: { chain?: ChainConfig; pool?: ParallelPool; senders?: SendersMode } & RunHooks = {}): Promise<BlockRun> {
  const { chain } = opts;
  const recover = opts.senders === 'recover' && engine !== 'ref';
  const { block, fork } = blockFromRpc(f.block, { chain });
  const raw = (f.block as { transactions?: Record<string, unknown>[] }).transactions ?? [];
  const recoverTimes: number[] = [];
  const header = f.block as { receiptsRoot?: string; logsBloom?: string; gasUsed?: string };
  const times: number[] = [];
  const transferTimes: number[] = [];
  const callTimes: number[] = [];
  const oneTransfer: number[] = [];
  let [transfers, calls] = [0, 0];
  let contracts = { compiled: 0, fromDisk: 0 };
  let compileMs = 0;
  let gasUsed = 0n;
  let bloom = '';
  let root: string | undefined;
  let perTx: TxSummary[] = [];
  let error: string | undefined;
  let parallel: ParallelSummary | undefined;
  for (let i = 0; i < repeat; i++) {
    if (engine === 'ref') {
      const r = await runBlockReference(f, fork);
      times.push(r.execMs);
      [gasUsed, bloom, root] = [r.gasUsed, r.logsBloom, fork >= Fork.Byzantium ? r.receiptsRoot : undefined];
      perTx = r.txs.map(({ gasUsed, status, logs }) => ({ gasUsed, status, logs }));
      continue;
    }
    if (recover) {
      // What a validator does per block: every sender from its signature (on the pool's threads too, when there is
      // one), timed apart from execution; a signature that recovers none, or to another address than `from`, fails
      // the block.
      const t0 = performance.now();
      try {
        const senders = await recoverSendersOn(opts.pool, raw, fork, (chain ?? MAINNET).chainId, block.transactions);
        checkFrom(raw, senders);
        block.transactions.forEach((t, k) => (t.sender = senders[k]));
      } catch (e) {
        if (!(e instanceof BlockFormatError)) throw e;
        error = e.message;
        break;
      }
      recoverTimes.push(performance.now() - t0);
    }
    try {
      const r = await executeBlock(block, opts.state ? opts.state(i) : freshState(f), { loader, chain, pool: opts.pool, blockHash: (n) => f.blockHashes.get(n) });
      opts.executed?.(r, i);
      times.push(r.execMs);
      if (i === 0) [compileMs, contracts] = [r.compileMs, r.contracts];
      if (r.parallel) parallel = parallelSummary(r.parallel);
      let [tMs, cMs] = [0, 0];
      [transfers, calls] = [0, 0];
      for (const t of r.txs) {
        if (t.kind === 'transfer') {
          [transfers, tMs] = [transfers + 1, tMs + t.execMs];
          if (i > 0 || repeat === 1) oneTransfer.push(t.execMs);
        } else [calls, cMs] = [calls + 1, cMs + t.execMs];
      }
      transferTimes.push(tMs);
      callTimes.push(cMs);
      [gasUsed, bloom, root] = [r.gasUsed, hex(r.logsBloom), r.receiptsRoot && hex(r.receiptsRoot)];
      perTx = r.txs.map((t) => ({ gasUsed: t.result.gasUsed, status: t.result.status as TxSummary['status'], logs: t.result.logs }));
    } catch (e) {
      if (!(e instanceof InvalidBlockError)) throw e;
      opts.failed?.(i);
      error = e.message;
      break;
    }
  }
  const check = (cond: boolean | undefined): Check => (cond === undefined ? 'n/a' : cond ? 'ok' : 'FAIL');
  const receiptsRoot = error ? 'FAIL' : check(root === undefined ? undefined : root === header.receiptsRoot?.toLowerCase());
  const logsBloom = error ? 'FAIL' : check(bloom === header.logsBloom?.toLowerCase());
  const gasUsedCheck = error ? 'FAIL' : check(header.gasUsed !== undefined && gasUsed === BigInt(header.gasUsed));
  return {
    name: f.name, number: block.header.number, fork, txs: block.transactions.length, gasUsed, receiptsRoot, logsBloom, gasUsedCheck,
    ok: !error && receiptsRoot !== 'FAIL' && logsBloom !== 'FAIL' && gasUsedCheck !== 'FAIL',
    execMs: times.length ? median(times) : 0, compileMs, contracts, transfers, calls,
    transferMs: transferTimes.length ? median(transferTimes) : 0, callMs: callTimes.length ? median(callTimes) : 0,
    transferMedianUs: oneTransfer.length ? median(oneTransfer) * 1e3 : 0,
    ...(error ? { error } : {}), ...(parallel ? { parallel } : {}), ...(recoverTimes.length ? { recoverMs: median(recoverTimes) } : {}), perTx,
  };
}

const sameLogs = (a: Log[], b: Log[]): boolean =>
  a.length === b.length && a.every((l, i) => l.address === b[i].address && l.topics.length === b[i].topics.length &&
    l.topics.every((t, j) => t === b[i].topics[j]) && Buffer.from(l.data).equals(b[i].data));

/** The first transaction whose gas, status or logs differ between `got` and `want`, described; undefined if none. */
export function firstDifference(got: TxSummary[], want: TxSummary[]): string | undefined {
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    const g = got[i];
    const w = want[i];
    if (!g || !w) return `tx ${i}: ${g ? 'not run by the oracle' : 'not run'}`;
    if (g.gasUsed !== w.gasUsed) return `tx ${i}: gas ${g.gasUsed}, oracle ${w.gasUsed}`;
    if (g.status !== w.status) return `tx ${i}: status ${g.status}, oracle ${w.status}`;
    if (!sameLogs(g.logs, w.logs)) return `tx ${i}: logs differ (${g.logs.length} vs oracle ${w.logs.length})`;
  }
  return undefined;
}

/** The fork's display name ('frontier' rather than ethereumjs' 'chainstart'). */
export const forkLabel = (f: Fork): string => (f === Fork.Frontier ? 'frontier' : forkName(f));
