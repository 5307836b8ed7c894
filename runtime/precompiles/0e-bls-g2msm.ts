/**
 * @file BLS12_G2MSM (0x0e, Prague; EIP-2537): Σ scalar_i · Q_i over k pairs of a G2 point (subgroup-checked) and
 * a 32-byte scalar (288 bytes per pair); output 256 bytes. Gas: `k * 22500 * discount(k) / 1000` with EIP-2537's G2
 * table, k = floor(len / 288). Empty input fails before pricing, a length not a multiple of 288 after.
 */
import { G2_DISCOUNT, G2_ZERO, decodeG2, decodeScalar, encodeG2, msmGas, paddingOk } from './bls.ts';
import { ERR, type Precompile, fail, guarded } from './types.ts';

const PAIR = 288;

export const blsG2Msm: Precompile = {
  name: 'BLS12_G2MSM',
  gas: (input) => msmGas(Math.floor(input.length / PAIR), 22500n, G2_DISCOUNT),
  run(input) {
    if (input.length === 0) return fail(ERR.inputEmpty);
    if (input.length % PAIR !== 0) return fail(ERR.invalidInputLength);
    for (let off = 0; off < input.length; off += PAIR) if (!paddingOk(input, off, 4)) return fail(ERR.pointNotOnCurve);
    return guarded(() => {
      let sum = G2_ZERO;
      for (let off = 0; off < input.length; off += PAIR) {
        const q = decodeG2(input, off, true);
        const k = decodeScalar(input, off + 256);
        if (k !== 0n) sum = sum.add(q.multiplyUnsafe(k));
      }
      return encodeG2(sum);
    });
  },
};
