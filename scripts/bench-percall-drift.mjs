#!/usr/bin/env node
// Per-call drift (issue #14 part 1): does a call that does little cost more in a process that has already run many
// contracts? For each N, a fresh child process runs `caseTimer` calls on N contract modules (distinct codes of
// ../shared/bench, then of the corpus; past those, the same codes under another fork; up to --calls calls or --ms ms
// each), then times a STOP loop (Executor.run + WorldState.discard on one WorldState, as `bench --per-call`): process
// CPU µs per call (best and median of --rounds rounds of --n calls), the main thread's and the other threads' CPU
// over all rounds (V8 compiles hot wasm with TurboFan on background threads: process CPU counts it), median wall µs.
// Needs dist/ (npm run build). Modules are cached on disk (MEVMC_CACHE_DIR, default a temp dir) so reruns do not compile.
//   node scripts/bench-percall-drift.mjs [--counts 0,10,20,40,80] [--calls 2000] [--ms 300] [--rounds 21] [--n 3000]
//     [--settle MS (wait before the STOP loop)] [--call revmc/counter (time that program's call instead of STOP)]
//   node [v8 flags] scripts/bench-percall-drift.mjs --child N …   (one N in this process: for --cpu-prof, --trace-ic)
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const COUNTS = arg('counts', '0,10,20,40,80').split(',').map(Number);
const CALLS = Number(arg('calls', 2000));
const MS = Number(arg('ms', 300));
const ROUNDS = Number(arg('rounds', 21));
const N = Number(arg('n', 3000));
const SETTLE = Number(arg('settle', 0));
const CALL = arg('call', undefined);
process.env.MEVMC_CACHE_DIR ??= join(tmpdir(), 'mevmc-percall-drift-cache');

/**
 * On-CPU ns of the main thread and of all other threads (V8's compile and GC helpers), from Linux schedstat (NaN
 * elsewhere; updated at scheduler ticks, so only sums over many rounds are meaningful). Process CPU counts both.
 */
function threadNs() {
  try {
    let main = 0;
    let other = 0;
    for (const t of readdirSync('/proc/self/task')) {
      const ns = Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      if (Number(t) === process.pid) main += ns;
      else other += ns;
    }
    return { main, other };
  } catch {
    return { main: NaN, other: NaN };
  }
}

async function child(count) {
  const { WasmLoader } = await import('../dist/runtime/loader/wasm.js');
  const { Fork } = await import('../dist/src/evm/forks.js');
  const { caseTimer, runCase } = await import('../dist/runtime/harness/batch.js');
  const { parseForkName } = await import('../dist/src/evm/forks.js');
  const loader = new WasmLoader();

  // N distinct contracts, in a fixed order: shared bench first (light ones), then corpus cases.
  const cases = [];
  if (count > 0) {
    const { loadSharedBench, prepareBenchCase } = await import('../dist/runtime/harness/shared-bench.js');
    const { loadCorpusCases } = await import('../dist/corpus/index.js');
    const seen = new Set();
    const add = (c) => {
      const k = Buffer.from(c.code).toString('hex');
      if (cases.length >= count || seen.has(k) || c.code.length === 0) return;
      seen.add(k);
      cases.push(c);
    };
    const shared = loadSharedBench();
    if (shared.missing) console.error(`(shared bench skipped: ${shared.missing})`);
    for (const b of shared.cases) if (!b.heavy && cases.length < count) add((await prepareBenchCase(b)).case);
    for (const c of loadCorpusCases()) add(c);
    // Beyond the distinct codes: the same contracts under another fork (another module, other instances).
    for (const c of [...cases]) {
      if (cases.length >= count) break;
      cases.push({ ...c, fork: c.fork === 'prague' ? 'cancun' : 'prague' });
    }
    if (cases.length < count) console.error(`only ${cases.length} contract modules available (asked ${count})`);
    for (const c of cases) await loader.preload([c.code], parseForkName(c.fork));
  }
  let calls = 0;
  for (const c of cases) {
    runCase(c, { loader }); // one run on fresh state (the bench checks it against the reference)
    const call = caseTimer(c, loader);
    const t0 = performance.now();
    for (let i = 0; i < CALLS && performance.now() - t0 < MS; i++, calls++) call();
  }

  // The STOP loop of `bench --per-call` (or, with --call NAME, its row of that ../shared/bench program).
  let code = Uint8Array.of(0x00);
  let calldata = new Uint8Array(0);
  if (CALL) {
    const { loadSharedBench } = await import('../dist/runtime/harness/shared-bench.js');
    const b = loadSharedBench().cases.find((x) => x.name === CALL && !x.deploy);
    if (!b) throw new Error(`no ../shared/bench program ${CALL} (without a constructor)`);
    ({ code, calldata } = b.case);
  }
  const { messageCall, callRounds } = await import('../dist/runtime/harness/per-call-bench.js');
  await loader.preload([code], Fork.Cancun); // messageCall's load is synchronous: compile (or read the cache) first
  const stop = messageCall(code, calldata, loader, Fork.Cancun);
  for (let i = 0; i < N; i++) stop(); // warm-up
  if (SETTLE > 0) await new Promise((r) => setTimeout(r, SETTLE));
  if (process.argv.includes('--mark')) console.error('# STOP loop starts'); // for --trace-gc and similar output
  const th0 = threadNs();
  const { cpuUs: cpu, wallUs: wall } = callRounds(stop, ROUNDS, N);
  const th1 = threadNs();
  if (process.argv.includes('--mark')) console.error('# STOP loop ends');
  const best = (a) => Math.min(...a);
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const perCall = (ns) => ns / 1000 / (ROUNDS * N);
  return {
    count: cases.length, calls, best: best(cpu), median: med(cpu), wallMedian: med(wall),
    main: perCall(th1.main - th0.main), other: perCall(th1.other - th0.other),
  };
}

if (process.argv.includes('--child')) {
  const r = await child(Number(arg('child', 0)));
  console.log(JSON.stringify(r));
} else {
  const self = fileURLToPath(import.meta.url);
  const pass = process.argv.slice(2);
  console.log(`| N contracts | calls before | ${CALL ?? 'STOP'} process CPU µs/call, best round | median round | main thread (all rounds) | other threads | wall median |`);
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const count of COUNTS) {
    const p = spawnSync(process.execPath, ['--stack-size=7000', self, ...pass, '--child', String(count)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const line = p.stdout.trim().split('\n').pop();
    if (p.status !== 0 || !line) {
      console.log(`| ${count} | failed (exit ${p.status}) | | | | | |`);
      continue;
    }
    const r = JSON.parse(line);
    const f = (x) => x.toFixed(2);
    console.log(`| ${r.count} | ${r.calls} | ${f(r.best)} | ${f(r.median)} | ${f(r.main)} | ${f(r.other)} | ${f(r.wallMedian)} |`);
  }
}
