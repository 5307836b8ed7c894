/**
 * @file SIGNEXTEND and BYTE with a constant index (the wasm backend lowers them inline, src/backend/wasm/u256.ts,
 * instead of calling a builtin): every index 0–33 and a few past, on run-time values from calldata, against
 * @ethereumjs/evm. One program computes all results for a value and returns them. Also SIGNEXTEND by a run-time index
 * (the native prelude's general limb form, mevmc_w_signextend) on constant values, for every index.
 */
import { describe, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

const INDICES = [...Array(34).keys(), 63, 256, 2 ** 32];
/** For each index i: SIGNEXTEND(i, x) and BYTE(i, x) to memory words 2i and 2i+1; return them all. */
const PROGRAM = asmBytes(`
  PUSH 0 CALLDATALOAD
  ${INDICES.map((i, k) => `DUP1 PUSH ${i} SIGNEXTEND PUSH ${64 * k} MSTORE DUP1 PUSH ${i} BYTE PUSH ${64 * k + 32} MSTORE`).join('\n')}
  PUSH ${64 * INDICES.length} PUSH 0 RETURN
`);

const VALUES = [
  0n, 1n, 0x7fn, 0x80n, 0xffn, 0x8000n, 0x7fffn, pow2(63), pow2(63) - 1n, pow2(64) - 1n, pow2(64), pow2(127), pow2(128) - 1n,
  pow2(191), pow2(192), pow2(255), MAX256, MAX256 - 0x80n, 0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n,
  0x80808080808080808080808080808080808080808080808080808080808080n,
];

/** For each value x: SIGNEXTEND(i, x) to memory word k, the index i from calldata; return them all. */
const RUNTIME_INDEX = asmBytes(`
  PUSH 0 CALLDATALOAD
  ${VALUES.map((x, k) => `PUSH ${x} DUP2 SIGNEXTEND PUSH ${32 * k} MSTORE`).join('\n')}
  PUSH ${32 * VALUES.length} PUSH 0 RETURN
`);

describe('SIGNEXTEND / BYTE by a constant index', () => {
  it('SIGNEXTEND by a run-time index: every index on the same values', async () => {
    for (const i of INDICES) await expectSame(mkCase({ code: RUNTIME_INDEX, calldata: word(BigInt(i)), gas: '10000000', fork: 'cancun' }));
  }, 120_000);

  it('every index on values that put the sign bit in each limb', async () => {
    for (const x of VALUES) await expectSame(mkCase({ code: PROGRAM, calldata: word(x), gas: '10000000', fork: 'cancun' }));
  }, 120_000);
});
