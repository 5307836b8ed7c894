/**
 * @file The native engine's loader: contracts compiled to C (src/backend/c) and by clang into shared
 * objects implementing runtime/include/mevmc.h, loaded and called through koffi (the only file that
 * touches koffi).
 *
 * - Compilation: `analyze` → `compileToC` → `buildSharedObject`, stored as a verified cache entry
 *   (runtime/loader/cache.ts: bound to keccak(code), fork, -O, tracing, ABI, clang major and the
 *   compiler build) in `$MEVMC_CACHE_DIR/native`, else a private per-user directory under
 *   os.tmpdir(). An entry's bytes are read once, checked (checksum, key), written to a fresh private
 *   file and that file is dlopen'd and unlinked: what runs is exactly what was verified, whatever
 *   happens to the entry meanwhile (a truncated object mapped by dlopen would SIGBUS). A bad entry is
 *   reported once, rebuilt and replaced. An object whose `mevmc_abi_version()` differs from
 *   NATIVE_ABI_VERSION is refused.
 * - Frames: each instance is one mapping of CONTROL_BYTES + MEVMC_FRAME_BYTES (mmap with
 *   MAP_NORESERVE: only touched pages cost memory). The first page holds the `mevmc_frame` struct,
 *   the rest is the frame memory, laid out as the wasm linear memory. JS sees it through a koffi
 *   view (an external ArrayBuffer, no copy) that widens on demand to the EVM memory in use (a 1 GiB
 *   external buffer per frame would make V8 collect garbage for "external memory pressure").
 *   Frames do not depend on the contract: a loader keeps one pool of them (the most recently
 *   released first; beyond `maxIdleFrames` the oldest are unmapped).
 * - Callbacks: one koffi callback per HOST_IMPORTS entry, registered once per process, in one host
 *   table shared by every frame. `user` is the frame id: the callback routes to that frame's `fns`
 *   (the FrameHost functions, exactly those of the wasm path; 64-bit parameters become BigInt as wasm
 *   delivers them). A JS exception never unwinds through C: the callback stashes it, zeroes the gas
 *   (so compiled code stops at its next charge even after a `void` callback) and returns
 *   MEVMC_HOST_ERROR; `run()` rethrows it once mevmc_run has returned, exactly as a wasm instance
 *   throws through `run()`.
 * - Storage ops: with the state cache on (runtime/state/state-cache.ts), SLOAD/SSTORE/TLOAD/TSTORE and
 *   warm BALANCE/SELFBALANCE/EXTCODESIZE/EXTCODEHASH of frames are served in C by the state helper
 *   (native-state.ts), which takes their place in the host table and calls the koffi callbacks back on
 *   a miss and for frames without a state-cache record. The contract objects are unchanged by it (same
 *   ABI and table layout), so no cache key changes; the helper is keyed by the hash of its own source.
 * - Nesting: a callback may run another frame (native or wasm) synchronously; koffi runs C code on a
 *   stack of its own (set to its 16 MiB maximum here), shared by all nested native frames.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CTX, CTX_SIZE, Ctx, EVM_MEMORY_BASE, MAX_EVM_MEMORY, Status } from '../../src/abi/context.ts';
import { HOST_IMPORTS } from '../../src/abi/host.ts';
import { analyze } from '../../src/analysis/index.ts';
import { compileToC } from '../../src/backend/c/index.ts';
import { findClang } from '../../src/backend/c/clang.ts';
import { type Fork, forkName } from '../../src/evm/forks.ts';
import { HostFailure } from '../host/call.ts';
import { ByContent, DiskCache, type EntryKey, codeHashHex, entryName } from './cache.ts';
import { NativeLoadError, ObjectStore } from './native-objects.ts';
import { NativeStateHelper } from './native-state.ts';
import { stateCache, usesStateCache } from '../state/state-cache.ts';

export { NativeLoadError } from './native-objects.ts';
import type { ContractInstance, ContractLoader, FrameBuffer, HostFns, LoadedCode } from './types.ts';

/** The ABI this runtime implements (MEVMC_ABI_VERSION of runtime/include/mevmc.h; a test checks they agree). */
export const NATIVE_ABI_VERSION = 2;
/** Bytes of frame memory per frame (MEVMC_FRAME_BYTES). */
export const FRAME_BYTES = EVM_MEMORY_BASE + MAX_EVM_MEMORY;
/** Bytes before the frame memory in each mapping: the `mevmc_frame` struct (64 KiB keeps `mem` aligned on any page size). */
const CONTROL_BYTES = 65536;
/** Initial width of the JS view of a frame: the fixed areas and 1 MiB of EVM memory. */
const INITIAL_VIEW = EVM_MEMORY_BASE + (1 << 20);
/**
 * Clearing more than this returns the pages to the OS (madvise) instead of writing zeros. Above what a call can touch
 * with a block's gas (30 Mgas buys ~4 MB of memory): returned pages fault back in, zeroed by the kernel, on the next
 * call's first touch (evm-benchmarks snailtracer, ~1.5 MB a call: 15% of its time in page faults at 1 MiB).
 */
const MADVISE_MIN = 1 << 23;
/** Alignment for madvise (a multiple of every supported page size). */
const ALIGN = 65536;
/** Idle frames a loader keeps by default. */
export const MAX_IDLE_FRAMES = 32;
/**
 * Loaded objects a loader keeps by default (each dlopen costs a few of the process's
 * vm.max_map_count mappings): beyond it the least recently loaded idle ones are unloaded.
 */
export const MAX_LOADED_OBJECTS = 1024;
/** koffi's stack for synchronous calls, where every nested native frame runs (koffi's maximum). */
const KOFFI_STACK = 16 << 20;

// Linux x86-64 / aarch64 values.
const PROT_RW = 0x1 | 0x2;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;
const MADV_DONTNEED = 4;

const MEM_WORDS_U32 = Ctx.memWords / 4;
const GAS_U32 = Ctx.gas / 4;

// ---- process-wide FFI state ---------------------------------------------------------------------

export interface Koffi {
  load(path: string): KoffiLib;
  view(ptr: number | bigint, len: number): ArrayBuffer;
  proto(result: string, args: string[]): unknown;
  pointer(t: unknown): unknown;
  register(f: Function, t: unknown): bigint;
  config(c?: Record<string, number>): Record<string, number>;
}
export interface KoffiLib {
  func(decl: string): (...a: any[]) => any;
  unload(): void;
}

/** Everything shared by all loaders of the process (kept on globalThis: module re-evaluation must not register callbacks twice). */
interface Ffi {
  koffi: Koffi;
  mmap: (addr: number, len: number, prot: number, flags: number, fd: number, off: number) => number | bigint;
  munmap: (addr: number, len: number) => number;
  madvise: (addr: number, len: number, advice: number) => number;
  /** Address of the mevmc_host table. */
  hostTable: number;
  /** Frames by id (`user`). */
  frames: (NativeFrame | undefined)[];
  freeIds: number[];
  /** Native frames currently running (nested). */
  depth: number;
  maxDepth: number;
  /** The stack guard (see `stackGuard`), once a loader has set it up. */
  guard: StackGuard | undefined;
  /** The state helper (storage and account-field ops in C): undefined until a loader set it up, null with the cache off. */
  state: NativeStateHelper | null | undefined;
  /** The host table as a view. */
  table: DataView | undefined;
}

/**
 * Nested native frames share koffi's stack, whose overflow would kill the process (guard page). Before
 * a nested frame starts, a one-line C helper reports where on that stack it would run; when less than
 * max(MIN_STACK_MARGIN, 2 × the largest per-level use seen) is left, the frame fails with a HostFailure
 * instead (as a JS stack overflow fails on the wasm path). -O1 and above need ~2–4 KiB per level, so
 * the EVM's 1024 levels fit easily; -O0 frames can take ~100 KiB.
 */
interface StackGuard {
  sp: () => number;
  /** Lowest usable address of koffi's stack. */
  low: number;
  /** Stack position of each running native frame, by depth. */
  at: number[];
  maxDelta: number;
}
const MIN_STACK_MARGIN = 1 << 20;
const SUPPORT_SOURCE = `#include <stdint.h>
__attribute__((visibility("default"), noinline)) uint64_t mevmc_support_sp(void) { return (uint64_t)__builtin_frame_address(0); }
`;

const FFI_KEY = Symbol.for('mevmc.native.ffi.v1');
const g = globalThis as unknown as Record<symbol, Ffi | { error: string } | undefined>;

/** Why the native engine cannot run here, or undefined when it can (koffi loads, Linux, clang ≥ 15). */
export function nativeUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `the native engine supports Linux only (this is ${process.platform})`;
  const f = tryFfi();
  if ('error' in f) return f.error;
  if (!findClang()) {
    return 'the native engine needs clang >= 15 (for unsigned _BitInt(256)); install it with `apt-get install -y clang-19` (Debian/Ubuntu) or point MEVMC_CLANG at one';
  }
  return undefined;
}

function tryFfi(): Ffi | { error: string } {
  const have = g[FFI_KEY];
  if (have) return have;
  let r: Ffi | { error: string };
  try {
    r = initFfi();
  } catch (e) {
    r = { error: `cannot load koffi (the FFI the native engine uses): ${e instanceof Error ? e.message : String(e)}` };
  }
  g[FFI_KEY] = r;
  return r;
}

function ffi(): Ffi {
  const f = tryFfi();
  if ('error' in f) throw new Error(f.error);
  return f;
}

let koffiLoaded: Koffi | undefined;

/**
 * koffi with the native engine's settings, for every native helper of the process (also the SALT kernel,
 * runtime/salt/kernel/native.ts): whoever loads a library first fixes koffi's stack size. Throws when koffi cannot load.
 */
export function loadKoffi(): Koffi {
  if (koffiLoaded) return koffiLoaded;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  // Nested native frames all run on koffi's synchronous stack: take the largest. Settable only before the first load.
  try {
    if (koffi.config().sync_stack_size < KOFFI_STACK) koffi.config({ ...koffi.config(), sync_stack_size: KOFFI_STACK });
  } catch {
    // another user of koffi in this process loaded a library first: keep its setting
  }
  return (koffiLoaded = koffi);
}

function initFfi(): Ffi {
  if (process.platform !== 'linux') throw new Error(`the native engine supports Linux only (this is ${process.platform})`);
  const koffi = loadKoffi();
  const libc = koffi.load('libc.so.6');
  const f: Ffi = {
    koffi,
    mmap: libc.func('uint64_t mmap(uint64_t addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: libc.func('int munmap(uint64_t addr, size_t length)'),
    madvise: libc.func('int madvise(uint64_t addr, size_t length, int advice)'),
    hostTable: 0,
    frames: [],
    freeIds: [],
    depth: 0,
    maxDepth: 0,
    guard: undefined,
    state: undefined,
    table: undefined,
  };
  const table = mapOrThrow(f, 4096, 'the host callback table');
  const dv = new DataView(koffi.view(table, 4096));
  HOST_IMPORTS.forEach((h, i) => {
    const ret = h.result === 'i32' ? 'int32_t' : 'void';
    const type = koffi.pointer(koffi.proto(ret, ['uint64_t', ...h.params.map((p) => (p === 'i64' ? 'uint64_t' : 'uint32_t'))]));
    const ptr = koffi.register(hostCallback(f, h.name, h.params, h.result === 'i32'), type);
    dv.setBigUint64(8 * i, BigInt(ptr), true);
  });
  f.hostTable = table;
  f.table = dv;
  return f;
}

function mapOrThrow(f: Ffi, bytes: number, what: string): number {
  const p = f.mmap(0, bytes, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  // MAP_FAILED is (void *)-1: koffi hands it over as a BigInt; every real user-space address is a safe integer.
  if (typeof p !== 'number' || p === 0) throw new Error(`mevmc: cannot reserve ${bytes} bytes of address space for ${what} (mmap failed)`);
  return p;
}

const big = (x: number | bigint): bigint => (typeof x === 'bigint' ? x : BigInt(x));

/** The JS side of one host callback: route by frame id, convert i64 to BigInt, never let an exception reach C. */
function hostCallback(f: Ffi, name: string, params: readonly string[], hasResult: boolean): Function {
  const [b0, b1, b2, b3, b4] = [0, 1, 2, 3, 4].map((i) => params[i] === 'i64');
  const frames = f.frames;
  return (user: number | bigint, a: any, b: any, c: any, d: any, e: any) => {
    const fr = frames[Number(user)];
    // A frame whose callback already failed runs nothing more on the host (the run's outcome is that failure).
    if (fr === undefined || fr.failed) return hasResult ? Status.HostError : undefined;
    try {
      const r = fr.fns[name](b0 ? big(a) : a, b1 ? big(b) : b, b2 ? big(c) : c, b3 ? big(d) : d, b4 ? big(e) : e);
      return hasResult ? (r ?? 0) : undefined;
    } catch (err) {
      fr.fail(err);
      return hasResult ? Status.HostError : undefined;
    }
  };
}

// ---- loaded objects -----------------------------------------------------------------------------

/** A loaded shared object. */
export interface NativeContract extends LoadedCode {
  readonly path: string;
  /** `mevmc_contract_info()`. */
  readonly info: string;
  /** mevmc_run(frame). */
  readonly run: (frame: number) => number;
  /** Frames currently running this contract (it is never unloaded while > 0). */
  active: number;
  unloaded: boolean;
  readonly lib: KoffiLib;
  /** The code has an opcode served by the state cache (usesStateCache; true when the code is not known). */
  stateOps: boolean;
}

/**
 * Load a mevmc shared object and check its ABI version. Throws NativeLoadError for an object that is
 * not a mevmc contract of this ABI (it is unloaded again).
 */
export function openContract(path: string, meta: { key?: string; compileMs?: number; fromDisk?: boolean } = {}): NativeContract {
  const { koffi } = ffi();
  let lib: KoffiLib;
  try {
    lib = koffi.load(path);
  } catch (e) {
    throw new NativeLoadError(`${path}: cannot load the shared object: ${e instanceof Error ? e.message : String(e)}`);
  }
  let version: number;
  let info: string;
  let run: (frame: number) => number;
  try {
    version = lib.func('uint32_t mevmc_abi_version(void)')() as number;
    info = lib.func('const char *mevmc_contract_info(void)')() as string;
    run = lib.func('int32_t mevmc_run(uint64_t frame)'); // mevmc_frame *: a pointer-sized integer in every LP64 ABI
  } catch (e) {
    lib.unload();
    throw new NativeLoadError(`${path}: not a mevmc contract (${e instanceof Error ? e.message : String(e)})`);
  }
  if (version !== NATIVE_ABI_VERSION) {
    lib.unload();
    throw new NativeLoadError(
      `${path}: mevmc_abi_version() is ${version} but this runtime implements mevmc ABI ${NATIVE_ABI_VERSION}; refusing to run it (rebuild it with this mevmc)`,
    );
  }
  return { key: meta.key ?? path, path, info, run, compileMs: meta.compileMs ?? 0, fromDisk: meta.fromDisk ?? true, active: 0, unloaded: false, lib, stateOps: true };
}

// ---- frames -------------------------------------------------------------------------------------

/** One native frame: a mapping holding the mevmc_frame struct and the frame memory. */
export class NativeFrame implements ContractInstance, FrameBuffer {
  fns: HostFns = {};
  /** The contract the frame is bound to while borrowed. */
  contract: NativeContract | undefined;
  readonly memory: FrameBuffer = this;
  /** Address of the frame memory (`frame->mem`). */
  readonly mem: number;
  inUse = false;
  private ab: ArrayBuffer;
  /** `zero`'s view of `ab` (the buffer it was made for kept apart: a typed array's `buffer` getter is a call). */
  private zeroView = new Uint8Array(0);
  private zeroAb: ArrayBuffer | undefined;
  private ctx: Uint32Array;
  /** A callback threw during the current run (further callbacks of the run are refused). */
  failed = false;
  /** Storage ops go to the state cache in C when `Ctx.stateAddr` is set (the state helper is installed and the contract has such ops). */
  get stateCache(): boolean {
    return !!this.f.state && this.contract?.stateOps !== false;
  }
  private error: unknown;

  constructor(
    private readonly f: Ffi,
    /** `frame->user`: the index in the process's frame table. */
    readonly id: number,
    /** Start of the mapping: the mevmc_frame struct. */
    readonly base: number,
  ) {
    this.mem = base + CONTROL_BYTES;
    const s = new DataView(f.koffi.view(base, 24));
    s.setBigUint64(0, BigInt(this.mem), true);
    s.setBigUint64(8, BigInt(f.hostTable), true);
    s.setBigUint64(16, BigInt(id), true);
    this.ab = f.koffi.view(this.mem, INITIAL_VIEW);
    this.ctx = new Uint32Array(this.ab, CTX, CTX_SIZE / 4);
  }

  /** The frame memory up to the EVM memory in use (ctx.memWords), widened when compiled code grew it. */
  get buffer(): ArrayBuffer {
    const ctx = this.ctx;
    const hi = ctx[MEM_WORDS_U32 + 1];
    if (hi !== 0 || EVM_MEMORY_BASE + ctx[MEM_WORDS_U32] * 32 > this.ab.byteLength) this.widen(hi !== 0 ? FRAME_BYTES : EVM_MEMORY_BASE + ctx[MEM_WORDS_U32] * 32);
    return this.ab;
  }

  private widen(need: number): void {
    const size = Math.min(FRAME_BYTES, Math.ceil(Math.max(need, 2 * this.ab.byteLength) / ALIGN) * ALIGN);
    this.ab = this.f.koffi.view(this.mem, size);
    this.ctx = new Uint32Array(this.ab, CTX, CTX_SIZE / 4);
  }

  run(): number {
    const c = this.contract!;
    const f = this.f;
    if (f.depth > 0 && f.guard) checkStack(f.guard, f.depth);
    f.state?.sync();
    this.failed = false;
    this.error = undefined;
    if (++f.depth > f.maxDepth) f.maxDepth = f.depth;
    let status: number;
    try {
      status = c.run(this.base);
    } finally {
      f.depth--;
    }
    if (this.failed) {
      const e = this.error;
      this.failed = false;
      this.error = undefined;
      throw e;
    }
    return status;
  }

  /** A callback threw: keep the first exception and make compiled code stop at its next gas charge. */
  fail(e: unknown): void {
    if (!this.failed) {
      this.failed = true;
      this.error = e;
    }
    this.ctx[GAS_U32] = 0;
    this.ctx[GAS_U32 + 1] = 0;
  }

  zero(from: number, to: number): void {
    if (to <= from) return;
    // A new view per call was about a fifth of zero()'s samples (profile of native revmc/uniswap_v2_pair calls).
    const ab = this.buffer;
    if (this.zeroAb !== ab) this.zeroView = new Uint8Array((this.zeroAb = ab));
    const u8 = this.zeroView;
    if (to - from >= MADVISE_MIN) {
      // Whole pages go back to the OS and read as zero again (anonymous private mapping).
      const a = Math.ceil((this.mem + from) / ALIGN) * ALIGN - this.mem;
      const b = Math.floor((this.mem + to) / ALIGN) * ALIGN - this.mem;
      if (b > a && this.f.madvise(this.mem + a, b - a, MADV_DONTNEED) === 0) {
        u8.fill(0, from, a);
        u8.fill(0, b, to);
        return;
      }
    }
    u8.fill(0, from, to);
  }

  /** Bytes of the mapping. */
  static readonly MAPPING_BYTES = CONTROL_BYTES + FRAME_BYTES;
}

/** Fail a nested native frame that could overflow koffi's stack (see StackGuard). */
function checkStack(gd: StackGuard, depth: number): void {
  const sp = gd.sp();
  gd.at[depth] = sp;
  const prev = gd.at[depth - 1];
  if (prev !== undefined && prev > sp && prev - sp > gd.maxDelta) gd.maxDelta = prev - sp;
  const need = Math.max(MIN_STACK_MARGIN, 2 * gd.maxDelta);
  if (sp - gd.low < need) {
    throw new HostFailure(
      `native stack exhausted at call depth ${depth} (${Math.round((sp - gd.low) / 1024)} KiB left, up to ${Math.round(gd.maxDelta / 1024)} KiB per level; ` +
        'contracts built with clang -O0 use far more stack than -O1 and above)',
    );
  }
}

/** Install the state helper once per process when the state cache is on (frames mapped before it are told to it). */
function setupState(f: Ffi, objects: ObjectStore): void {
  const cache = stateCache();
  if (!cache) {
    f.state = null;
    return;
  }
  const helper = NativeStateHelper.install(f.koffi, objects, cache, f.table!, (user, err) => f.frames[user]?.fail(err));
  for (const fr of f.frames) if (fr) helper.setFrame(fr.id, fr.mem);
  f.state = helper;
}

/** Set up the process's stack guard: build (once, cached like a contract) and load the helper. */
function setupGuard(f: Ffi, objects: ObjectStore): void {
  if (f.guard) return;
  const h = createHash('sha256').update(SUPPORT_SOURCE).digest('hex');
  const k: EntryKey = { kind: 'native', codeHash: `support-${h}`, fork: '-', options: `O1/clang${findClang()?.major ?? '?'}`, build: '' };
  const sp = objects.open(k, () => SUPPORT_SOURCE, 1, (path) => {
    try {
      return f.koffi.load(path).func('uint64_t mevmc_support_sp(void)') as () => number;
    } catch (e) {
      throw new NativeLoadError(`${path}: not the stack helper (${e instanceof Error ? e.message : String(e)})`);
    }
  });
  // At depth 0 koffi's stack is empty: the helper runs just below its top.
  const size = f.koffi.config().sync_stack_size;
  f.guard = { sp, low: sp() - size + 4096, at: [], maxDelta: 0 };
}

function newFrame(f: Ffi): NativeFrame {
  const base = mapOrThrow(f, NativeFrame.MAPPING_BYTES, 'a native frame');
  const id = f.freeIds.pop() ?? f.frames.length;
  const fr = new NativeFrame(f, id, base);
  f.frames[id] = fr;
  f.state?.setFrame(id, fr.mem);
  return fr;
}

function unmapFrame(f: Ffi, fr: NativeFrame): void {
  f.frames[fr.id] = undefined;
  f.state?.setFrame(fr.id, 0);
  f.freeIds.push(fr.id);
  f.munmap(fr.base, NativeFrame.MAPPING_BYTES);
}

// ---- the loader ---------------------------------------------------------------------------------

export interface NativeLoaderOptions {
  /**
   * Directory of the shared objects (default: $MEVMC_CACHE_DIR/native, else a private per-user
   * directory under os.tmpdir()). A cache directory given explicitly gets a `native` subdirectory.
   */
  cacheDir?: string;
  /** clang optimisation level (default 2). */
  optimize?: 0 | 1 | 2 | 3;
  /** Tracing builds: one instruction per block and a trace callback before each (EIP-3155). */
  trace?: boolean;
  /**
   * Chain modes with gas detention (MegaETH): compiled code marks block-environment reads in `Ctx.volatile`
   * (AnalyzeOptions.volatileEnv). Part of the cache key; off for Ethereum.
   */
  volatileEnv?: boolean;
  /** Idle frames kept for reuse (default MAX_IDLE_FRAMES); beyond it the oldest are unmapped. */
  maxIdleFrames?: number;
  /** Loaded objects kept (default MAX_LOADED_OBJECTS); beyond it idle ones are unloaded. */
  maxLoaded?: number;
  /** Produce the C source of a contract (tests inject hand-written C; default: analyze → compileToC). */
  source?: (code: Uint8Array, fork: Fork, trace: boolean) => string;
}

/** The default directory of shared objects. */
export function defaultNativeDir(): string {
  if (process.env.MEVMC_CACHE_DIR) return join(process.env.MEVMC_CACHE_DIR, 'native');
  return join(tmpdir(), `mevmc-native-${process.getuid?.() ?? 'user'}`);
}

/** Compiles contracts to shared objects, loads them, runs frames. */
export class NativeLoader implements ContractLoader<NativeContract, NativeFrame> {
  readonly engine = 'native' as const;
  get volatileEnv(): boolean {
    return this.opts.volatileEnv === true;
  }
  readonly opts: NativeLoaderOptions;
  readonly dir: string;
  private readonly cache = new Map<string, NativeContract>();
  private readonly byBuffer = new WeakMap<Uint8Array, NativeContract[]>();
  /** The same answers by content, for new buffers of code already loaded. */
  private readonly byContent = new ByContent<NativeContract>();
  /** Idle frames, least recently released first. */
  private readonly idle: NativeFrame[] = [];
  private readonly frames = new Set<NativeFrame>();
  private readonly objects: ObjectStore;
  private disposed = false;

  constructor(opts: NativeLoaderOptions = {}) {
    this.opts = opts;
    this.dir = opts.cacheDir ? join(opts.cacheDir, 'native') : defaultNativeDir();
    this.objects = new ObjectStore(new DiskCache(this.dir, { suffix: '.so.entry', private: true }));
  }

  /**
   * What a contract's object is bound to: keccak(code), fork, and everything else that shapes the
   * object (-O, tracing, ABI, clang's major version, the compiler build; an injected `source` by its
   * hash). Keyed by the compiler build, a warm load generates no C.
   */
  entryKey(code: Uint8Array, fork: Fork, source?: string): EntryKey {
    const opt = this.opts.optimize ?? 2;
    const src = source === undefined ? '' : `/source:${createHash('sha256').update(source).digest('hex')}`;
    return {
      kind: 'native', codeHash: codeHashHex(code), fork: forkName(fork),
      options: `O${opt}${this.opts.trace ? '/trace' : ''}${this.opts.volatileEnv ? '/volatile' : ''}/abi${NATIVE_ABI_VERSION}/clang${findClang()?.major ?? '?'}${src}`, build: '',
    };
  }

  /** Deepest native nesting seen in this process since the last `resetMaxDepth()` (diagnostics, tests). */
  static get maxDepth(): number {
    const f = g[FFI_KEY];
    return f && !('error' in f) ? f.maxDepth : 0;
  }

  static resetMaxDepth(): void {
    const f = g[FFI_KEY];
    if (f && !('error' in f)) f.maxDepth = f.depth;
  }

  load(code: Uint8Array, fork: Fork): NativeContract {
    if (this.disposed) throw new Error('NativeLoader: used after dispose()');
    let forks = this.byBuffer.get(code);
    if (forks === undefined && (forks = this.byContent.find(code)) !== undefined) this.byBuffer.set(code, forks);
    const seen = forks?.[fork];
    if (seen && !seen.unloaded) return seen;
    const trace = this.opts.trace ?? false;
    // An injected source (tests) is part of the key; the compiler's own output is covered by the build id.
    const injected = this.opts.source?.(code, fork, trace);
    const k = this.entryKey(code, fork, injected);
    const memKey = `${k.codeHash}-${k.fork}`;
    const hit = this.cache.get(memKey);
    if (hit) return this.remember(code, fork, hit);
    const source = () => injected ?? compileToC(analyze(code, fork, { singleStep: trace, volatileEnv: this.opts.volatileEnv }), { trace }).source;
    const c = this.objects.open(k, source, this.opts.optimize ?? 2, (path, fromDisk, compileMs) => openContract(path, { key: entryName(k), fromDisk, compileMs }));
    c.stateOps = injected !== undefined || usesStateCache(code); // injected C (tests) may do anything
    this.cache.set(memKey, c);
    this.evictObjects();
    return this.remember(code, fork, c);
  }

  /** Load these codes now (the native backend needs no compiler to be loaded: this only moves the work ahead). */
  async preload(codes: readonly Uint8Array[], fork: Fork): Promise<void> {
    for (const c of codes) this.load(c, fork);
  }

  private remember(code: Uint8Array, fork: Fork, c: NativeContract): NativeContract {
    let m = this.byBuffer.get(code);
    if (!m) this.byBuffer.set(code, (m = this.byContent.get(code)));
    m[fork] = c;
    return c;
  }

  /** Unload the least recently loaded objects that are not running beyond the limit. */
  private evictObjects(): void {
    const max = this.opts.maxLoaded ?? MAX_LOADED_OBJECTS;
    if (this.cache.size <= max) return;
    for (const [k, c] of this.cache) {
      if (this.cache.size <= max) break;
      if (c.active > 0) continue;
      this.cache.delete(k);
      c.unloaded = true;
      c.lib.unload();
    }
  }

  acquire(c: NativeContract): NativeFrame {
    if (c.unloaded) throw new Error(`NativeLoader: ${c.key} was unloaded`);
    const f = ffi();
    if (!f.guard) setupGuard(f, this.objects);
    if (f.state === undefined) setupState(f, this.objects);
    const fr = this.idle.pop() ?? this.create(f);
    fr.contract = c;
    fr.inUse = true;
    c.active++;
    return fr;
  }

  private create(f: Ffi): NativeFrame {
    const fr = newFrame(f);
    this.frames.add(fr);
    return fr;
  }

  release(fr: NativeFrame): void {
    if (!fr.inUse) return;
    fr.inUse = false;
    fr.fns = {};
    if (fr.contract) fr.contract.active--;
    fr.contract = undefined;
    this.idle.push(fr);
    if (this.idle.length > (this.opts.maxIdleFrames ?? MAX_IDLE_FRAMES)) {
      const old = this.idle.shift()!;
      this.frames.delete(old);
      unmapFrame(ffi(), old);
    }
  }

  /** Frames this loader has mapped (idle or running). */
  get frameCount(): number {
    return this.frames.size;
  }

  /** Unmap the idle frames and unload the objects not running (a frame still running keeps both: never the case between runs). */
  dispose(): void {
    if (this.disposed) return;
    const f = g[FFI_KEY];
    if (f && !('error' in f)) for (const fr of this.frames) if (!fr.inUse) unmapFrame(f, fr);
    this.frames.clear();
    this.idle.length = 0;
    for (const c of this.cache.values()) {
      if (c.active > 0) continue;
      c.unloaded = true;
      c.lib.unload();
    }
    this.cache.clear();
    this.disposed = true;
  }
}
