/**
 * @file ECMUL (0x07, Byzantium; EIP-196): an alt_bn128 G1 point times a 256-bit scalar. Input right-padded with
 * zeros to 96 bytes (longer input truncated); output 64 bytes. 40000 gas, 6000 from Istanbul (EIP-1108). The
 * scalar is reduced modulo the group order (equivalent, the group having prime order r); an invalid point makes
 * the call fail, even with a zero scalar.
 */
import { bn254 } from '@noble/curves/bn254.js';

import { Fork } from '../../src/evm/forks.ts';
import { decodeG1, encodeG1 } from './bn254.ts';
import { type Precompile, guarded, padRight, toBig } from './types.ts';

export const ecmul: Precompile = {
  name: 'ECMUL',
  gas: (_input, fork) => (fork >= Fork.Istanbul ? 6000n : 40000n),
  run(input) {
    const d = padRight(input, 96);
    return guarded(() => {
      const p = decodeG1(d, 0);
      const k = toBig(d.subarray(64, 96)) % bn254.fields.Fr.ORDER;
      return k === 0n ? new Uint8Array(64) : encodeG1(p.multiply(k));
    });
  },
};
