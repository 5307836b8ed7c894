#!/usr/bin/env node
// `npm run bench:startup`: start-up cost of the built CLI (dist/cli/mevmc.js) as a user meets it — median wall time
// and median peak RSS of 5 runs per command (peak RSS from /usr/bin/time when present, else by polling
// /proc/<pid>/status VmHWM). "warm" runs use a disk cache filled by one earlier run; "cold" runs an empty one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'mevmc.js');
if (!existsSync(cli)) { console.error('bench:startup: dist/ is missing: run `npm run build` first'); process.exit(2); }
const RUNS = Number(process.env.RUNS ?? 5);
const hasTime = existsSync('/usr/bin/time');
const warmDir = mkdtempSync(join(tmpdir(), 'mevmc-startup-warm-'));

/** One run: [wall ms, peak RSS MB]. */
async function once(args, env) {
  const t0 = performance.now();
  if (hasTime) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`mevmc ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    const kb = Number(r.stderr.trim().split('\n').pop());
    return [wall, kb / 1024];
  }
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
  let hwm = 0;
  const poll = setInterval(() => {
    try { hwm = Math.max(hwm, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1])); } catch { /* exited */ }
  }, 2);
  const code = await new Promise((r) => child.on('exit', r));
  clearInterval(poll);
  if (code !== 0) throw new Error(`mevmc ${args.join(' ')}: exit ${code}`);
  return [performance.now() - t0, hwm / 1024];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const CASES = [
  ['disasm 0x6001', ['disasm', '0x6001'], () => ({})],
  ['run 0x6001600101 --json (warm cache)', ['run', '0x6001600101', '--json'], () => ({ MEVMC_CACHE_DIR: warmDir })],
  ['run 0x6001600101 --json (cold)', ['run', '0x6001600101', '--json'], () => {
    const d = mkdtempSync(join(tmpdir(), 'mevmc-startup-cold-'));
    return { MEVMC_CACHE_DIR: d };
  }],
  ['run 0x6001600101 --json --engine ref', ['run', '0x6001600101', '--json', '--engine', 'ref'], () => ({})],
  ['compile 0x6001600101 (wasm)', ['compile', '0x6001600101', '-o', join(warmDir, 'x.wasm')], () => ({})],
];

await once(['run', '0x6001600101', '--json'], { MEVMC_CACHE_DIR: warmDir }); // fills the warm cache
console.log(`| command | wall (median of ${RUNS}) | peak RSS (median) |`);
console.log('|---|---:|---:|');
for (const [label, args, envOf] of CASES) {
  const walls = [], rss = [];
  for (let i = 0; i < RUNS; i++) {
    const env = envOf();
    const [w, m] = await once(args, env);
    walls.push(w); rss.push(m);
    if (env.MEVMC_CACHE_DIR && env.MEVMC_CACHE_DIR !== warmDir) rmSync(env.MEVMC_CACHE_DIR, { recursive: true, force: true });
  }
  console.log(`| \`mevmc ${label}\` | ${(median(walls) / 1000).toFixed(2)} s | ${median(rss).toFixed(0)} MB |`);
}
rmSync(warmDir, { recursive: true, force: true });
