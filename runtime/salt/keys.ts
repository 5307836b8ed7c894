/**
 * @file SALT keys, values and their encodings (SPEC.md §3.1, §3.2), plus the EVM mapping.
 *
 * Stage: vocabulary shared by the SHI tables, the trie, witnesses and the store.
 * Input: bucket/slot ids, plain keys and values, EVM accounts and storage slots.
 * Output: `SaltKey` (u64 as bigint on the wire, (bucket, slot) numbers internally), `SaltValue`
 * (`key_len u8 | value_len u8 | key | value`, 94 bytes on the wire), 12-byte `BucketMeta`, and the
 * slot scalar `kv_hash`.
 * Invariants: SaltKey = bucket << 40 | slot (24 + 40 bits); metadata of data bucket b lives at
 * SaltKey(b >> 8, b % 256); `kv_hash` hashes key ‖ value without the two length bytes; an empty data
 * slot hashes to 0x0101…01 and an absent metadata slot means the default meta {nonce 0, capacity 256}.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { keccak256 } from '../state/keccak.ts';
import { bigintToBe32, frFromLeBytesModOrder } from './field.ts';
import { NUM_META_BUCKETS } from './hasher.ts';
import { kvHashKernel, kvHashWordsKernel } from './kernel/index.ts';

/** Bits of the slot part of a SaltKey. */
export const SLOT_BITS = 40;
/** Minimum (and default) bucket capacity. */
export const MIN_BUCKET_SIZE = 256;
/** Largest capacity a bucket may reach (2^40 slots). */
export const MAX_BUCKET_SIZE = 2 ** 40;
/** Fixed on-wire size of a `SaltValue` (serde writes all 94 bytes). */
export const SALT_VALUE_BYTES = 94;

/** A stored plain key/value pair (the `SaltValue` payload). */
export interface SaltValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Per-bucket metadata. `used` is not part of the serialised form. */
export interface BucketMeta {
  readonly nonce: number;
  readonly capacity: number;
}

/** The default metadata of every bucket. */
export const DEFAULT_META: BucketMeta = { nonce: 0, capacity: MIN_BUCKET_SIZE };

/** Compose a SaltKey (u64). */
export function saltKey(bucket: number, slot: number): bigint {
  return (BigInt(bucket) << 40n) | BigInt(slot);
}

/** Split a SaltKey into (bucket, slot). */
export function splitSaltKey(k: bigint): { bucket: number; slot: number } {
  return { bucket: Number(k >> 40n), slot: Number(k & ((1n << 40n) - 1n)) };
}

/** Where the metadata of data bucket `b` is stored (`bucket_metadata_key`). */
export function metadataLocation(b: number): { bucket: number; slot: number } {
  return { bucket: Math.floor(b / 256), slot: b % 256 };
}

/** Is `bucket` a metadata bucket (0..65 535)? */
export function isMetaBucket(bucket: number): boolean {
  return bucket < NUM_META_BUCKETS;
}

/** 12-byte BucketMeta encoding: nonce u32 LE ‖ capacity u64 LE. */
export function encodeMeta(m: BucketMeta): Uint8Array {
  const out = new Uint8Array(12);
  const v = new DataView(out.buffer);
  v.setUint32(0, m.nonce >>> 0, true);
  v.setBigUint64(4, BigInt(m.capacity), true);
  return out;
}

/** Decode a 12-byte BucketMeta; throws on a wrong length. */
export function decodeMeta(b: Uint8Array): BucketMeta {
  if (b.length !== 12) throw new Error(`bucket meta must be 12 bytes, got ${b.length}`);
  const v = new DataView(b.buffer, b.byteOffset, 12);
  return { nonce: v.getUint32(0, true), capacity: Number(v.getBigUint64(4, true)) };
}

/** The metadata slot's SaltValue: key = 12-byte meta, empty value. */
export function metaSaltValue(m: BucketMeta): SaltValue {
  return { key: encodeMeta(m), value: new Uint8Array(0) };
}

/** Encode a SaltValue into its fixed 94-byte wire form. */
export function encodeSaltValue(v: SaltValue): Uint8Array {
  if (v.key.length + v.value.length > SALT_VALUE_BYTES - 2) throw new Error('SaltValue too large');
  const out = new Uint8Array(SALT_VALUE_BYTES);
  out[0] = v.key.length;
  out[1] = v.value.length;
  out.set(v.key, 2);
  out.set(v.value, 2 + v.key.length);
  return out;
}

/** Decode a 94-byte SaltValue; throws if the lengths overflow the array. */
export function decodeSaltValue(b: Uint8Array): SaltValue {
  const kl = b[0];
  const vl = b[1];
  if (2 + kl + vl > b.length) throw new Error(`SaltValue lengths ${kl}+${vl} overflow ${b.length} bytes`);
  return { key: b.slice(2, 2 + kl), value: b.slice(2 + kl, 2 + kl + vl) };
}

/** Scalar of an empty slot: Fr::from_le_bytes_mod_order([1u8; 32]). */
export const EMPTY_SLOT_SCALAR = frFromLeBytesModOrder(new Uint8Array(32).fill(1));

/**
 * `kv_hash` of an occupied slot: Fr::from_le_bytes_mod_order(blake3(key ‖ value)), computed by the
 * wasm kernel (noble's JavaScript BLAKE3 took ~10 µs per slot, the largest per-key cost).
 */
export function kvHash(v: SaltValue): bigint {
  return kvHashKernel(v.key, v.value);
}

const EMPTY_SLOT_WORDS = (() => {
  const w = new Uint32Array(8);
  let v = EMPTY_SLOT_SCALAR;
  for (let i = 0; i < 8; i++, v >>= 32n) w[i] = Number(v & 0xffffffffn);
  return w;
})();

/**
 * A data slot's scalar as 8 canonical little-endian words (the batch paths' form, no BigInt): `kvHash`, or the
 * empty-slot scalar when `v` is undefined.
 */
export function dataSlotWords(v: SaltValue | undefined, out: Uint32Array, off: number): void {
  if (v) kvHashWordsKernel(v.key, v.value, out, off);
  else out.set(EMPTY_SLOT_WORDS, off);
}

/** The same with @noble/hashes' BLAKE3: the reference `kvHash` is tested against. */
export function kvHashReference(v: SaltValue): bigint {
  const buf = new Uint8Array(v.key.length + v.value.length);
  buf.set(v.key, 0);
  buf.set(v.value, v.key.length);
  return frFromLeBytesModOrder(blake3(buf));
}

/** Scalar of the default metadata slot (blake3 of `00000000 0001000000000000`). */
export const DEFAULT_META_SCALAR = kvHash(metaSaltValue(DEFAULT_META));

/** Slot scalar for a possibly empty slot of `bucket` (metadata slots are never empty). */
export function slotScalar(bucket: number, v: SaltValue | undefined): bigint {
  if (v) return kvHash(v);
  return isMetaBucket(bucket) ? DEFAULT_META_SCALAR : EMPTY_SLOT_SCALAR;
}

/** Lexicographic byte-string order (shorter prefix is smaller) — the SHI priority order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// EVM mapping (stateless-validator `data_types.rs`, mega-evm `external/salt.rs`; SPEC §3.2)
// ---------------------------------------------------------------------------------------------

/** keccak256 of empty code: accounts with this code hash omit it from their SALT value. */
export const KECCAK_EMPTY = keccak256(new Uint8Array(0));

/** An EVM account as stored in SALT (code itself is not in SALT). */
export interface Account {
  readonly nonce: bigint;
  readonly balance: bigint;
  /** 32-byte code hash; `undefined` or keccak(empty) means no code. */
  readonly codeHash?: Uint8Array;
}

function u256Be(x: bigint): Uint8Array {
  if (x < 0n || x >= 1n << 256n) throw new RangeError('u256 out of range');
  return bigintToBe32(x);
}

function check20(address: Uint8Array): void {
  if (address.length !== 20) throw new Error(`address must be 20 bytes, got ${address.length}`);
}

/** Account key = the 20-byte address. */
export function accountKey(address: Uint8Array): Uint8Array {
  check20(address);
  return address.slice();
}

/** Is the account empty (nonce 0, balance 0, no code) — stored as a deletion. */
export function isEmptyAccount(a: Account): boolean {
  return a.nonce === 0n && a.balance === 0n && (!a.codeHash || bytesEqual(a.codeHash, KECCAK_EMPTY));
}

/**
 * Account value = nonce u64 BE (8) ‖ balance u256 BE (32) [‖ code_hash (32) iff code ≠ empty];
 * `undefined` for an empty account (deleted from SALT).
 */
export function accountValue(a: Account): Uint8Array | undefined {
  if (isEmptyAccount(a)) return undefined;
  if (a.nonce < 0n || a.nonce >= 1n << 64n) throw new RangeError('nonce out of range');
  const hasCode = a.codeHash !== undefined && !bytesEqual(a.codeHash, KECCAK_EMPTY);
  const out = new Uint8Array(hasCode ? 72 : 40);
  new DataView(out.buffer).setBigUint64(0, a.nonce, false);
  out.set(u256Be(a.balance), 8);
  if (hasCode) out.set(a.codeHash!, 40);
  return out;
}

/** Decode a 40- or 72-byte account value. */
export function decodeAccountValue(v: Uint8Array): Account {
  if (v.length !== 40 && v.length !== 72) throw new Error(`account value must be 40 or 72 bytes, got ${v.length}`);
  const nonce = new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, false);
  let balance = 0n;
  for (let i = 8; i < 40; i++) balance = (balance << 8n) | BigInt(v[i]);
  return { nonce, balance, codeHash: v.length === 72 ? v.slice(40, 72) : KECCAK_EMPTY };
}

/** Storage key = address (20) ‖ slot (32, BE) = 52 bytes. */
export function storageKey(address: Uint8Array, slot: bigint): Uint8Array {
  check20(address);
  const out = new Uint8Array(52);
  out.set(address, 0);
  out.set(u256Be(slot), 20);
  return out;
}

/** Storage value = u256 BE (32); `undefined` for zero (deleted from SALT). */
export function storageValue(v: bigint): Uint8Array | undefined {
  return v === 0n ? undefined : u256Be(v);
}
