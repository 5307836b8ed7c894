/**
 * @file BLAKE2F (0x09, Istanbul; EIP-152 https://eips.ethereum.org/EIPS/eip-152): the BLAKE2b compression
 * function F (RFC 7693 §3.2) with a caller-chosen number of rounds. Input exactly 213 bytes: rounds (4-byte
 * big-endian), h (8 little-endian 64-bit words), m (16 words), t (2 words), f (one byte, 0 or 1); anything else
 * fails with 'value out of range' before pricing. Gas: 1 per round. Output: the new h, 64 bytes little-endian.
 *
 * @noble/hashes only exposes whole-message BLAKE2b with 12 rounds, so F is written here over 32-bit halves
 * (lo, hi) of each 64-bit word: the round count can reach 2^32 − 1, so this loop must be fast.
 */
import { ERR, type Precompile, fail, ok } from './types.ts';

/** BLAKE2b IV (= SHA-512 IV) as (lo, hi) pairs. */
const IV = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

/** RFC 7693 message schedule σ, 10 rows of 16; round i uses row i mod 10. */
const SIGMA = Uint8Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
  7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
  2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
  13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
  10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
]);

/**
 * The mixing function G on words a, b, c, d of `v` with message words x, y of `m` (indices are word numbers;
 * word k lives at [2k] = low half, [2k+1] = high half).
 */
function g(v: Uint32Array, m: Uint32Array, a: number, b: number, c: number, d: number, x: number, y: number): void {
  a <<= 1; b <<= 1; c <<= 1; d <<= 1; x <<= 1; y <<= 1;
  let al = v[a], ah = v[a + 1], bl = v[b], bh = v[b + 1], cl = v[c], ch = v[c + 1], dl = v[d], dh = v[d + 1];
  let t: number, u: number;
  // a = a + b + x
  t = (al + bl) >>> 0; ah = (ah + bh + (t < al ? 1 : 0)) >>> 0; al = t;
  t = (al + m[x]) >>> 0; ah = (ah + m[x + 1] + (t < al ? 1 : 0)) >>> 0; al = t;
  // d = (d ^ a) >>> 32
  t = dl ^ al; dl = dh ^ ah; dh = t;
  // c = c + d
  t = (cl + dl) >>> 0; ch = (ch + dh + (t < cl ? 1 : 0)) >>> 0; cl = t;
  // b = (b ^ c) >>> 24
  t = bl ^ cl; u = bh ^ ch; bl = ((t >>> 24) | (u << 8)) >>> 0; bh = ((u >>> 24) | (t << 8)) >>> 0;
  // a = a + b + y
  t = (al + bl) >>> 0; ah = (ah + bh + (t < al ? 1 : 0)) >>> 0; al = t;
  t = (al + m[y]) >>> 0; ah = (ah + m[y + 1] + (t < al ? 1 : 0)) >>> 0; al = t;
  // d = (d ^ a) >>> 16
  t = dl ^ al; u = dh ^ ah; dl = ((t >>> 16) | (u << 16)) >>> 0; dh = ((u >>> 16) | (t << 16)) >>> 0;
  // c = c + d
  t = (cl + dl) >>> 0; ch = (ch + dh + (t < cl ? 1 : 0)) >>> 0; cl = t;
  // b = (b ^ c) >>> 63, i.e. rotate left by 1
  t = bl ^ cl; u = bh ^ ch; bl = ((t << 1) | (u >>> 31)) >>> 0; bh = ((u << 1) | (t >>> 31)) >>> 0;
  v[a] = al; v[a + 1] = ah; v[b] = bl; v[b + 1] = bh; v[c] = cl; v[c + 1] = ch; v[d] = dl; v[d + 1] = dh;
}

/** RFC 7693's F: compresses `m` into `h` (both (lo, hi) pairs, `h` updated in place). */
export function blake2bF(h: Uint32Array, m: Uint32Array, t0: [number, number], t1: [number, number], last: boolean, rounds: number): void {
  const v = new Uint32Array(32);
  v.set(h, 0);
  v.set(IV, 16);
  v[24] ^= t0[0]; v[25] ^= t0[1]; // v12 ^= t0
  v[26] ^= t1[0]; v[27] ^= t1[1]; // v13 ^= t1
  if (last) { v[28] = ~v[28]; v[29] = ~v[29]; } // v14 = ~v14
  for (let r = 0; r < rounds; r++) {
    const s = (r % 10) * 16;
    g(v, m, 0, 4, 8, 12, SIGMA[s], SIGMA[s + 1]);
    g(v, m, 1, 5, 9, 13, SIGMA[s + 2], SIGMA[s + 3]);
    g(v, m, 2, 6, 10, 14, SIGMA[s + 4], SIGMA[s + 5]);
    g(v, m, 3, 7, 11, 15, SIGMA[s + 6], SIGMA[s + 7]);
    g(v, m, 0, 5, 10, 15, SIGMA[s + 8], SIGMA[s + 9]);
    g(v, m, 1, 6, 11, 12, SIGMA[s + 10], SIGMA[s + 11]);
    g(v, m, 2, 7, 8, 13, SIGMA[s + 12], SIGMA[s + 13]);
    g(v, m, 3, 4, 9, 14, SIGMA[s + 14], SIGMA[s + 15]);
  }
  for (let i = 0; i < 16; i++) h[i] = h[i] ^ v[i] ^ v[i + 16];
}

/** Little-endian 32-bit halves of `n` 64-bit words of `b` from `off`. */
function halves(b: Uint8Array, off: number, n: number): Uint32Array {
  const dv = new DataView(b.buffer, b.byteOffset + off, 8 * n);
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) out[i] = dv.getUint32(4 * i, true);
  return out;
}

const valid = (input: Uint8Array): boolean => input.length === 213 && (input[212] === 0 || input[212] === 1);

export const blake2f: Precompile = {
  name: 'BLAKE2F',
  gas: (input) => (valid(input) ? BigInt(new DataView(input.buffer, input.byteOffset, 4).getUint32(0)) : 0n),
  run(input) {
    if (!valid(input)) return fail(ERR.outOfRange);
    const rounds = new DataView(input.buffer, input.byteOffset, 4).getUint32(0);
    const h = halves(input, 4, 8);
    const m = halves(input, 68, 16);
    const t = halves(input, 196, 2);
    blake2bF(h, m, [t[0], t[1]], [t[2], t[3]], input[212] === 1, rounds);
    const out = new Uint8Array(64);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < 16; i++) dv.setUint32(4 * i, h[i], true);
    return ok(out);
  },
};
