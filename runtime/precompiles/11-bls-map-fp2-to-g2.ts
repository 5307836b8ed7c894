/**
 * @file BLS12_MAP_FP2_TO_G2 (0x11, Prague; EIP-2537): maps an Fp2 element (c0 ‖ c1, 128 bytes) to G2 (RFC 9380's
 * map_to_curve for BLS12381G2, with cofactor clearing). Output 256 bytes. Flat 23800 gas.
 */
import { decodeFp, encodeG2, mapFp2ToG2, paddingOk } from './bls.ts';
import { ERR, type Precompile, fail, guarded } from './types.ts';

export const blsMapFp2ToG2: Precompile = {
  name: 'BLS12_MAP_FP2_TO_G2',
  gas: () => 23800n,
  run(input) {
    if (input.length !== 128) return fail(ERR.invalidInputLength);
    if (!paddingOk(input, 0, 2)) return fail(ERR.pointNotOnCurve);
    return guarded(() => encodeG2(mapFp2ToG2(decodeFp(input, 0), decodeFp(input, 64))));
  },
};
