/**
 * @file Prime-field arithmetic for SALT (SPEC.md §3.4).
 *
 * Stage: lowest layer of the SALT commitment stack.
 * Input: bigints and little/big-endian byte strings.
 * Output: canonical residues (bigints in [0, p)) and 32-byte encodings.
 * Invariants: every exported operation returns a fully reduced residue; byte encodings are exactly
 * 32 bytes. Two fields are involved: `Q` (the BLS12-381 scalar field, base field of Bandersnatch /
 * Banderwagon point coordinates) and `R` (the Banderwagon group order, the scalar field in which
 * slot hashes, `map_to_scalar` outputs and IPA challenges live).
 *
 * BigInt is used throughout: V8's BigInt multiplication of 256-bit operands is ~0.4 µs, which is
 * acceptable for proofs, witnesses and tests; the hot path of commitment updates runs in the
 * WebAssembly kernel instead (`kernel/kernel.c`, Montgomery arithmetic on 29-bit limbs).
 */

/** Base field modulus q (BLS12-381 scalar field); Banderwagon coordinates live here. */
export const Q = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
/** Banderwagon group order r; slot scalars, `map_to_scalar` and IPA scalars live here. */
export const R = 0x1cfb69d4ca675f520cce760202687600ff8f87007419047174fd06b52876e7e1n;

/** Reduce `a` into [0, m). */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Modular inverse by the extended Euclidean algorithm (faster than Fermat with BigInt). Throws on 0. */
export function inv(a: bigint, m: bigint): bigint {
  let r0 = mod(a, m);
  if (r0 === 0n) throw new RangeError('inverse of zero');
  let r1 = m;
  let s0 = 1n;
  let s1 = 0n;
  while (r1 !== 0n) {
    const qt = r0 / r1;
    [r0, r1] = [r1, r0 - qt * r1];
    [s0, s1] = [s1, s0 - qt * s1];
  }
  return mod(s0, m);
}

/** Modular exponentiation by square-and-multiply. */
export function pow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/**
 * Invert every element of `xs` with one inversion (Montgomery's trick). Zeros stay zero, which is
 * what callers normalising identity-like values want.
 */
export function batchInv(xs: readonly bigint[], m: bigint): bigint[] {
  const n = xs.length;
  const prefix = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    if (xs[i] !== 0n) acc = (acc * xs[i]) % m;
  }
  let accInv = n > 0 ? inv(acc, m) : 1n;
  const out = new Array<bigint>(n);
  for (let i = n - 1; i >= 0; i--) {
    if (xs[i] === 0n) {
      out[i] = 0n;
      continue;
    }
    out[i] = (accInv * prefix[i]) % m;
    accInv = (accInv * xs[i]) % m;
  }
  return out;
}

/**
 * Is `a` a square modulo the odd prime `m`? 0 counts as square. The Jacobi symbol by quadratic reciprocity (equal to
 * the Legendre symbol for a prime): ~7× faster than Euler's criterion a^((m−1)/2) with BigInt — every decompressed
 * commitment of a witness pays one (the subgroup check).
 */
export function isSquare(a: bigint, m: bigint): boolean {
  let x = mod(a, m);
  if (x === 0n) return true;
  let n = m;
  let t = 1;
  while (x !== 0n) {
    // Strip factors of two: (2/n) = −1 iff n ≡ 3, 5 (mod 8).
    let z = 0;
    while ((x & 0xffffffffn) === 0n) {
      x >>= 32n;
      z += 32;
    }
    const low = Number(x & 0xffffffffn);
    const tz = 31 - Math.clz32(low & -low);
    x >>= BigInt(tz);
    z += tz;
    if (z & 1) {
      const r = Number(n & 7n);
      if (r === 3 || r === 5) t = -t;
    }
    // Reciprocity: swap, flipping the sign when both are ≡ 3 (mod 4).
    const y = x;
    x = n;
    n = y;
    if (Number(x & 3n) === 3 && Number(n & 3n) === 3) t = -t;
    x %= n;
  }
  return n === 1n && t === 1;
}

// Tonelli–Shanks constants for Q: Q − 1 = 2^S · T with S = 32 (BLS12-381's two-adicity).
const TS_S = (() => {
  let s = 0n;
  let t = Q - 1n;
  while ((t & 1n) === 0n) {
    t >>= 1n;
    s++;
  }
  return { s, t };
})();
const TS_Z = (() => {
  for (let z = 2n; ; z++) if (!isSquare(z, Q)) return z;
})();

const TS_C = pow(TS_Z, TS_S.t, Q);

/**
 * Square root in F_q (Tonelli–Shanks), or `undefined` if `a` is not a square. Returns either root.
 * One exponentiation: w = n^((t−1)/2) gives both r = n^((t+1)/2) = w·n and n^t = w·r; the final
 * r² == n check replaces a separate Legendre test (decompression speed matters for witnesses).
 */
export function sqrtQ(a: bigint): bigint | undefined {
  const n = mod(a, Q);
  if (n === 0n) return 0n;
  const w = pow(n, (TS_S.t - 1n) >> 1n, Q);
  let r = (w * n) % Q;
  let t = (w * r) % Q;
  let m = TS_S.s;
  let c = TS_C;
  while (t !== 1n) {
    let i = 0n;
    let t2 = t;
    while (t2 !== 1n) {
      t2 = (t2 * t2) % Q;
      i++;
      if (i === m) return undefined; // not a square
    }
    let b = c;
    for (let j = 0n; j < m - i - 1n; j++) b = (b * b) % Q;
    m = i;
    c = (b * b) % Q;
    t = (t * c) % Q;
    r = (r * b) % Q;
  }
  return (r * r) % Q === n ? r : undefined;
}

/** Read an unsigned little-endian integer. */
export function leToBigint(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/** Read an unsigned big-endian integer. */
export function beToBigint(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = 0; i < bytes.length; i++) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/** 32-byte little-endian encoding of a value < 2^256 (arkworks `serialize_compressed` for field elements). */
export function bigintToLe32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = x;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** 32-byte big-endian encoding of a value < 2^256 (Banderwagon compressed points). */
export function bigintToBe32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = x;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** arkworks `Fr::from_le_bytes_mod_order`: interpret `bytes` as a little-endian integer, reduce mod r. */
export function frFromLeBytesModOrder(bytes: Uint8Array): bigint {
  return leToBigint(bytes) % R;
}

/** Lower-case hex without prefix. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Parse hex (optional 0x prefix, even length) into bytes; throws on malformed input. */
export function fromHex(hex: string): Uint8Array {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new Error(`invalid hex: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
