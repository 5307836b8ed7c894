/**
 * @file A frame's output (RETURN/REVERT data) is copied out of the frame memory into arrays that outlive the frame:
 * small ones share chunks (runtime/host/execute.ts copyOutput), copied in 32-bit lanes when aligned. Every length and
 * alignment must give the returned bytes, later calls must not overwrite earlier outputs, and no call may see memory
 * an earlier call in the same instance left (the frame's memory is zeroed after it). Both engines.
 */
import { describe, expect, it } from 'vitest';
import { Executor } from '../../runtime/host/call.ts';
import type { BlockContext, Message } from '../../runtime/host/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { Fork } from '../../src/evm/forks.ts';

const CONTRACT = '0x2000000000000000000000000000000000000002';
const A = '0x1000000000000000000000000000000000000001';
const BLOCK: BlockContext = {
  number: 1n, timestamp: 1n, coinbase: '0x' + '33'.repeat(20), gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n, chainId: 1n,
  blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n,
};
// CALLDATACOPY(0, 64, CALLDATASIZE − 64); RETURN(CALLDATALOAD(0), CALLDATALOAD(32)).
const CODE = Buffer.from('60403603' + '6040' + '6000' + '37' + '602035' + '600035' + 'f3', 'hex');

const engines: [string, (() => ContractLoader) | undefined][] = [
  ['wasm', () => new WasmLoader()],
  ['native', nativeUnavailableReason() ? undefined : () => new NativeLoader()],
];
for (const [engine, make] of engines) {
  describe.skipIf(!make)(`${engine}: frame outputs`, () => {
    it('outputs of every length and alignment are the returned bytes, stay intact after later calls, and no call sees an earlier call\'s memory', () => {
      const backend = new MemoryBackend();
      backend.setAccount(CONTRACT, { balance: 0n, nonce: 1n, code: CODE });
      backend.setAccount(A, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
      const loader = make!();
      const word32 = (x: number) => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
      const pattern = (len: number, k: number) => Uint8Array.from({ length: len }, (_, i) => ((i * k + 5) & 0xff) | 1);
      // (payload length, offset, length): long payloads first, then ranges over what they left in memory; enough
      // calls to fill more than one shared chunk.
      const cases: [number, number, number][] = [[3000, 7, 3000], [1100, 0, 1025], [1100, 5, 1023], [1024, 0, 1024], [300, 2, 65],
        [300, 4, 64], [64, 1, 31], [64, 0, 32], [8, 3, 5], [0, 0, 1], [0, 64, 96], [40, 0, 1], [0, 4, 100], [0, 2800, 200]];
      for (let k = 0; k < 40; k++) cases.push([600, k % 8, 500 + k]);
      const got: Uint8Array[] = [];
      const want: Buffer[] = [];
      cases.forEach(([n, off, len], i) => {
        const payload = pattern(n, i + 3);
        const msg: Message = { caller: A, address: CONTRACT, codeAddress: CONTRACT, origin: A, value: 0n, gasPrice: 0n,
          calldata: Buffer.concat([word32(off), word32(len), payload]), gas: 1_000_000n, isStatic: false, depth: 0 };
        const r = new Executor(new WorldState(backend), Fork.Cancun, BLOCK, loader).run(msg, true);
        expect(r.status).toBe(1); // RETURN
        const w = Buffer.alloc(len);
        for (let k = 0; k < len; k++) if (off + k < n) w[k] = payload[off + k];
        got.push(r.output);
        want.push(w);
        expect(Buffer.from(r.output).toString('hex'), `call ${i}`).toBe(w.toString('hex'));
      });
      got.forEach((out, i) => expect(Buffer.from(out).toString('hex'), `output of call ${i} at the end`).toBe(want[i].toString('hex')));
    });
  });
}
