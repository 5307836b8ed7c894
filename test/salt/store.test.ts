/**
 * @file Stage 6: persistence — restart resumes with the same root; a torn batch record (crash mid
 * batch) leaves the previous root and data; snapshots; corrupted data is detected on open.
 */
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaltStore } from '../../runtime/salt/index.ts';
import { toHex } from '../../runtime/salt/field.ts';

const raw = (k: number[], v?: number[]) => ({ kind: 'raw' as const, key: Uint8Array.from(k), value: v ? Uint8Array.from(v) : undefined });

describe('SALT persistence', () => {
  it('reopen, torn tail, snapshot + log, corruption', () => {
    const dir = mkdtempSync(join(tmpdir(), 'salt-store-'));
    try {
      let s = SaltStore.open(dir);
      s.applyBatch([raw([1], [1]), raw([2], [2])]);
      const r1 = toHex(s.applyBatch([raw([3], [3]), raw([1])]));
      s.close();
      s = SaltStore.open(dir);
      expect(toHex(s.root())).toBe(r1);
      expect(s.get(Uint8Array.from([1]))).toBeUndefined();
      expect(s.get(Uint8Array.from([3]))).toEqual(Uint8Array.from([3]));
      s.close();
      // Simulated crash mid-batch: a partial record at the end of the log.
      appendFileSync(join(dir, 'salt.log'), Uint8Array.from([200, 0, 0, 0, 1, 2, 3]));
      s = SaltStore.open(dir);
      expect(toHex(s.root())).toBe(r1);
      s.compact();
      const r2 = toHex(s.applyBatch([raw([4], [4])]));
      s.close();
      s = SaltStore.open(dir);
      expect(toHex(s.root())).toBe(r2);
      expect(toHex(s.rootFromScratch())).toBe(r2);
      s.close();
      // Corrupt the snapshot's data but keep its checksum valid ⇒ recorded root check fails.
      const snap = new Uint8Array(readFileSync(join(dir, 'salt.snapshot')));
      snap[snap.length - 1] ^= 1;
      writeFileSync(join(dir, 'salt.snapshot'), snap);
      expect(() => SaltStore.open(dir)).toThrow(/damaged|rebuilds/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
