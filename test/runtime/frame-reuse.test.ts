/**
 * @file A pooled instance serves many frames: nothing of one message (environment words, EVM memory) may be seen by
 * the next one in the same instance — the per-call fast paths (environment image per block, words written only when
 * non-zero, memory zeroed only up to what was touched) must leave every slot as a fresh frame expects.
 */
import { describe, expect, it } from 'vitest';
import { Executor } from '../../runtime/host/call.ts';
import type { BlockContext, Message } from '../../runtime/host/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { CALLDATA_MAX } from '../../src/abi/context.ts';
import { Fork } from '../../src/evm/forks.ts';

// mem[0x00]=CALLVALUE, [0x20]=GASPRICE, [0x40]=CALLER, [0x60]=MLOAD(0x1000) (read before this frame writes it),
// [0x80]=CALLDATASIZE, [0xa0]=TIMESTAMP; then MSTORE(0x1000, CALLDATALOAD(0)); RETURN mem[0, 0xc0).
const CODE = Buffer.from(
  '34600052' + '3a602052' + '33604052' + '61100051606052' + '36608052' + '4260a052' + '6000356110005260c06000f3', 'hex');
const CONTRACT = '0x2000000000000000000000000000000000000002';
const A = '0x1000000000000000000000000000000000000001';
const B = '0x10000000000000000000000000000000000000bb';
const block = (timestamp: bigint): BlockContext => ({
  number: 1n, timestamp, coinbase: '0x' + '33'.repeat(20), gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n, chainId: 1n,
  blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n,
});
const words = (out: Uint8Array): bigint[] => Array.from({ length: out.length / 32 }, (_, i) => BigInt('0x' + Buffer.from(out.subarray(32 * i, 32 * i + 32)).toString('hex')));

describe('a reused instance starts every frame clean', () => {
  it('environment words and EVM memory of one call are not seen by the next', () => {
    const backend = new MemoryBackend();
    backend.setAccount(CONTRACT, { balance: 0n, nonce: 1n, code: CODE });
    backend.setAccount(A, { balance: 1000n, nonce: 0n, code: new Uint8Array(0) });
    backend.setAccount(B, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
    const loader = new WasmLoader();
    const call = (caller: string, value: bigint, gasPrice: bigint, calldata: Uint8Array, b: BlockContext) => {
      const msg: Message = { caller, address: CONTRACT, codeAddress: CONTRACT, origin: caller, value, gasPrice, calldata, gas: 100_000n, isStatic: false, depth: 0 };
      const r = new Executor(new WorldState(backend), Fork.Cancun, b, loader).run(msg, true);
      expect(r.status).toBe(1); // RETURN
      return words(r.output);
    };
    const b1 = block(111n);
    expect(call(A, 5n, 7n, new Uint8Array(32).fill(0xff), b1)).toEqual([5n, 7n, BigInt(A), 0n, 32n, 111n]);
    // Same instance (one idle), zero value and gas price, another caller, no calldata, a new block.
    expect(call(B, 0n, 0n, new Uint8Array(0), block(222n))).toEqual([0n, 0n, BigInt(B), 0n, 0n, 222n]);
    // The first block object again: its cached words, not the second block's.
    expect(call(A, 0n, 3n, new Uint8Array(1), b1)).toEqual([0n, 3n, BigInt(A), 0n, 1n, 111n]);
    expect(loader.load(CODE, Fork.Cancun).pool).toHaveLength(1);
  });

  it('in one block, the environment words kept from the last frame are rewritten when they differ (value, gas price, caller, origin, address, return data size)', () => {
    // mem = [CALLVALUE, GASPRICE, CALLER, ORIGIN, ADDRESS, RETURNDATASIZE] read first; then a CALL to RET32 (which
    // returns a word, so RETURNDATASIZE becomes 32 in this frame's memory); RETURN mem[0, 0xc0).
    const RET32 = '0x00000000000000000000000000000000000000e2';
    const code = Buffer.from('34600052' + '3a602052' + '33604052' + '32606052' + '30608052' + '3d60a052' +
      '6000600060006000600073' + RET32.slice(2) + '5af150' + '60c06000f3', 'hex');
    const C2 = '0x20000000000000000000000000000000000000c2';
    const backend = new MemoryBackend();
    for (const c of [CONTRACT, C2]) backend.setAccount(c, { balance: 0n, nonce: 1n, code });
    backend.setAccount(RET32, { balance: 0n, nonce: 1n, code: Buffer.from('602a60005260206000f3', 'hex') });
    backend.setAccount(A, { balance: 1000n, nonce: 0n, code: new Uint8Array(0) });
    const loader = new WasmLoader();
    const b = block(111n);
    const call = (to: string, caller: string, origin: string, value: bigint, gasPrice: bigint) => {
      const msg: Message = { caller, address: to, codeAddress: to, origin, value, gasPrice, calldata: new Uint8Array(0), gas: 200_000n, isStatic: false, depth: 0 };
      const r = new Executor(new WorldState(backend), Fork.Cancun, b, loader).run(msg, true);
      expect(r.status).toBe(1); // RETURN
      return words(r.output);
    };
    expect(call(CONTRACT, A, A, 5n, 7n)).toEqual([5n, 7n, BigInt(A), BigInt(A), BigInt(CONTRACT), 0n]);
    expect(call(CONTRACT, B, A, 0n, 0n)).toEqual([0n, 0n, BigInt(B), BigInt(A), BigInt(CONTRACT), 0n]);
    expect(call(CONTRACT, A, B, 0n, 3n)).toEqual([0n, 3n, BigInt(A), BigInt(B), BigInt(CONTRACT), 0n]);
    expect(call(C2, A, B, 9n, 0n)).toEqual([9n, 0n, BigInt(A), BigInt(B), BigInt(C2), 0n]);
    expect(call(CONTRACT, A, B, 0n, 0n)).toEqual([0n, 0n, BigInt(A), BigInt(B), BigInt(CONTRACT), 0n]);
  });
});

// Calldata and code copies are read by compiled code itself on both engines (the host only for calldata too long
// to copy): each engine's frames are checked.
const engines: [string, (() => ContractLoader) | undefined][] = [
  ['wasm', () => new WasmLoader()],
  ['native', nativeUnavailableReason() ? undefined : () => new NativeLoader()],
];
for (const [engine, make] of engines) {
  describe.skipIf(!make)(`${engine}: a frame reads its own calldata and code`, () => {
    const newLoader = make!;
    it('CALLDATALOAD reads the calldata copy only within this frame\'s calldata; outputs kept from earlier calls stay intact', () => {
      // Words: CALLDATALOAD at 0, 8, 20, 8160, 8161, 2^64 + 1, CALLDATASIZE − 32 (a run-time offset); RETURN mem[0, 0xe0).
      const code = Buffer.from('600035600052' + '600835602052' + '601435604052' + '611fe035606052' + '611fe135608052' +
        '6801000000000000000135' + '60a052' + '366020900335' + '60c052' + '60e06000f3', 'hex');
      const offsets = (len: number) => [0n, 8n, 20n, 8160n, 8161n, (1n << 64n) + 1n, BigInt.asUintN(256, BigInt(len) - 32n)];
      // The reference: 32 bytes from `off`, zero past the end.
      const load = (cd: Uint8Array, off: bigint) => {
        let w = 0n;
        for (let i = 0n; i < 32n; i++) w = (w << 8n) | BigInt(off + i < BigInt(cd.length) ? cd[Number(off + i)] : 0);
        return w;
      };
      const backend = new MemoryBackend();
      backend.setAccount(CONTRACT, { balance: 0n, nonce: 1n, code });
      backend.setAccount(A, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
      const loader = newLoader();
      const b = block(1n);
      const pattern = (len: number, k: number) => Uint8Array.from({ length: len }, (_, i) => (i * k + 3) & 0xff);
      // The longest copied (CALLDATA_MAX bytes), then shorter ones over its stale bytes, ones too long to copy, none.
      const inputs = [pattern(CALLDATA_MAX, 7), new Uint8Array(40).fill(0x11), pattern(CALLDATA_MAX + 1, 13), pattern(4, 3), new Uint8Array(0),
        pattern(CALLDATA_MAX + 32, 11), pattern(8160, 5), pattern(8161, 3), pattern(100, 5), pattern(31, 9)];
      const outputs = inputs.map((calldata) => {
        const msg: Message = { caller: A, address: CONTRACT, codeAddress: CONTRACT, origin: A, value: 0n, gasPrice: 0n, calldata, gas: 1_000_000n, isStatic: false, depth: 0 };
        const r = new Executor(new WorldState(backend), Fork.Cancun, b, loader).run(msg, true);
        expect(r.status).toBe(1); // RETURN
        return r.output;
      });
      outputs.forEach((out, i) => expect(words(out), `call ${i}`).toEqual(offsets(inputs[i].length).map((o) => load(inputs[i], o))));
    });

    it('CALLDATACOPY copies from the calldata copy only within this frame\'s calldata', () => {
      // CALLDATACOPY(0, 4, CALLDATASIZE − 4), (0x2100, 8150, 64), (0x2140, 8100, 64); RETURN mem[0, 0x2180).
      const code = Buffer.from('6004360360046000' + '37' + '6040611fd6612100' + '37' + '6040611fa4612140' + '37' + '6121806000f3', 'hex');
      const expected = (cd: Uint8Array) => {
        const mem = new Uint8Array(0x2180);
        const copy = (dst: number, off: number, len: number) => { for (let i = 0; i < len; i++) mem[dst + i] = off + i < cd.length ? cd[off + i] : 0; };
        copy(0, 4, cd.length - 4);
        copy(0x2100, 8150, 64);
        copy(0x2140, 8100, 64);
        return mem;
      };
      const backend = new MemoryBackend();
      backend.setAccount(CONTRACT, { balance: 0n, nonce: 1n, code });
      backend.setAccount(A, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
      const loader = newLoader();
      const pattern = (len: number, k: number) => Uint8Array.from({ length: len }, (_, i) => (i * k + 1) & 0xff);
      for (const calldata of [pattern(CALLDATA_MAX, 7), new Uint8Array(40).fill(0x22), pattern(CALLDATA_MAX + 1, 13), pattern(4, 3), pattern(8150, 5),
        pattern(8192, 3), pattern(CALLDATA_MAX + 32, 9)]) {
        const msg: Message = { caller: A, address: CONTRACT, codeAddress: CONTRACT, origin: A, value: 0n, gasPrice: 0n, calldata, gas: 1_000_000n, isStatic: false, depth: 0 };
        const r = new Executor(new WorldState(backend), Fork.Cancun, block(1n), loader).run(msg, true);
        expect(r.status).toBe(1); // RETURN
        expect(Buffer.from(r.output).equals(Buffer.from(expected(calldata))), `${calldata.length} bytes of calldata`).toBe(true);
      }
    });

    it('CALLDATACOPY ranges that leave the calldata: the rest zero-filled, whatever the offset (also calldatasize(), the zeroing idiom)', () => {
      // mem[0, 1024) = 0xff…; CALLDATACOPY(dst = CALLDATALOAD(0), off = CALLDATALOAD(32), len = CALLDATALOAD(64));
      // RETURN mem[0, 1024). The calldata is those three words and a payload.
      let fill = '';
      for (let w = 0; w < 32; w++) fill += '600019' + '61' + (w * 32).toString(16).padStart(4, '0') + '52';
      const code = Buffer.from(fill + '604035' + '602035' + '600035' + '37' + '6104006000f3', 'hex');
      const word = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
      const expected = (cd: Uint8Array, dst: number, off: bigint, len: number) => {
        const mem = new Uint8Array(1024).fill(0xff);
        for (let i = 0; i < len; i++) mem[dst + i] = off + BigInt(i) < BigInt(cd.length) ? cd[Number(off + BigInt(i))] : 0;
        return mem;
      };
      const backend = new MemoryBackend();
      backend.setAccount(CONTRACT, { balance: 0n, nonce: 1n, code });
      backend.setAccount(A, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
      const loader = newLoader();
      // A payload kept in the frame's copy, and one too long for it (the host's path): the same answers.
      for (const payload of [40, CALLDATA_MAX]) {
        const size = 96 + payload;
        const cases: [number, bigint, number][] = [
          [5, BigInt(size - 10), 50], // starts inside, runs past the end
          [0, BigInt(size), 64], // calldatacopy(p, calldatasize(), n)
          [7, BigInt(size + 100), 33], // wholly past the end
          [0, (1n << 64n) + 3n, 40], // an offset of 2^64 and more
          [0, 1n << 40n, 32],
          [3, 96n, Math.min(payload, 900)], // inside
          [9, 0n, 0], // nothing
          [1, BigInt(size - 1), 1000], // the last byte, then zeros
        ];
        for (const [dst, off, len] of cases) {
          const calldata = new Uint8Array(size);
          calldata.set(word(BigInt(dst)), 0);
          calldata.set(word(off), 32);
          calldata.set(word(BigInt(len)), 64);
          for (let i = 96; i < size; i++) calldata[i] = (i * 13 + 1) & 0xff || 0x5a;
          const msg: Message = { caller: A, address: CONTRACT, codeAddress: CONTRACT, origin: A, value: 0n, gasPrice: 0n, calldata, gas: 1_000_000n, isStatic: false, depth: 0 };
          const r = new Executor(new WorldState(backend), Fork.Cancun, block(1n), loader).run(msg, true);
          expect(r.status).toBe(1); // RETURN
          expect(Buffer.from(r.output).equals(Buffer.from(expected(calldata, dst, off, len))), `payload ${payload}: copy(${dst}, ${off}, ${len})`).toBe(true);
        }
      }
    });

    it('CODECOPY copies the running code, zeros past its end, at offsets inside, straddling and beyond it', () => {
      // mem[0, 0x80) = 0xff… (so padding shows), CODECOPY(0, CALLDATALOAD(0), CALLDATALOAD(32)), RETURN mem[0,
      // CALLDATALOAD(32)); 40 JUMPDESTs after it.
      const code = Buffer.concat([Buffer.from('600019808080' + '600052602052604052606052' + '602035' + '600035' + '6000' + '39' + '602035' + '6000' + 'f3', 'hex'),
        Buffer.alloc(40, 0x5b)]);
      const backend = new MemoryBackend();
      backend.setAccount(CONTRACT, { balance: 0n, nonce: 1n, code });
      backend.setAccount(A, { balance: 0n, nonce: 0n, code: new Uint8Array(0) });
      const loader = newLoader();
      const word32 = (x: bigint) => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
      for (const [off, len] of [[0n, BigInt(code.length)], [3n, 10n], [BigInt(code.length) - 10n, 10n], [BigInt(code.length) - 5n, 40n], [BigInt(code.length), 33n], [1000n, 7n], [(1n << 32n) + 3n, 8n], [(1n << 64n) - 1n, 2n], [1n << 64n, 32n], [(1n << 256n) - 1n, 64n]]) {
        const calldata = Buffer.concat([word32(off), word32(len)]);
        const msg: Message = { caller: A, address: CONTRACT, codeAddress: CONTRACT, origin: A, value: 0n, gasPrice: 0n, calldata, gas: 1_000_000n, isStatic: false, depth: 0 };
        const r = new Executor(new WorldState(backend), Fork.Cancun, block(1n), loader).run(msg, true);
        expect(r.status).toBe(1); // RETURN
        const want = Buffer.alloc(Number(len));
        for (let i = 0n; i < len; i++) if (off + i < BigInt(code.length)) want[Number(i)] = code[Number(off + i)];
        expect(Buffer.from(r.output).toString('hex'), `CODECOPY at ${off}, ${len} bytes`).toBe(want.toString('hex'));
      }
    });
  });
}
