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
 * SALT-scaled storage gas (mega-evm `external/gas.rs`, REX formulas `base × (m − 1)` with `m = capacity / 256` of
 * the bucket the key hashes to, capacities of the parent state): SSTORE of a new non-zero slot (20,000 base,
 * instructions.rs `storage_gas_ext::sstore`), value sent to an empty account by CALL/CALLCODE or by the transaction
 * (25,000), contract creation by CREATE/CREATE2 or a creation transaction (32,000). A bucket at the minimum
 * capacity costs nothing extra.
 *
 * Other REX execution rules carried by {@link rexHostRules}: SELFDESTRUCT disabled (instructions.rs, MiniRex…Rex1),
 * 512 KiB contracts and 536 KiB init code (`mini_rex::MAX_CONTRACT_SIZE`, `MAX_INITCODE_SIZE`), ModExp priced and
 * bounded as Osaka (EIP-7883/7823) and KZG point evaluation at 100,000 (evm/precompiles.rs).
 */
import { Fork } from '../../../src/evm/forks.ts';
import type { HostChainRules } from '../../host/types.ts';
import type { WorldState } from '../../state/world.ts';
import type { RexComputeLimit } from './mega-limits.ts';
import { type Tx, type TxHooks, creationAddress } from '../../tx/index.ts';

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

/** `mini_rex::MAX_CONTRACT_SIZE` (512 KiB) and `MAX_INITCODE_SIZE` (+24 KiB), from MiniRex on. */
export const MAX_CONTRACT_SIZE = 524_288;
export const MAX_INITCODE_SIZE = 548_864;
/** Precompiles MegaETH prices differently (mega-evm evm/precompiles.rs: Osaka's ModExp, KZG at a flat 100,000). */
const MODEXP = '0x0000000000000000000000000000000000000005';
const KZG_POINT_EVALUATION = '0x000000000000000000000000000000000000000a';
export const KZG_POINT_EVALUATION_GAS = 100_000n;

/** REX storage gas bases of SALT-scaled operations (`rex::*_STORAGE_GAS_BASE`), times (multiplier − 1). */
export const SSTORE_SET_STORAGE_GAS_BASE = 20_000n;
export const NEW_ACCOUNT_STORAGE_GAS_BASE = 25_000n;
export const CONTRACT_CREATION_STORAGE_GAS_BASE = 32_000n;
/** SALT's minimum bucket capacity: the multiplier's unit. */
export const MIN_BUCKET_CAPACITY = 256n;

/** Capacity of the SALT bucket a plain key (20-byte address, or address ‖ 32-byte slot) hashes to. */
export type BucketCapacityOf = (key: Uint8Array) => bigint;

const addressBytes = (a: string): Uint8Array => new Uint8Array(Buffer.from(a.slice(2), 'hex'));
const slotKey = (address: string, slot: bigint): Uint8Array => {
  const k = new Uint8Array(52);
  k.set(addressBytes(address));
  k.set(Buffer.from(slot.toString(16).padStart(64, '0'), 'hex'), 20);
  return k;
};

/** REX SALT-scaled storage gas; without capacities every bucket counts as minimal (no extra gas). */
export class SaltStorageGas {
  constructor(private readonly capacityOf?: BucketCapacityOf) {}
  private scaled(base: bigint, key: Uint8Array): bigint {
    if (!this.capacityOf) return 0n;
    const m = this.capacityOf(key) / MIN_BUCKET_CAPACITY;
    return m > 1n ? base * (m - 1n) : 0n;
  }
  sstoreSet(address: string, slot: bigint): bigint {
    return this.scaled(SSTORE_SET_STORAGE_GAS_BASE, slotKey(address, slot));
  }
  newAccount(address: string): bigint {
    return this.scaled(NEW_ACCOUNT_STORAGE_GAS_BASE, addressBytes(address));
  }
  createContract(address: string): bigint {
    return this.scaled(CONTRACT_CREATION_STORAGE_GAS_BASE, addressBytes(address));
  }
  /**
   * The transaction's own account storage gas, added to its intrinsic gas (mega-evm `MegaHandler::validate`): a
   * creation pays for the created address, a call moving value to an empty (or missing) account for that account.
   */
  forTransaction(tx: Pick<Tx, 'to' | 'value' | 'sender' | 'nonce'>, world: WorldState): bigint {
    if (tx.to === undefined) return this.createContract(creationAddress(tx.sender, tx.nonce));
    if (tx.value === 0n) return 0n;
    const a = world.getAccount(tx.to);
    const empty = a === undefined || (a.nonce === 0n && a.balance === 0n && a.code.length === 0);
    return empty ? this.newAccount(tx.to) : 0n;
  }
}

/**
 * The host-side rules of spec REX (`salt`: the block's SALT-scaled storage gas; `limits`: the block's compute-gas
 * limit and gas detention, mega-limits.ts — without it no volatile read is tracked).
 */
export function rexHostRules(salt = new SaltStorageGas(), limits?: RexComputeLimit): HostChainRules {
  const detention: Partial<HostChainRules> = limits
    ? {
      volatileAccess: (k, caller) => limits.access(k, caller), volatileContract: limits.oracle, storageCharged: (g) => limits.storageCharged(g),
      resourceUsage: limits.usage,
    }
    : {};
  return {
    ...detention,
    log: (topics, dataLen) => LOG_TOPIC_STORAGE_GAS * BigInt(topics) + LOG_DATA_STORAGE_GAS * BigInt(dataLen),
    codeDepositPerByte: CODE_DEPOSIT_STORAGE_GAS,
    retainDivisor: CALL_RETAIN_DIVISOR,
    sstoreSet: (address, slot) => salt.sstoreSet(address, slot),
    newAccount: (address) => salt.newAccount(address),
    createContract: (address) => salt.createContract(address),
    // Observed in blocks 1140-1154 (not found in mega-evm's text): the first CALL to a precompile or the coinbase in a
    // transaction costs 2,500 more than on Ethereum; BALANCE of the coinbase does not.
    coldPreloadedCalls: true,
    selfdestructDisabled: true,
    maxCodeSize: MAX_CONTRACT_SIZE,
    maxInitcodeSize: MAX_INITCODE_SIZE,
    precompile: (address) => (address === MODEXP ? { fork: Fork.Osaka } : address === KZG_POINT_EVALUATION ? { gas: KZG_POINT_EVALUATION_GAS } : undefined),
  };
}

/**
 * REX's transaction hooks: the storage gas on top of the intrinsic gas of every transaction (deposits included), and
 * with `limits` the compute-gas bound of each (`at()` names the transaction for the error).
 */
export function rexTxHooks(salt: SaltStorageGas, limits: RexComputeLimit | undefined, coinbase: string, at: () => number): TxHooks {
  return {
    intrinsicExtra: (tx, w) => {
      const g = rexIntrinsicStorageGas(tx);
      const initial = g.initial + salt.forTransaction(tx, w);
      limits?.startTx(tx.sender, tx.to, coinbase, initial);
      if (limits) {
        // Empty now (before fees, nonce, authorizations) is empty-or-more at the top frame: an upper bound.
        const t = tx.to === undefined || tx.value === 0n ? undefined : w.getAccount(tx.to);
        limits.startTxUsage(tx, t === undefined || (t.nonce === 0n && t.balance === 0n && t.code.length === 0));
      }
      return { initial, floor: g.floor };
    },
    ...(limits ? { executed: (spent: bigint) => limits.endTx(at(), spent) } : {}),
  };
}
