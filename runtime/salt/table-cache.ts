/**
 * @file Fixed-base tables of the SALT kernel cached on disk, so that a validating process gets the fast 8-bit
 * tables (half the additions per product of the 4-bit ones) without building them (~2 s) every time.
 *
 * Stage: start-up of stateless validation (stateless.ts `statelessEngine`).
 * Input: a window width and a cache directory (env `MEVMC_SALT_TABLE_CACHE`; default `<os tmpdir>/mevmc-salt-tables`;
 * `0` / `off` disables the cache).
 * Output: a `SaltKernel` with all 256 generator tables, and where they came from (`cache`, `built`, `rebuilt`).
 * Invariants: a file is named by window and by the SHA-256 of kernel.wasm (a new kernel build never reads another's
 * layout; the native build of kernel.c writes the same words, test/salt/native-kernel.test.ts, so both share a file) and holds a header (magic, window, word count, SHA-256 of the payload); a file that is short, long, of
 * another window or whose payload hash differs is reported as corrupt and never imported — the tables are built
 * again and the file rewritten (temp file + rename, so a reader never sees a half-written file). A cache that
 * cannot be written is not an error: the built tables are used.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaltKernel } from './kernel/index.ts';

const MAGIC = 'MEVMCTB1';
const HEADER = 64;

/** Where a kernel's tables came from. */
export type TableSource = 'cache' | 'built' | 'rebuilt';

/** A kernel with all tables, its origin and why a cache file was rejected (when it was). */
export interface CachedTables {
  readonly kernel: SaltKernel;
  readonly source: TableSource;
  readonly file?: string;
  readonly rejected?: string;
  readonly ms: number;
}

/** The cache directory from the environment, or undefined when disabled. */
export function tableCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.MEVMC_SALT_TABLE_CACHE;
  if (v === '0' || v === 'off') return undefined;
  return v && v.length ? v : join(tmpdir(), 'mevmc-salt-tables');
}

let fingerprint: string | undefined;
function kernelFingerprint(): string {
  // The bytes kernelModule() compiles (kernel/words.ts), including its A/B override.
  const src = process.env.MEVMC_SALT_KERNEL_WASM || new URL('./kernel/kernel.wasm', import.meta.url);
  return (fingerprint ??= createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16));
}

/** The cache file of window `w` in `dir` (for tests that corrupt it). */
export function tableCacheFile(dir: string, w: number): string {
  return join(dir, `salt-tables-w${w}-${kernelFingerprint()}.bin`);
}

/** Why `buf` is not a valid table file for window `w`, or its payload. */
function parse(buf: Buffer, w: number): Uint32Array | string {
  if (buf.length < HEADER) return `${buf.length} bytes, shorter than the header`;
  if (buf.toString('latin1', 0, 8) !== MAGIC) return 'bad magic';
  const fw = buf.readUInt32LE(8);
  if (fw !== w) return `window ${fw}, expected ${w}`;
  const words = buf.readUInt32LE(12);
  if (buf.length !== HEADER + 4 * words) return `${buf.length} bytes, header says ${HEADER + 4 * words}`;
  const payload = buf.subarray(HEADER);
  const sum = createHash('sha256').update(payload).digest();
  if (!sum.equals(buf.subarray(16, 48))) return 'payload checksum mismatch';
  // A Buffer from readFileSync of this size owns its memory at offset 0; copy only if it does not.
  return payload.byteOffset % 4 === 0
    ? new Uint32Array(payload.buffer, payload.byteOffset, words)
    : new Uint32Array(Uint8Array.from(payload).buffer);
}

function write(file: string, w: number, t: Uint32Array): void {
  const payload = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
  const head = Buffer.alloc(HEADER);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(w, 8);
  head.writeUInt32LE(t.length, 12);
  createHash('sha256').update(payload).digest().copy(head, 16);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([head, payload]));
    renameSync(tmp, file);
    prune(file, w);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing written */
    }
  }
}

/** Removes the same window's files of other kernel builds: each is 75 MB (window 8) and no build reads another's. */
function prune(file: string, w: number): void {
  const dir = join(file, '..');
  const keep = file.slice(dir.length + 1);
  for (const f of readdirSync(dir)) {
    if (f !== keep && f.startsWith(`salt-tables-w${w}-`) && f.endsWith('.bin')) {
      try {
        unlinkSync(join(dir, f));
      } catch {
        /* another process removed it */
      }
    }
  }
}

/**
 * A kernel of window `w` with all 256 tables, read from `dir` when a valid file is there, else built and written
 * there. Without `dir` the tables are built and nothing is written.
 */
export function loadTableKernel(w: number, dir: string | undefined = tableCacheDir()): CachedTables {
  const t0 = performance.now();
  const kernel = new SaltKernel(w);
  if (!dir) {
    kernel.warm();
    return { kernel, source: 'built', ms: performance.now() - t0 };
  }
  const file = tableCacheFile(dir, w);
  let rejected: string | undefined;
  let buf: Buffer | undefined;
  try {
    buf = readFileSync(file);
  } catch {
    /* no cache yet */
  }
  if (buf) {
    const t = parse(buf, w);
    if (typeof t === 'string') rejected = t;
    else {
      try {
        kernel.importTables(t);
        return { kernel, source: 'cache', file, ms: performance.now() - t0 };
      } catch (e) {
        rejected = (e as Error).message; // another layout of the same window
      }
    }
  }
  const tables = kernel.exportTables(); // builds all 256
  try {
    mkdirSync(dir, { recursive: true });
    write(file, w, tables);
  } catch {
    /* read-only cache: use the built tables */
  }
  return { kernel, source: rejected ? 'rebuilt' : 'built', file, ...(rejected ? { rejected } : {}), ms: performance.now() - t0 };
}
