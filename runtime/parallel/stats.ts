/**
 * @file What a parallel block run reports (`BlockResult.parallel`): executions per transaction, conflicts by kind,
 * set-up, waiting and bytes moved between threads. Its own file so the block types can name it without importing
 * the coordinator (which imports them).
 */
import type { ConflictKind } from './reads.ts';

/** What a parallel run did (`BlockResult.parallel`). */
export interface ParallelStats {
  workers: number;
  /** Executions per transaction (1, or 2 after a failed validation). */
  executions: number[];
  /** Transactions sent to the workers (the rest ran on the coordinator: transfers, and re-executions). */
  dispatched: number;
  /** Worker results whose reads no longer held (each re-executed on the coordinator). */
  conflicts: number;
  /** Failed validations by the first location kind that failed ('error': the worker's execution threw). */
  conflictKinds: Partial<Record<ConflictKind | 'error', number>>;
  /** Set when speculation stopped (most recent results failed validation): the index after which all ran here. */
  stoppedAt?: number;
  /** Why: 'conflicts' (half of the latest 16 results failed validation) or 'hand-over' (32 commits took longer than executing them here would have). */
  stopReason?: 'conflicts' | 'hand-over';
  /** The stop rule's step factor at the block's end (sequential step ms per execution ms, from this block's exact runs; stop-rule.ts). */
  stepFactor?: number;
  /** This thread's execution ms per worker execution ms (the coordinator's own speculative runs against the workers'; stop-rule.ts). */
  workerScale?: number;
  /** Set when the block ran sequentially instead, with why (too little to run in parallel). */
  fallback?: string;
  /** A worker failed (its message); the transactions it left were executed on the coordinator. */
  workerError?: string;
  /** Milliseconds waiting for the pool's threads to start (the first parallel block of a pool only; not in execMs). */
  startMs: number;
  /** Milliseconds: replica snapshot and module hand-over before the first dispatch. */
  setupMs: number;
  /** Replicas followed the commits from this transaction on (after the first conflict; absent: never or from the start). */
  streamedFrom?: number;
  /** Every worker already held this pre-state (same origin, same system calls): no snapshot, no modules. */
  baseReused?: boolean;
  /** Milliseconds the coordinator spent waiting for worker results (the rest of the block time it was busy). */
  waitMs: number;
  /** Bytes posted to the workers (snapshot, commit log) and received from them (results). */
  bytesOut: number;
  bytesIn: number;
  /** Milliseconds the workers spent executing (summed over workers; replaying the commit log and encoding included). */
  workerExecMs: number;
  /** Of workerExecMs: replaying the commit log into the replicas, and encoding results. */
  workerReplayMs?: number;
  workerEncodeMs?: number;
  /** Results the workers published, their threads' CPU ms over the block, and the latest worker's ms from the post to its first claim. */
  workerResults?: number;
  workerCpuMs?: number;
  workerLagMs?: number;
  /** Receipt trie leaves the workers hashed while the block ran (receipts-pipeline.ts; the coordinator hashed the rest). */
  receiptLeavesByWorkers?: number;
  /** CPU ms of the coordinator's thread over set-up and transactions (Linux; a loaded machine's wall time is the scheduler's). */
  coordCpuMs?: number;
  /** Transactions the coordinator ran exactly (its turn came before any executor claimed it) … */
  ranHere?: number;
  /** … and speculatively (while a worker held the next one). */
  localSpeculated?: number;
  /** 'split' schedule: how many times the workers were sent past a run of the coordinator's, and the last share. */
  splits?: number;
  splitShare?: number;
  /**
   * Milliseconds the coordinator spent validating and committing speculative results (a worker result's commit on a
   * MemoryBackend is timed one in 16 and scaled: a performance.now() pair per commit showed in its profile).
   */
  commitMs?: number;
  /** Of commitMs, the coordinator's own speculative results (validated in memory, committed as the sequential step does). */
  localCommitMs?: number;
  /** Milliseconds of the coordinator's own speculative runs beyond their execution (diff, read set taken; speculateHere's rest). */
  localSpecExtraMs?: number;
  /** Milliseconds of transaction execution proper: the coordinator's speculative ones, the workers' (as they reported). */
  localExecMs?: number;
  workerTxMs?: number;
}
