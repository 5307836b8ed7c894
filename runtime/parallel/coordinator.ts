/**
 * @file The parallel executor's coordinator (design (c) of the parallel issue, after Block-STM's in-order
 * validation and pevm's lazy updates), run by `executeBlock` when `workers` > 1:
 *
 * 1. Transactions that run code (calls, creations, precompiles, EIP-7702) are handed to the workers, which
 *    execute them speculatively, each on its replica of the committed state, and return read set + write set.
 * 2. Plain value transfers are not sent anywhere: the coordinator applies them itself, in order, against the
 *    exact committed state (a transfer runs no code: its whole effect is a few balance and nonce updates, cheaper
 *    to apply than to validate). So a nonce chain of one sender, a hot recipient or the coinbase as sender never
 *    conflicts (pevm's lazy transfer updates), and a worker result that *read* such an account (BALANCE, a call
 *    into it) is validated by value like any other read.
 * 3. The coinbase's fee is a lazy update too: a worker execution that never read the coinbase leaves the fee to
 *    the coordinator, which adds it at commit with the sequential EIP-161 rule (an empty coinbase receiving 0 is
 *    deleted) — without this every transaction would conflict on the coinbase balance.
 * 4. In block order, the coordinator checks each worker result's reads against the committed state; if all hold,
 *    its write set is committed as is; if not, the coordinator re-executes it on the committed state (so at most
 *    two executions per transaction, and the second is exact). Every commit is appended to the shared commit log
 *    the workers replay before their next execution.
 * 5. Speculation stops when half of the latest 16 worker results failed validation (a block that is one dependency
 *    chain, workload W4): the rest runs here, so such a block costs little more than running sequentially.
 *
 * Everything that decides a result is the committed state; timing only decides how much work is wasted. So the
 * results equal the sequential executor's for any interleaving (the tests inject random delays in the workers).
 */
import { Fork } from '../../src/evm/forks.ts';
import type { Block, TxOutcome } from '../block/types.ts';
import { InvalidBlockError } from '../block/types.ts';
import type { ContractLoader } from '../loader/types.ts';
import { precompileAddresses } from '../precompiles/index.ts';
import type { Account, AccountDiff, StateDiff, WorldState } from '../state/world.ts';
import type { TxEnv, TxResult } from '../tx/index.ts';
import { ByteReader, ByteWriter, readDiff, readLogs, toStateDiff, writeDiff, writeState } from './codec.ts';
import type { ParallelPool, PoolWorker } from './pool.ts';
import { CTRL_CLAIM, CTRL_LOG_BYTES, CTRL_SEEN, CTRL_STOP, CTRL_WORDS, type DelaySpec, type FromWorker } from './protocol.ts';
import { type ConflictKind, validateReads } from './reads.ts';
import type { ParallelStats } from './stats.ts';

export type { ParallelStats } from './stats.ts';

/** What the block executor lends the coordinator: its sequential step and its bookkeeping. */
export interface ParallelHooks {
  /** Throw InvalidBlockError if transaction i's gas limit exceeds what the block has left. */
  checkGas(i: number): void;
  /** Execute transaction i on the committed state exactly as the sequential executor does; returns its diff. */
  runHere(i: number): StateDiff;
  /** Record a committed transaction (receipt, cumulative gas, outcome). */
  finish(i: number, result: TxResult, diff: StateDiff, kind: TxOutcome['kind'], execMs: number): void;
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
  /** Less gas (sum of their gas limits) to hand out than this: run sequentially (default {@link MIN_DISPATCHED_GAS}). */
  minDispatchedGas?: bigint;
  /** 'coordinator' (default): a sender's second and later transactions run on the coordinator; 'workers': speculated too. */
  senderChains?: 'coordinator' | 'workers';
}

/**
 * Below this much gas (sum of the gas limits) to hand out, a block runs sequentially: each hand-over costs thread
 * wake-ups and a replica, measured at several ms on this loaded 2-core machine, more than small blocks take whole.
 */
export const MIN_DISPATCHED_GAS = 4_000_000n;

/** Speculation stops when half of this many latest worker results failed validation (the workload W4 shape). */
const STOP_WINDOW = 16;

const STATUSES = ['success', 'revert', 'halt', 'rejected'] as const;
const KINDS = ['transfer', 'call', 'create'] as const;
let nextBlockId = 1;
const EMPTY = new Uint8Array(0);

/** Execute the block's transactions (after the pre-block system calls, before rewards) on the pool. */
export async function runTransactionsParallel(p: ParallelRun): Promise<ParallelStats> {
  const { block, world, fork, env, hooks } = p;
  const backend = world.backend;
  const txs = block.transactions;
  const n = txs.length;
  const stats: ParallelStats = {
    workers: p.pool.size, executions: new Array<number>(n).fill(1), dispatched: 0, conflicts: 0, conflictKinds: {},
    startMs: 0, setupMs: 0, waitMs: 0, bytesOut: 0, bytesIn: 0, workerExecMs: 0,
  };
  const sequential = (why: string): ParallelStats => {
    for (let i = 0; i < n; i++) {
      hooks.checkGas(i);
      hooks.runHere(i);
    }
    stats.fallback = why;
    return stats;
  };
  if (!backend.applyDiff) return sequential('read-only state backend');

  // --- what goes to the workers ---
  const precompiles = new Set(precompileAddresses(fork));
  const order: number[] = [];
  const senders = new Set<string>();
  let gas = 0n;
  for (let i = 0; i < n; i++) {
    const tx = txs[i];
    const plain = tx.to !== undefined && !precompiles.has(tx.to) && tx.authorizationList.length === 0 && world.code(tx.to).length === 0;
    // A sender's later transactions read the nonce and balance its earlier one wrote: speculating them ahead of
    // that commit almost always fails validation (measured: 48 of 51 on block 2641321), so they run here.
    const chained = senders.has(tx.sender) && p.senderChains !== 'workers';
    senders.add(tx.sender);
    if (!plain && !chained) {
      order.push(i);
      gas += tx.gasLimit;
    }
  }
  const min = p.minDispatched ?? 2;
  if (order.length < min) return sequential(`${order.length} transaction(s) to hand out (parallel from ${min})`);
  const minGas = p.minDispatchedGas ?? MIN_DISPATCHED_GAS;
  if (gas < minGas) return sequential(`${gas / 1_000_000n} Mgas to hand out (parallel from ${minGas / 1_000_000n})`);
  // Threads start on the first block that needs them; that wait is reported apart, not as execution.
  const s0 = performance.now();
  await p.pool.ready();
  stats.startMs = performance.now() - s0;
  const workers = p.pool.workers();
  if (workers.length === 0) return sequential('no live worker');
  stats.dispatched = order.length;

  // --- set-up: replica snapshot, compiled modules, shared control words and commit log ---
  const t0 = performance.now();
  const snap = new ByteWriter(new Uint8Array(1 << 16));
  writeState(snap, backend);
  const snapshot = new Uint8Array(new SharedArrayBuffer(snap.pos));
  snapshot.set(snap.buf.subarray(0, snap.pos));
  const modules = loadModules(p.loader, p.pool, backend, fork);
  const ctrlBuf = new SharedArrayBuffer(4 * CTRL_WORDS);
  const ctrl = new Int32Array(ctrlBuf);
  const logBuf = new (SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer)(1 << 16, { maxByteLength: 1 << 30 });
  const log = new ByteWriter(new Uint8Array(logBuf));
  const hashes: [bigint, bigint][] = [];
  for (let k = env.number - 256n; k < env.number; k++) if (k >= 0n) hashes.push([k, env.blockHash(k)]);
  const { blockHash: _, ...plainEnv } = env;
  const handed = order.map((i) => txs[i]);
  const id = nextBlockId++;

  const results = new Map<number, Uint8Array>();
  let waiting: { index: number; resolve: (d: Uint8Array | undefined) => void } | undefined;
  let live = workers.length;
  const done = new Set<PoolWorker>();
  let allDone: () => void = () => {};
  const finished = new Promise<void>((r) => (allDone = r));
  let broken: string | undefined;
  const onMessage = (w: PoolWorker) => (m: FromWorker) => {
    if (m.type === 'result') {
      if (m.id !== id) return;
      stats.bytesIn += m.data.length;
      if (waiting?.index === m.index) {
        const r = waiting.resolve;
        waiting = undefined;
        r(m.data);
      } else results.set(m.index, m.data);
      return;
    }
    if (m.type === 'ready' || (m.type === 'error' && m.id !== id && m.id !== -1)) return;
    if (m.type === 'done' && m.id !== id) return;
    if (m.type === 'error') broken ??= m.message;
    else stats.workerExecMs += m.execMs;
    if (!done.has(w)) {
      done.add(w);
      if (--live === 0) allDone();
    }
    // A worker that stopped early leaves its claimed transaction unanswered: the coordinator runs it.
    if (broken && waiting) {
      const r = waiting.resolve;
      waiting = undefined;
      r(undefined);
    }
  };
  for (const w of workers) {
    w.listener = onMessage(w);
    const fresh = modules.filter((m) => !w.sent.has(m.key));
    if (fresh.length) {
      p.pool.post(w, { type: 'modules', modules: fresh });
      for (const m of fresh) w.sent.add(m.key);
    }
    p.pool.post(w, { type: 'block', id, fork, env: plainEnv, hashes, txs: handed, order, snapshot, ctrl: ctrlBuf, log: logBuf, delay: p.delay });
    stats.bytesOut += snapshot.length;
  }
  stats.setupMs = performance.now() - t0;

  const codeVersion = new Map<string, number>();
  const append = (i: number, diff: StateDiff): void => {
    for (const [a, d] of diff) if (!d.before || !d.after || d.before.code !== d.after.code) codeVersion.set(a, i);
    log.u32(i);
    writeDiff(log, diff);
    Atomics.store(ctrl, CTRL_SEEN, i + 1);
    Atomics.store(ctrl, CTRL_LOG_BYTES, log.pos);
  };
  const resultOf = (i: number): Promise<Uint8Array | undefined> | Uint8Array | undefined => {
    const d = results.get(i);
    if (d) {
      results.delete(i);
      return d;
    }
    if (broken || live === 0) return undefined;
    return new Promise((resolve) => (waiting = { index: i, resolve }));
  };
  const conflict = (i: number, kind: ConflictKind | 'error'): StateDiff => {
    stats.conflicts++;
    stats.conflictKinds[kind] = (stats.conflictKinds[kind] ?? 0) + 1;
    stats.executions[i] = 2;
    return hooks.runHere(i);
  };

  const ranHere = new Set<number>();
  try {
    let d = 0;
    // Speculation stops when most recent results failed validation (a block that is one dependency chain):
    // the rest then runs here, using only results already in.
    let speculating = true;
    const recent: boolean[] = [];
    let recentConflicts = 0;
    for (let i = 0; i < n; i++) {
      hooks.checkGas(i);
      if (order[d] !== i) {
        append(i, hooks.runHere(i));
        continue;
      }
      d++;
      let data = speculating ? resultOf(i) : results.get(i);
      if (data instanceof Promise) {
        const w0 = performance.now();
        data = await data;
        stats.waitMs += performance.now() - w0;
      }
      if (!data) {
        // No worker answered (speculation stopped, or a worker failed): exact, on the committed state.
        ranHere.add(i);
        append(i, hooks.runHere(i));
        continue;
      }
      results.delete(i);
      const before = stats.conflicts;
      append(i, commitResult(i, data));
      const failed = stats.conflicts > before;
      recent.push(failed);
      recentConflicts += failed ? 1 : 0;
      if (recent.length > STOP_WINDOW) recentConflicts -= recent.shift()! ? 1 : 0;
      if (speculating && recent.length === STOP_WINDOW && recentConflicts * 2 >= STOP_WINDOW) {
        speculating = false;
        stats.stoppedAt = i;
        Atomics.store(ctrl, CTRL_STOP, 1);
      }
    }
  } finally {
    Atomics.store(ctrl, CTRL_STOP, 1);
    await finished;
    for (const w of workers) w.listener = undefined;
    stats.bytesOut += log.pos * workers.length;
    if (broken) stats.workerError = broken;
  }
  // A transaction a worker had claimed but whose result came too late was executed twice: count it.
  const claimed = Math.min(Atomics.load(ctrl, CTRL_CLAIM), order.length);
  for (let j = 0; j < claimed; j++) if (ranHere.has(order[j])) stats.executions[order[j]] = 2;
  return stats;

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

  /** Validate a worker's result for transaction i and commit it (or re-execute). Returns the committed diff. */
  function commitResult(i: number, data: Uint8Array): StateDiff {
    const r = new ByteReader(data);
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
    const execMs = r.f64();
    const bad = validateReads(r, backend, codeVersion, seen);
    if (bad) return conflict(i, bad);
    if (status === 'rejected') throw new InvalidBlockError(i, `rejected: ${error}`);
    const diff = toStateDiff(readDiff(r), backend);
    backend.applyDiff!(diff);
    if (fee !== undefined) {
      const d = coinbaseDiff(fee);
      if (d) {
        backend.applyDiff!(new Map([[env.coinbase, d]]));
        diff.set(env.coinbase, d);
      }
    }
    const result: TxResult = status === 'success'
      ? { gasUsed, logs, status, returnData, ...(createdAddress ? { createdAddress } : {}) }
      : { gasUsed, logs, status, ...(error !== undefined ? { error } : {}), returnData };
    hooks.finish(i, result, diff, kind, execMs);
    return diff;
  }
}

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
