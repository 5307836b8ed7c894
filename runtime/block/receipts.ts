/**
 * @file Receipts as the block header commits to them: the 2048-bit logs bloom (per receipt, OR-ed per block),
 * the consensus encoding of a receipt (pre-Byzantium `[postStateRoot, …]`, from Byzantium `[status, …]`, EIP-2718
 * typed envelopes `type ‖ rlp(…)` for non-legacy transactions) and the receipts root, a Merkle-Patricia trie
 * keyed by rlp(index) built with @ethereumjs/mpt.
 */
import { createMPT } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bigintToMinimalBytes, word32 } from '../state/state-root.ts';
import type { Log } from '../state/world.ts';

/** Bytes of a logs bloom. */
export const BLOOM_BYTES = 256;

/** One transaction's receipt. */
export interface Receipt {
  /** Transaction type (0 legacy … 4); selects the envelope. */
  type: number;
  /** Byzantium on: 1 success, 0 failure. */
  status?: 0 | 1;
  /** Before Byzantium: the state root after the transaction (when the caller could compute it). */
  postStateRoot?: Uint8Array;
  cumulativeGasUsed: bigint;
  logsBloom: Uint8Array;
  logs: Log[];
}

const addrBytes = (a: string): Uint8Array => Buffer.from(a.slice(2), 'hex');

/** Set the three bloom bits of `item` (keccak256 bytes 0–1, 2–3, 4–5, each taken mod 2048). */
function addToBloom(bloom: Uint8Array, item: Uint8Array): void {
  const h = keccak_256(item);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i] << 8) | h[i + 1]) & 2047;
    bloom[BLOOM_BYTES - 1 - (bit >> 3)] |= 1 << (bit & 7);
  }
}

/** Bloom of some logs: every emitting address and every topic. */
export function logsBloom(logs: readonly Log[]): Uint8Array {
  const bloom = new Uint8Array(BLOOM_BYTES);
  for (const l of logs) {
    addToBloom(bloom, addrBytes(l.address));
    for (const t of l.topics) addToBloom(bloom, word32(t));
  }
  return bloom;
}

/** OR `b` into `into`. */
export function orBloom(into: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < BLOOM_BYTES; i++) into[i] |= b[i];
}

/** The consensus encoding of a receipt (what the receipts trie stores). Throws when a pre-Byzantium root is missing. */
export function encodeReceipt(r: Receipt): Uint8Array {
  let first: Uint8Array;
  if (r.status !== undefined) first = r.status === 1 ? Uint8Array.of(1) : new Uint8Array(0);
  else if (r.postStateRoot !== undefined) first = r.postStateRoot;
  else throw new Error('receipt: neither a status nor a post-state root');
  const logs = r.logs.map((l) => [addrBytes(l.address), l.topics.map(word32), l.data]);
  const body = RLP.encode([first, bigintToMinimalBytes(r.cumulativeGasUsed), r.logsBloom, logs]);
  if (r.type === 0) return body;
  const out = new Uint8Array(body.length + 1);
  out[0] = r.type;
  out.set(body, 1);
  return out;
}

/** Root of the receipts trie (key rlp(index) → encoded receipt). */
export async function receiptsRoot(receipts: readonly Receipt[]): Promise<Uint8Array> {
  const trie = await createMPT();
  for (let i = 0; i < receipts.length; i++) await trie.put(RLP.encode(i), encodeReceipt(receipts[i]));
  return trie.root();
}
