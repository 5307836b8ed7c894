/**
 * @file ECRECOVER (0x01, Frontier; yellow paper appendix E): the address that signed a 32-byte hash with an
 * secp256k1 signature. Input (right-padded with zeros to 128 bytes, longer input truncated): hash, v, r, s as
 * 32-byte words. Flat 3000 gas. An invalid signature (v not 27/28, r or s outside [1, n), r not the x of a curve
 * point) is not a failure: the call succeeds with empty output. Signatures with high s are accepted (EIP-2 only
 * restricts transactions).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';

import { type Precompile, ok, padRight, toBig } from './types.ts';

const EMPTY = new Uint8Array(0);

export const ecrecover: Precompile = {
  name: 'ECRECOVER',
  gas: () => 3000n,
  run(input) {
    const d = padRight(input, 128);
    const v = toBig(d.subarray(32, 64));
    if (v !== 27n && v !== 28n) return ok(EMPTY);
    let pub: Uint8Array;
    try {
      const sig = secp256k1.Signature.fromBytes(d.subarray(64, 128)).addRecoveryBit(Number(v - 27n));
      pub = sig.recoverPublicKey(d.subarray(0, 32)).toBytes(false);
    } catch {
      return ok(EMPTY); // r or s out of range, or no point with x = r
    }
    const out = new Uint8Array(32);
    out.set(keccak_256(pub.subarray(1)).subarray(12), 12);
    return ok(out);
  },
};
