/**
 * @file The compiled-module cache: in memory, on disk (atomic files, corruption tolerated), and
 * instance reuse across calls with zeroed memory.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCase } from '../../runtime/harness/case.ts';
import { runCase } from '../../runtime/harness/batch.ts';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { codeHashHex } from '../../runtime/loader/cache.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { Fork } from '../../src/evm/forks.ts';

// MLOAD(0) → +1 → MSTORE(0) → RETURN 32 bytes: a reused instance must start from zeroed memory.
const CODE = Buffer.from('60005160010160005260206000f3', 'hex');

describe('WasmLoader', () => {
  it('caches on disk and reuses the module in a new process-like loader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-cache-'));
    const a = new WasmLoader({ cacheDir: dir }).load(CODE, Fork.Cancun);
    expect(a.fromDisk).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.wasm.entry'))).toHaveLength(1);
    const b = new WasmLoader({ cacheDir: dir }).load(CODE, Fork.Cancun);
    expect(b.fromDisk).toBe(true);
    expect(b.compileMs).toBe(0);
    // A different fork is a different module.
    expect(new WasmLoader({ cacheDir: dir }).load(CODE, Fork.Prague).key).not.toBe(a.key);
  });

  it('recompiles when the cached file is corrupt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-cache-'));
    new WasmLoader({ cacheDir: dir }).load(CODE, Fork.Cancun);
    const [entry] = readdirSync(dir).filter((f) => f.endsWith('.wasm.entry'));
    writeFileSync(join(dir, entry), 'garbage');
    const l = new WasmLoader({ cacheDir: dir });
    const c = parseCase({ code: '0x' + CODE.toString('hex'), gas: '100000' });
    expect(runCase(c, { loader: l }).output).toBe('0x' + '00'.repeat(31) + '01');
  });

  it('reuses one instance across calls, each starting from zeroed memory and fresh gas', () => {
    const l = new WasmLoader();
    const c = parseCase({ code: '0x' + CODE.toString('hex'), gas: '100000' });
    const first = runCase(c, { loader: l });
    const second = runCase(c, { loader: l, repeat: 3 });
    expect(second).toMatchObject({ output: first.output, gasUsed: first.gasUsed });
    expect(l.load(CODE, Fork.Cancun).pool).toHaveLength(1);
  });
});

describe('WasmLoader instance limit', () => {
  it(`keeps at most MAX_IDLE_INSTANCES idle instances across many contracts (each holds a wasm memory)`, async () => {
    const { MAX_IDLE_INSTANCES } = await import('../../runtime/loader/wasm.ts');
    const l = new WasmLoader();
    const loaded = [];
    for (let k = 0; k < MAX_IDLE_INSTANCES + 20; k++) {
      // distinct contracts: PUSH2 k POP STOP
      const code = Uint8Array.from([0x61, k >> 8, k & 0xff, 0x50, 0x00]);
      const c = parseCase({ code: '0x' + Buffer.from(code).toString('hex'), gas: '100000' });
      expect(runCase(c, { loader: l }).status).toBe('success');
      loaded.push(l.load(code, Fork.Cancun));
    }
    const pooled = loaded.reduce((n, c) => n + c.pool.length, 0);
    expect(pooled).toBe(MAX_IDLE_INSTANCES);
    // the evicted ones are the oldest: the first contract has no instance left, the last one has its own
    expect(loaded[0].pool).toHaveLength(0);
    expect(loaded[loaded.length - 1].pool).toHaveLength(1);
  });
});

describe('codeHashHex', () => {
  it('is keccak256 of the code, for new buffers of seen code and for codes that differ in one byte', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
    const codes = [new Uint8Array(0), Uint8Array.of(0)];
    for (const n of [1, 31, 32, 135, 136, 137, 24576]) for (let k = 0; k < 3; k++) codes.push(Uint8Array.from({ length: n }, next));
    // Codes that differ in one byte only (first, middle, last).
    for (const at of [0, 12288, 24575]) {
      const c = codes[codes.length - 1].slice();
      c[at] ^= 1;
      codes.push(c);
    }
    for (let round = 0; round < 2; round++) {
      for (const c of codes) expect(codeHashHex(c.slice())).toBe(Buffer.from(keccak_256(c)).toString('hex'));
    }
  });
});

