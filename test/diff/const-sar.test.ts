/**
 * @file SAR by a constant amount (the wasm backend lowers it inline, src/backend/wasm/u256.ts, instead of calling a
 * builtin): every amount 0–257 and a few far past, on run-time values of both signs from calldata, against
 * @ethereumjs/evm. One program computes all results for a value and returns them.
 */
import { describe, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

const SHIFTS = [...Array(258).keys(), 300, 2 ** 32, pow2(64), MAX256];
/** For each amount s: SAR(s, x) to memory word i; return them all. 2,200
 * no-op instructions first: above 2,048 the backend takes the linear layout, which the runtime's direct writer emits. */
const PROGRAM = asmBytes(`
  ${'PUSH 0 POP '.repeat(1100)}
  PUSH 0 CALLDATALOAD
  ${SHIFTS.map((s, k) => `DUP1 PUSH ${s} SAR PUSH ${32 * k} MSTORE`).join('\n')}
  PUSH ${32 * SHIFTS.length} PUSH 0 RETURN
`);

const VALUES = [
  0n, 1n, MAX256, pow2(255), pow2(255) - 1n, MAX256 - pow2(64) + 1n, pow2(63), pow2(64) - 1n, pow2(191) + 12345n,
  0x8123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n, 0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n,
];

describe('SAR by a constant amount', () => {
  it('every amount on values of both signs, sign bit and limb edges', async () => {
    for (const x of VALUES) await expectSame(mkCase({ code: PROGRAM, calldata: word(x), gas: '10000000', fork: 'cancun' }));
  }, 120_000);
});
