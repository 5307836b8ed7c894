/**
 * @file Constants that outlive a mid-block spill (src/backend/wasm/frame.ts `spill`): a straight-line block long
 * enough to spill its virtual stack several times, with PUSHed constants under a run-time value that the block keeps
 * using after each spill (SIGNEXTEND indices, DUPs, SWAPs, ADDs, and finally consuming them), against @ethereumjs/evm.
 */
import { describe, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

/** Constants under x, bottom first (depths 8..2 with x on top): SIGNEXTEND indices in and past 0..31, and large ones. */
const CONSTS = [pow2(255) + 7n, 0n, 1n, 15n, 30n, 31n, MAX256 - 4n];
/**
 * Filler that keeps n + 1 values live at once (x, 2x, 4x, … by DUP1 DUP1 ADD, then summed back into one): dead locals
 * are reused, so only live ones make the block spill (above ~1,000 i64 locals, 240 values).
 */
const fill = (n: number) => 'DUP1 DUP1 ADD '.repeat(n) + 'ADD '.repeat(n);
/**
 * One round: filler, then x = SIGNEXTEND(c, x) for a constant of each depth, an ADD of one, and a SWAP round trip.
 * Even rounds are only filler, long enough to spill while the constants sit untouched below the virtual stack.
 */
const round = (r: number) => r % 2 === 0 ? fill(300) : `${fill(150)}
  ${[2, 3, 4, 5, 6, 7, 8].map((k) => `DUP${k} SIGNEXTEND ${fill(3)}`).join(' ')}
  DUP${2 + (r % 7)} ADD SWAP3 SWAP1 SWAP3 SWAP1 SWAP3 SWAP1`;
const PROGRAM = asmBytes(`
  ${CONSTS.map((c) => `PUSH ${'0x' + c.toString(16)}`).join(' ')}
  PUSH 0 CALLDATALOAD
  ${Array.from({ length: 12 }, (_, r) => round(r)).join('\n')}
  ${CONSTS.map(() => 'SWAP1 DUP1 PUSH 0 MSTORE ADD').join(' ')}
  PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN
`);

const VALUES = [0n, 1n, 0x80n, pow2(127) + 0x1234n, pow2(255) - 1n, MAX256, 0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n];

describe('constants across a mid-block spill', () => {
  it('a block that spills several times keeps using constants pushed before', async () => {
    for (const x of VALUES) await expectSame(mkCase({ code: PROGRAM, calldata: word(x), gas: '30000000', fork: 'cancun' }));
  }, 300_000);
});
