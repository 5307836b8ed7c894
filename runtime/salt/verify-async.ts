/**
 * @file Witness verification on a second thread, overlapped with the block's execution (`mevmc validate`).
 *
 * Stage: stateless validation. Execution needs only the witness's key/values; the proof check (decompressing
 * every path commitment, the IPA multiproof's MSMs) is independent of it, and the trie update after execution
 * needs only the decompressed commitments — which the worker posts first. So on two cores a validation costs
 * about max(execution + update, verification) instead of their sum. The caller must not accept a result before
 * `verified` resolved with ok.
 * Input: witness bytes, the parent root. Output: promises of the decoded commitments (kernel words by node id)
 * and of the verdict (with the worker's wall time).
 * Invariants: the verdict is exactly `verifySaltProof`'s (same code, another thread); small witnesses, or when starting
 * a worker fails, run on the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { POINT_WORDS } from './kernel/words.ts';
import type { VerifyWorkerMsg } from './verify-worker.ts';
import { decodeWitnessFile, verifySaltProof } from './witness.ts';

/** The verdict of a background verification. */
export interface BackgroundVerdict {
  readonly ok: boolean;
  readonly reason?: string;
  /** Wall time of the verification (decompression included), ms. */
  readonly ms: number;
}

/** A verification running on another thread. */
export interface BackgroundVerification {
  /** Whether it runs on a worker thread (else both promises are already settled). */
  readonly thread: boolean;
  /** Node id → commitment as kernel words (36), for the commitments that decode. */
  readonly decoded: Promise<Map<bigint, Uint32Array>>;
  readonly verified: Promise<BackgroundVerdict>;
}

/** Verify on the calling thread, with the same two results. */
function verifyHere(bytes: Uint8Array, root: Uint8Array): BackgroundVerification {
  const t0 = performance.now();
  const decoded = new Map<bigint, Uint32Array>();
  let verdict: BackgroundVerdict;
  try {
    const w = decodeWitnessFile(bytes);
    const v = verifySaltProof(w.kvs, w.saltProof, root, decoded);
    verdict = { ok: v.ok, ...(v.reason ? { reason: v.reason } : {}), ms: performance.now() - t0 };
  } catch (e) {
    verdict = { ok: false, reason: `malformed witness: ${(e as Error).message}`, ms: performance.now() - t0 };
  }
  return { thread: false, decoded: Promise.resolve(decoded), verified: Promise.resolve(verdict) };
}

/** Witnesses with at least this many path commitments are verified on a second thread by default. */
export const VERIFY_THREAD_MIN_COMMITMENTS = 2000;

/**
 * Whether a witness with `commitments` path commitments is verified on a worker thread: env MEVMC_SALT_VERIFY_THREAD=1
 * or 0 decides; otherwise yes for large witnesses on a machine with ≥ 2 cores. Measured (README › Witnesses, two full
 * runs over the 16 shared blocks at load average 10–15): the thread's start-up (~0.2–0.9 s: module loading, CRS,
 * kernel compilation) outweighs the overlap below ~2,000 commitments; above, validation took 1.3–3.5× less time.
 */
export function defaultVerifyThread(commitments: number): boolean {
  const env = process.env.MEVMC_SALT_VERIFY_THREAD;
  if (env === '1' || env === '0') return env === '1';
  return commitments >= VERIFY_THREAD_MIN_COMMITMENTS && availableParallelism() >= 2;
}

interface PendingJob {
  decoded(m: Map<bigint, Uint32Array>): void;
  verified(v: BackgroundVerdict): void;
  fail(e: Error): void;
}

interface VerifyThread {
  readonly worker: Worker;
  readonly pending: Map<number, PendingJob>;
  next: number;
}

let shared: VerifyThread | undefined;

/**
 * The process's verification thread, started on first use and kept for later witnesses (a thread per witness paid
 * its start-up — modules, wasm compilation, CRS — every time). It holds the process open only while a job is
 * pending; if it dies, its pending jobs fail and the next call starts another.
 */
function verifyThread(): VerifyThread {
  if (shared) return shared;
  const entry = new URL(import.meta.url.endsWith('.ts') ? './verify-boot.mjs' : './verify-worker.js', import.meta.url);
  const t: VerifyThread = { worker: new Worker(entry), pending: new Map(), next: 1 };
  const dead = (e: Error): void => {
    if (shared === t) shared = undefined;
    for (const p of t.pending.values()) p.fail(e);
    t.pending.clear();
  };
  t.worker.on('message', (m: VerifyWorkerMsg) => {
    const p = t.pending.get(m.id);
    if (!p) return;
    if (m.op === 'decoded') {
      const map = new Map<bigint, Uint32Array>();
      m.ids.forEach((id, i) => m.ok[i] && map.set(id, m.points.subarray(i * POINT_WORDS, (i + 1) * POINT_WORDS)));
      p.decoded(map);
      return;
    }
    t.pending.delete(m.id);
    if (t.pending.size === 0) t.worker.unref();
    p.decoded(new Map()); // no-op if already resolved; a malformed witness never decodes
    p.verified({ ok: m.ok, ...(m.reason ? { reason: m.reason } : {}), ms: m.ms });
  });
  t.worker.on('error', (e) => dead(e));
  t.worker.on('exit', (code) => dead(new Error(`witness verification thread exited with code ${code} before its verdict`)));
  t.worker.unref();
  shared = t;
  return t;
}

/** Verify `bytes` against `root`: on a worker thread when `thread`, else on the calling thread before returning. */
export function verifyInBackground(bytes: Uint8Array, root: Uint8Array, thread = process.env.MEVMC_SALT_VERIFY_THREAD === '1'): BackgroundVerification {
  if (!thread) return verifyHere(bytes, root);
  let t: VerifyThread;
  try {
    t = verifyThread();
  } catch {
    return verifyHere(bytes, root);
  }
  let resDecoded!: (m: Map<bigint, Uint32Array>) => void;
  let rejDecoded!: (e: Error) => void;
  let resVerified!: (v: BackgroundVerdict) => void;
  let rejVerified!: (e: Error) => void;
  const decoded = new Promise<Map<bigint, Uint32Array>>((res, rej) => ((resDecoded = res), (rejDecoded = rej)));
  const verified = new Promise<BackgroundVerdict>((res, rej) => ((resVerified = res), (rejVerified = rej)));
  const job: PendingJob = { decoded: resDecoded, verified: resVerified, fail: (e) => (rejDecoded(e), rejVerified(e)) };
  // Callers await these only on their own schedule; a rejection must not count as unhandled meanwhile.
  decoded.catch(() => undefined);
  verified.catch(() => undefined);
  const id = t.next++;
  t.pending.set(id, job);
  t.worker.ref();
  t.worker.postMessage({ id, bytes, root });
  return { thread: true, decoded, verified };
}
