/**
 * @file Compiled-module cache and instance pool.
 *
 * Modules are keyed by (keccak256(code), fork, compiler version) and cached in memory and, when a
 * cache directory is configured, on disk as `<key>.wasm`. Each instance owns its linear memory and
 * its own instance of the builtins module over that memory; instances are reused across calls
 * (a frame borrows one and gives it back), and a contract that is already running in an outer frame
 * gets a second instance, so re-entrancy works.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { HOST_IMPORTS, HOST_MODULE, BUILTINS_MODULE } from '../../src/abi/host.ts';
import { builtinsModule } from '../../src/builtins/index.ts';
import { analyze, compileToWasm, type Fork, forkName } from '../../src/index.ts';
import type { ContractInstance, ContractLoader, HostFns, LoadedCode } from './types.ts';

/** Bump when generated code changes meaning, so stale disk caches are never used. */
export const COMPILER_VERSION = 'mevmc-wasm-1';

/** One instantiated contract with its own memory. */
export class WasmInstance implements ContractInstance {
  /** Host functions of the frame currently running in this instance. */
  fns: HostFns = {};
  readonly memory: WebAssembly.Memory;
  readonly run: () => number;
  inUse = false;
  /** The contract whose pool holds this instance. */
  owner: LoadedContract | undefined;

  constructor(module: WebAssembly.Module) {
    // 2 pages: builtins stack/data, context, scratch, env, EVM stack; EVM memory grows from page 1.
    this.memory = new WebAssembly.Memory({ initial: 2, maximum: 65536 });
    const builtins = new WebAssembly.Instance(builtinsModule(), { env: { memory: this.memory } });
    const host: Record<string, Function> = {};
    for (const h of HOST_IMPORTS) {
      const name = h.name;
      host[name] = (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => this.fns[name](a, b, c, d, e);
    }
    const inst = new WebAssembly.Instance(module, {
      env: { memory: this.memory },
      [BUILTINS_MODULE]: builtins.exports as Record<string, Function>,
      [HOST_MODULE]: host,
    } as WebAssembly.Imports);
    this.run = inst.exports.run as () => number;
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
}

/** Compiles and caches contracts. */
export class WasmLoader implements ContractLoader<LoadedContract, WasmInstance> {
  readonly engine = 'wasm' as const;
  private readonly cache = new Map<string, LoadedContract>();
  /** Idle instances, least recently released first. */
  private readonly idle = new Set<WasmInstance>();
  /** Code buffers already keyed (the caller must not mutate a code buffer after loading it). */
  private readonly byBuffer = new WeakMap<Uint8Array, LoadedContract[]>();
  readonly opts: LoaderOptions;
  constructor(opts: LoaderOptions = {}) {
    // MEVMC_CACHE_DIR turns the disk cache on for every loader that does not choose otherwise.
    this.opts = { cacheDir: process.env.MEVMC_CACHE_DIR || undefined, ...opts };
    if (opts.cacheDir === undefined && process.env.MEVMC_CACHE_DIR) this.opts.cacheDir = process.env.MEVMC_CACHE_DIR;
  }

  /** Cache key of some code for a fork. */
  static key(code: Uint8Array, fork: Fork, optimize: number): string {
    const h = Buffer.from(keccak_256(code)).toString('hex');
    const v = createHash('sha256').update(`${COMPILER_VERSION}/${optimize}`).digest('hex').slice(0, 8);
    return `${h}-${forkName(fork)}-${v}`;
  }

  load(code: Uint8Array, fork: Fork): LoadedContract {
    // Hashing 24 KB of code costs more than a small call: remember the answer per code buffer.
    const seen = this.byBuffer.get(code)?.[fork];
    if (seen) return seen;
    const opt = this.opts.optimize ?? 0;
    const key = WasmLoader.key(code, fork, opt) + (this.opts.trace ? '-trace' : '');
    const hit = this.cache.get(key);
    if (hit) return this.remember(code, fork, hit);
    const t0 = performance.now();
    let bytes: Uint8Array | undefined;
    let fromDisk = false;
    const file = this.opts.cacheDir ? join(this.opts.cacheDir, `${key}.wasm`) : undefined;
    if (file) {
      try {
        bytes = readFileSync(file);
        fromDisk = true;
      } catch {
        bytes = undefined;
      }
    }
    if (!bytes) {
      bytes = this.compileBytes(code, fork, opt);
      if (file) {
        mkdirSync(this.opts.cacheDir!, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, bytes);
        renameSync(tmp, file); // atomic: a concurrent reader never sees half a module
      }
    }
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      if (!fromDisk) throw e;
      // A corrupt cache file: recompile rather than fail.
      bytes = this.compileBytes(code, fork, opt);
      module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
      fromDisk = false;
    }
    const loaded: LoadedContract = {
      key, module, wasmBytes: bytes.length, compileMs: fromDisk ? 0 : performance.now() - t0, fromDisk, pool: [],
    };
    this.cache.set(key, loaded);
    return this.remember(code, fork, loaded);
  }

  private compileBytes(code: Uint8Array, fork: Fork, opt: 0 | 1 | 2 | 3): Uint8Array {
    const trace = this.opts.trace ?? false;
    return compileToWasm(analyze(code, fork, { singleStep: trace }), { optimize: opt, trace }).binary;
  }

  private remember(code: Uint8Array, fork: Fork, c: LoadedContract): LoadedContract {
    let m = this.byBuffer.get(code);
    if (!m) this.byBuffer.set(code, (m = []));
    m[fork] = c;
    return c;
  }

  /** Borrow an idle instance of a contract (creating one if all are running). */
  acquire(c: LoadedContract): WasmInstance {
    for (const i of c.pool) {
      if (!i.inUse) {
        i.inUse = true;
        this.idle.delete(i);
        return i;
      }
    }
    const i = new WasmInstance(c.module);
    i.inUse = true;
    i.owner = c;
    c.pool.push(i);
    return i;
  }

  release(i: WasmInstance): void {
    i.inUse = false;
    i.fns = {};
    // Every instance owns a wasm memory, and V8 reserves several GiB of address space per memory:
    // keep only the most recently used idle instances (a Set iterates in insertion order).
    this.idle.delete(i);
    this.idle.add(i);
    if (this.idle.size > MAX_IDLE_INSTANCES) {
      const oldest = this.idle.values().next().value!;
      this.idle.delete(oldest);
      const pool = oldest.owner?.pool;
      if (pool) pool.splice(pool.indexOf(oldest), 1);
    }
  }
}

/** Idle instances kept for reuse across all contracts of a loader (beyond it the least recently used go). */
export const MAX_IDLE_INSTANCES = 64;
