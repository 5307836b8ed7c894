/**
 * @file How tests start the `mevmc` command line: one place, so every CLI test runs the same launcher a user runs.
 */
import { type SpawnSyncOptions, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The CLI entry point tests run. */
export const CLI = join(import.meta.dirname, '../../cli/mevmc.mjs');

/** Run `mevmc …args` to completion (stdout/stderr as text). */
export function mevmc(args: string[], opts: SpawnSyncOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, ...opts }) as SpawnSyncReturns<string>;
}
