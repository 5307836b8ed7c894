/**
 * @file Write failures of the disk cache that cannot be produced for real here (tests run as root, and a
 * full disk cannot be arranged): node:fs is wrapped so that creating the temporary file fails with EACCES,
 * or a write fails with ENOSPC after part of the entry was written. The run must go on with the right
 * result, one warning, and no entry or temporary file left behind.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCase } from '../../runtime/harness/case.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import type { WasmLoader } from '../../runtime/loader/wasm.ts';
import { Fork } from '../../src/evm/forks.ts';

const fault = vi.hoisted(() => ({ open: undefined as string | undefined, writeAfter: undefined as number | undefined, written: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const err = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
  const openSync = ((path: string, ...rest: unknown[]) => {
    if (fault.open && String(path).endsWith('.tmp')) throw err(fault.open);
    return (fs.openSync as Function)(path, ...rest);
  }) as typeof fs.openSync;
  // cache.ts calls writeSync(fd, buffer, offset, length).
  const writeSync = ((fd: number, buf: Uint8Array, off: number, len: number, ...rest: unknown[]) => {
    if (fault.writeAfter !== undefined) {
      const room = fault.writeAfter - fault.written;
      if (room <= 0) throw err('ENOSPC');
      len = Math.min(len, room); // a short write, then ENOSPC on the next one
    }
    const n = (fs.writeSync as Function)(fd, buf, off, len, ...rest);
    fault.written += n;
    return n;
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, openSync, writeSync }, openSync, writeSync };
});

const A = '0x602a60005560aa60005260206000f3';
const B = '0x600760015560bb60005260206000f3';

// The setup file imported the loaders with the real node:fs: import fresh copies that see the wrapper.
let loaders: typeof import('../../runtime/loader/wasm.ts');
let batch: typeof import('../../runtime/harness/batch.ts');
beforeAll(async () => {
  vi.resetModules();
  loaders = await import('../../runtime/loader/wasm.ts');
  batch = await import('../../runtime/harness/batch.ts');
  await loaders.ensureCompiler();
});

let stderr: string[];
beforeEach(() => {
  stderr = [];
  fault.open = undefined;
  fault.writeAfter = undefined;
  fault.written = 0;
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr.push(String(s)); return true; });
});
afterEach(() => { vi.restoreAllMocks(); });

async function expectReference(code: string, loader: WasmLoader): Promise<void> {
  const c = parseCase({ code, gas: '100000' });
  expect({ ...batch.runCase(c, { loader }), execMs: 0 }).toEqual({ ...(await runReference(c)), execMs: 0 });
}

describe('disk cache write failures', () => {
  for (const [what, arm] of [
    ['EACCES creating the entry', () => { fault.open = 'EACCES'; }],
    ['ENOSPC half way through the entry', () => { fault.writeAfter = 100; }],
  ] as const) {
    it(`${what}: one warning, the right result, no partial entry, the cache off for the rest of the run`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mevmc-cache-fault-'));
      arm();
      const l = new loaders.WasmLoader({ cacheDir: dir });
      await expectReference(A, l);
      await expectReference(B, l);
      const warnings = stderr.filter((s) => s.startsWith('mevmc: warning: '));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`cache directory ${dir} is unusable \\(${fault.open ?? 'ENOSPC'}`));
      expect(readdirSync(dir)).toEqual([]);
      if (fault.writeAfter !== undefined) expect(fault.written).toBe(fault.writeAfter); // part of an entry did reach the disk
      // The failure was real to the loader: nothing was read back from disk.
      expect(l.load(Buffer.from(A.slice(2), 'hex'), Fork.Cancun).fromDisk).toBe(false);
    });
  }
});
