#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript sources run directly (no build step), then starts the CLI.
//
// Nested calls re-enter compiled code synchronously (wasm → host → wasm …), so a 1024-deep call stack
// needs more native stack than V8's default (~1 MB reaches depth ~500). V8 cannot raise the limit
// after start, so the launcher re-executes itself once with --stack-size sized below the OS limit.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const hasFlag = process.execArgv.some((a) => a.startsWith('--stack-size'));
if (!hasFlag && process.env.MEVMC_NO_RESPAWN !== '1') {
  const kb = stackBudgetKb();
  if (kb > 0) {
    const r = spawnSync(process.execPath, [`--stack-size=${kb}`, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(r.status ?? (r.signal ? 1 : 0));
  }
}
const { register } = await import('tsx/esm/api');
register();
await import('./main.ts');

/** V8 stack budget in KB: the OS limit (ulimit -s) minus a safety margin, at most 7000 KB. */
function stackBudgetKb() {
  const r = spawnSync('sh', ['-c', 'ulimit -s'], { encoding: 'utf8' });
  const s = (r.stdout ?? '').trim();
  const os = s === 'unlimited' ? 65536 : Number(s);
  if (!Number.isFinite(os) || os <= 2048) return 0;
  return Math.min(7000, os - 1024);
}
