/**
 * @file Constants on the stack at block entry (src/analysis/entry-constants.ts): constants kept deep in the stack
 * across a loop (read as constants by the loop body: MUL by 2^64 + 1 and SHR by a count, lowered inline), a join of
 * two different constants (unknown), and a block also entered through the dispatch (unknown) — what the analysis
 * finds, and the programs run exactly like @ethereumjs/evm, in the Relooper and the linear layout.
 */
import { describe, expect, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { entryConstants } from '../../src/analysis/entry-constants.ts';
import { RELOOPER_MAX_BLOCKS } from '../../src/backend/wasm/control.ts';
import { Fork, analyze } from '../../src/index.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

/** Many blocks (GAS ends one): past RELOOPER_MAX_BLOCKS the wasm backend uses its linear layout. */
const PAD = 'GAS POP '.repeat(RELOOPER_MAX_BLOCKS + 4);

/** blake2b_huff's rotation: x = ((x · (2^64 + 1)) >> 24) & (2^64 − 1), eight times, the constants pushed once. */
const LOOP = (pad = '') => asmBytes(`
  ${pad}
  PUSH 24 PUSH ${pow2(64) + 1n} PUSH 0 CALLDATALOAD PUSH 8   // c1 c2 x n
loop: JUMPDEST
  SWAP1 DUP3 MUL DUP4 SHR PUSH ${pow2(64) - 1n} AND SWAP1   // c1 c2 x' n
  PUSH 1 SWAP1 SUB DUP1 PUSH :loop JUMPI
  POP PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
`);

/** 3 or 5 by the branch taken, then multiplied: the join must not keep either. */
const JOIN = (pad = '') => asmBytes(`
  ${pad}
  PUSH 0 CALLDATALOAD PUSH :a JUMPI
  PUSH 3 PUSH :j JUMP
a: JUMPDEST PUSH 5 PUSH :j JUMP
j: JUMPDEST
  PUSH 32 CALLDATALOAD MUL PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
`);

/** t is fallen into with 3 and jumped to through memory (the dispatch) with 5. */
const DISPATCH = (pad = '') => asmBytes(`
  ${pad}
  PUSH :t PUSH 0 MSTORE
  PUSH 0 CALLDATALOAD PUSH :d JUMPI
  PUSH 3
t: JUMPDEST
  PUSH 32 CALLDATALOAD MUL PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
d: JUMPDEST PUSH 5 PUSH 0 MLOAD JUMP
`);

/** The entry constants of the block of the program's `jumpdest`-th JUMPDEST (0 = first). */
function constantsAt(code: Uint8Array, jumpdest: number): Map<number, bigint> | undefined {
  const a = analyze(code, Fork.Cancun);
  const pcs = [...a.blockAtPc.keys()].sort((x, y) => x - y);
  return entryConstants(a).get(a.blockAtPc.get(pcs[jumpdest])!);
}

const VALUES = [0n, 1n, 0x0123456789abcdefn, pow2(64) - 1n, pow2(200) + 0xfedcba9876543210n, MAX256];

describe('constants at block entry', () => {
  it('are found below a loop body and nowhere they may differ', () => {
    expect(constantsAt(LOOP(), 0)).toEqual(new Map([[3, pow2(64) + 1n], [4, 24n]]));
    expect(constantsAt(JOIN(), 1)).toBeUndefined();
    expect(constantsAt(DISPATCH(), 0)).toBeUndefined();
  });

  for (const [layout, pad] of [['Relooper', ''], ['linear', PAD]] as const) {
    it(`run like the reference (${layout} layout)`, async () => {
      for (const x of VALUES) {
        await expectSame(mkCase({ code: LOOP(pad), calldata: word(x), gas: '1000000', fork: 'cancun' }));
        for (const y of [0n, 7n, MAX256]) {
          const calldata = word(x) + word(y).slice(2);
          await expectSame(mkCase({ code: JOIN(pad), calldata, gas: '1000000', fork: 'cancun' }));
          await expectSame(mkCase({ code: DISPATCH(pad), calldata, gas: '1000000', fork: 'cancun' }));
        }
      }
    }, 300_000);
  }
});
