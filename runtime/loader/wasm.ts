/**
 * @file Compiled-module cache and instance pool.
 *
 * Modules are keyed by (keccak256(code), fork, options, compiler build) and cached in memory and, when
 * a cache directory is configured, on disk as verified entries (runtime/loader/cache.ts). Frames run in
 * slots (`FrameSlot`: a linear memory with its builtins instance), one per nesting level in use; a contract
 * gets one instance per slot it ran in, reused across calls (a frame borrows one and gives it back), so a
 * contract already running in an outer frame runs in another slot and re-entrancy works.
 *
 * The compiler backend (binaryen, ~15 MB of JS) is imported only when something must be compiled:
 * `load` is synchronous (nested calls load code mid-execution), so a miss with no compiler loaded
 * throws CompilerNotLoadedError; the run's owner awaits `ensureCompiler()` and re-runs
 * (`withCompiler`). A run whose modules all come from the disk cache never loads binaryen.
 */
import { EVM_MEMORY_BASE } from '../../src/abi/context.ts';
import { HOST_IMPORTS, HOST_MODULE, BUILTINS_MODULE } from '../../src/abi/host.ts';
import { analyze } from '../../src/analysis/index.ts';
import type { WasmArtifact, WasmOptions } from '../../src/backend/wasm/index.ts';
import { builtinsModule, stateModule } from '../../src/builtins/index.ts';
import { type Fork, forkName } from '../../src/evm/forks.ts';
import { stateCache, usesStateCache } from '../state/state-cache.ts';
import { ByContent, DiskCache, type EntryKey, codeHashHex } from './cache.ts';
import { applyWasmTiering } from './tiering.ts';
import { CompilerNotLoadedError, type ContractInstance, type ContractLoader, type HostFns, type LoadedCode } from './types.ts';

type CompileWasm = (a: ReturnType<typeof analyze>, opts: WasmOptions) => WasmArtifact;
let compileWasm: CompileWasm | undefined;
let loading: Promise<void> | undefined;

/** Load the wasm compiler backend (once per process). */
export function ensureCompiler(): Promise<void> {
  loading ??= import('../../src/backend/wasm/index.ts').then((m) => { compileWasm = m.compileToWasm; });
  return loading;
}

/** Whether `load` can compile without awaiting `ensureCompiler()`. */
export function compilerLoaded(): boolean {
  return compileWasm !== undefined;
}

/**
 * Run `run`; if it needed the compiler before it was loaded, load it and run again from the start
 * (`run` must rebuild its state: the first attempt is void).
 */
export async function withCompiler<T>(run: () => T): Promise<T> {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof CompilerNotLoadedError)) throw e;
  }
  await ensureCompiler();
  return run();
}

const NO_FNS: HostFns = Object.freeze({}) as HostFns;
const IDLE = Object.freeze({ fns: NO_FNS });
/** The host imports state_host.wasm provides. */
const STATE_HOST_IMPORTS = [
  'mevmc_sload', 'mevmc_sstore', 'mevmc_tload', 'mevmc_tstore', 'mevmc_balance', 'mevmc_extcodesize', 'mevmc_extcodehash', 'mevmc_selfbalance',
  'mevmc_log',
] as const;

/** Per host import: makes a slot's trampoline (`slot.current.fns.<name>(…)`). */
const trampolineMakers = new Map<string, (slot: FrameSlot) => Function>();
/**
 * The trampoline of host import `name` for `slot`. Each import gets its own function source, so the load of
 * `fns.<name>` has feedback for that one name (monomorphic); a single arrow `fns[name]` shared by every import was a
 * megamorphic keyed load on every host call. Names come from HOST_IMPORTS, checked to be identifiers.
 */
function trampoline(slot: FrameSlot, name: string): Function {
  let make = trampolineMakers.get(name);
  if (make === undefined) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`host import name is not an identifier: ${name}`);
    make = new Function('slot', `return (a, b, c, d, e) => slot.current.fns.${name}(a, b, c, d, e);`) as (slot: FrameSlot) => Function;
    trampolineMakers.set(name, make);
  }
  return make(slot);
}

/**
 * `zero(from, to)`: `memory.fill` of [from, to) with 0 over the imported memory (hand-assembled: type, import of
 * env.memory, one function, its export, its body). A frame's EVM memory is cleared through it after the frame:
 * `Uint8Array.prototype.fill` over the wasm memory is a runtime call, 2–3% of a tiny call's CPU (profile of the
 * bench's steady loop on revmc/airdrop), a wasm call ~10–20 ns.
 */
const ZERO_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00,
  0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x00,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x08, 0x01, 0x04, 0x7a, 0x65, 0x72, 0x6f, 0x00, 0x00,
  0x0a, 0x10, 0x01, 0x0e, 0x00, 0x20, 0x00, 0x41, 0x00, 0x20, 0x01, 0x20, 0x00, 0x6b, 0xfc, 0x0b, 0x00, 0x0b,
]);
let zeroModule: WebAssembly.Module | undefined;

/**
 * A frame memory with its builtins instance and the host trampolines of the frame running in it. Frames nest, so a
 * loader needs one slot per nesting level in use; every contract instance is bound to one slot. Instances then hold
 * no memory of their own: V8 reserves ~10 GiB of address space per wasm memory (guard regions, ~1 TiB per process),
 * so when each instance owned one only 64 could be kept and blocks calling more contracts than that created an
 * instance (memory, builtins, contract) per call: ~150 per repeat of mainnet block 17666333, about as much time as
 * their compiled code ran (CPU profile of repeats 2-3, 13217637 / 7279999 / 19426587).
 */
export class FrameSlot {
  readonly memory: WebAssembly.Memory;
  /** What every contract instance bound to this slot imports. */
  readonly imports: WebAssembly.Imports;
  /** The instance running in this slot (its `fns` are the frame's host functions). */
  current: { fns: HostFns } = IDLE;
  busy = false;
  readonly stateCache: boolean;
  /** Zero [from, to) of the memory (see ZERO_WASM). */
  readonly zero: (from: number, to: number) => void;

  constructor() {
    // 3 pages: builtins stack/data, context, scratch, env, EVM stack, calldata; EVM memory grows from page 2.
    this.memory = new WebAssembly.Memory({ initial: EVM_MEMORY_BASE / 65536 + 1, maximum: 65536 });
    zeroModule ??= new WebAssembly.Module(ZERO_WASM);
    this.zero = new WebAssembly.Instance(zeroModule, { env: { memory: this.memory } }).exports.zero as (from: number, to: number) => void;
    const builtins = new WebAssembly.Instance(builtinsModule(), { env: { memory: this.memory } });
    const host: Record<string, Function> = {};
    for (const h of HOST_IMPORTS) host[h.name] = trampoline(this, h.name);
    // Storage, transient storage and warm account fields from the state cache, wasm to wasm (state_host.c; the JS
    // host on a miss, and for everything when the cache is off).
    const sc = stateCache();
    this.stateCache = sc !== undefined;
    if (sc) {
      const own: Record<string, Function> = {};
      for (const n of STATE_HOST_IMPORTS) own[n] = host[n];
      const glue = new WebAssembly.Instance(stateModule('state_host'), { env: { memory: this.memory }, cache: sc.x, host: own } as unknown as WebAssembly.Imports);
      for (const n of STATE_HOST_IMPORTS) host[n] = glue.exports[n] as Function;
    }
    this.imports = {
      env: { memory: this.memory },
      [BUILTINS_MODULE]: builtins.exports as Record<string, Function>,
      [HOST_MODULE]: host,
    } as WebAssembly.Imports;
  }
}

/** One instantiated contract, running in its slot's memory. */
export class WasmInstance implements ContractInstance {
  /** Host functions of the frame currently running in this instance. */
  fns: HostFns = {};
  readonly memory: WebAssembly.Memory;
  readonly run: () => number;
  inUse = false;
  /** The contract whose pool holds this instance. */
  owner: LoadedContract | undefined;
  /** The slot has the state cache and the contract has ops it serves (usesStateCache). */
  readonly stateCache: boolean;
  readonly zero: (from: number, to: number) => void;
  /** Neighbours in the loader's list of idle instances (see WasmLoader.release). */
  idlePrev: WasmInstance | undefined = undefined;
  idleNext: WasmInstance | undefined = undefined;
  idle = false;

  constructor(module: WebAssembly.Module, readonly slot: FrameSlot = new FrameSlot(), stateOps = true) {
    this.memory = slot.memory;
    this.stateCache = slot.stateCache && stateOps;
    this.zero = slot.zero;
    this.run = new WebAssembly.Instance(module, slot.imports).exports.run as () => number;
  }
}

export interface LoaderOptions {
  /** Directory for the on-disk module cache (default: $MEVMC_CACHE_DIR; none if both are unset). */
  cacheDir?: string;
  /**
   * binaryen optimisation level. Default 0: the runtime compiles just in time and V8's optimising
   * tier does most of what binaryen's -O2 would (measured: −O2 saves ~25% run time on the corpus
   * bench cases but costs 5–20× the compile time). `mevmc compile` defaults to -O2 instead.
   */
  optimize?: 0 | 1 | 2 | 3;
  /** Compile tracing builds: one instruction per block and a trace call before each (EIP-3155). */
  trace?: boolean;
  /**
   * Chain modes with gas detention (MegaETH): compiled code marks block-environment reads in `Ctx.volatile`
   * (AnalyzeOptions.volatileEnv). Part of the cache key; off for Ethereum.
   */
  volatileEnv?: boolean;
  /** Idle instances kept across all contracts, least recently used dropped first (default MAX_IDLE_INSTANCES). */
  maxIdleInstances?: number;
}

/** A compiled contract: its module, compile time and a pool of instances. */
export interface LoadedContract extends LoadedCode {
  readonly key: string;
  readonly module: WebAssembly.Module;
  readonly wasmBytes: number;
  /** Milliseconds spent compiling (0 when it came from a cache). */
  readonly compileMs: number;
  readonly fromDisk: boolean;
  readonly pool: WasmInstance[];
  /** The code has an opcode served by the state cache (usesStateCache; true when the code is not known). */
  readonly stateOps: boolean;
}

/** Compiles and caches contracts. */
export class WasmLoader implements ContractLoader<LoadedContract, WasmInstance> {
  readonly engine = 'wasm' as const;
  get volatileEnv(): boolean {
    return this.opts.volatileEnv === true;
  }
  private readonly cache = new Map<string, LoadedContract>();
  /**
   * Idle instances, least recently released first: a list threaded through the instances. It was a Set with a
   * delete and an add per call; a long-lived Set's hash table is in V8's old space, and the tables its churn
   * reallocates are then allocated there too — garbage only a major GC frees, per call (bench-percall-drift.mjs).
   */
  private idleHead: WasmInstance | undefined;
  private idleTail: WasmInstance | undefined;
  private idleCount = 0;
  /** Code buffers already keyed (the caller must not mutate a code buffer after loading it). */
  private readonly byBuffer = new WeakMap<Uint8Array, LoadedContract[]>();
  /** The same answers by content, for new buffers of code already loaded. */
  private readonly byContent = new ByContent<LoadedContract>();
  readonly opts: LoaderOptions;
  /** The disk cache, while usable. */
  private disk: DiskCache | undefined;
  constructor(opts: LoaderOptions = {}) {
    applyWasmTiering(); // before any module of ours is compiled (tiering.ts says why)
    // MEVMC_CACHE_DIR turns the disk cache on for every loader that does not choose otherwise.
    this.opts = { ...opts, cacheDir: opts.cacheDir ?? (process.env.MEVMC_CACHE_DIR || undefined) };
    if (this.opts.cacheDir) this.disk = new DiskCache(this.opts.cacheDir, { suffix: '.wasm.entry' });
  }

  /** What a module of `code` is bound to (its cache key material; `build` filled in only for the disk cache). */
  entryKey(code: Uint8Array, fork: Fork, build = ''): EntryKey {
    return {
      kind: 'wasm', codeHash: codeHashHex(code), fork: forkName(fork),
      options: `O${this.opts.optimize ?? 0}${this.opts.trace ? '/trace' : ''}${this.opts.volatileEnv ? '/volatile' : ''}`, build,
    };
  }

  /** The last answer of `load` (a call loads its code twice: the caller, then the frame; a WeakMap lookup each). */
  private lastCode: Uint8Array | undefined;
  private lastFork = -1;
  private lastLoaded: LoadedContract | undefined;

  load(code: Uint8Array, fork: Fork): LoadedContract {
    if (code === this.lastCode && fork === this.lastFork) return this.lastLoaded!;
    const c = this.lookup(code, fork);
    this.lastCode = code;
    this.lastFork = fork;
    return (this.lastLoaded = c);
  }

  private lookup(code: Uint8Array, fork: Fork): LoadedContract {
    // Hashing 24 KB of code costs more than a small call: remember the answer per code buffer.
    let forks = this.byBuffer.get(code);
    if (forks === undefined && (forks = this.byContent.find(code)) !== undefined) this.byBuffer.set(code, forks);
    const seen = forks?.[fork];
    if (seen) return seen;
    const k = this.entryKey(code, fork);
    const key = `${k.codeHash}-${k.fork}-${k.options}`; // one build per process: the build id need not be in it
    const hit = this.cache.get(key);
    if (hit) return this.remember(code, fork, hit);
    const build = this.disk?.buildId();
    const disk = build ? this.disk : undefined;
    if (build) k.build = build;
    let bytes = disk?.read(k);
    let module: WebAssembly.Module | undefined;
    if (bytes) {
      try {
        module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
      } catch (e) {
        // Verified bytes that do not compile: written by a broken build. Rebuild and replace.
        disk!.reportBad(disk!.path(k), `not a valid module: ${e instanceof Error ? e.message : e}`);
      }
    }
    const fromDisk = module !== undefined;
    const t0 = performance.now();
    if (!module) {
      bytes = this.compileBytes(code, fork, k.codeHash);
      module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
      disk?.write(k, bytes);
    }
    const loaded: LoadedContract = {
      key, module, wasmBytes: bytes!.length, compileMs: fromDisk ? 0 : performance.now() - t0, fromDisk, pool: [],
      stateOps: usesStateCache(code),
    };
    this.cache.set(key, loaded);
    return this.remember(code, fork, loaded);
  }

  /**
   * Take a module compiled elsewhere (another thread's loader: `WebAssembly.Module`s cross threads without
   * recompiling) under its cache key, so `load` of that code hits it. The key must come from a loader with the
   * same options and build.
   */
  adopt(key: string, module: WebAssembly.Module): void {
    if (!this.cache.has(key)) this.cache.set(key, { key, module, wasmBytes: 0, compileMs: 0, fromDisk: false, pool: [], stateOps: true });
  }

  /** Load these codes, loading the compiler first if one of them is in no cache. */
  async preload(codes: readonly Uint8Array[], fork: Fork): Promise<void> {
    for (const c of codes) await withCompiler(() => this.load(c, fork));
  }

  private compileBytes(code: Uint8Array, fork: Fork, codeHash: string): Uint8Array {
    if (!compileWasm) throw new CompilerNotLoadedError();
    const trace = this.opts.trace ?? false;
    return compileWasm(analyze(code, fork, { singleStep: trace, volatileEnv: this.opts.volatileEnv }), { optimize: this.opts.optimize ?? 0, trace, validate: false, codeHash }).binary;
  }

  private remember(code: Uint8Array, fork: Fork, c: LoadedContract): LoadedContract {
    let m = this.byBuffer.get(code);
    if (!m) this.byBuffer.set(code, (m = this.byContent.get(code)));
    m[fork] = c;
    return c;
  }

  /** Frame memories, one per nesting level in use so far (a frame takes the lowest free one). */
  private readonly slots: FrameSlot[] = [];

  /** Borrow an idle instance of a contract in the lowest free slot (creating the slot or the instance if needed). */
  acquire(c: LoadedContract): WasmInstance {
    let slot: FrameSlot | undefined;
    for (const s of this.slots) {
      if (!s.busy) {
        slot = s;
        break;
      }
    }
    if (!slot) this.slots.push((slot = new FrameSlot()));
    slot.busy = true;
    for (const i of c.pool) {
      if (i.slot === slot) {
        i.inUse = true;
        this.unlinkIdle(i);
        return (slot.current = i);
      }
    }
    const i = new WasmInstance(c.module, slot, c.stateOps);
    i.inUse = true;
    i.owner = c;
    c.pool.push(i);
    return (slot.current = i);
  }

  release(i: WasmInstance): void {
    i.inUse = false;
    i.fns = NO_FNS;
    i.slot.busy = false;
    i.slot.current = IDLE;
    // Instances hold no memory, but each is a V8 object graph: keep the most recently used.
    this.unlinkIdle(i);
    i.idle = true;
    i.idlePrev = this.idleTail;
    if (this.idleTail) this.idleTail.idleNext = i;
    else this.idleHead = i;
    this.idleTail = i;
    if (++this.idleCount > (this.opts.maxIdleInstances ?? MAX_IDLE_INSTANCES)) {
      const oldest = this.idleHead!;
      this.unlinkIdle(oldest);
      const pool = oldest.owner?.pool;
      if (pool) pool.splice(pool.indexOf(oldest), 1);
    }
  }

  private unlinkIdle(i: WasmInstance): void {
    if (!i.idle) return;
    const { idlePrev: p, idleNext: n } = i;
    if (p) p.idleNext = n;
    else this.idleHead = n;
    if (n) n.idlePrev = p;
    else this.idleTail = p;
    i.idlePrev = i.idleNext = undefined;
    i.idle = false;
    this.idleCount--;
  }

  /** Frame memories this loader has created (one per nesting level reached). */
  get slotCount(): number {
    return this.slots.length;
  }
}

/** Idle instances kept for reuse across all contracts of a loader (beyond it the least recently used go). */
export const MAX_IDLE_INSTANCES = 4096;
