/**
 * @file ECRECOVER (0x01, Frontier; yellow paper appendix E): the address that signed a 32-byte hash with an
 * secp256k1 signature. Input (right-padded with zeros to 128 bytes, longer input truncated): hash, v, r, s as
 * 32-byte words. Flat 3000 gas. An invalid signature (v not 27/28, r or s outside [1, n), r not the x of a curve
 * point) is not a failure: the call succeeds with empty output. Signatures with high s are accepted (EIP-2 only
 * restricts transactions).
 *
 * Recovery runs on libsecp256k1 (the `secp256k1` package's N-API build, shipped prebuilt) when it loads: @noble/curves
 * in JS took ~5 ms per recovery on this machine, ~90% of mainnet block 19426587 (45 recoveries in one Axelar
 * gateway call), libsecp256k1 ~0.2 ms. Where the addon cannot load (another platform, a runtime without N-API) the
 * same rules run on @noble/curves. Both accept and reject the same inputs (test/precompiles/basic.test.ts compares
 * each with @ethereumjs/evm).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak256 } from '../state/keccak.ts';

import { type Precompile, ok, padRight, toBig } from './types.ts';

const EMPTY = new Uint8Array(0);

/** The raw addon: writes the 65-byte uncompressed key into `out`; 0 = recovered, else r/s unparsable or no key. */
type NativeRecover = (out: Uint8Array, sig64: Uint8Array, recid: number, hash: Uint8Array) => number;

/** libsecp256k1's recovery, or undefined where the addon does not load (then @noble/curves serves). */
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

/** Which implementation recovers: 'libsecp256k1' or '@noble/curves'. */
export const ecrecoverBackend = native ? 'libsecp256k1' : '@noble/curves';

/** The 64-byte public key (x, y) of the signer, or undefined when the signature recovers none. */
function recoverNative(hash: Uint8Array, recid: number, rs: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(65);
  return native!(out, rs, recid, hash) === 0 ? out.subarray(1) : undefined;
}

function recoverNoble(hash: Uint8Array, recid: number, rs: Uint8Array): Uint8Array | undefined {
  try {
    return secp256k1.Signature.fromBytes(rs).addRecoveryBit(recid).recoverPublicKey(hash).toBytes(false).subarray(1);
  } catch {
    return undefined; // r or s out of range, or no point with x = r
  }
}

/** The precompile over one recovery implementation. */
function withRecovery(recover: typeof recoverNoble): Precompile {
  return {
    name: 'ECRECOVER',
    gas: () => 3000n,
    run(input) {
      const d = padRight(input, 128);
      const v = toBig(d.subarray(32, 64));
      if (v !== 27n && v !== 28n) return ok(EMPTY);
      const pub = recover(d.subarray(0, 32), Number(v - 27n), d.subarray(64, 128));
      if (!pub) return ok(EMPTY);
      const out = new Uint8Array(32);
      out.set(keccak256(pub).subarray(12), 12);
      return ok(out);
    },
  };
}

/** ECRECOVER on @noble/curves only (the fallback; tests check it on its own). */
export const ecrecoverNoble: Precompile = withRecovery(recoverNoble);

export const ecrecover: Precompile = native ? withRecovery(recoverNative) : ecrecoverNoble;
