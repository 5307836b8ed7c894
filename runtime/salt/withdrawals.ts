/**
 * @file The withdrawals root of an OP Isthmus block from its MPT witness (`.mpt` beside each `.salt`): the header's
 * `withdrawalsRoot` is the storage root of the L2ToL1MessagePasser (0x4200…0016), which SALT does not commit to, so
 * MegaETH's stateless validator carries a separate Merkle-Patricia witness for that one storage trie.
 *
 * Stage: stateless validation of an OP block (`validateBlock` with `chain.op`, `mevmc validate --chain megaeth`).
 * Input: the witness file — bincode legacy `{ storage_root: B256 (u64 len 32 + 32 B), state: Vec<Bytes> (u64 count,
 * each u64 len + RLP node) }` — and the block's net storage changes of the message passer (slot → value, 0 =
 * deleted).
 * Output: the post-block storage root.
 * Invariants: the witness proves its `storage_root` (the root node is among its nodes, or the root is the empty
 * trie's); nodes are looked up by keccak of their RLP, so a node the witness lacks cannot be forged, only missing —
 * an update that needs it fails with {@link MptWitnessError}; keys are keccak(slot32), values RLP(u256) without
 * leading zeros; a zero value deletes the leaf. The caller checks `storage_root` against the parent header.
 */
import { createMPT, updateMPTFromMerkleProof } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { keccak256 } from '../state/keccak.ts';

// The L2ToL1MessagePasser predeploy, whose storage root is the header's withdrawalsRoot on OP Isthmus.
export { L2_TO_L1_MESSAGE_PASSER } from '../block/op/rules.ts';

/** keccak(rlp('')): the root of an empty trie. */
const EMPTY_TRIE_ROOT = keccak256(RLP.encode(new Uint8Array(0)));

/** A malformed or insufficient MPT witness. */
export class MptWitnessError extends Error {
  override name = 'MptWitnessError';
}

/** A decoded `.mpt` file. */
export interface MptWitness {
  /** The message passer's storage root before the block. */
  readonly storageRoot: Uint8Array;
  /** RLP-encoded trie nodes. */
  readonly nodes: Uint8Array[];
}

/** Decode a bincode-legacy `MptWitness`. Throws {@link MptWitnessError}. */
export function decodeMptWitness(b: Uint8Array): MptWitness {
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  let off = 0;
  const len = (what: string): number => {
    if (off + 8 > b.length) throw new MptWitnessError(`truncated at byte ${off} (${what} length)`);
    const n = view.getBigUint64(off, true);
    off += 8;
    if (n > BigInt(b.length - off)) throw new MptWitnessError(`${what} length ${n} exceeds the input`);
    return Number(n);
  };
  const bytes = (n: number): Uint8Array => {
    const v = b.slice(off, off + n);
    off += n;
    return v;
  };
  const rootLen = len('storage_root');
  if (rootLen !== 32) throw new MptWitnessError(`storage_root has ${rootLen} bytes, expected 32`);
  const storageRoot = bytes(32);
  const count = len('state');
  const nodes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) nodes.push(bytes(len(`node ${i}`)));
  if (off !== b.length) throw new MptWitnessError(`${b.length - off} trailing bytes`);
  return { storageRoot, nodes };
}

const u256Bytes = (v: bigint): Uint8Array => {
  const h = v.toString(16);
  return new Uint8Array(Buffer.from(h.length % 2 ? '0' + h : h, 'hex'));
};

/**
 * The storage root after applying `changes` (slot → new value; 0 deletes) to the witnessed trie. Throws
 * {@link MptWitnessError} when the witness does not hold its root node or a node an update walks through.
 */
export async function withdrawalsRootAfter(w: MptWitness, changes: ReadonlyMap<bigint, bigint>): Promise<Uint8Array> {
  const trie = await createMPT({ useKeyHashing: false });
  if (w.nodes.length) await updateMPTFromMerkleProof(trie, w.nodes);
  const empty = Buffer.from(w.storageRoot).equals(Buffer.from(EMPTY_TRIE_ROOT));
  if (!empty && !w.nodes.some((n) => Buffer.from(keccak256(n)).equals(Buffer.from(w.storageRoot)))) {
    throw new MptWitnessError(`the witness does not hold its root node 0x${Buffer.from(w.storageRoot).toString('hex')}`);
  }
  trie.root(w.storageRoot);
  // Sorted so the result never depends on the caller's map order (the root does not either; errors would).
  for (const [slot, value] of [...changes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const key = keccak256(new Uint8Array(Buffer.from(slot.toString(16).padStart(64, '0'), 'hex')));
    try {
      if (value === 0n) await trie.del(key);
      else await trie.put(key, RLP.encode(u256Bytes(value)));
    } catch (e) {
      throw new MptWitnessError(`message passer slot 0x${slot.toString(16)}: the witness lacks a trie node (${(e as Error).message})`);
    }
  }
  return trie.root();
}
