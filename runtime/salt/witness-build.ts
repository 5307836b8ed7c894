/**
 * @file Witnesses for executed blocks: the SaltKeys a block needs, proved against the parent state and
 * written in the stateless-validator's file format (bincode legacy `WitnessFileContent`, SPEC.md §3.5).
 *
 * Stage: the full node's side of stateless validation (`mevmc block --state salt:DIR --witness-out DIR`).
 * Input: the pre-block `SaltState`, the plain keys the block read, the block's batch of changes.
 * Output: the key set (every slot and metadata entry the stateless replay reads: found slots of present
 * keys, metadata + probe paths of absent ones, the slots the batch's inserts/deletes walk, every slot of a
 * bucket the batch resizes), a `WitnessFile` and its bytes.
 * Invariants: the key set comes from running the same `SaltOverlay` the validator runs, over the full state
 * with every read recorded — so a validator replaying the same reads and batch never lacks a slot. The
 * encoding is the inverse of `decodeWitnessFile` (u64 LE lengths, BTreeMap order = ascending keys, Option
 * tag 0/1, 94-byte SaltValue, 32-byte compressed commitments, 576-byte proof, u32 bucket → u8 levels).
 */
import { type BucketMeta, type SaltValue, encodeSaltValue, metadataLocation, saltKey } from './keys.ts';
import { SaltOverlay, type SlotSource } from './overlay.ts';
import { proveKeys } from './prover.ts';
import type { KeyChange, SaltState } from './state.ts';
import type { SaltProofData, WitnessFile } from './witness.ts';

/** A full state as a slot source, recording every SaltKey read. */
export class RecordingSource implements SlotSource {
  readonly keys = new Set<bigint>();
  constructor(readonly state: SaltState) {}
  slot(bucket: number, slot: number): SaltValue | undefined {
    this.keys.add(saltKey(bucket, slot));
    return this.state.buckets.get(bucket)?.slots.get(slot);
  }
  meta(bucket: number): BucketMeta {
    const loc = metadataLocation(bucket);
    this.keys.add(saltKey(loc.bucket, loc.slot));
    return this.state.meta(bucket);
  }
  used(bucket: number): number | undefined {
    // The full node knows the count; a witness proves it only when it holds every slot, which the
    // overlay reads exactly when the count changes the layout (a resize).
    return this.state.buckets.get(bucket)?.slots.size ?? 0;
  }
  locate(key: Uint8Array, bucket: number): number | undefined {
    const l = this.state.locate(key);
    return l && l.bucket === bucket ? l.slot : undefined;
  }
}

/** The SaltKeys a stateless replay of (reads, then batch) needs, ascending. */
export function witnessKeys(state: SaltState, reads: Iterable<Uint8Array>, batch: readonly KeyChange[]): bigint[] {
  const src = new RecordingSource(state);
  const o = new SaltOverlay(src);
  for (const k of reads) o.find(k);
  o.apply(batch);
  return [...src.keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const ZERO32 = new Uint8Array(32);

/** Options of {@link buildWitness}. */
export interface WitnessMeta {
  /** The block's parent hash (32 bytes). */
  parentHash: Uint8Array;
  /** OP-stack payload attributes hash; zero for blocks that have none (Ethereum mainnet). */
  opAttributesHash?: Uint8Array;
}

/** Prove the keys a block needs against `state` (the pre-block state) and build the witness file. */
export function buildWitness(state: SaltState, reads: Iterable<Uint8Array>, batch: readonly KeyChange[], meta: WitnessMeta): WitnessFile {
  const keys = witnessKeys(state, reads, batch);
  // A block that touches nothing still proves one key (the proof format needs at least one query).
  const { kvs, proof } = proveKeys(state, keys.length ? keys : [0n]);
  return { opAttributesHash: meta.opAttributesHash ?? ZERO32, parentHash: meta.parentHash, kvs, saltProof: proof };
}

class Writer {
  private buf = new Uint8Array(1 << 16);
  private n = 0;
  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.n++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer, this.n, 4).setUint32(0, v, true);
    this.n += 4;
  }
  u64(v: bigint | number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.n, 8).setBigUint64(0, BigInt(v), true);
    this.n += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

const ascending = <T>(m: ReadonlyMap<bigint, T>): [bigint, T][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function writeProof(w: Writer, p: SaltProofData): void {
  w.u64(p.parentsCommitments.size);
  for (const [id, c] of ascending(p.parentsCommitments)) {
    if (c.length !== 32) throw new Error(`commitment of node ${id} is ${c.length} bytes, not 32`);
    w.u64(id);
    w.bytes(c);
  }
  w.u64(p.proof.length);
  w.bytes(p.proof);
  w.u64(p.levels.size);
  for (const [b, lv] of [...p.levels].sort(([a], [c]) => a - c)) {
    w.u32(b);
    w.u8(lv);
  }
}

/** Encode a witness file (bincode legacy `WitnessFileContent`). */
export function encodeWitnessFile(f: WitnessFile): Uint8Array {
  const w = new Writer();
  for (const h of [f.opAttributesHash, f.parentHash]) {
    if (h.length !== 32) throw new Error(`B256 field is ${h.length} bytes`);
    w.u64(32);
    w.bytes(h);
  }
  w.u64(f.kvs.size);
  for (const [k, v] of ascending(f.kvs)) {
    w.u64(k);
    if (v) {
      w.u8(1);
      w.bytes(encodeSaltValue(v));
    } else w.u8(0);
  }
  writeProof(w, f.saltProof);
  return w.done();
}
