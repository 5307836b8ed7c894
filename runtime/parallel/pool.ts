/**
 * @file The parallel executor's worker threads, started once and kept across blocks (a worker's start-up, its
 * loader and the compiled modules it received are paid once). A caller that runs many blocks creates one
 * {@link ParallelPool} and passes it to every `executeBlock`; `executeBlock(…, { workers: N })` without a pool
 * starts one for the block and closes it after.
 *
 * A pool of N runs N executors: the coordinator (the calling thread, which executes transactions too) and N − 1
 * worker threads. On 2 cores, 2 workers + a coordinator that only validated were 3 busy threads for 2 cores; measured
 * at 0.2–0.5× of sequential on the synthetic workloads (see README › Parallel execution).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FromWorker, LoaderSpec, ToWorker } from './protocol.ts';
import type { ReceiptsBuffers } from './receipts-pipeline.ts';

/** Stack of a worker thread: deep call chains (1024 frames of compiled code and host) as the CLI's thread. */
const WORKER_STACK_MB = 64;

/** The machine's cores (the CLI's default for --workers). */
export const defaultWorkers = (): number => Math.max(1, availableParallelism());

/** One worker thread of a pool. */
export interface PoolWorker {
  readonly worker: Worker;
  /** Cache keys of the modules posted to it. */
  readonly sent: Set<string>;
  /** The current block's handler. */
  listener?: (m: FromWorker) => void;
  /** The pre-state base and the block's transactions it holds (see BlockMsg.baseId, txsId). */
  baseId?: number;
  txsId?: number;
  /** Set when the thread failed or exited: it gets no more work. */
  dead?: Error;
  /** Its result area (fixed size, pages touched as used; records appended from 0 each block, see protocol.ts). */
  readonly results: SharedArrayBuffer;
}

/** Commit logs a pool keeps (see logBuffer). */
const MAX_LOG_AREAS = 3;

/** A worker's result area (per block; full: the worker stops and the coordinator runs what it left). */
const RESULTS_BYTES = 1 << 26;

/** A fixed set of executors (the coordinator + size − 1 worker threads) with one loader configuration. */
export class ParallelPool {
  private started: PoolWorker[] | undefined;
  /** Milliseconds from starting the threads until all had their loaders ready (see {@link ready}). */
  startMs = 0;
  private readyAll: Promise<void> | undefined;
  /**
   * Commit logs of recent blocks with their control words: a block takes one whose workers are all done with it.
   * Several, because a block starts while the last one's workers may still be finishing a result: a new 46 MB
   * buffer per W1 block showed in the coordinator's profile (external memory, then GC).
   */
  private logAreas: { buf: SharedArrayBuffer; ctrl: Int32Array; workers: number }[] = [];
  /** Receipt buffers of the receipts pipeline (receipts-pipeline.ts), reused block after block. */
  readonly receipts: ReceiptsBuffers = {};
  /** Per fork, by length: codes whose modules every worker has received (the coordinator's, see loadModules). */
  private readonly codes = new Map<number, Map<number, Uint8Array[]>>();
  constructor(readonly size: number, readonly spec: LoaderSpec = { engine: 'wasm' }) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`ParallelPool: size must be a positive integer, got ${size}`);
  }

  /** Worker threads: the coordinator is the size-th executor. */
  get threads(): number {
    return this.size - 1;
  }

  /** The live workers, started on first use. */
  workers(): PoolWorker[] {
    if (!this.started) {
      const t0 = performance.now();
      const entry = new URL(import.meta.url.endsWith('.ts') ? './worker-boot.mjs' : './worker.js', import.meta.url);
      this.started = [];
      const readies: Promise<void>[] = [];
      for (let i = 0; i < this.threads; i++) {
        const worker = new Worker(entry, { workerData: this.spec, resourceLimits: { stackSizeMb: WORKER_STACK_MB } });
        worker.unref();
        const results = new SharedArrayBuffer(RESULTS_BYTES);
        const w: PoolWorker = { worker, sent: new Set(), results };
        let ready: () => void = () => {};
        readies.push(new Promise<void>((r) => (ready = r)));
        worker.on('message', (m: FromWorker) => (m.type === 'ready' ? ready() : w.listener?.(m)));
        worker.once('exit', () => ready());
        const fail = (e: Error) => {
          w.dead ??= e;
          w.listener?.({ type: 'error', id: -1, message: e.message });
        };
        worker.on('error', fail);
        worker.on('exit', (code) => fail(new Error(`parallel worker exited (code ${code})`)));
        this.started.push(w);
      }
      this.readyAll = Promise.all(readies).then(() => { this.startMs = performance.now() - t0; });
    }
    return this.started.filter((w) => !w.dead);
  }

  /** Start the threads (if not yet) and wait until their loaders are set up: start-up timed apart from blocks. */
  async ready(): Promise<number> {
    this.workers();
    await this.readyAll;
    return this.startMs;
  }

  /** Codes already handed to the workers for `fork`, by length (the coordinator adds to it). */
  knownCode(fork: number): Map<number, Uint8Array[]> {
    let m = this.codes.get(fork);
    if (!m) this.codes.set(fork, (m = new Map()));
    return m;
  }

  /**
   * A commit log of at least `bytes` for a block whose control words are `ctrl` (ctrl[doneWord] counts the workers
   * done with it): a free one of the last blocks', else a new one (fixed size; pages are only touched as used).
   */
  logBuffer(bytes: number, ctrl: Int32Array, workers: number, doneWord: number): SharedArrayBuffer {
    const areas = this.logAreas;
    let k = areas.findIndex((a) => a.buf.byteLength >= bytes && Atomics.load(a.ctrl, doneWord) >= a.workers);
    if (k < 0) {
      if (areas.length >= MAX_LOG_AREAS) areas.shift();
      areas.push({ buf: new SharedArrayBuffer(bytes), ctrl, workers });
      k = areas.length - 1;
    }
    const a = areas[k];
    a.ctrl = ctrl;
    a.workers = workers;
    return a.buf;
  }

  post(w: PoolWorker, m: ToWorker): void {
    w.worker.postMessage(m);
  }

  /** Stop the threads. The pool can be used again (it starts new ones). */
  async close(): Promise<void> {
    const ws = this.started ?? [];
    this.started = undefined;
    this.codes.clear();
    this.logAreas = [];
    for (const w of ws) w.dead ??= new Error('pool closed');
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }
}
