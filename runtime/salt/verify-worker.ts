/**
 * @file Worker thread of `verifyInBackground` (verify-async.ts): decompresses a witness's path commitments,
 * posts them at once (the validator's trie needs them only after execution), then verifies the witness.
 *
 * Protocol: per job message `{ id, bytes, root }` it posts `{ op: 'decoded', id, ids, points, ok }` (ids as u64,
 * points as kernel words, ok flags) and then `{ op: 'verified', id, ok, reason?, ms }`; a malformed witness posts
 * only the second message (ok false). The thread stays for further jobs (verify-async.ts keeps one per process:
 * starting a thread — module loading, wasm compilation, CRS — cost 0.2–0.9 s per witness when each had its own).
 */
import { parentPort } from 'node:worker_threads';
import { ecKernel } from './kernel/ec.ts';
import { POINT_WORDS } from './kernel/words.ts';
import { decodeWitnessFile, verifySaltProof } from './witness.ts';

/** A job of the verification worker. */
export interface VerifyWorkerJob {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly root: Uint8Array;
}

/** Messages of the verification worker (each names its job). */
export type VerifyWorkerMsg =
  | { op: 'decoded'; id: number; ids: BigUint64Array; points: Uint32Array; ok: Uint8Array }
  | { op: 'verified'; id: number; ok: boolean; reason?: string; ms: number };

const post = (m: VerifyWorkerMsg, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);

function run({ id, bytes, root }: VerifyWorkerJob): void {
  const t0 = performance.now();
  try {
    const w = decodeWitnessFile(bytes);
    const pc = w.saltProof.parentsCommitments;
    const ids = [...pc.keys()];
    const enc = new Uint8Array(32 * ids.length);
    ids.forEach((nid, i) => enc.set(pc.get(nid)!, 32 * i));
    const d = ecKernel().decompress(enc, ids.length);
    const decoded = new Map<bigint, Uint32Array>();
    ids.forEach((nid, i) => d.ok[i] && decoded.set(nid, d.points.subarray(i * POINT_WORDS, (i + 1) * POINT_WORDS)));
    const points = d.points.slice(); // the worker keeps its own copy for the proof check
    post({ op: 'decoded', id, ids: BigUint64Array.from(ids), points, ok: d.ok.slice() }, [points.buffer as ArrayBuffer]);
    const v = verifySaltProof(w.kvs, w.saltProof, root, decoded);
    post({ op: 'verified', id, ok: v.ok, ...(v.reason ? { reason: v.reason } : {}), ms: performance.now() - t0 });
  } catch (e) {
    post({ op: 'verified', id, ok: false, reason: `malformed witness: ${(e as Error).message}`, ms: performance.now() - t0 });
  }
}

// Jobs arrive one message each, in order; the thread stays for the next (its kernel, CRS and compiled code too).
parentPort!.on('message', (job: VerifyWorkerJob) => run(job));
