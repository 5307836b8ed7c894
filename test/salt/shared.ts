/**
 * @file Test helper: locate `../shared/salt` (env MEVMC_SHARED overrides the shared dir) and load
 * salt_vectors.json without losing u64 precision (large integers are read as strings).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Absolute path of the shared SALT data directory. */
export const SALT_DIR = join(process.env.MEVMC_SHARED ?? resolve(import.meta.dirname, '../../../shared'), 'salt');

/** Whether the shared data is present; when absent, suites skip with a visible message. */
export const HAVE_SHARED = existsSync(join(SALT_DIR, 'salt_vectors.json'));
if (!HAVE_SHARED) console.warn(`[salt] shared data not found at ${SALT_DIR} — data-driven SALT tests are skipped`);

/** salt_vectors.json with every integer of ≥ 16 digits turned into a string. */
export function loadVectors(): any {
  const text = readFileSync(join(SALT_DIR, 'salt_vectors.json'), 'utf8');
  return JSON.parse(text.replace(/([:\[,]\s*)(\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}
