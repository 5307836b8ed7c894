/**
 * @file MUL by a constant below 2^64 (not a power of two) is inline in the wasm backend (src/backend/wasm/lower.ts
 * `makeMulConst64`: limb products from 32-bit halves, then the carries). Constants at the halves' edges (2^32 ± 1,
 * 2^64 − 1, 2^63 + 1, 0xffffffff00000001, an LCG multiplier, 3, 31) times values whose limbs are all ones, zero, at
 * 32-bit edges and random, on either side of MUL, against @ethereumjs/evm, in both block layouts. Also ADDMOD/MULMOD
 * by a constant power of two (the wrapped sum/product masked; a product mod 2^k ≤ 2^64 from the low limbs alone).
 */
import { describe, it } from 'vitest';
import { word } from '../../runtime/harness/case.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

const CONSTS = [3n, 31n, pow2(32) - 1n, pow2(32) + 1n, 6364136223846793005n, 0xffffffff00000001n, pow2(63) + 1n, pow2(64) - 1n];

/** x * c and c * x for each constant, then (x * c) * c chained: consecutive memory words, returned. */
function program(pad: boolean): Uint8Array {
  const parts: string[] = [];
  let slot = 0;
  const store = () => `PUSH ${32 * slot++} MSTORE`;
  for (const c of CONSTS) {
    parts.push(`PUSH ${c} PUSH 0 CALLDATALOAD MUL ${store()}`);
    parts.push(`PUSH 0 CALLDATALOAD PUSH ${c} MUL ${store()}`);
    parts.push(`PUSH ${c} DUP1 PUSH 0 CALLDATALOAD MUL MUL ${store()}`);
  }
  return asmBytes(`${pad ? 'PUSH 0 POP '.repeat(1100) : ''}${parts.join('\n')} PUSH ${32 * slot} PUSH 0 RETURN`);
}

const VALUES = [
  0n, 1n, pow2(32) - 1n, pow2(32), pow2(64) - 1n, pow2(64), pow2(128) - 1n, pow2(192) + pow2(64) - 1n, pow2(255), MAX256,
  MAX256 - pow2(64), 0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n,
  0xffffffff00000000ffffffff00000000ffffffff00000000ffffffff00000000n, 0x80000000800000008000000080000000ffffffffffffffff7fffffff7fffffffn,
];

describe('MUL by a constant below 2^64 inline', () => {
  for (const pad of [false, true]) {
    it(`edge constants times edge and random values (${pad ? 'linear layout' : 'Relooper'})`, async () => {
      const code = program(pad);
      for (const x of VALUES) await expectSame(mkCase({ code, calldata: word(x), gas: '10000000', fork: 'cancun' }));
    }, 300_000);
  }
});

const KS = [0, 1, 32, 63, 64, 65, 128, 255];

/** ADDMOD(x, y, 2^k) and MULMOD(x, y, 2^k) for each k: consecutive memory words, returned. */
function modProgram(pad: boolean): Uint8Array {
  const parts: string[] = [];
  let slot = 0;
  for (const k of KS) {
    for (const op of ['ADDMOD', 'MULMOD']) parts.push(`PUSH ${pow2(k)} PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD ${op} PUSH ${32 * slot++} MSTORE`);
  }
  return asmBytes(`${pad ? 'PUSH 0 POP '.repeat(1100) : ''}${parts.join('\n')} PUSH ${32 * slot} PUSH 0 RETURN`);
}

describe('ADDMOD / MULMOD by a constant power of two inline', () => {
  for (const pad of [false, true]) {
    it(`every pair of edge values (${pad ? 'linear layout' : 'Relooper'})`, async () => {
      const code = modProgram(pad);
      const vs = VALUES.filter((_, i) => i % 2 === 0).concat([MAX256 - 1n]);
      for (const x of vs) for (const y of vs) await expectSame(mkCase({ code, calldata: word(x) + word(y).slice(2), gas: '10000000', fork: 'cancun' }));
    }, 300_000);
  }
});
