/**
 * @file SSTORE gas and refunds for every fork, as a pure function of (original, current, new).
 *
 * - Frontier … Byzantium, Petersburg: 20000 to set a zero slot, 5000 otherwise; 15000 refund for clearing.
 * - Constantinople: EIP-1283 net gas metering (https://eips.ethereum.org/EIPS/eip-1283), no sentry.
 * - Istanbul: EIP-2200 (https://eips.ethereum.org/EIPS/eip-2200): EIP-1283 with SLOAD_GAS = 800 and
 *   the 2300-gas sentry (checked by the caller).
 * - Berlin: EIP-2929 (https://eips.ethereum.org/EIPS/eip-2929): SLOAD_GAS = 100 (warm read), reset =
 *   5000 − 2100, +2100 when the slot is cold.
 * - London: EIP-3529 (https://eips.ethereum.org/EIPS/eip-3529): clearing refund 4800.
 */
import { Fork } from '../../src/evm/forks.ts';

export interface SstoreCharge {
  gas: bigint;
  refund: bigint;
}

/** Gas and refund delta of SSTORE(value) on a slot with `original` (tx start) and `current` values. */
export function sstoreCharge(fork: Fork, original: bigint, current: bigint, value: bigint, isCold: boolean): SstoreCharge {
  if (fork < Fork.Constantinople || fork === Fork.Petersburg) {
    const gas = current === 0n && value !== 0n ? 20000n : 5000n;
    return { gas, refund: current !== 0n && value === 0n ? 15000n : 0n };
  }
  const berlin = fork >= Fork.Berlin;
  const sloadGas = berlin ? 100n : fork >= Fork.Istanbul ? 800n : 200n;
  const reset = berlin ? 5000n - 2100n : 5000n;
  const clearRefund = fork >= Fork.London ? 4800n : 15000n;
  const cold = berlin && isCold ? 2100n : 0n;
  let refund = 0n;
  let gas: bigint;
  if (current === value) gas = sloadGas;
  else if (original === current) {
    if (original === 0n) gas = 20000n;
    else {
      gas = reset;
      if (value === 0n) refund += clearRefund;
    }
  } else {
    gas = sloadGas;
    if (original !== 0n) {
      if (current === 0n) refund -= clearRefund;
      else if (value === 0n) refund += clearRefund;
    }
    if (original === value) refund += original === 0n ? 20000n - sloadGas : reset - sloadGas;
  }
  return { gas: gas + cold, refund };
}
