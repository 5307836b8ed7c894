/**
 * @file MegaETH REX compute-gas limit, and the volatile-data reads gas detention is keyed on (mega-evm v1.3.1;
 * docs/megaeth.md §3.2–3.3).
 *
 * REX caps a transaction's compute gas (total gas less storage gas) at 200,000,000 (`rex::TX_COMPUTE_GAS_LIMIT`);
 * crossing it halts the transaction after the opcode that crossed it, with the gas still left returned ("rescued").
 * mega-evm meters compute gas per opcode; mevmc's compiled code charges gas per basic block and does not separate
 * compute from storage gas, so it cannot stop at that opcode. What it can do exactly is bound the compute gas from
 * above — the gas the transaction spent before refunds less the storage gas the host charged (intrinsic, LOG, code
 * deposit, SALT-scaled writes) — and when the bound stays within the limit no opcode crossed it and the result is
 * mega-evm's. When the bound exceeds it, {@link ComputeGasLimitError} says so rather than report a possibly wrong
 * result.
 *
 * Gas detention: the reads that trigger it are recorded per transaction ({@link RexComputeLimit.seen}: block
 * environment — COINBASE, TIMESTAMP, NUMBER, PREVRANDAO, GASLIMIT, BASEFEE, BLOCKHASH, BLOBBASEFEE, BLOBHASH, seen
 * through code compiled with `volatileEnv` and the host —, the coinbase's account, a frame of the Oracle not called
 * by the Mega system address) and the cap they imply is kept ({@link RexComputeLimit.detainedCap}: 20,000,000 /
 * 1,000,000, never raised within a block as REX's `AdditionalLimit::reset` leaves the limits before Rex1), but not
 * enforced: real block 1141 contradicts the absolute-cap reading of the spec text — its tx 25 reads NUMBER/COINBASE
 * and spends ~48 M gas of pure computation in one frame, and the header's gasUsed and receipts root equal a run in
 * which it succeeded — so what REX enforced is not established (see docs/megaeth.md §4).
 *
 * Data size, KV updates, state growth (REX: 13,107,200 bytes, 500,000, 1,000 per transaction; `rex::TX_DATA_LIMIT`,
 * `TX_KV_UPDATE_LIMIT`, `TX_STATE_GROWTH_LIMIT`, checked `used > limit` at the transaction level before Rex4). mega-evm's
 * trackers (`limit/data_size.rs`, `kv_update.rs`, `state_growth.rs`) add per item and take away on a frame revert
 * (the item is discarded) or on a reset to the original value (a refund); the counter they check at any moment is
 * therefore at most the sum of every item ever added in the transaction. {@link ResourceUsage} is that sum, counted
 * where the host sees each item (no revert and no refund subtracts anything), and wherever the host cannot tell
 * whether mega-evm adds an item it counts it. So usage ≤ limit at the end means no check ever failed and the result
 * is mega-evm's; above it the transaction is refused with a typed error (mega-evm halts it at the crossing point and
 * rescues the rest of its gas, which is not modelled). What is counted (mega-evm's rule → ours):
 * - transaction: 110 bytes + calldata + access list (20 + 32 per key: alloy's `AccessListItem::size`) + 101 per
 *   EIP-7702 authorization, plus 40 bytes / 1 KV for the caller and for each authorization's authority (whether it
 *   recovers or not); the top frame as a nested one below (value call or creation; growth only for an empty target);
 * - SSTORE with original = present ≠ new: 40 bytes, 1 KV (counted before the sentry and gas checks); original = present
 *   = 0 ≠ new: 1 state growth;
 * - CALL/CALLCODE with value: 80 bytes, 2 KV (caller and target; mega-evm skips the caller when already updated), 1
 *   growth when the target is empty — counted before depth, balance and static checks;
 * - CREATE/CREATE2 (and a creation transaction): 80 bytes, 2 KV (creator and created), 1 growth; its init code's
 *   output bytes (mega-evm counts the returned output of any create frame, reverted output included);
 * - LOG: 32 bytes per topic + data length.
 * The KV limit cannot bind while the compute limit holds: every KV item costs at least 2,900 compute gas (a warm
 * SSTORE reset; a value CALL 9,000 − 2,300 stipend for 2; CREATE 32,000 for 2), so 200,000,000 compute gas allows at
 * most ~69,000 besides the intrinsic ones; it is checked anyway.
 */

/** `rex::TX_COMPUTE_GAS_LIMIT`. */
export const REX_TX_COMPUTE_GAS_LIMIT = 200_000_000n;
/** Compute-gas cap after a block-environment or coinbase read (`mini_rex::BLOCK_ENV_ACCESS_COMPUTE_GAS`). */
export const BLOCK_ENV_ACCESS_COMPUTE_GAS = 20_000_000n;
/** Compute-gas cap after an Oracle access (`mini_rex::ORACLE_ACCESS_COMPUTE_GAS`, REX and before). */
export const ORACLE_ACCESS_COMPUTE_GAS = 1_000_000n;

/** A transaction whose compute gas may have crossed REX's limit: where mega-evm halted it is not modelled. */
export class ComputeGasLimitError extends Error {
  override name = 'ComputeGasLimitError';
  constructor(readonly txIndex: number, readonly computeBound: bigint, readonly limit: bigint) {
    super(`tx ${txIndex}: compute gas up to ${computeBound} above the REX limit ${limit}; the halt point of a transaction that crosses it is not modelled`);
  }
}

/** `rex::TX_DATA_LIMIT`: bytes of data a transaction may generate (12.5 MiB). */
export const REX_TX_DATA_LIMIT = 13_107_200;
/** `rex::TX_KV_UPDATE_LIMIT`. */
export const REX_TX_KV_UPDATE_LIMIT = 500_000;
/** `rex::TX_STATE_GROWTH_LIMIT`: new storage slots and accounts, net. */
export const REX_TX_STATE_GROWTH_LIMIT = 1_000;

/** Base bytes of every transaction (mega-evm `BASE_TX_SIZE`). */
const BASE_TX_SIZE = 110;
/** Bytes per EIP-7702 authorization (`AUTHORIZATION_SIZE`). */
const AUTHORIZATION_SIZE = 101;
/** Bytes per account or storage-slot write (`ACCOUNT_INFO_WRITE_SIZE` = `STORAGE_SLOT_WRITE_SIZE` = 8 + 32). */
export const WRITE_SIZE = 40;

/**
 * Counters of everything a transaction added to mega-evm's data-size, KV-update and state-growth trackers, reverts
 * and refunds ignored (an upper bound of each tracker: see the file note). The host adds to it (HostChainRules.resourceUsage).
 */
export interface ResourceUsage {
  data: number;
  kv: number;
  growth: number;
}

/** The three limits (REX's unless a test lowers them). */
export interface ResourceLimits {
  data: number;
  kv: number;
  growth: number;
}

/** A transaction that may have generated more data than REX allows: where mega-evm halted it is not modelled. */
export class DataSizeLimitError extends Error {
  override name = 'DataSizeLimitError';
  constructor(readonly txIndex: number, readonly bound: number, readonly limit: number) {
    super(`tx ${txIndex}: data size up to ${bound} bytes above the REX limit ${limit}; the halt point of a transaction that crosses it is not modelled`);
  }
}

/** A transaction that may have made more KV updates than REX allows. */
export class KvUpdateLimitError extends Error {
  override name = 'KvUpdateLimitError';
  constructor(readonly txIndex: number, readonly bound: number, readonly limit: number) {
    super(`tx ${txIndex}: up to ${bound} KV updates above the REX limit ${limit}; the halt point of a transaction that crosses it is not modelled`);
  }
}

/** A transaction that may have grown the state (new slots and accounts) more than REX allows. */
export class StateGrowthLimitError extends Error {
  override name = 'StateGrowthLimitError';
  constructor(readonly txIndex: number, readonly bound: number, readonly limit: number) {
    super(`tx ${txIndex}: state growth up to ${bound} above the REX limit ${limit}; the halt point of a transaction that crosses it is not modelled`);
  }
}

/** The transaction fields the intrinsic counts read. */
interface TxShape {
  to: string | undefined;
  value: bigint;
  data: Uint8Array;
  accessList: { storageKeys: unknown[] }[];
  authorizationList: unknown[];
}

/** What a transaction read that REX detains for. */
export type VolatileKind = 'blockEnv' | 'beneficiary' | 'oracle';

/**
 * One block's compute-gas state (REX). The host reports volatile reads through {@link access} and storage charges
 * through {@link storageCharged}; the block executor calls {@link startTx} and {@link endTx} around each transaction.
 */
export class RexComputeLimit {
  /** The enforced per-transaction compute-gas limit. */
  readonly limit = REX_TX_COMPUTE_GAS_LIMIT;
  /** The detention cap the block's reads so far imply (recorded, not enforced: see the file note). */
  detainedCap: bigint | undefined;
  /** Volatile reads of the current transaction. */
  readonly seen = new Set<VolatileKind>();
  /** The current transaction's compute-gas bound, once it has run. */
  lastBound = 0n;
  /** Storage gas charged in the current transaction. */
  private storage = 0n;
  /** The current transaction's data / KV / growth counters (upper bounds); the host adds to it. */
  readonly usage: ResourceUsage = { data: 0, kv: 0, growth: 0 };
  /** The largest counters of any transaction so far (figures for the docs). */
  readonly maxUsage: ResourceUsage = { data: 0, kv: 0, growth: 0 };
  readonly resourceLimits: ResourceLimits;

  constructor(readonly oracle: string, readonly systemAddress?: string, limits: Partial<ResourceLimits> = {}) {
    this.resourceLimits = { data: REX_TX_DATA_LIMIT, kv: REX_TX_KV_UPDATE_LIMIT, growth: REX_TX_STATE_GROWTH_LIMIT, ...limits };
  }

  /**
   * The counts a transaction starts with: its own bytes, the caller's and authorities' account updates, and its top
   * frame (`emptyTarget`: the recipient of a value transfer is empty).
   */
  startTxUsage(tx: TxShape, emptyTarget: boolean): void {
    const u = this.usage;
    const auths = tx.authorizationList.length;
    let list = 0;
    for (const e of tx.accessList) list += 20 + 32 * e.storageKeys.length;
    u.data = BASE_TX_SIZE + tx.data.length + list + AUTHORIZATION_SIZE * auths + WRITE_SIZE * (1 + auths);
    u.kv = 1 + auths;
    u.growth = 0;
    if (tx.to === undefined || tx.value !== 0n) {
      u.data += 2 * WRITE_SIZE;
      u.kv += 2;
      if (tx.to === undefined || emptyTarget) u.growth += 1;
    }
  }

  /** A new transaction (`intrinsicStorage`: its storage gas); a sender or recipient that is the coinbase reads its account. */
  startTx(sender: string, to: string | undefined, coinbase: string, intrinsicStorage: bigint): void {
    this.storage = intrinsicStorage;
    this.seen.clear();
    if (sender === coinbase || to === coinbase) this.access('beneficiary');
  }

  /** A volatile read; `caller` of an Oracle frame (the Mega system address is exempt). */
  access(kind: VolatileKind, caller?: string): void {
    if (kind === 'oracle' && caller !== undefined && caller === this.systemAddress) return;
    this.seen.add(kind);
    const cap = kind === 'oracle' ? ORACLE_ACCESS_COMPUTE_GAS : BLOCK_ENV_ACCESS_COMPUTE_GAS;
    if (this.detainedCap === undefined || cap < this.detainedCap) this.detainedCap = cap;
  }

  storageCharged(gas: bigint): void {
    this.storage += gas;
  }

  /** The transaction spent `gasSpent` (before refunds): throws when its compute gas may exceed the limit. */
  endTx(txIndex: number, gasSpent: bigint): void {
    this.lastBound = gasSpent - this.storage;
    const u = this.usage, m = this.maxUsage, l = this.resourceLimits;
    if (u.data > m.data) m.data = u.data;
    if (u.kv > m.kv) m.kv = u.kv;
    if (u.growth > m.growth) m.growth = u.growth;
    if (this.lastBound > this.limit) throw new ComputeGasLimitError(txIndex, this.lastBound, this.limit);
    if (u.data > l.data) throw new DataSizeLimitError(txIndex, u.data, l.data);
    if (u.kv > l.kv) throw new KvUpdateLimitError(txIndex, u.kv, l.kv);
    if (u.growth > l.growth) throw new StateGrowthLimitError(txIndex, u.growth, l.growth);
  }
}
