/**
 * @file BLS12_G1MSM (0x0c, Prague; EIP-2537): Σ scalar_i · P_i over k pairs of a G1 point (subgroup-checked) and
 * a 32-byte scalar (160 bytes per pair); output 128 bytes. Gas: `k * 12000 * discount(k) / 1000` with EIP-2537's G1
 * table, k = floor(len / 160). As in @ethereumjs/evm: empty input fails before pricing ('input is empty'), a length
 * that is not a multiple of 160 fails after pricing.
 */
import { G1_DISCOUNT, G1_ZERO, decodeG1, decodeScalar, encodeG1, msmGas, paddingOk } from './bls.ts';
import { ERR, type Precompile, fail, guarded } from './types.ts';

const PAIR = 160;

export const blsG1Msm: Precompile = {
  name: 'BLS12_G1MSM',
  gas: (input) => msmGas(Math.floor(input.length / PAIR), 12000n, G1_DISCOUNT),
  run(input) {
    if (input.length === 0) return fail(ERR.inputEmpty);
    if (input.length % PAIR !== 0) return fail(ERR.invalidInputLength);
    for (let off = 0; off < input.length; off += PAIR) if (!paddingOk(input, off, 2)) return fail(ERR.pointNotOnCurve);
    return guarded(() => {
      let sum = G1_ZERO;
      for (let off = 0; off < input.length; off += PAIR) {
        const p = decodeG1(input, off, true);
        const k = decodeScalar(input, off + 128);
        if (k !== 0n) sum = sum.add(p.multiplyUnsafe(k));
      }
      return encodeG1(sum);
    });
  },
};
