/**
 * @file BLS12_G2ADD (0x0d, Prague; EIP-2537): the sum of two G2 points (no subgroup check). Input exactly 512
 * bytes, output 256. Flat 600 gas, charged before any input check.
 */
import { decodeG2, encodeG2, paddingOk } from './bls.ts';
import { ERR, type Precompile, fail, guarded } from './types.ts';

export const blsG2Add: Precompile = {
  name: 'BLS12_G2ADD',
  gas: () => 600n,
  run(input) {
    if (input.length !== 512) return fail(ERR.invalidInputLength);
    if (!paddingOk(input, 0, 8)) return fail(ERR.pointNotOnCurve);
    return guarded(() => encodeG2(decodeG2(input, 0, false).add(decodeG2(input, 256, false))));
  },
};
