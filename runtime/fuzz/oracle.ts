/**
 * @file The differential oracle of `mevmc fuzz`: run a case on mevmc (compiled wasm) and on @ethereumjs/evm and
 * compare status, exact gas used, output, logs, the called contract's storage and the refund. A throw of the
 * compiler or runtime is a finding (`crash`); a throw of the reference is not (`ref-error`, counted apart).
 * `firstTraceDivergence` diffs the EIP-3155 traces of both engines and names the first differing instruction.
 */
import { type Case, type CaseResult, addrKey } from '../case.ts';
import { runCaseWasm } from '../engine.ts';
import { WasmLoader } from '../loader/wasm.ts';
import { runReference } from '../reference/ethereumjs.ts';
import type { TraceStep } from '../trace.ts';
import { opName } from '../../src/index.ts';

/** The engine under test: a case in, a result out (tests substitute deliberately wrong ones). */
export type Engine = (c: Case) => CaseResult;
/**
 * mevmc with a loader of its own, replaced every 100 cases: WasmLoader's module cache never evicts and each cached
 * contract keeps its instances (each a 4 GiB-maximum WebAssembly.Memory), so a long campaign of distinct programs
 * otherwise exhausts the address space ("WebAssembly.Memory(): could not allocate memory", a runtime limitation).
 */
let loader: WasmLoader | undefined;
let loaderUses = 0;
export const wasmEngine: Engine = (c) => {
  if (!loader || ++loaderUses > 100) { loader = new WasmLoader(); loaderUses = 0; }
  return runCaseWasm(c, { loader });
};

export type VerdictKind = 'same' | 'diverge' | 'crash' | 'ref-error' | 'skip';

export interface Verdict {
  kind: VerdictKind;
  ours?: CaseResult;
  ref?: CaseResult;
  /** What differs (diverge), or the error (crash, ref-error), or why the case was skipped. */
  diffs: string[];
}

/** Divergences recorded as known (README "Current limits"): such cases are skipped, not reported. */
export function knownDivergence(c: Case): string | undefined {
  for (const [a, acc] of c.pre) {
    // @ethereumjs/evm 10.1.3 applies EOF rules to EXTCODE* of code starting with 0xEF00 on every fork.
    if (acc.code.length >= 2 && acc.code[0] === 0xef && acc.code[1] === 0x00 && a !== addrKey(c.address)) return 'pre-state code starts with 0xEF00';
  }
  if (c.code.length >= 2 && c.code[0] === 0xef && c.code[1] === 0x00) return 'code starts with 0xEF00';
  return undefined;
}

/** The fields of two results that differ (execMs never; the error wording not either). */
export function diffResults(ours: CaseResult, ref: CaseResult): string[] {
  const d: string[] = [];
  if (ours.status !== ref.status) d.push(`status: ours ${ours.status} (${ours.error}) ref ${ref.status} (${ref.error})`);
  if (ours.gasUsed !== ref.gasUsed) d.push(`gasUsed: ours ${ours.gasUsed} ref ${ref.gasUsed} (diff ${BigInt(ours.gasUsed) - BigInt(ref.gasUsed)})`);
  if (ours.output !== ref.output) d.push(`output: ours ${short(ours.output)} ref ${short(ref.output)}`);
  if (JSON.stringify(ours.logs) !== JSON.stringify(ref.logs)) d.push(`logs differ (ours ${ours.logs.length}, ref ${ref.logs.length})`);
  if (JSON.stringify(ours.storage) !== JSON.stringify(ref.storage)) d.push(`storage: ours ${short(JSON.stringify(ours.storage))} ref ${short(JSON.stringify(ref.storage))}`);
  if (ours.refund !== ref.refund) d.push(`refund: ours ${ours.refund} ref ${ref.refund}`);
  return d;
}

const short = (s: string, n = 140) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

export interface OracleOptions {
  engine?: Engine;
  /** Collect the opcodes the reference executed (EIP-3155 steps; slower). */
  coverage?: Set<number>;
}

/** Run `c` on both engines and compare. */
export async function runOracle(c: Case, opts: OracleOptions = {}): Promise<Verdict> {
  const known = knownDivergence(c);
  if (known) return { kind: 'skip', diffs: [known] };
  let ref: CaseResult;
  try {
    const cov = opts.coverage;
    ref = await runReference(c, cov ? { onStep: (s) => cov.add(s.op) } : {});
  } catch (e) {
    return { kind: 'ref-error', diffs: [String((e as Error)?.message ?? e)] };
  }
  let ours: CaseResult;
  try {
    ours = (opts.engine ?? wasmEngine)(c);
  } catch (e) {
    return { kind: 'crash', ref, diffs: [`mevmc threw: ${String((e as Error)?.stack ?? e).split('\n').slice(0, 4).join(' | ')}`] };
  }
  const diffs = diffResults(ours, ref);
  return { kind: diffs.length ? 'diverge' : 'same', ours, ref, diffs };
}

/** A short signature of a finding, used to decide whether a smaller candidate still shows "the same" bug. */
export function signature(v: Verdict): string {
  if (v.kind === 'crash') return `crash:${v.diffs[0].replace(/0x[0-9a-f]+|\d+/gi, 'N').slice(0, 80)}`;
  if (v.kind !== 'diverge') return v.kind;
  return `diverge:${v.diffs.map((d) => d.split(':')[0].split(' ')[0]).join(',')}`;
}

/** Consecutive steps at the same (depth, pc, gas) are one (ethereumjs reports a failing step twice). */
function dedupe(steps: TraceStep[]): TraceStep[] {
  const out: TraceStep[] = [];
  for (const s of steps) {
    const p = out[out.length - 1];
    if (p && p.depth === s.depth && p.pc === s.pc && p.gas === s.gas) continue;
    out.push(s);
  }
  return out;
}

export interface TraceDiff {
  /** Index of the first differing step, or -1 when the traces agree on every common step. */
  index: number;
  description: string;
  ours?: TraceStep;
  ref?: TraceStep;
  oursSteps: number;
  refSteps: number;
}

const fmt = (s: TraceStep | undefined) =>
  s ? `pc=${s.pc} ${s.opName || opName(s.op)} depth=${s.depth} gas=${s.gas} stack=[${s.stack.slice(-4).map((x) => '0x' + x.toString(16)).join(',')}]` : 'no step (trace ended)';

/** Trace both engines (mevmc's tracing build; ethereumjs step events) and name the first diverging instruction. */
export async function firstTraceDivergence(c: Case, maxSteps = 200_000): Promise<TraceDiff> {
  const ours: TraceStep[] = [];
  const ref: TraceStep[] = [];
  let oursErr = '';
  try {
    runCaseWasm(c, { trace: (s) => { if (ours.length < maxSteps) ours.push(s); } });
  } catch (e) {
    oursErr = ` (mevmc threw: ${(e as Error).message})`;
  }
  await runReference(c, { onStep: (s) => { if (ref.length < maxSteps) ref.push(s); } });
  const a = dedupe(ours);
  const b = dedupe(ref);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    const same = x && y && x.pc === y.pc && x.op === y.op && x.depth === y.depth && x.gas === y.gas &&
      x.stack.length === y.stack.length && x.stack.every((v, k) => v === y.stack[k]);
    if (!same) {
      const prev = i > 0 ? b[i - 1] : undefined;
      const what = !x || !y ? 'one trace ends early' : x.pc !== y.pc || x.op !== y.op ? 'control flow' : x.gas !== y.gas ? `gas (ours ${x.gas}, ref ${y.gas})` : x.depth !== y.depth ? 'depth' : 'stack';
      return {
        index: i, ours: x, ref: y, oursSteps: a.length, refSteps: b.length,
        description: `step ${i} differs in ${what}${prev ? `, after ${fmt(prev)}` : ''}:\n  ours: ${fmt(x)}\n  ref:  ${fmt(y)}${oursErr}`,
      };
    }
  }
  return { index: -1, oursSteps: a.length, refSteps: b.length, description: `traces agree on all ${n} steps (the divergence is in the final result)${oursErr}` };
}
