/**
 * @file The native build of the SALT kernel (kernel/native.ts) against the committed wasm build: the same words
 * for random fixed-base batches (affine rounds, per-entry path, the forced exceptional case), map_to_scalar,
 * additions, fixed-base tables, decompression, square roots and MSMs; and the env switch. The wasm build is
 * itself checked against the BigInt reference (kernel.test.ts, ec-kernel.test.ts), so equal words mean the
 * native build is right too. Skips visibly when clang ≥ 15 or koffi is missing.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as B from '../../runtime/salt/banderwagon.ts';
import { Q, R } from '../../runtime/salt/field.ts';
import { saltCrs } from '../../runtime/salt/crs.ts';
import { EcKernel } from '../../runtime/salt/kernel/ec.ts';
import { JOB_WORDS, POINT_WORDS, SaltKernel, bigintToWords, nativeKernelUnavailable, pointToWords } from '../../runtime/salt/kernel/index.ts';

const why = nativeKernelUnavailable();
if (why) console.warn(`native-kernel.test.ts: native SALT kernel unavailable (${why}); its tests are skipped`);

const rnd = (): bigint => BigInt('0x' + randomBytes(32).toString('hex'));

/** A random batch: `nacc` accumulators at random points (some the identity), `njobs` jobs with edge-case scalars. */
function batch(nacc: number, njobs: number): { accs: Uint32Array; jobs: Uint32Array } {
  const G = saltCrs().G;
  const accs = new Uint32Array(nacc * POINT_WORDS);
  for (let i = 0; i < nacc; i++) pointToWords(i % 7 === 0 ? B.IDENTITY : B.mul(G[(i * 13) % 256], rnd()), accs, i * POINT_WORDS);
  const special = [0n, 1n, R - 1n, R - 2n, (1n << 252n) - 1n, 0x80n, 0xffn, (1n << 128n) - 1n];
  const jobs = new Uint32Array(njobs * JOB_WORDS);
  for (let k = 0; k < njobs; k++) {
    jobs[k * JOB_WORDS] = Math.floor((k * nacc) / njobs); // grouped by accumulator, as the trie emits them
    jobs[k * JOB_WORDS + 1] = (k * 37) % 16; // few generators: their tables build quickly
    bigintToWords(k < special.length ? special[k] : rnd() % R, jobs, k * JOB_WORDS + 2);
  }
  return { accs, jobs };
}

describe.skipIf(why !== undefined)(`native SALT kernel = wasm kernel${why ? ` (skipped: ${why})` : ''}`, () => {
  for (const w of [8, 5]) {
    it(`fixed-base batches give identical words: affine rounds, per-entry path, forced exceptional case (window ${w})`, () => {
      const nat = new SaltKernel(w, undefined, 'native');
      const was = new SaltKernel(w, undefined, 'wasm');
      expect([nat.kind, was.kind]).toEqual(['native', 'wasm']);
      for (const [affineMin, force] of [[0, -1], [Infinity, -1], [0, 12], [64, 17]] as const) {
        const { accs, jobs } = batch(50, 300);
        const a = accs.slice();
        const b = accs.slice();
        nat.affineMin = was.affineMin = affineMin;
        nat.forceFlag(force);
        was.forceFlag(force);
        const na = nat.mulBatch(a, 50, jobs, 300);
        const nb = was.mulBatch(b, 50, jobs, 300);
        expect(na).toBe(nb);
        expect(nat.lastFlagged(), `flagged, affineMin ${affineMin} force ${force}`).toBe(was.lastFlagged());
        if (force >= 0 && affineMin === 0) expect(nat.lastFlagged()).toBeGreaterThan(0);
        expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), `accumulators, affineMin ${affineMin} force ${force}`).toBe(true);
        // map_to_scalar, affine output and the general addition on the results
        expect(Array.from(nat.mapToScalars(a, 50))).toEqual(Array.from(was.mapToScalars(a, 50)));
        expect(nat.toAffine(a, 3)).toEqual(was.toAffine(a, 3));
        const s1 = new Uint32Array(POINT_WORDS);
        const s2 = new Uint32Array(POINT_WORDS);
        nat.add(a, POINT_WORDS, a, 2 * POINT_WORDS, s1, 0);
        was.add(a, POINT_WORDS, a, 2 * POINT_WORDS, s2, 0);
        expect(Array.from(s1)).toEqual(Array.from(s2));
      }
      nat.forceFlag(-1);
      was.forceFlag(-1);
    }, 120_000);
  }

  it('fixed-base tables are byte-identical (window 5, all 256 generators: what the table cache stores)', () => {
    const t1 = new SaltKernel(5, undefined, 'native').exportTables();
    const t2 = new SaltKernel(5, undefined, 'wasm').exportTables();
    expect(t1.length).toBe(t2.length);
    expect(Buffer.from(t1.buffer).equals(Buffer.from(t2.buffer))).toBe(true);
  }, 120_000);

  it('decompression, square roots and MSMs give identical words', () => {
    const nat = new EcKernel('native');
    const was = new EcKernel('wasm');
    // Valid encodings, the identity, non-canonical x, random x (valid, off the curve, outside the subgroup).
    const encs: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) encs.push(B.compress(B.mul(B.GENERATOR, rnd())));
    encs.push(B.compress(B.IDENTITY), new Uint8Array(32).fill(0xff));
    for (let i = 0; i < 60; i++) encs.push(randomBytes(32).fill(0, 0, 1));
    const all = Buffer.concat(encs);
    const d1 = nat.decompress(all, encs.length);
    const d2 = was.decompress(all, encs.length);
    expect(Array.from(d1.ok)).toEqual(Array.from(d2.ok));
    expect(d1.ok.filter((x) => x === 0).length).toBeGreaterThan(10);
    expect(Buffer.from(d1.points.buffer).equals(Buffer.from(d2.points.buffer))).toBe(true);
    for (let i = 0; i < 40; i++) {
      const a = i < 3 ? [0n, 1n, Q - 1n][i] : rnd() % Q;
      expect(nat.sqrt(a, Q), `sqrt ${a}`).toBe(was.sqrt(a, Q));
    }
    for (const n of [1, 7, 120]) {
      const pts = d1.points.subarray(0, n * POINT_WORDS);
      const sc = Array.from({ length: n }, (_, i) => (i === 0 ? R - 1n : rnd()));
      expect(Array.from(nat.msm(pts, sc)), `msm of ${n}`).toEqual(Array.from(was.msm(pts, sc)));
      expect(Array.from(nat.mapToScalars(pts, n))).toEqual(Array.from(was.mapToScalars(pts, n)));
    }
  }, 120_000);

  it('MEVMC_SALT_KERNEL picks the build (default native here; wasm when asked)', () => {
    const probe = "import { SaltKernel } from './runtime/salt/kernel/index.ts'; console.log(new SaltKernel(4).kind);";
    const run = (env: Record<string, string>): string =>
      execFileSync(process.execPath, ['--import', 'tsx', '-e', probe], { env: { ...process.env, MEVMC_SALT_KERNEL: '', ...env }, encoding: 'utf8' }).trim();
    expect(run({})).toBe('native');
    expect(run({ MEVMC_SALT_KERNEL: 'wasm' })).toBe('wasm');
    expect(run({ MEVMC_SALT_KERNEL: 'native' })).toBe('native');
  }, 120_000);
});
