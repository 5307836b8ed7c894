/**
 * @file P256VERIFY (0x0100, Osaka; EIP-7951 https://eips.ethereum.org/EIPS/eip-7951): ECDSA verification over
 * secp256r1 (NIST P-256). Input exactly 160 bytes: hash, r, s, qx, qy (32 bytes each). Flat 6900 gas. Never fails:
 * a valid signature returns the 32-byte word 1; anything else (wrong length, r or s outside (0, n), qx or qy ≥ p,
 * a public key off the curve or at infinity, a signature that does not verify) returns empty output. High s is
 * accepted (no malleability check) and the hash is used as is (no prehashing).
 *
 * OP stack (Fjord onwards, RIP-7212 https://github.com/ethereum/RIPs/blob/master/RIPS/rip-7212.md): the same
 * precompile at the same address, the same input checks and output, at 3450 gas ({@link p256verifyRip7212}).
 */
import { p256 } from '@noble/curves/nist.js';

import { type Precompile, ok, toBig } from './types.ts';

const N = p256.Point.CURVE().n;
const P = p256.Point.CURVE().p;
const EMPTY = new Uint8Array(0);
const ONE = new Uint8Array(32);
ONE[31] = 1;

function verify(input: Uint8Array): boolean {
  if (input.length !== 160) return false;
  const r = toBig(input.subarray(32, 64));
  const s = toBig(input.subarray(64, 96));
  const x = toBig(input.subarray(96, 128));
  const y = toBig(input.subarray(128, 160));
  if (r === 0n || r >= N || s === 0n || s >= N || x >= P || y >= P) return false;
  try {
    const q = p256.Point.fromAffine({ x, y });
    q.assertValidity(); // on the curve and not the point at infinity
    return p256.verify(input.subarray(32, 96), input.subarray(0, 32), q.toBytes(false), { lowS: false, prehash: false });
  } catch {
    return false;
  }
}

export const p256verify: Precompile = {
  name: 'P256VERIFY',
  gas: () => 6900n,
  run: (input) => ok(verify(input) ? ONE.slice() : EMPTY),
};

/** RIP-7212's price: what the OP stack charges from Fjord (EIP-7951 doubled it for Osaka). */
export const P256VERIFY_RIP7212_GAS = 3450n;

/** P256VERIFY as the OP stack runs it from Fjord: {@link p256verify} at RIP-7212's flat 3450 gas. */
export const p256verifyRip7212: Precompile = { ...p256verify, gas: () => P256VERIFY_RIP7212_GAS };
