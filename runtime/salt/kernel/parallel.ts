/**
 * @file `ParallelKernel`: the `CommitEngine` of trie.ts spread over worker threads.
 *
 * Stage: commitment updates of large batches (a 200k-key batch is ~460k fixed-base products).
 * Input/Output: as `SaltKernel.mulBatch` / `mapToScalars`.
 * Invariants: a batch is split by accumulator into contiguous ranges with about equal job counts;
 * every accumulator is processed by exactly one thread, with its jobs in their original order, so
 * the resulting coordinates — not only the group elements — are identical whatever the thread
 * count. The main thread computes the first slice itself and then blocks in `Atomics.wait`; the
 * engine stays synchronous, like the rest of the state API. Small batches stay on the main thread:
 * handing a slice over costs ~0.1 ms, about three products.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { JOB_WORDS, POINT_WORDS, SCALAR_WORDS, SaltKernel, defaultKernel, generatorWords } from './index.ts';
import type { WorkerMsg } from './worker.ts';

/** Below this many jobs (or points) a batch is not split. */
const MIN_SPLIT = 256;

interface Slot {
  readonly worker: Worker;
  readonly ctrl: Int32Array;
  data: Uint32Array;
  fresh: SharedArrayBuffer | undefined;
  failure: Error | undefined;
  /** A `startBatch` batch the worker holds (its results go back into `accs` on completion). */
  pending: { readonly accs: Uint32Array; readonly nacc: number } | undefined;
}

/** A batch running on a worker thread (`startBatch`): `done()` polls, `wait()` blocks and writes the results back. */
export interface BatchTicket {
  done(): boolean;
  wait(): void;
}

/** Default thread count: the machine's parallelism, capped at 4 (env SALT_THREADS overrides). */
export function defaultThreads(): number {
  const env = Number(process.env.SALT_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Fixed-base products and `map_to_scalar` on the main thread plus `threads − 1` workers. */
export class ParallelKernel {
  readonly local: SaltKernel;
  readonly threads: number;
  private readonly slots: Slot[] = [];
  private workerMuls = 0;

  /** @param local the main thread's kernel (a new one with window `w` if omitted). */
  constructor(threads = defaultThreads(), w = 8, local?: SaltKernel) {
    this.local = local ?? new SaltKernel(w);
    w = this.local.w;
    this.threads = Math.max(1, threads);
    const gens = generatorWords();
    for (let i = 1; i < this.threads; i++) {
      const ctrl = new SharedArrayBuffer(16);
      const worker = new Worker(new URL(import.meta.url.endsWith('.ts') ? './worker-boot.mjs' : './worker.js', import.meta.url), { workerData: { w, gens, kind: this.local.kind, ctrl } });
      worker.unref();
      const slot: Slot = { worker, ctrl: new Int32Array(ctrl), data: new Uint32Array(0), fresh: undefined, failure: undefined, pending: undefined };
      worker.on('error', (e) => (slot.failure = e));
      this.slots.push(slot);
    }
  }

  get mulCount(): number {
    return this.local.mulCount + this.workerMuls;
  }

  /** Build the tables once on the main thread and hand copies to the workers. */
  warm(): void {
    const t = this.local.exportTables();
    if (this.slots.length === 0) return;
    const sab = new SharedArrayBuffer(t.byteLength);
    new Uint32Array(sab).set(t);
    for (const s of this.slots) this.post(s, { op: 'tables', tables: sab });
    for (const s of this.slots) this.wait(s);
  }

  /** Stop the workers. */
  close(): void {
    for (const s of this.slots) void s.worker.terminate();
    this.slots.length = 0;
  }

  private ensure(s: Slot, words: number): void {
    if (s.data.length >= words) return;
    const sab = new SharedArrayBuffer(Math.max(words, s.data.length * 2) * 4);
    s.data = new Uint32Array(sab);
    s.fresh = sab;
  }

  private post(s: Slot, m: WorkerMsg): void {
    if (m.op !== 'tables' && s.fresh) {
      m.data = s.fresh;
      s.fresh = undefined;
    }
    Atomics.store(s.ctrl, 0, 0);
    s.worker.postMessage(m);
  }

  private wait(s: Slot): void {
    // A worker that died (failed to load, out of memory) never answers: give up after a minute
    // rather than hang, since its 'error' event cannot be delivered while this thread is blocked.
    for (let i = 0; Atomics.wait(s.ctrl, 0, 0, 1000) === 'timed-out'; i++) {
      if (i >= 60) throw new Error(`SALT kernel worker did not answer${s.failure ? `: ${s.failure.message}` : ''}`);
    }
    if (s.ctrl[2] !== 0) throw new Error('SALT kernel worker failed (see stderr)');
  }

  /** Finish a slot's `startBatch` batch, if any: wait for it and copy its accumulators back. */
  private complete(s: Slot): void {
    const p = s.pending;
    if (!p) return;
    this.wait(s);
    s.pending = undefined;
    p.accs.set(s.data.subarray(0, p.nacc * POINT_WORDS));
    this.workerMuls += s.ctrl[1];
  }

  /**
   * Start `mulBatch(accs, …)` on an idle worker and return at once (undefined when every worker is
   * busy or there is none); `accs` receives the results when the ticket is waited on. The caller keeps
   * `accs` and `jobs` untouched meanwhile and never shares an accumulator between running batches.
   * Lets the caller overlap its own work (the bucket tables of the next keys) with the products.
   */
  startBatch(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): BatchTicket | undefined {
    const s = this.slots.find((x) => x.pending === undefined);
    if (!s || njobs === 0) return undefined;
    this.ensure(s, nacc * POINT_WORDS + njobs * JOB_WORDS);
    s.data.set(accs.subarray(0, nacc * POINT_WORDS));
    s.data.set(jobs.subarray(0, njobs * JOB_WORDS), nacc * POINT_WORDS);
    const mine = { accs, nacc };
    s.pending = mine;
    this.post(s, { op: 'mul', nacc, njobs });
    return {
      done: () => s.pending !== mine || Atomics.load(s.ctrl, 0) === 1,
      wait: () => {
        if (s.pending === mine) this.complete(s);
      },
    };
  }

  /** `mulBatch` on this thread only (beside batches started with `startBatch`). */
  mulLocal(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): number {
    return this.local.mulBatch(accs, nacc, jobs, njobs);
  }

  /** Whether `startBatch` can run batches (there are workers). */
  expect(_jobs: number): boolean {
    return this.slots.length > 0;
  }

  /** Contiguous ranges [bounds[i], bounds[i+1]) of `n` items with about equal `weight` sums. */
  private split(n: number, weight: (i: number) => number, total: number): number[] {
    const parts = Math.min(this.threads, n);
    const bounds = [0];
    let acc = 0;
    for (let i = 0; i < n && bounds.length < parts; i++) {
      acc += weight(i);
      if (acc >= (total * bounds.length) / parts) bounds.push(i + 1);
    }
    while (bounds.length <= parts) bounds.push(n);
    bounds[parts] = n;
    return bounds.slice(0, parts + 1);
  }

  mulBatch(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): number {
    if (this.slots.length === 0 || njobs < MIN_SPLIT || nacc < 2) return this.local.mulBatch(accs, nacc, jobs, njobs);
    for (const s of this.slots) this.complete(s);
    const per = new Uint32Array(nacc);
    for (let k = 0; k < njobs; k++) per[jobs[k * JOB_WORDS]]++;
    const b = this.split(nacc, (i) => per[i], njobs);
    const parts = b.length - 1;
    // Part of each accumulator, and each part's job count.
    const partOf = new Uint8Array(nacc);
    const counts = new Array<number>(parts).fill(0);
    for (let p = 0; p < parts; p++) {
      partOf.fill(p, b[p], b[p + 1]);
      for (let i = b[p]; i < b[p + 1]; i++) counts[p] += per[i];
    }
    // Workers' inputs: their accumulators, then their jobs (acc index rebased), order preserved.
    const fill = new Array<number>(parts).fill(0);
    const bufs: Uint32Array[] = [];
    for (let p = 0; p < parts; p++) {
      const na = b[p + 1] - b[p];
      if (p === 0) {
        bufs.push(new Uint32Array(counts[0] * JOB_WORDS));
        continue;
      }
      const s = this.slots[p - 1];
      this.ensure(s, na * POINT_WORDS + counts[p] * JOB_WORDS);
      s.data.set(accs.subarray(b[p] * POINT_WORDS, b[p + 1] * POINT_WORDS));
      bufs.push(s.data.subarray(na * POINT_WORDS));
    }
    for (let k = 0; k < njobs; k++) {
      const o = k * JOB_WORDS;
      const p = partOf[jobs[o]];
      const d = bufs[p];
      const f = fill[p]++ * JOB_WORDS;
      // Word by word: a subarray view per job was ~460k short-lived objects per 200k-key batch.
      d[f] = jobs[o] - b[p];
      for (let w = 1; w < JOB_WORDS; w++) d[f + w] = jobs[o + w];
    }
    for (let p = 1; p < parts; p++) this.post(this.slots[p - 1], { op: 'mul', nacc: b[p + 1] - b[p], njobs: counts[p] });
    const mine = accs.subarray(0, b[1] * POINT_WORDS);
    let n = this.local.mulBatch(mine, b[1], bufs[0], counts[0]);
    for (let p = 1; p < parts; p++) {
      const s = this.slots[p - 1];
      this.wait(s);
      accs.set(s.data.subarray(0, (b[p + 1] - b[p]) * POINT_WORDS), b[p] * POINT_WORDS);
      n += s.ctrl[1];
      this.workerMuls += s.ctrl[1];
    }
    return n;
  }

  mapToScalars(pts: Uint32Array, n: number): Uint32Array {
    if (this.slots.length === 0 || n < MIN_SPLIT) return this.local.mapToScalars(pts, n);
    for (const s of this.slots) this.complete(s);
    const b = this.split(n, () => 1, n);
    const parts = b.length - 1;
    for (let p = 1; p < parts; p++) {
      const s = this.slots[p - 1];
      const m = b[p + 1] - b[p];
      this.ensure(s, m * (POINT_WORDS + SCALAR_WORDS));
      s.data.set(pts.subarray(b[p] * POINT_WORDS, b[p + 1] * POINT_WORDS));
      this.post(s, { op: 'map', n: m });
    }
    const out = new Uint32Array(n * SCALAR_WORDS);
    out.set(this.local.mapToScalars(pts.subarray(0, b[1] * POINT_WORDS), b[1]));
    for (let p = 1; p < parts; p++) {
      const s = this.slots[p - 1];
      const m = b[p + 1] - b[p];
      this.wait(s);
      out.set(s.data.subarray(m * POINT_WORDS, m * (POINT_WORDS + SCALAR_WORDS)), b[p] * SCALAR_WORDS);
    }
    return out;
  }
}

/** Batches at least this large are worth handing to worker threads (startup ~0.3 s, tables copied once). */
export const AUTO_PARALLEL_JOBS = 20000;

/**
 * The default engine: the main thread's kernel, plus a worker pool started the first time a batch
 * has at least AUTO_PARALLEL_JOBS jobs (block-sized batches), so small stores and tests never start
 * threads. Results are identical either way (see the invariants above).
 */
export class AutoKernel {
  readonly local: SaltKernel;
  private pool: ParallelKernel | undefined;

  constructor(local: SaltKernel = defaultKernel(), private readonly threads = defaultThreads()) {
    this.local = local;
  }

  get mulCount(): number {
    return this.pool ? this.pool.mulCount : this.local.mulCount;
  }

  private engine(size: number): SaltKernel | ParallelKernel {
    if (this.pool) return this.pool;
    if (this.threads < 2 || size < AUTO_PARALLEL_JOBS) return this.local;
    this.pool = new ParallelKernel(this.threads, this.local.w, this.local);
    this.pool.warm();
    return this.pool;
  }

  mulBatch(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): number {
    return this.engine(njobs).mulBatch(accs, nacc, jobs, njobs);
  }

  mapToScalars(pts: Uint32Array, n: number): Uint32Array {
    return (this.pool ?? this.local).mapToScalars(pts, n);
  }

  /** A batch of about `jobs` products follows: start the pool if it is worth it; true when `startBatch` can run. */
  expect(jobs: number): boolean {
    return this.engine(jobs) === this.pool && this.pool !== undefined && this.pool.expect(jobs);
  }

  startBatch(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): BatchTicket | undefined {
    return this.pool?.startBatch(accs, nacc, jobs, njobs);
  }

  mulLocal(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): number {
    return this.pool ? this.pool.mulLocal(accs, nacc, jobs, njobs) : this.local.mulBatch(accs, nacc, jobs, njobs);
  }

  /** Stop the worker pool, if started. */
  close(): void {
    this.pool?.close();
    this.pool = undefined;
  }
}

let auto: AutoKernel | undefined;

/** The process-wide default engine (what `SaltStore.open()` and `new SaltState()` use). */
export function defaultEngine(): AutoKernel {
  if (!auto) auto = new AutoKernel();
  return auto;
}
