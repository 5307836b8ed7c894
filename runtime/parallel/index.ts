/**
 * @file The parallel block executor as the library exports it: the worker pool an embedder keeps across blocks
 * (`executeBlock(block, state, { pool })`), the statistics a parallel run reports, and the coordinator's defaults.
 */
export { MIN_DISPATCHED_GAS } from './coordinator.ts';
export { ParallelPool, defaultWorkers } from './pool.ts';
export type { LoaderSpec } from './protocol.ts';
export type { ConflictKind } from './reads.ts';
export type { ParallelStats } from './stats.ts';
