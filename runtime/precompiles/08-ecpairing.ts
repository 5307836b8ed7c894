/**
 * @file ECPAIRING (0x08, Byzantium; EIP-197): whether the product of the pairings e(G1_i, G2_i) of k input pairs
 * (192 bytes each: a G1 then a G2 point) is 1; output a 32-byte 0 or 1 (1 for k = 0). The input length must be a
 * multiple of 192 (checked before pricing: 'invalid input length'). Gas 100000 + 80000·k, from Istanbul
 * 45000 + 34000·k (EIP-1108). Pairs with a point at infinity contribute 1 but are still validated.
 */
import { bn254 } from '@noble/curves/bn254.js';

import { Fork } from '../../src/evm/forks.ts';
import { G1_ZERO, G2_ZERO, decodeG1, decodeG2 } from './bn254.ts';
import { ERR, type Precompile, fail, guarded } from './types.ts';

export const ecpairing: Precompile = {
  name: 'ECPAIRING',
  gas(input, fork) {
    if (input.length % 192 !== 0) return 0n; // rejected before pricing (see types.ts)
    const k = BigInt(input.length / 192);
    return fork >= Fork.Istanbul ? 45000n + 34000n * k : 100000n + 80000n * k;
  },
  run(input) {
    if (input.length % 192 !== 0) return fail(ERR.invalidInputLength);
    return guarded(() => {
      const pairs: { g1: typeof G1_ZERO; g2: typeof G2_ZERO }[] = [];
      for (let off = 0; off < input.length; off += 192) {
        const g1 = decodeG1(input, off);
        const g2 = decodeG2(input, off + 64);
        if (g1 !== G1_ZERO && g2 !== G2_ZERO) pairs.push({ g1, g2 });
      }
      const out = new Uint8Array(32);
      if (bn254.fields.Fp12.eql(bn254.pairingBatch(pairs), bn254.fields.Fp12.ONE)) out[31] = 1;
      return out;
    });
  },
};
