/**
 * @file secp256k1 public-key recovery, shared by ECRECOVER and transaction senders. libsecp256k1 (the `secp256k1`
 * package's prebuilt N-API addon) when it loads: @noble/curves in JS took ~5 ms per recovery on this machine,
 * libsecp256k1 ~80 µs. Where the addon cannot load (another platform, a runtime without N-API) @noble/curves serves
 * with the same rules: both accept and reject the same inputs (test/precompiles/basic.test.ts,
 * test/tx/signature.test.ts).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak256 } from './keccak.ts';

/** The raw addon: writes the 65-byte uncompressed key into `out`; 0 = recovered, else r/s unparsable or no key. */
type NativeRecover = (out: Uint8Array, sig64: Uint8Array, recid: number, hash: Uint8Array) => number;

/** libsecp256k1's recovery, or undefined where the addon does not load. */
function loadNative(): NativeRecover | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('secp256k1/package.json');
    // The addon itself, not the package's entry point: that falls back to `elliptic` silently.
    const addon = createRequire(pkg)('node-gyp-build')(dirname(pkg)) as { Secp256k1: new () => { ecdsaRecover: NativeRecover } };
    const ctx = new addon.Secp256k1();
    return (out, sig, recid, hash) => ctx.ecdsaRecover(out, sig, recid, hash);
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation {@link recoverPublicKey} uses: 'libsecp256k1' or '@noble/curves'. */
export const secp256k1Backend: 'libsecp256k1' | '@noble/curves' = native ? 'libsecp256k1' : '@noble/curves';

/** A recovery: the signer's 64-byte public key (x ‖ y), or undefined when the signature recovers none. */
export type Recover = (hash: Uint8Array, recid: number, rs: Uint8Array) => Uint8Array | undefined;

const recoverNative: Recover = (hash, recid, rs) => {
  const out = new Uint8Array(65);
  return native!(out, rs, recid, hash) === 0 ? out.subarray(1) : undefined;
};

/** Recovery on @noble/curves only (the fallback; tests check it on its own). */
export const recoverNoble: Recover = (hash, recid, rs) => {
  try {
    return secp256k1.Signature.fromBytes(rs).addRecoveryBit(recid).recoverPublicKey(hash).toBytes(false).subarray(1);
  } catch {
    return undefined; // r or s out of range, or no point with x = r
  }
};

/**
 * The public key that signed the 32-byte `hash` with `rs` (r ‖ s, 64 bytes big-endian) and recovery id `recid`
 * (0 or 1), or undefined: r or s zero or ≥ the group order, or no curve point with x = r.
 */
export const recoverPublicKey: Recover = native ? recoverNative : recoverNoble;

/** The address (lowercase `0x` + 40 hex) of a 64-byte public key: the last 20 bytes of its keccak256. */
export function publicKeyAddress(pub: Uint8Array): string {
  return '0x' + Buffer.from(keccak256(pub).subarray(12)).toString('hex');
}
