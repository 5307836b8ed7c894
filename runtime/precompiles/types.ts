/**
 * @file The precompile interface the runtime's CALL implementation calls, and the small byte helpers every
 * precompile shares.
 *
 * Protocol (the one @ethereumjs/evm 10.1.3 follows, see index.ts {@link callPrecompile}): the caller prices the
 * input with `gas()`; if the price exceeds the gas given to the call the precompile fails with 'out of gas';
 * otherwise `run()` decides. A failure (`ok: false`) consumes all the gas given to the call and returns no data,
 * exactly as an exceptional halt of ordinary code does; a success consumes `gas()` and returns `output`.
 *
 * Some precompiles reject malformed input before pricing it in ethereumjs (blake2f's length, the pairing
 * precompiles' length, BLS MSM and pairing empty input). Their `gas()` returns 0n for such input so that `run()`
 * reports the same error message ethereumjs does; the call fails and consumes all its gas either way.
 */
import type { Fork } from '../../src/evm/forks.ts';

/** Outcome of {@link Precompile.run}: `error` is @ethereumjs/evm's exception message for the same failure. */
export type PrecompileOutcome = { ok: true; output: Uint8Array } | { ok: false; error?: string };

/** One precompiled contract. Both methods are synchronous and pure (no state, no I/O). */
export interface Precompile {
  /** Human-readable name, e.g. 'ECRECOVER'. */
  name: string;
  /** Gas the call costs on success (see the file header for inputs rejected before pricing). */
  gas(input: Uint8Array, fork: Fork): bigint;
  /** Executes the precompile; `ok: false` means the call fails and consumes all the gas given to it. */
  run(input: Uint8Array, fork: Fork): PrecompileOutcome;
}

/**
 * A chain's own precompile set, used instead of Ethereum's fork table when a block carries one
 * (BlockContext.precompiles; the OP stack's, op.ts).
 */
export interface PrecompileTable {
  /** Which chain rules this is, e.g. 'op-isthmus'. */
  name: string;
  /** The precompile at `address` (lowercase 0x + 40 hex), or undefined for an ordinary account. */
  at(address: string): Precompile | undefined;
  /** Every precompile address, warm from a transaction's start (EIP-2929); do not mutate. */
  addresses: ReadonlySet<string>;
}

/** @ethereumjs/evm's error messages (errors.ts) for the failures a precompile can report. */
export const ERR = {
  outOfGas: 'out of gas',
  outOfRange: 'value out of range',
  revert: 'revert',
  invalidInputLength: 'invalid input length',
  pointNotOnCurve: 'point not on curve',
  inputEmpty: 'input is empty',
  fpNotInField: 'fp point not in field',
  kzgCommitment: 'kzg commitment does not match versioned hash',
  kzgInputs: 'kzg inputs invalid',
  kzgProof: 'kzg proof invalid',
} as const;

/** A successful outcome. */
export const ok = (output: Uint8Array): PrecompileOutcome => ({ ok: true, output });

/** A failed outcome with ethereumjs' message. */
export const fail = (error: string): PrecompileOutcome => ({ ok: false, error });

/** An error thrown inside a precompile whose message is reported as the failure (anything else maps to 'revert'). */
export class PrecompileError extends Error {}

/** Runs `f`, mapping a thrown {@link PrecompileError} to its message and any other exception to 'revert'. */
export function guarded(f: () => Uint8Array): PrecompileOutcome {
  try {
    return ok(f());
  } catch (e) {
    return fail(e instanceof PrecompileError ? e.message : ERR.revert);
  }
}

/** `ceil(len / 32)` as a bigint: the word count of the linear-cost precompiles. */
export const words = (len: number): bigint => BigInt(Math.ceil(len / 32));

/** Big-endian bytes → bigint (empty = 0). */
export function toBig(b: Uint8Array): bigint {
  let hex = '0x0';
  for (let i = 0; i < b.length; i++) hex += b[i].toString(16).padStart(2, '0');
  return BigInt(hex);
}

/** bigint → big-endian bytes of exactly `len` bytes (the value must fit). */
export function toBytes(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** `b` truncated or right-padded with zeros to `len` bytes (a copy). */
export function padRight(b: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(b.length > len ? b.subarray(0, len) : b);
  return out;
}

/** Whether `b[from, to)` is all zero. */
export function isZero(b: Uint8Array, from = 0, to = b.length): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}
