#!/usr/bin/env node
/**
 * @file `npm run bench:compile`: compile time of every distinct contract of ../shared/bench and corpus/build, in a
 * warm process, at the level the runtime uses (-O0, runtime/loader/wasm.ts) unless `OPT=2`.
 *
 * After one untimed pass over the selection (the compiler's own JIT warm-up), per contract: median ms of RUNS compiles
 * (analysis + wasm backend, after WARMUP untimed ones), ms per 24 KB of EVM code, wasm bytes per EVM byte, dynamic
 * jumps resolved, and where the median run's time went: analysis split into block splitting/exits and dynamic-jump
 * resolution (`jumps`), lowering (IR construction), validate (skipped at -O0, as the runtime does), optimise and emit. Needs dist/ (`npm run build`). `FILTER=<regex>` selects
 * contracts by name; `PROFILE=n` compiles the selection n times with nothing else timed (for `node --cpu-prof`; cut the profile to
 * `profiledCompiles`). `WRITER=binaryen|direct|both` picks who writes -O0 modules (default direct, as the runtime).
 * V8's side is timed apart on the same bytes (`V8=0` turns it off): `new WebAssembly.Module` as the runtime calls it (lazy
 * compilation: V8 only validates, Liftoff compiles `run` at its first call) and with lazy compilation off (validation +
 * Liftoff of every function: what the first call pays on top). Each V8 compile gets bytes made unique by a custom section,
 * since V8 reuses a live module compiled from identical bytes.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'cli', 'mevmc.js'))) { console.error('bench:compile: dist/ is missing: run `npm run build` first'); process.exit(2); }
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { analyze } = await load('src/analysis/index.js');
const { decode } = await load('src/analysis/decode.js');
const { splitBlocks, resolveExits } = await load('src/analysis/blocks.js');
const { resolveDynamicJumps } = await load('src/analysis/jump-targets.js');
const { compileToWasm } = await load('src/backend/wasm/index.js');
const { parseForkName } = await load('src/evm/forks.js');
const { loadSharedBench, prepareBenchCase } = await load('runtime/harness/shared-bench.js');
const { loadCorpusBenchCases } = await load('corpus/index.js');
const { codeHashHex } = await load('runtime/loader/cache.js');

const RUNS = Number(process.env.RUNS ?? 7);
const WARMUP = Number(process.env.WARMUP ?? 2);
const OPT = Number(process.env.OPT ?? 0);
const FILTER = process.env.FILTER ? new RegExp(process.env.FILTER) : undefined;
/** Who writes -O0 modules: 'direct' (src/backend/wasm/writer.ts, the runtime's) or 'binaryen'; 'both' interleaves them. */
const WRITER = process.env.WRITER ?? 'direct';
const V8 = process.env.V8 !== '0';

let nonce = 0;
/** `bytes` plus an empty-ish custom section holding a counter: same code, bytes V8 has not seen (its module cache). */
function unique(bytes) {
  const n = nonce++;
  const out = new Uint8Array(bytes.length + 9);
  out.set(bytes);
  // section id 0, size 7: name length 1 ("n"), then 5 bytes of counter
  out.set([0, 7, 1, 0x6e, n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255, 0], bytes.length);
  return out;
}
/** CPU ms of this process (every thread) since `c0` (a `process.cpuUsage()`): wall time on 2 shared cores swings with the load. */
const cpuMs = (c0) => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
/**
 * `new WebAssembly.Module(bytes)`, lazily (as the runtime: validation) or eagerly (validation + Liftoff): wall ms and
 * CPU ms (V8's compile threads included).
 */
function v8Compile(bytes, eager) {
  setFlagsFromString(eager ? '--no-wasm-lazy-compilation' : '--wasm-lazy-compilation');
  const b = unique(bytes);
  const c0 = process.cpuUsage();
  const t = performance.now();
  new WebAssembly.Module(b);
  return { wall: performance.now() - t, cpu: cpuMs(c0) };
}

/** Distinct (code, fork) pairs, named after the first program that runs them. */
async function contracts() {
  const out = new Map();
  const add = (name, code, fork) => {
    const key = `${fork}:${Buffer.from(code).toString('hex')}`;
    // The code hash comes from the caller, as in the runtime (the loader's cache key)
    if (!out.has(key) && (!FILTER || FILTER.test(name))) out.set(key, { name, code, fork, codeHash: codeHashHex(code) });
  };
  for (const b of loadSharedBench().cases) {
    const p = await prepareBenchCase(b);
    add(p.name, p.case.code, parseForkName(p.case.fork));
  }
  for (const c of loadCorpusBenchCases()) add(`corpus/${c.id}`, c.code, parseForkName(c.fork));
  return [...out.values()];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One compile, timed by phase (analysis phases measured on a separate pass over fresh blocks). */
function once(code, fork, codeHash, writer = WRITER) {
  const t0 = performance.now();
  let cpu = 0;
  const d = decode(code);
  const blocks = splitBlocks(d, fork, false);
  const at = resolveExits(d, fork, blocks);
  const t1 = performance.now();
  resolveDynamicJumps(d, fork, blocks, at);
  const t2 = performance.now();
  const c0 = process.cpuUsage();
  const a = analyze(code, fork);
  const t3 = performance.now();
  const timings = { lower: 0, validate: 0, optimize: 0, emit: 0 };
  const art = compileToWasm(a, { optimize: OPT, timings, validate: OPT !== 0, writer, codeHash });
  const t4 = performance.now();
  cpu = cpuMs(c0);
  let v8 = { v8lazy: 0, v8eager: 0, v8eagerCpu: 0 };
  if (V8 && OPT === 0) {
    const lazy = v8Compile(art.binary, false);
    const eager = v8Compile(art.binary, true);
    v8 = { v8lazy: lazy.wall, v8eager: eager.wall, v8eagerCpu: eager.cpu };
  }
  return { total: t4 - t3 + (t3 - t2), cpu, analysis: t3 - t2, blocks: t1 - t0, jumps: t2 - t1, ...timings, ...v8, wasm: art.binary.length, resolved: a.resolvedJumps };
}

const list = await contracts();
if (process.env.PROFILE) {
  // PROFILE=n: n rounds, inside one named function so that a profile can be cut to it (setup compiles init code too)
  const profiledCompiles = () => {
    for (let i = 0; i < Number(process.env.PROFILE); i++) {
      for (const c of list) compileToWasm(analyze(c.code, c.fork), { optimize: OPT, validate: OPT !== 0, writer: WRITER, codeHash: c.codeHash });
    }
  };
  profiledCompiles();
  process.exit(0);
}
const writers = WRITER === 'both' ? ['binaryen', 'direct'] : [WRITER];
// Warm process: one untimed pass over the whole selection first, so that the first contracts measured do not pay for
// V8 tiering up the compiler itself (revmc/airdrop, first in the list, measured 270 ms cold and 25 ms warm).
for (const c of list) for (const w of writers) once(c.code, c.fork, c.codeHash, w);
const rowsBy = Object.fromEntries(writers.map((w) => [w, []]));
for (const c of list) {
  for (let i = 0; i < WARMUP; i++) for (const w of writers) once(c.code, c.fork, c.codeHash, w);
  const runs = Object.fromEntries(writers.map((w) => [w, []]));
  // interleaved, so that both writers see the same machine load
  for (let i = 0; i < RUNS; i++) for (const w of writers) runs[w].push(once(c.code, c.fork, c.codeHash, w));
  for (const w of writers) {
    const med = median(runs[w].map((r) => r.total));
    const r = runs[w].find((x) => x.total === med);
    // V8 columns: their own medians (they vary independently of ours)
    const medOf = (k) => median(runs[w].map((x) => x[k]));
    rowsBy[w].push({ name: c.name, bytes: c.code.length, ...r, cpu: medOf('cpu'), v8lazy: medOf('v8lazy'), v8eager: medOf('v8eager'), v8eagerCpu: medOf('v8eagerCpu') });
  }
}
for (const w of writers) report(w, rowsBy[w]);

function report(writer, rows) {
  const f = (x, d = 1) => x.toFixed(d);
  const cols = ['contract', 'EVM B', 'ms', 'ms/24KB', 'CPU ms', 'CPU/24KB', 'wasm B/B', 'resolved', 'analysis', '(jumps)', 'lower', 'validate', 'optimize', 'emit', 'V8 lazy', 'V8 Liftoff', 'Liftoff CPU', 'Liftoff CPU/24KB'];
  console.log(`\ncompile -O${OPT}${OPT === 0 ? `, ${writer} writer` : ''}, warm process, median of ${RUNS} (after ${WARMUP} warm-up); phase columns in wall ms; CPU: process.cpuUsage (every thread)`);
  console.log(`| ${cols.join(' | ')} |`);
  console.log(`|${cols.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  const per24 = (r, k = 'total') => (r[k] * 24576) / Math.max(r.bytes, 1);
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.bytes} | ${f(r.total)} | ${f(per24(r))} | ${f(r.cpu)} | ${f(per24(r, 'cpu'))} | ${f(r.wasm / Math.max(r.bytes, 1))} | ${r.resolved} | ${f(r.analysis)} | ${f(r.jumps)} | ${f(r.lower)} | ${f(r.validate)} | ${f(r.optimize)} | ${f(r.emit)} | ${f(r.v8lazy)} | ${f(r.v8eager)} | ${f(r.v8eagerCpu)} | ${f(per24(r, 'v8eagerCpu'))} |`);
  }
  const big = rows.filter((r) => r.bytes >= 2048);
  const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
  const totalBytes = sum('bytes');
  console.log('');
  console.log(`${rows.length} contracts, ${totalBytes} EVM bytes: ${f(sum('total'))} ms in all = ${f((sum('total') * 24576) / totalBytes)} ms per 24 KB overall ` +
    `(CPU ${f((sum('cpu') * 24576) / totalBytes)}; worst CPU ms/24KB among contracts ≥ 2 KB: ${big.length ? f(Math.max(...big.map((r) => per24(r, 'cpu')))) : '-'}); ` +
    `worst ms/24KB among contracts ≥ 2 KB: ${big.length ? f(Math.max(...big.map((r) => per24(r)))) : '-'}; wasm ${f(sum('wasm') / totalBytes)} B per EVM byte; ` +
    `resolved jumps ${sum('resolved')}; split: analysis ${f(sum('analysis'))} (jumps ${f(sum('jumps'))}), lower ${f(sum('lower'))}, ` +
    `validate ${f(sum('validate'))}, optimize ${f(sum('optimize'))}, emit ${f(sum('emit'))} ms; ` +
    `V8: new WebAssembly.Module lazy (validation) ${f(sum('v8lazy'))} ms, eager (validation + Liftoff) ${f(sum('v8eager'))} ms = ${f((sum('v8eager') * 24576) / totalBytes)} ms per 24 KB ` +
    `(CPU ${f(sum('v8eagerCpu'))} ms = ${f((sum('v8eagerCpu') * 24576) / totalBytes)} per 24 KB)`);
}
