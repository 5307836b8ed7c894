/**
 * @file The minimiser of `mevmc fuzz`: delta debugging (ddmin) of a finding, keeping "the same" finding
 * (same verdict kind; for divergences at least one differing field in common with the original).
 *
 * Phases: drop whole callee contracts; ddmin over each contract's units (snippets), then over single
 * instructions; then the inputs: calldata (empty, then ddmin over bytes), gas (round limits), value, pre-state
 * storage and extra accounts. The result is written as a batch-format case (runtime/case.ts `caseToJson`, one
 * line, replayable with `mevmc run --batch`) to `corpus/regressions/<id>.json`, with a `fuzz` field (ignored by
 * `parseCase`) naming the differences and the first diverging EIP-3155 trace step.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Case, caseToJson } from '../case.ts';
import { type Engine, type Verdict, firstTraceDivergence, runOracle } from './oracle.ts';
import { type Program, type Unit, insCount, programToCase } from './program.ts';

export interface MinimizeOptions {
  engine?: Engine;
  /** Maximum number of oracle runs (default 3000). */
  budget?: number;
  /** Progress callback (number of oracle runs so far, current instruction count). */
  onProgress?: (runs: number, instructions: number) => void;
}

export interface Minimized {
  program: Program;
  case: Case;
  verdict: Verdict;
  runs: number;
  /** Instructions of all contracts before and after. */
  before: number;
  after: number;
}

const fields = (v: Verdict) => new Set(v.diffs.map((d) => d.split(':')[0].split(' ')[0]));

/** Does `v` show the same finding as `orig`? */
export function sameFinding(orig: Verdict, v: Verdict): boolean {
  if (v.kind !== orig.kind) return false;
  if (v.kind !== 'diverge') return true;
  const want = fields(orig);
  return [...fields(v)].some((f) => want.has(f));
}

const total = (p: Program) => p.contracts.reduce((n, c) => n + insCount(c.units), 0);

/** Classic ddmin: a smallest-found sublist of `xs` for which `keep` holds (assumed to hold for `xs`). */
export async function ddmin<T>(xs: T[], keep: (ys: T[]) => Promise<boolean>, out: { stop: () => boolean }): Promise<T[]> {
  let cur = xs;
  let n = 2;
  while (cur.length >= 1 && !out.stop()) {
    if (cur.length === 1) {
      if (await keep([])) cur = [];
      break;
    }
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < cur.length && !out.stop(); i += size) {
      const cand = [...cur.slice(0, i), ...cur.slice(i + size)];
      if (await keep(cand)) {
        cur = cand;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, 2 * n);
    }
  }
  return cur;
}

/** Shrink the finding `orig` of program `p`. */
export async function minimize(p0: Program, orig: Verdict, opts: MinimizeOptions = {}): Promise<Minimized> {
  const budget = opts.budget ?? 3000;
  let runs = 0;
  let best: { p: Program; v: Verdict } = { p: p0, v: orig };
  const before = total(p0);
  const stop = { stop: () => runs >= budget };
  const test = async (p: Program): Promise<boolean> => {
    if (runs >= budget) return false;
    runs++;
    let v: Verdict;
    try {
      v = await runOracle(programToCase(p), { engine: opts.engine });
    } catch {
      return false;
    }
    opts.onProgress?.(runs, total(p));
    if (!sameFinding(orig, v)) return false;
    best = { p, v };
    return true;
  };
  const withContract = (p: Program, i: number, units: Unit[]): Program => ({
    ...p, contracts: p.contracts.map((c, k) => (k === i ? { ...c, units } : c)),
  });

  // 1. Whole callee contracts (their code emptied, then the account dropped).
  for (let i = best.p.contracts.length - 1; i >= 1; i--) {
    if (!(await test(withContract(best.p, i, [])))) continue;
    await test({ ...best.p, contracts: best.p.contracts.filter((_, k) => k !== i) });
  }
  // 2. Units, then single instructions, of each contract (twice: a later cut can enable an earlier one).
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < best.p.contracts.length; i++) {
      await ddmin(best.p.contracts[i].units, (us) => test(withContract(best.p, i, us)), stop);
      const single = best.p.contracts[i].units.flat().map((x) => [x]);
      if (single.length !== best.p.contracts[i].units.length) {
        if (!(await test(withContract(best.p, i, single)))) continue;
      }
      await ddmin(best.p.contracts[i].units, (us) => test(withContract(best.p, i, us)), stop);
    }
  }
  // 3. Inputs.
  if (best.p.calldata.length > 0 && !(await test({ ...best.p, calldata: new Uint8Array(0) }))) {
    await ddmin([...best.p.calldata], (bs) => test({ ...best.p, calldata: Uint8Array.from(bs) }), stop);
  }
  for (const gas of [10_000_000n, 1_000_000n, 100_000n]) if (gas !== best.p.gas && (await test({ ...best.p, gas }))) break;
  if (best.p.value !== 0n) await test({ ...best.p, value: 0n });
  for (let i = 0; i < best.p.contracts.length; i++) {
    const c = best.p.contracts[i];
    if (c.storage.length) await test({ ...best.p, contracts: best.p.contracts.map((x, k) => (k === i ? { ...x, storage: [] } : x)) });
  }
  if (best.p.extraPre) {
    for (const a of Object.keys(best.p.extraPre)) {
      const rest = { ...best.p.extraPre };
      delete rest[a];
      await test({ ...best.p, extraPre: rest });
    }
  }
  return { program: best.p, case: programToCase(best.p), verdict: best.v, runs, before, after: total(best.p) };
}

export interface Reproducer {
  file: string | undefined;
  trace: string;
  json: Record<string, unknown>;
}

/** Name the first diverging trace step and write the reproducer to `<dir>/<id>.json` (no file if `dir` is undefined). */
export async function writeReproducer(m: Minimized, dir: string | undefined, meta: Record<string, unknown> = {}): Promise<Reproducer> {
  let trace: string;
  try {
    trace = (await firstTraceDivergence(m.case)).description;
  } catch (e) {
    trace = `trace diff failed: ${(e as Error).message}`;
  }
  const json = {
    ...caseToJson(m.case),
    fuzz: { ...meta, kind: m.verdict.kind, diffs: m.verdict.diffs, trace, instructions: { before: m.before, after: m.after }, minimiserRuns: m.runs },
  };
  let file: string | undefined;
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    file = join(dir, `${m.case.id}.json`);
    writeFileSync(file, JSON.stringify(json) + '\n');
  }
  return { file, trace, json };
}
