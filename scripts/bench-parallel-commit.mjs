#!/usr/bin/env node
/**
 * @file The coordinator's CPU per transaction when a worker produces the results (issue #16: the commit of a worker
 * result must cost a fraction of executing it). Runs the synthetic workloads from their TypeScript sources (tsx; no
 * build) sequentially and with 2 executors under `keepSpeculating` (the stop rule off, so the worker's results are
 * committed to the end), and prints per block: the calling thread's CPU (/proc/thread-self/schedstat, ns — what
 * counts on a shared machine) of the whole executeBlock call for the sequential run and the parallel one (the
 * receipts root included: it builds the parallel run's lazily made receipts), the coordinator's CPU over the
 * transaction phase when the executor reports it (`parallel.coordCpuMs`), the worker results committed over all rounds
 * (to turn a profile's commit time into µs per commit), the parallel run's commitMs per committed
 * worker result, and how many results came from the worker. Min over the rounds.
 *
 * Env: ROOT (a built tree to run, e.g. `dist`; default the sources through tsx), ROUNDS (default 8), DIR (generated workloads, default $TMPDIR/mevmc-bench-parallel as `npm run
 * bench:parallel` leaves them), ROWS (comma list of workload folders, default raw,erc20,swap). Run
 * `npm run bench:parallel` once first (it generates the workloads) or `mevmc block gen --workload W -o DIR/W`.
 * Profile: `node --cpu-prof --cpu-prof-dir=/tmp/prof scripts/bench-parallel-commit.mjs` (PAR_ONLY=1: parallel runs only).
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// ROOT=<a built tree> (e.g. dist): its JavaScript (tsx's helpers, e.g. __name, showed in profiles of the sources).
const src = !process.env.ROOT;
if (src) (await import('tsx/esm/api')).register();
const root = process.env.ROOT ?? new URL('..', import.meta.url).pathname;
const ext = src ? 'ts' : 'js';
const { executeBlock, ParallelPool, blockFromRpc } = await import(join(root, 'runtime', `index.${ext}`));
const { loadFixture, freshState } = await import(join(root, 'runtime', 'harness', 'blocks', `fixture.${ext}`));
const { WasmLoader } = await import(join(root, 'runtime', 'loader', `wasm.${ext}`));

const DIR = process.env.DIR ?? join(tmpdir(), 'mevmc-bench-parallel');
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const ROWS = (process.env.ROWS ?? 'raw,erc20,swap').split(',');
const PAR_ONLY = process.env.PAR_ONLY === '1';

/** This thread's CPU in ms (schedstat: ns on CPU). */
const cpu = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
const hex = (b) => (b ? Buffer.from(b).toString('hex') : '');
const loader = new WasmLoader();
const pool = new ParallelPool(2);
const fmt = (x) => x.toFixed(2).padStart(7);
console.log(`coordinator CPU per transaction (min of ${ROUNDS}); load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('block            txs  seq cpu ms  µs/tx | par cpu ms  µs/tx  from worker  commit µs/worker tx  wait ms  coord tx-phase µs/tx  Σ from worker');
for (const row of ROWS) {
  const dir = join(DIR, row);
  if (!existsSync(dir)) { console.log(`${row}: ${dir} missing (run npm run bench:parallel once)`); continue; }
  const f = loadFixture(dir);
  const { block } = blockFromRpc(f.block);
  const blockHash = (n) => f.blockHashes.get(n);
  const n = block.transactions.length;
  let seqCpu = Infinity, parCpu = Infinity, commitUs = Infinity, coordUs = Infinity, fromWorker = 0, wait = 0, allWorker = 0, ref;
  for (let k = 0; k < ROUNDS + 1; k++) {
    if (!PAR_ONLY) {
      const c0 = cpu();
      const s = await executeBlock(block, freshState(f), { loader, blockHash });
      const c = cpu() - c0;
      ref ??= s;
      if (k > 0) seqCpu = Math.min(seqCpu, c);
    }
    const c0 = cpu();
    const p = await executeBlock(block, freshState(f), { loader, blockHash, pool, parallel: { keepSpeculating: true } });
    const c = cpu() - c0;
    if (ref && (hex(p.receiptsRoot) !== hex(ref.receiptsRoot) || p.gasUsed !== ref.gasUsed)) throw new Error(`${row}: parallel result differs`);
    if (k === 0) continue;
    const st = p.parallel;
    const w = st.dispatched - (st.ranHere ?? 0) - (st.localSpeculated ?? 0);
    allWorker += w;
    if (c < parCpu) { parCpu = c; fromWorker = w; wait = st.waitMs; }
    if (st.coordCpuMs !== undefined) coordUs = Math.min(coordUs, (st.coordCpuMs * 1000) / n);
    if (w > 0) commitUs = Math.min(commitUs, ((st.commitMs ?? 0) * 1000) / w);
  }
  console.log(`${row.padEnd(14)} ${String(n).padStart(5)} ${fmt(seqCpu)} ${fmt((seqCpu * 1000) / n)} | ${fmt(parCpu)} ${fmt((parCpu * 1000) / n)}  ${String(fromWorker).padStart(11)}  ${fmt(commitUs).padStart(19)}  ${fmt(wait)}  ${coordUs === Infinity ? '-' : fmt(coordUs)}  ${allWorker}`);
}
await pool.close();
