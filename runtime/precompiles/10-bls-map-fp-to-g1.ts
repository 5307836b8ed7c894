/**
 * @file BLS12_MAP_FP_TO_G1 (0x10, Prague; EIP-2537): maps a field element to G1 (simplified SWU + isogeny + cofactor
 * clearing, RFC 9380's map_to_curve for BLS12381G1). Input exactly 64 bytes, output 128. Flat 5500 gas.
 */
import { decodeFp, encodeG1, mapFpToG1, paddingOk } from './bls.ts';
import { ERR, type Precompile, fail, guarded } from './types.ts';

export const blsMapFpToG1: Precompile = {
  name: 'BLS12_MAP_FP_TO_G1',
  gas: () => 5500n,
  run(input) {
    if (input.length !== 64) return fail(ERR.invalidInputLength);
    if (!paddingOk(input, 0, 1)) return fail(ERR.pointNotOnCurve);
    return guarded(() => encodeG1(mapFpToG1(decodeFp(input, 0))));
  },
};
