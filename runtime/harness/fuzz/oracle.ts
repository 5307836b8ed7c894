/**
 * @file The differential oracle of `mevmc fuzz`: run a case on mevmc (compiled wasm) and on @ethereumjs/evm and
 * compare status, exact gas used, output, logs, the called contract's storage, the refund and the whole post-state
 * (every account: existence, balance, nonce, code hash, storage — `CaseResult.postState`). A throw of the
 * compiler or runtime is a finding (`crash`); a throw of the reference is not (`ref-error`, counted apart).
 * `firstTraceDivergence` diffs the EIP-3155 traces of both engines and names the first differing instruction.
 */
import { type Case, type CaseResult, type PostAccount, type PostState, addrKey } from '../case.ts';
import { runCase } from '../batch.ts';
import { NativeLoader } from '../../loader/native.ts';
import { WasmLoader, withCompiler } from '../../loader/wasm.ts';
import { runReference } from '../reference/ethereumjs.ts';
import type { TraceStep } from '../../host/trace.ts';
import { opName } from '../../../src/index.ts';

/** What the oracle asks of an engine: `postState` — report `CaseResult.postState` (engines must pass it on). */
export interface EngineOptions {
  postState?: boolean;
}

/** The engine under test: a case in, a result out (tests substitute deliberately wrong ones). */
export type Engine = (c: Case, opts?: EngineOptions) => CaseResult;
/**
 * mevmc with a loader of its own, replaced every 100 cases: WasmLoader's module cache never evicts and each cached
 * contract keeps its instances (each a 4 GiB-maximum WebAssembly.Memory), so a long campaign of distinct programs
 * otherwise exhausts the address space ("WebAssembly.Memory(): could not allocate memory", a runtime limitation).
 */
let loader: WasmLoader | undefined;
let loaderUses = 0;
export const wasmEngine: Engine = (c, opts = {}) => {
  if (!loader || ++loaderUses > 100) { loader = new WasmLoader(); loaderUses = 0; }
  return runCase(c, { loader, postState: opts.postState });
};

/** The native engine (clang-built shared objects), a loader of its own renewed like the wasm one's. */
let native: NativeLoader | undefined;
let nativeUses = 0;
export const nativeEngine: Engine = (c, opts = {}) => {
  if (!native || ++nativeUses > 100) { native?.dispose(); native = new NativeLoader(); nativeUses = 0; }
  return runCase(c, { loader: native, postState: opts.postState });
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

/** The fields of two results that differ (execMs never; the error wording not either); `c` names account roles. */
export function diffResults(ours: CaseResult, ref: CaseResult, c?: Case): string[] {
  const d: string[] = [];
  if (ours.status !== ref.status) d.push(`status: ours ${ours.status} (${ours.error}) ref ${ref.status} (${ref.error})`);
  if (ours.gasUsed !== ref.gasUsed) d.push(`gasUsed: ours ${ours.gasUsed} ref ${ref.gasUsed} (diff ${BigInt(ours.gasUsed) - BigInt(ref.gasUsed)})`);
  if (ours.output !== ref.output) d.push(`output: ours ${short(ours.output)} ref ${short(ref.output)}`);
  if (JSON.stringify(ours.logs) !== JSON.stringify(ref.logs)) d.push(`logs differ (ours ${ours.logs.length}, ref ${ref.logs.length})`);
  if (JSON.stringify(ours.storage) !== JSON.stringify(ref.storage)) d.push(`storage: ours ${short(JSON.stringify(ours.storage))} ref ${short(JSON.stringify(ref.storage))}`);
  if (ours.refund !== ref.refund) d.push(`refund: ours ${ours.refund} ref ${ref.refund}`);
  d.push(...diffPostState(ours.postState, ref.postState, c));
  return d;
}

/** The role of an account in a case, for messages: callee, caller, coinbase, pre-state or new. */
function role(a: string, c: Case | undefined): string {
  if (!c) return '';
  if (a === addrKey(c.address)) return ' (callee)';
  if (a === addrKey(c.caller)) return ' (caller)';
  if (a === addrKey(c.block.coinbase)) return ' (coinbase)';
  return c.pre.has(a) ? ' (pre-state)' : ' (new)';
}

const fmtAccount = (x: PostAccount) =>
  `balance ${x.balance}, nonce ${x.nonce}, code ${x.codeHash.slice(0, 10)}…, ${Object.keys(x.storage).length} slots`;

/**
 * Field-by-field differences of two post-states, one line per account field (at most `max`, then a count); each line
 * starts with `postState.<field>` (exists, balance, nonce, codeHash, storage), which the minimiser keys on.
 */
export function diffPostState(ours: PostState | undefined, ref: PostState | undefined, c?: Case, max = 8): string[] {
  if (ours === undefined && ref === undefined) return [];
  if (ours === undefined || ref === undefined) return [`postState: reported by ${ours ? 'ours' : 'ref'} only`];
  const d: string[] = [];
  for (const a of [...new Set([...Object.keys(ours), ...Object.keys(ref)])].sort()) {
    const x = ours[a];
    const y = ref[a];
    const who = `${a}${role(a, c)}`;
    if (!x || !y) {
      d.push(`postState.exists ${who}: exists on ${x ? 'ours' : 'ref'} only (${fmtAccount((x ?? y)!)})`);
      continue;
    }
    if (x.balance !== y.balance) d.push(`postState.balance ${who}: ours ${x.balance} ref ${y.balance} (diff ${BigInt(x.balance) - BigInt(y.balance)})`);
    if (x.nonce !== y.nonce) d.push(`postState.nonce ${who}: ours ${x.nonce} ref ${y.nonce}`);
    if (x.codeHash !== y.codeHash) d.push(`postState.codeHash ${who}: ours ${x.codeHash} ref ${y.codeHash}`);
    for (const k of [...new Set([...Object.keys(x.storage), ...Object.keys(y.storage)])].sort()) {
      if (x.storage[k] !== y.storage[k]) d.push(`postState.storage ${who} [${short(k, 68)}]: ours ${x.storage[k] ?? '0'} ref ${y.storage[k] ?? '0'}`);
    }
  }
  return d.length > max ? [...d.slice(0, max), `postState: … and ${d.length - max} more differences`] : d;
}

const short = (s: string, n = 140) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

export interface OracleOptions {
  engine?: Engine;
  /** Collect the opcodes the reference executed (EIP-3155 steps; slower). */
  coverage?: Set<number>;
  /** Receive the halts of every frame of the reference run (runtime/halts.ts kinds; cheap). */
  onHalt?: (kind: string) => void;
  /** Compare the whole post-state (default true). */
  postState?: boolean;
}

/** Run `c` on both engines and compare. */
export async function runOracle(c: Case, opts: OracleOptions = {}): Promise<Verdict> {
  const known = knownDivergence(c);
  if (known) return { kind: 'skip', diffs: [known] };
  const postState = opts.postState ?? true;
  let ref: CaseResult;
  try {
    const cov = opts.coverage;
    ref = await runReference(c, { postState, onHalt: opts.onHalt, ...(cov ? { onStep: (s) => cov.add(s.op) } : {}) });
  } catch (e) {
    return { kind: 'ref-error', diffs: [String((e as Error)?.message ?? e)] };
  }
  let ours: CaseResult;
  try {
    ours = await withCompiler(() => (opts.engine ?? wasmEngine)(c, { postState }));
  } catch (e) {
    return { kind: 'crash', ref, diffs: [`mevmc threw: ${String((e as Error)?.stack ?? e).split('\n').slice(0, 4).join(' | ')}`] };
  }
  const diffs = diffResults(ours, ref, c);
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
    runCase(c, { trace: (s) => { if (ours.length < maxSteps) ours.push(s); } });
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
