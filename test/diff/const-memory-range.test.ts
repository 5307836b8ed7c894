/**
 * @file Memory accesses at constant ranges (src/backend/wasm/lower.ts `expandMemory`): one compare against the memory
 * size instead of the general check, and no check at all for a range below what the same block already checked or
 * grew. Programs grow memory in steps inside one block (MSTORE, MLOAD, MSTORE8, KECCAK256, CALLDATACOPY, RETURN at
 * constant offsets, accesses just inside and just past the known end), again in a second block, and at offsets up
 * to 2^32 and past it; run with gas limits swept across the expansion costs (out of gas at each step) against
 * @ethereumjs/evm. Each program also runs padded past 2,048 instructions, where the backend takes the linear layout
 * the runtime's direct writer emits.
 */
import { describe, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { asmBytes } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';

/**
 * One block of accesses, each range's end just inside, at, or one byte past the end the block knows; MSIZE after each
 * (summed into the word at 0xc0): an exceptional halt hides where gas ran out, MSIZE and the returned range do not.
 */
const ACCESSES = [
  'PUSH 0 CALLDATALOAD PUSH 0x100 MSTORE',
  'PUSH 0x80 MLOAD PUSH 0 MSTORE',
  'PUSH 0x11f MLOAD PUSH 0x20 MSTORE',
  'PUSH 0x1 PUSH 0x11f MSTORE8',
  'PUSH 0x2 PUSH 0x120 MSTORE8',
  'PUSH 0x101 MLOAD PUSH 0x40 MSTORE',
  'PUSH 0x40 PUSH 0 KECCAK256 PUSH 0x60 MSTORE',
  'PUSH 0x40 PUSH 0x120 KECCAK256 PUSH 0x80 MSTORE',
  'PUSH 0x20 PUSH 0 PUSH 0x1e0 CALLDATACOPY',
  'PUSH 0x200 MLOAD PUSH 0xa0 MSTORE',
];
const STEPS = `PUSH 0 ${ACCESSES.map((a) => `${a} MSIZE ADD`).join('\n')} PUSH 0xc0 MSTORE`;
const PROGRAMS: Record<string, string> = {
  'steps in one block, then again in a second block': `${STEPS} PUSH :b JUMP b: JUMPDEST ${STEPS} PUSH 0x240 PUSH 0 RETURN`,
  'RETURN past the known end': `${STEPS} PUSH 0x300 PUSH 0 RETURN`,
  'RETURN one byte past the known end': `${STEPS} PUSH 0x21 PUSH 0x200 RETURN`,
  'an offset just under 2^32': `PUSH 0x20 MLOAD POP PUSH 0xffffffdf MLOAD PUSH 0 MSTORE PUSH 0x20 PUSH 0 RETURN`,
  'an offset past 2^32 (the general check)': `PUSH 0x20 MLOAD POP PUSH 0x100000000 MLOAD PUSH 0 MSTORE PUSH 0x20 PUSH 0 RETURN`,
};
const PAD = 'PUSH 0 POP '.repeat(1100);

describe('memory at constant ranges', () => {
  for (const [name, src] of Object.entries(PROGRAMS)) {
    it(name, async () => {
      for (const code of [asmBytes(src), asmBytes(PAD + src)]) {
        const calldata = word(0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n);
        // Enough gas, then limits across the expansion steps: every 31 gas over the last 2,600 the program uses.
        const { ref } = await expectSame(mkCase({ code, calldata, gas: '10000000', fork: 'cancun' }));
        const used = Number(ref.gasUsed);
        for (let gas = Math.max(0, used - 2600); gas <= used; gas += 31) await expectSame(mkCase({ code, calldata, gas: String(gas), fork: 'cancun' }));
      }
    }, 300_000);
  }
});
