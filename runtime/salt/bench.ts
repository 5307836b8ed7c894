/**
 * @file SALT benchmark (not a test): EC multiplications per key, wall time and memory for batches of
 * random key updates on a fresh store.
 *
 * Usage: `npx tsx runtime/salt/bench.ts [--threads N] [sizes…]` (default 1000 10000; pass 200000 for
 * the full target figure). Env SALT_BENCH_WINDOW sets the fixed-base window (default 8), SALT_THREADS
 * the default thread count. Output: one line per size, plus a JSON summary line (`SALT_BENCH {...}`).
 * `runSaltBench` / `formatSaltBench` are what `mevmc bench` prints.
 */
import { randomBytes } from 'node:crypto';
import { SaltState, type KeyChange } from './state.ts';
import { saltCrs } from './crs.ts';
import { defaults } from './trie.ts';
import { ParallelKernel, defaultThreads } from './kernel/parallel.ts';

/** One benchmark row. */
export interface SaltBenchRow {
  keys: number;
  /** Scalar × generator products of the commitment update. */
  mults: number;
  multsPerKey: number;
  /** Wall time of `applyBatch` (SHI tables, kv hashes, commitments, new root). */
  wallMs: number;
  /** CPU time of all threads during the batch (shows how busy the cores were). */
  cpuMs: number;
  rssMB: number;
  heapMB: number;
  /** Trie nodes stored after the batch. */
  nodes: number;
  root: string;
}

/** Benchmark result. */
export interface SaltBenchResult {
  /** Build of the kernel (`native` or `wasm`; env MEVMC_SALT_KERNEL). */
  kernel: string;
  window: number;
  threads: number;
  /** CRS derivation, defaults, and building the 256 fixed-base tables (once per process). */
  setupMs: number;
  rows: SaltBenchRow[];
}

/** Run the benchmark for the given batch sizes (each on a fresh state sharing one engine). */
export function runSaltBench(sizes: number[] = [1000, 10000], opts: { window?: number; threads?: number } = {}): SaltBenchResult {
  const window = opts.window ?? 8;
  const threads = opts.threads ?? defaultThreads();
  const t0 = performance.now();
  saltCrs();
  defaults();
  const engine = new ParallelKernel(threads, window);
  engine.warm();
  const setupMs = performance.now() - t0;
  const rows: SaltBenchRow[] = [];
  try {
    for (const n of sizes) {
      const s = new SaltState(engine);
      const changes: KeyChange[] = [];
      for (let i = 0; i < n; i++) changes.push({ key: randomBytes(i % 2 ? 52 : 20), value: randomBytes(32) });
      const c0 = process.cpuUsage();
      const t = performance.now();
      const root = s.applyBatch(changes);
      const wallMs = performance.now() - t;
      const c = process.cpuUsage(c0);
      const mem = process.memoryUsage();
      rows.push({
        keys: n,
        mults: s.lastStats.mults,
        multsPerKey: s.lastStats.mults / n,
        wallMs,
        cpuMs: (c.user + c.system) / 1000,
        rssMB: mem.rss / 2 ** 20,
        heapMB: mem.heapUsed / 2 ** 20,
        nodes: s.trie.storedNodes(),
        root: Buffer.from(root).toString('hex'),
      });
    }
  } finally {
    engine.close();
  }
  return { kernel: engine.local.kind, window, threads, setupMs, rows };
}

/** Human-readable lines for a result (what `mevmc bench` prints in its SALT section). */
export function formatSaltBench(r: SaltBenchResult): string[] {
  const lines = [
    `SALT: setup ${(r.setupMs / 1000).toFixed(2)} s (CRS, defaults, window-${r.window} tables for 256 generators), ${r.threads} thread(s), ${r.kernel} kernel`,
  ];
  for (const x of r.rows) {
    lines.push(
      `${String(x.keys).padStart(7)} keys: ${x.mults} mults (${x.multsPerKey.toFixed(2)}/key), ` +
        `${(x.wallMs / 1000).toFixed(2)} s wall, ${(x.cpuMs / 1000).toFixed(2)} s cpu, ` +
        `${((x.wallMs * 1000) / Math.max(1, x.mults)).toFixed(1)} µs/mult wall, rss ${x.rssMB.toFixed(0)} MB, heap ${x.heapMB.toFixed(0)} MB`,
    );
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const ti = args.indexOf('--threads');
  const threads = ti >= 0 ? Number(args.splice(ti, 2)[1]) : undefined;
  const sizes = args.map(Number).filter((x) => x > 0);
  const window = Number(process.env.SALT_BENCH_WINDOW ?? 8);
  const r = runSaltBench(sizes.length ? sizes : [1000, 10000], { window, threads });
  for (const l of formatSaltBench(r)) console.log(l);
  console.log('SALT_BENCH ' + JSON.stringify(r));
}
