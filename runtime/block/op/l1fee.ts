/**
 * @file The OP L1 data fee of a transaction from Fjord on (OP specs `fjord/exec-engine.md`, `isthmus/…`), and the
 * L1 block parameters it reads from the L1Block predeploy's storage (docs/megaeth.md §2.3–2.4).
 *
 * fastlzSize = length of the raw EIP-2718 transaction compressed by FastLZ level 1 (the compressor of Solady's
 * LibZip, which op-geth and op-revm reproduce: only the output length matters);
 * estimatedSizeScaled = max(100e6, −42,585,600 + 836,500 × fastlzSize);
 * l1Cost = estimatedSizeScaled × (16 × l1BaseFee × baseFeeScalar + l1BlobBaseFee × blobBaseFeeScalar) / 1e12.
 * Isthmus operator fee = gas × operatorFeeScalar / 1e6 + operatorFeeConstant.
 */

/** Where L1Block keeps the values (slot numbers of the predeploy's storage layout). */
export const L1_BASE_FEE_SLOT = 1n;
export const L1_FEE_SCALARS_SLOT = 3n;
export const L1_BLOB_BASE_FEE_SLOT = 7n;
export const OPERATOR_FEE_SLOT = 8n;

/** What the fee formulas read from L1Block. */
export interface L1BlockInfo {
  l1BaseFee: bigint;
  l1BlobBaseFee: bigint;
  baseFeeScalar: bigint;
  blobBaseFeeScalar: bigint;
  operatorFeeScalar: bigint;
  operatorFeeConstant: bigint;
}

/** Bytes [from, from + n) of a 32-byte big-endian word, as an integer. */
function field(word: bigint, from: number, n: number): bigint {
  const shift = BigInt(8 * (32 - from - n));
  return (word >> shift) & ((1n << BigInt(8 * n)) - 1n);
}

/** The L1 block info from the predeploy's storage (`read(slot)` → the word). */
export function readL1BlockInfo(read: (slot: bigint) => bigint): L1BlockInfo {
  const scalars = read(L1_FEE_SCALARS_SLOT);
  const op = read(OPERATOR_FEE_SLOT);
  return {
    l1BaseFee: read(L1_BASE_FEE_SLOT),
    l1BlobBaseFee: read(L1_BLOB_BASE_FEE_SLOT),
    // Packed big-endian: baseFeeScalar in bytes 16..20, blobBaseFeeScalar in 20..24.
    baseFeeScalar: field(scalars, 16, 4),
    blobBaseFeeScalar: field(scalars, 20, 4),
    // operatorFeeScalar in bytes 20..24, operatorFeeConstant in 24..32.
    operatorFeeScalar: field(op, 20, 4),
    operatorFeeConstant: field(op, 24, 8),
  };
}

const HASH_BITS = 13;
const HASH_SIZE = 1 << HASH_BITS;
const MAX_DISTANCE = 8192;

/** Little-endian 24-bit value at i. */
const u24 = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
/** 13-bit hash of a 24-bit sequence (the multiplicative hash of FastLZ, 2654435769 = 2^32 / φ). */
const hash24 = (v: number): number => Number((BigInt(v) * 2654435769n) >> 19n) & (HASH_SIZE - 1);

/** Bytes FastLZ spends on `n` literal bytes: one control byte per run of up to 32. */
function literalCost(n: number): number {
  return 33 * Math.floor(n / 32) + (n % 32 === 0 ? 0 : (n % 32) + 1);
}

/** Bytes of one match of length `len` (≥ 3): 2 or 3 bytes per 262-byte chunk. */
function matchCost(len: number): number {
  const l = len - 1;
  return 3 * Math.floor(l / 262) + (l % 262 >= 6 ? 3 : 2);
}

/** Length of `input` compressed by FastLZ level 1 (Solady LibZip.flzCompress), without building the output. */
export function flzCompressLen(input: Uint8Array): number {
  const n = input.length;
  const limit = n < 13 ? 0 : n - 13;
  const table = new Int32Array(HASH_SIZE);
  let ip = 2;
  let anchor = 0;
  let size = 0;
  while (ip < limit) {
    // Find a 3-byte sequence seen within the last 8 KiB.
    let ref = 0;
    let found = false;
    while (true) {
      const seq = u24(input, ip);
      const h = hash24(seq);
      ref = table[h];
      table[h] = ip;
      const dist = ip - ref;
      if (ip >= limit) break;
      ip++;
      if (dist < MAX_DISTANCE && seq === u24(input, ref)) {
        found = true;
        break;
      }
    }
    // A match found exactly at the limit is not used either (the reference stops there too).
    if (!found || ip >= limit) break;
    ip--;
    if (ip > anchor) size += literalCost(ip - anchor);
    // Match length: 3 + the common run after the first three bytes, bounded by limit + 9 (the spec's quirk:
    // a mismatch at position i counts as i + 1).
    const p = ref + 3;
    const q = ip + 3;
    const max = limit + 9 - q;
    let len = max;
    for (let i = 0; i < max; i++) {
      if (input[p + i] !== input[q + i]) {
        len = i + 1;
        break;
      }
    }
    size += matchCost(len);
    ip += len;
    table[hash24(u24(input, ip))] = ip;
    ip++;
    table[hash24(u24(input, ip))] = ip;
    ip++;
    anchor = ip;
  }
  return size + literalCost(n - anchor);
}

const MIN_SIZE_SCALED = 100_000_000n;
const INTERCEPT = -42_585_600n;
const FASTLZ_COEF = 836_500n;

/** The Fjord L1 data fee of a raw (EIP-2718) non-deposit transaction. */
export function l1Cost(raw: Uint8Array, info: L1BlockInfo): bigint {
  const scaled = 16n * info.l1BaseFee * info.baseFeeScalar + info.l1BlobBaseFee * info.blobBaseFeeScalar;
  if (scaled === 0n || raw.length === 0) return 0n;
  let est = INTERCEPT + FASTLZ_COEF * BigInt(flzCompressLen(raw));
  if (est < MIN_SIZE_SCALED) est = MIN_SIZE_SCALED;
  return (est * scaled) / 1_000_000_000_000n;
}

/** Isthmus operator fee for `gas` (charged on the gas limit up front, the unused part refunded). */
export function operatorFee(gas: bigint, info: L1BlockInfo): bigint {
  return (gas * info.operatorFeeScalar) / 1_000_000n + info.operatorFeeConstant;
}
