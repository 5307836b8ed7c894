/**
 * @file MegaETH's storage gas that does not depend on state (spec REX; docs/megaeth.md §3.1): charged on top of
 * Ethereum's intrinsic gas for every transaction. mega-evm `constants.rs` (`rex::TX_INTRINSIC_STORAGE_GAS`,
 * `mini_rex::CALLDATA_STANDARD_TOKEN_STORAGE_GAS` = 10 × 4 per token, `…_STORAGE_FLOOR_GAS` = 10 × 10 per token),
 * applied in `MegaHandler::validate`, deposits and Mega system transactions included.
 *
 * Storage gas charged during execution (by the host, {@link HostChainRules}): LOG (mega-evm `evm/instructions.rs`,
 * the LOG wrapper: `mini_rex::LOG_TOPIC_STORAGE_GAS` = 10 × 375 per topic, `LOG_DATA_STORAGE_GAS` = 10 × 8 per byte,
 * charged before the log is recorded, so an out-of-gas halts at the LOG and a later revert keeps the charge); code
 * deposit (`mini_rex::CODEDEPOSIT_STORAGE_GAS` = 10,000 per byte of a successful creation's code, `evm/execution.rs`
 * `after_frame_run_instructions`: charged before Ethereum's deposit checks, out of gas when it does not fit).
 *
 * Not here yet (they need SALT bucket capacities): SSTORE / new-account / contract-creation storage gas.
 */
import type { HostChainRules } from '../../host/types.ts';
import type { Tx } from '../../tx/index.ts';

/** REX: flat storage gas of every transaction (21,000 + 39,000 = 60,000 for a plain transfer). */
export const REX_TX_INTRINSIC_STORAGE_GAS = 39_000n;
/** Storage gas per calldata token (a zero byte is 1 token, a non-zero byte 4). */
export const CALLDATA_STORAGE_GAS_PER_TOKEN = 40n;
/** Added to the EIP-7623 floor per calldata token. */
export const CALLDATA_STORAGE_FLOOR_PER_TOKEN = 100n;

/** Calldata tokens as EIP-7623 counts them: zero bytes + 4 × non-zero bytes. */
export function calldataTokens(data: Uint8Array): bigint {
  let n = 0;
  for (const b of data) n += b === 0 ? 1 : 4;
  return BigInt(n);
}

/** The storage gas REX adds to a transaction's intrinsic gas and to its floor. */
export function rexIntrinsicStorageGas(tx: Pick<Tx, 'data'>): { initial: bigint; floor: bigint } {
  const tokens = calldataTokens(tx.data);
  return { initial: REX_TX_INTRINSIC_STORAGE_GAS + CALLDATA_STORAGE_GAS_PER_TOKEN * tokens, floor: CALLDATA_STORAGE_FLOOR_PER_TOKEN * tokens };
}

/** Storage gas per LOG topic (10 × Ethereum's 375). */
export const LOG_TOPIC_STORAGE_GAS = 3_750n;
/** Storage gas per LOG data byte (10 × Ethereum's 8). */
export const LOG_DATA_STORAGE_GAS = 80n;

/** Storage gas per byte of deployed code (`mini_rex::CODEDEPOSIT_STORAGE_GAS`), on top of Ethereum's 200. */
export const CODE_DEPOSIT_STORAGE_GAS = 10_000n;

/**
 * 98/100 forwarding (mega-evm instructions.rs `forward_gas_ext`, all CALL-like opcodes from Rex, CREATE/CREATE2): the
 * child gets at most the gas left after the opcode's cost minus 2/100 of it (`− left × 2 / 100`).
 */
export const CALL_RETAIN_DIVISOR = 50n;

/** The host-side rules of spec REX. */
export function rexHostRules(): HostChainRules {
  return {
    log: (topics, dataLen) => LOG_TOPIC_STORAGE_GAS * BigInt(topics) + LOG_DATA_STORAGE_GAS * BigInt(dataLen),
    codeDepositPerByte: CODE_DEPOSIT_STORAGE_GAS,
    retainDivisor: CALL_RETAIN_DIVISOR,
  };
}
