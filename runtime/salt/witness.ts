/**
 * @file SALT witnesses: bincode decoding, query construction and verification (SPEC.md §3.5).
 *
 * Stage: stateless validation — check a block's SALT witness against the parent state root.
 * Input: a stateless-validator `.salt` file (bincode legacy: fixed-width LE ints, u64 lengths):
 * `op_attributes_hash: B256, parent_hash: B256, kvs: BTreeMap<u64, Option<[u8; 94]>>,
 * parents_commitments: BTreeMap<u64, [u8; 32]>, proof: Vec<u8> (576), levels: Map<u32, u8>`.
 * Output: `{ ok, reason? }`.
 * Invariants: the root commitment (node 0) hashes to the parent root; `levels` covers exactly the
 * witnessed buckets; `parents_commitments` holds exactly the nodes on the opened paths; every
 * witnessed slot opens its bucket/segment at slot % 256 to `kv_hash` (absent data slot → 0x01…01,
 * absent metadata slot → default meta), every path node opens its parent at its position to
 * `map_to_scalar(child)`; queries are ordered: internal nodes by node id, then leaf nodes (plain
 * buckets by main-leaf id, then segments by subtree id), points ascending — the upstream prover order.
 */
import { type Point, batchMapToScalar, decompress, hashCommitment } from './banderwagon.ts';
import { toHex } from './field.ts';
import { ecKernel } from './kernel/ec.ts';
import { POINT_WORDS, SCALAR_WORDS, pointToWords, wordsToBigint, wordsToPoint } from './kernel/index.ts';
import { NUM_META_BUCKETS } from './hasher.ts';
import { type SaltValue, DEFAULT_META_SCALAR, EMPTY_SLOT_SCALAR, SALT_VALUE_BYTES, decodeSaltValue, kvHash } from './keys.ts';
import { type VerifierQuery, type VerifyOptions, decodeMultiProof, verifyMultiProof } from './ipa.ts';
import { STARTING_NODE_ID } from './trie.ts';

/** A decoded SALT proof (`SaltProof`). */
export interface SaltProofData {
  /** Node id (main-trie id, or bucket << 40 | subtree local id) → compressed commitment. */
  readonly parentsCommitments: Map<bigint, Uint8Array>;
  readonly proof: Uint8Array;
  /** Bucket → number of subtree levels (1 = plain bucket, 2 = capacity ≤ 65 536, …). */
  readonly levels: Map<number, number>;
}

/** A decoded witness file. */
export interface WitnessFile {
  readonly opAttributesHash: Uint8Array;
  readonly parentHash: Uint8Array;
  /** SaltKey → value (undefined = proven empty / default). */
  readonly kvs: Map<bigint, SaltValue | undefined>;
  readonly saltProof: SaltProofData;
}

class Reader {
  off = 0;
  constructor(private readonly b: Uint8Array) {}
  private need(n: number): void {
    if (this.off + n > this.b.length) throw new Error(`truncated at byte ${this.off} (need ${n} more)`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.off++];
  }
  u32(): number {
    this.need(4);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.off, 4).getUint32(0, true);
    this.off += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.off, 8).getBigUint64(0, true);
    this.off += 8;
    return v;
  }
  len(): number {
    const n = this.u64();
    if (n > BigInt(this.b.length)) throw new Error(`length ${n} exceeds input`);
    return Number(n);
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.b.slice(this.off, this.off + n);
    this.off += n;
    return v;
  }
  get rest(): number {
    return this.b.length - this.off;
  }
}

/** Decode a bincode-legacy `SaltProof` from `r`. */
function readSaltProof(r: Reader): SaltProofData {
  const parentsCommitments = new Map<bigint, Uint8Array>();
  const n = r.len();
  let prev = -1n;
  for (let i = 0; i < n; i++) {
    const id = r.u64();
    if (id <= prev) throw new Error('parents_commitments not strictly increasing');
    prev = id;
    parentsCommitments.set(id, r.bytes(32));
  }
  const proof = r.bytes(r.len());
  const levels = new Map<number, number>();
  const m = r.len();
  for (let i = 0; i < m; i++) {
    const b = r.u32();
    if (levels.has(b)) throw new Error(`duplicate bucket ${b} in levels`);
    levels.set(b, r.u8());
  }
  return { parentsCommitments, proof, levels };
}

/** Decode a stateless-validator witness file; throws with a reason on malformed input. */
export function decodeWitnessFile(bytes: Uint8Array): WitnessFile {
  const r = new Reader(bytes);
  const b256 = (what: string): Uint8Array => {
    const n = r.len();
    if (n !== 32) throw new Error(`${what} length ${n} ≠ 32`);
    return r.bytes(32);
  };
  const opAttributesHash = b256('op_attributes_hash');
  const parentHash = b256('parent_hash');
  const kvs = new Map<bigint, SaltValue | undefined>();
  const n = r.len();
  let prev = -1n;
  for (let i = 0; i < n; i++) {
    const k = r.u64();
    if (k <= prev) throw new Error('kvs not strictly increasing');
    prev = k;
    const tag = r.u8();
    if (tag === 0) kvs.set(k, undefined);
    else if (tag === 1) kvs.set(k, decodeSaltValue(r.bytes(SALT_VALUE_BYTES)));
    else throw new Error(`bad Option tag ${tag}`);
  }
  const saltProof = readSaltProof(r);
  if (r.rest !== 0) throw new Error(`${r.rest} trailing bytes`);
  return { opAttributesHash, parentHash, kvs, saltProof };
}

/** Decode a bare bincode `SaltProof` (the salt-proof-fixtures format). */
export function decodeSaltProof(bytes: Uint8Array): SaltProofData {
  const r = new Reader(bytes);
  const p = readSaltProof(r);
  if (r.rest !== 0) throw new Error(`${r.rest} trailing bytes`);
  return p;
}

const SLOT_MASK = (1n << 40n) - 1n;
/** STARTING_NODE_ID as BigInts, converted once (the shape walk used to convert them per key and per child). */
const START_BIG = STARTING_NODE_ID.map((x) => BigInt(x));

/** Internal (parent → children) and leaf (bucket/segment → slots) openings of a key set. */
export interface ProofShape {
  /** Node id → child positions, for nodes whose children are nodes. Ids are "logical" (subtree ids for subtree roots). */
  readonly internal: Map<bigint, Set<number>>;
  /** Leaf node id (main leaf or segment) → slot positions. */
  readonly leaves: Map<bigint, Set<number>>;
}

/** Child id of a logical node (main or subtree) at `pos`. */
export function childId(node: bigint, pos: number): bigint {
  const local = node & SLOT_MASK;
  const base = node - local;
  const l = levelOfLocal(local);
  return base + START_BIG[l + 1] + (local - START_BIG[l]) * 256n + BigInt(pos);
}

function levelOfLocal(local: bigint): number {
  for (let l = 4; l >= 0; l--) if (local >= START_BIG[l]) return l;
  return 0;
}

/** Storage id of a logical node: a subtree root is stored as its bucket's main leaf. */
export function connectId(node: bigint, levels: Map<number, number>): bigint {
  if (node < 1n << 40n) return node;
  const b = Number(node >> 40n);
  const top = 5 - (levels.get(b) ?? 1);
  if ((node & SLOT_MASK) === START_BIG[top]) return BigInt(STARTING_NODE_ID[3] + b);
  return node;
}

/** Compute which nodes are opened at which positions for a sorted key set (upstream `parents_and_points`). */
export function proofShape(keys: readonly bigint[], levels: Map<number, number>): ProofShape {
  const internal = new Map<bigint, Set<number>>();
  const leaves = new Map<bigint, Set<number>>();
  const open = (m: Map<bigint, Set<number>>, id: bigint, pos: number): void => {
    let s = m.get(id);
    if (!s) m.set(id, (s = new Set()));
    s.add(pos);
  };
  for (const k of keys) {
    const b = Number(k >> 40n);
    const slot = k & SLOT_MASK;
    open(internal, 0n, b >> 16);
    open(internal, BigInt(1 + (b >> 16)), (b >> 8) & 255);
    open(internal, BigInt(257 + (b >> 8)), b & 255);
    const top = 5 - (levels.get(b) ?? 1);
    if (top === 4) {
      open(leaves, BigInt(STARTING_NODE_ID[3] + b), Number(slot & 255n));
      continue;
    }
    const base = BigInt(b) << 40n;
    const seg = slot >> 8n;
    // Walk from the subtree root (level `top`) down to the level-3 parent of the segment.
    for (let l = top; l < 4; l++) {
      const idx = seg >> BigInt(8 * (4 - l)); // index of the level-l ancestor
      const pos = Number((seg >> BigInt(8 * (3 - l))) & 255n);
      open(internal, base + START_BIG[l] + idx, pos);
    }
    open(leaves, base + START_BIG[4] + seg, Number(slot & 255n));
  }
  return { internal, leaves };
}

/** Result of a witness check. */
export interface VerifyResult {
  readonly ok: boolean;
  readonly reason?: string;
}

/**
 * The cheap first check of a proof: its root commitment (node 0) decodes and hashes to `stateRoot`. Returns the
 * reason it fails, or undefined. (A validator runs it before starting the block, the full check beside it.)
 */
export function checkWitnessRoot(proof: SaltProofData, stateRoot: Uint8Array, opts: VerifyOptions = {}): string | undefined {
  const rootEnc = proof.parentsCommitments.get(0n);
  if (!rootEnc) return 'missing commitment for node 0';
  const root = opts.reference ? decompress(rootEnc) : (() => {
    const k = ecKernel().decompress(rootEnc, 1);
    return k.ok[0] ? wordsToPoint(k.points) : undefined;
  })();
  if (!root) return 'root commitment is not a valid Banderwagon element';
  const rootHash = hashCommitment(root);
  if (toHex(rootHash) !== toHex(stateRoot)) return `root mismatch: witness root ${toHex(rootHash)} ≠ expected ${toHex(stateRoot)}`;
  return undefined;
}

/**
 * Verify a SALT proof for `kvs` against a 32-byte state root. By default the path commitments are
 * decompressed in one kernel batch and the IPA's MSMs run on the kernel (kernel/ec.ts); `reference`
 * does the same with the BigInt code of banderwagon.ts.
 */
export function verifySaltProof(
  kvs: Map<bigint, SaltValue | undefined>,
  proof: SaltProofData,
  stateRoot: Uint8Array,
  /**
   * Filled with the decompressed commitments as kernel words (36 each; a stateless replay seeds its trie
   * with them: decompression is most of the cost). Entries already present are taken as the kernel's
   * decompression of that node's encoding (verify-worker.ts decompresses before the proof check).
   */
  decoded?: Map<bigint, Uint32Array>,
  opts: VerifyOptions = {},
): VerifyResult {
  if (kvs.size === 0) return { ok: false, reason: 'witness has no keys' };
  const keys = [...kvs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buckets = new Set(keys.map((k) => Number(k >> 40n)));
  if (buckets.size !== proof.levels.size || [...buckets].some((b) => !proof.levels.has(b))) {
    return { ok: false, reason: 'levels do not cover exactly the witnessed buckets' };
  }
  for (const [b, lv] of proof.levels) {
    if (lv < 1 || lv > 5) return { ok: false, reason: `bucket ${b} has invalid subtree levels ${lv}` };
    if (b < NUM_META_BUCKETS && lv !== 1) return { ok: false, reason: `metadata bucket ${b} cannot be expanded` };
  }
  const shape = proofShape(keys, proof.levels);
  const required = new Set<bigint>();
  for (const id of shape.internal.keys()) required.add(connectId(id, proof.levels));
  for (const id of shape.leaves.keys()) required.add(connectId(id, proof.levels));
  for (const id of required) if (!proof.parentsCommitments.has(id)) return { ok: false, reason: `missing commitment for node ${id}` };
  for (const id of proof.parentsCommitments.keys()) if (!required.has(id)) return { ok: false, reason: `unexpected commitment for node ${id}` };
  const ref = opts.reference === true;
  // Root first: a wrong parent root is reported before any expensive decompression.
  const rootWhy = checkWitnessRoot(proof, stateRoot, opts);
  if (rootWhy) return { ok: false, reason: rootWhy };
  // Every commitment once: BigInt points (reference) or kernel words (one batch).
  const ids = [...proof.parentsCommitments.keys()];
  const points = new Map<bigint, Point>();
  const words = decoded ?? new Map<bigint, Uint32Array>();
  if (ref) {
    for (const id of ids) {
      const p = decompress(proof.parentsCommitments.get(id)!);
      if (!p) return { ok: false, reason: `commitment of node ${id} is not a valid Banderwagon element` };
      points.set(id, p);
      if (decoded) decoded.set(id, pointToWords(p));
    }
  } else {
    // Commitments the caller decompressed already (the background verifier posts them before the proof check).
    const todo = ids.filter((id) => !words.has(id));
    const enc = new Uint8Array(32 * todo.length);
    todo.forEach((id, i) => enc.set(proof.parentsCommitments.get(id)!, 32 * i));
    const k = ecKernel().decompress(enc, todo.length);
    for (let i = 0; i < todo.length; i++) {
      if (!k.ok[i]) return { ok: false, reason: `commitment of node ${todo[i]} is not a valid Banderwagon element` };
      words.set(todo[i], k.points.subarray(i * POINT_WORDS, (i + 1) * POINT_WORDS));
    }
  }
  const mp = decodeMultiProof(proof.proof, opts);
  if (typeof mp === 'string') return { ok: false, reason: mp };
  // Map every internal child to its scalar in one batch.
  const internalIds = [...shape.internal.keys()].sort(cmpBig);
  const childIds: bigint[] = [];
  for (const id of internalIds) for (const pos of [...shape.internal.get(id)!].sort((a, b) => a - b)) childIds.push(connectId(childId(id, pos), proof.levels));
  let childScalars: bigint[];
  if (ref) childScalars = batchMapToScalar(childIds.map((id) => points.get(id)!));
  else {
    const cw = new Uint32Array(childIds.length * POINT_WORDS);
    childIds.forEach((id, i) => cw.set(words.get(id)!, i * POINT_WORDS));
    const ss = ecKernel().mapToScalars(cw, childIds.length);
    childScalars = childIds.map((_, i) => wordsToBigint(ss, i * SCALAR_WORDS));
  }
  const commitmentOf = (sid: bigint): { commitment?: Point; words?: Uint32Array } =>
    ref ? { commitment: points.get(sid)! } : { words: words.get(sid)! };
  const queries: VerifierQuery[] = [];
  let ci = 0;
  for (const id of internalIds) {
    const sid = connectId(id, proof.levels);
    const c = commitmentOf(sid);
    const compressed = proof.parentsCommitments.get(sid)!;
    for (const pos of [...shape.internal.get(id)!].sort((a, b) => a - b)) {
      queries.push({ ...c, compressed, point: pos, result: childScalars[ci++] });
    }
  }
  const leafIds = [...shape.leaves.keys()];
  const leafKeyStart = (id: bigint): bigint => {
    if (id < 1n << 40n) return BigInt(Number(id) - STARTING_NODE_ID[3]) << 40n;
    const b = id >> 40n;
    return (b << 40n) + ((id & SLOT_MASK) - START_BIG[4]) * 256n;
  };
  // Leaf order = node-id order: plain buckets (main leaf ids < 2^40) before segments (b << 40 | local).
  // Ordering by SaltKey instead was tried and fails on the MegaETH witnesses.
  leafIds.sort(cmpBig);
  for (const id of leafIds) {
    const sid = connectId(id, proof.levels);
    const c = commitmentOf(sid);
    const compressed = proof.parentsCommitments.get(sid)!;
    const start = leafKeyStart(id);
    const bucket = Number(start >> 40n);
    for (const pos of [...shape.leaves.get(id)!].sort((a, b) => a - b)) {
      const v = kvs.get(start + BigInt(pos));
      const result = v ? kvHash(v) : bucket < NUM_META_BUCKETS ? DEFAULT_META_SCALAR : EMPTY_SLOT_SCALAR;
      queries.push({ ...c, compressed, point: pos, result });
    }
  }
  const why = verifyMultiProof(mp, queries, 'st', opts);
  return why ? { ok: false, reason: why } : { ok: true };
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Decode and verify a witness file against the parent block's state root. */
export function verifyWitnessFile(bytes: Uint8Array, parentRoot: Uint8Array, opts: VerifyOptions = {}): VerifyResult {
  let w: WitnessFile;
  try {
    w = decodeWitnessFile(bytes);
  } catch (e) {
    return { ok: false, reason: `malformed witness: ${(e as Error).message}` };
  }
  return verifySaltProof(w.kvs, w.saltProof, parentRoot, undefined, opts);
}
