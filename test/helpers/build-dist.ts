/**
 * @file vitest global setup: the CLI tests run the built package (dist/cli/mevmc.js), as users do, so dist/ is
 * rebuilt first when any source is newer than it. A lock directory keeps concurrent test runs from building at once;
 * type errors do not stop the build (`npm run typecheck` reports them), so a test run still shows behaviour.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const STAMP = join(ROOT, 'dist', '.built');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stampTime = (): number => { try { return statSync(STAMP).mtimeMs; } catch { return 0; } };

export default function setup(): void {
  const sources = Math.max(...['src', 'runtime', 'cli', 'corpus'].map((d) => newest(join(ROOT, d))));
  if (sources < stampTime()) return;
  const lock = join(ROOT, 'dist.lock');
  for (let i = 0; ; i++) {
    try { mkdirSync(lock); break; } catch {
      if (i > 600) rmSync(lock, { recursive: true, force: true }); // a stale lock from a killed run
      execFileSync('sleep', ['0.1']);
    }
  }
  try {
    if (sources >= stampTime()) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-dist.mjs'), '--keep-going'], { stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
