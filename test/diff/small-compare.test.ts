/**
 * @file LT/GT with one operand below 2^64 known at compile time (src/backend/wasm/u256.ts makeLess: a small constant,
 * a narrow counter's limbs): its limb 0 against the other's, unless the other has a nonzero high limb. Against
 * @ethereumjs/evm, both operand orders of LT and GT, the constant pushed (so its high limbs are known zero) and the
 * other from calldata, with values that have one high bit in each limb, limb-0 edges, and the sign bit; SLT/SGT too
 * (which keep the general form).
 */
import { describe, it } from 'vitest';
import { asm } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';

const M = (1n << 256n) - 1n;
const word = (x: bigint) => x.toString(16).padStart(64, '0');
const VALUES = [0n, 1n, 2n, 5n, (1n << 63n), (1n << 64n) - 1n, 1n << 64n, (1n << 64n) + 1n, (1n << 64n) + 5n, 1n << 100n, 1n << 128n, (1n << 128n) + 2n, 1n << 192n, (1n << 192n) + 1n, 1n << 255n, M, M - 3n];
const CONSTS = [0n, 1n, 2n, 5n, 1n << 63n, (1n << 64n) - 1n];

describe('LT/GT against a constant below 2^64', () => {
  it('every operand order, every limb with high bits', async () => {
    for (const k of CONSTS) {
      // For each calldata word v: v < k, k < v, v > k, k > v, signed both ways; results stored at 32·i.
      const ops = ['LT', 'GT', 'SLT', 'SGT'];
      let body = '';
      let slot = 0;
      for (let i = 0; i < VALUES.length; i++) {
        for (const op of ops) {
          body += ` PUSH ${k} PUSH ${32 * i} CALLDATALOAD ${op} PUSH ${32 * slot++} MSTORE`;
          body += ` PUSH ${32 * i} CALLDATALOAD PUSH ${k} ${op} PUSH ${32 * slot++} MSTORE`;
        }
      }
      const code = asm(`${body} PUSH ${32 * slot} PUSH 0 RETURN`);
      await expectSame(mkCase({ fork: 'cancun', code, calldata: '0x' + VALUES.map(word).join(''), gas: '1000000' }), { checkError: true, note: `k ${k}` });
    }
  }, 300_000);
});
