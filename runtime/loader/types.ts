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
}

/** A compiled contract as returned by `load`. */
export interface LoadedCode {
  /** Cache key (code hash, fork, compiler version, options). */
  readonly key: string;
  /** Milliseconds spent compiling (0 when it came from a cache). */
  readonly compileMs: number;
  readonly fromDisk: boolean;
}

/** Engines that run compiled code. */
export type EngineKind = 'wasm' | 'native';

/** Compiles, caches and instantiates contracts. */
export interface ContractLoader<L extends LoadedCode = LoadedCode, I extends ContractInstance = ContractInstance> {
  /** What runs the code ('mixed': a per-contract choice between the two). */
  readonly engine: EngineKind | 'mixed';
  load(code: Uint8Array, fork: Fork): L;
  /** Borrow an idle instance of a contract (a new one if all are running). */
  acquire(loaded: L): I;
  release(inst: I): void;
  /** Free what the loader holds (native: loaded objects, frame mappings). The loader is unusable after. */
  dispose?(): void;
}
