/**
 * @file The verified on-disk cache of compiled code, shared by the wasm and native loaders.
 *
 * An entry is one file: MAGIC, format version, a JSON header holding the full key material (what the
 * code is, which compiler build made it, with which options) and the payload length, the payload
 * (a wasm module or an ELF shared object), then a SHA-256 of everything before it. Nothing read is
 * trusted: `read` checks the magic, version, every key field and the checksum before handing the
 * payload over, so a truncated, flipped, swapped or stale entry is reported (once) and treated as a
 * miss; the caller rebuilds and `write` replaces it. Writes go to a private temporary file, are
 * fsync'd and renamed over the entry, so a reader never sees half an entry and a failed write
 * (ENOSPC, EACCES…) leaves none. A directory that cannot be used is a warning: the loader goes on
 * without the disk cache.
 *
 * The compiler build id is a hash of the compiler's own files (every source or built module under
 * src/, the builtins, the C headers, runtime/include/mevmc.h) and binaryen's version, so an entry made
 * by another build is never used — no hand-kept version string to forget.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keccak256 } from '../state/keccak.ts';

/** First bytes of every entry. */
const MAGIC = Buffer.from('MEVMC\x00CE', 'latin1');
/** Bump when the entry layout changes. */
export const CACHE_FORMAT = 1;
const SHA = 32;

/** What an entry is bound to; all of it is stored in the entry and compared on load. */
export interface EntryKey {
  kind: 'wasm' | 'native';
  /** keccak256 of the code, hex. */
  codeHash: string;
  fork: string;
  /** Everything else that shapes the payload, as one canonical string (optimisation level, tracing, ABI…). */
  options: string;
  /** compilerBuildId(). */
  build: string;
}

const KEY_FIELDS = ['kind', 'codeHash', 'fork', 'options', 'build'] as const;

/**
 * Per-fork answers of a loader by code content, for code buffers it has not seen: equal bytecode held by another
 * account (token clones, one pair contract per pool, a backend that hands out a new buffer each block) is found by a
 * byte compare with the one buffer of the same length and content kept here, instead of SHA-256, the keccak map and
 * the key strings per new buffer. A W3 swap block (407 pairs, each with its own two tokens) meets 1,221 new buffers:
 * the loader's hashing path was ~0.9 MB of allocation per block in a sampling heap profile.
 */
export class ByContent<T> {
  private readonly byLength = new Map<number, { code: Uint8Array; forks: T[] }[]>();
  private size = 0;
  constructor(private readonly limit = 4096) {}
  /** The per-fork array of code equal to `code`, if any. */
  find(code: Uint8Array): T[] | undefined {
    const list = this.byLength.get(code.length);
    if (list) for (const e of list) if (equalBytes(e.code, code)) return e.forks;
    return undefined;
  }
  /** The per-fork array of code equal to `code`, made (over a private copy of the bytes) when there is none. */
  get(code: Uint8Array): T[] {
    const found = this.find(code);
    if (found) return found;
    if (this.size >= this.limit) {
      this.byLength.clear();
      this.size = 0;
    }
    const forks: T[] = [];
    const list = this.byLength.get(code.length);
    const e = { code: code.slice(), forks };
    if (list) list.push(e);
    else this.byLength.set(code.length, [e]);
    this.size++;
    return forks;
  }
}

/** Byte equality of two arrays (node's memcmp through Buffer.prototype.equals, which takes any Uint8Array). */
const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.prototype.equals.call(a, b);

const keccakBySha = new Map<string, string>();

/**
 * keccak256(code) as hex (the `codeHash` of an entry), remembered by the code's SHA-256: node's SHA-256 (OpenSSL)
 * hashes 24 KB of code in ~15 µs, @noble/hashes' keccak in JS takes 0.4–6 ms. Loaders hash every code buffer they
 * have not seen, and a state backend may hand out a new buffer for the same code each block.
 */
export function codeHashHex(code: Uint8Array): string {
  const sha = createHash('sha256').update(code).digest('base64');
  let k = keccakBySha.get(sha);
  if (k === undefined) {
    if (keccakBySha.size >= 1 << 16) keccakBySha.clear();
    keccakBySha.set(sha, (k = Buffer.from(keccak256(code)).toString('hex')));
  }
  return k;
}

/** File name stem of an entry: readable code hash and fork, then a hash of the rest. */
export function entryName(k: EntryKey): string {
  const v = createHash('sha256').update(`${k.kind}\n${k.options}\n${k.build}`).digest('hex').slice(0, 16);
  return `${k.codeHash}-${k.fork}-${v}`;
}

/** The bytes of an entry. */
export function encodeEntry(k: EntryKey, payload: Uint8Array): Buffer {
  const header = Buffer.from(JSON.stringify({ ...pick(k), bytes: payload.length }));
  const fixed = Buffer.alloc(8);
  fixed.writeUInt32LE(CACHE_FORMAT, 0);
  fixed.writeUInt32LE(header.length, 4);
  const body = Buffer.concat([MAGIC, fixed, header, payload]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** The payload of an entry, or why it cannot be used (checked before anything is parsed). */
export function decodeEntry(buf: Uint8Array, want: EntryKey): { payload: Uint8Array } | { problem: string } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const min = MAGIC.length + 8 + SHA;
  if (b.length < min) return { problem: `truncated (${b.length} bytes)` };
  if (!b.subarray(0, MAGIC.length).equals(MAGIC)) return { problem: 'not a mevmc cache entry' };
  const body = b.subarray(0, b.length - SHA);
  if (!createHash('sha256').update(body).digest().equals(b.subarray(b.length - SHA))) return { problem: 'checksum mismatch (truncated or modified)' };
  const format = b.readUInt32LE(MAGIC.length);
  if (format !== CACHE_FORMAT) return { problem: `entry format ${format}, this runtime reads ${CACHE_FORMAT}` };
  const hlen = b.readUInt32LE(MAGIC.length + 4);
  const start = MAGIC.length + 8;
  if (start + hlen > body.length) return { problem: 'header length out of range' };
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(b.subarray(start, start + hlen).toString('utf8'));
  } catch {
    return { problem: 'unreadable header' };
  }
  for (const f of KEY_FIELDS) {
    if (h[f] !== want[f]) return { problem: `made for another ${f === 'build' ? 'compiler build' : f} (${short(h[f])}, want ${short(want[f])})` };
  }
  const payload = body.subarray(start + hlen);
  if (h.bytes !== payload.length) return { problem: `payload is ${payload.length} bytes, header says ${short(h.bytes)}` };
  return { payload };
}

const pick = (k: EntryKey): EntryKey => ({ kind: k.kind, codeHash: k.codeHash, fork: k.fork, options: k.options, build: k.build });
const short = (v: unknown): string => (typeof v === 'string' && v.length > 20 ? v.slice(0, 16) + '…' : String(v));

// ---- warnings -----------------------------------------------------------------------------------

const warned = new Set<string>();

/** One `mevmc: warning: …` line on stderr per distinct problem and process. */
export function warnOnce(id: string, message: string): void {
  if (warned.has(id)) return;
  warned.add(id);
  process.stderr.write(`mevmc: warning: ${message}\n`);
}

const errText = (e: unknown): string => {
  const x = e as NodeJS.ErrnoException;
  return x?.code ? `${x.code}${x.message ? `: ${x.message.replace(/^\w+: /, '')}` : ''}` : String((e as Error)?.message ?? e);
};

// ---- the directory ------------------------------------------------------------------------------

export interface DiskCacheOptions {
  /** File name suffix of entries (e.g. `.wasm.entry`). */
  suffix: string;
  /**
   * The directory holds code that will be executed (native objects): create it 0700 and refuse one that
   * belongs to another user or that others may write.
   */
  private?: boolean;
}

/** A cache directory. Never throws: problems are warnings and turn the cache off. */
export class DiskCache {
  /** False once the directory proved unusable (the loader then runs without it). */
  usable = true;
  private checked = false;

  constructor(readonly dir: string, readonly opts: DiskCacheOptions) {}

  path(k: EntryKey): string {
    return join(this.dir, entryName(k) + this.opts.suffix);
  }

  /** Create and check the directory once; false (after one warning) when it cannot be used. */
  ready(): boolean {
    if (this.checked) return this.usable;
    this.checked = true;
    try {
      mkdirSync(this.dir, { recursive: true, mode: this.opts.private ? 0o700 : 0o777 });
      const st = statSync(this.dir);
      if (!st.isDirectory()) return this.disable('not a directory');
      if (this.opts.private) {
        // Shared objects are executed: refuse a directory others could write to.
        const uid = process.getuid?.();
        if (uid !== undefined && st.uid !== uid) return this.disable('belongs to another user');
        if (st.mode & 0o022) return this.disable('writable by others (chmod go-w it)');
      }
    } catch (e) {
      return this.disable(errText(e));
    }
    return true;
  }

  /** The compiler build id while the cache is usable (an unidentifiable build turns it off, with a warning). */
  buildId(): string | undefined {
    if (!this.usable) return undefined;
    try {
      return compilerBuildId();
    } catch (e) {
      this.disable(`cannot identify the compiler build: ${e instanceof Error ? e.message : e}`);
      return undefined;
    }
  }

  disable(why: string): false {
    this.usable = false;
    warnOnce(`dir:${this.dir}`, `cache directory ${this.dir} is unusable (${why}); running without the disk cache`);
    return false;
  }

  /**
   * The verified payload of an entry; undefined on a miss. A bad entry is reported once and counts as a
   * miss (the caller rebuilds and `write` replaces it).
   */
  read(k: EntryKey): Uint8Array | undefined {
    if (!this.ready()) return undefined;
    const file = this.path(k);
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.reportBad(file, `unreadable (${errText(e)})`);
      return undefined;
    }
    const d = decodeEntry(buf, k);
    if ('problem' in d) {
      this.reportBad(file, d.problem);
      return undefined;
    }
    return d.payload;
  }

  /** A payload that passed `read` but could not be used (e.g. not a valid module): report it like a bad entry. */
  reportBad(file: string, why: string): void {
    warnOnce(`entry:${file}`, `cache entry ${file} is bad (${why}); rebuilding it`);
  }

  /** Store an entry atomically. False (after one warning; the cache is then off) when it cannot be written. */
  write(k: EntryKey, payload: Uint8Array): boolean {
    if (!this.ready()) return false;
    const file = this.path(k);
    const tmp = privateName(this.dir, '.tmp');
    let fd: number | undefined;
    try {
      fd = openSync(tmp, 'wx', 0o600);
      const bytes = encodeEntry(k, payload);
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, file);
      return true;
    } catch (e) {
      if (fd !== undefined) try { closeSync(fd); } catch { /* already failing */ }
      try { unlinkSync(tmp); } catch { /* never created */ }
      this.disable(errText(e));
      return false;
    }
  }
}

/** A fresh file name in `dir` no other writer uses (pid + random). */
export function privateName(dir: string, suffix: string): string {
  return join(dir, `.${process.pid}.${randomBytes(6).toString('hex')}${suffix}`);
}

// ---- the compiler build id ----------------------------------------------------------------------

/** Files whose bytes shape compiled code: sources or built modules, C sources and headers, the builtins. */
const BUILD_FILE = /\.(ts|js|mjs|c|h|wasm)$/;
const NOT_BUILD_FILE = /\.d\.ts$|\.map$/;

let buildId: string | undefined;

/**
 * Hash of the compiler that is running: every file under src/ (resolved from this module, so a dist/
 * build of .js files hashes itself), runtime/include/mevmc.h and binaryen's version. Computed once per
 * process (~1–3 ms for the ~50 files). Throws when the compiler's files cannot be read.
 */
export function compilerBuildId(): string {
  if (buildId) return buildId;
  const root = fileURLToPath(new URL('../../src/', import.meta.url));
  const h = createHash('sha256');
  const files = listFiles(root).filter((f) => BUILD_FILE.test(f) && !NOT_BUILD_FILE.test(f)).sort();
  if (!files.some((f) => /\.(ts|js)$/.test(f))) throw new Error(`no compiler sources under ${root}`);
  for (const f of files) {
    const data = readFileSync(f);
    h.update(`${relative(root, f)}\0${data.length}\0`).update(data);
  }
  const abi = fileURLToPath(new URL('../include/mevmc.h', import.meta.url));
  h.update(`mevmc.h\0`).update(readOr(abi, 'missing'));
  h.update(`binaryen\0${binaryenVersion()}`);
  buildId = h.digest('hex');
  return buildId;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

function readOr(file: string, fallback: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.from(fallback);
  }
}

function binaryenVersion(): string {
  try {
    const p = createRequire(import.meta.url).resolve('binaryen/package.json');
    return String(JSON.parse(readFileSync(p, 'utf8')).version);
  } catch {
    return 'unknown';
  }
}
