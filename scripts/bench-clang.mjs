#!/usr/bin/env node
/**
 * @file `npm run bench:clang`: what the native engine's clang builds cost, per contract of ../shared/bench and the
 * corpus of at least MIN_BYTES (default 10,000) EVM bytes: C source bytes, functions and parts emitted, the -O level
 * the runtime uses (`sourceOpt`), and of the runtime's build (src/backend/c/clang.ts `buildSharedObject`: one clang,
 * or the source's parts compiled by up to MEVMC_CLANG_JOBS processes at once and linked) the wall time, the CPU time
 * of all its processes (user + system: what a loaded machine does not inflate) and the largest peak RSS (GNU time).
 *
 * Needs dist/ (`npm run build`) and /usr/bin/time. `FILTER=<regex>` selects contracts by name; `OPT=n` asks for
 * another -O level (the runtime's default is 2); `KEEP=dir` keeps the generated .c files there; `TIME_REPORT=1` adds
 * `-ftime-report` to one clang over the whole file (instead of the runtime's build) and prints the passes that took
 * longest; `FUNCTION_BYTES=n` overrides the C function size; `TIMEOUT=s` (default 600) kills a build that takes longer
 * (reported as `>s`). One build at a time: the machine's cores are shared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'cli', 'mevmc.js'))) { console.error('bench:clang: dist/ is missing: run `npm run build` first'); process.exit(2); }
if (!existsSync('/usr/bin/time')) { console.error('bench:clang: /usr/bin/time (GNU time) is needed for peak RSS'); process.exit(2); }
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { analyze } = await load('src/analysis/index.js');
const { compileToC } = await load('src/backend/c/index.js');
const { findClang, nativeCflags, sourceOpt } = await load('src/backend/c/clang.js');
const { parseForkName } = await load('src/evm/forks.js');
const { loadSharedBench, prepareBenchCase } = await load('runtime/harness/shared-bench.js');
const { loadCorpusBenchCases } = await load('corpus/index.js');

const MIN_BYTES = Number(process.env.MIN_BYTES ?? 10_000);
const OPT = Number(process.env.OPT ?? 2);
const FILTER = process.env.FILTER ? new RegExp(process.env.FILTER) : undefined;
const TIMEOUT = Number(process.env.TIMEOUT ?? 600);
const tc = findClang();
if (!tc) { console.error('bench:clang: no clang >= 15 found (MEVMC_CLANG)'); process.exit(2); }

/** Distinct (code, fork) pairs of at least MIN_BYTES, named after the first program that runs them. */
async function contracts() {
  const out = new Map();
  const add = (name, code, fork) => {
    const key = `${fork}:${Buffer.from(code).toString('hex')}`;
    if (code.length >= MIN_BYTES && !out.has(key) && (!FILTER || FILTER.test(name))) out.set(key, { name, code, fork });
  };
  for (const b of loadSharedBench().cases) {
    const p = await prepareBenchCase(b);
    add(p.name, p.case.code, parseForkName(p.case.fork));
  }
  for (const c of loadCorpusBenchCases()) add(`corpus/${c.id}`, c.code, parseForkName(c.fork));
  return [...out.values()];
}

const dir = process.env.KEEP ?? mkdtempSync(join(tmpdir(), 'mevmc-bench-clang-'));
mkdirSync(dir, { recursive: true });
const rows = [];
console.log(`clang ${tc.clang} (major ${tc.major}), requested -O${OPT}; C files in ${dir}`);
console.log('| contract | EVM B | blocks | insts | C bytes | functions / parts | -O | clang s | clang CPU s | peak RSS MB |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const c of await contracts()) {
  const t0 = performance.now();
  const art = compileToC(analyze(c.code, c.fork), { functionBytes: process.env.FUNCTION_BYTES ? Number(process.env.FUNCTION_BYTES) : undefined });
  const genMs = performance.now() - t0;
  const opt = sourceOpt(art.source, OPT);
  const src = join(dir, `${c.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.c`);
  writeFileSync(src, art.source);
  const timeOut = join(dir, 'time.txt');
  // The runtime's build (clang.ts buildSharedObject: one clang, or parallel parts and a link), in a child node process
  // so that GNU time sees all of it: wall, CPU of every process, largest peak RSS among them (node's ~50 MB included).
  const build = `import(${JSON.stringify(pathToFileURL(join(dist, 'src/backend/c/clang.js')).href)}).then((m) => ` +
    `m.buildSharedObject(require('fs').readFileSync(${JSON.stringify(src)}, 'utf8'), ${JSON.stringify(join(dir, 'out.so'))}, { optimize: ${OPT} }))`;
  const argv = process.env.TIME_REPORT
    ? [tc.clang, ...nativeCflags(opt), '-ftime-report', src, '-o', join(dir, 'out.so')]
    : [process.execPath, '-e', build];
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeOut, ...argv], { encoding: 'utf8', timeout: TIMEOUT * 1000, maxBuffer: 64 << 20 });
  let secs, rss, cpu = '-';
  if (r.error || r.status !== 0) {
    secs = r.error ? `>${TIMEOUT}` : 'failed';
    rss = '-';
    if (!r.error) console.error(r.stderr.slice(0, 2000));
  } else {
    const [e, u, sy, m] = readFileSync(timeOut, 'utf8').trim().split(/\s+/).slice(-4);
    secs = Number(e).toFixed(1);
    cpu = (Number(u) + Number(sy)).toFixed(1);
    rss = (Number(m) / 1024).toFixed(0);
    if (process.env.TIME_REPORT) printPasses(c.name, r.stderr);
  }
  const fns = (art.source.match(/^MEVMC_FN int32_t mevmc_c\d+\(/gm) ?? []).length;
  const parts = /; (\d+) parts\. \*\//.exec(art.source.slice(0, 400))?.[1] ?? '1';
  rows.push({ name: c.name, secs });
  console.log(`| ${c.name} | ${c.code.length} | ${art.blocks} | ${art.insts} | ${art.source.length} | ${fns} / ${parts} | ${opt} | ${secs} | ${cpu} | ${rss} |`);
  void genMs;
}
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });

/** The ten passes with the most wall time in clang's -ftime-report output. */
function printPasses(name, stderr) {
  const passes = [];
  for (const line of stderr.split('\n')) {
    // "  12.3456 ( 40.1%)   ...   12.3456 ( 40.1%)  PassName" — the last (time, %) pair is wall time
    const m = /([\d.]+) \(\s*[\d.]+%\)\s+(\S.*)$/.exec(line);
    if (m && !/^Total/.test(m[2])) passes.push([Number(m[1]), m[2].trim()]);
  }
  passes.sort((x, y) => y[0] - x[0]);
  console.log(`  ${name}: ${passes.slice(0, 10).map(([t, p]) => `${p} ${t.toFixed(2)}s`).join('; ')}`);
}
