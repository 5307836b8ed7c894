/**
 * @file How tests start the `mevmc` command line: the built package's executable (dist/, rebuilt by test/helpers/build-dist.ts), the same one a user runs.
 */
import { type SpawnSyncOptions, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The CLI entry point tests run. */
export const CLI = join(import.meta.dirname, '../../dist/cli/mevmc.js');

/** Run `mevmc …args` to completion (stdout/stderr as text). */
export function mevmc(args: string[], opts: SpawnSyncOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, ...opts }) as SpawnSyncReturns<string>;
}
