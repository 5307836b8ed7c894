/**
 * @file ECADD (0x06, Byzantium; EIP-196): the sum of two alt_bn128 G1 points. Input right-padded with zeros to
 * 128 bytes (longer input truncated); output 64 bytes. 500 gas, 150 from Istanbul (EIP-1108
 * https://eips.ethereum.org/EIPS/eip-1108). An invalid point makes the call fail.
 */
import { Fork } from '../../src/evm/forks.ts';
import { decodeG1, encodeG1 } from './bn254.ts';
import { type Precompile, guarded, padRight } from './types.ts';

export const ecadd: Precompile = {
  name: 'ECADD',
  gas: (_input, fork) => (fork >= Fork.Istanbul ? 150n : 500n),
  run(input) {
    const d = padRight(input, 128);
    return guarded(() => encodeG1(decodeG1(d, 0).add(decodeG1(d, 64))));
  },
};
