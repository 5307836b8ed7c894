/**
 * @file The contract-loader interface shared by every engine: the wasm loader (wasm.ts, compiled
 * modules instantiated over a WebAssembly.Memory), the native loader (native.ts, shared objects
 * built by clang and run through koffi over an mmap'd frame) and the mixed loader (mixed.ts, one of
 * the two per contract). The host side (runtime/host/*) only ever sees these types.
 *
 * Protocol, per message frame: `load(code, fork)` (compiled and cached), `acquire(loaded)` borrows an
 * instance whose memory is laid out as src/abi/context.ts, the host sets `fns` and the context,
 * `run()` executes from pc 0 and returns a Status, then `release(inst)` gives it back. An instance
 * is never shared by two running frames: a contract re-entered by a nested call gets another one.
 */
import type { Fork } from '../../src/evm/forks.ts';

/** Host functions of the frame currently running in an instance, by HOST_IMPORTS name. */
export type HostFns = Record<string, (...a: any[]) => number | void>;

/**
 * The frame memory as the host sees it. Re-read `buffer` after anything that may run compiled code
 * or grow memory: it can be replaced (wasm memory growth; the native view widening to the EVM
 * memory in use). Every host access lies below EVM_MEMORY_BASE + 32·ctx.memWords.
 */
export interface FrameBuffer {
  readonly buffer: ArrayBuffer;
}

/** One runnable frame: a contract bound to a frame memory. */
export interface ContractInstance {
  /** Host functions of the frame currently running (set by executeFrame). */
  fns: HostFns;
  readonly memory: FrameBuffer;
  /**
   * Run from pc 0; returns a Status. A JS exception raised by a host function (including a
   * HostFailure from a nested frame) is thrown from here, whatever the engine.
   */
  run(): number;
  /** Zero frame memory [from, to) (optional fast path, e.g. returning pages to the OS). */
  zero?(from: number, to: number): void;
  /**
   * Its SLOAD/SSTORE/TLOAD/TSTORE (and warm account reads, LOGs) go to the state cache when `Ctx.stateAddr` is set;
   * false also when its code has none of those ops (the frame then needs no state-cache record).
   */
  readonly stateCache?: boolean;
}

/** A compiled contract as returned by `load`. */
export interface LoadedCode {
  /** Cache key (code hash, fork, compiler version, options). */
  readonly key: string;
  /** Milliseconds spent compiling (0 when it came from a cache). */
  readonly compileMs: number;
  readonly fromDisk: boolean;
}

/**
 * `load` met code in no cache while the wasm compiler (binaryen, loaded on demand) is not loaded.
 * Nothing was cached and the run is void: the caller awaits `ensureCompiler()` (runtime/loader/wasm.ts)
 * and re-runs from its initial state (`withCompiler` does both). Compiled frames pass it through
 * unchanged (runtime/host/execute.ts), so a load in a nested call or CREATE surfaces here too.
 */
export class CompilerNotLoadedError extends Error {
  override name = 'CompilerNotLoadedError';
  constructor() {
    super('the wasm compiler is not loaded: await ensureCompiler() (runtime/loader/wasm.ts) before running code that is in no cache');
  }
}

/** Engines that run compiled code. */
export type EngineKind = 'wasm' | 'native';

/** Compiles, caches and instantiates contracts. */
export interface ContractLoader<L extends LoadedCode = LoadedCode, I extends ContractInstance = ContractInstance> {
  /** What runs the code ('mixed': a per-contract choice between the two). */
  readonly engine: EngineKind | 'mixed';
  /** Its code marks block-environment reads in `Ctx.volatile` (needed by chain modes with gas detention). */
  readonly volatileEnv?: boolean;
  load(code: Uint8Array, fork: Fork): L;
  /** Borrow an idle instance of a contract (a new one if all are running). */
  acquire(loaded: L): I;
  release(inst: I): void;
  /**
   * Make `load` of these codes succeed without awaiting anything (loads the compiler only when one of
   * them is not in a cache). A host that knows the codes of a run calls this first.
   */
  preload?(codes: readonly Uint8Array[], fork: Fork): Promise<void>;
  /** Free what the loader holds (native: loaded objects, frame mappings). The loader is unusable after. */
  dispose?(): void;
}
