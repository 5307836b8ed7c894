/**
 * @file The native engine's storage ops in C (issue #14 part 2): the helper object built from
 * src/builtins/state_native.c (the state cache core of state_cache.wasm, compiled natively) runs SLOAD, SSTORE,
 * TLOAD, TSTORE, warm BALANCE / SELFBALANCE / EXTCODESIZE / EXTCODEHASH hits and LOG0–LOG4 of native frames on the state cache's wasm memory itself, through its base address, so the
 * process keeps one cache and journal for wasm frames, native frames and WorldState. Its four functions replace
 * the koffi callbacks of those ops in the host table (they call them back for frames without a state-cache
 * record); JS runs only on a miss, on a slot turning warm and when the cache grows.
 *
 * The base address: koffi hands a typed array to C as its backing store's address. V8 reserves a wasm memory's
 * whole maximum on 64-bit hosts, so growing it keeps that address; the helper still re-reads it after every grow
 * it asks for, and a native frame re-reads it when the memory's buffer changed (a wasm frame grew the cache).
 * Built once per helper source (its hash is the cache key) by the loader's object store, like the stack helper;
 * koffi comes from native.ts (the one place that loads it).
 */
import { createHash } from 'node:crypto';
import { amalgamateFiles } from '../../src/backend/c/prelude.ts';
import { findClang } from '../../src/backend/c/clang.ts';
import { HOST_IMPORTS } from '../../src/abi/host.ts';
import type { StateCache } from '../state/state-cache.ts';
import type { EntryKey } from './cache.ts';
import { NativeLoadError, type ObjectStore } from './native-objects.ts';

/** The koffi calls this file needs (native.ts's instance). */
export interface StateKoffi {
  load(path: string): { func(decl: string): (...a: any[]) => any };
  proto(result: string, args: string[]): unknown;
  pointer(t: unknown): unknown;
  register(f: Function, t: unknown): bigint | number;
}

/** The ops the helper serves, in mevmc_scn_fn's order. */
const OPS = [
  'mevmc_sload', 'mevmc_sstore', 'mevmc_tload', 'mevmc_tstore', 'mevmc_balance', 'mevmc_extcodesize', 'mevmc_extcodehash', 'mevmc_selfbalance',
  'mevmc_log',
] as const;

/** The helper loaded and installed in a host table. */
export class NativeStateHelper {

  private constructor(
    readonly cache: StateCache,
    private readonly addr: (p: Uint8Array) => number | bigint,
    private readonly setBase: (b: number | bigint) => void,
    /** Tell the helper where frame `id`'s memory is. */
    readonly setFrame: (id: number, mem: number) => void,
  ) {
    this.probe = new Uint8Array(cache.memory.buffer, 0, 1);
  }

  /** A view of the cache memory's buffer whose base the helper holds: growing detaches it (length 0), so no `buffer` getter (a runtime call) per frame. */
  private probe: Uint8Array;

  /** Keep the helper's base address current (a wasm frame or WorldState may have grown the cache memory). */
  sync(): void {
    if (this.probe.length !== 0) return;
    const b = this.cache.memory.buffer;
    this.probe = new Uint8Array(b, 0, 1);
    this.setBase(this.addr(new Uint8Array(b)));
  }

  /**
   * Build (or find) and load the helper, and put its functions into `hostTable` (a DataView of the mevmc_host table)
   * for the four storage ops. `fail(user, err)` stashes a JS error on frame `user` (as native.ts's callbacks do).
   */
  static install(
    koffi: StateKoffi, objects: ObjectStore, cache: StateCache, table: DataView, fail: (user: number, err: unknown) => void,
  ): NativeStateHelper {
    const source = amalgamateFiles('state_native.c');
    const h = createHash('sha256').update(source).digest('hex');
    const k: EntryKey = { kind: 'native', codeHash: `state-native-${h}`, fork: '-', options: `O2/clang${findClang()?.major ?? '?'}`, build: '' };
    const lib = objects.open(k, () => source, 2, (path) => {
      try {
        return koffi.load(path);
      } catch (e) {
        throw new NativeLoadError(`${path}: not the state helper (${e instanceof Error ? e.message : String(e)})`);
      }
    });
    const fn = (decl: string) => {
      try {
        return lib.func(decl);
      } catch (e) {
        throw new NativeLoadError(`the state helper lacks ${decl} (${e instanceof Error ? e.message : String(e)})`);
      }
    };
    const addr = fn('uint64_t mevmc_scn_addr(void *p)') as (p: Uint8Array) => number | bigint;
    const init = fn('void mevmc_scn_init(uint64_t base, uint32_t goff, uint64_t load, uint64_t warm, uint64_t grow, const uint64_t *js)');
    const getFn = fn('uint64_t mevmc_scn_fn(uint32_t i)') as (i: number) => number | bigint;
    const setBase = fn('void mevmc_scn_base(uint64_t base)');
    const setFrame = fn('void mevmc_scn_frame(uint32_t id, uint64_t mem)');
    const mem = cache.memory;
    const load = koffi.register((user: number | bigint, e: number) => {
      try {
        cache.miss(e);
        return 1;
      } catch (err) {
        fail(Number(user), err);
        return 0;
      }
    }, koffi.pointer(koffi.proto('int32_t', ['uint64_t', 'uint32_t'])));
    const warm = koffi.register((user: number | bigint, a: number) => {
      try {
        cache.warm(a);
      } catch (err) {
        fail(Number(user), err);
      }
    }, koffi.pointer(koffi.proto('void', ['uint64_t', 'uint32_t'])));
    const grow = koffi.register((bytes: number) => {
      try {
        const need = Math.ceil(bytes / 65536) - mem.buffer.byteLength / 65536;
        if (need > 0) mem.grow(need);
        return addr(new Uint8Array(mem.buffer));
      } catch {
        return 0; // the cache traps (as state_cache.wasm does when its memory cannot grow)
      }
    }, koffi.pointer(koffi.proto('uint64_t', ['uint32_t'])));
    const idx = OPS.map((n) => HOST_IMPORTS.findIndex((i) => i.name === n));
    const js = BigUint64Array.from(idx.map((i) => table.getBigUint64(8 * i, true)));
    init(addr(new Uint8Array(mem.buffer)), cache.x.globals(), load, warm, grow, js);
    const helper = new NativeStateHelper(cache, addr, setBase, setFrame);
    idx.forEach((i, n) => table.setBigUint64(8 * i, BigInt(getFn(n)), true));
    return helper;
  }
}
