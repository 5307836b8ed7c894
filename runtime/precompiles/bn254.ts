/**
 * @file Encoding of alt_bn128 (bn254) points for the precompiles 0x06–0x08 (EIP-196
 * https://eips.ethereum.org/EIPS/eip-196, EIP-197 https://eips.ethereum.org/EIPS/eip-197), over @noble/curves —
 * the library @ethereumjs/evm's default backend uses, called the same way so that every accepted and rejected
 * input agrees.
 *
 * - G1: x, y as 32-byte big-endian words; (0, 0) is the point at infinity; otherwise both must be < p and on
 *   y² = x³ + 3 (the group has cofactor 1, so no subgroup check is needed).
 * - G2: x = x_im·i + x_re and y likewise, encoded (x_im, x_re, y_im, y_re); all zero is infinity; every
 *   coordinate must be < p ('fp point not in field'), then the point must be on the twist and in the subgroup.
 */
import { bn254 } from '@noble/curves/bn254.js';

import { ERR, PrecompileError, isZero, toBig, toBytes } from './types.ts';

export type G1 = typeof bn254.G1.Point.BASE;
export type G2 = typeof bn254.G2.Point.BASE;
export const G1_ZERO: G1 = bn254.G1.Point.ZERO;
export const G2_ZERO: G2 = bn254.G2.Point.ZERO;
const P = bn254.fields.Fp.ORDER;

/** Decodes the 64-byte G1 point at `b[off..off+64)`; throws a plain Error (→ 'revert') when invalid. */
export function decodeG1(b: Uint8Array, off: number): G1 {
  if (isZero(b, off, off + 64)) return G1_ZERO;
  const p = bn254.G1.Point.fromAffine({ x: toBig(b.subarray(off, off + 32)), y: toBig(b.subarray(off + 32, off + 64)) });
  p.assertValidity();
  return p;
}

/** Encodes a G1 point as 64 bytes (infinity = zeros). */
export function encodeG1(p: G1): Uint8Array {
  const a = p.toAffine();
  const out = new Uint8Array(64);
  out.set(toBytes(a.x, 32), 0);
  out.set(toBytes(a.y, 32), 32);
  return out;
}

/** Decodes the 128-byte G2 point at `b[off..off+128)`. */
export function decodeG2(b: Uint8Array, off: number): G2 {
  if (isZero(b, off, off + 128)) return G2_ZERO;
  const [xIm, xRe, yIm, yRe] = [0, 1, 2, 3].map((i) => toBig(b.subarray(off + 32 * i, off + 32 * i + 32)));
  for (const c of [xRe, xIm, yRe, yIm]) if (c >= P) throw new PrecompileError(ERR.fpNotInField);
  const Fp2 = bn254.fields.Fp2;
  const p = bn254.G2.Point.fromAffine({ x: Fp2.create({ c0: xRe, c1: xIm }), y: Fp2.create({ c0: yRe, c1: yIm }) });
  p.assertValidity();
  return p;
}
