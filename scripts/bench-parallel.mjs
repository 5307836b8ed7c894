#!/usr/bin/env node
/**
 * @file `npm run bench:parallel`: the synthetic workloads of issue #16 (W1–W5, `mevmc block gen`) executed by
 * `mevmc block --json --repeat R`, sequentially and — once `mevmc block` has `--workers` — with 2, 4 and 8 workers.
 *
 * Per workload: transactions, Mgas, sequential ms (median of R runs on fresh state, execution only, after a warm-up
 * pass over the same block in the same process) and Mgas/s; per
 * worker count: parallel ms, speedup (sequential / parallel, both from this run), conflicts and re-executions when
 * the block's JSON `parallel` report gives them (re-executions = executions − transactions dispatched to workers; max =
 * most executions of one transaction; `seq`
 * when the executor fell back to sequential; '-' when not reported).
 *
 * Blocks are generated into DIR (default `$TMPDIR/mevmc-bench-parallel`) at the default ~30 Mgas (TXS=n for another
 * size; SEED=s); REUSE=1 keeps blocks already there from an earlier run with the same TXS and SEED (generation runs the
 * @ethereumjs/vm oracle: ~20–40 s a block). Env: REPEAT (default 5), WORKERS (default 2,4,8), FILTER (regex over
 * workload names), MEVMC (the CLI to run, default dist/cli/mevmc.js — `npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.env.MEVMC ?? join(root, 'dist', 'cli', 'mevmc.js');
if (!existsSync(cli)) { console.error(`bench:parallel: ${cli} is missing: run \`npm run build\` first`); process.exit(2); }
const WORKLOADS = ['raw', 'raw-chain', 'raw-hot', 'erc20', 'swap', 'chain', 'hot10', 'hot30'];
const LABEL = { raw: 'W1 raw', 'raw-chain': 'W1 nonce chain', 'raw-hot': 'W1 hot recipient', erc20: 'W2 erc20', swap: 'W3 swap',
  chain: 'W4 chain', hot10: 'W5 hot 10 %', hot30: 'W5 hot 30 %' };
const DIR = process.env.DIR ?? join(tmpdir(), 'mevmc-bench-parallel');
const REPEAT = Number(process.env.REPEAT ?? 5);
const WORKERS = (process.env.WORKERS ?? '2,4,8').split(',').map(Number);
const FILTER = process.env.FILTER ? new RegExp(process.env.FILTER) : undefined;
const TXS = process.env.TXS;
const SEED = process.env.SEED ?? '1';

const run = (args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`mevmc ${args.join(' ')}: ${r.signal ? `killed by ${r.signal}` : `exit ${r.status}`}\n${(r.stderr + r.stdout).trim()}`);
  return r.stdout;
};
const parallelSupported = run(['block', '--help']).includes('--workers');

/**
 * The block's JSON line (`mevmc block DIR --json`), checked against its header. The folder is given twice and the
 * second pass is reported: the first compiles the contracts and lets V8 tier the hot code up (steady state).
 */
function blockJson(dir, extra) {
  const o = JSON.parse(run(['block', dir, dir, '--json', '--repeat', String(REPEAT), ...extra]).trim().split('\n').at(-1));
  if (!o.ok) throw new Error(`${dir}: block failed its header check: ${JSON.stringify(o)}`);
  return o;
}
/**
 * Conflicts, re-executions (executions beyond one per transaction dispatched to workers) and the most executions of
 * one transaction, from the block's `parallel` report.
 */
function counts(o) {
  const p = o.parallel ?? {};
  if (p.fallback) return ['seq', 'seq', 'seq'];
  const re = typeof p.reExecutions === 'number' ? p.reExecutions
    : typeof p.executions === 'number' && typeof p.dispatched === 'number' ? p.executions - p.dispatched : undefined;
  const n = (v) => (typeof v === 'number' ? String(v) : '-');
  return [n(p.conflicts), n(re), n(p.maxExecutions)];
}

const cols = [['workload', 17], ['txs', 5], ['Mgas', 6], ['seq ms', 8], ['Mgas/s', 7],
  ...(parallelSupported ? WORKERS.flatMap((w) => [[`w${w} ms`, 8], [`w${w} ×`, 6], ['confl', 6], ['re-ex', 6], ['max', 4]]) : [])];
const out = (cells) => console.log(cells.map((c, i) => String(c).padStart(cols[i][1])).join(' '));
console.log(`mevmc block on generated ~30 Mgas blocks (${DIR}); median of ${REPEAT} runs on fresh state after a warm-up pass, execution only` +
  (parallelSupported ? '' : '; this mevmc has no --workers yet: sequential only'));
out(cols.map(([c]) => c));
const failures = [];
for (const w of WORKLOADS.filter((x) => !FILTER || FILTER.test(x))) {
  const dir = join(DIR, w);
  const params = JSON.stringify({ txs: TXS ?? null, seed: SEED });
  const stamp = join(dir, '.bench-params');
  if (!(process.env.REUSE && existsSync(stamp) && readFileSync(stamp, 'utf8') === params)) {
    mkdirSync(dir, { recursive: true });
    run(['block', 'gen', '--workload', w, '-o', dir, '--seed', SEED, ...(TXS ? ['--txs', TXS] : [])]);
    writeFileSync(stamp, params);
  }
  const seq = blockJson(dir, parallelSupported ? ['--workers', '1'] : []);
  const cells = [LABEL[w], seq.txs, (seq.gasUsed / 1e6).toFixed(1), seq.execMs.toFixed(2), (seq.gasUsed / 1e3 / seq.execMs).toFixed(0)];
  if (parallelSupported) {
    for (const n of WORKERS) {
      // A failing parallel run is a finding, not the end of the table: noted below it.
      try {
        const par = blockJson(dir, ['--workers', String(n)]);
        cells.push(par.execMs.toFixed(2), (seq.execMs / par.execMs).toFixed(2), ...counts(par));
      } catch (e) {
        failures.push(`${w} --workers ${n}: ${e.message.split('\n').slice(0, 3).join(' | ')}`);
        cells.push('FAIL', '-', '-', '-', '-');
      }
    }
  }
  out(cells);
}
for (const f of failures) console.log(`FAIL ${f}`);
process.exitCode = failures.length ? 1 : 0;
