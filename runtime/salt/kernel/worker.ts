/**
 * @file Worker thread of `ParallelKernel` (parallel.ts): one SaltKernel instance serving slices of
 * the main thread's batches through shared memory.
 *
 * Protocol: the main thread writes the inputs into the shared data buffer, sets ctrl[0] = 0 and posts
 * `{ op, … }` (with a new `data` buffer when it had to grow); the worker computes in place, stores
 * the job count in ctrl[1], sets ctrl[0] = 1 and notifies. The main thread blocks in `Atomics.wait`
 * (allowed in Node's main thread) only after computing its own slice, so both cores work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JOB_WORDS, type KernelKind, POINT_WORDS, SaltKernel } from './index.ts';

interface Init {
  readonly w: number;
  readonly gens: Uint32Array;
  readonly kind: KernelKind;
  readonly ctrl: SharedArrayBuffer;
}

export type WorkerMsg =
  | { op: 'mul'; data?: SharedArrayBuffer; nacc: number; njobs: number }
  | { op: 'map'; data?: SharedArrayBuffer; n: number }
  | { op: 'tables'; tables: SharedArrayBuffer };

const init = workerData as Init;
const kernel = new SaltKernel(init.w, init.gens, init.kind);
const ctrl = new Int32Array(init.ctrl);
let data: Uint32Array = new Uint32Array(0);

parentPort!.on('message', (m: WorkerMsg) => {
  try {
    if (m.op === 'tables') kernel.importTables(new Uint32Array(m.tables));
    else {
      if (m.data) data = new Uint32Array(m.data);
      if (m.op === 'mul') {
        const accs = data.subarray(0, m.nacc * POINT_WORDS);
        const jobs = data.subarray(m.nacc * POINT_WORDS, m.nacc * POINT_WORDS + m.njobs * JOB_WORDS);
        ctrl[1] = kernel.mulBatch(accs, m.nacc, jobs, m.njobs);
      } else {
        // Points first, scalars written after them.
        data.set(kernel.mapToScalars(data, m.n), m.n * POINT_WORDS);
      }
    }
    ctrl[2] = 0;
  } catch (e) {
    ctrl[2] = 1;
    console.error(e);
  }
  Atomics.store(ctrl, 0, 1);
  Atomics.notify(ctrl, 0);
});
