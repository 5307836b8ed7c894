/**
 * @file Worker thread of `verifyInBackground` (verify-async.ts): decompresses a witness's path commitments,
 * posts them at once (the validator's trie needs them only after execution), then verifies the witness.
 *
 * Protocol: workerData = { bytes, root }; posts `{ op: 'decoded', ids, points, ok }` (ids as u64, points as
 * kernel words, ok flags) and then `{ op: 'verified', ok, reason?, ms }`; a malformed witness posts only the
 * second message (ok false). The thread ends after that.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ecKernel } from './kernel/ec.ts';
import { POINT_WORDS } from './kernel/words.ts';
import { decodeWitnessFile, verifySaltProof } from './witness.ts';

/** Messages of the verification worker. */
export type VerifyWorkerMsg =
  | { op: 'decoded'; ids: BigUint64Array; points: Uint32Array; ok: Uint8Array }
  | { op: 'verified'; ok: boolean; reason?: string; ms: number };

const { bytes, root } = workerData as { bytes: Uint8Array; root: Uint8Array };
const t0 = performance.now();
const post = (m: VerifyWorkerMsg, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);
try {
  const w = decodeWitnessFile(bytes);
  const pc = w.saltProof.parentsCommitments;
  const ids = [...pc.keys()];
  const enc = new Uint8Array(32 * ids.length);
  ids.forEach((id, i) => enc.set(pc.get(id)!, 32 * i));
  const d = ecKernel().decompress(enc, ids.length);
  const decoded = new Map<bigint, Uint32Array>();
  ids.forEach((id, i) => d.ok[i] && decoded.set(id, d.points.subarray(i * POINT_WORDS, (i + 1) * POINT_WORDS)));
  const points = d.points.slice(); // the worker keeps its own copy for the proof check
  post({ op: 'decoded', ids: BigUint64Array.from(ids), points, ok: d.ok.slice() }, [points.buffer as ArrayBuffer]);
  const v = verifySaltProof(w.kvs, w.saltProof, root, decoded);
  post({ op: 'verified', ok: v.ok, ...(v.reason ? { reason: v.reason } : {}), ms: performance.now() - t0 });
} catch (e) {
  post({ op: 'verified', ok: false, reason: `malformed witness: ${(e as Error).message}`, ms: performance.now() - t0 });
}
