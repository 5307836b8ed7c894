/**
 * @file RLP written straight into one output array, sizes first, for the runtime's hot encoders (trie nodes,
 * receipts). Why not @ethereumjs/rlp there: its generic encoder (nested arrays, a concatenation per level) cost
 * ~9 µs per receipt of a plain transfer — a profile of `executeBlock` on 1,423 transfers: receipts root 10–29 ms,
 * 1–3× the block's execution. The byte layout is the Yellow Paper's (appendix B); test/runtime/rlp.test.ts compares
 * every function here with @ethereumjs/rlp.
 */

/** Bytes of the length field for a payload of `n` bytes (0 when it fits the prefix byte). */
function lengthOfLength(n: number): number {
  if (n < 56) return 0;
  let k = 1;
  while (n >= 256 ** k) k++;
  return k;
}

/** Encoded length of a header (string `base` 0x80, list `base` 0xc0) for a `payload`-byte body. */
export function headerLength(payload: number): number {
  return 1 + lengthOfLength(payload);
}

/** Write a header for a `payload`-byte body at `at` (0x80 for a string, 0xc0 for a list); returns the next offset. */
export function writeHeader(out: Uint8Array, at: number, payload: number, base: 0x80 | 0xc0): number {
  const k = lengthOfLength(payload);
  if (k === 0) {
    out[at] = base + payload;
    return at + 1;
  }
  out[at] = base + 55 + k;
  for (let i = k; i >= 1; i--, payload = Math.floor(payload / 256)) out[at + i] = payload % 256;
  return at + 1 + k;
}

/** Encoded length of the byte string `b[from, from + len)`. */
export function bytesLength(b: Uint8Array, from = 0, len = b.length - from): number {
  return len === 1 && b[from] < 0x80 ? 1 : headerLength(len) + len;
}

/** Write the byte string `b[from, from + len)` as an item; returns the next offset. */
export function writeBytes(out: Uint8Array, at: number, b: Uint8Array, from = 0, len = b.length - from): number {
  if (len === 1 && b[from] < 0x80) {
    out[at] = b[from];
    return at + 1;
  }
  at = writeHeader(out, at, len, 0x80);
  out.set(len === b.length ? b : b.subarray(from, from + len), at);
  return at + len;
}

/** Bytes of a non-negative integer's minimal big-endian form (0 → 0). */
function uintBytes(x: bigint): number {
  if (x < 0x20000000000000n) {
    let n = Number(x);
    let k = 0;
    while (n > 0) {
      k++;
      n = Math.floor(n / 256);
    }
    return k;
  }
  return (x.toString(16).length + 1) >> 1;
}

/** Encoded length of a non-negative integer item (minimal big-endian bytes; 0 is the empty string). */
export function uintLength(x: bigint): number {
  if (x < 0n) throw new RangeError('rlp: negative integer');
  return x < 128n ? 1 : 1 + uintBytes(x);
}

/** Write a non-negative integer item; returns the next offset. */
export function writeUint(out: Uint8Array, at: number, x: bigint): number {
  if (x < 0n) throw new RangeError('rlp: negative integer');
  if (x === 0n) {
    out[at] = 0x80;
    return at + 1;
  }
  if (x < 128n) {
    out[at] = Number(x);
    return at + 1;
  }
  const k = uintBytes(x);
  out[at] = 0x80 + k;
  if (k <= 6) {
    let n = Number(x);
    for (let i = k; i >= 1; i--, n = Math.floor(n / 256)) out[at + i] = n % 256;
  } else {
    // Through hex: a BigInt shift per byte was the top JS line of a sender-recovery profile (r, s, values, fees).
    const h = x.toString(16);
    Buffer.from(out.buffer, out.byteOffset, out.length).write(h.length & 1 ? '0' + h : h, at + 1, 'hex');
  }
  return at + 1 + k;
}

/** rlp(i) of a non-negative integer as its own array (the receipts and transactions tries' keys). */
export function encodeUint(x: bigint | number): Uint8Array {
  const v = BigInt(x);
  const out = new Uint8Array(uintLength(v));
  writeUint(out, 0, v);
  return out;
}

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

/** Write the 20 bytes of a `0x`-prefixed address as an item (0x94 ‖ bytes); returns the next offset. */
export function writeAddress(out: Uint8Array, at: number, a: string): number {
  if (a.length !== 42) throw new RangeError(`rlp: not an address: ${a}`);
  out[at++] = 0x94;
  for (let i = 2; i < 42; i += 2) {
    const hi = HEX[a.charCodeAt(i)];
    const lo = HEX[a.charCodeAt(i + 1)];
    if (hi < 0 || lo < 0 || hi === undefined || lo === undefined) throw new RangeError(`rlp: not an address: ${a}`);
    out[at++] = (hi << 4) | lo;
  }
  return at;
}
