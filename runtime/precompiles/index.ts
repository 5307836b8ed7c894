/**
 * @file The precompiled contracts of every fork, for the runtime's CALL family: which addresses are precompiles
 * in a fork ({@link precompileAt}, {@link precompileAddresses}: availability equals @ethereumjs/evm 10.1.3's
 * `getActivePrecompiles`), and {@link callPrecompile}, the pricing/execution protocol described in types.ts.
 *
 * | address | precompile | from |
 * | --- | --- | --- |
 * | 0x01–0x04 | ecrecover, sha256, ripemd160, identity | Frontier |
 * | 0x05–0x08 | modexp (EIP-198), bn254 add/mul/pairing (EIP-196/197) | Byzantium |
 * | 0x09 | blake2f (EIP-152) | Istanbul |
 * | 0x0a | KZG point evaluation (EIP-4844) | Cancun |
 * | 0x0b–0x11 | BLS12-381 (EIP-2537) | Prague |
 * | 0x0100 | p256verify (EIP-7951) | Osaka |
 *
 * A chain may have its own set instead (a {@link PrecompileTable}: the OP stack's per upgrade, op.ts); the host
 * asks {@link precompileFor}.
 *
 * Warmth (EIP-2929): the precompile addresses are warm at the start of a transaction, but not in a bare runCall
 * (see runtime/reference/ethereumjs.ts); warming is the caller's business.
 */
import { Fork } from '../../src/evm/forks.ts';
import { ecrecover } from './01-ecrecover.ts';
import { sha256 } from './02-sha256.ts';
import { ripemd160 } from './03-ripemd160.ts';
import { identity } from './04-identity.ts';
import { modexp } from './05-modexp.ts';
import { ecadd } from './06-ecadd.ts';
import { ecmul } from './07-ecmul.ts';
import { ecpairing } from './08-ecpairing.ts';
import { blake2f } from './09-blake2f.ts';
import { pointEvaluation } from './0a-point-evaluation.ts';
import { blsG1Add } from './0b-bls-g1add.ts';
import { blsG1Msm } from './0c-bls-g1msm.ts';
import { blsG2Add } from './0d-bls-g2add.ts';
import { blsG2Msm } from './0e-bls-g2msm.ts';
import { blsPairing } from './0f-bls-pairing.ts';
import { blsMapFpToG1 } from './10-bls-map-fp-to-g1.ts';
import { blsMapFp2ToG2 } from './11-bls-map-fp2-to-g2.ts';
import { p256verify } from './0100-p256verify.ts';
import { ERR, type Precompile, type PrecompileTable } from './types.ts';

export type { Precompile, PrecompileOutcome, PrecompileTable } from './types.ts';

/** Lowercase 0x-prefixed 20-byte address of precompile number `n`. */
const addr = (n: number): string => '0x' + n.toString(16).padStart(40, '0');

/** Every precompile with the fork that introduced it, in address order. */
export const PRECOMPILES: readonly { address: string; since: Fork; precompile: Precompile }[] = [
  [0x01, Fork.Frontier, ecrecover],
  [0x02, Fork.Frontier, sha256],
  [0x03, Fork.Frontier, ripemd160],
  [0x04, Fork.Frontier, identity],
  [0x05, Fork.Byzantium, modexp],
  [0x06, Fork.Byzantium, ecadd],
  [0x07, Fork.Byzantium, ecmul],
  [0x08, Fork.Byzantium, ecpairing],
  [0x09, Fork.Istanbul, blake2f],
  [0x0a, Fork.Cancun, pointEvaluation],
  [0x0b, Fork.Prague, blsG1Add],
  [0x0c, Fork.Prague, blsG1Msm],
  [0x0d, Fork.Prague, blsG2Add],
  [0x0e, Fork.Prague, blsG2Msm],
  [0x0f, Fork.Prague, blsPairing],
  [0x10, Fork.Prague, blsMapFpToG1],
  [0x11, Fork.Prague, blsMapFp2ToG2],
  [0x0100, Fork.Osaka, p256verify],
].map(([n, since, precompile]) => ({ address: addr(n as number), since: since as Fork, precompile: precompile as Precompile }));

const BY_ADDRESS = new Map(PRECOMPILES.map((p) => [p.address, p]));

/** The precompile at `address` (lowercase 0x + 40 hex) in `fork`, or undefined when it is an ordinary account. */
export function precompileAt(fork: Fork, address: string): Precompile | undefined {
  // Every precompile address starts 0x000…: most addresses are turned away without hashing the string.
  if (address.charCodeAt(2) !== 48 || address.charCodeAt(12) !== 48) return undefined;
  const p = BY_ADDRESS.get(address);
  return p !== undefined && fork >= p.since ? p.precompile : undefined;
}

/** The precompile at `address` in a block: from the chain's `table` when it has one, else Ethereum's for `fork`. */
export function precompileFor(table: PrecompileTable | undefined, fork: Fork, address: string): Precompile | undefined {
  return table !== undefined ? table.at(address) : precompileAt(fork, address);
}

const ADDRESSES = new Map<Fork, string[]>();

/** The precompile addresses of `fork`, in ascending order (the same array each time: do not mutate). */
export function precompileAddresses(fork: Fork): string[] {
  let a = ADDRESSES.get(fork);
  if (!a) ADDRESSES.set(fork, (a = PRECOMPILES.filter((p) => fork >= p.since).map((p) => p.address)));
  return a;
}

/** Outcome of {@link callPrecompile}: what the CALL sees. On failure `gasUsed` is the whole `gasLimit`. */
export type PrecompileCallResult =
  | { ok: true; gasUsed: bigint; output: Uint8Array }
  | { ok: false; gasUsed: bigint; output: Uint8Array; error: string };

/** Prices then runs `p` with `gasLimit` available, as @ethereumjs/evm does (see types.ts). */
export function callPrecompile(p: Precompile, input: Uint8Array, gasLimit: bigint, fork: Fork): PrecompileCallResult {
  const gas = p.gas(input, fork);
  if (gas > gasLimit) return { ok: false, gasUsed: gasLimit, output: new Uint8Array(0), error: ERR.outOfGas };
  const r = p.run(input, fork);
  if (!r.ok) return { ok: false, gasUsed: gasLimit, output: new Uint8Array(0), error: r.error ?? ERR.revert };
  return { ok: true, gasUsed: gas, output: r.output };
}
