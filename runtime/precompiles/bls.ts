/**
 * @file Encoding of BLS12-381 field elements and points for the EIP-2537 precompiles 0x0b–0x11
 * (https://eips.ethereum.org/EIPS/eip-2537), and their MSM pricing, over @noble/curves — the library of
 * @ethereumjs/evm's default BLS backend, called the same way so that every accepted and rejected input agrees.
 *
 * - Fp element: 64 bytes big-endian whose top 16 bytes must be zero (each precompile checks that first:
 *   'point not on curve'); the value must be < p.
 * - G1 point: x ‖ y (128 bytes); G2 point: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 (256 bytes); all zeros = infinity.
 *   A point must be on the curve; the subgroup check is skipped for ADD and done for MSM and PAIRING.
 * - Scalar: 32 bytes big-endian, any value (reduced mod r, which the subgroup check makes equivalent).
 *
 * Error messages follow ethereumjs: a coordinate ≥ p of a G2 point or mapped element is 'fp point not in field';
 * a G1 coordinate ≥ p (or y = 0) is rejected by the point constructor ('revert'); not on the curve / not in the
 * subgroup is 'point not on curve'.
 */
import { bls12_381 as bls } from '@noble/curves/bls12-381.js';

import { ERR, PrecompileError, isZero, toBig, toBytes } from './types.ts';

export type G1 = typeof bls.G1.Point.BASE;
export type G2 = typeof bls.G2.Point.BASE;
export const G1_ZERO: G1 = bls.G1.Point.ZERO;
export const G2_ZERO: G2 = bls.G2.Point.ZERO;
const P = bls.fields.Fp.ORDER;
const R = bls.fields.Fr.ORDER;
const SUBGROUP_ERROR = 'bad point: not in prime-order subgroup';

/** Whether the top 16 bytes of each 64-byte field element `b[off + 64i ..]`, i < n, are zero (EIP-2537 padding). */
export function paddingOk(b: Uint8Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (!isZero(b, off + 64 * i, off + 64 * i + 16)) return false;
  return true;
}

/** The field element at `b[off..off+64)`, which must be < p ('fp point not in field'). */
export function decodeFp(b: Uint8Array, off: number): bigint {
  const v = toBig(b.subarray(off, off + 64));
  if (v >= P) throw new PrecompileError(ERR.fpNotInField);
  return v;
}

/** Runs the point's validity check; a subgroup failure is tolerated when `subgroup` is false. */
function validate(p: G1 | G2, subgroup: boolean): void {
  try {
    p.assertValidity();
  } catch (e) {
    if (subgroup || (e as Error).message !== SUBGROUP_ERROR) throw new PrecompileError(ERR.pointNotOnCurve);
  }
}

/** Decodes the 128-byte G1 point at `off`. */
export function decodeG1(b: Uint8Array, off: number, subgroup: boolean): G1 {
  if (isZero(b, off, off + 128)) return G1_ZERO;
  const p = bls.G1.Point.fromAffine({ x: toBig(b.subarray(off, off + 64)), y: toBig(b.subarray(off + 64, off + 128)) });
  validate(p, subgroup);
  return p;
}

/** Decodes the 256-byte G2 point at `off`. */
export function decodeG2(b: Uint8Array, off: number, subgroup: boolean): G2 {
  if (isZero(b, off, off + 256)) return G2_ZERO;
  const [x0, x1, y0, y1] = [0, 1, 2, 3].map((i) => decodeFp(b, off + 64 * i));
  const Fp2 = bls.fields.Fp2;
  const p = bls.G2.Point.fromAffine({ x: Fp2.create({ c0: x0, c1: x1 }), y: Fp2.create({ c0: y0, c1: y1 }) });
  validate(p, subgroup);
  return p;
}

/** The 32-byte scalar at `off`, reduced mod r. */
export const decodeScalar = (b: Uint8Array, off: number): bigint => toBig(b.subarray(off, off + 32)) % R;

/** 128-byte encoding of a G1 point. */
export function encodeG1(p: G1): Uint8Array {
  const a = p.toAffine();
  const out = new Uint8Array(128);
  out.set(toBytes(a.x, 64), 0);
  out.set(toBytes(a.y, 64), 64);
  return out;
}

/** 256-byte encoding of a G2 point. */
export function encodeG2(p: G2): Uint8Array {
  const a = p.toAffine();
  const out = new Uint8Array(256);
  [a.x.c0, a.x.c1, a.y.c0, a.y.c1].forEach((c, i) => out.set(toBytes(c, 64), 64 * i));
  return out;
}

/** EIP-2537 MSM discount (per mille) for k = 1..128 pairs, G1; k > 128 uses the last entry. */
export const G1_DISCOUNT = [
  1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677,
  673, 669, 665, 661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627,
  625, 623, 621, 619, 617, 615, 613, 611, 609, 608, 606, 604, 603, 601, 599, 598,
  596, 595, 593, 592, 591, 589, 588, 586, 585, 584, 582, 581, 580, 579, 577, 576,
  575, 574, 573, 572, 570, 569, 568, 567, 566, 565, 564, 563, 562, 561, 560, 559,
  558, 557, 556, 555, 554, 553, 552, 551, 550, 549, 548, 547, 547, 546, 545, 544,
  543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534, 533, 532, 532, 531,
  530, 529, 528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520, 520, 519,
];

/** EIP-2537 MSM discount (per mille) for k = 1..128 pairs, G2. */
export const G2_DISCOUNT = [
  1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717,
  711, 704, 699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646,
  643, 640, 637, 634, 632, 629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607,
  606, 604, 602, 600, 598, 597, 595, 593, 592, 590, 589, 587, 586, 584, 583, 582,
  580, 579, 578, 576, 575, 574, 573, 571, 570, 569, 568, 567, 566, 565, 563, 562,
  561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 552, 551, 550, 549, 548, 547,
  546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537, 537, 536, 535, 535,
  534, 533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525, 524, 524,
];

/** EIP-2537 MSM price: `k * mulCost * discount(k) / 1000` (0 for k = 0). */
export function msmGas(k: number, mulCost: bigint, table: readonly number[]): bigint {
  if (k === 0) return 0n;
  const discount = table[Math.min(k, table.length) - 1];
  return (BigInt(k) * mulCost * BigInt(discount)) / 1000n;
}

/**
 * RFC 9380 map_to_curve + clear_cofactor for G1 (m = 1: noble takes one bigint) and G2 (m = 2: [c0, c1]). noble's
 * typings declare an affine result, but at run time it is a projective point (as @ethereumjs/evm relies on too).
 */
export const mapFpToG1 = (u: bigint): G1 => (bls.G1.mapToCurve as unknown as (u: bigint) => G1)(u);
export const mapFp2ToG2 = (c0: bigint, c1: bigint): G2 => (bls.G2.mapToCurve as unknown as (u: bigint[]) => G2)([c0, c1]);

export { bls };
