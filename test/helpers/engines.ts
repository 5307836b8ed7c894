/**
 * @file Differential-testing helpers: run one {@link Case} on the compiled engine and on the
 * @ethereumjs/evm reference and compare what both report.
 *
 * `expectSame(c)` compares status, gasUsed, output, logs, storage and refund (never execMs; the error
 * wording only with `checkError`). On a mismatch it prints the case as one batch JSON line (replayable
 * with `mevmc run --batch`) and both results, and fails the test. Expected values always come from the
 * interpreter, never from our own output.
 *
 * CALL*, CREATE*, SELFDESTRUCT are not supported by the compiled engine yet: it halts with an error
 * starting 'not yet supported'. `expectSame` fails on that unless `allowUnsupported` is set, in which
 * case it only checks that our result is exactly that halt (never a different success result).
 */
import { assert, expect } from 'vitest';
import { type Case, type CaseResult, type ForkName, FORK_NAMES, caseToJson, parseCase, toHex } from '../../runtime/harness/case.ts';
import { runCase } from '../../runtime/harness/batch.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import type { ContractLoader, EngineKind } from '../../runtime/loader/types.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';

/** The main fork matrix. */
export const FORKS = ['cancun', 'prague', 'osaka'] as const satisfies readonly ForkName[];
/** Every fork, oldest first. */
export const ALL_FORKS: readonly ForkName[] = FORK_NAMES;

export const CALLER = '0x1000000000000000000000000000000000000001';
export const ADDRESS = '0x2000000000000000000000000000000000000002';

/** The batch JSON shape, with `code` also accepted as bytes. */
export type CaseInput = Record<string, unknown> & { code?: string | Uint8Array; calldata?: string | Uint8Array };

let counter = 0;

/** Build a case from the batch JSON shape (through `parseCase`, so exactly the batch defaults apply). */
export function mkCase(o: CaseInput): Case {
  const hex = (v: unknown) => (v instanceof Uint8Array ? toHex(v) : v);
  return parseCase({ ...o, id: o.id ?? `t${++counter}`, code: hex(o.code), calldata: hex(o.calldata) });
}

/** A case as one batch JSON object (every field explicit): runtime/case.ts `caseToJson`, replayable with `mevmc run --batch`. */
export const caseJson = (c: Case): Record<string, unknown> => caseToJson(c);

export interface SameOptions {
  /** Accept our 'not yet supported' halt (programs that may reach CALL*, CREATE*, SELFDESTRUCT). */
  allowUnsupported?: boolean;
  /** Also compare the error string of halts (ours mirrors ethereumjs' wording). */
  checkError?: boolean;
  /** Loader for the compiled engine (default: the engine's own, currently -O0; see MEVMC_TEST_OPT/MEVMC_TEST_ENGINE below). */
  loader?: ContractLoader;
  /** A precomputed reference result (e.g. from a trace run); computed with `runReference` if absent. */
  ref?: CaseResult;
  /** Extra text for the failure message. */
  note?: string;
  /** Do not print mismatches to stderr (known failures under `it.fails`). */
  quiet?: boolean;
}

export interface SameOutcome {
  ours: CaseResult;
  ref: CaseResult;
  /** Our engine stopped at an unsupported opcode (only with `allowUnsupported`). */
  unsupported: boolean;
}

export const UNSUPPORTED = 'not yet supported';

/**
 * The compiled engine under test: `MEVMC_TEST_ENGINE=native` runs every differential test on native code
 * (C through clang, via koffi) instead of wasm, e.g. `MEVMC_TEST_ENGINE=native npx vitest run test/diff`.
 */
export const TEST_ENGINE: EngineKind = process.env.MEVMC_TEST_ENGINE === 'native' ? 'native' : 'wasm';
if (process.env.MEVMC_TEST_ENGINE && !['wasm', 'native'].includes(process.env.MEVMC_TEST_ENGINE)) {
  throw new Error(`MEVMC_TEST_ENGINE=${process.env.MEVMC_TEST_ENGINE}: expected wasm or native`);
}
if (TEST_ENGINE === 'native') {
  const why = nativeUnavailableReason();
  // Asked for explicitly: fail loudly rather than silently testing wasm.
  if (why) throw new Error(`MEVMC_TEST_ENGINE=native, but ${why}`);
}

const loaders = new Map<number, ContractLoader>();
/**
 * A shared loader of the engine under test compiling at optimisation level `level` (binaryen -O for wasm,
 * clang -O for native; the wasm engine's own default loader uses -O0, the native one -O2).
 */
export function loaderAt(level: 0 | 1 | 2 | 3): ContractLoader {
  let l = loaders.get(level);
  if (!l) loaders.set(level, (l = TEST_ENGINE === 'native' ? new NativeLoader({ optimize: level }) : new WasmLoader({ optimize: level })));
  return l;
}

/** A new loader of the engine under test (tests of instance reuse that must not share the default one). */
export function freshLoader(): ContractLoader {
  return TEST_ENGINE === 'native' ? new NativeLoader({ optimize: 1 }) : new WasmLoader();
}

/**
 * The loader used when a test does not pass one: the engine's default, unless MEVMC_TEST_OPT=0..3 asks for a
 * given optimisation level (e.g. `MEVMC_TEST_OPT=2 npx vitest run test/diff` re-runs everything optimised).
 * Native: clang -O1 unless MEVMC_TEST_OPT says otherwise (thousands of small contracts: compile time dominates).
 */
function defaultLoader(): ContractLoader | undefined {
  const v = process.env.MEVMC_TEST_OPT;
  if (v === '0' || v === '1' || v === '2' || v === '3') return loaderAt(Number(v) as 0 | 1 | 2 | 3);
  return TEST_ENGINE === 'native' ? loaderAt(1) : undefined;
}

/** Run the compiled engine, turning a thrown error into a failed test that shows the case. */
export function runOurs(c: Case, loader?: ContractLoader): CaseResult {
  const l = loader ?? defaultLoader();
  try {
    return runCase(c, l ? { loader: l } : { engine: TEST_ENGINE });
  } catch (e) {
    const line = JSON.stringify(caseJson(c));
    console.error(`[mevmc threw] ${(e as Error).stack ?? e}\ncase: ${line}`);
    throw new Error(`runCase (${l?.engine ?? TEST_ENGINE}) threw ${(e as Error).message} on ${truncate(line, 600)}`);
  }
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

/** First differing 32-byte word of two hex outputs (a hint for long result dumps). */
function firstOutputDiff(a: string, b: string): string {
  const x = a.slice(2);
  const y = b.slice(2);
  if (x.length !== y.length) return `output lengths ${x.length / 2} vs ${y.length / 2} bytes`;
  for (let i = 0; i < x.length; i += 64) {
    if (x.slice(i, i + 64) !== y.slice(i, i + 64)) {
      return `first differing output word at byte ${i / 2} (word ${i / 64}): ours 0x${x.slice(i, i + 64)} ref 0x${y.slice(i, i + 64)}`;
    }
  }
  return '';
}

/** The fields that differ between two results. */
export function diffResults(ours: CaseResult, ref: CaseResult, checkError = false): string[] {
  const d: string[] = [];
  if (ours.status !== ref.status) d.push(`status: ours ${ours.status} (${ours.error}) ref ${ref.status} (${ref.error})`);
  if (ours.gasUsed !== ref.gasUsed) d.push(`gasUsed: ours ${ours.gasUsed} ref ${ref.gasUsed} (diff ${BigInt(ours.gasUsed) - BigInt(ref.gasUsed)})`);
  if (ours.output !== ref.output) d.push(`output differs: ${firstOutputDiff(ours.output, ref.output)}`);
  if (JSON.stringify(ours.logs) !== JSON.stringify(ref.logs)) d.push(`logs differ (ours ${ours.logs.length}, ref ${ref.logs.length})`);
  if (JSON.stringify(ours.storage) !== JSON.stringify(ref.storage)) d.push('storage differs');
  if (ours.refund !== ref.refund) d.push(`refund: ours ${ours.refund} ref ${ref.refund}`);
  if (checkError && ours.status === 'halt' && ref.status === 'halt' && ours.error !== ref.error) {
    d.push(`error: ours ${JSON.stringify(ours.error)} ref ${JSON.stringify(ref.error)}`);
  }
  return d;
}

const show = (r: CaseResult) => JSON.stringify({ ...r, execMs: undefined });

/** Run `c` on both engines and require identical observable results. */
export async function expectSame(c: Case, opts: SameOptions = {}): Promise<SameOutcome> {
  const ref = opts.ref ?? (await runReference(c));
  const ours = runOurs(c, opts.loader);
  const line = JSON.stringify(caseJson(c));
  if (ours.error?.startsWith(UNSUPPORTED)) {
    if (!opts.allowUnsupported) {
      console.error(`[unexpected unsupported] ${line}\nours: ${show(ours)}`);
      assert.fail(`${c.id}: our engine reports '${ours.error}' on a program meant to be supported: ${truncate(line, 600)}`);
    }
    expect(ours.status, `unsupported must be a halt: ${truncate(line, 400)}`).toBe('halt');
    return { ours, ref, unsupported: true };
  }
  const diffs = diffResults(ours, ref, opts.checkError);
  if (diffs.length > 0) {
    if (!opts.quiet) console.error(
      `[MISMATCH] ${c.id} (${c.fork})${opts.note ? ` ${opts.note}` : ''}\n  ${diffs.join('\n  ')}\n` +
        `case: ${line}\nours: ${show(ours)}\nref:  ${show(ref)}`,
    );
    assert.fail(`${c.id} (${c.fork})${opts.note ? ` ${opts.note}` : ''}: ${diffs.join('; ')}\ncase: ${truncate(line, 1500)}`);
  }
  return { ours, ref, unsupported: false };
}

/** Build the case and compare. */
export const same = (o: CaseInput, opts?: SameOptions): Promise<SameOutcome> => expectSame(mkCase(o), opts);

/** Run many cases, collecting every mismatch before failing (so one run reports all of them). */
export async function expectAllSame(cases: Case[], opts: SameOptions = {}): Promise<SameOutcome[]> {
  const out: SameOutcome[] = [];
  const failures: string[] = [];
  for (const c of cases) {
    try {
      out.push(await expectSame(c, opts));
    } catch (e) {
      failures.push((e as Error).message.split('\n')[0]);
    }
  }
  if (failures.length > 0) assert.fail(`${failures.length}/${cases.length} mismatches:\n${failures.slice(0, 30).join('\n')}`);
  return out;
}

/** 2^n as bigint. */
export const pow2 = (n: number): bigint => 1n << BigInt(n);
export const MAX256 = pow2(256) - 1n;
