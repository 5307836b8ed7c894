/**
 * @file Signature recovery spread over a pool's threads: the calling thread and every worker claim chunks of
 * (hash, r ‖ s, recovery id) records from one shared buffer and write each signer's address beside it. Why: a
 * recovery is ~80 µs on libsecp256k1, 5–10× a plain transfer's whole block step, and independent of every other
 * transaction — the one part of importing a block that splits across cores with nothing to validate after.
 *
 * Buffer: Int32 control words (CLAIM: next record to claim; DONE: records finished; FAILED: threads that threw, whose
 * claimed records the caller redoes), then `n` input records of
 * 97 bytes (hash 32, r ‖ s 64, recid 1), then `n` outputs of 21 bytes (status 1 = recovered, 2 = none; address 20).
 * A status is stored after its address, with Atomics, and DONE counts records after their statuses.
 */
import { keccak256 } from '../state/keccak.ts';
import { recoverPublicKey } from '../state/secp256k1.ts';
import type { ParallelPool } from './pool.ts';

const CLAIM = 0;
const DONE = 1;
const FAILED = 2;
const CTRL_BYTES = 16;
const IN = 97;
const OUT = 21;
/** Records per claim: ~0.6 ms of work, so a claim's Atomics cost is noise and the tail is short. */
const CHUNK = 8;

/** Atomics.waitAsync (Node ≥ 16; not in the ES2022 lib this project compiles against). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

/** One recovery to do. */
export interface RecoveryJob {
  hash: Uint8Array;
  /** r ‖ s, 64 bytes. */
  rs: Uint8Array;
  recid: number;
}

/** A worker's share: {@link recoverClaimed}, and on a throw the FAILED word instead of a lost wake-up. */
export function recoverForPool(buf: SharedArrayBuffer, n: number): void {
  try {
    recoverClaimed(buf, n);
  } catch {
    const ctrl = new Int32Array(buf, 0, 3);
    Atomics.add(ctrl, FAILED, 1);
    Atomics.notify(ctrl, DONE);
  }
}

/** Claim and recover records until none is left; returns how many this thread did. */
export function recoverClaimed(buf: SharedArrayBuffer, n: number): number {
  const ctrl = new Int32Array(buf, 0, 3);
  const bytes = new Uint8Array(buf);
  const outAt = CTRL_BYTES + n * IN;
  let did = 0;
  for (;;) {
    const from = Atomics.add(ctrl, CLAIM, CHUNK);
    if (from >= n) return did;
    const to = Math.min(n, from + CHUNK);
    for (let i = from; i < to; i++) recoverOne(bytes, n, i, outAt);
    did += to - from;
    Atomics.add(ctrl, DONE, to - from);
    Atomics.notify(ctrl, DONE);
  }
}

function recoverOne(bytes: Uint8Array, n: number, i: number, outAt: number): void {
  const at = CTRL_BYTES + i * IN;
  const pub = recoverPublicKey(bytes.slice(at, at + 32), bytes[at + 96], bytes.slice(at + 32, at + 96));
  const o = outAt + i * OUT;
  if (pub) bytes.set(keccak256(pub).subarray(12), o + 1);
  Atomics.store(bytes, o, pub ? 1 : 2);
}

/**
 * Each job's signer (lowercase `0x` address), or undefined where none recovers, worked out by this thread and the
 * pool's workers together (workers busy with a block take their share after it; one that dies leaves its claimed
 * records to this thread). With no worker it is the sequential loop.
 */
export async function recoverOnPool(pool: ParallelPool | undefined, jobs: readonly RecoveryJob[]): Promise<(string | undefined)[]> {
  const n = jobs.length;
  const buf = new SharedArrayBuffer(CTRL_BYTES + n * (IN + OUT));
  const bytes = new Uint8Array(buf);
  jobs.forEach((j, i) => {
    const at = CTRL_BYTES + i * IN;
    bytes.set(j.hash, at);
    bytes.set(j.rs, at + 32);
    bytes[at + 96] = j.recid;
  });
  const workers = n > CHUNK && pool ? pool.workers() : [];
  for (const w of workers) pool!.post(w, { type: 'recover', id: 0, buf, n });
  recoverClaimed(buf, n);
  const ctrl = new Int32Array(buf, 0, 3);
  const outAt = CTRL_BYTES + n * IN;
  for (;;) {
    const done = Atomics.load(ctrl, DONE);
    if (done >= n) break;
    if (Atomics.load(ctrl, FAILED) > 0 || workers.some((w) => w.dead)) {
      // A record a failed or dead worker claimed would never finish: redo every unfinished one here (a live worker
      // writing the same record writes the same bytes).
      for (let i = 0; i < n; i++) if (Atomics.load(bytes, outAt + i * OUT) === 0) recoverOne(bytes, n, i, outAt);
      break;
    }
    const w = waitAsync(ctrl, DONE, done, 20);
    if (w.async) await w.value;
  }
  const out: (string | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = outAt + i * OUT;
    out[i] = bytes[o] === 1 ? '0x' + Buffer.from(bytes.subarray(o + 1, o + OUT)).toString('hex') : undefined;
  }
  return out;
}
