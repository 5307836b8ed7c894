/**
 * @file `mevmc bench` / `npm run bench`: one table row per program of ../shared/bench and of the
 * corpus bench cases — @ethereumjs/evm time, mevmc time, ratio, compile time — measured with
 * tinybench side by side in the same process. Each task is a whole message call on fresh state
 * (setup included on both sides); `exec ratio` compares execution only (median execMs).
 * A result that differs from the reference is printed and the program is not timed. `1st ms` is the first call
 * after compiling (instantiation included); `--per-call` (also a section of the full run) prints µs per tiny call.
 */
import { Bench } from 'tinybench';
import { loadCorpusBenchCases } from '../../corpus/index.ts';
import type { Case } from '../../runtime/harness/case.ts';
import { runCase } from '../../runtime/harness/batch.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { ensureCompiler, WasmLoader } from '../../runtime/loader/wasm.ts';
import { nativeFibSection } from './bench-native.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { loadSharedBench, prepareBenchCase } from '../../runtime/harness/shared-bench.ts';
import { parseForkName } from '../../src/evm/forks.ts';
import { sameResult } from './corpus.ts';
import { formatPerCall, runPerCallBench } from '../../runtime/harness/per-call-bench.ts';
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
  for (const l of formatPerCall(await runPerCallBench(loader, tiny))) console.log(l);
}

export async function benchCommand(a: { filter?: string; time: number; heavy: boolean; perCall?: boolean }): Promise<number> {
  const filter = regexOption('filter', a.filter);
  positiveNumberOption('time', a.time);
  const loader = new WasmLoader();
  await ensureCompiler(); // every program is compiled here
  if (a.perCall) {
    await perCallSection(loader);
    return 0;
  }
  // The native column (issue #5): execution only, next to wasm's; skipped with a reason without clang/koffi.
  const noNative = nativeUnavailableReason();
  const native = noNative ? undefined : new NativeLoader();
  if (noNative) console.log(`(native column skipped: ${noNative})`);
  const rows: string[] = [];
  const pad = (s: string, n: number) => s.padStart(n);
  const header = `${'program'.padEnd(46)}${pad('ethereumjs', 12)}${pad('mevmc', 11)}${pad('ratio', 9)}${pad('exec ratio', 11)}${pad('compile', 10)}${pad('code', 8)}${pad('1st ms', 9)}` +
    (native ? `${pad('native', 10)}${pad('wasm/nat', 10)}${pad('clang', 9)}` : '');
  console.log(header);
  /** Native columns: exec ms, wasm exec / native exec, compile ms (clang included); checked against the wasm result. */
  const nativeCols = (p: Program, w: { execMs: number; status: string; gasUsed: string; output: string }): string => {
    if (!native) return '';
    const fork = parseForkName(p.c.fork)!;
    const t0 = performance.now();
    const loaded = native.load(p.c.code, fork);
    const clangMs = loaded.fromDisk ? loaded.compileMs : performance.now() - t0;
    const n = runCase(p.c, { loader: native, repeat: 3 });
    if (n.status !== w.status || n.gasUsed !== w.gasUsed || n.output !== w.output) return `  native DIFFERS: ${n.status}/${n.gasUsed}`;
    return `${pad(n.execMs.toFixed(2), 10)}${pad((w.execMs / n.execMs).toFixed(2) + '×', 10)}${pad(clangMs.toFixed(0), 9)}`;
  };
  for (const p of await programs(filter)) {
    const fork = parseForkName(p.c.fork)!;
    const t0 = performance.now();
    loader.load(p.c.code, fork);
    const compileMs = performance.now() - t0;
    const firstMs = runCase(p.c, { loader }).execMs; // the first call: instance creation included
    const w = runCase(p.c, { loader, repeat: 3 });
    if (w.error?.startsWith('not yet supported')) {
      console.log(`${p.name.padEnd(46)} (needs nested calls/creates: issue #3)`);
      continue;
    }
    if (p.heavy && !(a.heavy && p.refKnown)) {
      // Too slow for the reference (minutes): mevmc alone, checked against nothing but its own status.
      console.log(`${p.name.padEnd(46)}${pad('-', 12)}${pad(w.execMs.toFixed(1), 11)}${pad('-', 9)}${pad('-', 11)}${pad(compileMs.toFixed(1), 10)}${pad(String(p.c.code.length), 8)}${pad(firstMs.toFixed(2), 9)}${nativeCols(p, w)}  (${w.status}, gas ${w.gasUsed}; reference not run)`);
      continue;
    }
    const r = await runReference(p.c, { repeat: 1 });
    if (!sameResult(w, r)) {
      console.log(`${p.name.padEnd(46)} DIFFERS from the reference: mevmc ${w.status}/${w.gasUsed} vs ref ${r.status}/${r.gasUsed}`);
      continue;
    }
    const slow = r.execMs > 1000;
    if (slow) {
      // One reference run is already seconds: compare single runs instead of a tinybench series.
      const w3 = runCase(p.c, { loader, repeat: 3 });
      const execW = w3.execMs;
      const line = `${p.name.padEnd(46)}${pad(r.execMs.toFixed(1), 12)}${pad(execW.toFixed(1), 11)}${pad((r.execMs / execW).toFixed(1) + '×', 9)}${pad((r.execMs / execW).toFixed(1) + '×', 11)}${pad(compileMs.toFixed(1), 10)}${pad(String(p.c.code.length), 8)}${pad(firstMs.toFixed(2), 9)}${nativeCols(p, w3)}`;
      console.log(line);
      rows.push(line);
      continue;
    }
    const bench = new Bench({ time: a.time, iterations: 5, warmupIterations: 2 });
    bench.add('ref', async () => { await runReference(p.c); });
    bench.add('mevmc', () => { runCase(p.c, { loader }); });
    await bench.run();
    const mean = (n: string) => bench.tasks.find((t) => t.name === n)!.result as unknown as { latency?: { mean: number }; mean?: number };
    const ms = (n: string) => mean(n).latency?.mean ?? mean(n).mean ?? NaN;
    const refMs = ms('ref');
    const wasmMs = ms('mevmc');
    const w5 = runCase(p.c, { loader, repeat: 5 });
    const execW = w5.execMs;
    const line = `${p.name.padEnd(46)}${pad(refMs.toFixed(3), 12)}${pad(wasmMs.toFixed(3), 11)}${pad((refMs / wasmMs).toFixed(1) + '×', 9)}${pad((r.execMs / execW).toFixed(1) + '×', 11)}${pad(compileMs.toFixed(1), 10)}${pad(String(p.c.code.length), 8)}${pad(firstMs.toFixed(2), 9)}${nativeCols(p, w5)}`;
    console.log(line);
    rows.push(line);
  }
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
