/**
 * @file The SALT kernel (`kernel.c`) as native code: the same entry points compiled by clang for the host into a
 * shared object, cached on disk, called through koffi; and `kernelInstance()`, which hands kernel/index.ts and
 * kernel/ec.ts either that or the committed wasm build behind one interface.
 *
 * Stage: construction of every `SaltKernel` / `EcKernel` (fixed-base products, decompression, MSM). The small
 * per-key hashers stay on wasm: their calls do ~1 µs of work, where an FFI call costs more than a wasm call.
 * Input: env `MEVMC_SALT_KERNEL` = `native` | `wasm` (default: native when clang ≥ 15 and koffi are there);
 * `MEVMC_SALT_NATIVE_DIR` (cache directory; default `<native engine cache>/salt`).
 * Output: an object shaped like the wasm instance's exports — `memory.buffer` / `memory.grow(pages)`,
 * `__heap_base.value`, and the kernel functions taking offsets into that memory.
 * Invariants: the native memory is one mmap reservation per instance (address space only; pages are committed
 * when touched, as in a wasm memory), so growing never moves it; JS sees it through a koffi view widened on
 * `grow`. The C source is the one of kernel.wasm, so results are the same words (test/salt/native-kernel.test.ts).
 * A cache entry is bound to the source hash, flags and clang version and verified before use (runtime/loader/
 * cache.ts); a bad one is rebuilt. A build or load failure falls back to wasm (one note on stderr with
 * MEVMC_DEBUG), unless native was asked for explicitly, which is then an error.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findClang } from '../../../src/backend/c/clang.ts';
import { DiskCache, type EntryKey, privateName, warnOnce } from '../../loader/cache.ts';
import { type KoffiLib, defaultNativeDir, loadKoffi } from '../../loader/native.ts';
import { kernelModule } from './words.ts';

/** The kernel could not be built or loaded natively although MEVMC_SALT_KERNEL=native asked for it. */
export class SaltNativeKernelError extends Error {
  override name = 'SaltNativeKernelError';
}

/** Which build of the kernel an instance runs. */
export type KernelKind = 'wasm' | 'native';

/** What kernel/index.ts and kernel/ec.ts see of an instance (the wasm exports, or the native shim). */
export interface KernelInstance {
  readonly kind: KernelKind;
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): unknown };
  readonly __heap_base: { readonly value: number };
}

/** Flags of the native build (part of the cache key). Portable x86-64/aarch64 code: measured as fast as -march=native. */
const CFLAGS = ['-x', 'c', '-std=gnu2x', '-O3', '-shared', '-fPIC', '-fvisibility=hidden', '-fno-stack-protector', '-g0'];
const PAGE = 65536;
/** Address space reserved per instance: the 75 MB of tables plus work areas of the largest batches, with room. */
const RESERVE = 16 * 2 ** 30;

/** Entry points: C name, result type, and for each parameter whether it is a pointer (an offset on the JS side). */
const FUNCS: readonly (readonly [string, string, readonly boolean[]])[] = [
  ['salt_fq_to_mont', 'void', [true, true]],
  ['salt_fq_from_mont', 'void', [true, true]],
  ['salt_fq_mul', 'void', [true, true, true]],
  ['salt_point_add', 'void', [true, true, true]],
  ['salt_point_double', 'void', [true, true]],
  ['salt_table_build', 'void', [true, true, false, false, true]],
  ['salt_mul_batch', 'uint32_t', [true, false, false, true, false, true, false, false, true]],
  ['salt_mul_batch_scratch', 'uint32_t', [false, false, false]],
  ['salt_mul_batch_flagged', 'uint32_t', []],
  ['salt_mul_batch_force_flag', 'void', [false]],
  ['salt_map_to_scalar_batch', 'void', [true, false, true, true]],
  ['salt_to_affine_batch', 'void', [true, false, true, true]],
  ['salt_sqrt_init', 'void', [true]],
  ['salt_fq_sqrt', 'uint32_t', [true, true, true]],
  ['salt_decompress_batch', 'void', [true, true, false, true, true, true]],
  ['salt_to_entries', 'void', [true, false, true, true]],
  ['salt_msm', 'void', [true, true, true, false, false, true]],
];

interface NativeLib {
  readonly fns: Record<string, (...a: number[]) => number>;
  readonly reserve: (bytes: number) => number | bigint;
  readonly release: (addr: number, bytes: number) => void;
  readonly view: (addr: number, bytes: number) => ArrayBuffer;
}

let lib: NativeLib | { error: string } | undefined;

/** The kernel source and the key of its native build. */
function kernelKey(): { source: string; key: EntryKey } | { error: string } {
  const tc = findClang();
  if (!tc) return { error: 'no clang >= 15 (apt-get install clang-19, or set MEVMC_CLANG)' };
  if (process.platform !== 'linux') return { error: `native kernel supports Linux only (this is ${process.platform})` };
  const source = readFileSync(new URL('./kernel.c', import.meta.url), 'utf8');
  const h = createHash('sha256').update(source).digest('hex');
  return { source, key: { kind: 'native', codeHash: `salt-kernel-${h}`, fork: '-', options: `${CFLAGS.join(' ')}/clang${tc.major}/${process.arch}`, build: 'salt' } };
}

/** Compile the kernel into a shared object; returns its bytes. */
function compile(source: string): Uint8Array {
  const tc = findClang()!;
  const dir = mkdtempSync(join(tmpdir(), 'mevmc-salt-native-'));
  try {
    const src = join(dir, 'kernel.c');
    const out = join(dir, 'kernel.so');
    writeFileSync(src, source);
    execFileSync(tc.clang, [...CFLAGS, src, '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeFileSync(path: string, data: string | Uint8Array, mode = 0o600): void {
  const fd = openSync(path, 'wx', mode);
  try {
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
  } finally {
    closeSync(fd);
  }
}

/** The native cache directory of the kernel. */
export function saltNativeDir(): string {
  return process.env.MEVMC_SALT_NATIVE_DIR || join(defaultNativeDir(), 'salt');
}

/**
 * dlopen the object from a private copy of verified bytes (as the native engine does: whoever rewrites the entry
 * meanwhile cannot change what runs), and bind the entry points.
 */
function open(bytes: Uint8Array, dir: string): NativeLib {
  const koffi = loadKoffi();
  const path = privateName(dir, '.so');
  writeFileSync(path, bytes, 0o700);
  let l: KoffiLib;
  try {
    l = koffi.load(path);
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  const fns: Record<string, (...a: number[]) => number> = {};
  for (const [name, ret, ptrs] of FUNCS) fns[name] = l.func(`${ret} ${name}(${ptrs.map((p) => (p ? 'uint64_t' : 'uint32_t')).join(', ')})`);
  return {
    fns,
    reserve: l.func('uint64_t salt_native_reserve(uint64_t bytes)'),
    release: l.func('void salt_native_release(uint64_t p, uint64_t bytes)'),
    view: (addr, bytes) => koffi.view(addr, bytes),
  };
}

/** Build (or find) and load the native kernel once per thread; the reason when it cannot be. */
function nativeLib(): NativeLib | { error: string } {
  if (lib) return lib;
  try {
    const k = kernelKey();
    if ('error' in k) return (lib = k);
    const disk = new DiskCache(saltNativeDir(), { suffix: '.so.entry', private: true });
    const cached = disk.read(k.key);
    const dir = disk.ready() ? disk.dir : mkdtempSync(join(tmpdir(), 'mevmc-salt-run-'));
    if (cached) {
      try {
        return (lib = open(cached, dir));
      } catch (e) {
        disk.reportBad(disk.path(k.key), e instanceof Error ? e.message : String(e));
      }
    }
    const bytes = compile(k.source);
    disk.write(k.key, bytes);
    return (lib = open(bytes, dir));
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    return (lib = { error: m.split('\n')[0] });
  }
}

/** Why the native kernel cannot run here, or undefined when it can (builds and loads it if needed). */
export function nativeKernelUnavailable(): string | undefined {
  const l = nativeLib();
  return 'error' in l ? l.error : undefined;
}

/** The kernel kind new instances get: MEVMC_SALT_KERNEL, else native when available. */
export function kernelKind(): KernelKind {
  const want = process.env.MEVMC_SALT_KERNEL;
  if (want === 'wasm') return 'wasm';
  const why = nativeKernelUnavailable();
  if (why === undefined) return 'native';
  if (want === 'native') throw new SaltNativeKernelError(`MEVMC_SALT_KERNEL=native but the native SALT kernel is unavailable: ${why}`);
  if (process.env.MEVMC_DEBUG) warnOnce('salt-native-kernel', `native SALT kernel unavailable (${why}); using the wasm kernel`);
  return 'wasm';
}

/** Unmaps an instance's memory once the instance is unreachable. */
const releases = new FinalizationRegistry<{ release: NativeLib['release']; base: number }>((r) => r.release(r.base, RESERVE));

/** A native instance: offsets in, base-relative addresses to C. */
function nativeInstance(l: NativeLib): KernelInstance {
  const b = l.reserve(RESERVE);
  if (typeof b !== 'number' || b === 0) throw new SaltNativeKernelError(`cannot reserve ${RESERVE} bytes of address space for the SALT kernel`);
  const base = b;
  let buffer = l.view(base, PAGE);
  const inst: Record<string, unknown> = {
    kind: 'native',
    __heap_base: { value: 0 },
    memory: {
      get buffer() {
        return buffer;
      },
      grow(pages: number) {
        const old = buffer.byteLength / PAGE;
        if (buffer.byteLength + pages * PAGE > RESERVE) throw new RangeError('SALT native kernel memory exhausted');
        buffer = l.view(base, buffer.byteLength + pages * PAGE);
        return old;
      },
    },
  };
  for (const [name, , ptrs] of FUNCS) inst[name] = bindOffsets(l.fns[name], ptrs, base);
  releases.register(inst, { release: l.release, base });
  return inst as unknown as KernelInstance;
}

/** `f` with its pointer parameters taken as offsets from `base` (koffi wants the exact arity). */
function bindOffsets(f: (...a: number[]) => number, ptrs: readonly boolean[], base: number): (...a: number[]) => number {
  const p = ptrs.map((x) => (x ? base : 0));
  const [p0, p1, p2, p3, p4, p5, p6, p7, p8] = p;
  switch (p.length) {
    case 0: return () => f();
    case 1: return (a) => f(a + p0);
    case 2: return (a, b) => f(a + p0, b + p1);
    case 3: return (a, b, c) => f(a + p0, b + p1, c + p2);
    case 4: return (a, b, c, d) => f(a + p0, b + p1, c + p2, d + p3);
    case 5: return (a, b, c, d, e) => f(a + p0, b + p1, c + p2, d + p3, e + p4);
    case 6: return (a, b, c, d, e, g) => f(a + p0, b + p1, c + p2, d + p3, e + p4, g + p5);
    case 9: return (a, b, c, d, e, g, h, i, j) => f(a + p0, b + p1, c + p2, d + p3, e + p4, g + p5, h + p6, i + p7, j + p8);
    default: throw new Error(`bindOffsets: arity ${p.length}`);
  }
}

/** A new kernel instance of `kind` (default `kernelKind()`). */
export function kernelInstance(kind: KernelKind = kernelKind()): KernelInstance {
  if (kind === 'native') {
    const l = nativeLib();
    if ('error' in l) throw new SaltNativeKernelError(`native SALT kernel unavailable: ${l.error}`);
    return nativeInstance(l);
  }
  const x = new WebAssembly.Instance(kernelModule(), {}).exports;
  return { ...x, kind: 'wasm' } as unknown as KernelInstance;
}
