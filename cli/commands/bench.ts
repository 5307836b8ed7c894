/**
 * @file `mevmc bench` / `npm run bench`: one table row per program of ../shared/bench and of the corpus bench cases
 * (issue #14): the fixed evmone 0.15 reference time (bench-evmone.ts), @ethereumjs/evm execution time, mevmc wasm
 * first call (instantiation and V8's first tier included) and steady state apart, ratios against evmone and
 * @ethereumjs, host calls per run and ns per host call, compile time, and the native engine when clang is there;
 * then geomeans per program set. Execution only on every side (state setup outside the clock). A result that
 * differs from the reference is printed and the program is not timed. `--per-call` (also a section of the full run)
 * prints µs per tiny call and transaction.
 */
import { loadCorpusBenchCases } from '../../corpus/index.ts';
import type { Case, CaseResult } from '../../runtime/harness/case.ts';
import { caseTimer, runCase } from '../../runtime/harness/batch.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { ensureCompiler, WasmLoader } from '../../runtime/loader/wasm.ts';
import { nativeFibSection } from './bench-native.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { loadSharedBench, prepareBenchCase } from '../../runtime/harness/shared-bench.ts';
import { parseForkName } from '../../src/evm/forks.ts';
import { sameResult } from './corpus.ts';
import { backgroundQuiet, formatPerCall, otherThreadsNs, runPerCallBench } from '../../runtime/harness/per-call-bench.ts';
import { countHostCalls } from '../../runtime/harness/host-calls.ts';
import { median } from '../../runtime/harness/case.ts';
import { type BenchRow, benchSet, formatGeomeans, loadEvmoneReference } from './bench-evmone.ts';
import { positiveNumberOption, regexOption } from '../options.ts';

interface Program { name: string; c: Case; heavy?: boolean; refKnown?: boolean }

async function programs(filter?: RegExp): Promise<Program[]> {
  const out: Program[] = [];
  const shared = loadSharedBench();
  if (shared.missing) console.log(`(shared bench skipped: ${shared.missing})`);
  for (const b of shared.cases) {
    if (filter && !filter.test(b.name)) continue;
    try {
      const p = await prepareBenchCase(b);
      out.push({ name: p.name, c: p.case, heavy: p.heavy, refKnown: p.expected !== undefined });
    } catch (e) {
      console.log(`skip ${b.name}: ${(e as Error).message}`);
    }
  }
  for (const c of loadCorpusBenchCases()) if (!filter || filter.test(`corpus/${c.id}`)) out.push({ name: `corpus/${c.id}`, c });
  return out;
}

/** Programs of ../shared/bench that do little: the per-call rows (besides an empty STOP contract). */
const TINY = ['revmc/counter', 'revmc/airdrop', 'revmc/push0_proxy'];

/** The per-call table (issue #14): tiny calls and transactions, mevmc and @ethereumjs side by side. */
async function perCallSection(loader: WasmLoader): Promise<void> {
  const tiny = loadSharedBench().cases.filter((b) => TINY.includes(b.name) && !b.deploy)
    .map((b) => ({ name: b.name, code: b.case.code, calldata: b.case.calldata }));
  console.log('');
  for (const l of formatPerCall(await runPerCallBench(loader, tiny), loadEvmoneReference().ms)) console.log(l);
}

/**
 * Steady state: calls on a prepared WorldState (`caseTimer`: built once, each call's changes discarded, as an
 * embedder's loop runs them) for at least `budgetMs` (and at least 25 / 10 / 3 runs as the first call took < 50 ms /
 * < 0.5 s / more, at most `max`), the median of the later half: V8 tiers hot wasm functions up after some runs
 * (Liftoff first), and a call of a few µs needs thousands of runs for that (a cap of 400 runs left them in the
 * first tier). A big module's TurboFan compile can outlast the window (snailtracer, memory_grow_*: seconds at load),
 * and a running call keeps its tier: when V8's background threads were busy for more than 10% of the window, the
 * row waits until they are quiet (at most 10 s) and is timed again (at most three more windows) — what a long-running loop
 * converges to; the first call's column keeps the cold cost. Every timed call must use the gas of `expect` (a run on
 * fresh state), else the row is refused.
 */
async function steadyState(c: Case, loader: ContractLoader, budgetMs: number, firstMs: number, expect: CaseResult, max = 1_000_000, wasm = true): Promise<number> {
  const min = firstMs > 500 ? 3 : firstMs > 50 ? 10 : 25;
  const call = caseTimer(c, loader);
  const window = (): number[] => {
    const times: number[] = [];
    const t0 = performance.now();
    while ((times.length < min || performance.now() - t0 < budgetMs) && times.length < max) {
      const r = call();
      if (r.gasUsed.toString() !== expect.gasUsed) throw new Error(`a repeated call used ${r.gasUsed} gas, a fresh one ${expect.gasUsed}`);
      times.push(r.ms);
    }
    return times;
  };
  // Background CPU over a window above 10% of its wall: V8 was still compiling (this module's TurboFan, or earlier
  // rows' queued ahead of it), so wait and time again, at most three times.
  let times: number[] = [];
  for (let round = 0; round < 4; round++) {
    if (round > 0) await backgroundQuiet(10_000);
    const bg0 = otherThreadsNs();
    const w0 = performance.now();
    times = window();
    const bg1 = otherThreadsNs();
    if (!wasm || bg0 === undefined || bg1 === undefined || (bg1 - bg0) / 1e6 <= 0.1 * (performance.now() - w0)) break;
  }
  return median(times.slice(times.length >> 1));
}

export async function benchCommand(a: { filter?: string; time: number; heavy: boolean; perCall?: boolean; native?: boolean }): Promise<number> {
  const filter = regexOption('filter', a.filter);
  positiveNumberOption('time', a.time);
  const loader = new WasmLoader();
  await ensureCompiler(); // every program is compiled here
  if (a.perCall) {
    await perCallSection(loader);
    return 0;
  }
  // The native column (issue #5): execution only, next to wasm's; skipped with a reason without clang/koffi.
  const noNative = a.native === false ? 'off (--no-native)' : nativeUnavailableReason();
  const native = noNative ? undefined : new NativeLoader();
  if (noNative) console.log(`(native column skipped: ${noNative})`);
  const evmone = loadEvmoneReference();
  const pad = (s: string, n: number) => s.padStart(n);
  const num = (x: number | undefined, d = 3) => (x === undefined ? '-' : x >= 100 ? x.toFixed(1) : x.toFixed(d));
  const ratio = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? '-' : (x / y >= 10 ? (x / y).toFixed(0) : (x / y).toPrecision(2)) + '×');
  console.log(`ms per call; evmone ${evmone.evmone}: fixed reference (${evmone.date}); ejs = @ethereumjs/evm; 1st = first call after compiling; ` +
    'steady = median of the later runs; ×evmone = evmone ms / mevmc ms (> 1: mevmc faster); host = host calls per run, ns per host call');
  console.log(`${'program'.padEnd(46)}${pad('evmone', 9)}${pad('ejs', 10)}${pad('1st', 9)}${pad('steady', 9)}${pad('×evm 1st', 11)}${pad('×evmone', 10)}` +
    `${pad('×ejs', 7)}${pad('host', 8)}${pad('ns/host', 8)}${pad('compile', 9)}${pad('set', 8)}` + (native ? `${pad('native', 9)}${pad('×evm nat', 9)}` : ''));
  const rows: BenchRow[] = [];
  for (const p of await programs(filter)) {
    const fork = parseForkName(p.c.fork)!;
    const t0 = performance.now();
    loader.load(p.c.code, fork);
    const compileMs = performance.now() - t0;
    const w = runCase(p.c, { loader }); // the first call: instance creation included
    const firstMs = w.execMs;
    let steady: number;
    try {
      steady = await steadyState(p.c, loader, a.time, firstMs, w);
    } catch (e) {
      console.log(`${p.name.padEnd(46)} DIFFERS between calls: ${(e as Error).message}`);
      continue;
    }
    if (w.error?.startsWith('not yet supported')) {
      console.log(`${p.name.padEnd(46)} (needs nested calls/creates: issue #3)`);
      continue;
    }
    let ejsMs: number | undefined;
    if (!p.heavy || (a.heavy && p.refKnown)) {
      const r1 = await runReference(p.c, { repeat: 1 });
      if (!sameResult(w, r1)) {
        console.log(`${p.name.padEnd(46)} DIFFERS from the reference: mevmc ${w.status}/${w.gasUsed} vs ref ${r1.status}/${r1.gasUsed}`);
        continue;
      }
      // A few runs where one is short (the first run of a program carries @ethereumjs's own warm-up).
      ejsMs = r1.execMs > 300 ? r1.execMs : (await runReference(p.c, { repeat: r1.execMs > 30 ? 3 : 7 })).execMs;
    }
    const tally = countHostCalls(p.c, loader, firstMs > 500 ? 1 : 3);
    let nativeMs: number | undefined;
    let nativeNote = '';
    if (native) {
      const n = runCase(p.c, { loader: native });
      if (n.status !== w.status || n.gasUsed !== w.gasUsed || n.output !== w.output) nativeNote = `  native DIFFERS: ${n.status}/${n.gasUsed}`;
      else {
        try {
          // The same budget and run counts as wasm's steady state: ten calls time mostly cold ones (the object's
          // pages, the JS glue's first tiers), 2–8× a steady call on the tiny rows.
          nativeMs = await steadyState(p.c, native, a.time, firstMs, w, 1_000_000, false);
        } catch (e) {
          nativeNote = `  native DIFFERS between calls: ${(e as Error).message}`;
        }
      }
    }
    const evm = evmone.ms[p.name];
    const row: BenchRow = {
      name: p.name, evmoneMs: evm, ejsMs, firstMs, steadyMs: steady, nativeMs, hostCalls: tally.calls,
      // Fewer calls than this are below what the clock can split from its own cost.
      hostNs: tally.timedCalls >= 100 ? Math.max(0, (tally.hostMs * 1e6) / tally.timedCalls) : undefined,
      set: evm === undefined ? undefined : benchSet(evm, tally.calls),
    };
    rows.push(row);
    console.log(`${p.name.padEnd(46)}${pad(num(evm, 4), 9)}${pad(num(ejsMs, 2), 10)}${pad(num(firstMs), 9)}${pad(num(steady, 4), 9)}` +
      `${pad(ratio(evm, firstMs), 11)}${pad(ratio(evm, steady), 10)}${pad(ratio(ejsMs, steady), 7)}${pad(String(tally.calls), 8)}` +
      `${pad(row.hostNs === undefined ? '-' : row.hostNs.toFixed(0), 8)}${pad(compileMs.toFixed(1), 9)}${pad(row.set ?? '-', 8)}` +
      (native ? `${pad(num(nativeMs, 4), 9)}${pad(ratio(evm, nativeMs), 9)}` : '') +
      `${p.heavy && ejsMs === undefined ? '  (reference not run: --heavy)' : ''}${nativeNote}`);
  }
  for (const l of formatGeomeans(rows, evmone)) console.log(l);
  const unmatched = Object.keys(evmone.ms).filter((k) => !rows.some((r) => r.name === k));
  if (!filter && unmatched.length) console.log(`evmone figures with no program here: ${unmatched.join(', ')}`);
  if (!filter || filter.test('per-call')) await perCallSection(loader);
  if (native && (!filter || filter.test('fib'))) await nativeFibSection(native, a.heavy);
  native?.dispose();
  if (!filter || filter.test('salt')) {
    // SALT authenticated storage (issue #6): EC multiplications per key and wall time per batch size.
    const { runSaltBench, formatSaltBench } = await import('../../runtime/salt/index.ts');
    console.log('\nSALT (runtime/salt): root update for random key batches');
    for (const l of formatSaltBench(runSaltBench([1000, 10000]))) console.log(l);
  }
  return 0;
}
