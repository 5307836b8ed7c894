/**
 * @file Addresses and access gas of the CALL and CREATE families (EIP-150, EIP-161, EIP-1014, EIP-2929, EIP-7702),
 * as pure functions over the world state.
 */
import { keccak256 } from '../state/keccak.ts';
import { Fork } from '../../src/evm/forks.ts';
import { G } from '../../src/evm/gas.ts';
import type { WorldState } from '../state/world.ts';

/** EIP-7702 delegation designator prefix. */
const DELEGATION = [0xef, 0x01, 0x00];

/** The delegate of an EIP-7702 designator code (0xef0100 ‖ address), else undefined. */
export function delegateOf(code: Uint8Array): string | undefined {
  if (code.length !== 23 || code[0] !== DELEGATION[0] || code[1] !== DELEGATION[1] || code[2] !== DELEGATION[2]) return undefined;
  return '0x' + Buffer.from(code.subarray(3)).toString('hex');
}

/** CREATE address: keccak256(rlp([sender, nonce]))[12:]. */
export function createAddress(sender: string, nonce: bigint): string {
  const n = nonce === 0n ? [0x80] : nonce < 0x80n ? [Number(nonce)] : (() => {
    const b = Buffer.from(nonce.toString(16).padStart(Math.ceil(nonce.toString(16).length / 2) * 2, '0'), 'hex');
    return [0x80 + b.length, ...b];
  })();
  const body = [0x94, ...Buffer.from(sender.slice(2), 'hex'), ...n];
  return '0x' + Buffer.from(keccak256(Uint8Array.from([0xc0 + body.length, ...body])).subarray(12)).toString('hex');
}

/** CREATE2 address (EIP-1014): keccak256(0xff ‖ sender ‖ salt ‖ keccak256(initCode))[12:]. */
export function create2Address(sender: string, salt: bigint, initCode: Uint8Array): string {
  const s = Buffer.from(salt.toString(16).padStart(64, '0'), 'hex');
  const pre = Uint8Array.from([0xff, ...Buffer.from(sender.slice(2), 'hex'), ...s, ...keccak256(initCode)]);
  return '0x' + Buffer.from(keccak256(pre).subarray(12)).toString('hex');
}

/** CALL-family opcode kinds. */
export type CallKind = 'CALL' | 'CALLCODE' | 'DELEGATECALL' | 'STATICCALL';

/**
 * Dynamic gas of a CALL-family opcode besides memory (already charged by compiled code), with its
 * warming side effects. Returns the cost; the caller checks it against the gas left.
 */
export function callAccessCost(world: WorldState, fork: Fork, kind: CallKind, to: string, value: bigint): bigint {
  let cost = 0n;
  if (fork >= Fork.Berlin) cost += world.warmAddress(to) ? G.warmStorageRead : G.coldAccountAccess;
  if ((kind === 'CALL' || kind === 'CALLCODE') && value !== 0n) cost += 9000n;
  if (kind === 'CALL' && (value !== 0n || fork < Fork.SpuriousDragon)) {
    const a = world.getAccount(to);
    const isNew = fork >= Fork.SpuriousDragon
      ? a === undefined || (a.nonce === 0n && a.balance === 0n && a.code.length === 0)
      : a === undefined;
    if (isNew) cost += 25000n;
  }
  if (fork >= Fork.Prague) {
    const delegate = delegateOf(world.code(to));
    if (delegate !== undefined) cost += world.warmAddress(delegate) ? G.warmStorageRead : G.coldAccountAccess;
  }
  return cost;
}

/** Gas forwarded to the callee (without stipend), or undefined when the caller cannot afford it (pre-EIP-150). */
export function forwardedGas(fork: Fork, requested: bigint, available: bigint): bigint | undefined {
  if (fork >= Fork.TangerineWhistle) {
    const cap = available - available / 64n;
    return requested < cap ? requested : cap;
  }
  return requested > available ? undefined : requested;
}
