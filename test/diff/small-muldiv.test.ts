/**
 * @file MUL, DIV, MOD, SDIV and SMOD on values that fit one limb take an inline fast path in the wasm backend
 * (src/backend/wasm/lower.ts `inlineSmall`: one `if`, the builtin call on the other side). Every pair of values at the
 * fast path's bounds (int64 and uint64 edges, the MUL product bound ±2^62, −2^63 / −1, zero divisors) from
 * calldata, both operand orders, and by constants (fixed-point 10^6, −3, −1, 2^40 + 1), against @ethereumjs/evm, in
 * both block layouts (Relooper for small code; the linear layout above 2,048 instructions, which the direct writer
 * emits).
 */
import { describe, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

const neg = (x: bigint): bigint => (pow2(256) - x) & MAX256;
const OPS = ['MUL', 'DIV', 'MOD', 'SDIV', 'SMOD'];
const CONSTS = [1000000n, neg(3n), MAX256, pow2(40) + 1n];

/** x op y and y op x for each op, then x op c and c op x for each constant: consecutive memory words, returned. */
function program(pad: boolean): Uint8Array {
  const parts: string[] = [];
  let slot = 0;
  const store = () => `PUSH ${32 * slot++} MSTORE`;
  for (const op of OPS) {
    parts.push(`PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD ${op} ${store()}`); // x op y (x on top)
    parts.push(`PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD ${op} ${store()}`); // y op x
    for (const c of CONSTS) {
      parts.push(`PUSH ${c} PUSH 0 CALLDATALOAD ${op} ${store()}`);
      parts.push(`PUSH 0 CALLDATALOAD PUSH ${c} ${op} ${store()}`);
    }
  }
  return asmBytes(`${pad ? 'PUSH 0 POP '.repeat(1100) : ''}${parts.join('\n')} PUSH ${32 * slot} PUSH 0 RETURN`);
}

const VALUES = [
  0n, 1n, 7n, 1000000n, pow2(31), pow2(32) - 1n, pow2(32) + 1n, pow2(33), pow2(62) - 1n, pow2(62), pow2(63) - 1n, pow2(63), pow2(64) - 1n, pow2(64),
  neg(1n), neg(3n), neg(pow2(31)), neg(pow2(33) + 5n), neg(pow2(62)), neg(pow2(63)), neg(pow2(63) + 1n), neg(pow2(64)),
  pow2(255), 0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n,
];

describe('MUL / DIV / MOD / SDIV / SMOD inline on one-limb values', () => {
  for (const pad of [false, true]) {
    it(`every pair of bound values, both orders and by constants (${pad ? 'linear layout' : 'Relooper'})`, async () => {
      const code = program(pad);
      for (const x of VALUES) {
        for (const y of VALUES) {
          await expectSame(mkCase({ code, calldata: word(x) + word(y).slice(2), gas: '10000000', fork: 'cancun' }));
        }
      }
    }, 600_000);
  }
});
