/**
 * @file The state cache in linear memory (runtime/state/state-cache.ts, src/builtins/state_cache_core.h): compiled
 * frames reach storage and transient storage there (state_host.c) while JS reaches it through WorldState; both must
 * agree with @ethereumjs/evm on values, gas, refunds and the journal across reverts, on every storage gas regime.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Executor } from '../../runtime/host/call.ts';
import { FrameHost } from '../../runtime/host/frame-host.ts';
import type { Message } from '../../runtime/host/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader, ensureCompiler } from '../../runtime/loader/wasm.ts';
import { stateCache } from '../../runtime/state/state-cache.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { Fork } from '../../src/evm/forks.ts';
import { asm } from '../helpers/asm.ts';
import { TEST_ENGINE, same } from '../helpers/engines.ts';

const T = 240_000;
const A = '0x2000000000000000000000000000000000000002';
const B = '0x00000000000000000000000000000000000000bb';

// EIP-2200's test cases (https://eips.ethereum.org/EIPS/eip-2200#test-cases): two or three SSTOREs to slot 0.
const EIP2200 = [
  ['0x60006000556000600055', 0], ['0x60006000556001600055', 0], ['0x60016000556000600055', 0], ['0x60016000556002600055', 0],
  ['0x60016000556001600055', 0], ['0x60006000556000600055', 1], ['0x60006000556001600055', 1], ['0x60006000556002600055', 1],
  ['0x60026000556000600055', 1], ['0x60026000556003600055', 1], ['0x60026000556001600055', 1], ['0x60026000556002600055', 1],
  ['0x60016000556000600055', 1], ['0x60016000556002600055', 1], ['0x60016000556001600055', 1],
  ['0x600160005560006000556001600055', 0], ['0x600060005560016000556000600055', 1],
] as const;
const GAS_FORKS = ['byzantium', 'constantinople', 'petersburg', 'istanbul', 'berlin', 'london', 'cancun'] as const;

describe('state_cache_core.h', () => {
  it('its fork numbers are enum Fork', () => {
    const h = readFileSync(new URL('../../src/builtins/state_cache_consts.h', import.meta.url), 'utf8');
    const forks = [...h.matchAll(/#define SC_FORK_(\w+) (\d+)/g)];
    expect(forks.length).toBe(5);
    for (const [, name, n] of forks) {
      const key = Object.keys(Fork).find((k) => k.toUpperCase() === name) as keyof typeof Fork;
      expect(Fork[key], name).toBe(Number(n));
    }
  });
});

describe.skipIf(!stateCache())(`state cache${stateCache() ? '' : ' (skipped: MEVMC_STATE_CACHE=0)'}`, () => {
  it('EIP-2200 test cases on every SSTORE gas regime: gas, refund and storage as @ethereumjs/evm', async () => {
    for (const fork of GAS_FORKS) {
      for (const [code, original] of EIP2200) {
        await same({ fork, code, pre: { [A]: { storage: { '0x0': `0x${original}` } } } });
        // Warm by an earlier SLOAD (EIP-2929: no cold surcharge on the SSTOREs).
        await same({ fork, code: '0x60005450' + code.slice(2), pre: { [A]: { storage: { '0x0': `0x${original}` } } } });
      }
    }
  }, T);

  it('a reverted callee leaves storage, transient storage, warmth and refunds as they were', async () => {
    // B writes slots 0..2 and transient slots, clears slot 3 (a refund), reads cold slot 7, then reverts (or not).
    const body = `PUSH 11 PUSH 0 SSTORE PUSH 12 PUSH 1 SSTORE PUSH 0 PUSH 2 SSTORE PUSH 0 PUSH 3 SSTORE
      PUSH 21 PUSH 0 TSTORE PUSH 22 PUSH 5 TSTORE PUSH 7 SLOAD POP`;
    for (const end of ['PUSH 0 PUSH 0 REVERT', 'STOP', 'INVALID']) {
      // A calls itself through DELEGATECALL to B's code (same storage), then reads everything back into slots 10+.
      const a = asm(`PUSH 1 PUSH 0 SSTORE PUSH 5 PUSH 0 TSTORE
        PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${B} GAS DELEGATECALL PUSH 9 SSTORE
        PUSH 0 SLOAD PUSH 10 SSTORE PUSH 1 SLOAD PUSH 11 SSTORE PUSH 2 SLOAD PUSH 12 SSTORE PUSH 3 SLOAD PUSH 13 SSTORE
        PUSH 0 TLOAD PUSH 14 SSTORE PUSH 5 TLOAD PUSH 15 SSTORE PUSH 7 SLOAD PUSH 16 SSTORE STOP`);
      for (const fork of ['istanbul', 'berlin', 'london', 'cancun'] as const) {
        const transient = fork === 'cancun';
        const strip = (s: string) => (transient ? s : s.replace(/PUSH \d+ PUSH \d+ TSTORE|PUSH \d+ TLOAD PUSH \d+ SSTORE/g, ''));
        await same({
          fork, code: transient ? a : asm(strip(`PUSH 1 PUSH 0 SSTORE
            PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${B} GAS DELEGATECALL PUSH 9 SSTORE
            PUSH 0 SLOAD PUSH 10 SSTORE PUSH 1 SLOAD PUSH 11 SSTORE PUSH 2 SLOAD PUSH 12 SSTORE PUSH 3 SLOAD PUSH 13 SSTORE
            PUSH 7 SLOAD PUSH 16 SSTORE STOP`)),
          pre: { [A]: { storage: { '0x2': '0x5', '0x3': '0x6' } }, [B]: { code: asm(strip(body) + ' ' + end) } },
        });
      }
    }
  }, T);

  it('SSTORE and TSTORE in a static frame fail; SSTORE at or below the 2300-gas sentry fails', async () => {
    for (const op of ['PUSH 1 PUSH 0 SSTORE', 'PUSH 1 PUSH 0 TSTORE']) {
      await same({
        fork: 'cancun',
        code: asm(`PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${B} GAS STATICCALL PUSH 1 SSTORE STOP`),
        pre: { [B]: { code: asm(`${op} STOP`) } },
      });
    }
    for (const gas of [2300 + 6, 2301 + 6, 5000]) {
      await same({ fork: 'cancun', code: asm('PUSH 1 PUSH 0 SSTORE STOP'), gas: String(gas), pre: { [A]: { storage: { '0x0': '0x1' } } } });
    }
  }, T);

  it('storage of a contract created in the transaction starts empty; CREATE2 init code writes and reads it', async () => {
    // Init code: SLOAD 0 (0: new account), SSTORE 0 := 42, return code that SLOADs 0 into slot 1.
    const runtime = asm('PUSH 0 SLOAD PUSH 1 SSTORE STOP');
    const rt = runtime.slice(2);
    const n = rt.length / 2;
    const init = asm(`PUSH 0 SLOAD PUSH 5 SSTORE PUSH 42 PUSH 0 SSTORE PUSH32 0x${rt.padEnd(64, '0')} PUSH 0 MSTORE PUSH ${n} PUSH 0 RETURN`);
    const ib = init.slice(2);
    const code = asm(`PUSH32 0x${ib.slice(0, 64).padEnd(64, '0')} PUSH 0 MSTORE PUSH32 0x${ib.slice(64, 128).padEnd(64, '0')} PUSH 32 MSTORE
      PUSH32 0x${ib.slice(128, 192).padEnd(64, '0')} PUSH 64 MSTORE
      PUSH 7 PUSH ${ib.length / 2} PUSH 0 PUSH 0 CREATE2 DUP1 PUSH 0 SSTORE
      PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 DUP6 GAS CALL POP STOP`);
    expect(ib.length / 2).toBeLessThanOrEqual(96);
    for (const fork of ['berlin', 'cancun'] as const) await same({ fork, code });
  }, T);

  // The native engine runs the same C on the same memory (src/builtins/state_native.c): a few programs (clang builds
  // are slow) when the suite runs on wasm; MEVMC_TEST_ENGINE=native runs every case above on it.
  const noNative = TEST_ENGINE === 'native' ? 'already native' : nativeUnavailableReason();
  it.skipIf(noNative !== undefined)(`native engine through the state helper: gas, refunds and reverts${noNative ? ` (skipped: ${noNative})` : ''}`, async () => {
    const loader = new NativeLoader({ optimize: 1 });
    for (const [code, original] of [EIP2200[2], EIP2200[6], EIP2200[16]]) {
      await same({ fork: 'london', code, pre: { [A]: { storage: { '0x0': `0x${original}` } } } }, { loader });
    }
    const b = asm('PUSH 11 PUSH 0 SSTORE PUSH 0 PUSH 3 SSTORE PUSH 21 PUSH 0 TSTORE PUSH 7 SLOAD POP PUSH 0 PUSH 0 REVERT');
    const a = asm(`PUSH 1 PUSH 0 SSTORE PUSH 5 PUSH 0 TSTORE PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${B} GAS DELEGATECALL PUSH 9 SSTORE
      PUSH 0 SLOAD PUSH 10 SSTORE PUSH 3 SLOAD PUSH 13 SSTORE PUSH 0 TLOAD PUSH 14 SSTORE PUSH 7 SLOAD PUSH 16 SSTORE STOP`);
    await same({ fork: 'cancun', code: a, pre: { [A]: { storage: { '0x3': '0x6' } }, [B]: { code: b } } }, { loader });
  }, T);

  const noNative2 = nativeUnavailableReason();
  it.skipIf(noNative2 !== undefined)(`native frames serve storage ops in C: no FrameHost call, the cache grows from native code${noNative2 ? ` (skipped: ${noNative2})` : ''}`, async () => {
    const loader = new NativeLoader({ optimize: 1 });
    const cache = stateCache()!;
    const spies = (['mevmc_sload', 'mevmc_sstore', 'mevmc_tload', 'mevmc_tstore'] as const).map((n) => vi.spyOn(FrameHost.prototype, n));
    try {
      // 5,000 cold SLOADs of distinct slots summed in transient slot 0, then stored: ~1 MB of cache records in one
      // transaction, more than the cache's first memory, so native code makes it grow (the base is re-read).
      const code = asm(`PUSH 5000 loop: JUMPDEST PUSH 1 SWAP1 SUB DUP1 SLOAD PUSH 0 TLOAD ADD PUSH 0 TSTORE
        DUP1 PUSH :loop JUMPI POP PUSH 0 TLOAD PUSH 0 SSTORE PUSH 0 SLOAD PUSH 1 SSTORE STOP`);
      const before = cache.memory.buffer.byteLength;
      const ops0 = cache.x.ops();
      await same({ fork: 'cancun', code, gas: '0x1000000', pre: { [A]: { storage: { '0x1': '0x3', '0x1387': '0x5', '0x0': '0x9' } } } }, { loader });
      // 5,000 × (SLOAD, TLOAD, TSTORE) + TLOAD + 2 SSTORE + SLOAD: in C, but for at most the frame's first storage
      // op, which may reach FrameHost to look the account up (Ctx.stateAddr is set lazily).
      const js = spies.reduce((n, s) => n + s.mock.calls.length, 0);
      expect(js).toBeLessThanOrEqual(1);
      expect(Number(cache.x.ops() - ops0) + js).toBe(15_004);
      if (before < 2 << 20) expect(cache.memory.buffer.byteLength).toBeGreaterThan(before);
      else console.log(`note: the state cache already had ${before} bytes: growth from native code not exercised`);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  }, T);

  it(`warm BALANCE / SELFBALANCE / EXTCODESIZE / EXTCODEHASH from the cache stay exact across value transfers and reverts (${TEST_ENGINE}${noNative2 ? '' : ' and native'})`, async () => {
    const C = '0x00000000000000000000000000000000000000cc', D = '0x00000000000000000000000000000000000000dd';
    // B adds its balance twice (the second SELFBALANCE is a cache hit) into its slot 0; called twice with value.
    const b = asm('SELFBALANCE SELFBALANCE ADD PUSH 0 SLOAD ADD PUSH 0 SSTORE STOP');
    // C warms D by BALANCE and EXTCODESIZE, then reverts: D is cold again.
    const c = asm(`PUSH20 ${D} BALANCE POP PUSH20 ${D} EXTCODESIZE POP PUSH 0 PUSH 0 REVERT`);
    const callB = (v: number) => `PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH ${v} PUSH20 ${B} GAS CALL POP`;
    const a = asm(`PUSH20 ${B} BALANCE PUSH 0 SSTORE PUSH20 ${B} EXTCODESIZE PUSH 1 SSTORE PUSH20 ${B} EXTCODEHASH PUSH 2 SSTORE
      SELFBALANCE PUSH 3 SSTORE ${callB(3)} PUSH20 ${B} BALANCE PUSH 4 SSTORE SELFBALANCE PUSH 5 SSTORE ${callB(4)}
      PUSH20 ${B} BALANCE PUSH 6 SSTORE PUSH20 ${B} EXTCODEHASH PUSH 7 SSTORE
      PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${C} GAS STATICCALL POP
      PUSH20 ${D} EXTCODESIZE PUSH 8 SSTORE PUSH20 ${D} BALANCE PUSH 9 SSTORE PUSH20 ${D} BALANCE PUSH 10 SSTORE
      PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${C} GAS CALL POP PUSH20 ${D} EXTCODEHASH PUSH 11 SSTORE STOP`);
    // The reverted frame alone first: a warm entry C left for D must not survive the revert.
    const a2 = asm(`PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${C} GAS STATICCALL PUSH 12 SSTORE PUSH20 ${D} EXTCODESIZE PUSH 8 SSTORE
      PUSH20 ${D} BALANCE PUSH 9 SSTORE PUSH20 ${D} EXTCODESIZE PUSH 10 SSTORE STOP`);
    const pre = { [A]: { balance: '0x3e8' }, [B]: { balance: '0x5', code: b }, [C]: { code: c }, [D]: { balance: '0x7' } };
    const loaders = noNative2 === undefined && TEST_ENGINE !== 'native' ? [undefined, new NativeLoader({ optimize: 1 })] : [undefined];
    for (const loader of loaders) {
      for (const fork of ['berlin', 'cancun'] as const) {
        for (const code of [a, a2]) {
          const { ours } = await same({ fork, code, pre }, loader ? { loader } : undefined);
          expect(ours.status).toBe('success');
        }
      }
    }
  }, T);

  it('WorldState sees what compiled frames wrote, and a checkpoint taken in JS reverts the cache', async () => {
    await ensureCompiler();
    const loader = new WasmLoader();
    const backend = new MemoryBackend();
    const code = asm('PUSH 0 SLOAD PUSH 1 ADD PUSH 0 SSTORE PUSH 3 PUSH 4 TSTORE STOP');
    backend.setAccount(A, { balance: 0n, nonce: 1n, code: Uint8Array.from(Buffer.from(code.slice(2), 'hex')) }, new Map([[0n, 41n]]));
    const world = new WorldState(backend);
    const block = { number: 1n, timestamp: 1n, coinbase: B, gasLimit: 10n ** 7n, baseFee: 0n, prevRandao: 0n, chainId: 1n, blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n };
    const ex = new Executor(world, Fork.Cancun, block, loader);
    const msg: Message = { caller: B, address: A, codeAddress: A, origin: B, value: 0n, gasPrice: 0n, calldata: new Uint8Array(0), gas: 100_000n, isStatic: false, depth: 0 };
    const cp = world.checkpoint();
    expect(ex.run(msg, false).status).toBe(0);
    expect(world.sload(A, 0n)).toBe(42n);
    expect(world.originalStorage(A, 0n)).toBe(41n);
    expect(world.tload(A, 4n)).toBe(3n);
    expect(world.warmSlot(A, 0n)).toBe(true);
    expect(world.diff().get(A)?.storage).toEqual(new Map([[0n, 42n]]));
    world.revertTo(cp);
    expect(world.sload(A, 0n)).toBe(41n);
    expect(world.tload(A, 4n)).toBe(0n);
    expect(world.warmSlot(A, 0n)).toBe(false);
    expect(world.diff().size).toBe(0);
    ex.run(msg, false);
    ex.run(msg, false);
    expect(world.commit().get(A)?.storage).toEqual(new Map([[0n, 43n]]));
    expect(backend.getStorage(A, 0n)).toBe(43n);
    // A new transaction: transient storage is gone, storage is the committed one.
    expect(world.tload(A, 4n)).toBe(0n);
    expect(world.sload(A, 0n)).toBe(43n);
    world.discard();
  }, T);
  it('keys and values on both sides of 2^53 and 2^64 reach the backend unchanged: misses, reads and commit', () => {
    const big = [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 54n + 3n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 255n + 7n, 0n, 1n];
    const backend = new MemoryBackend();
    backend.setAccount(A, { balance: 0n, nonce: 1n, code: new Uint8Array(0) }, new Map(big.map((k, i) => [k, big[(i + 1) % big.length] + 1n])));
    const asked: bigint[] = [];
    const get = backend.getStorage.bind(backend);
    backend.getStorage = (a: string, k: bigint) => (asked.push(k), get(a, k));
    const world = new WorldState(backend);
    for (const [i, k] of big.entries()) expect(world.sload(A, k), `slot ${k}`).toBe(big[(i + 1) % big.length] + 1n);
    expect(asked.slice(0, big.length)).toEqual(big);
    for (const [i, k] of big.entries()) world.sstore(A, k, big[(i + 2) % big.length]);
    const d = world.commit().get(A)!;
    // The diff holds the slots whose value changed.
    const before = (i: number) => big[(i + 1) % big.length] + 1n;
    expect(new Map(d.storage)).toEqual(new Map(big.flatMap((k, i) => (big[(i + 2) % big.length] === before(i) ? [] : [[k, big[(i + 2) % big.length]]]))));
    expect(d.storage.size).toBeGreaterThanOrEqual(5);
    for (const [i, k] of big.entries()) expect(backend.storage.get(A)?.get(k) ?? 0n, `slot ${k}`).toBe(big[(i + 2) % big.length]);
    world.discard();
  });
});
