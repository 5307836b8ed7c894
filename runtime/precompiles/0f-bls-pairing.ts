/**
 * @file BLS12_PAIRING_CHECK (0x0f, Prague; EIP-2537): whether Π e(P_i, Q_i) = 1 over k pairs of a G1 and a G2
 * point (384 bytes per pair, both subgroup-checked); output a 32-byte 0 or 1. Gas 37700 + 32600·k. Empty input
 * and a length that is not a multiple of 384 fail before pricing (as in @ethereumjs/evm). Pairs with a point at
 * infinity contribute 1.
 */
import { G1_ZERO, G2_ZERO, bls, decodeG1, decodeG2, paddingOk } from './bls.ts';
import { ERR, type Precompile, fail, guarded } from './types.ts';

const PAIR = 384;
const malformed = (input: Uint8Array): boolean => input.length === 0 || input.length % PAIR !== 0;

export const blsPairing: Precompile = {
  name: 'BLS12_PAIRING_CHECK',
  gas: (input) => (malformed(input) ? 0n : 37700n + 32600n * BigInt(input.length / PAIR)),
  run(input) {
    if (input.length === 0) return fail(ERR.inputEmpty);
    if (input.length % PAIR !== 0) return fail(ERR.invalidInputLength);
    for (let off = 0; off < input.length; off += PAIR) if (!paddingOk(input, off, 6)) return fail(ERR.pointNotOnCurve);
    return guarded(() => {
      const pairs: { g1: typeof G1_ZERO; g2: typeof G2_ZERO }[] = [];
      for (let off = 0; off < input.length; off += PAIR) {
        const g1 = decodeG1(input, off, true);
        const g2 = decodeG2(input, off + 128, true);
        if (!g1.equals(G1_ZERO) && !g2.equals(G2_ZERO)) pairs.push({ g1, g2 });
      }
      const out = new Uint8Array(32);
      if (bls.fields.Fp12.eql(bls.pairingBatch(pairs, true), bls.fields.Fp12.ONE)) out[31] = 1;
      return out;
    });
  },
};
