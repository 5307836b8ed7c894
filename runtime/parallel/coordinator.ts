/**
 * @file The parallel executor's coordinator (design (c) of the parallel issue, after Block-STM's in-order
 * validation and pevm's lazy updates), run by `executeBlock` with a pool of N executors: this thread and N − 1
 * worker threads (on 2 cores, a coordinator that only validated made 3 busy threads for 2 cores).
 *
 * 1. Transactions that may run speculatively: calls, creations, precompiles, EIP-7702 (and, as an option, plain
 *    transfers whose sender and recipient appear in no other transaction). The others — plain transfers, a sender's
 *    later transactions — run here in order on the exact committed state, so they never conflict (pevm's lazy
 *    updates); a result that *read* such an account (BALANCE, a call into it) is validated by value like any other.
 *    Meanwhile idle workers hash the receipts' trie leaves (receipts-pipeline.ts).
 * 2. Executors claim speculative transactions in block order from one shared counter. The coordinator takes the
 *    next transaction to commit itself when no one has claimed it (exact: nothing to validate); when a worker holds
 *    it, the coordinator claims the next free one and executes it speculatively on the committed state (its reads
 *    kept in memory), instead of waiting.
 * 3. Workers execute on replicas — the pre-state, decoded once per origin (baseOf) with the block's commits in an
 *    overlay; the commits are streamed through a shared log only after the first failed validation (until then a
 *    replica is the pre-state: never wrong, since every read is validated) — write read set + write set into their
 *    shared result area (the block's addresses as numbers, the receipt's bloom made there), and the coordinator polls
 *    those areas (no message per result).
 * 4. The coinbase's fee is a lazy update: an execution that never read the coinbase leaves the fee to the commit,
 *    with the sequential EIP-161 rule (an empty coinbase receiving 0 is deleted).
 * 5. In block order, each speculative result's reads are checked against the committed state; if all hold, its
 *    write set is committed as is (a worker's bytes go into the commit log unchanged), else the coordinator
 *    re-executes it on the committed state (so at most two executions per transaction, and the second is exact).
 * 6. Speculation stops — the rest runs here — when half of the latest 16 results failed validation (a dependency
 *    chain, workload W4), or when a window of 32 commits took more wall time than executing them here would have
 *    (cheap transactions: the hand-over would dominate), or when the commit log is full.
 *
 * Everything that decides a result is the committed state; timing only decides how much work is wasted. So the
 * results equal the sequential executor's for any interleaving (the tests inject random delays).
 */
import { availableParallelism } from 'node:os';
import { Fork } from '../../src/evm/forks.ts';
import type { Block, TxOutcome } from '../block/types.ts';
import { BLOOM_BYTES, type ReceiptParts, partsHaveLogs } from '../block/receipts.ts';
import { InvalidBlockError } from '../block/types.ts';
import type { ContractLoader } from '../loader/types.ts';
import { precompileAddresses } from '../precompiles/index.ts';
import { type Account, type AccountDiff, MemoryBackend, type StateBackend, type StateDiff, WorldState } from '../state/world.ts';
import { type TxEnv, type TxResult, runTransaction } from '../tx/index.ts';
import { BufferFullError, ByteReader, ByteWriter, addressTable, applyWriteSet, readLogs, readStateDiff, skipAddress, skipBytes, skipLogs, writeDiff, writeState } from './codec.ts';
import { RecordOutcome } from './outcome.ts';
import { MIN_PIPELINED_RECEIPTS, ReceiptsPipeline } from './receipts-pipeline.ts';
import type { ParallelPool, PoolWorker } from './pool.ts';
import { CTRL_CLAIM, CTRL_COMMITTED, CTRL_DONE, CTRL_LOG_BYTES, CTRL_RES_BYTES, CTRL_RES_SEQ, CTRL_SEEN, CTRL_STOP, CTRL_COORD_WAITING, CTRL_WINDOW, CTRL_WORKERS_WAKE_AT, MAX_CLAIM_WINDOW, type DelaySpec, type FromWorker, claimWindow, ctrlWords } from './protocol.ts';
import { type ConflictKind, type RecordedReads, RecordingBackend, takeReads, validateReads, validateRecorded } from './reads.ts';
import type { ParallelStats } from './stats.ts';
import { HandOverRule, StepFactor } from './stop-rule.ts';
import { sharedNow, threadCpuMs } from './thread-cpu.ts';

export type { ParallelStats } from './stats.ts';

/** What the block executor lends the coordinator: its sequential step and its bookkeeping. */
export interface ParallelHooks {
  /** Throw InvalidBlockError if transaction i's gas limit exceeds what the block has left. */
  checkGas(i: number): void;
  /** Execute transaction i on the committed state exactly as the sequential executor does; returns its diff. */
  runHere(i: number): StateDiff;
  /** The last runHere's execution ms (without its diff, commit and receipt) and compilation ms; absent: the stop rule's step factor stays SEQ_OVERHEAD. */
  lastHere?(): { readonly execMs: number; readonly compileMs: number };
  /** Record a committed transaction (receipt, cumulative gas, outcome). */
  finish(i: number, result: TxResult, diff: StateDiff, kind: TxOutcome['kind'], execMs: number, bloom?: Uint8Array): void;
  /**
   * Record a transaction committed from a worker's result as a {@link RecordOutcome} (result, receipt and diff
   * built on first access); its receipt's bloom is at `bloomAt` in `bloom` (-1: no logs). Absent: every commit
   * goes through `finish` (a receipt that needs the state at commit: pre-Byzantium intermediate roots).
   */
  finishRecord?(i: number, o: RecordOutcome, bloom: Uint8Array, bloomAt: number): void;
  /**
   * Transaction i's consensus-encoded receipt, once committed (a view valid until the next call). Present: the
   * receipts root is hashed while the block runs (receipts-pipeline.ts) and {@link ParallelOutcome.receiptsRoot} gives it.
   */
  receiptOf?(i: number): Uint8Array;
  /** …and its parts (what the coordinator publishes for the workers to encode and hash); given with receiptOf. */
  receiptPartsOf?(i: number): ReceiptParts;
  /**
   * From now on, receipts of transactions run here leave their bloom to whoever hashes their leaf (called once the
   * workers have nothing left to execute: while they speculate, the coordinator would compute them at the end anyway,
   * without the address cache)…
   */
  deferBlooms?(): void;
  /** …except transaction i's, which was not published: OR its bloom into the block's now. */
  settleBloom?(i: number): void;
}

/** What a parallel run gives back: its statistics, and the receipts root when it was hashed along the way. */
export interface ParallelOutcome {
  stats: ParallelStats;
  /**
   * Finish the receipts root (the leaves nobody hashed yet, then the branches); call once, after the block. `bloom`:
   * the blooms left to the leaves' hashers (deferBlooms), to OR into the block's.
   */
  receipts?: () => { root: Uint8Array; bloom: Uint8Array };
}

export interface ParallelRun {
  block: Block;
  /** The coordinator's state: its backend holds the committed state. */
  world: WorldState;
  fork: Fork;
  env: TxEnv;
  /** Loads (and times) the contracts the workers receive as compiled modules. */
  loader: ContractLoader;
  pool: ParallelPool;
  hooks: ParallelHooks;
  /** Test option: random sleeps in the workers. */
  delay?: DelaySpec;
  /** Fewer transactions to hand out than this: run sequentially (default 2). */
  minDispatched?: number;
  /** Less gas (sum of their gas limits, at most the header's gasUsed) to hand out than this: run sequentially (default {@link MIN_DISPATCHED_GAS}). */
  minDispatchedGas?: bigint;
  /** Fewer cores than this: run sequentially (default {@link MIN_SPECULATION_CORES}; 0 speculates on any machine). */
  minCores?: number;
  /** 'coordinator' (default): a sender's second and later transactions run on the coordinator; 'workers': speculated too. */
  senderChains?: 'coordinator' | 'workers';
  /** 'coordinator' (default): plain transfers run on the coordinator; 'workers': those whose ends no other transaction uses are speculated. */
  plainTransfers?: 'coordinator' | 'workers';
  /** Test option: never stop speculating because the hand-over costs more than it saves. */
  keepSpeculating?: boolean;
  /** Test option: when the coordinator claims, it speculates this many transactions in a row before committing. */
  localBatch?: number;
  /** 'interleave' (default) or 'split': how the coordinator shares the block with the workers (see MIN_SPLIT). */
  schedule?: 'split' | 'interleave';
  /** 'split': the coordinator's share of what is left at each split (default: measured, see `adapt`). */
  splitShare?: number;
  /** Hash the receipts root along the way from this many transactions on (default {@link MIN_PIPELINED_RECEIPTS}). */
  minPipelinedReceipts?: number;
  /** What the block committed into the backend before its transactions (system calls): part of a base's identity. */
  preDiffs?: StateDiff[];
}

/**
 * A pre-state the workers hold as their replica's base. Keyed by the backend's origin (an immutable source, e.g. a
 * prestate object: MemoryBackend.origin) plus the bytes of what was committed since (the block's system calls), so
 * a block run again on a fresh backend of the same source reuses the workers' decoded copy instead of encoding and
 * decoding the state again; any other backend gets a base of its own per block (the old per-block snapshot).
 */
interface Base {
  id: number;
  /** writeState of the pre-state (built on first need, kept for workers that have not got it). */
  snapshot(): Uint8Array;
}
let nextBaseId = 1;
/**
 * What the block's transactions say about themselves, before any state is read: the address table (codec.ts
 * addressTable), and per transaction whether its sender sent before in the block (`chained`) and whether either
 * end is used by another transaction or is the coinbase (`shared`). Once per transactions array: counting uses in a
 * Map of address strings per block took ~0.6 ms of W1's set-up in a profile.
 */
interface TxShape {
  table: ReturnType<typeof addressTable>;
  chained: Uint8Array;
  shared: Uint8Array;
}
const shapes = new WeakMap<readonly unknown[], TxShape>();
function shapeOf(txs: Block['transactions'], coinbase: string): TxShape {
  let s = shapes.get(txs);
  if (s && s.table.names[0] === coinbase) return s;
  const table = addressTable(coinbase, txs);
  const n = txs.length;
  const from = new Int32Array(n);
  const to = new Int32Array(n).fill(-1);
  const uses = new Int32Array(table.names.length);
  for (let i = 0; i < n; i++) {
    const tx = txs[i];
    uses[(from[i] = table.index.get(tx.sender)!)]++;
    if (tx.to !== undefined) uses[(to[i] = table.index.get(tx.to)!)]++;
  }
  const chained = new Uint8Array(n);
  const shared = new Uint8Array(n);
  const sent = new Uint8Array(table.names.length);
  for (let i = 0; i < n; i++) {
    const a = from[i];
    const b = to[i];
    if (sent[a]) chained[i] = 1;
    sent[a] = 1;
    // Index 0 is the coinbase.
    if (uses[a] !== 1 || b < 0 || uses[b] !== 1 || a === 0 || b === 0) shared[i] = 1;
  }
  shapes.set(txs, (s = { table, chained, shared }));
  return s;
}
/** A number per transactions array that went to workers (see PoolWorker.txsId; a block's list is not changed in place). */
const txsIds = new WeakMap<readonly unknown[], number>();
const bases = new WeakMap<object, { pre: StateDiff[]; base: Base }>();

const sameAccount = (a: Account | undefined, b: Account | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.balance === b.balance && a.nonce === b.nonce && (a.code === b.code || Buffer.compare(a.code, b.code) === 0));
/**
 * The same changes (a block's system-call diffs against a base's). Compared as values, not encoded: a ByteWriter
 * per block here showed at ~0.9 ms of the coordinator's set-up in a W1 profile (more than its postMessage).
 */
function sameDiffs(x: StateDiff[], y: StateDiff[]): boolean {
  if (x.length !== y.length) return false;
  for (let k = 0; k < x.length; k++) {
    const a = x[k];
    const b = y[k];
    if (a.size !== b.size) return false;
    for (const [address, d] of a) {
      const e = b.get(address);
      if (!e || d.storageCleared !== e.storageCleared || d.storage.size !== e.storage.size) return false;
      if (!sameAccount(d.before, e.before) || !sameAccount(d.after, e.after)) return false;
      for (const [slot, v] of d.storage) if (e.storage.get(slot) !== v) return false;
    }
  }
  return true;
}

function baseOf(backend: StateBackend, preDiffs: StateDiff[] | undefined): Base {
  let bytes: Uint8Array | undefined;
  const snapshot = (): Uint8Array => {
    if (bytes) return bytes;
    const snap = new ByteWriter(new Uint8Array(1 << 16));
    writeState(snap, backend);
    bytes = new Uint8Array(new SharedArrayBuffer(snap.pos));
    bytes.set(snap.buf.subarray(0, snap.pos));
    return bytes;
  };
  const base: Base = { id: nextBaseId++, snapshot };
  const o = backend instanceof MemoryBackend ? backend.origin : undefined;
  if (!o || !preDiffs || (backend as MemoryBackend).writes !== o.writes + preDiffs.length) return base;
  const known = bases.get(o.key);
  if (known && sameDiffs(known.pre, preDiffs)) return known.base;
  const pre = [...preDiffs];
  // Encoded now: the backend changes as the block runs.
  snapshot();
  bases.set(o.key, { pre, base });
  return base;
}

/**
 * Below this much gas to hand out (the sum of the gas limits, capped by the header's gasUsed), a block runs
 * sequentially: a hand-over's fixed costs (a worker's wake-up 0.5–2 ms, set-up, the stop rule's first windows) are
 * not recovered. Measured in steady state on 2 cores: 4330482 (6.7 Mgas used, 75 transactions out) read 0.49–0.66×
 * with workers in sessions 11–14; blocks from 8 Mgas up read 0.86–1.42×.
 */
export const MIN_DISPATCHED_GAS = 8_000_000n;
/**
 * Below this many cores (os.availableParallelism()) nothing is speculated by default; the workers still hash the
 * receipts. Measured on 2 vCPUs in steady state (session 15, once the sequential step had lost its per-receipt
 * arrays): speculation read 0.69x on W2, 0.74x on W3, 0.72-0.89x on the shared blocks it took — a worker result's
 * hand-over costs about what executing it does, and V8's own threads need the second core too.
 */
export const MIN_SPECULATION_CORES = 4;

/** The commit log's size: per transaction (a diff is ~0.1–1 KB; a creation holds its code), at most. */
const LOG_BYTES_PER_TX = 32 << 10;
const LOG_MAX_BYTES = 1 << 28;


/**
 * The 'split' schedule: the coordinator runs the first share of the speculative transactions exactly (no read set,
 * nothing to validate) while the workers claim from the split point on; when it has committed their results and
 * caught up with them, what is left is split again. Interleaving them one by one made the coordinator speculate
 * whenever a worker held the next transaction (a read set, a validation and a commit on the thread everything
 * waits for). With fewer speculative transactions than this left, the coordinator runs them, no split.
 */
const MIN_SPLIT = 8;

/** Speculation stops when half of this many latest worker results failed validation (the workload W4 shape). */
const STOP_WINDOW = 16;

const STATUSES = ['success', 'revert', 'halt', 'rejected'] as const;
/** One commit in this many is timed for stats.commitMs (a power of 2). */
const COMMIT_SAMPLE = 16;
const KINDS = ['transfer', 'call', 'create'] as const;
let nextBlockId = 1;
const EMPTY = new Uint8Array(0);

/** Execute the block's transactions (after the pre-block system calls, before rewards) on the pool. */
export async function runTransactionsParallel(p: ParallelRun): Promise<ParallelOutcome> {
  const { block, world, fork, env, hooks } = p;
  const backend = world.backend;
  const txs = block.transactions;
  const n = txs.length;
  const stats: ParallelStats = {
    workers: p.pool.size, executions: new Array<number>(n).fill(1), dispatched: 0, conflicts: 0, conflictKinds: {},
    startMs: 0, setupMs: 0, waitMs: 0, bytesOut: 0, bytesIn: 0, workerExecMs: 0,
  };
  const minPipelined = Math.max(1, p.minPipelinedReceipts ?? MIN_PIPELINED_RECEIPTS);
  /** The receipts pipeline of this block, when there is a worker to hash and enough receipts to be worth it. */
  const receiptsFor = (ws: PoolWorker[]): ReceiptsPipeline | undefined => {
    if (!hooks.receiptOf || !hooks.receiptPartsOf || !ws.length || n < minPipelined) return undefined;
    return new ReceiptsPipeline(n, p.pool.receipts);
  };
  /** Publish committed transaction i's receipt (a deferred bloom that could not go is settled here). */
  const publishReceipt = (pipe: ReceiptsPipeline | undefined, i: number): void => {
    if (!pipe) return;
    const r = hooks.receiptPartsOf!(i);
    if (!pipe.publish(i, r) && !r.bloom && partsHaveLogs(r)) hooks.settleBloom?.(i);
  };
  const outcome = (pipe: ReceiptsPipeline | undefined): ParallelOutcome => ({
    stats,
    ...(pipe ? {
      receipts: () => {
        const { root, byWorkers, bloom } = pipe.root(hooks.receiptOf!);
        stats.receiptLeavesByWorkers = byWorkers;
        return { root, bloom };
      },
    } : {}),
  });
  /** The block on this thread alone; the workers (if any) hash its receipt leaves meanwhile. */
  const sequential = async (why: string): Promise<ParallelOutcome> => {
    stats.fallback = why;
    let pipe: ReceiptsPipeline | undefined;
    if (hooks.receiptOf && hooks.receiptPartsOf && p.pool.size >= 2 && n >= minPipelined) {
      const s0 = performance.now();
      await p.pool.ready();
      stats.startMs = performance.now() - s0;
      const ws = p.pool.workers();
      pipe = receiptsFor(ws);
      if (pipe) {
        hooks.deferBlooms?.();
        const id = nextBlockId++;
        for (const w of ws) {
          w.listener = (m: FromWorker) => {
            if (m.type === 'done' && m.id === id) stats.workerCpuMs = (stats.workerCpuMs ?? 0) + (m.cpuMs ?? 0);
          };
          p.pool.post(w, { type: 'hash', id, receipts: pipe.shared });
        }
      }
    }
    try {
      for (let i = 0; i < n; i++) {
        hooks.checkGas(i);
        hooks.runHere(i);
        publishReceipt(pipe, i);
      }
    } finally {
      pipe?.end();
    }
    return outcome(pipe);
  };
  if (!backend.applyDiff) return sequential('read-only state backend');
  if (p.pool.size < 2) return sequential('1 executor');

  // --- what may run speculatively ---
  const precompiles = new Set(precompileAddresses(fork));
  const plainOf = (i: number): boolean => {
    const tx = txs[i];
    return tx.to !== undefined && !precompiles.has(tx.to) && tx.authorizationList.length === 0 && world.code(tx.to).length === 0;
  };
  // A plain transfer is speculated only when both its ends are its own (pevm's lazy updates: a nonce chain, a hot
  // recipient, the coinbase run here, in order, exactly).
  const shape = shapeOf(txs, env.coinbase);
  const order: number[] = [];
  let gas = 0n;
  for (let i = 0; i < n; i++) {
    const tx = txs[i];
    // A sender's later transactions read the nonce and balance its earlier one wrote: speculating them ahead of
    // that commit almost always fails validation (measured: 48 of 51 on block 2641321), so they run here.
    if (shape.chained[i] && p.senderChains !== 'workers') continue;
    // Plain transfers run here, exactly, in order: committing a worker's transfer costs this thread about what running
    // it does (W1, 1,423 independent transfers: execution 9 ms sequential, 15–19 ms speculated before the stop rule
    // handed over). With `plainTransfers: 'workers'`, those whose ends are their own still go out.
    if ((p.plainTransfers !== 'workers' || shape.shared[i]) && plainOf(i)) continue;
    order.push(i);
    gas += tx.gasLimit;
  }
  const min = p.minDispatched ?? 2;
  if (order.length < min) return sequential(`${order.length} transaction(s) to hand out (parallel from ${min})`);
  const minGas = p.minDispatchedGas ?? MIN_DISPATCHED_GAS;
  // Gas limits overstate the work: what goes out can use no more than the whole block did (the header says so ahead:
  // 19426587 sent 20 transactions with > 4 Mgas of limits in a 2.6 Mgas block).
  const used = block.header.gasUsed;
  if (used !== undefined && used < gas) gas = used;
  if (gas < minGas) return sequential(`${gas / 1_000_000n} Mgas to hand out (parallel from ${minGas / 1_000_000n})`);
  const cores = availableParallelism();
  const minCores = p.minCores ?? MIN_SPECULATION_CORES;
  if (cores < minCores) return sequential(`${cores} cores (speculation from ${minCores})`);
  // Threads start on the first block that needs them; that wait is reported apart, not as execution.
  const s0 = performance.now();
  await p.pool.ready();
  stats.startMs = performance.now() - s0;
  const workers = p.pool.workers();
  stats.dispatched = order.length;

  // --- set-up: replica snapshot, compiled modules, shared control words and commit log ---
  const t0 = performance.now();
  const cpu0 = threadCpuMs();
  const ctrlBuf = new SharedArrayBuffer(4 * ctrlWords(workers.length));
  const ctrl = new Int32Array(ctrlBuf);
  const split = (p.schedule ?? 'interleave') === 'split';
  // The first split gives every executor an equal part; later ones measure (adapt).
  let share = Math.min(0.95, Math.max(0.05, p.splitShare ?? 1 / (workers.length + 1)));
  /** 'split': where the workers' claims start when the coordinator takes the run from `from` (positions in `order`). */
  const splitAt = (from: number): number => (order.length - from < MIN_SPLIT ? order.length : from + Math.max(1, Math.round((order.length - from) * share)));
  /**
   * 'split' without a given share: at each split the share that lets both sides finish together — the workers'
   * ms per result (their results since the last split over its wall time, encoding and scheduling included) against
   * this thread's ms per exact run: share = w / (e + w). Committing the workers' results comes after our run.
   */
  let splitT = 0;
  let splitMid = 0;
  let ownMs = 0;
  let ownN = 0;
  const adapt = (c: number, now: number): void => {
    if (p.splitShare === undefined && c - splitMid >= 4 && ownN >= 4) {
      const w = (now - splitT) / (c - splitMid);
      const e = ownMs / ownN;
      share = Math.min(0.8, Math.max(0.1, w / (e + w)));
    }
  };
  /** 'split': the coordinator's own run, [ownFrom, ownUntil). */
  let ownFrom = 0;
  let ownUntil = split ? splitAt(0) : 0;
  // Under 'split' the workers run ahead of the commits by design: no claim window.
  const baseWindow = split ? order.length + 1 : claimWindow(workers.length);
  ctrl[CTRL_WINDOW] = baseWindow;
  ctrl[CTRL_CLAIM] = ownUntil;
  if (split) {
    stats.splits = 1;
    stats.splitShare = share;
  }
  splitMid = ownUntil;
  splitT = performance.now();
  // Fixed size (see BufferFullError); pages are only touched as the log grows. Full: speculation stops.
  // One of the pool's recent blocks' logs that all its workers are done with (pool.ts logBuffer).
  const need = workers.length ? Math.min(LOG_MAX_BYTES, (1 << 20) + n * LOG_BYTES_PER_TX) : 8;
  const logBuf = workers.length ? p.pool.logBuffer(need, ctrl, workers.length, CTRL_DONE) : new SharedArrayBuffer(need);
  const log = new ByteWriter(new Uint8Array(logBuf));
  const table = shape.table;
  log.names = table.index;
  let logFull = false;
  const id = nextBlockId++;
  let finished: Promise<void> = Promise.resolve();
  let broken: string | undefined;
  const pipe = receiptsFor(workers);
  // 'split': the blooms of this thread's receipts are left to whoever hashes their leaves — the workers, once their
  // last run is out, while this thread commits it (logsBloom was ~11 % of an exact ERC-20 run in a profile).
  if (split && pipe) hooks.deferBlooms?.();
  if (workers.length) {
    const base = baseOf(backend, p.preDiffs);
    const fresh = workers.filter((w) => w.baseId !== base.id);
    const modules = fresh.length ? loadModules(p.loader, p.pool, backend, fork) : [];
    stats.baseReused = fresh.length === 0;
    const hashes: [bigint, bigint][] = [];
    for (let k = env.number - 256n; k < env.number; k++) if (k >= 0n) hashes.push([k, env.blockHash(k)]);
    const { blockHash: _, ...plainEnv } = env;
    // A block's transactions are cloned to a worker once per array (structured clone: 2–25 ms for W1's 1,423 here).
    let txsId = txsIds.get(txs);
    if (txsId === undefined) txsIds.set(txs, (txsId = nextBlockId++));
    let live = workers.length;
    let allDone: () => void = () => {};
    finished = new Promise<void>((r) => (allDone = r));
    const done = new Set<PoolWorker>();
    const onMessage = (w: PoolWorker) => (m: FromWorker) => {
      if (m.type === 'ready' || (m.type !== 'error' && m.id !== id) || (m.type === 'error' && m.id !== id && m.id !== -1)) return;
      if (m.type === 'error') broken ??= m.message;
      else {
        stats.workerExecMs += m.execMs;
        stats.workerReplayMs = (stats.workerReplayMs ?? 0) + m.replayMs;
        stats.workerEncodeMs = (stats.workerEncodeMs ?? 0) + m.encodeMs;
        stats.workerResults = (stats.workerResults ?? 0) + m.results;
        if (m.cpuMs !== undefined) stats.workerCpuMs = (stats.workerCpuMs ?? 0) + m.cpuMs;
        stats.workerLagMs = Math.max(stats.workerLagMs ?? 0, m.lagMs);
      }
      if (!done.has(w)) {
        done.add(w);
        if (--live === 0) allDone();
      }
    };
    workers.forEach((w, k) => {
      w.listener = onMessage(w);
      const unsent = modules.filter((m) => !w.sent.has(m.key));
      if (unsent.length) {
        p.pool.post(w, { type: 'modules', modules: unsent });
        for (const m of unsent) w.sent.add(m.key);
      }
      // The pre-state goes to a worker once per base (see baseOf); the worker keeps it and drops its overlay.
      const snapshot = w.baseId === base.id ? undefined : base.snapshot();
      w.baseId = base.id;
      const handed = w.txsId === txsId ? undefined : txs;
      w.txsId = txsId;
      p.pool.post(w, { type: 'block', id, fork, env: plainEnv, hashes, txsId, txs: handed, order, baseId: base.id, snapshot, ctrl: ctrlBuf, log: logBuf, workers: workers.length, w: k, results: w.results, delay: p.delay, postedAt: sharedNow(), receipts: pipe?.shared });
      stats.bytesOut += snapshot?.length ?? 0;
    });
  }
  stats.setupMs = performance.now() - t0;

  const codeVersion = new Map<string, number>();
  /** Per address, the last committed transaction whose diff holds it (validateReads skips the others' values). */
  const written = new Map<string, number>();
  /** Set by commitResult: the committed worker write set as the worker encoded it (copied into the log as is). */
  let rawDiff: { bytes: Uint8Array; fee?: StateDiff } | undefined;
  /**
   * Replicas are streamed lazily: until the first failed validation, commits are only kept here (no encoding),
   * and workers run on the pre-state. A stale replica is never wrong (every read is validated), it only risks
   * conflicts; on independent transactions (W1–W3) catching up cost the workers more than executing (W1: 32 µs of
   * replay per commit against 6 µs per transfer) and the coordinator an encode per transaction it ran itself.
   * After a conflict the backlog is written and every later commit is streamed.
   */
  let streaming = false;
  /** Commits not yet logged: a decoded diff or a worker write set with its fee; a worker write set in its area is four numbers (i, worker, offset, length). */
  const backlog: ({ i: number; diff?: StateDiff; raw?: { bytes: Uint8Array; fee?: StateDiff } } | number)[] = [];
  const writeLog = (i: number, diff: StateDiff | undefined, raw: { bytes: Uint8Array; fee?: StateDiff } | undefined): boolean => {
    const start = log.pos;
    try {
      log.u32(i);
      if (raw) {
        log.raw(raw.bytes);
        // The lazy coinbase fee, as a second record of the same transaction.
        if (raw.fee) {
          log.u32(i);
          writeDiff(log, raw.fee);
        }
      } else writeDiff(log, diff!);
    } catch (e) {
      if (!(e instanceof BufferFullError)) throw e;
      // Replicas can no longer follow: stop speculating, the rest runs here.
      log.pos = start;
      logFull = true;
      Atomics.store(ctrl, CTRL_STOP, 1);
      return false;
    }
    return true;
  };
  const publish = (i: number): void => {
    Atomics.store(ctrl, CTRL_SEEN, i + 1);
    Atomics.store(ctrl, CTRL_LOG_BYTES, log.pos);
  };
  const startStreaming = (): void => {
    if (streaming) return;
    streaming = true;
    // The lazy coinbase fee is written now, and from here on at each commit (replicas follow the coinbase too).
    settleFee();
    const first = backlog[0];
    stats.streamedFrom = first === undefined ? undefined : typeof first === 'number' ? first : first.i;
    let last = -1;
    for (let k = 0; k < backlog.length && !logFull; k++) {
      const x = backlog[k];
      if (typeof x === 'number') {
        const area = areas[backlog[k + 1] as number].buf;
        const off = backlog[k + 2] as number;
        k += 3;
        writeLog((last = x), undefined, { bytes: area.subarray(off, off + (backlog[k] as number)) });
      } else writeLog((last = x.i), x.diff, x.raw);
    }
    // Fees deferred past the backlog's commits: the coinbase as it is now, as the last record.
    if (lazyFees && last >= 0 && !logFull) {
      const a = backend.getAccount(env.coinbase);
      writeLog(last, new Map([[env.coinbase, a ? { before: a, after: a, storageCleared: false, storage: new Map() } : { before: undefined, after: undefined, storageCleared: false, storage: new Map() }]]), undefined);
    }
    if (last >= 0 && !logFull) publish(last);
    backlog.length = 0;
  };
  const append = (i: number, diff: StateDiff): void => {
    for (const [a, d] of diff) {
      written.set(a, i);
      if (!d.before || !d.after || d.before.code !== d.after.code) codeVersion.set(a, i);
    }
    const raw = rawDiff;
    rawDiff = undefined;
    // Replicas are only needed while workers still run.
    if (workers.length === 0 || logFull || Atomics.load(ctrl, CTRL_STOP) !== 0) return;
    if (!streaming) {
      backlog.push({ i, diff, raw });
      return;
    }
    if (writeLog(i, diff, raw)) publish(i);
  };
  /** A worker write set committed by commitRecord (worker k's area, at `off`, `len` bytes; `fee`: the coinbase's, eager). */
  const appendRecord = (i: number, k: number, off: number, len: number, fee: StateDiff | undefined): void => {
    if (workers.length === 0 || logFull || Atomics.load(ctrl, CTRL_STOP) !== 0) return;
    if (!streaming) {
      if (fee) backlog.push({ i, raw: { bytes: areas[k].buf.subarray(off, off + len), fee } });
      else backlog.push(i, k, off, len);
      return;
    }
    if (writeLog(i, undefined, { bytes: areas[k].buf.subarray(off, off + len), fee })) publish(i);
  };

  // --- the object-free commit of worker results (a plain MemoryBackend; others take commitResult's decoded path) ---
  const mem = backend as MemoryBackend;
  const fast = hooks.finishRecord !== undefined && backend.constructor === MemoryBackend;
  /**
   * Where committed records stay for the outcomes: each worker's result area during the block; at its end, a copy of
   * the area's committed part (the next block writes the area from 0). One copy per block: a copy per commit was half
   * of commitRecord's cost in the profile.
   */
  const areas: { buf: Uint8Array }[] = workers.map((w) => ({ buf: new Uint8Array(w.results) }));
  const refs: (Account | undefined)[] = [];
  /**
   * The lazy coinbase fee (pevm's lazy beneficiary): positive fees of results that never read the coinbase add up
   * in `pendingFee` over `cbBase` (the coinbase when first deferred) and reach the backend only when something may
   * read the coinbase (an execution here, a validation naming it, streaming, the block's end). A zero fee, whose
   * EIP-161 outcome depends on the account, is applied at once.
   */
  const cb = env.coinbase;
  let pending = false;
  let pendingFee = 0n;
  let cbBase: Account | undefined;
  let lazyFees = false;
  function settleFee(): void {
    if (!pending) return;
    pending = false;
    const after: Account = { balance: (cbBase ? cbBase.balance : 0n) + pendingFee, nonce: cbBase ? cbBase.nonce : 0n, code: cbBase ? cbBase.code : EMPTY };
    backend.applyDiff!(new Map([[cb, { before: cbBase, after, storageCleared: false, storage: new Map() }]]));
  }
  /** The committed state as validation and the coordinator's executions read it: the coinbase settled first. */
  const view: StateBackend = {
    getAccount: (a) => {
      if (pending && a === cb) settleFee();
      return backend.getAccount(a);
    },
    getStorage: (a, k) => {
      if (pending && a === cb) settleFee();
      return backend.getStorage(a, k);
    },
    storageEntries: (a) => {
      if (pending && a === cb) settleFee();
      return backend.storageEntries(a);
    },
    addresses: () => {
      settleFee();
      return backend.addresses();
    },
  };
  /** Commits timed (one in COMMIT_SAMPLE; stats.commitMs is scaled up): a performance.now() pair per commit showed in the profile. */
  let commits = 0;

  /** What executing the last committed transaction here cost or would have (stop-rule.ts). */
  let lastExec = 0;
  /** Transaction i on the committed state, exactly as the sequential executor runs it (timed for the stop rule). */
  /** Step ms per execution ms of this block's exact runs: what a speculative result would have cost here. */
  const step = new StepFactor();
  const exact = (i: number): StateDiff => {
    settleFee();
    const t = performance.now();
    const diff = hooks.runHere(i);
    lastExec = performance.now() - t;
    const h = hooks.lastHere?.();
    if (h) step.add((lastExec -= h.compileMs), h.execMs);
    return diff;
  };
  const conflict = (i: number, kind: ConflictKind | 'error'): StateDiff => {
    // 'split': the workers' replicas stay the pre-state. Their runs start past a run of this thread's, which a
    // stream would first have to encode whole (W4: 538 commits at the first conflict), and a result that read what
    // this block changed fails either way; re-executed here, it costs what running it here would have.
    if (!split) startStreaming();
    stats.conflicts++;
    stats.conflictKinds[kind] = (stats.conflictKinds[kind] ?? 0) + 1;
    stats.executions[i] = 2;
    return exact(i);
  };

  // --- worker results: read from the workers' shared result areas, indexed by transaction ---
  const readers = workers.map((w) => {
    const r = new ByteReader(new Uint8Array(w.results));
    r.names = table.names;
    return r;
  });
  const readPos = workers.map(() => 0);
  /** Transaction index → where its record starts: position × 64 + worker. */
  const arrived = new Map<number, number>();
  const poll = (): void => {
    for (let k = 0; k < readers.length; k++) {
      const end = Atomics.load(ctrl, CTRL_RES_BYTES + k);
      let pos = readPos[k];
      if (pos === end) continue;
      const r = readers[k];
      while (pos < end) {
        r.pos = pos;
        const len = r.u32();
        arrived.set(r.u32(), (pos + 4) * 64 + k);
        stats.bytesIn += len + 4;
        pos += 4 + len;
      }
      readPos[k] = pos;
    }
  };
  /** Block (the coordinator has nothing to run) until some worker publishes; yields to the event loop at times. */
  let waits = 0;
  const waitForWorkers = async (i: number): Promise<void> => {
    const w0 = performance.now();
    Atomics.store(ctrl, CTRL_COORD_WAITING, 1);
    const seq = Atomics.load(ctrl, CTRL_RES_SEQ);
    poll();
    if (!arrived.has(i) && Atomics.load(ctrl, CTRL_DONE) < workers.length) Atomics.wait(ctrl, CTRL_RES_SEQ, seq, 2);
    Atomics.store(ctrl, CTRL_COORD_WAITING, 0);
    // Thread errors and exits arrive as events: let them in now and then.
    if ((++waits & 15) === 0) await new Promise((r) => setImmediate(r));
    stats.waitMs += performance.now() - w0;
  };

  // --- the coordinator's own speculative executions (when the next result is still being computed) ---
  const specRec = new RecordingBackend(view);
  const specWorld = new WorldState(specRec);
  const local = new Map<number, LocalResult>();
  const speculateHere = (j: number, seen: number): void => {
    const i = order[j];
    const tx = txs[i];
    if (p.delay) Atomics.wait(sleeper, 0, 0, Math.random() * p.delay.maxMs);
    const t1 = performance.now();
    specWorld.discard();
    specRec.reset();
    let fee: bigint | undefined;
    try {
      const kind = tx.to === undefined ? 'create' : specWorld.code(tx.to).length === 0 ? 'transfer' : 'call';
      const result = runTransaction(specWorld, tx, env, fork, p.loader, { deferFee: (f) => (specRec.accounts.has(env.coinbase) ? false : ((fee = f), true)) });
      const t2 = performance.now();
      const diff = result.status === 'rejected' ? new Map() : specWorld.diff();
      specWorld.discard();
      const ms = t2 - t1;
      stats.localExecMs = (stats.localExecMs ?? 0) + ms;
      step.addLocal(ms);
      local.set(i, { seen, reads: takeReads(specRec), result, diff, kind, fee, ms });
      stats.localSpecExtraMs = (stats.localSpecExtraMs ?? 0) + performance.now() - t2;
    } catch {
      // Runs again on the committed state at its turn (an error there is the block's).
      specWorld.discard();
      local.set(i, { seen, error: true });
    }
    stats.localSpeculated = (stats.localSpeculated ?? 0) + 1;
  };

  const ranHere = new Set<number>();
  try {
    let d = 0;
    // Speculation stops when most recent results failed validation (a block that is one dependency chain):
    // the rest then runs here, using only results already in.
    let speculating = true;
    const recent: boolean[] = [];
    let recentConflicts = 0;
    let clean = 0;
    // Speculation also stops when a window of commits took longer than running them here would have (stop-rule.ts).
    const rule = new HandOverRule();
    const measure = (i: number, speculative: boolean): void => {
      if (rule.add(lastExec, speculative) && !p.keepSpeculating) {
        speculating = false;
        if (pipe) hooks.deferBlooms?.();
        stats.stoppedAt = i;
        stats.stopReason = 'hand-over';
        Atomics.store(ctrl, CTRL_STOP, 1);
        Atomics.notify(ctrl, CTRL_COMMITTED);
      }
    };
    /** 'split': when the transaction being committed is one of the coordinator's own run, the time it started (else -1). */
    let ownT = -1;
    for (let i = 0; i < n; i++) {
      hooks.checkGas(i);
      if (order[d] !== i) {
        append(i, exact(i));
        publishReceipt(pipe, i);
        if (speculating) measure(i, false);
        continue;
      }
      const pos = d++;
      const c0 = stats.conflicts;
      /** Undefined: committed by commitRecord (already logged). */
      let committed: StateDiff | undefined;
      let checked = false;
      for (;;) {
        if (pos >= ownFrom && pos < ownUntil) {
          // 'split': this run is the coordinator's (the workers' claims start past it).
          ownT = performance.now();
          committed = exact(i);
          ownMs += lastExec;
          ownN++;
          stats.ranHere = (stats.ranHere ?? 0) + 1;
          break;
        }
        poll();
        // After a stop on conflicts, 'split' leaves the results already in: they were run ahead on the pre-state of a
        // block that turned out to be a dependency chain (W4: every one of them fails).
        const at = split && stats.stopReason === 'conflicts' ? undefined : arrived.get(i);
        if (at !== undefined) {
          arrived.delete(i);
          const r = readers[at % 64];
          r.pos = Math.floor(at / 64);
          committed = fast ? commitRecord(i, r, at % 64) : commitResult(i, r);
          checked = true;
          break;
        }
        const mine = local.get(i);
        if (mine) {
          local.delete(i);
          committed = mine.error ? conflict(i, 'error') : commitLocal(i, mine);
          checked = true;
          break;
        }
        if (logFull && speculating) {
          speculating = false;
          if (pipe) hooks.deferBlooms?.();
        }
        if (split && speculating) {
          const c = Atomics.load(ctrl, CTRL_CLAIM);
          if (c <= pos + 1 && c < order.length) {
            // Caught up with the workers (they hold at most this one): send them past the next run of ours.
            const now = performance.now();
            adapt(c, now);
            const mid = splitAt(c);
            if (Atomics.compareExchange(ctrl, CTRL_CLAIM, c, mid) === c) {
              ownFrom = c;
              ownUntil = mid;
              splitMid = mid;
              splitT = now;
              stats.splits = (stats.splits ?? 0) + 1;
              stats.splitShare = share;
            }
            continue;
          }
          // Else a worker holds this one: wait for it below (never a speculative run here under 'split').
        }
        // Not claimed yet: the coordinator takes it, on the exact committed state (nothing to validate).
        if (speculating && p.localBatch && Atomics.compareExchange(ctrl, CTRL_CLAIM, pos, pos + 1) === pos) {
          // Test option: the coordinator speculates a run of transactions on the state as it is now.
          speculateHere(pos, i);
          for (let b = 1; b < p.localBatch; b++) {
            const j = Atomics.add(ctrl, CTRL_CLAIM, 1);
            if (j < order.length) speculateHere(j, i);
          }
          continue;
        }
        if (!speculating || Atomics.compareExchange(ctrl, CTRL_CLAIM, pos, pos + 1) === pos) {
          if (!speculating && pos < Math.min(Atomics.load(ctrl, CTRL_CLAIM), order.length)) ranHere.add(i);
          committed = exact(i);
          stats.ranHere = (stats.ranHere ?? 0) + 1;
          break;
        }
        // A worker has it: run the next unclaimed one speculatively meanwhile ('interleave'), or wait.
        const j = !split && Atomics.load(ctrl, CTRL_CLAIM) < order.length ? Atomics.add(ctrl, CTRL_CLAIM, 1) : order.length;
        if (j < order.length) speculateHere(j, i);
        else if (broken || Atomics.load(ctrl, CTRL_DONE) >= workers.length) {
          poll();
          if (arrived.has(i)) continue;
          // No worker will answer (one failed): exact, here.
          ranHere.add(i);
          committed = exact(i);
          break;
        } else await waitForWorkers(i);
      }
      if (committed) append(i, committed);
      publishReceipt(pipe, i);
      if (ownT >= 0) {
        // Nothing handed over to judge: its time is left out of the stop rule's window.
        rule.skip(performance.now() - ownT);
        ownT = -1;
      } else if (speculating) measure(i, checked);
      Atomics.store(ctrl, CTRL_COMMITTED, d);
      const wakeAt = workers.length ? Atomics.load(ctrl, CTRL_WORKERS_WAKE_AT) : 0;
      if (wakeAt !== 0 && d >= wakeAt) {
        Atomics.store(ctrl, CTRL_WORKERS_WAKE_AT, 0);
        Atomics.notify(ctrl, CTRL_COMMITTED);
      }
      if (!checked) continue;
      const failed = stats.conflicts > c0;
      // The claim window grows while results validate (independent transactions) and shrinks back on a conflict.
      if (split) {
        // No claim window under 'split'.
      } else if (failed) {
        clean = 0;
        if (ctrl[CTRL_WINDOW] !== baseWindow) Atomics.store(ctrl, CTRL_WINDOW, baseWindow);
      } else if (++clean === STOP_WINDOW) {
        clean = 0;
        const win = ctrl[CTRL_WINDOW];
        if (win < MAX_CLAIM_WINDOW) Atomics.store(ctrl, CTRL_WINDOW, Math.min(MAX_CLAIM_WINDOW, win * 2));
      }
      recent.push(failed);
      recentConflicts += failed ? 1 : 0;
      if (recent.length > STOP_WINDOW) recentConflicts -= recent.shift()! ? 1 : 0;
      if (speculating && recent.length === STOP_WINDOW && recentConflicts * 2 >= STOP_WINDOW) {
        speculating = false;
        if (pipe) hooks.deferBlooms?.();
        stats.stoppedAt = i;
        stats.stopReason = 'conflicts';
        Atomics.store(ctrl, CTRL_STOP, 1);
        Atomics.notify(ctrl, CTRL_COMMITTED);
      }
    }
    settleFee();
    stats.stepFactor = step.value;
    stats.workerScale = step.workerScale;
    for (let k = 0; k < areas.length; k++) areas[k].buf = areas[k].buf.slice(0, readPos[k]);
  } finally {
    pipe?.end();
    Atomics.store(ctrl, CTRL_STOP, 1);
    // A worker held by the claim window sleeps until notified (or 5 ms): wake it to see STOP now, so it is done
    // (its commit log free, its queue ready for the next block) before the next block is set up.
    if (workers.length) Atomics.notify(ctrl, CTRL_COMMITTED);
    specWorld.discard();
    // Not awaited: a worker still building its replica (or finishing a result that is no longer needed) must not
    // hold the block up; it sees STOP and ends, and runs its next block only after (its queue is in order). Its
    // 'done' figures then land in these stats late (until the next block replaces the listener).
    void finished;
    stats.bytesOut += log.pos * workers.length;
    if (broken) stats.workerError = broken;
    const cpu1 = threadCpuMs();
    if (cpu0 !== undefined && cpu1 !== undefined) stats.coordCpuMs = cpu1 - cpu0;
  }
  // A transaction a worker had claimed but whose result came too late was executed twice: count it.
  for (const i of ranHere) stats.executions[i] = 2;
  return outcome(pipe);

  /** Validate the coordinator's own speculative result for transaction i and commit it (or re-execute). */
  function commitLocal(i: number, x: LocalResult): StateDiff {
    const t = performance.now();
    const bad = validateRecorded(x.reads!, view, codeVersion, x.seen, written);
    if (bad) return conflict(i, bad);
    const result = x.result!;
    if (result.status === 'rejected') throw new InvalidBlockError(i, `rejected: ${result.error}`);
    // The diff's before-values are reads that just validated: it applies as it is.
    const diff = x.diff!;
    backend.applyDiff!(diff);
    feeAtCommit(i, diff, x.fee);
    hooks.finish(i, result, diff, x.kind!, x.ms!);
    lastExec = step.value * x.ms!;
    const ms = performance.now() - t;
    stats.commitMs = (stats.commitMs ?? 0) + ms;
    stats.localCommitMs = (stats.localCommitMs ?? 0) + ms;
    return diff;
  }

  /** Add the deferred coinbase fee (applied, and put into `diff`); returns the coinbase's diff if any. */
  function feeAtCommit(i: number, diff: StateDiff, fee: bigint | undefined): AccountDiff | undefined {
    if (fee === undefined) return undefined;
    if (fast && !streaming && fee > 0n) {
      // Lazy, as commitRecord's (the diff gets the entry the sequential executor's would have).
      const prior = deferFee(i, fee);
      const before = prior === 0n ? cbBase : { balance: (cbBase ? cbBase.balance : 0n) + prior, nonce: cbBase ? cbBase.nonce : 0n, code: cbBase ? cbBase.code : EMPTY };
      diff.set(cb, { before, after: { balance: (before ? before.balance : 0n) + fee, nonce: before ? before.nonce : 0n, code: before ? before.code : EMPTY }, storageCleared: false, storage: new Map() });
      return undefined;
    }
    settleFee();
    const d = coinbaseDiff(fee);
    if (d) {
      backend.applyDiff!(new Map([[env.coinbase, d]]));
      diff.set(env.coinbase, d);
    }
    return d;
  }

  /**
   * The lazy coinbase update: what runTransaction's fee step (setBalance, touch, then EIP-161's deletion of an empty
   * touched account) followed by WorldState.diff() gives for a coinbase the transaction did not otherwise touch.
   */
  function coinbaseDiff(fee: bigint): AccountDiff | undefined {
    const cb = env.coinbase;
    const before = backend.getAccount(cb);
    const after: Account = { balance: (before ? before.balance : 0n) + fee, nonce: before ? before.nonce : 0n, code: before ? before.code : EMPTY };
    if (fork >= Fork.SpuriousDragon && after.balance === 0n && after.nonce === 0n && after.code.length === 0) {
      // Deleted (its storage wiped): a change only if it existed or held slots.
      const hadSlots = backend.storageEntries(cb)[Symbol.iterator]().next().done !== true;
      return before !== undefined || hadSlots ? { before, after: undefined, storageCleared: true, storage: new Map() } : undefined;
    }
    if (before && before.balance === after.balance) return undefined; // fee 0 on an existing account
    return { before, after, storageCleared: false, storage: new Map() };
  }

  /** Add a positive fee to the pending coinbase fee; returns the fees pending before it. */
  function deferFee(i: number, fee: bigint): bigint {
    if (!pending) {
      cbBase = mem.accounts.get(cb);
      pendingFee = 0n;
      pending = true;
    }
    const prior = pendingFee;
    // Bookkeeping as append's for the coinbase's diff: written now; created (a code version) when it did not exist.
    if (cbBase === undefined && prior === 0n) codeVersion.set(cb, i);
    written.set(cb, i);
    pendingFee = prior + fee;
    lazyFees = true;
    return prior;
  }

  /**
   * commitResult without objects, on a plain MemoryBackend: the record's header read only as far as the commit needs
   * (gas, fee, where the bloom is), the read set validated from the bytes, the write set applied from the bytes
   * (applyWriteSet), and a {@link RecordOutcome} over the record's bytes (see `areas`) that builds result, receipt and
   * diff when asked. Returns undefined when committed (logged here), else the re-execution's diff.
   */
  function commitRecord(i: number, r: ByteReader, k: number): StateDiff | undefined {
    const timed = (commits++ & (COMMIT_SAMPLE - 1)) === 0;
    const t = timed ? performance.now() : 0;
    const at = r.pos;
    r.pos += 4;
    const seen = r.u32();
    if (r.u8() === 0) return conflict(i, 'error');
    const status = r.u8();
    const kind = KINDS[r.u8()];
    const gasUsed = r.word();
    const fee = r.u8() === 1 ? r.word() : undefined;
    const error = r.u8() === 1 ? r.string() : undefined;
    if (r.u8() === 1) skipAddress(r);
    skipBytes(r);
    let bloomAt = -1;
    const logsAt = skipLogs(r);
    // An empty RLP list (0xc0) is one byte: no logs, no bloom.
    if (r.pos - logsAt > 1) {
      bloomAt = r.pos;
      r.pos += BLOOM_BYTES;
    }
    const execMs = r.f64();
    stats.workerTxMs = (stats.workerTxMs ?? 0) + execMs;
    const bad = validateReads(r, view, codeVersion, seen, written);
    if (bad) return conflict(i, bad);
    if (status === 3) throw new InvalidBlockError(i, `rejected: ${error}`);
    const ws = r.pos;
    const refAt = refs.length;
    applyWriteSet(r, mem, refs, i, written, codeVersion);
    const o = new RecordOutcome(kind, execMs, gasUsed, areas[k], at, ws, table.names, refs, refAt, bloomAt, logsAt);
    let feeLog: StateDiff | undefined;
    if (fee !== undefined) {
      if (!streaming && fee > 0n) {
        o.cbPrior = deferFee(i, fee);
        o.cbBase = cbBase;
        o.fee = fee;
      } else {
        settleFee();
        const d = coinbaseDiff(fee);
        if (d) {
          feeLog = new Map([[cb, d]]);
          backend.applyDiff!(feeLog);
          o.cbDiff = d;
          written.set(cb, i);
          if (!d.before || !d.after || d.before.code !== d.after.code) codeVersion.set(cb, i);
        }
      }
    }
    hooks.finishRecord!(i, o, r.buf, bloomAt);
    appendRecord(i, k, ws, r.pos - ws, feeLog);
    step.addWorker(execMs);
    lastExec = step.value * step.workerScale * execMs;
    if (timed) stats.commitMs = (stats.commitMs ?? 0) + (performance.now() - t) * COMMIT_SAMPLE;
    return undefined;
  }

  /** Validate a worker's result for transaction i and commit it (or re-execute). Returns the committed diff. */
  function commitResult(i: number, r: ByteReader): StateDiff {
    const t = performance.now();
    r.u32();
    const seen = r.u32();
    if (r.u8() === 0) return conflict(i, 'error');
    const status = STATUSES[r.u8()];
    const kind = KINDS[r.u8()];
    const gasUsed = r.word();
    const fee = r.u8() === 1 ? r.word() : undefined;
    const error = r.u8() === 1 ? r.string() : undefined;
    const createdAddress = r.u8() === 1 ? r.address() : undefined;
    const returnData = r.bytes();
    const logs = readLogs(r);
    let bloom: Uint8Array | undefined;
    if (logs.length) {
      bloom = r.buf.slice(r.pos, r.pos + BLOOM_BYTES);
      r.pos += BLOOM_BYTES;
    }
    const execMs = r.f64();
    stats.workerTxMs = (stats.workerTxMs ?? 0) + execMs;
    const bad = validateReads(r, view, codeVersion, seen, written);
    if (bad) return conflict(i, bad);
    if (status === 'rejected') throw new InvalidBlockError(i, `rejected: ${error}`);
    const d0 = r.pos;
    const diff = readStateDiff(r, backend);
    const bytes = r.buf.subarray(d0, r.pos);
    backend.applyDiff!(diff);
    const cb = feeAtCommit(i, diff, fee);
    rawDiff = { bytes, fee: cb ? new Map([[env.coinbase, cb]]) : undefined };
    const result: TxResult = status === 'success'
      ? { gasUsed, logs, status, returnData, ...(createdAddress ? { createdAddress } : {}) }
      : { gasUsed, logs, status, ...(error !== undefined ? { error } : {}), returnData };
    hooks.finish(i, result, diff, kind, execMs, bloom);
    const ms = performance.now() - t;
    stats.commitMs = (stats.commitMs ?? 0) + ms;
    step.addWorker(execMs);
    lastExec = step.value * step.workerScale * execMs;
    return diff;
  }
}

/** One of the coordinator's own speculative executions, kept in memory until its turn (`error`: it threw). */
interface LocalResult {
  seen: number;
  error?: boolean;
  reads?: RecordedReads;
  result?: TxResult;
  diff?: StateDiff;
  kind?: TxOutcome['kind'];
  fee?: bigint;
  ms?: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Every contract of the state loaded on the coordinator, as modules the workers can adopt (wasm only). A code the
 * pool has seen is recognised by length and bytes (a compare costs µs; loading it again means hashing it, ~0.2 ms
 * per 10 KB here, as state backends hand out new arrays per run).
 */
function loadModules(loader: ContractLoader, pool: ParallelPool, backend: { addresses(): Iterable<string>; getAccount(a: string): { code: Uint8Array } | undefined }, fork: Fork) {
  const out: { key: string; module: WebAssembly.Module }[] = [];
  if (loader.engine !== 'wasm') return out;
  const known = pool.knownCode(fork);
  for (const a of backend.addresses()) {
    const code = backend.getAccount(a)?.code;
    if (!code || code.length === 0) continue;
    const same = known.get(code.length);
    if (same?.some((c) => c === code || Buffer.compare(c, code) === 0)) continue;
    const l = loader.load(code, fork) as { key: string; module?: WebAssembly.Module };
    if (same) same.push(code);
    else known.set(code.length, [code]);
    if (l.module) out.push({ key: l.key, module: l.module });
  }
  return out;
}
