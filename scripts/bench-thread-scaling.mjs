/**
 * How much a second core gives block execution on this machine, before any parallel executor: the sequential
 * executeBlock of one block run N times alone, then by two executors at once with nothing shared — two threads of one
 * process (what the parallel executor uses) and two processes. Prints median wall and CPU ms per block for each, and
 * the aggregate throughput of the pair against one alone (2 × alone / pair's mean). A block the pair runs at 1.0×
 * cannot be sped up by any schedule on this machine; 2.0× is the ceiling of two cores.
 *
 * Env: BLOCKS (comma list of block dirs in the fixture layout; default W2 and W3 of bench:parallel's generated ones in
 * $TMPDIR/mevmc-bench-parallel: run `npm run bench:parallel` once first, or `mevmc block gen`), N (30 timed runs),
 * WARM (25 untimed runs first). Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const N = Number(process.env.N ?? 30);
const WARM = Number(process.env.WARM ?? 25);
const cpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/** Warm up, wait for `go` (ms since the epoch), then time N blocks: { wall, cpu } medians. */
async function runBlocks(dir, go) {
  const { executeBlock, blockFromRpc } = await import(join(dist, 'runtime', 'index.js'));
  const { loadFixture, freshState } = await import(join(dist, 'runtime', 'harness', 'blocks', 'fixture.js'));
  const { WasmLoader } = await import(join(dist, 'runtime', 'loader', 'wasm.js'));
  const f = loadFixture(dir);
  const { block } = blockFromRpc(f.block);
  const loader = new WasmLoader();
  const opts = { loader, blockHash: (n) => f.blockHashes.get(n) };
  for (let i = 0; i < WARM; i++) await executeBlock(block, freshState(f), opts);
  while (Date.now() < go) await new Promise((r) => setTimeout(r, 2));
  const wall = [];
  const cpu = [];
  for (let i = 0; i < N; i++) {
    const state = freshState(f);
    const c = cpuMs();
    const t = performance.now();
    await executeBlock(block, state, opts);
    wall.push(performance.now() - t);
    cpu.push(cpuMs() - c);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

if (!isMainThread) {
  parentPort.postMessage(await runBlocks(workerData.dir, workerData.go));
} else if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await runBlocks(process.argv[3], Number(process.argv[4]))));
} else {
  if (!existsSync(join(dist, 'runtime', 'index.js'))) { console.error('bench:thread-scaling: dist/ is missing: run `npm run build` first'); process.exit(2); }
  const gen = join(tmpdir(), 'mevmc-bench-parallel');
  const blocks = (process.env.BLOCKS ?? `${join(gen, 'erc20')},${join(gen, 'swap')}`).split(',');
  for (const b of blocks) if (!existsSync(b)) { console.error(`bench:thread-scaling: ${b} not found (run npm run bench:parallel once, or set BLOCKS)`); process.exit(2); }
  // Each executor warms up on its own, then all start at `go` (well after the slowest warm-up).
  const goIn = () => Date.now() + 4000 + WARM * 250;
  const thread = (dir, go) => new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { dir, go } });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const proc = (dir, go) => new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', dir, String(go)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
  const f = (x) => `${x.wall.toFixed(1)} / ${x.cpu.toFixed(1)}`;
  console.log(`executeBlock of one block, sequential; median wall / CPU ms per block over ${N} runs (after ${WARM}); ×: two at once against one alone, in blocks per second`);
  for (const dir of blocks) {
    const alone = await thread(dir, goIn());
    let go = goIn();
    const threads = await Promise.all([thread(dir, go), thread(dir, go)]);
    go = goIn();
    const procs = await Promise.all([proc(dir, go), proc(dir, go)]);
    const x = (pair) => (2 * alone.wall / ((pair[0].wall + pair[1].wall) / 2)).toFixed(2);
    console.log(`${dir.split('/').pop()}: alone ${f(alone)}; two threads ${f(threads[0])}, ${f(threads[1])} (${x(threads)}×); two processes ${f(procs[0])}, ${f(procs[1])} (${x(procs)}×)`);
  }
}
