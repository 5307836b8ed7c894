/**
 * @file Partial SALT state from a witness: verified against the parent root, serves reads of the
 * witnessed keys, applies a block's updates as the full engine would and computes the post-state root.
 *
 * Stage: stateless validation (`mevmc validate`, issue #17 part 4).
 * Input: a decoded witness (kvs incl. proven-empty slots and bucket metadata, path commitments, levels),
 * the parent state root; then plain-key reads and one batch of plain-key changes.
 * Output: values (or proven absence) of plain keys; the post-batch 32-byte state root.
 * Invariants: a read or update that needs a slot or a bucket's metadata the witness does not hold throws
 * `WitnessLacksKeyError` naming the SaltKey (and the plain key being looked up) — never a guessed value;
 * slot placement and capacity changes come from `SaltOverlay` (shared with the witness recorder); every
 * changed slot was read, so its leaf and all its ancestors are witnessed and the seeded commitment trie
 * updates them incrementally (a resized bucket is rebuilt from its full, witnessed content).
 */
import { StateBackendError } from '../state/world.ts';
import { toHex } from './field.ts';
import { bucketId } from './hasher.ts';
import {
  type BucketMeta, type SaltValue, DEFAULT_META, dataSlotWords, decodeMeta, kvHash, metaSaltValue, metadataLocation, saltKey,
} from './keys.ts';
import { POINT_WORDS, SaltKernel } from './kernel/index.ts';
import { ecKernel } from './kernel/ec.ts';
import { type CachedTables, loadTableKernel, tableCacheDir } from './table-cache.ts';
import { type OverlayResult, SaltOverlay, type SlotSource } from './overlay.ts';
import type { KeyChange } from './state.ts';
import { type BucketRebuild, type CommitEngine, SaltTrie, SlotDeltaList, subtreeRootLevel } from './trie.ts';
import { type WitnessFile, verifySaltProof } from './witness.ts';

/** A read or update needs a SALT slot the witness does not cover. */
export class WitnessLacksKeyError extends StateBackendError {
  constructor(readonly saltKey: bigint, readonly plainKey?: Uint8Array) {
    const b = saltKey >> 40n;
    const s = saltKey & ((1n << 40n) - 1n);
    super(`witness lacks key 0x${saltKey.toString(16).padStart(16, '0')} (bucket ${b} slot ${s}${plainKey ? `, looking up 0x${toHex(plainKey)}` : ''})`);
    this.name = 'WitnessLacksKeyError';
  }
}

/** The witness does not verify against the parent root. */
export class WitnessInvalidError extends Error {
  constructor(reason: string) {
    super(`witness does not verify: ${reason}`);
    this.name = 'WitnessInvalidError';
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The witness as a slot source: unknown slots throw. */
class WitnessSource implements SlotSource {
  /** plain key hex → slot, from the witnessed data slots. */
  private readonly index = new Map<string, number>();
  /** Plain key being looked up or updated (named in errors). */
  current: Uint8Array | undefined;

  focus(key: Uint8Array | undefined): void {
    this.current = key;
  }

  constructor(readonly kvs: ReadonlyMap<bigint, SaltValue | undefined>) {
    for (const [k, v] of kvs) if (v && k >> 40n >= 65536n) this.index.set(hex(v.key), Number(k & ((1n << 40n) - 1n)));
  }

  private get(k: bigint): SaltValue | undefined {
    if (!this.kvs.has(k)) throw new WitnessLacksKeyError(k, this.current);
    return this.kvs.get(k);
  }

  slot(bucket: number, slot: number): SaltValue | undefined {
    return this.get(saltKey(bucket, slot));
  }

  meta(bucket: number): BucketMeta {
    const loc = metadataLocation(bucket);
    const v = this.get(saltKey(loc.bucket, loc.slot));
    return v ? decodeMeta(v.key) : DEFAULT_META;
  }

  used(bucket: number): number | undefined {
    const cap = this.meta(bucket).capacity;
    let n = 0;
    for (let s = 0; s < cap; s++) {
      const k = saltKey(bucket, s);
      if (!this.kvs.has(k)) return undefined;
      if (this.kvs.get(k)) n++;
    }
    return n;
  }

  locate(key: Uint8Array, bucket: number): number | undefined {
    const s = this.index.get(hex(key));
    // Keys of other buckets never match (a witness entry is checked against its bucket below).
    return s !== undefined && bucketId(key) === bucket ? s : undefined;
  }
}

let engine: SaltKernel | undefined;
/** Where the default engine's tables came from (figures and tests). */
export let statelessTables: Omit<CachedTables, 'kernel'> | undefined;
/**
 * The default engine of partial states. A validator updates a few hundred to a few thousand nodes per block: with
 * the table cache (table-cache.ts, on unless MEVMC_SALT_TABLE_CACHE=0) the full node's 8-bit tables are read from
 * disk (checksummed) instead of built (~2 s); without it, 4-bit tables (~0.3 s to build, twice the additions per
 * product).
 */
function statelessEngine(): SaltKernel {
  if (!engine) {
    const dir = tableCacheDir();
    const { kernel, ...rest } = dir ? loadTableKernel(8, dir) : { kernel: new SaltKernel(4), source: 'built' as const, ms: 0 };
    engine = kernel;
    statelessTables = rest;
  }
  return engine;
}

/** Options of {@link PartialSaltState.fromWitness}. */
export interface PartialStateOptions {
  /** Skip the proof check (the caller verified it already). */
  skipVerify?: boolean;
  engine?: CommitEngine;
}

/** SALT state known only through a witness. */
export class PartialSaltState {
  private readonly source: WitnessSource;
  private readonly trie: SaltTrie;
  private overlay: SaltOverlay;
  private applied = false;
  private seeded = false;
  /** Statistics of the applied batch. */
  stats = { slotDeltas: 0, rebuiltBuckets: 0, mults: 0 };

  private constructor(readonly witness: WitnessFile, private decoded: Map<bigint, Uint32Array>, engine?: CommitEngine) {
    this.source = new WitnessSource(witness.kvs);
    this.overlay = new SaltOverlay(this.source);
    this.trie = new SaltTrie(engine ?? statelessEngine());
  }

  /**
   * Commitments decompressed elsewhere (`verifyInBackground`'s `decoded`), used when the trie is seeded — which
   * happens only when a root is needed, so execution can start before they arrive.
   */
  useDecoded(decoded: ReadonlyMap<bigint, Uint32Array>): void {
    for (const [id, w] of decoded) if (!this.decoded.has(id)) this.decoded.set(id, w);
  }

  /** Seed the commitment trie with the witness's path commitments (once, on first use). */
  private seed(): void {
    if (this.seeded) return;
    this.seeded = true;
    const { witness, decoded } = this;
    // Commitments nobody decoded yet (skipVerify) are decompressed here, in one kernel batch.
    const pc = witness.saltProof.parentsCommitments;
    const todo = [...pc.keys()].filter((id) => !decoded.has(id));
    if (todo.length) {
      const enc = new Uint8Array(32 * todo.length);
      todo.forEach((id, i) => enc.set(pc.get(id)!, 32 * i));
      const k = ecKernel().decompress(enc, todo.length);
      todo.forEach((id, i) => {
        if (!k.ok[i]) throw new WitnessInvalidError(`commitment of node ${id} is not a valid Banderwagon element`);
        decoded.set(id, k.points.subarray(i * POINT_WORDS, (i + 1) * POINT_WORDS));
      });
    }
    this.trie.seedWords([...pc.keys()].map((id) => [id, decoded.get(id)!] as const), new Map([...witness.saltProof.levels].map(([b, lv]) => [b, 5 - lv])));
  }

  /** Verify `witness` against `parentRoot` (32 bytes) and build the partial state; throws `WitnessInvalidError`. */
  static fromWitness(witness: WitnessFile, parentRoot: Uint8Array, opts: PartialStateOptions = {}): PartialSaltState {
    const decoded = new Map<bigint, Uint32Array>();
    if (!opts.skipVerify) {
      const v = verifySaltProof(witness.kvs, witness.saltProof, parentRoot, decoded);
      if (!v.ok) throw new WitnessInvalidError(v.reason ?? 'unknown reason');
    }
    // Every witnessed data entry must sit in its key's bucket (else a direct lookup could be misled).
    for (const [k, v] of witness.kvs) {
      if (v && k >> 40n >= 65536n && BigInt(bucketId(v.key)) !== k >> 40n) {
        throw new WitnessInvalidError(`entry at 0x${k.toString(16)} holds a key of bucket ${bucketId(v.key)}`);
      }
    }
    return new PartialSaltState(witness, decoded, opts.engine);
  }

  /** Pre-batch value of a plain key (undefined = proven absent); throws `WitnessLacksKeyError`. */
  get(key: Uint8Array): Uint8Array | undefined {
    this.source.current = key;
    try {
      return this.overlay.find(key)?.value.value;
    } finally {
      this.source.current = undefined;
    }
  }

  /** The parent root (the witness's root commitment). */
  parentRoot(): Uint8Array {
    this.seed();
    return this.trie.rootHash();
  }

  /** Apply the block's batch (once) and return the post-state root. */
  applyBatch(changes: Iterable<KeyChange>): Uint8Array {
    if (this.applied) throw new Error('PartialSaltState: a witness covers one batch');
    this.applied = true;
    this.seed();
    const list = [...changes];
    const r: OverlayResult = this.overlay.apply(list);
    const engine = this.trie.engine;
    const before = engine.mulCount;
    const deltas = new SlotDeltaList();
    const hw = new Uint32Array(16);
    let nd = 0; // deltas offered, zero ones included (what the stats have always counted here)
    const rebuilds: BucketRebuild[] = [];
    for (const [b, m] of r.slots) {
      for (const [slot, [old, now]] of m) {
        dataSlotWords(now, hw, 0);
        dataSlotWords(old, hw, 8);
        deltas.pushSub(b, slot, hw, 0, hw, 8);
        nd++;
      }
    }
    for (const rb of r.rebuilt) {
      rebuilds.push({ bucket: rb.bucket, level: subtreeRootLevel(rb.meta.capacity), slots: [...rb.slots].map(([s, v]) => [s, kvHash(v)] as const) });
      const loc = metadataLocation(rb.bucket);
      deltas.pushBig(loc.bucket, loc.slot, kvHash(metaSaltValue(rb.meta)) - kvHash(metaSaltValue(rb.pre)));
      nd++;
    }
    this.trie.apply(deltas, rebuilds);
    this.stats = { slotDeltas: nd, rebuiltBuckets: rebuilds.length, mults: engine.mulCount - before };
    return this.trie.rootHash();
  }

  /** Witnessed present data entries (plain key, value), e.g. an account's storage slots. */
  *entries(): Iterable<SaltValue> {
    for (const [k, v] of this.witness.kvs) if (v && k >> 40n >= 65536n) yield v;
  }
}
