/**
 * @file Stage 5: every MegaETH witness in ../shared/salt/megaeth verifies (IPA multiproof, label
 * "st") against its parent header's stateRoot; tampered copies are rejected with a reason.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HAVE_SHARED, SALT_DIR } from './shared.ts';
import { decodeWitnessFile, decodeSaltProof, verifySaltProof } from '../../runtime/salt/witness.ts';
import { verifyWitnessFile } from '../../runtime/salt/index.ts';
import { fromHex, toHex } from '../../runtime/salt/field.ts';
import { saltCrs } from '../../runtime/salt/crs.ts';
import { compress } from '../../runtime/salt/banderwagon.ts';

const MEGA = join(SALT_DIR, 'megaeth');

function blocks(): Map<number, { stateRoot: string; hash: string }> {
  const m = new Map<number, { stateRoot: string; hash: string }>();
  for (const f of readdirSync(join(MEGA, 'blocks'))) m.set(Number(f.split('.')[0]), JSON.parse(readFileSync(join(MEGA, 'blocks', f), 'utf8')));
  return m;
}

describe.skipIf(!HAVE_SHARED)('SALT witnesses', () => {
  const files = HAVE_SHARED ? readdirSync(join(MEGA, 'witness')).filter((f) => f.endsWith('.salt')).sort() : [];
  const hdr = HAVE_SHARED ? blocks() : new Map();
  const parentRoot = (f: string): Uint8Array => fromHex(hdr.get(Number(f.split('.')[0]) - 1)!.stateRoot);

  it('decodes every witness with no trailing bytes; parent_hash matches the parent header', { timeout: 30_000 }, () => {
    expect(files.length).toBe(15);
    for (const f of files) {
      const w = decodeWitnessFile(readFileSync(join(MEGA, 'witness', f)));
      expect('0x' + toHex(w.parentHash)).toBe(hdr.get(Number(f.split('.')[0]) - 1)!.hash);
      expect(w.saltProof.proof.length).toBe(576);
    }
  });

  it.each(files)('%s verifies against the parent stateRoot', (f) => {
    expect(verifyWitnessFile(readFileSync(join(MEGA, 'witness', f)), parentRoot(f))).toEqual({ ok: true });
  }, 30_000);

  describe('tampering is rejected', () => {
    const f = files[0];
    const load = () => decodeWitnessFile(readFileSync(join(MEGA, 'witness', f ?? '')));
    it('wrong parent root', () => {
      const r = verifyWitnessFile(readFileSync(join(MEGA, 'witness', f)), parentRoot(files[1]));
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(/root mismatch/);
    });
    it('a changed value', () => {
      const w = load();
      const [k, v] = [...w.kvs].find(([, v]) => v && v.value.length > 0)!;
      const value = v!.value.slice();
      value[0] ^= 1;
      w.kvs.set(k, { key: v!.key, value });
      expect(verifySaltProof(w.kvs, w.saltProof, parentRoot(f))).toMatchObject({ ok: false, reason: /IPA/ });
    }, 30_000);
    it('a missing key', () => {
      const w = load();
      const k = [...w.kvs.keys()].find((k) => k >> 40n >= 65536n)!;
      w.kvs.delete(k);
      expect(verifySaltProof(w.kvs, w.saltProof, parentRoot(f)).ok).toBe(false);
    }, 30_000);
    it('a swapped (valid) commitment', () => {
      const w = load();
      const id = [...w.saltProof.parentsCommitments.keys()].find((id) => id > 65793n)!;
      w.saltProof.parentsCommitments.set(id, compress(saltCrs().G[5]));
      expect(verifySaltProof(w.kvs, w.saltProof, parentRoot(f))).toMatchObject({ ok: false, reason: /IPA/ });
    }, 30_000);
    it('a flipped proof byte and a truncated file', () => {
      const bytes = new Uint8Array(readFileSync(join(MEGA, 'witness', f)));
      const w = load();
      const proof = w.saltProof.proof.slice();
      proof[560] ^= 0x01; // inside scalar a
      const r = verifySaltProof(w.kvs, { ...w.saltProof, proof }, parentRoot(f));
      expect(r.ok).toBe(false);
      expect(verifyWitnessFile(bytes.subarray(0, bytes.length - 1), parentRoot(f))).toMatchObject({ ok: false, reason: /malformed/ });
    }, 30_000);
  });

  it('salt-proof-fixtures decode (bare SaltProof, 576-byte multiproof)', () => {
    const p = decodeSaltProof(readFileSync(join(SALT_DIR, 'salt-proof-fixtures', '6906412.proof')));
    expect(p.parentsCommitments.size).toBe(59434);
    expect(p.levels.size).toBe(33168);
    expect(p.proof.length).toBe(576);
  });
});
