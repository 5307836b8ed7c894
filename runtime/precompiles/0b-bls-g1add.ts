/**
 * @file BLS12_G1ADD (0x0b, Prague; EIP-2537): the sum of two G1 points (no subgroup check). Input exactly 256
 * bytes, output 128. Flat 375 gas, charged before any input check.
 */
import { decodeG1, encodeG1, paddingOk } from './bls.ts';
import { ERR, type Precompile, fail, guarded } from './types.ts';

export const blsG1Add: Precompile = {
  name: 'BLS12_G1ADD',
  gas: () => 375n,
  run(input) {
    if (input.length !== 256) return fail(ERR.invalidInputLength);
    if (!paddingOk(input, 0, 4)) return fail(ERR.pointNotOnCurve);
    return guarded(() => encodeG1(decodeG1(input, 0, false).add(decodeG1(input, 128, false))));
  },
};
