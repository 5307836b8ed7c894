/**
 * @file One fuzzing step and its statistics, shared by the worker threads, the in-process runner and tests.
 *
 * Program indices: a campaign (seed S) is the sequence of programs 0, 1, 2, …; `--shard i/n` takes the global
 * indices ≡ i (mod n) and worker w of K takes the shard's local indices ≡ w (mod K), so shards and workers never
 * overlap and `--runs N` covers the same programs whatever K is. Program g of seed S in mode M is always the same.
 * After a program agrees on both engines, it is sometimes re-run with the gas limit just around what it used
 * (exactly, one short, or cut at a random point) — gas pressure at the exact boundaries.
 */
import { existsSync } from 'node:fs';
import { type Case, type CaseResult } from '../case.ts';
import { type Finding, type Mode, type Stats } from './stats.ts';
import { generateProgram, rawProgram } from './generate.ts';
import { minimize, writeReproducer } from './minimize.ts';
import { mutateProgram } from './mutate.ts';
import { type Engine, type Verdict, runOracle } from './oracle.ts';
import { type Program, programRng, programToCase, Rng } from './program.ts';

export type { Finding, Mode, Stats } from './stats.ts';
export { emptyStats, forkOpcodes, globalIndex, haltCoverage, mergeStats, MODES } from './stats.ts';

/** Program `index` of campaign `seed` in `mode`. */
export async function makeProgram(mode: Mode, seed: number, index: number): Promise<Program> {
  const r = programRng(seed, index);
  const id = `fuzz-${mode}-${seed}-${index}`;
  if (mode === 'gen') return generateProgram(r, id);
  if (mode === 'raw') return rawProgram(r, id);
  return mutateProgram(r, id);
}

export interface StepOptions {
  engine?: Engine;
  /** Collect executed opcodes (reference step events). */
  coverage?: boolean;
  /** Where reproducers go (none written if undefined). */
  regressionsDir?: string;
  /** Minimise findings (default true). */
  minimize?: boolean;
  minimizeBudget?: number;
  onFinding?: (f: Finding) => void;
}

const haltKind = (r: CaseResult | undefined): string => (r ? (r.status === 'halt' ? r.error ?? 'halt' : r.status) : 'none');

/** Run program `index`: the program, then maybe gas-pressure re-runs. Returns the findings. */
export async function fuzzOne(mode: Mode, seed: number, index: number, stats: Stats, opts: StepOptions = {}): Promise<Finding[]> {
  const p = await makeProgram(mode, seed, index);
  stats.programs++;
  const cov = opts.coverage ? new Set<number>() : undefined;
  const findings: Finding[] = [];
  const exec = async (q: Program): Promise<Verdict> => {
    const c: Case = programToCase(q);
    const v = await runOracle(c, { engine: opts.engine, coverage: cov, onHalt: (k) => { stats.haltKinds[k] = (stats.haltKinds[k] ?? 0) + 1; } });
    stats.execs++;
    if (v.kind === 'same') stats.same++;
    else if (v.kind === 'diverge') stats.diverge++;
    else if (v.kind === 'crash') stats.crash++;
    else if (v.kind === 'ref-error') stats.refError++;
    else stats.skip++;
    if (v.ref) stats.halts[haltKind(v.ref)] = (stats.halts[haltKind(v.ref)] ?? 0) + 1;
    if (v.kind === 'diverge' || v.kind === 'crash') findings.push(await report(q, v, mode, seed, index, opts));
    return v;
  };
  const v = await exec(p);
  if (v.kind === 'same' && v.ref && v.ref.status !== 'halt') {
    const r = new Rng(seed ^ 0x5bd1e995, index);
    if (r.chance(0.35)) {
      const used = BigInt(v.ref.gasUsed);
      const cut = r.weighted<bigint>([[1, used], [2, used - 1n], [2, used > 0n ? BigInt(r.int(Number(used > 1n << 40n ? 1n << 40n : used))) : 0n]]);
      if (cut >= 0n && cut !== p.gas) await exec({ ...p, id: `${p.id}-g${cut}`, gas: cut });
    }
  }
  if (cov) stats.opcodes = [...new Set([...stats.opcodes, ...cov])].sort((a, b) => a - b);
  return findings;
}

async function report(p: Program, v: Verdict, mode: Mode, seed: number, index: number, opts: StepOptions): Promise<Finding> {
  const f: Finding = { id: p.id, mode, seed, index, kind: v.kind === 'crash' ? 'crash' : 'diverge', diffs: v.diffs };
  const dir = opts.regressionsDir;
  const meta = { mode, seed, index, command: `mevmc fuzz --mode ${mode} --seed ${seed} --index ${index}` };
  const unmin = { program: p, case: programToCase(p), verdict: v, runs: 0, before: 0, after: 0 };
  if (dir !== undefined && !existsSync(`${dir}/${p.id}.json`)) {
    // Keep the raw finding at once: a Ctrl-C during minimisation must not lose it.
    f.file = (await writeReproducer(unmin, dir, { ...meta, minimised: false })).file;
  }
  opts.onFinding?.({ ...f });
  if (opts.minimize !== false) {
    const m = await minimize(p, v, { engine: opts.engine, budget: opts.minimizeBudget });
    const rep = await writeReproducer(m, dir, { ...meta, minimised: true });
    Object.assign(f, { file: rep.file, trace: rep.trace, diffs: m.verdict.diffs, instructions: { before: m.before, after: m.after } });
  }
  return f;
}
