/**
 * @file ECRECOVER (0x01, Frontier; yellow paper appendix E): the address that signed a 32-byte hash with an
 * secp256k1 signature. Input (right-padded with zeros to 128 bytes, longer input truncated): hash, v, r, s as
 * 32-byte words. Flat 3000 gas. An invalid signature (v not 27/28, r or s outside [1, n), r not the x of a curve
 * point) is not a failure: the call succeeds with empty output. Signatures with high s are accepted (EIP-2 only
 * restricts transactions).
 *
 * Recovery: runtime/state/secp256k1.ts (libsecp256k1, or @noble/curves where the addon does not load).
 */
import { type Recover, recoverNoble, recoverPublicKey, secp256k1Backend } from '../state/secp256k1.ts';
import { keccak256 } from '../state/keccak.ts';

import { type Precompile, ok, padRight, toBig } from './types.ts';

const EMPTY = new Uint8Array(0);

/** Which implementation recovers: 'libsecp256k1' or '@noble/curves'. */
export const ecrecoverBackend = secp256k1Backend;

/** The precompile over one recovery implementation. */
function withRecovery(recover: Recover): Precompile {
  return {
    name: 'ECRECOVER',
    gas: () => 3000n,
    run(input) {
      const d = padRight(input, 128);
      const v = toBig(d.subarray(32, 64));
      if (v !== 27n && v !== 28n) return ok(EMPTY);
      const pub = recover(d.subarray(0, 32), Number(v - 27n), d.subarray(64, 128));
      if (!pub) return ok(EMPTY);
      const out = new Uint8Array(32);
      out.set(keccak256(pub).subarray(12), 12);
      return ok(out);
    },
  };
}

/** ECRECOVER on @noble/curves only (the fallback; tests check it on its own). */
export const ecrecoverNoble: Precompile = withRecovery(recoverNoble);

export const ecrecover: Precompile = recoverPublicKey === recoverNoble ? ecrecoverNoble : withRecovery(recoverPublicKey);
