/**
 * @file Light-weight pieces of a fuzzing campaign (modes, program indices, statistics, findings), importable without
 * loading the compiler or the reference: the main thread of `mevmc fuzz` only coordinates worker threads.
 */
import { Fork } from '../../../src/evm/forks.ts';
import { TRAITS } from '../../../src/evm/traits.ts';
import { HALT_KINDS } from '../halts.ts';

export type Mode = 'gen' | 'raw' | 'mutate';
export const MODES: readonly Mode[] = ['gen', 'raw', 'mutate'];

/** Global program index of local step `k` of worker `w` (of `workers`) in shard `shard` (of `shards`). */
export const globalIndex = (k: number, w: number, workers: number, shard: number, shards: number): number => (k * workers + w) * shards + shard;

export interface Stats {
  /** Executions (each on both engines), including gas-pressure re-runs. */
  execs: number;
  programs: number;
  same: number;
  diverge: number;
  crash: number;
  refError: number;
  skip: number;
  /** Top-level outcome on the reference: 'success', 'revert' or the halt's error. */
  halts: Record<string, number>;
  /** Exceptional halts (and fail-fast CALL/CREATE failures) of every frame on the reference, by runtime/halts.ts kind. */
  haltKinds: Record<string, number>;
  /** Opcodes executed by the reference (any depth), as sorted numbers. */
  opcodes: number[];
}

export const emptyStats = (): Stats => ({ execs: 0, programs: 0, same: 0, diverge: 0, crash: 0, refError: 0, skip: 0, halts: {}, haltKinds: {}, opcodes: [] });

export function mergeStats(into: Stats, s: Stats): void {
  for (const k of ['execs', 'programs', 'same', 'diverge', 'crash', 'refError', 'skip'] as const) into[k] += s[k];
  for (const [h, n] of Object.entries(s.halts)) into.halts[h] = (into.halts[h] ?? 0) + n;
  for (const [h, n] of Object.entries(s.haltKinds ?? {})) into.haltKinds[h] = (into.haltKinds[h] ?? 0) + n;
  into.opcodes = [...new Set([...into.opcodes, ...s.opcodes])].sort((a, b) => a - b);
}

/** The opcodes defined in the newest fuzzed fork (the coverage target). */
export function forkOpcodes(fork = Fork.Osaka): number[] {
  const out: number[] = [];
  for (let i = 0; i < 256; i++) if (TRAITS[i] && fork >= TRAITS[i]!.since) out.push(i);
  return out;
}

/** Halt-kind coverage: the target kinds reached (with counts), those not reached, and kinds outside the target. */
export function haltCoverage(st: Stats): { reached: Record<string, number>; missing: string[]; other: Record<string, number>; of: number } {
  const reached: Record<string, number> = {};
  const other: Record<string, number> = {};
  for (const k of HALT_KINDS) if (st.haltKinds[k]) reached[k] = st.haltKinds[k];
  for (const [k, n] of Object.entries(st.haltKinds)) if (!(HALT_KINDS as readonly string[]).includes(k)) other[k] = n;
  return { reached, missing: HALT_KINDS.filter((k) => !st.haltKinds[k]), other, of: HALT_KINDS.length };
}

export interface Finding {
  id: string;
  mode: Mode;
  seed: number;
  index: number;
  kind: 'diverge' | 'crash';
  diffs: string[];
  /** Reproducer file (written at once, overwritten by the minimised case). */
  file?: string;
  trace?: string;
  instructions?: { before: number; after: number };
}
