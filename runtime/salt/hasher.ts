/**
 * @file SALT's key hasher: AHash v0.8.12 *fallback* with fixed seeds (SPEC.md §3.2).
 *
 * Stage: key → bucket mapping and SHI probe sequences.
 * Input: plain keys (20-byte addresses, 52-byte storage keys, arbitrary bytes).
 * Output: 64-bit hashes (bigint), bucket ids (number in [65 536, 2^24)).
 * Invariants: all reads little-endian (upstream #142); seeds are XORed with AHash's PI2 constants
 * (`RandomState::with_seeds`); `write` is called once with the raw bytes (no length prefix from
 * `Hash for [u8]`), then `finish`. The hot path runs in the wasm kernel (`salt_ahash`), ~10× faster
 * than BigInt; `ahashReference` is the BigInt original, kept for long inputs and as the test oracle.
 */

import { KERNEL_HASH_MAX, ahashKernel } from './kernel/index.ts';

const MASK64 = (1n << 64n) - 1n;
const MULTIPLE = 6364136223846793005n;
const ROT = 23n;
/** AHash's PI2 constants, XORed into `with_seeds` keys. */
const PI2 = [0x452821e638d01377n, 0xbe5466cf34e90c6cn, 0xc0ac29b7c97c50ddn, 0x3f84d5b5b5470917n];
/** SALT's fixed seeds (`state/hasher.rs` HASHER_SEEDS). */
const SEEDS = [0x921321f4n, 0x2ccb667en, 0x60d68842n, 0x077ada9dn];
const K = SEEDS.map((s, i) => s ^ PI2[i]);

/** Number of metadata buckets (buckets 0..65 535). */
export const NUM_META_BUCKETS = 65536;
/** Total number of buckets (main-trie leaves). */
export const NUM_BUCKETS = 1 << 24;
/** Number of data buckets. */
export const NUM_KV_BUCKETS = NUM_BUCKETS - NUM_META_BUCKETS;

function foldedMultiply(s: bigint, by: bigint): bigint {
  const r = s * by;
  return (r & MASK64) ^ (r >> 64n);
}

function rotl(x: bigint, r: bigint): bigint {
  const k = r & 63n;
  if (k === 0n) return x;
  return ((x << k) | (x >> (64n - k))) & MASK64;
}

function rdLe(data: Uint8Array, off: number, len: number): bigint {
  let v = 0n;
  for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[off + i]);
  return v;
}

/** AHash fallback `hasher.write(bytes); hasher.finish()` with SALT's seeds. Returns a u64. */
export function ahash(data: Uint8Array): bigint {
  return data.length <= KERNEL_HASH_MAX ? ahashKernel(data) : ahashReference(data);
}

/** The BigInt implementation: the reference the wasm kernel's `salt_ahash` is tested against. */
export function ahashReference(data: Uint8Array): bigint {
  let buffer = K[1];
  const pad = K[0];
  const extra0 = K[2];
  const extra1 = K[3];
  const largeUpdate = (lo: bigint, hi: bigint): void => {
    const combined = foldedMultiply(lo ^ extra0, hi ^ extra1);
    buffer = rotl(((buffer + pad) & MASK64) ^ combined, ROT);
  };
  const len = data.length;
  // `buffer = (buffer + len) * MULTIPLE` — an add, not an xor, so crafted input cannot cancel it.
  buffer = (((buffer + BigInt(len)) & MASK64) * MULTIPLE) & MASK64;
  if (len > 8) {
    if (len > 16) {
      largeUpdate(rdLe(data, len - 16, 8), rdLe(data, len - 8, 8)); // tail u128 first
      let off = 0;
      let rest = len;
      while (rest > 16) {
        largeUpdate(rdLe(data, off, 8), rdLe(data, off + 8, 8));
        off += 16;
        rest -= 16;
      }
    } else {
      largeUpdate(rdLe(data, 0, 8), rdLe(data, len - 8, 8));
    }
  } else {
    // read_small
    let lo = 0n;
    let hi = 0n;
    if (len >= 4) {
      lo = rdLe(data, 0, 4);
      hi = rdLe(data, len - 4, 4);
    } else if (len >= 2) {
      lo = rdLe(data, 0, 2);
      hi = BigInt(data[len - 1]);
    } else if (len === 1) {
      lo = hi = BigInt(data[0]);
    }
    largeUpdate(lo, hi);
  }
  const rot = buffer & 63n;
  return rotl(foldedMultiply(buffer, pad), rot);
}

/** `bucket_id(key) = hash(key) % 16 711 680 + 65 536` — always a data bucket. */
export function bucketId(key: Uint8Array): number {
  return Number(ahash(key) % BigInt(NUM_KV_BUCKETS)) + NUM_META_BUCKETS;
}

/** `hash_with_nonce(key, nonce) = hash(key ‖ nonce as u32 LE)` — the SHI probe hash. */
export function hashWithNonce(key: Uint8Array, nonce: number): bigint {
  if (key.length + 4 <= KERNEL_HASH_MAX) return ahashKernel(key, nonce);
  const buf = new Uint8Array(key.length + 4);
  buf.set(key, 0);
  new DataView(buf.buffer).setUint32(key.length, nonce >>> 0, true);
  return ahash(buf);
}
