/**
 * How much a second core gives block execution on this machine, before any parallel executor: the *sequential*
 * executeBlock of one block by one executor alone, then by two at once sharing nothing — two threads of one process
 * (what the parallel executor's pool is) and two processes.
 *
 * Paired alternation: a round runs M blocks on executor A alone, then M on A and B at once; K rounds. The ratio of a
 * round (blocks per second of the pair against A alone) compares runs seconds apart: on this VM the same block's CPU
 * cost drifts up to 2× within one process over tens of seconds (a pure-ALU loop stays within 0.1 %), which made
 * unpaired "alone, then pair" runs read anywhere from 1.1× to 1.8×. Prints medians and quartiles of the round
 * ratios, and the CPU the process's *other* threads spent per block (V8's platform threads: the parallel scavenger,
 * concurrent marking and sweeping, background compilation) — with one executor that work runs on the idle core,
 * with two it is taken from them. The first line is the same measurement of a pure-ALU loop: ~2.0× says the two
 * cores are real. 2.0× is the ceiling of two cores; a block the pair runs at r× cannot be sped up past r× by any
 * schedule of one process here.
 *
 * The pre-state is built before each timed block (outside the clock) and is young, as in bench:parallel.
 *
 * Env: BLOCKS (comma list of block dirs in the fixture layout; default W2 and W3 of bench:parallel's generated ones in
 * $TMPDIR/mevmc-bench-parallel: run `npm run bench:parallel` once first, or `mevmc block gen`), K (12 rounds), M (6
 * blocks per executor per phase), WARM (25 untimed blocks per executor first), MODES (thread,process), YOUNG (MB: the
 * worker threads' `resourceLimits.maxYoungGenerationSizeMb`). V8 flags go on node's command line (`node
 * --single-threaded-gc scripts/bench-thread-scaling.mjs`; process executors inherit them). Needs `npm run build`.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const K = Number(process.env.K ?? 12);
const M = Number(process.env.M ?? 6);
const WARM = Number(process.env.WARM ?? 25);
/** CPU ms of the calling thread (schedstat, ns). */
const threadCpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
const processCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const sorted = (a) => [...a].sort((x, y) => x - y);
const median = (a) => { const s = sorted(a); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const quartiles = (a) => { const s = sorted(a); return [s[s.length >> 2], s[(3 * s.length) >> 2]]; };

const ALU = 'alu';
/** One unit of work: a block of the fixture at `dir`, or (ALU) ~10 ms of integer arithmetic with no memory traffic. */
async function makeUnit(dir) {
  if (dir === ALU) return () => { let x = 1; for (let i = 0; i < 2e6; i++) x = (x * 1103515245 + 12345) | 0; return x; };
  const { executeBlock, blockFromRpc } = await import(join(dist, 'runtime', 'index.js'));
  const { loadFixture, freshState } = await import(join(dist, 'runtime', 'harness', 'blocks', 'fixture.js'));
  const { WasmLoader } = await import(join(dist, 'runtime', 'loader', 'wasm.js'));
  const f = loadFixture(dir);
  const { block } = blockFromRpc(f.block);
  const loader = new WasmLoader();
  const opts = { loader, blockHash: (n) => f.blockHashes.get(n) };
  return Object.assign(async (state) => { await executeBlock(block, state, opts); }, { state: () => freshState(f) });
}

/** An executor: warms up, then per `go` times M units: { wall, cpu, bg } ms per unit (bg: only a process knows it). */
async function serve(dir, recv, send, ownProcess) {
  const unit = await makeUnit(dir);
  for (let i = 0; i < WARM; i++) await unit(unit.state?.());
  send('ready');
  let states = [];
  for (;;) {
    const m = await recv();
    if (m === 'quit') return;
    if (m === 'prepare') {
      // The states before the clock (on a message of its own, so the caller's CPU span leaves their building out).
      states = [];
      for (let i = 0; i < M; i++) states.push(unit.state?.());
      send('prepared');
      continue;
    }
    // The M blocks timed as one span: the kernel's per-thread CPU advances in scheduler ticks.
    const p = processCpuMs(), c = threadCpuMs(), t = performance.now();
    for (let i = 0; i < M; i++) await unit(states[i]);
    const wall = performance.now() - t, cpu = threadCpuMs() - c, all = processCpuMs() - p;
    send({ wall: wall / M, cpu: cpu / M, bg: ownProcess ? (all - cpu) / M : undefined });
  }
}

/** Messages in order, as promises. */
function inbox(subscribe) {
  const queue = [];
  let waiting;
  subscribe((m) => { if (waiting) { const w = waiting; waiting = undefined; w(m); } else queue.push(m); });
  return () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => (waiting = r)));
}

if (!isMainThread) {
  await serve(workerData.dir, inbox((h) => parentPort.on('message', h)), (m) => parentPort.postMessage(m), false);
  process.exit(0);
} else if (process.argv[2] === '--child') {
  await serve(process.argv[3], inbox((h) => process.on('message', h)), (m) => process.send(m), true);
  process.exit(0);
} else {
  if (!existsSync(join(dist, 'runtime', 'index.js'))) { console.error('bench:thread-scaling: dist/ is missing: run `npm run build` first'); process.exit(2); }
  const gen = join(tmpdir(), 'mevmc-bench-parallel');
  const blocks = (process.env.BLOCKS ?? `${join(gen, 'erc20')},${join(gen, 'swap')}`).split(',');
  for (const b of blocks) if (!existsSync(b)) { console.error(`bench:thread-scaling: ${b} not found (run npm run bench:parallel once, or set BLOCKS)`); process.exit(2); }
  const me = fileURLToPath(import.meta.url);
  const spawnExecutor = (dir, asProcess) => {
    if (asProcess) {
      const c = fork(me, ['--child', dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      return { recv: inbox((h) => c.on('message', h)), send: (m) => c.send(m), quit: () => c.send('quit') };
    }
    const w = new Worker(me, { workerData: { dir }, ...(process.env.YOUNG ? { resourceLimits: { maxYoungGenerationSizeMb: Number(process.env.YOUNG) } } : {}) });
    w.on('error', (e) => { console.error(`bench:thread-scaling: ${e.message}`); process.exit(1); });
    return { recv: inbox((h) => w.on('message', h)), send: (m) => w.postMessage(m), quit: () => w.postMessage('quit') };
  };
  const modes = (process.env.MODES ?? 'thread,process').split(',');
  console.log(`executeBlock, sequential, one executor alone then two at once, ${K} rounds of ${M} blocks each way (after ${WARM}); ` +
    `per block median wall / CPU ms of an executor thread, bg: CPU ms of the process's other threads per executor block; ` +
    `ratio: blocks per second of the pair against one alone, per round: median (quartiles)`);
  for (const dir of [ALU, ...blocks]) {
    const cells = [];
    for (const mode of modes) {
      const asProcess = mode === 'process';
      const a = spawnExecutor(dir, asProcess), b = spawnExecutor(dir, asProcess);
      await a.recv();
      await b.recv();
      const alone = [], pair = [], bgAlone = [], bgPair = [], ratio = [];
      for (let k = 0; k < K; k++) {
        const prepare = async (...xs) => { for (const x of xs) x.send('prepare'); for (const x of xs) await x.recv(); };
        await prepare(a);
        let p = processCpuMs();
        a.send('go');
        const x = await a.recv();
        const bx = asProcess ? x.bg : processCpuMs() - p - x.cpu * M;
        await prepare(a, b);
        p = processCpuMs();
        a.send('go');
        b.send('go');
        const y = await a.recv(), z = await b.recv();
        const bp = asProcess ? (y.bg + z.bg) / 2 : (processCpuMs() - p - (y.cpu + z.cpu) * M) / 2;
        alone.push(x);
        pair.push(y, z);
        bgAlone.push(asProcess ? bx : bx / M);
        bgPair.push(asProcess ? bp : bp / M);
        ratio.push((2 * x.wall) / ((y.wall + z.wall) / 2));
      }
      a.quit();
      b.quit();
      const [q1, q3] = quartiles(ratio);
      const ms = (rs) => `${median(rs.map((r) => r.wall)).toFixed(1)} / ${median(rs.map((r) => r.cpu)).toFixed(1)}`;
      cells.push(`${mode === 'process' ? 'two processes' : 'two threads'} ${median(ratio).toFixed(2)}× (${q1.toFixed(2)}–${q3.toFixed(2)}): ` +
        `alone ${ms(alone)} bg ${median(bgAlone).toFixed(1)}, pair ${ms(pair)} bg ${median(bgPair).toFixed(1)}`);
    }
    console.log(`${dir === ALU ? 'ALU loop (no memory)' : dir.split('/').pop()}: ${cells.join('; ')}`);
  }
}
