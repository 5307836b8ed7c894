/**
 * @file What a frame skips or reuses per call (issue #14 part 1) still gives @ethereumjs/evm's results: code without
 * any opcode the state cache serves (usesStateCache) runs without a state-cache record — its instance says so
 * (`stateCache` false), and a call from such a frame into one that has them, or code whose only such opcode follows
 * PUSH data that looks like one, give the reference's status, gas, output, logs, storage and refund; and the one
 * FrameHost of a frame memory starts each frame with no return data of the last one.
 */
import { describe, expect, it } from 'vitest';
import { stateCache, usesStateCache } from '../../runtime/state/state-cache.ts';
import { Fork } from '../../src/evm/forks.ts';
import { ADDRESS, freshLoader, same, TEST_ENGINE } from '../helpers/engines.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
/** SLOAD SSTORE TLOAD TSTORE BALANCE EXTCODESIZE EXTCODEHASH SELFBALANCE LOG0..LOG4 (state_host.c's ops). */
const SERVED = [0x54, 0x55, 0x5c, 0x5d, 0x31, 0x3b, 0x3f, 0x47, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4];

describe('usesStateCache', () => {
  it('finds each served opcode and nothing else', () => {
    for (let op = 0; op < 256; op++) {
      if (op >= 0x60 && op <= 0x7f) continue; // PUSHn: below
      expect(usesStateCache(Uint8Array.of(0x5f, op, 0x00)), `op 0x${op.toString(16)}`).toBe(SERVED.includes(op));
    }
  });
  it('skips PUSH data, and finds the opcode right after it', () => {
    for (let n = 1; n <= 32; n++) {
      const push = [0x5f + n, ...Array<number>(n).fill(0x54)];
      expect(usesStateCache(Uint8Array.from([...push, 0x00])), `PUSH${n} of 0x54 bytes`).toBe(false);
      expect(usesStateCache(Uint8Array.from([...push, 0x55])), `PUSH${n} then SSTORE`).toBe(true);
      expect(usesStateCache(Uint8Array.from(push.slice(0, n))), `PUSH${n} cut short`).toBe(false);
    }
    expect(usesStateCache(new Uint8Array(0))).toBe(false);
  });
});

const CALLEE = '0x3000000000000000000000000000000000000003';
// SSTORE(0, SLOAD(0) + 1), LOG1(topic 7) of no data, RETURN SLOAD(0) as a word.
const CALLEE_CODE = '60005460010160005560076000' + '6000a1' + '600054600052' + '60206000f3';
// CALL(gas, CALLEE, 0, 0, 0, 0, 32), RETURN mem[0, 32): no served opcode of its own.
const CALLER_CODE = '6020600060006000600073' + CALLEE.slice(2) + '5af150' + '60206000f3';
// PUSH32 of 0x54 bytes, POP, then SLOAD(1) returned: the only served opcode follows the PUSH data.
const AFTER_PUSH = '7f' + '54'.repeat(32) + '50' + '600154600052' + '60206000f3';

describe.skipIf(!stateCache())(`frames without state-cache ops (${TEST_ENGINE})`, () => {
  it('an instance of code without served opcodes has no state-cache record to set; code with them has', () => {
    const loader = freshLoader();
    for (const [code, want] of [[hex('00'), false], [hex(CALLER_CODE), false], [hex(CALLEE_CODE), true], [hex(AFTER_PUSH), true]] as const) {
      const inst = loader.acquire(loader.load(code, Fork.Cancun));
      try {
        expect(inst.stateCache, Buffer.from(code).toString('hex')).toBe(want);
      } finally {
        loader.release(inst);
      }
    }
  });
  it('a call from such a frame into one with storage and a LOG, and an SLOAD after look-alike PUSH data: as @ethereumjs/evm', async () => {
    const pre = { [CALLEE]: { code: '0x' + CALLEE_CODE, storage: { '0x0': '0x29' } } };
    await same({ fork: 'cancun', code: CALLER_CODE, gas: '200000', pre });
    await same({ fork: 'cancun', code: AFTER_PUSH, gas: '100000', pre: { [ADDRESS]: { storage: { '0x1': '0x5' } } } });
  });
});

describe(`a frame host serves the next frame in its memory (${TEST_ENGINE})`, () => {
  it('return data of a nested call in one frame is not the next frame’s: RETURNDATACOPY there halts as @ethereumjs/evm', async () => {
    // No calldata: CALL(RET32) (32 bytes come back), STOP. With calldata: RETURNDATACOPY(0, 0, 32) before any call.
    const RET32 = '0x00000000000000000000000000000000000000e2';
    const code = hex('36602657' + '6000600060006000600073' + RET32.slice(2) + '5af100' + '5b' + '6020600060003e' + '00');
    const ret32 = { code: '0x602a60005260206000f3' };
    const loader = freshLoader();
    const first = await same({ fork: 'cancun', code, gas: '100000', pre: { [RET32]: ret32 } }, { loader });
    expect(first.ours.status).toBe('success');
    const second = await same({ fork: 'cancun', code, calldata: '0x01', gas: '100000', pre: { [RET32]: ret32 } }, { loader });
    expect(second.ours.status).toBe('halt');
  });
});
