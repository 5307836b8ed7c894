/**
 * @file The native loader's shared objects on disk: verified cache entries (runtime/loader/cache.ts)
 * opened through private copies, built by clang on a miss or a bad entry. Used by native.ts for
 * contracts and for its stack-guard helper.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSharedObject } from '../../src/backend/c/clang.ts';
import { type DiskCache, type EntryKey, privateName } from './cache.ts';

/** The shared object refused to load (wrong ABI version, not a mevmc contract). */
export class NativeLoadError extends Error {
  override name = 'NativeLoadError';
}

/** A process-private directory for objects to dlopen when the cache directory cannot be used (removed at exit). */
let scratchDir: string | undefined;
function privateScratch(): string {
  if (!scratchDir) {
    const d = mkdtempSync(join(tmpdir(), 'mevmc-native-run-')); // mode 0700
    process.once('exit', () => rmSync(d, { recursive: true, force: true }));
    scratchDir = d;
  }
  return scratchDir;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Shared objects as verified cache entries. An object is opened from a private file holding exactly
 * the verified bytes (written with O_EXCL in a directory only this user can write, unlinked once
 * dlopen has mapped it), never from the entry itself: another writer replacing or truncating the
 * entry between the check and dlopen cannot change what runs.
 */
export class ObjectStore {
  constructor(readonly disk: DiskCache) {}

  /**
   * `open(path)` the object of `k` (dlopen and checks; throw NativeLoadError for an object that is not
   * the expected one): from a verified entry, else built from `source()` and stored.
   */
  open<T>(k: EntryKey, source: () => string, optimize: 0 | 1 | 2 | 3, open: (path: string, fromDisk: boolean, compileMs: number) => T): T {
    const build = this.disk.buildId();
    if (build) {
      k.build = build;
      const bytes = this.disk.read(k);
      if (bytes) {
        const path = this.privateCopy(bytes);
        try {
          return open(path, true, 0);
        } catch (e) {
          if (!(e instanceof NativeLoadError)) throw e;
          this.disk.reportBad(this.disk.path(k), e.message); // verified bytes, wrong object: rebuild and replace
        } finally {
          unlinkQuietly(path);
        }
      }
    }
    const t0 = performance.now();
    const path = privateName(this.scratch(), '.so');
    try {
      buildSharedObject(source(), path, { optimize });
      if (build) this.disk.write(k, readFileSync(path));
      return open(path, false, performance.now() - t0);
    } finally {
      unlinkQuietly(path);
    }
  }

  private scratch(): string {
    return this.disk.ready() ? this.disk.dir : privateScratch();
  }

  private privateCopy(bytes: Uint8Array): string {
    const path = privateName(this.scratch(), '.so');
    const fd = openSync(path, 'wx', 0o700);
    try {
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    } finally {
      closeSync(fd);
    }
    return path;
  }
}
