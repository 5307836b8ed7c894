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

  constructor(readonly oracle: string, readonly systemAddress?: string) {}

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
    if (this.lastBound > this.limit) throw new ComputeGasLimitError(txIndex, this.lastBound, this.limit);
  }
}
