/**
 * @file ADDMOD and MULMOD by a constant power of two in the C backend (src/backend/c/lower.ts: the wrapped 256-bit sum
 * or product, masked), against @ethereumjs/evm on the native engine: moduli 2^0 … 2^255 at the limb edges, run-time
 * operands at the edges (sums and products that carry out of 256 bits), both operand orders, and a modulus that is
 * not a power of two next to them for contrast.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { compileToC } from '../../src/backend/c/index.ts';
import { Fork, analyze } from '../../src/index.ts';
import { asmBytes } from '../helpers/asm.ts';
import { MAX256, expectSame, mkCase, pow2 } from '../helpers/engines.ts';

const word = (v: bigint) => v.toString(16).padStart(64, '0');
const MODULI = [1n, 2n, pow2(7), pow2(63), pow2(64), pow2(65), pow2(128), pow2(192), pow2(255), pow2(64) + 1n];
const VALUES = [0n, 1n, pow2(64) - 1n, pow2(64), pow2(128) + 3n, pow2(255), MAX256, MAX256 - 1n, 0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n];

/** x op y and y op x modulo each constant, to consecutive memory words; returned. */
function program(): Uint8Array {
  const parts: string[] = [];
  let slot = 0;
  for (const op of ['ADDMOD', 'MULMOD']) {
    for (const m of MODULI) {
      parts.push(`PUSH ${m} PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD ${op} PUSH ${32 * slot++} MSTORE`);
      parts.push(`PUSH ${m} PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD ${op} PUSH ${32 * slot++} MSTORE`);
    }
  }
  return asmBytes(`${parts.join('\n')} PUSH ${32 * slot} PUSH 0 RETURN`);
}

describe('C backend: ADDMOD / MULMOD by a constant power of two', () => {
  const code = program();

  it('are masked sums and products in the generated C (no prelude call), other moduli are not', () => {
    const src = compileToC(analyze(code, Fork.Cancun)).source;
    expect(src.match(/= \(t\d+ \+ t\d+\) & /g)?.length).toBe(16); // 8 moduli × 2 orders: 2^0 folds to 0, 2^64 + 1 is no power of two
    expect(src.match(/= \(t\d+ \* t\d+\) & /g)?.length).toBe(16);
    expect(src).toMatch(/mevmc_w_addmod\(t\d+, t\d+, /);
  });

  const unavailable = nativeUnavailableReason();
  if (unavailable) console.warn(`[pow2 ADDMOD/MULMOD execution tests skipped] ${unavailable}`);
  const native = unavailable ? undefined : new NativeLoader();
  afterAll(() => native?.dispose());

  it.skipIf(unavailable)('agree with the reference on edge operands, both orders', async () => {
    for (const x of VALUES) {
      for (const y of VALUES) {
        const { ours } = await expectSame(mkCase({ code, calldata: word(x) + word(y), gas: '10000000', fork: 'cancun' }), { loader: native! });
        expect(ours.status).toBe('success');
      }
    }
  }, 600_000);
});
