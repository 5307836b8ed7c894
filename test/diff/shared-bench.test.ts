/**
 * @file Every program of the shared benchmark corpus (`../shared/bench`, loaded by runtime/shared-bench.ts) on the
 * compiled engine, compared with @ethereumjs/evm:
 * - live: the case is also run through `runReference` and everything is compared (status, gas, output, logs,
 *   storage, refund) — for every case whose recorded reference time is at most LIVE_MS, plus one snailtracer
 *   (slow on the reference, ~20 s), or for all of them with MEVMC_BENCH_ALL=1;
 * - recorded: every case with a line in `reference-results.ethereumjs.jsonl` (produced by the same @ethereumjs/evm
 *   version) must match its status, gasUsed, output (prefix + length where the jsonl truncates it) and log count.
 * Programs that reach CALL*, CREATE* or SELFDESTRUCT must stop with our 'not yet supported' halt (listed with a
 * warning). Skipped visibly: the whole file when ../shared is absent, and the heavy cases with no recorded result
 * (fib with N = 1e8: 6.3e9 gas, far too slow for the reference).
 */
import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../../runtime/harness/case.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import * as shared from '../../runtime/harness/shared-bench.ts';
import type { BenchCase } from '../../runtime/harness/shared-bench.ts';
import { UNSUPPORTED, caseJson, expectSame, runOurs } from '../helpers/engines.ts';

/** Reference time (ms, from the jsonl) up to which a case is also run live on ethereumjs. */
const LIVE_MS = 1000;
/** The one slow case run live anyway. */
const LIVE_SLOW = 'mega__snailtracer';
const ALL = process.env.MEVMC_BENCH_ALL === '1';

const loaded = typeof shared.loadSharedBench === 'function' ? shared.loadSharedBench() : { cases: [], missing: 'runtime/shared-bench.ts has no loadSharedBench yet' };
const prepare = async (b: BenchCase): Promise<BenchCase> => (typeof shared.prepareBenchCase === 'function' ? shared.prepareBenchCase(b) : b);
const unsupported: string[] = [];

function matchesRecorded(b: BenchCase, r: CaseResult): string[] {
  const e = b.expected!;
  const d: string[] = [];
  if (r.status !== e.status) d.push(`status ours ${r.status} (${r.error}) recorded ${e.status}`);
  if (r.gasUsed !== e.gasUsed) d.push(`gasUsed ours ${r.gasUsed} recorded ${e.gasUsed}`);
  if (!shared.outputMatches(e, r.output)) d.push(`output ours ${r.output.slice(0, 80)}… (${(r.output.length - 2) / 2} bytes) recorded ${e.output.slice(0, 80)}… (${e.outputBytes} bytes)`);
  if (e.logs !== undefined && r.logs.length !== e.logs) d.push(`logs ours ${r.logs.length} recorded ${e.logs}`);
  return d;
}

describe('shared benchmark corpus', () => {
  if (loaded.missing !== undefined) {
    console.warn(`[shared-bench] skipped: ${loaded.missing}`);
    it.skip(`shared benchmarks (${loaded.missing})`, () => undefined);
    return;
  }
  for (const s of loaded.skipped ?? []) console.warn(`[shared-bench] not loaded: ${s.name}: ${s.reason}`);

  it('the corpus loaded', () => {
    expect(loaded.cases.length).toBeGreaterThan(20);
  });

  for (const b0 of loaded.cases) {
    const live = ALL || b0.case.id === LIVE_SLOW || (!b0.heavy && (b0.refMs === undefined ? b0.expected === undefined : b0.refMs <= LIVE_MS));
    if (!live && b0.expected === undefined) {
      it.skip(`${b0.name} (heavy, no recorded reference result)`, () => undefined);
      continue;
    }
    it(`${b0.name}${live ? ' (live reference)' : ' (recorded reference result)'}`, async () => {
      let b: BenchCase;
      try {
        b = await prepare(b0);
      } catch (e) {
        console.warn(`[shared-bench] ${b0.name}: cannot prepare: ${(e as Error).message}`);
        return;
      }
      const ours = runOurs(b.case);
      if (ours.error?.startsWith(UNSUPPORTED)) {
        expect(ours.status).toBe('halt');
        unsupported.push(b.name);
        console.warn(`[shared-bench] ${b.name}: reaches an unsupported opcode (${ours.error}); not compared`);
        return;
      }
      if (b.expected) {
        const d = matchesRecorded(b, ours);
        if (d.length > 0) console.error(`[MISMATCH vs recorded] ${b.name}\n  ${d.join('\n  ')}\ncase: ${JSON.stringify(caseJson(b.case))}`);
        expect(d, `${b.name} against reference-results.ethereumjs.jsonl`).toEqual([]);
      }
      if (live) {
        const ref = await runReference(b.case);
        await expectSame(b.case, { ref, note: b.name });
      }
    }, 600_000);
  }

  it('summary of programs not compared', () => {
    if (unsupported.length > 0) console.warn(`[shared-bench] ${unsupported.length} programs stop at CALL*/CREATE*/SELFDESTRUCT: ${unsupported.join(', ')}`);
  });
});
