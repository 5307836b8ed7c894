/**
 * @file The block {@link executeBlock} runs and what it returns: a header (only the fields execution reads),
 * decoded transactions with their senders, withdrawals and uncles; per transaction its result, receipt and
 * state diff; per block the gas, bloom and receipts root to compare with the header.
 */
import type { Fork } from '../../src/evm/forks.ts';
import type { ParallelStats } from '../parallel/stats.ts';
import type { StateDiff } from '../state/world.ts';
import type { Tx, TxResult } from '../tx/index.ts';
import type { Receipt } from './receipts.ts';

/** The header fields execution needs. Hashes and roots are 0x-hex strings of 32 bytes. */
export interface BlockHeader {
  number: bigint;
  timestamp: bigint;
  /** Lowercase 0x + 40 hex. */
  coinbase: string;
  gasLimit: bigint;
  /** London on. */
  baseFee?: bigint;
  /** Before Paris: DIFFICULTY. */
  difficulty: bigint;
  /** From Paris: PREVRANDAO (the header's mixHash). */
  mixHash: bigint;
  /** EIP-2935 (Prague): stored by the history contract. */
  parentHash?: string;
  /** EIP-4788 (Cancun): stored by the beacon-roots contract. */
  parentBeaconBlockRoot?: string;
  /** Cancun on: sets the blob base fee. */
  excessBlobGas?: bigint;
  /** Cancun on: the blob gas the block's transactions use (checked when given). */
  blobGasUsed?: bigint;
  /**
   * The gas the block's transactions use, when known: a hint only (the parallel executor runs a block sequentially when
   * too little can go to workers); the result's own `gasUsed` is what the block used — compare the two to check it.
   */
  gasUsed?: bigint;
}

/** A Shanghai withdrawal: `amount` is in gwei. */
export interface Withdrawal {
  index: bigint;
  validatorIndex: bigint;
  address: string;
  amount: bigint;
}

/** An uncle (ommer) header: what the pre-Merge uncle reward needs. */
export interface Uncle {
  number: bigint;
  coinbase: string;
}

/** A block to execute. `transactions[i].sender` must be set: trusted or recovered (runtime/block/rpc.ts). */
export interface Block {
  header: BlockHeader;
  transactions: Tx[];
  withdrawals?: Withdrawal[];
  uncles?: Uncle[];
}

/** One executed transaction. */
export interface TxOutcome {
  result: TxResult;
  receipt: Receipt;
  /** What this transaction changed, over the state after the previous one. */
  diff: StateDiff;
  /** 'transfer': no code at the target when it ran; 'call': code there; 'create': a creation. */
  kind: 'transfer' | 'call' | 'create';
  /** Milliseconds from validation to commit, receipt included (compilation excluded). */
  execMs: number;
}

/** What {@link executeBlock} returns. */
export interface BlockResult {
  fork: Fork;
  /** The last receipt's cumulative gas (the header's gasUsed). */
  gasUsed: bigint;
  /** EIP-4844 blob gas of the block's transactions (0 before Cancun). */
  blobGasUsed: bigint;
  logsBloom: Uint8Array;
  /** Undefined before Byzantium unless `intermediateStateRoot` was given. */
  receiptsRoot?: Uint8Array;
  txs: TxOutcome[];
  /** Changes before the transactions: the DAO fork's refund, system calls (EIP-4788, EIP-2935), if any. */
  systemDiff: StateDiff;
  /** Changes after the transactions: Prague's request system calls, withdrawals, block and uncle rewards. */
  finalDiff: StateDiff;
  /** Milliseconds executing (system calls, transactions, rewards; compilation excluded). */
  execMs: number;
  /** Milliseconds compiling contracts that were in no cache, or reading them from the loader's disk cache. */
  compileMs: number;
  /** How many contracts were compiled, and how many read from the disk cache (loaded earlier: neither). */
  contracts: { compiled: number; fromDisk: number };
  /** With `workers` > 1 or a pool: executions per transaction, conflicts, set-up and wait time. */
  parallel?: ParallelStats;
}

/**
 * The block is invalid (a transaction rejected, the gas or blob gas pool exceeded): `txIndex` names the
 * transaction, -1 when the block as a whole is (a failed system call, a header field execution contradicts).
 */
export class InvalidBlockError extends Error {
  override name = 'InvalidBlockError';
  constructor(readonly txIndex: number, message: string) {
    super(txIndex >= 0 ? `transaction ${txIndex}: ${message}` : message);
  }
}
