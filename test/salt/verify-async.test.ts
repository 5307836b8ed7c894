/**
 * @file Witness verification on a worker thread (salt/verify-async.ts) gives verifySaltProof's verdict: the
 * decoded commitments arrive for every node, a valid MegaETH witness is accepted, a flipped proof bit is rejected
 * with the same reason as on the calling thread, a truncated file is reported malformed; jobs queued together on the
 * process's one verification thread each get their own verdict.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../runtime/salt/field.ts';
import { VERIFY_THREAD_MIN_COMMITMENTS, defaultVerifyThread, verifyInBackground } from '../../runtime/salt/verify-async.ts';
import { availableParallelism } from 'node:os';
import { decodeWitnessFile, verifySaltProof } from '../../runtime/salt/witness.ts';
import { HAVE_SHARED, SALT_DIR } from './shared.ts';

describe.skipIf(!HAVE_SHARED)('background witness verification', () => {
  const dir = join(SALT_DIR, 'megaeth');
  const f = HAVE_SHARED ? readdirSync(join(dir, 'witness')).filter((x) => x.endsWith('.salt')).sort()[0] : '';
  const root = (): Uint8Array => {
    const n = Number(f.split('.')[0]) - 1;
    const b = readdirSync(join(dir, 'blocks')).find((x) => x.startsWith(`${n}.`))!;
    return fromHex(JSON.parse(readFileSync(join(dir, 'blocks', b), 'utf8')).stateRoot);
  };

  for (const thread of [true, false]) {
    it(`${thread ? 'worker thread' : 'calling thread'}: same verdicts as verifySaltProof`, async () => {
      const bytes = new Uint8Array(readFileSync(join(dir, 'witness', f)));
      const w = decodeWitnessFile(bytes);
      const bg = verifyInBackground(bytes, root(), thread);
      const decoded = await bg.decoded;
      expect(decoded.size).toBe(w.saltProof.parentsCommitments.size);
      expect(await bg.verified).toMatchObject({ ok: true });
      // A flipped bit inside the proof's scalar a (the proof is the file's tail before the levels map).
      const proof = w.saltProof.proof.slice();
      proof[560] ^= 0x10;
      const at = Buffer.from(bytes).indexOf(Buffer.from(w.saltProof.proof));
      const bad = bytes.slice();
      bad.set(proof, at);
      const want = verifySaltProof(w.kvs, { ...w.saltProof, proof }, root());
      expect(want.ok).toBe(false);
      const v = await verifyInBackground(bad, root(), thread).verified;
      expect({ ok: v.ok, reason: v.reason }).toEqual(want);
      const t = await verifyInBackground(bytes.subarray(0, bytes.length - 3), root(), thread).verified;
      expect(t).toMatchObject({ ok: false, reason: /malformed/ });
    }, 120_000);
  }

  it('one thread serves witnesses queued together: each job gets its own verdict and commitments', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'witness', f)));
    const w = decodeWitnessFile(bytes);
    const proof = w.saltProof.proof.slice();
    proof[560] ^= 0x10;
    const bad = bytes.slice();
    bad.set(proof, Buffer.from(bytes).indexOf(Buffer.from(w.saltProof.proof)));
    // Queued before any verdict: good, bad, truncated, good again (the thread keeps its order; ids route replies).
    const jobs = [bytes, bad, bytes.subarray(0, bytes.length - 3), bytes].map((b) => verifyInBackground(b, root(), true));
    const v = await Promise.all(jobs.map((j) => j.verified));
    expect(v.map((x) => x.ok)).toEqual([true, false, false, true]);
    expect(v[2].reason).toMatch(/malformed/);
    expect((await jobs[3].decoded).size).toBe(w.saltProof.parentsCommitments.size);
    expect((await jobs[2].decoded).size).toBe(0);
  }, 120_000);
});

describe('verification thread policy', () => {
  it('env MEVMC_SALT_VERIFY_THREAD decides; otherwise large witnesses on ≥ 2 cores', () => {
    const prev = process.env.MEVMC_SALT_VERIFY_THREAD;
    try {
      delete process.env.MEVMC_SALT_VERIFY_THREAD;
      expect(defaultVerifyThread(VERIFY_THREAD_MIN_COMMITMENTS - 1)).toBe(false);
      expect(defaultVerifyThread(VERIFY_THREAD_MIN_COMMITMENTS)).toBe(availableParallelism() >= 2);
      process.env.MEVMC_SALT_VERIFY_THREAD = '1';
      expect(defaultVerifyThread(10)).toBe(true);
      process.env.MEVMC_SALT_VERIFY_THREAD = '0';
      expect(defaultVerifyThread(100_000)).toBe(false);
    } finally {
      if (prev === undefined) delete process.env.MEVMC_SALT_VERIFY_THREAD;
      else process.env.MEVMC_SALT_VERIFY_THREAD = prev;
    }
  });
});
