/**
 * @file Proof generation for our own store: proofs for present, absent and metadata keys (plain and
 * expanded buckets) verify against the store's root with the witness verifier; tampering with a
 * value, a commitment, a proof byte, the key set or the root is rejected with a reason.
 */
import { describe, expect, it } from 'vitest';
import { SaltState, type KeyChange } from '../../runtime/salt/state.ts';
import { proveKeys } from '../../runtime/salt/prover.ts';
import { verifySaltProof } from '../../runtime/salt/witness.ts';
import { saltKey } from '../../runtime/salt/keys.ts';
import { compress, GENERATOR } from '../../runtime/salt/banderwagon.ts';
import { SaltStore } from '../../runtime/salt/index.ts';
import { defaultKernel } from '../../runtime/salt/kernel/index.ts';

function lcgBytes(seed: number, n: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
}

describe('SALT proof generation', () => {
  const s = new SaltState();
  const changes: KeyChange[] = Array.from({ length: 60 }, (_, i) => ({ key: lcgBytes(i + 1, i % 2 ? 52 : 20), value: lcgBytes(1000 + i, 32) }));
  s.applyBatch(changes);
  // One bucket expanded past 256 slots (subtree with segments), as in trie.test.ts.
  const big = 70000;
  s.applyGrouped(new Map([[big, Array.from({ length: 230 }, (_, i) => ({ key: Uint8Array.from([i, i >> 3, 0x42]), value: Uint8Array.from([i]) }))]]), new Map());
  const root = s.root();
  const present = changes.slice(0, 5).map((c) => {
    const l = s.locate(c.key)!;
    return saltKey(l.bucket, l.slot);
  });
  const expanded = [...s.buckets.get(big)!.slots.keys()].slice(0, 3).map((slot) => saltKey(big, slot));
  const keys = [
    ...present,
    ...expanded,
    saltKey(big, 300), // an empty slot in a segment of the expanded bucket
    saltKey(5_000_000, 7), // an empty slot of an untouched bucket
    saltKey(Math.floor(big / 256), big % 256), // the expanded bucket's metadata slot
    saltKey(12, 34), // a default metadata slot
  ];

  it('proves present, absent and metadata keys; the witness verifier accepts', () => {
    const { kvs, proof } = proveKeys(s, keys);
    expect(proof.proof.length).toBe(576);
    expect(proof.levels.get(big)).toBe(2);
    expect(kvs.get(saltKey(5_000_000, 7))).toBeUndefined();
    expect(verifySaltProof(kvs, proof, root)).toEqual({ ok: true });
    // A single key works too.
    const one = proveKeys(s, [present[0]]);
    expect(verifySaltProof(one.kvs, one.proof, root)).toEqual({ ok: true });
  }, 60_000);

  it('the grouped prover gives the BigInt reference prover\'s bytes (same commitments, same multiproof)', () => {
    // Every present key plus the special ones: many queries share a point z, nodes are opened at several points.
    const all = [...keys, ...changes.map((c) => {
      const l = s.locate(c.key)!;
      return saltKey(l.bucket, l.slot);
    })];
    const fast = proveKeys(s, all);
    const ref = proveKeys(s, all, defaultKernel(), { reference: true });
    expect([...fast.proof.parentsCommitments.keys()]).toEqual([...ref.proof.parentsCommitments.keys()]);
    for (const [id, c] of ref.proof.parentsCommitments) expect(fast.proof.parentsCommitments.get(id)).toEqual(c);
    expect(Buffer.from(fast.proof.proof).toString('hex')).toBe(Buffer.from(ref.proof.proof).toString('hex'));
    expect(verifySaltProof(fast.kvs, fast.proof, root)).toEqual({ ok: true });
  }, 120_000);

  it('rejects tampering: value, missing key, commitment, proof byte, root', () => {
    const { kvs, proof } = proveKeys(s, keys);
    const bad = (k: Map<bigint, any>, p = proof, r = root) => verifySaltProof(k, p, r);
    const v = new Map(kvs);
    const first = kvs.get(present[0])!;
    v.set(present[0], { key: first.key, value: Uint8Array.from([...first.value].map((b, i) => (i === 0 ? b ^ 1 : b))) });
    expect(bad(v).ok).toBe(false);
    const missing = new Map(kvs);
    missing.delete(present[1]);
    expect(bad(missing).ok).toBe(false);
    const absentClaimed = new Map(kvs);
    absentClaimed.set(saltKey(5_000_000, 7), { key: Uint8Array.from([1]), value: Uint8Array.from([2]) });
    expect(bad(absentClaimed).ok).toBe(false);
    const pc = new Map(proof.parentsCommitments);
    const someId = [...pc.keys()].find((id) => id !== 0n)!;
    pc.set(someId, compress(GENERATOR));
    expect(bad(kvs, { ...proof, parentsCommitments: pc }).ok).toBe(false);
    const flipped = Uint8Array.from(proof.proof);
    flipped[575] ^= 1;
    const r1 = bad(kvs, { ...proof, proof: flipped });
    expect(r1.ok).toBe(false);
    expect(r1.reason).toMatch(/multiproof|IPA|not/);
    const wrongRoot = Uint8Array.from(root);
    wrongRoot[0] ^= 1;
    expect(bad(kvs, proof, wrongRoot).reason).toMatch(/root mismatch/);
  }, 60_000);

  it('SaltStore.prove: an account and a storage slot of the EVM mapping', () => {
    const st = SaltStore.open();
    const addr = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
    st.applyBatch([
      { kind: 'account', address: addr, account: { nonce: 3n, balance: 5n } },
      { kind: 'storage', address: addr, slot: 9n, value: 77n },
    ]);
    const keys = [st.locate(addr)!];
    const { kvs, proof } = st.prove(keys);
    expect(kvs.get(keys[0])!.value).toEqual(st.get(addr));
    expect(verifySaltProof(kvs, proof, st.root())).toEqual({ ok: true });
  }, 60_000);
});
