/**
 * @file The messages between the parallel executor's coordinator (main thread) and its workers, and the layout of
 * the shared control words. Kept apart so both sides import it and neither imports the other.
 *
 * Per block: the coordinator posts the compiled modules the worker lacks, then one {@link BlockMsg}: the state
 * snapshot to replicate, the transactions, the order in which speculative work is claimed, and two shared
 * buffers: the control words and the commit log (each committed transaction's write set, appended in block
 * order). A worker claims the next index with `Atomics.add(ctrl[CLAIM])`, brings its replica up to date from
 * the log, executes, and posts a {@link ResultMsg} (a transferred buffer). It stops when the claims run out or
 * the coordinator sets ctrl[STOP], and posts {@link DoneMsg}.
 */
import type { Fork } from '../../src/evm/forks.ts';
import type { Tx } from '../tx/index.ts';

/** Control words (Int32Array over a SharedArrayBuffer). */
export const CTRL_CLAIM = 0;
/** Transactions in the commit log (a replica that applied all of it holds every tx below this index… */
export const CTRL_SEEN = 1;
/** …and the log's length in bytes; written after the bytes, so a reader never sees a partial record. */
export const CTRL_LOG_BYTES = 2;
/** Non-zero: stop claiming (the block is done or failed). */
export const CTRL_STOP = 3;
export const CTRL_WORDS = 4;

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
  /** …and those transactions (txs[j] is transaction order[j]: only what the worker may run is cloned). */
  txs: Tx[];
  /** writeState of the committed state before the first transaction. */
  snapshot: Uint8Array;
  ctrl: SharedArrayBuffer;
  log: SharedArrayBuffer;
  delay?: DelaySpec;
}

/** Worker → coordinator: one executed transaction, encoded (see worker.ts for the layout). */
export interface ResultMsg {
  type: 'result';
  id: number;
  index: number;
  data: Uint8Array;
}

export interface DoneMsg {
  type: 'done';
  id: number;
  /** Milliseconds spent executing and building replicas (for the busy share). */
  execMs: number;
  setupMs: number;
}

export interface ErrorMsg {
  type: 'error';
  id: number;
  message: string;
}

export type ToWorker = ModulesMsg | BlockMsg;
/** The worker's loader is set up (sent once, after start). */
export interface ReadyMsg {
  type: 'ready';
}

export type FromWorker = ResultMsg | DoneMsg | ErrorMsg | ReadyMsg;
