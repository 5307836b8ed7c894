/**
 * @file Stage 6: persistence — restart resumes with the same root; a torn batch record (crash mid
 * batch) leaves the previous root and data; snapshots; corrupted data is detected on open.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaltStore } from '../../runtime/salt/index.ts';
import { toHex } from '../../runtime/salt/field.ts';
import { crashBatch } from './crash-batch.ts';

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

  it('a writer killed (SIGKILL) at a random point leaves the root of its last complete batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salt-crash-'));
    try {
      for (const delayMs of [0, 37, 151]) {
        rmSync(dir, { recursive: true, force: true });
        const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crash-writer.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        // Kill once a few batches are durable, `delayMs` later: usually in the middle of a batch's work or write.
        await new Promise<void>((done) => {
          const poll = setInterval(() => {
            if (out.split('\n').length > 4) {
              clearInterval(poll);
              setTimeout(() => { child.kill('SIGKILL'); done(); }, delayMs);
            }
          }, 1);
        });
        await new Promise((r) => child.once('exit', r));
        const printed = out.trim().split('\n').map((l) => l.split(' '));
        const last = Number(printed[printed.length - 1][0]);
        const s = SaltStore.open(dir);
        const root = toHex(s.root());
        s.close();
        // The reopened store holds exactly the batches up to `last` or, if the kill came between the durable write
        // and the print, `last + 1`: replay both in memory.
        const mem = SaltStore.open();
        const roots: string[] = [];
        for (let i = 1; i <= last + 1; i++) roots.push(toHex(mem.applyBatch(crashBatch(i))));
        expect(roots[last - 1]).toBe(printed[printed.length - 1][1]);
        expect([roots[last - 1], roots[last]]).toContain(root);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
