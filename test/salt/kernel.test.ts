/**
 * @file The WebAssembly commitment kernel: differential tests against the BigInt reference
 * (banderwagon.ts / committer.ts) on random inputs, thread-count independence of the parallel
 * engine, and the committed kernel.wasm being what kernel/build.ts produces from kernel.c.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as B from '../../runtime/salt/banderwagon.ts';
import { R } from '../../runtime/salt/field.ts';
import { saltCrs } from '../../runtime/salt/crs.ts';
import { Committer } from '../../runtime/salt/committer.ts';
import {
  JOB_WORDS, POINT_WORDS, SCALAR_WORDS, SaltKernel, bigintToWords, frSubWords, pointToWords, wordsToBigint, wordsToPoint,
} from '../../runtime/salt/kernel/index.ts';
import { ParallelKernel } from '../../runtime/salt/kernel/parallel.ts';
import { SaltState, type KeyChange } from '../../runtime/salt/state.ts';
import { kvHash, kvHashReference } from '../../runtime/salt/keys.ts';
import { ahash, ahashReference, hashWithNonce } from '../../runtime/salt/hasher.ts';
import { KERNEL_WASM_PATH, REFERENCE_CLANG_MAJOR, buildKernel, findToolchain } from '../../runtime/salt/kernel/build.ts';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const rnd = (): bigint => BigInt('0x' + randomBytes(32).toString('hex'));
/** Scalars with the edge cases of signed-window recoding: 0, 1, r − 1, all-ones windows, random. */
function scalar(i: number): bigint {
  const special = [0n, 1n, R - 1n, R - 2n, (1n << 252n) - 1n, 0x80n, 0xffn, 0x7f7f7f7fn, (1n << 128n) - 1n];
  return i < special.length ? special[i] : rnd() % R;
}

describe('SALT kernel vs BigInt reference', () => {
  for (const w of [8, 5]) {
    it(`fixed-base products and accumulation (window ${w})`, () => {
      const k = new SaltKernel(w);
      const ref = new Committer(4);
      const G = saltCrs().G;
      const n = 40;
      // Each accumulator starts at a random point and receives 1–3 jobs on random generators.
      const starts = Array.from({ length: n }, (_, i) => B.mul(G[(i * 7) % 256], rnd()));
      const accs = new Uint32Array(n * POINT_WORDS);
      starts.forEach((p, i) => pointToWords(p, accs, i * POINT_WORDS));
      const jobs: number[] = [];
      const expect_ = [...starts];
      let j = 0;
      for (let i = 0; i < n; i++) {
        for (let t = 0; t <= i % 3; t++, j++) {
          const g = (i * 37 + t * 101) % 256;
          const s = scalar(j);
          const rec = new Uint32Array(JOB_WORDS);
          rec[0] = i;
          rec[1] = g;
          bigintToWords(s, rec, 2);
          jobs.push(...rec);
          expect_[i] = ref.addMul(expect_[i], g, s);
        }
      }
      const count = k.mulBatch(accs, n, Uint32Array.from(jobs), jobs.length / JOB_WORDS);
      expect(count).toBe(jobs.length / JOB_WORDS - 1); // scalar(0) = 0 is skipped
      for (let i = 0; i < n; i++) expect(B.equals(wordsToPoint(accs, i * POINT_WORDS), expect_[i]), `acc ${i}`).toBe(true);
      // map_to_scalar of the same points, one batch, against the BigInt version.
      const ss = k.mapToScalars(accs, n);
      for (let i = 0; i < n; i++) expect(wordsToBigint(ss, i * SCALAR_WORDS)).toBe(B.mapToScalar(expect_[i]));
      // affine output and the general addition
      const aff = k.toAffine(accs, 2);
      expect(aff[0]).toEqual(B.toAffine(expect_[0]));
      const sum = new Uint32Array(POINT_WORDS);
      k.add(accs, 0, accs, POINT_WORDS, sum, 0);
      expect(B.equals(wordsToPoint(sum), B.add(expect_[0], expect_[1]))).toBe(true);
    }, 60_000);
  }

  for (const w of [8, 10]) {
    it(`fixed-base: affine rounds and per-entry additions give the same words and the reference sums (window ${w})`, () => {
      const k = new SaltKernel(w);
      const ref = new Committer(4);
      const G = saltCrs().G;
      const n = 30;
      const starts = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? B.IDENTITY : B.mul(G[(i * 11) % 256], rnd())));
      const accs = new Uint32Array(n * POINT_WORDS);
      starts.forEach((p, i) => pointToWords(p, accs, i * POINT_WORDS));
      const want = [...starts];
      const jobs: number[] = [];
      let j = 0;
      for (let i = 0; i < n; i++) {
        // Accumulator 3 gets no job (left as it was); the others 1–4 jobs, some on the same generator.
        if (i === 3) continue;
        for (let t = 0; t <= i % 4; t++, j++) {
          const g = t === 2 ? (i * 37) % 256 : (i * 37 + t * 101) % 256;
          const s = scalar(j);
          const rec = new Uint32Array(JOB_WORDS);
          rec[0] = i;
          rec[1] = g;
          bigintToWords(s, rec, 2);
          jobs.push(...rec);
          want[i] = ref.addMul(want[i], g, s);
        }
      }
      const nj = jobs.length / JOB_WORDS;
      const js = Uint32Array.from(jobs);
      const viaAffine = accs.slice();
      k.affineMin = 0;
      expect(k.mulBatch(viaAffine, n, js, nj)).toBe(nj - 1);
      const viaEntries = accs.slice();
      k.affineMin = Infinity;
      expect(k.mulBatch(viaEntries, n, js, nj)).toBe(nj - 1);
      expect(Array.from(viaAffine)).toEqual(Array.from(viaEntries));
      for (let i = 0; i < n; i++) expect(B.equals(wordsToPoint(viaAffine, i * POINT_WORDS), want[i]), `acc ${i}`).toBe(true);
      expect(Array.from(viaAffine.subarray(3 * POINT_WORDS, 4 * POINT_WORDS))).toEqual(Array.from(accs.subarray(3 * POINT_WORDS, 4 * POINT_WORDS)));
      expect(k.lastFlagged()).toBe(0);
    }, 120_000);
  }

  it('fixed-base: a job meeting the affine formula\'s x1 = x2 case is recomputed per entry, the batch unharmed', () => {
    // The case cannot arise for scalars < 2^253 (each round's partial sum is smaller than the entry), so
    // the kernel's test hook declares job 2 exceptional; its product must still land exactly.
    const k = new SaltKernel(8);
    const ref = new Committer(4);
    const G = saltCrs().G;
    const n = 6;
    const starts = Array.from({ length: n }, () => B.mul(G[5], rnd()));
    const accs = new Uint32Array(n * POINT_WORDS);
    starts.forEach((p, i) => pointToWords(p, accs, i * POINT_WORDS));
    const scalars = Array.from({ length: n }, (_, i) => scalar(i + 1));
    const js = new Uint32Array(n * JOB_WORDS);
    scalars.forEach((s, i) => {
      js[i * JOB_WORDS] = i;
      js[i * JOB_WORDS + 1] = 7 + i;
      bigintToWords(s, js, i * JOB_WORDS + 2);
    });
    const plain = accs.slice();
    k.affineMin = Infinity;
    k.mulBatch(plain, n, js, n);
    k.affineMin = 0;
    k.forceFlag(2);
    try {
      k.mulBatch(accs, n, js, n);
    } finally {
      k.forceFlag(-1);
    }
    expect(k.lastFlagged()).toBe(1);
    expect(Array.from(accs)).toEqual(Array.from(plain));
    for (let i = 0; i < n; i++) {
      expect(B.equals(wordsToPoint(accs, i * POINT_WORDS), ref.addMul(starts[i], 7 + i, scalars[i])), `acc ${i}`).toBe(true);
    }
  });

  it('kv_hash: kernel BLAKE3 + mod r equals @noble/hashes on every length 0..200 and random data', () => {
    for (let len = 0; len <= 200; len++) {
      const data = randomBytes(len);
      const cut = len >> 1;
      const v = { key: data.subarray(0, cut), value: data.subarray(cut) };
      expect(kvHash(v), `len ${len}`).toBe(kvHashReference(v));
    }
    // Inputs whose hash is ≥ r exercise the reduction (about 7 in 8 are).
    for (let i = 0; i < 300; i++) {
      const v = { key: randomBytes(20 + (i % 33)), value: randomBytes(i % 33) };
      expect(kvHash(v)).toBe(kvHashReference(v));
    }
  });

  it('ahash: kernel equals the BigInt reference on every length 0..200, with and without nonce', () => {
    for (let len = 0; len <= 200; len++) {
      const data = randomBytes(len);
      expect(ahash(data), `len ${len}`).toBe(ahashReference(data));
      const nonce = (len * 2654435761) >>> 0;
      const withNonce = new Uint8Array(len + 4);
      withNonce.set(data);
      new DataView(withNonce.buffer).setUint32(len, nonce, true);
      expect(hashWithNonce(data, nonce)).toBe(ahashReference(withNonce));
    }
  });

  it('scalar subtraction mod r in JS words', () => {
    const a = new Uint32Array(8);
    const b = new Uint32Array(8);
    const o = new Uint32Array(8);
    for (let i = 0; i < 200; i++) {
      const x = scalar(i);
      const y = i % 5 === 0 ? x : scalar(i + 3);
      bigintToWords(x, a, 0);
      bigintToWords(y, b, 0);
      const nz = frSubWords(o, 0, a, 0, b, 0);
      const d = (((x - y) % R) + R) % R;
      expect(wordsToBigint(o, 0)).toBe(d);
      expect(nz).toBe(d !== 0n);
    }
  });
});

describe('parallel engine', () => {
  it('same roots and node coordinates with 1 and 2 threads', () => {
    const changes: KeyChange[] = Array.from({ length: 700 }, (_, i) => ({ key: randomBytes(i % 2 ? 52 : 20), value: randomBytes(32) }));
    const pool = new ParallelKernel(2);
    try {
      const a = new SaltState(new SaltKernel());
      const b = new SaltState(pool);
      const ra = Buffer.from(a.applyBatch(changes)).toString('hex');
      const rb = Buffer.from(b.applyBatch(changes)).toString('hex');
      expect(rb).toBe(ra);
      expect(b.lastStats.mults).toBe(a.lastStats.mults);
      // Not only the same group elements: the same projective representatives.
      const pa = a.trie.mainCommitment(1);
      const pb = b.trie.mainCommitment(1);
      expect([pb.X, pb.Y, pb.Z]).toEqual([pa.X, pa.Y, pa.Z]);
      const upd = changes.slice(0, 300).map((c, i) => ({ key: c.key, value: i % 3 ? randomBytes(8) : undefined }));
      expect(Buffer.from(b.applyBatch(upd)).toString('hex')).toBe(Buffer.from(a.applyBatch(upd)).toString('hex'));
      expect(Buffer.from(b.root()).toString('hex')).toBe(Buffer.from(a.rootFromScratch()).toString('hex'));
    } finally {
      pool.close();
    }
  }, 180_000); // 68 s at load ~27

  it('leaf stream (plain buckets\' products on the worker while the batch is prepared): same roots and coordinates as one thread', () => {
    // ≥ 32,768 slot deltas start the stream (trie.ts leafStream); the second batch updates streamed leaves.
    const n = 34000;
    const changes: KeyChange[] = Array.from({ length: n }, (_, i) => ({ key: randomBytes(i % 2 ? 52 : 20), value: randomBytes(32) }));
    const pool = new ParallelKernel(2);
    try {
      const a = new SaltState(new SaltKernel());
      const b = new SaltState(pool);
      const hex = (x: Uint8Array): string => Buffer.from(x).toString('hex');
      expect(hex(b.applyBatch(changes))).toBe(hex(a.applyBatch(changes)));
      expect(b.lastStats.streamedLeaves).toBeGreaterThan(n * 0.9);
      expect(a.lastStats.streamedLeaves).toBe(0);
      expect(b.lastStats.mults).toBe(a.lastStats.mults);
      const pa = a.trie.mainCommitment(300);
      const pb = b.trie.mainCommitment(300);
      expect([pb.X, pb.Y, pb.Z]).toEqual([pa.X, pa.Y, pa.Z]);
      const upd: KeyChange[] = [
        ...changes.slice(0, 26000).map((c, i) => ({ key: c.key, value: i % 5 ? randomBytes(8) : undefined })),
        ...Array.from({ length: 8000 }, () => ({ key: randomBytes(20), value: randomBytes(32) })),
      ];
      expect(hex(b.applyBatch(upd))).toBe(hex(a.applyBatch(upd)));
      expect(b.lastStats.streamedLeaves).toBeGreaterThan(30000);
    } finally {
      pool.close();
    }
  }, 300_000);
});

describe('kernel compilation', () => {
  it('MEVMC_SALT_KERNEL_TIERING=eager compiles the kernel with TurboFan up front; modules compiled after it start in Liftoff again', () => {
    const probe = (env: NodeJS.ProcessEnv): { kernelTurbo: boolean; otherLiftoff: boolean } =>
      JSON.parse(
        execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', join(import.meta.dirname, 'kernel-tier-probe.ts')], {
          env: { ...process.env, MEVMC_WASM_TIERING: '', MEVMC_SALT_KERNEL_TIERING: '', ...env },
          encoding: 'utf8',
        }),
      );
    // Up to three probes: under load one run once saw the later module off Liftoff (CI at 4068b68, not reproduced
    // alone); flags left unrestored fail all three.
    const want = { kernelTurbo: true, otherLiftoff: true };
    const runs = [];
    for (let i = 0; i < 3; i++) {
      runs.push(probe({ MEVMC_SALT_KERNEL_TIERING: 'eager' }));
      if (JSON.stringify(runs[i]) === JSON.stringify(want)) break;
      console.warn(`kernel-tier-probe run ${i + 1} disagreed: ${JSON.stringify(runs[i])}`);
    }
    expect(runs[runs.length - 1]).toEqual(want);
    // V8's default (lazy, Liftoff first) otherwise: the probe sees the difference.
    expect(probe({})).toEqual({ kernelTurbo: false, otherLiftoff: true });
  }, 120_000);
});

const toolchain = findToolchain();
describe('kernel.wasm artifact', () => {
  it.skipIf(!toolchain)('is reproduced byte for byte by runtime/salt/kernel/build.ts', () => {
    const fresh = buildKernel(toolchain);
    if (toolchain!.clangMajor === REFERENCE_CLANG_MAJOR) {
      // On failure: run `npx tsx runtime/salt/kernel/build.ts` and commit kernel.wasm.
      expect(Buffer.from(fresh).equals(readFileSync(KERNEL_WASM_PATH))).toBe(true);
      expect(Buffer.from(buildKernel(toolchain)).equals(Buffer.from(fresh))).toBe(true);
    }
  }, 60_000);
});
