/**
 * @file The on-disk cache of the SALT kernel's fixed-base tables (runtime/salt/table-cache.ts): built once and
 * written, read back on the next load; products from cached tables equal the BigInt reference (banderwagon.ts
 * `mul`); a corrupt, truncated or foreign file is detected, never imported, and replaced.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as B from '../../runtime/salt/banderwagon.ts';
import { R } from '../../runtime/salt/field.ts';
import { saltCrs } from '../../runtime/salt/crs.ts';
import { JOB_WORDS, POINT_WORDS, type SaltKernel, bigintToWords, pointToWords, wordsToPoint } from '../../runtime/salt/kernel/index.ts';
import { loadTableKernel, tableCacheDir, tableCacheFile } from '../../runtime/salt/table-cache.ts';

/** 70 products on generators spread over the table (enough for the kernel's affine rounds), against BigInt. */
function productsMatch(k: SaltKernel): boolean {
  const G = saltCrs().G;
  const n = 70;
  const accs = new Uint32Array(n * POINT_WORDS);
  const jobs = new Uint32Array(n * JOB_WORDS);
  const want: B.Point[] = [];
  for (let i = 0; i < n; i++) {
    const gen = (i * 37 + 11) % 256;
    const s = (BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc834n + BigInt(i) ** 7n) % R;
    pointToWords(B.IDENTITY, accs, i * POINT_WORDS);
    jobs[i * JOB_WORDS] = i;
    jobs[i * JOB_WORDS + 1] = gen;
    bigintToWords(s, jobs, i * JOB_WORDS + 2);
    want.push(B.mul(G[gen], s));
  }
  k.mulBatch(accs, n, jobs, n);
  return want.every((p, i) => B.equals(wordsToPoint(accs, i * POINT_WORDS), p));
}

describe('SALT table cache', () => {
  const W = 5; // small tables keep the three builds below quick; the code is the same for the 8-bit ones

  it('builds and writes, then reads back; cached tables give the reference products', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-tables-'));
    try {
      // Another kernel build's file of this window is removed when this build writes its own; other windows stay.
      const stale = join(dir, `salt-tables-w${W}-0123456789abcdef.bin`);
      const otherWindow = join(dir, `salt-tables-w${W + 1}-0123456789abcdef.bin`);
      writeFileSync(stale, 'x');
      writeFileSync(otherWindow, 'x');
      const a = loadTableKernel(W, dir);
      expect(a.source).toBe('built');
      expect([existsSync(stale), existsSync(otherWindow)]).toEqual([false, true]);
      const b = loadTableKernel(W, dir);
      expect(b.source).toBe('cache');
      expect(productsMatch(b.kernel)).toBe(true);
      // Nothing to write to: tables are built, no error.
      const c = loadTableKernel(W, join(dir, 'missing', '\0bad'));
      expect(c.source).toBe('built');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a flipped payload bit, a truncated file or another window is detected and replaced', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-tables-'));
    try {
      loadTableKernel(W, dir);
      const file = tableCacheFile(dir, W);
      const good = readFileSync(file);
      const flipped = Buffer.from(good);
      flipped[64 + 4 * 1000 + 1] ^= 0x10; // one bit of one table entry
      writeFileSync(file, flipped);
      const a = loadTableKernel(W, dir);
      expect(a.source).toBe('rebuilt');
      expect(a.rejected).toMatch(/checksum/);
      expect(productsMatch(a.kernel)).toBe(true);
      expect(readFileSync(file).equals(good)).toBe(true); // rewritten
      writeFileSync(file, good.subarray(0, good.length - 4));
      expect(loadTableKernel(W, dir).rejected).toMatch(/bytes/);
      const other = Buffer.from(good);
      other.writeUInt32LE(W + 1, 8);
      writeFileSync(file, other);
      expect(loadTableKernel(W, dir).rejected).toMatch(/window/);
      expect(loadTableKernel(W, dir).source).toBe('cache');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('MEVMC_SALT_TABLE_CACHE: a directory, or 0 / off to disable', () => {
    expect(tableCacheDir({ MEVMC_SALT_TABLE_CACHE: '/x/y' })).toBe('/x/y');
    expect(tableCacheDir({ MEVMC_SALT_TABLE_CACHE: '0' })).toBeUndefined();
    expect(tableCacheDir({ MEVMC_SALT_TABLE_CACHE: 'off' })).toBeUndefined();
    expect(tableCacheDir({})).toBe(join(tmpdir(), 'mevmc-salt-tables'));
  });
});
