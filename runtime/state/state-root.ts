/**
 * @file Post-state root and logs hash, as the state tests define them (../shared/statetests/README.md §4):
 * - state root: secure Merkle-Patricia trie, key keccak256(address), value rlp([nonce, balance, storageRoot,
 *   codeHash]) with nonce and balance as minimal big-endian bytes;
 * - storage root: secure trie, key keccak256(slot as 32 bytes), value rlp(value without leading zeros), zero
 *   values omitted;
 * - logs hash: keccak256(rlp([[address, [topic…], data]…])).
 *
 * The trie root is computed in one pass over the sorted hashed keys (synchronous, no node database):
 * leaf / extension / branch nodes with hex-prefix paths, nodes whose RLP is shorter than 32 bytes embedded in
 * their parent, the root always hashed. test/statetest checks it against @ethereumjs/mpt (`createMPT` with
 * `useKeyHashing`), which {@link stateRootMPT} uses.
 */
import { createMPT } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { keccak256, keccak256Into } from './keccak.ts';
import { bytesLength, encodeUint, headerLength, writeBytes, writeHeader } from './rlp.ts';
import { topicWords } from './packed-log.ts';
import type { Log, WorldState } from './world.ts';

const EMPTY = new Uint8Array(0);
/** keccak256(rlp('')): root of an empty trie. */
export const EMPTY_TRIE_ROOT = keccak256(RLP.encode(EMPTY));
export const EMPTY_CODE_HASH = keccak256(EMPTY);

/** Minimal big-endian bytes of a non-negative integer (empty for 0). */
export function bigintToMinimalBytes(x: bigint): Uint8Array {
  if (x === 0n) return EMPTY;
  const h = x.toString(16);
  return Buffer.from(h.length % 2 ? '0' + h : h, 'hex');
}

/** 32-byte big-endian word. */
export function word32(x: bigint): Uint8Array {
  return Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
}

const nibble = (key: Uint8Array, i: number): number => (i & 1 ? key[i >> 1] & 0x0f : key[i >> 1] >> 4);

/** Hex-prefix encoding of key nibbles [from, to). */
function hexPrefix(key: Uint8Array, from: number, to: number, leaf: boolean): Uint8Array {
  const n = to - from;
  const odd = n & 1;
  const out = new Uint8Array(1 + (n >> 1));
  out[0] = ((leaf ? 2 : 0) + odd) << 4;
  let j = from;
  if (odd) out[0] |= nibble(key, j++);
  for (let k = 1; j < to; k++, j += 2) out[k] = (nibble(key, j) << 4) | nibble(key, j + 1);
  return out;
}

/** A child as its parent holds it: the node's own RLP when shorter than 32 bytes, else the item 0xa0 ‖ keccak(RLP). */
function ref(enc: Uint8Array): Uint8Array {
  if (enc.length < 32) return enc;
  const out = new Uint8Array(33);
  out[0] = 0xa0;
  keccak256Into(enc, out, 1);
  return out;
}

/** A two-item list node: [hex-prefix path, second], `second` already encoded as an item. */
function pair(path: Uint8Array, second: Uint8Array): Uint8Array {
  const payload = bytesLength(path) + second.length;
  const out = new Uint8Array(headerLength(payload) + payload);
  out.set(second, writeBytes(out, writeHeader(out, 0, payload, 0xc0), path));
  return out;
}

/** The RLP of the node for the sorted `items` (prefix-free keys) from nibble `depth`. */
function build(items: [Uint8Array, Uint8Array][], lo: number, hi: number, depth: number): Uint8Array {
  if (hi - lo === 1) {
    const [key, value] = items[lo];
    const path = hexPrefix(key, depth, key.length * 2, true);
    const payload = bytesLength(path) + bytesLength(value);
    const out = new Uint8Array(headerLength(payload) + payload);
    writeBytes(out, writeBytes(out, writeHeader(out, 0, payload, 0xc0), path), value);
    return out;
  }
  // Common prefix of the first and last key (sorted) from depth; prefix-free keys differ before the shorter ends.
  const a = items[lo][0];
  const b = items[hi - 1][0];
  const nibbles = Math.min(a.length, b.length) * 2;
  let p = depth;
  while (p < nibbles && nibble(a, p) === nibble(b, p)) p++;
  if (p > depth) return pair(hexPrefix(a, depth, p, false), ref(build(items, lo, hi, p)));
  // A branch: 16 children (an absent one is the empty string 0x80) and an empty value (keys are prefix-free).
  const children: (Uint8Array | undefined)[] = new Array(16);
  let payload = 17;
  let i = lo;
  while (i < hi) {
    const nb = nibble(items[i][0], depth);
    let j = i + 1;
    while (j < hi && nibble(items[j][0], depth) === nb) j++;
    const c = ref(build(items, i, j, depth + 1));
    children[nb] = c;
    payload += c.length - 1;
    i = j;
  }
  return branch(children, payload);
}

/** A branch node: 16 children (an absent one is the empty string 0x80) and an empty value; `payload` its RLP payload length. */
function branch(children: (Uint8Array | undefined)[], payload: number): Uint8Array {
  const out = new Uint8Array(headerLength(payload) + payload);
  let at = writeHeader(out, 0, payload, 0xc0);
  for (let k = 0; k < 16; k++) {
    const c = children[k];
    if (c === undefined) out[at++] = 0x80;
    else {
      out.set(c, at);
      at += c.length;
    }
  }
  out[at] = 0x80;
  return out;
}

function compareBytes(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Root of a trie holding `entries`, values non-empty and keys prefix-free (no key starts with another, so no
 * branch holds a value): hashed keys, or rlp(index) keys as the receipts and transactions tries use.
 */
export function trieRoot(entries: [Uint8Array, Uint8Array][]): Uint8Array {
  if (entries.length === 0) return EMPTY_TRIE_ROOT;
  const items = [...entries].sort((x, y) => compareBytes(x[0], y[0]));
  return keccak256(build(items, 0, items.length, 0));
}

/** Storage root of an account's non-zero slots. */
export function storageRoot(slots: Iterable<[bigint, bigint]>): Uint8Array {
  const entries: [Uint8Array, Uint8Array][] = [];
  for (const [k, v] of slots) if (v !== 0n) entries.push([keccak256(word32(k)), RLP.encode(bigintToMinimalBytes(v))]);
  return trieRoot(entries);
}

/** RLP of an account as the state trie stores it. */
export function accountRlp(nonce: bigint, balance: bigint, stRoot: Uint8Array, codeHash: Uint8Array): Uint8Array {
  return RLP.encode([bigintToMinimalBytes(nonce), bigintToMinimalBytes(balance), stRoot, codeHash]);
}

const addrBytes = (a: string): Uint8Array => Buffer.from(a.slice(2), 'hex');

/** Entries (hashed key, account RLP) of every account that exists in `world`. */
function accountEntries(world: WorldState): [Uint8Array, Uint8Array][] {
  const out: [Uint8Array, Uint8Array][] = [];
  for (const a of world.addresses()) {
    const acc = world.getAccount(a)!;
    const codeHash = acc.code.length ? keccak256(acc.code) : EMPTY_CODE_HASH;
    out.push([keccak256(addrBytes(a)), accountRlp(acc.nonce, acc.balance, storageRoot(world.storageEntries(a)), codeHash)]);
  }
  return out;
}

/** State root of `world` (every account that exists now, with its storage). */
export function stateRoot(world: WorldState): Uint8Array {
  return trieRoot(accountEntries(world));
}

/** The same root through @ethereumjs/mpt (a cross-check for tests). */
export async function stateRootMPT(world: WorldState): Promise<Uint8Array> {
  const trie = await createMPT({ useKeyHashing: true });
  for (const a of world.addresses()) {
    const acc = world.getAccount(a)!;
    const st = await createMPT({ useKeyHashing: true });
    for (const [k, v] of world.storageEntries(a)) if (v !== 0n) await st.put(word32(k), RLP.encode(bigintToMinimalBytes(v)));
    const codeHash = acc.code.length ? keccak256(acc.code) : EMPTY_CODE_HASH;
    await trie.put(addrBytes(a), accountRlp(acc.nonce, acc.balance, st.root(), codeHash));
  }
  return trie.root();
}

/** keccak256(rlp(logs)); the empty list hashes to 0x1dcc4de8…. */
export function logsHash(logs: readonly Log[]): Uint8Array {
  return keccak256(RLP.encode(logs.map((l) => [addrBytes(l.address), topicWords(l), l.data])));
}

export const toHex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');

/**
 * The shape of a trie keyed rlp(0) … rlp(n − 1) (the receipts and transactions tries). Where each key's leaf sits
 * depends only on n, so a leaf can be encoded and hashed — by any thread — as soon as its value is known, and the
 * branches built from the leaves' references at the end: the parallel executor hashes receipts while the block is
 * still running (leaf hashing was most of W1's receipts root, 7.5 ms against 8.2 ms of execution).
 */
export class IndexTrie {
  private static readonly recent: IndexTrie[] = [];
  /** rlp(i) by index; the indices in key order; each leaf's depth in nibbles (where its hex-prefix path starts). */
  private readonly keys: Uint8Array[];
  private readonly sorted: Int32Array;
  private readonly depth: Uint8Array;
  private scratch = new Uint8Array(1024);

  private constructor(readonly n: number) {
    this.keys = Array.from({ length: n }, (_, i) => encodeUint(i));
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => compareBytes(this.keys[x], this.keys[y]));
    this.sorted = Int32Array.from(order);
    this.depth = new Uint8Array(n);
    if (n > 0) this.place(0, n, 0);
  }

  /** The shape for n keys (the last few are kept: blocks of one size repeat). */
  static of(n: number): IndexTrie {
    const r = IndexTrie.recent;
    let t = r.find((x) => x.n === n);
    if (!t) {
      t = new IndexTrie(n);
      if (r.length >= 4) r.shift();
      r.push(t);
    }
    return t;
  }

  /** Record each leaf's depth, descending as `build` does. */
  private place(lo: number, hi: number, depth: number): void {
    if (hi - lo === 1) {
      this.depth[this.sorted[lo]] = depth;
      return;
    }
    const p = this.common(lo, hi, depth);
    if (p > depth) return this.place(lo, hi, p);
    for (let i = lo; i < hi; ) {
      const j = this.group(i, hi, depth);
      this.place(i, j, depth + 1);
      i = j;
    }
  }

  /** The nibble where the keys at sorted positions [lo, hi) first differ, from `depth`. */
  private common(lo: number, hi: number, depth: number): number {
    const a = this.keys[this.sorted[lo]];
    const b = this.keys[this.sorted[hi - 1]];
    const nibbles = Math.min(a.length, b.length) * 2;
    let p = depth;
    while (p < nibbles && nibble(a, p) === nibble(b, p)) p++;
    return p;
  }

  /** The end of the run of sorted positions from `i` sharing nibble `depth`. */
  private group(i: number, hi: number, depth: number): number {
    const nb = nibble(this.keys[this.sorted[i]], depth);
    let j = i + 1;
    while (j < hi && nibble(this.keys[this.sorted[j]], depth) === nb) j++;
    return j;
  }

  /**
   * Leaf i holding `value` as its parent refers to it — its RLP when shorter than 32 bytes, else 0xa0 ‖ keccak(RLP) —
   * written at `out[at]`; returns the length (at most 33).
   */
  leafRef(i: number, value: Uint8Array, out: Uint8Array, at: number): number {
    const key = this.keys[i];
    const path = hexPrefix(key, this.depth[i], key.length * 2, true);
    const payload = bytesLength(path) + bytesLength(value);
    const len = headerLength(payload) + payload;
    if (len < 32) {
      writeBytes(out, writeBytes(out, writeHeader(out, at, payload, 0xc0), path), value);
      return len;
    }
    if (this.scratch.length < len) this.scratch = new Uint8Array(Math.max(len, 2 * this.scratch.length));
    const enc = this.scratch;
    writeBytes(enc, writeBytes(enc, writeHeader(enc, 0, payload, 0xc0), path), value);
    out[at] = 0xa0;
    keccak256Into(enc.subarray(0, len), out, at + 1);
    return 33;
  }

  /** The root, from every leaf's reference (what {@link leafRef} wrote for index i). */
  root(refOf: (i: number) => Uint8Array): Uint8Array {
    if (this.n === 0) return EMPTY_TRIE_ROOT;
    if (this.n === 1) {
      // The root node is always hashed, even when shorter than 32 bytes.
      const r = refOf(0);
      return r.length === 33 ? r.slice(1) : keccak256(r);
    }
    return keccak256(this.node(refOf, 0, this.n, 0));
  }

  /** The RLP of the inner node over sorted positions [lo, hi) (at least two keys) from nibble `depth`. */
  private node(refOf: (i: number) => Uint8Array, lo: number, hi: number, depth: number): Uint8Array {
    const p = this.common(lo, hi, depth);
    if (p > depth) return pair(hexPrefix(this.keys[this.sorted[lo]], depth, p, false), this.child(refOf, lo, hi, p));
    const children: (Uint8Array | undefined)[] = new Array(16);
    let payload = 17;
    for (let i = lo; i < hi; ) {
      const j = this.group(i, hi, depth);
      const c = this.child(refOf, i, j, depth + 1);
      children[nibble(this.keys[this.sorted[i]], depth)] = c;
      payload += c.length - 1;
      i = j;
    }
    return branch(children, payload);
  }

  private child(refOf: (i: number) => Uint8Array, lo: number, hi: number, depth: number): Uint8Array {
    return hi - lo === 1 ? refOf(this.sorted[lo]) : ref(this.node(refOf, lo, hi, depth));
  }
}
