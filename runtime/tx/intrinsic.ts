/**
 * @file Intrinsic gas of a transaction per fork, and Prague's EIP-7623 calldata floor — as @ethereumjs/tx 10.1.3
 * computes them (`getIntrinsicGas`, `getCalldataFloorGas`):
 * - 21000 per transaction, plus 32000 for a contract creation from Homestead (EIP-2);
 * - calldata: 4 per zero byte, 68 per non-zero byte (16 from Istanbul, EIP-2028);
 * - init code of a creation: 2 per 32-byte word from Shanghai (EIP-3860);
 * - access list: 2400 per address, 1900 per storage key (EIP-2930);
 * - authorization list: 25000 per tuple (EIP-7702);
 * - floor (Prague, EIP-7623): 21000 + 10 per token, tokens = zero bytes + 4 × non-zero bytes.
 */
import { Fork } from '../../src/evm/forks.ts';
import type { Tx } from './decode.ts';

export const TX_GAS = 21000n;
export const TX_CREATE_GAS = 32000n;
export const ACCESS_LIST_ADDRESS_GAS = 2400n;
export const ACCESS_LIST_KEY_GAS = 1900n;
export const PER_EMPTY_ACCOUNT_COST = 25000n;
export const PER_AUTH_BASE_COST = 12500n;
export const INIT_CODE_WORD_GAS = 2n;
export const TOTAL_COST_FLOOR_PER_TOKEN = 10n;
/** EIP-3860 MAX_INITCODE_SIZE (2 × EIP-170's 24576). */
export const MAX_INITCODE_SIZE = 49152;

function zeroBytes(data: Uint8Array): number {
  let z = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 0) z++;
  return z;
}

/** Intrinsic gas of `tx` in `fork`. */
export function intrinsicGas(tx: Tx, fork: Fork): bigint {
  // The calldata's part as a number (≤ 68 per byte: exact far beyond any calldata), one BigInt of it.
  const zeros = zeroBytes(tx.data);
  let gas = TX_GAS + BigInt(zeros * 4 + (tx.data.length - zeros) * (fork >= Fork.Istanbul ? 16 : 68));
  if (tx.to === undefined) {
    if (fork >= Fork.Homestead) gas += TX_CREATE_GAS;
    if (fork >= Fork.Shanghai) gas += INIT_CODE_WORD_GAS * BigInt(Math.ceil(tx.data.length / 32));
  }
  for (const e of tx.accessList) gas += ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_KEY_GAS * BigInt(e.storageKeys.length);
  gas += PER_EMPTY_ACCOUNT_COST * BigInt(tx.authorizationList.length);
  return gas;
}

/** EIP-7623 floor (0 before Prague). */
export function floorGas(tx: Tx, fork: Fork): bigint {
  if (fork < Fork.Prague) return 0n;
  const zeros = BigInt(zeroBytes(tx.data));
  const tokens = zeros + (BigInt(tx.data.length) - zeros) * 4n;
  return TX_GAS + TOTAL_COST_FLOOR_PER_TOKEN * tokens;
}
