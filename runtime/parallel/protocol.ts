/**
 * @file The messages between the parallel executor's coordinator (main thread) and its workers, and the layout of
 * the shared control words. Kept apart so both sides import it and neither imports the other.
 *
 * Per block: the coordinator posts the compiled modules the worker lacks, then one {@link BlockMsg}: the state
 * snapshot to replicate, the transactions, the order in which speculative work is claimed, and shared buffers:
 * the control words, the commit log (each committed transaction's write set, appended in block order) and the
 * worker's own result area. A worker claims the next index with `Atomics.add(ctrl[CLAIM])`, brings its replica
 * up to date from the log, executes, appends the result to its area (`u32 length` + the record of worker.ts),
 * publishes the area's new end in ctrl[RES_BYTES + w] and bumps ctrl[RES_SEQ] (the coordinator polls without a
 * message: a postMessage per result cost more than a small transaction's execution). It stops when the claims run
 * out or the coordinator sets ctrl[STOP], bumps ctrl[DONE] and posts {@link DoneMsg}.
 */
import type { Fork } from '../../src/evm/forks.ts';
import type { Tx } from '../tx/index.ts';
import type { ReceiptsShared } from './receipts-pipeline.ts';

/** Control words (Int32Array over a SharedArrayBuffer). */
export const CTRL_CLAIM = 0;
/** Transactions in the commit log (a replica that applied all of it holds every tx below this index… */
export const CTRL_SEEN = 1;
/** …and the log's length in bytes; written after the bytes, so a reader never sees a partial record. */
export const CTRL_LOG_BYTES = 2;
/** Non-zero: stop claiming (the block is done or failed). */
export const CTRL_STOP = 3;
/** Results published so far (all workers; the coordinator Atomics.waits on it). */
export const CTRL_RES_SEQ = 4;
/** Workers that finished the block. */
export const CTRL_DONE = 5;
/** Speculative transactions (positions in `order`) committed so far: workers claim at most {@link claimWindow} beyond. */
export const CTRL_COMMITTED = 6;
/**
 * Threads about to Atomics.wait. Workers blocked by the claim window store here the commit count at which to wake
 * them (half a window on: one wake-up per few commits, not one per commit), the coordinator sets CTRL_COORD_WAITING
 * before waiting on CTRL_RES_SEQ; the other side notifies only then. A notify per transaction cost the coordinator
 * ~12 ms of W2's block in a profile (a futex wake each — on a busy machine the woken thread also takes the
 * coordinator's core). Set before the value waited on is read, so a lost wake-up is impossible (the wait then sees
 * the new value; waits also time out after a few ms).
 */
export const CTRL_WORKERS_WAKE_AT = 7;
export const CTRL_COORD_WAITING = 8;
/**
 * The claim window in force (transactions past the last commit a worker may claim). The coordinator starts it at
 * {@link claimWindow} and doubles it after each run of clean validations, up to {@link MAX_CLAIM_WINDOW}; a failed
 * validation sets it back. With a fixed window of 8 the worker caught up with the commits every few transactions
 * on independent blocks and waited (a futex wait + the coordinator's wake per 4 commits).
 */
export const CTRL_WINDOW = 9;
export const MAX_CLAIM_WINDOW = 1024;
/** Worker w's result area holds this many bytes: ctrl[CTRL_RES_BYTES + w]. */
export const CTRL_RES_BYTES = 10;
export const ctrlWords = (workers: number): number => CTRL_RES_BYTES + workers;
/**
 * How far past the last commit the workers may claim: far enough to keep every worker busy on independent
 * transactions, near enough that a dependency chain or an oversubscribed machine wastes little (with 7 workers on
 * 2 cores and no bound, W4's chain had all 1,075 results executed ahead, each then failing validation).
 */
export const claimWindow = (workers: number): number => 4 * workers + 4;

/** How a worker builds its loader. */
export interface LoaderSpec {
  engine: 'wasm' | 'native';
  cacheDir?: string;
  optimize?: 0 | 1 | 2 | 3;
}

/** Test option: sleep a random time before each execution, up to this many ms. */
export interface DelaySpec {
  maxMs: number;
}

export interface ModulesMsg {
  type: 'modules';
  modules: { key: string; module: WebAssembly.Module }[];
}

export interface BlockMsg {
  type: 'block';
  id: number;
  fork: Fork;
  /** TxEnv without the blockHash function (see hashes). */
  env: {
    number: bigint; timestamp: bigint; coinbase: string; gasLimit: bigint; baseFee: bigint; prevRandao: bigint;
    chainId: bigint; blobBaseFee: bigint;
  };
  /** [number, hash] of the blocks BLOCKHASH can ask for. */
  hashes: [bigint, bigint][];
  /** Transaction indices to execute speculatively, claimed in this order… */
  order: number[];
  /** …the block's transactions (by index), sent once per block object: a worker keeps those of `txsId`. */
  txsId: number;
  txs?: Tx[];
  /** The pre-state's identity: a worker keeps the last base it decoded and its commits go into an overlay … */
  baseId: number;
  /** … and writeState of it when the worker does not hold base `baseId` yet. */
  snapshot?: Uint8Array;
  ctrl: SharedArrayBuffer;
  log: SharedArrayBuffer;
  /** Worker threads in this block (for the claim window). */
  workers: number;
  /** This worker's number (its ctrl[CTRL_RES_BYTES + w] word) and its result area (a fixed-size SharedArrayBuffer). */
  w: number;
  results: SharedArrayBuffer;
  delay?: DelaySpec;
  /** When the coordinator posted it (thread-cpu.ts sharedNow): the worker reports how late it started. */
  postedAt: number;
  /** The receipts pipeline: once it has nothing left to execute, the worker hashes receipt leaves (receipts-pipeline.ts). */
  receipts?: ReceiptsShared;
}

/** A block that runs sequentially on the coordinator: the worker only hashes its receipt leaves. */
export interface HashMsg {
  type: 'hash';
  id: number;
  receipts: ReceiptsShared;
}

/** Recover signers from a shared buffer of records (sender-recovery.ts) alongside the coordinator: nothing is posted back. */
export interface RecoverMsg {
  type: 'recover';
  id: number;
  buf: SharedArrayBuffer;
  n: number;
}

export interface DoneMsg {
  type: 'done';
  id: number;
  /** Milliseconds spent executing and building replicas (for the busy share). */
  execMs: number;
  setupMs: number;
  /** Of execMs: replaying the commit log, and encoding results. */
  replayMs: number;
  encodeMs: number;
  /** Results it published, its thread's CPU ms over the block (undefined off Linux), and ms from the post to its first claim. */
  results: number;
  cpuMs?: number;
  lagMs: number;
  /** Receipt leaves it hashed. */
  hashed?: number;
}

export interface ErrorMsg {
  type: 'error';
  id: number;
  message: string;
}

export type ToWorker = ModulesMsg | BlockMsg | HashMsg | RecoverMsg;
/** The worker's loader is set up (sent once, after start). */
export interface ReadyMsg {
  type: 'ready';
}

export type FromWorker = DoneMsg | ErrorMsg | ReadyMsg;
