/**
 * @file MODEXP (0x05, Byzantium; EIP-198 https://eips.ethereum.org/EIPS/eip-198): `base^exp mod mod` over
 * big-endian integers. Input: three 32-byte lengths (bLen, eLen, mLen) then the three numbers; reading past the
 * end of the input reads zeros. Output: the result left-padded to mLen bytes (mLen zero bytes when mod = 0).
 *
 * Pricing, from the lengths and the adjusted exponent length (the bit length − 1 of the exponent's first 32 bytes,
 * plus 8 — 16 from Osaka, EIP-7883 — per exponent byte past 32, at least 1):
 * - Byzantium..Istanbul (EIP-198): `mult_complexity(max(bLen, mLen)) * adjExpLen / 20`, piecewise complexity.
 * - Berlin+ (EIP-2565 https://eips.ethereum.org/EIPS/eip-2565): `max(200, adjExpLen * ceil(maxLen/8)^2 / 3)`.
 * - Osaka (EIP-7883 https://eips.ethereum.org/EIPS/eip-7883): `max(500, adjExpLen * c)`, c = 16 when maxLen ≤ 32,
 *   else `2 * ceil(maxLen/8)^2`.
 *
 * Input bounds (checked after pricing): Osaka's EIP-7823 (https://eips.ethereum.org/EIPS/eip-7823) makes a length
 * above 1024 fail. Before Osaka, @ethereumjs/evm fails any length above 2^31 − 1 (an implementation limit of its
 * byte helpers, not in EIP-198; such calls cost billions of gas) and returns empty output without looking at the
 * exponent length when bLen = mLen = 0; this module does the same so that the two agree bit for bit.
 */
import { Fork } from '../../src/evm/forks.ts';
import { ERR, type Precompile, fail, ok, toBig, toBytes } from './types.ts';

/** The three lengths. */
function lengths(input: Uint8Array): [bigint, bigint, bigint] {
  return [word(input, 0), word(input, 32), word(input, 64)];
}

/** `len` bytes of `input` from `start` (a bigint offset), zero-filled past the end. */
function slice(input: Uint8Array, start: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  if (start < BigInt(input.length)) out.set(input.subarray(Number(start), Number(start) + len));
  return out;
}

const word = (input: Uint8Array, off: number): bigint => toBig(slice(input, BigInt(off), 32));

/** EIP-198's adjusted exponent length (before the max with 1), with EIP-7883's 16 per extra byte in Osaka. */
function adjustedExpLen(input: Uint8Array, bLen: bigint, eLen: bigint, fork: Fork): bigint {
  let head = toBig(slice(input, 96n + bLen, 32));
  if (eLen < 32n) head >>= 8n * (32n - eLen);
  const bits = BigInt(head.toString(2).length) - 1n; // index of the highest set bit (head > 0)
  const extra = eLen > 32n ? (eLen - 32n) * (fork >= Fork.Osaka ? 16n : 8n) : 0n;
  return extra + (head > 0n ? bits : 0n);
}

/** EIP-198's piecewise multiplication complexity. */
function multComplexity(x: bigint): bigint {
  if (x <= 64n) return x * x;
  if (x <= 1024n) return (x * x) / 4n + 96n * x - 3072n;
  return (x * x) / 16n + 480n * x - 199680n;
}

/** Left-to-right square-and-multiply over BigInt. */
function powMod(b: bigint, e: bigint, m: bigint): bigint {
  b %= m;
  let r = 1n % m;
  for (const bit of e.toString(2)) {
    r = (r * r) % m;
    if (bit === '1') r = (r * b) % m;
  }
  return r;
}

export const modexp: Precompile = {
  name: 'MODEXP',
  gas(input, fork) {
    const [bLen, eLen, mLen] = lengths(input);
    let adj = adjustedExpLen(input, bLen, eLen, fork);
    if (adj < 1n) adj = 1n;
    const maxLen = bLen > mLen ? bLen : mLen;
    if (fork < Fork.Berlin) return (adj * multComplexity(maxLen)) / 20n;
    const w = (maxLen + 7n) / 8n;
    if (fork >= Fork.Osaka) {
      const g = adj * (maxLen > 32n ? 2n * w * w : 16n);
      return g < 500n ? 500n : g;
    }
    const g = (adj * w * w) / 3n;
    return g < 200n ? 200n : g;
  },
  run(input, fork) {
    const [bLen, eLen, mLen] = lengths(input);
    const osaka = fork >= Fork.Osaka;
    if (!osaka && bLen === 0n && mLen === 0n) return ok(new Uint8Array(0));
    const max = osaka ? 1024n : 2147483647n;
    if (bLen > max || eLen > max || mLen > max) return fail(ERR.outOfGas);
    const b = toBig(slice(input, 96n, Number(bLen)));
    const e = toBig(slice(input, 96n + bLen, Number(eLen)));
    const m = toBig(slice(input, 96n + bLen + eLen, Number(mLen)));
    const n = Number(mLen);
    return ok(m === 0n ? new Uint8Array(n) : toBytes(powMod(b, e, m), n));
  },
};
