/**
 * @file MUL, DIV and MOD by a constant power of two or zero, and MUL by a sum of two (the wasm backend lowers them to
 * shifts and masks, src/backend/wasm/lower.ts, instead of calling a builtin): both operand orders of MUL, on run-time
 * values from calldata, against @ethereumjs/evm. One program computes all results for a value and returns them.
 */
import { describe, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

/** Powers of two at every limb edge, zero, one, two non-powers below 2^64 for contrast, and sums of two powers of two
 * from 2^64 up (MUL: two shifts and an add). */
const CONSTS = [0n, 1n, 2n, 3n, ...[7, 8, 31, 32, 63, 64, 65, 127, 128, 129, 191, 192, 200, 255].map((k) => pow2(k)), pow2(64) + 1n,
  pow2(255) + 1n, pow2(200) + pow2(100), pow2(128) + pow2(127), pow2(255) + pow2(254)];
/** x·c, c·x, x / c and x mod c for each constant c, to consecutive memory words; return them all. 2,200
 * no-op instructions first: above 2,048 the backend takes the linear layout, which the runtime's direct writer emits. */
const PROGRAM = asmBytes(`
  ${'PUSH 0 POP '.repeat(1100)}
  PUSH 0 CALLDATALOAD
  ${CONSTS.map((c, k) => [
    `PUSH ${c} DUP2 MUL PUSH ${128 * k} MSTORE`,
    `DUP1 PUSH ${c} MUL PUSH ${128 * k + 32} MSTORE`,
    `PUSH ${c} DUP2 DIV PUSH ${128 * k + 64} MSTORE`,
    `PUSH ${c} DUP2 MOD PUSH ${128 * k + 96} MSTORE`,
  ].join(' ')).join('\n')}
  PUSH ${128 * CONSTS.length} PUSH 0 RETURN
`);

const VALUES = [
  0n, 1n, 3n, 0xffn, pow2(63) - 1n, pow2(64) - 1n, pow2(64), pow2(127) + 5n, pow2(128) - 1n, pow2(192) + pow2(191), pow2(255), MAX256,
  0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n,
];

describe('MUL / DIV / MOD by a constant power of two', () => {
  it('every limb edge on values spanning all four limbs', async () => {
    for (const x of VALUES) await expectSame(mkCase({ code: PROGRAM, calldata: word(x), gas: '10000000', fork: 'cancun' }));
  }, 120_000);
});
