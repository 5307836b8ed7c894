/**
 * @file SALT benchmark (not a test): EC multiplications per key, wall time and memory for batches of
 * random key updates on a fresh store.
 *
 * Usage: `npx tsx runtime/salt/bench.ts [sizes…]` (default 1000 10000; pass 200000 for the full
 * target figure). Env SALT_BENCH_WINDOW sets the fixed-base window (default 6).
 * Output: one line per size, plus a JSON summary line (`SALT_BENCH {...}`) for `npm run bench`.
 */
import { randomBytes } from 'node:crypto';
import { Committer } from './committer.ts';
import { SaltState, type KeyChange } from './state.ts';
import { saltCrs } from './crs.ts';
import { defaults } from './trie.ts';

/** One benchmark row. */
export interface SaltBenchRow {
  keys: number;
  mults: number;
  multsPerKey: number;
  wallMs: number;
  rssMB: number;
  heapMB: number;
}

/** Run the benchmark for the given batch sizes (each on a fresh state sharing one committer). */
export function runSaltBench(sizes: number[], window = 6): { setupMs: number; rows: SaltBenchRow[] } {
  const t0 = performance.now();
  saltCrs();
  defaults();
  const committer = new Committer(window);
  committer.warm();
  const setupMs = performance.now() - t0;
  const rows: SaltBenchRow[] = [];
  for (const n of sizes) {
    const s = new SaltState(committer);
    const changes: KeyChange[] = [];
    for (let i = 0; i < n; i++) changes.push({ key: randomBytes(i % 2 ? 52 : 20), value: randomBytes(32) });
    const t = performance.now();
    s.applyBatch(changes);
    const wallMs = performance.now() - t;
    const mem = process.memoryUsage();
    rows.push({
      keys: n,
      mults: s.lastStats.mults,
      multsPerKey: s.lastStats.mults / n,
      wallMs,
      rssMB: mem.rss / 2 ** 20,
      heapMB: mem.heapUsed / 2 ** 20,
    });
  }
  return { setupMs, rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const window = Number(process.env.SALT_BENCH_WINDOW ?? 6);
  const { setupMs, rows } = runSaltBench(sizes.length ? sizes : [1000, 10000], window);
  console.log(`setup (CRS + defaults + window-${window} tables for 256 generators): ${setupMs.toFixed(0)} ms`);
  for (const r of rows) {
    console.log(
      `${String(r.keys).padStart(7)} keys: ${r.mults} mults (${r.multsPerKey.toFixed(2)}/key), ` +
        `${(r.wallMs / 1000).toFixed(2)} s (${((r.wallMs * 1000) / r.mults).toFixed(0)} µs/mult), rss ${r.rssMB.toFixed(0)} MB, heap ${r.heapMB.toFixed(0)} MB`,
    );
  }
  console.log('SALT_BENCH ' + JSON.stringify({ window, setupMs, rows }));
}
