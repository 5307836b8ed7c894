/**
 * @file Stage 1 + 3 vectors: hasher, bucket ids, Banderwagon, CRS, kv_hash, default commitments and
 * the empty-state root, all against salt_vectors.json (pinned upstream values / re-derivations).
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { HAVE_SHARED, loadVectors } from './shared.ts';
import { ahash, bucketId, hashWithNonce } from '../../runtime/salt/hasher.ts';
import * as B from '../../runtime/salt/banderwagon.ts';
import { Q, R, bigintToLe32, fromHex, inv, toHex } from '../../runtime/salt/field.ts';
import { derivePoints, saltCrs } from '../../runtime/salt/crs.ts';
import { DEFAULT_META, DEFAULT_META_SCALAR, EMPTY_SLOT_SCALAR, encodeMeta, kvHash, metaSaltValue } from '../../runtime/salt/keys.ts';
import { defaults } from '../../runtime/salt/trie.ts';
import { SaltState } from '../../runtime/salt/state.ts';

const te = new TextEncoder();

describe.skipIf(!HAVE_SHARED)('salt vectors', () => {
  const v = HAVE_SHARED ? loadVectors() : undefined;

  it('hasher: pinned AHash fallback outputs', () => {
    for (const [k, exp] of Object.entries(v.hasher.pinned)) {
      const s = /hash\(b'(.*)'\)/.exec(k)![1];
      expect(ahash(te.encode(s)).toString()).toBe(String(exp));
    }
    for (const [len, exp] of Object.entries(v.hasher.hash_of_bytes_0_to_len_minus_1)) {
      const b = Uint8Array.from({ length: Number(len) }, (_, i) => i);
      expect(ahash(b).toString(), `len ${len}`).toBe(String(exp));
    }
    for (const [len, exp] of Object.entries(v.hasher['hash_with_nonce(0xa5*len, 0x01020304)'])) {
      expect(hashWithNonce(new Uint8Array(Number(len)).fill(0xa5), 0x01020304).toString()).toBe(String(exp));
    }
  });

  it('hasher: bucket ids and the 260 same-bucket keys', () => {
    const ids = v.hasher.bucket_id;
    expect(bucketId(te.encode(''))).toBe(ids['']);
    expect(bucketId(te.encode('hello'))).toBe(ids.hello);
    expect(bucketId(te.encode('world'))).toBe(ids.world);
    expect(bucketId(new Uint8Array(32))).toBe(ids['0x00*32']);
    expect(bucketId(new Uint8Array(32).fill(0xff))).toBe(ids['0xff*32']);
    expect(v.hasher.same_bucket_keys_20byte_hex).toHaveLength(260);
    for (const k of v.hasher.same_bucket_keys_20byte_hex) expect(bucketId(fromHex(k))).toBe(v.hasher.same_bucket_keys_all_map_to);
  });

  it('curve: parameters, generator doublings, map_to_scalar(G)', () => {
    expect(BigInt(v.curve.base_field_q)).toBe(Q);
    expect(BigInt(v.curve.scalar_field_r)).toBe(R);
    expect(BigInt(v.curve.d)).toBe((138827208126141220649022263972958607803n * inv(171449701953573178309673572579671231137n, Q)) % Q);
    expect(B.GENERATOR.X).toBe(BigInt(v.curve.generator.x));
    let p = B.GENERATOR;
    for (const c of v.curve.generator_doublings_compressed) {
      expect(toHex(B.compress(p))).toBe(c);
      const back = B.decompress(fromHex(c))!;
      expect(B.equals(back, p)).toBe(true);
      p = B.double(p);
    }
    expect(toHex(B.hashCommitment(B.GENERATOR))).toBe(v.curve.map_to_scalar_of_generator_le);
    // Group law sanity: 5G via msm equals repeated addition, and r·G is the identity.
    const five = B.add(B.double(B.double(B.GENERATOR)), B.GENERATOR);
    expect(B.equals(B.msm([B.GENERATOR], [5n]), five)).toBe(true);
    expect(B.isIdentity(B.add(B.mul(B.GENERATOR, R - 1n), B.GENERATOR))).toBe(true);
    expect(toHex(B.toUncompressed(B.IDENTITY))).toBe(v.identity_commitment_salt);
  });

  it('CRS: 257 points from MAKE_ETHEREUM_GREAT_AGAIN in 1,044 tries, sha256 aggregate', () => {
    const crs = saltCrs();
    expect(crs.tries).toBe(v.crs.tries_needed);
    const all = [...crs.G, crs.Q].map((p) => toHex(B.compress(p)));
    expect(all).toEqual(v.crs.points_compressed_hex);
    const agg = new Uint8Array(256 * 32);
    crs.G.forEach((p, i) => agg.set(B.compress(p), 32 * i));
    expect(toHex(sha256(agg))).toBe(v.crs.sha256_of_first_256_compressed);
    // The Ethereum verkle seed gives a different first point (contrast value).
    expect(toHex(B.compress(derivePoints('eth_verkle_oct_2021', 1).points[0]))).toBe(v.crs.contrast_rust_verkle_eth_verkle_oct_2021_G0);
  });

  it('kv_hash: empty slot and default bucket meta', () => {
    expect(toHex(bigintToLe32(EMPTY_SLOT_SCALAR))).toBe(v.kv_hash.empty_slot_scalar_le);
    expect(toHex(encodeMeta(DEFAULT_META))).toBe(v.kv_hash.default_bucket_meta_key_hex);
    expect(toHex(bigintToLe32(DEFAULT_META_SCALAR))).toBe(v.kv_hash.default_bucket_meta_scalar_le);
    expect(kvHash(metaSaltValue(DEFAULT_META))).toBe(DEFAULT_META_SCALAR);
  });

  it('default commitments at every level and the empty-state root', () => {
    const d = defaults();
    const dc = v.default_commitments_uncompressed_hex;
    const u = (p: B.Point): string => toHex(B.toUncompressed(p));
    expect(u(d.metaL3)).toBe(dc['L3_meta_bucket(all 256 slots = default BucketMeta)']);
    expect(u(d.sub[4])).toBe(dc['L3_data_bucket(empty, cap 256) == subtree L4 segment']);
    expect(u(d.metaL2)).toBe(dc['L2_meta(node ids 257..512)']);
    expect(u(d.sub[3])).toBe(dc['L2_data == subtree L3']);
    expect(u(d.metaL1)).toBe(dc['L1_meta(node id 1)']);
    expect(u(d.sub[2])).toBe(dc['L1_data == subtree L2']);
    expect(u(d.sub[1])).toBe(dc['subtree L1']);
    expect(u(d.sub[0])).toBe(dc['subtree L0']);
    expect(u(d.root)).toBe(dc['L0_root(empty SALT)']);
    expect('0x' + toHex(new SaltState().root())).toBe(v.empty_state_root.value);
    // Independent path: an empty data bucket as a full 256-term MSM over the CRS (not Σc·ΣG).
    const full = B.msm(saltCrs().G, new Array(256).fill(EMPTY_SLOT_SCALAR));
    expect(u(full)).toBe(dc['L3_data_bucket(empty, cap 256) == subtree L4 segment']);
  });
});
