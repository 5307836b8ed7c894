/**
 * @file LOG0–LOG4 through the state cache's log buffer (src/builtins/state_cache_core.h: sc_log_begin; state_host.c for
 * wasm frames, state_native.c for native ones): logs, their order, addresses, topics and data as @ethereumjs/evm
 * reports them, across nested calls that revert, STATICCALL, DELEGATECALL and data sizes around the 64-byte chunks
 * state_host.c moves; a JS checkpoint truncates the buffer; compiled frames append without FrameHost.
 */
import { describe, expect, it, vi } from 'vitest';
import { Executor } from '../../runtime/host/call.ts';
import { FrameHost } from '../../runtime/host/frame-host.ts';
import type { Message } from '../../runtime/host/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { WasmLoader, ensureCompiler } from '../../runtime/loader/wasm.ts';
import { topicsHex } from '../../runtime/state/packed-log.ts';
import { stateCache } from '../../runtime/state/state-cache.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { Fork } from '../../src/evm/forks.ts';
import { asm } from '../helpers/asm.ts';
import { TEST_ENGINE, same } from '../helpers/engines.ts';

const T = 240_000;
const A = '0x2000000000000000000000000000000000000002';
const B = '0x00000000000000000000000000000000000000bb';
const C = '0x00000000000000000000000000000000000000cc';
const D = '0x00000000000000000000000000000000000000dd';

// Memory words 0..7 hold distinct bytes, so every data slice is recognisable.
const FILL = Array.from({ length: 8 }, (_, i) =>
  `PUSH32 0x${Array.from({ length: 32 }, (_, j) => ((i * 32 + j) * 7 + 1) & 0xff).map((b) => b.toString(16).padStart(2, '0')).join('')} PUSH ${32 * i} MSTORE`).join(' ');
/** LOGn with topics 0x1000+k (and the caller-visible `tag`), `len` bytes from `off`. */
const log = (n: number, off: number, len: number, tag = 0) =>
  `${Array.from({ length: n }, (_, k) => `PUSH ${0x1000 + 16 * tag + k}`).reverse().join(' ')} PUSH ${len} PUSH ${off} LOG${n}`;
const call = (op: 'CALL' | 'STATICCALL' | 'DELEGATECALL', to: string, slot: number) =>
  `PUSH 0 PUSH 0 PUSH 0 PUSH 0 ${op === 'CALL' ? 'PUSH 0 ' : ''}PUSH20 ${to} GAS ${op} PUSH ${slot} SSTORE`;

// Every topic count with data lengths around the 64-byte chunks (0, 1, 31, 32, 63, 64, 65, 200) and odd offsets.
const SIZES: [number, number][] = [[0, 0], [3, 1], [5, 31], [0, 32], [7, 63], [32, 64], [1, 65], [9, 200]];
const LOGS = SIZES.map(([off, len], i) => log(i % 5, off, len, i)).join(' ');

/** A logs in every shape; B logs and reverts, C logs, D (by STATICCALL) tries to log, E by DELEGATECALL logs as A. */
const PRE = {
  [B]: { code: asm(`${FILL} ${log(2, 4, 40, 1)} ${log(0, 0, 0)} PUSH 0 PUSH 0 REVERT`) },
  [C]: { code: asm(`${FILL} ${log(1, 10, 70, 2)} ${call('CALL', B, 0)} ${log(4, 0, 33, 3)} STOP`) },
  [D]: { code: asm(`${log(1, 0, 0, 4)} STOP`) },
  [A.replace(/02$/, '0e')]: { code: asm(`${FILL} ${log(3, 64, 96, 5)} STOP`) },
};
const E = A.replace(/02$/, '0e');
const MAIN = asm(`${FILL} ${LOGS} ${call('CALL', B, 1)} ${call('CALL', C, 2)} ${call('STATICCALL', D, 3)} ${call('DELEGATECALL', E, 4)}
  ${log(4, 1, 255, 6)} STOP`);

const noNative = TEST_ENGINE === 'native' ? 'already native' : nativeUnavailableReason();
const loaders = (): (ContractLoader | undefined)[] => (noNative === undefined ? [undefined, new NativeLoader({ optimize: 1 })] : [undefined]);
const engines = `${TEST_ENGINE}${noNative === undefined ? ' and native' : ''}`;

describe('LOG through the state cache', () => {
  it(`logs of nested, reverted, static and delegated frames as @ethereumjs/evm (${engines})`, async () => {
    for (const loader of loaders()) {
      for (const fork of ['berlin', 'cancun'] as const) {
        const { ours } = await same({ fork, code: MAIN, pre: PRE }, loader ? { loader } : undefined);
        expect(ours.status).toBe('success');
        // A's 8 + C's 2 + E's 1 (as A) + the last; B's and D's are gone.
        expect(ours.logs.length).toBe(12);
        // The whole transaction reverting (or running out of gas at the last LOG) leaves none.
        await same({ fork, code: asm(`${FILL} ${LOGS} ${call('CALL', C, 2)} PUSH 0 PUSH 0 REVERT`), pre: PRE }, loader ? { loader } : undefined);
        await same({ fork, code: MAIN, pre: PRE, gas: '0x1c000' }, loader ? { loader } : undefined);
      }
      // Data ending at the last byte of the frame's memory (state_host.c reads the tail chunk ending there).
      for (const [off, len] of [[65531, 5], [65436, 100], [65472, 64]]) {
        await same({ fork: 'cancun', code: asm(`PUSH 0xab PUSH 65535 MSTORE8 PUSH 0xcd PUSH ${off} MSTORE8 ${log(2, off, len)} STOP`) },
          loader ? { loader } : undefined);
      }
    }
  }, T);

  it(`compiled frames append to the buffer in C, without FrameHost (${engines}); a JS checkpoint truncates it`, async () => {
    await ensureCompiler();
    const cache = stateCache();
    if (!cache) {
      console.log('note: MEVMC_STATE_CACHE=0: logs are in JS, nothing to check here');
      return;
    }
    const spy = vi.spyOn(FrameHost.prototype, 'mevmc_log');
    try {
      for (const loader of [TEST_ENGINE === 'native' ? new NativeLoader({ optimize: 1 }) : new WasmLoader(), ...(noNative === undefined ? [new NativeLoader({ optimize: 1 })] : [])]) {
        const backend = new MemoryBackend();
        const code = asm(`${FILL} ${log(3, 3, 32, 1)} ${log(0, 0, 0)} ${log(1, 200, 50, 2)} STOP`);
        backend.setAccount(A, { balance: 0n, nonce: 1n, code: Uint8Array.from(Buffer.from(code.slice(2), 'hex')) });
        const world = new WorldState(backend);
        const block = { number: 1n, timestamp: 1n, coinbase: B, gasLimit: 10n ** 7n, baseFee: 0n, prevRandao: 0n, chainId: 1n, blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n };
        const ex = new Executor(world, Fork.Cancun, block, loader);
        const msg: Message = { caller: B, address: A, codeAddress: A, origin: B, value: 0n, gasPrice: 0n, calldata: new Uint8Array(0), gas: 100_000n, isStatic: false, depth: 0 };
        const ops0 = cache.x.ops();
        expect(ex.run(msg, false).status).toBe(0);
        expect(spy).not.toHaveBeenCalled();
        expect(cache.x.ops() - ops0).toBe(3n);
        const first = world.logs.map((l) => ({ address: l.address, topics: topicsHex(l), data: Buffer.from(l.data).toString('hex') }));
        expect(first.map((l) => l.topics.length)).toEqual([3, 0, 1]);
        expect(first[0].topics[2]).toBe('0x' + (0x1010 + 2).toString(16).padStart(64, '0'));
        expect(first.map((l) => l.data.length / 2)).toEqual([32, 0, 50]);
        const cp = world.checkpoint();
        ex.run(msg, false);
        expect(world.logs.length).toBe(6);
        world.revertTo(cp);
        expect(world.logs.map((l) => ({ address: l.address, topics: topicsHex(l), data: Buffer.from(l.data).toString('hex') }))).toEqual(first);
        // A log added from JS (a chain mode's frames) goes into the same buffer, in order, and reverts with it.
        const cp2 = world.checkpoint();
        world.addLog({ address: B, topics: [5n], data: Uint8Array.of(1, 2, 3) });
        expect(world.logs.map((l) => [l.address, l.topics, [...l.data]])[3]).toEqual([B, [5n], [1, 2, 3]]);
        world.revertTo(cp2);
        expect(world.logs.length).toBe(3);
        world.discard();
        expect(world.logs).toEqual([]);
      }
    } finally {
      spy.mockRestore();
    }
  }, T);
});
