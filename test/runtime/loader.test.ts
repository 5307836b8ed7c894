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
import { META_SECTION } from '../../src/abi/wasm-meta.ts';

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

describe('WasmLoader frame slots', () => {
  it('runs many contracts in one frame memory: one slot per nesting level, instances kept up to MAX_IDLE_INSTANCES', async () => {
    const { MAX_IDLE_INSTANCES } = await import('../../runtime/loader/wasm.ts');
    const l = new WasmLoader();
    const loaded: ReturnType<WasmLoader['load']>[] = [];
    // More contracts than the 64 instances (each with its own memory) the loader used to keep.
    for (let k = 0; k < 100; k++) {
      // distinct contracts: PUSH2 k POP STOP
      const code = Uint8Array.from([0x61, k >> 8, k & 0xff, 0x50, 0x00]);
      const c = parseCase({ code: '0x' + Buffer.from(code).toString('hex'), gas: '100000' });
      expect(runCase(c, { loader: l }).status).toBe('success');
      loaded.push(l.load(code, Fork.Cancun));
    }
    expect(l.slotCount).toBe(1);
    expect(loaded.every((c) => c.pool.length === 1 && c.pool[0].memory === loaded[0].pool[0].memory)).toBe(true);
    expect(MAX_IDLE_INSTANCES).toBeGreaterThanOrEqual(1024);
  });

  it('a nested frame runs in the next slot with zeroed memory, and the outer frame keeps its own memory', () => {
    const l = new WasmLoader();
    // Callee at 0x…bb: MLOAD(0) + 1 → MSTORE(0), RETURN 32 bytes (returns 1 only if its memory starts zeroed).
    const callee = '60005160010160005260206000f3';
    // Caller: MSTORE(0, 0x42); CALL callee, output to [32, 64); RETURN [0, 64) — the caller's word must survive.
    const caller = '604260005260206020600060006000' + '73' + 'bb'.repeat(20) + '5af150' + '60406000f3';
    const c = parseCase({ code: '0x' + caller, gas: '1000000', pre: { ['0x' + 'bb'.repeat(20)]: { code: '0x' + callee } } });
    for (let round = 0; round < 3; round++) {
      const r = runCase(c, { loader: l });
      expect(r.status).toBe('success');
      expect(r.output).toBe('0x' + '00'.repeat(31) + '42' + '00'.repeat(31) + '01');
    }
    expect(l.slotCount).toBe(2);
  });
});

describe('WasmLoader module metadata', () => {
  it("a compiled module's code hash is keccak256 of its code (the loader hands the compiler its cache key's hash)", () => {
    // Two codes (one differs in a byte) through one loader: each module must carry its own hash.
    const other = Buffer.from(CODE);
    other[1] = 0x20;
    const loader = new WasmLoader();
    for (const code of [CODE, other]) {
      const mod = loader.load(code, Fork.Cancun).module;
      const [section] = WebAssembly.Module.customSections(mod, META_SECTION);
      const meta = JSON.parse(Buffer.from(section).toString('utf8')) as { codeHash: string };
      expect(meta.codeHash).toBe('0x' + Buffer.from(keccak_256(code)).toString('hex'));
    }
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


describe('WasmLoader idle instances', () => {
  it('keeps the most recently released instances up to maxIdleInstances and drops the least recently used', () => {
    const l = new WasmLoader({ maxIdleInstances: 2 });
    const codes = [1, 2, 3, 4].map((k) => Uint8Array.from([0x60, k, 0x50, 0x00])); // PUSH1 k POP STOP
    const run = (code: Uint8Array) => {
      const c = parseCase({ code: '0x' + Buffer.from(code).toString('hex'), gas: '100000' });
      expect(runCase(c, { loader: l }).status).toBe('success');
    };
    const pools = () => codes.map((c) => l.load(c, Fork.Cancun).pool.length);
    for (const c of codes) l.load(c, Fork.Cancun);
    run(codes[0]);
    run(codes[1]);
    expect(pools()).toEqual([1, 1, 0, 0]);
    run(codes[0]); // used again: 1 is now the least recently used
    run(codes[2]);
    expect(pools()).toEqual([1, 0, 1, 0]);
    run(codes[2]); // the most recent again: nothing moves
    run(codes[3]);
    expect(pools()).toEqual([0, 0, 1, 1]);
    // An instance taken again is not idle while it runs: re-running one of the kept two keeps both.
    run(codes[2]);
    expect(pools()).toEqual([0, 0, 1, 1]);
  });
});
