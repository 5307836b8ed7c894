/**
 * @file The builtins' register paths for multi-limb MUL and division, against @ethereumjs/evm: DIV, MOD, SDIV and
 * SMOD by divisors whose magnitude is at least 2^64 (src/builtins/div.c `udivmod_wide_n`, Knuth D over 64-bit limbs)
 * and MUL with one operand below 2^64 or both below 2^128 (arith.c `mevmc_mul`) — curve-stableswap's 1e18-scaled
 * `x * y / z`. Every pair of values at their edges — divisors of 2, 3 and 4 limbs at both ends of their
 * normalisation shift, the pairs that reach the division's rare branches (estimate refined twice, estimate
 * 2^64 − 1, the add-back), products whose partial sums carry, negatives, −2^255 — from calldata in both operand
 * orders.
 */
import { describe, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

const neg = (x: bigint): bigint => (pow2(256) - x) & MAX256;

/** x op y and y op x for the four operations: consecutive memory words, returned. */
function program(): Uint8Array {
  const parts: string[] = [];
  let slot = 0;
  for (const op of ['DIV', 'MOD', 'SDIV', 'SMOD', 'MUL']) {
    parts.push(`PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD ${op} PUSH ${32 * slot++} MSTORE`);
    parts.push(`PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD ${op} PUSH ${32 * slot++} MSTORE`);
  }
  return asmBytes(`${parts.join('\n')} PUSH ${32 * slot} PUSH 0 RETURN`);
}

const VALUES = [
  1n, pow2(64) - 1n, pow2(64), pow2(64) + 1n, pow2(127), pow2(128) - 1n, pow2(128), pow2(191) + 12345n, pow2(192) - 1n, pow2(192),
  10n ** 18n * 10n ** 18n, pow2(255), MAX256, pow2(128) - pow2(64), (pow2(128) - 1n) * 3n, neg(pow2(64)), neg(pow2(64) + 1n), neg(10n ** 36n),
  // the rare branches (dividend, divisor)
  0xfffffffffffffffe0000000000000002d44deb826d7939c20000000100000000n, 0x8000000000000000fef5de3aa5an,
  0x80000000000000009d131b08af3151428000000000000000n, 0x8000000000000000acd17e578f19fb16n,
  0x100000000800000000000000000000000000000020000000000000002n, 0x2000000010000000000000000000000028f1900e5bae52258n,
];

describe('DIV / MOD / SDIV / SMOD by divisors of 2–4 limbs, MUL of one- and two-limb operands', () => {
  it('every pair of edge values, both orders', async () => {
    const code = program();
    for (const x of VALUES) {
      for (const y of VALUES) {
        await expectSame(mkCase({ code, calldata: word(x) + word(y).slice(2), gas: '10000000', fork: 'cancun' }));
      }
    }
  }, 600_000);
});
