/**
 * @file SALT bucket capacities as MegaETH's storage gas reads them (docs/megaeth.md §3.1): the capacity of the bucket a
 * plain key (20-byte account, or account ‖ slot32) hashes to, from the bucket metadata entries of the block's witness
 * (they hold the parent block's post-state). The stateless validator builds the same map from the witness's metadata
 * key range (stateless-validator `database.rs::WitnessExternalEnv::new`). A bucket without a metadata entry in the
 * witness has the default metadata (capacity 256, i.e. no extra storage gas).
 */
import { bucketId, NUM_META_BUCKETS } from './hasher.ts';
import { decodeMeta, MIN_BUCKET_SIZE, splitSaltKey } from './keys.ts';
import type { WitnessFile } from './witness.ts';

/** Capacity by data-bucket id, for every bucket whose metadata the witness holds. */
export function witnessBucketCapacities(w: Pick<WitnessFile, 'kvs'>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, v] of w.kvs) {
    const { bucket, slot } = splitSaltKey(k);
    if (bucket >= NUM_META_BUCKETS) continue;
    // The metadata of data bucket b sits at (b >> 8, b & 255); an absent value is the default metadata.
    out.set(bucket * 256 + slot, v ? decodeMeta(v.key).capacity : MIN_BUCKET_SIZE);
  }
  return out;
}

/**
 * `(plain key) → capacity of its bucket`, from a witness; MIN_BUCKET_SIZE when the witness has no entry. `asked`
 * collects the buckets looked up (the validator's witness carries the metadata of exactly those: a diagnostic).
 */
export function capacityLookup(w: Pick<WitnessFile, 'kvs'>, asked?: Set<number>): (key: Uint8Array) => bigint {
  const caps = witnessBucketCapacities(w);
  return (key) => {
    const b = bucketId(key);
    asked?.add(b);
    return BigInt(caps.get(b) ?? MIN_BUCKET_SIZE);
  };
}
