/**
 * @file Host-call counting for the bench (issue #14): how many host imports a run makes and the wall time spent
 * inside them, measured by a loader wrapper that hands every frame counting host functions.
 *
 * Only for a separate counting run after the timed runs: the wrapper adds a closure call and two clock reads per host
 * call (their measured cost is subtracted from the time). CALL/CREATE are counted but not timed (their time holds the
 * nested frames' execution); `mevmc_trace` is neither.
 */
import type { Fork } from '../../src/evm/forks.ts';
import { stateCache } from '../state/state-cache.ts';
import type { ContractInstance, ContractLoader, HostFns, LoadedCode } from '../loader/types.ts';
import { type Case } from './case.ts';
import { runCase } from './batch.ts';

/** Host imports whose time includes nested frames: counted, not timed. */
const UNTIMED = new Set(['mevmc_call', 'mevmc_create', 'mevmc_trace']);

export interface HostCallTally {
  /** Host calls of the run (CALL/CREATE included, trace hooks not), in JS and in linear memory. */
  calls: number;
  /** Of them, the storage opcodes and LOGs the state cache served in linear memory (not timed: they never reach JS). */
  linearCalls: number;
  /** Calls whose time was measured, and the time inside them (clock overhead subtracted), ms. */
  timedCalls: number;
  hostMs: number;
}

/** A loader that delegates to `inner` and counts (and times) the host calls of every frame it runs. */
export class CountingLoader implements ContractLoader {
  readonly engine: ContractLoader['engine'];
  tally: HostCallTally = { calls: 0, linearCalls: 0, timedCalls: 0, hostMs: 0 };
  /** Measured cost of one timed wrapper around an empty function, ms. */
  private readonly clockMs = clockOverheadMs();
  constructor(private readonly inner: ContractLoader) {
    this.engine = inner.engine;
  }

  load(code: Uint8Array, fork: Fork): LoadedCode {
    return this.inner.load(code, fork);
  }

  acquire(loaded: LoadedCode): ContractInstance {
    const inst = this.inner.acquire(loaded);
    let raw: HostFns = inst.fns;
    let wrapped: HostFns = raw;
    // The host assigns `fns` per frame: hand the instance a counting view of whatever it assigns.
    Object.defineProperty(inst, 'fns', {
      configurable: true,
      enumerable: true,
      get: () => wrapped,
      set: (f: HostFns) => { raw = f; wrapped = this.wrap(f); },
    });
    return inst;
  }

  release(inst: ContractInstance): void {
    // Back to a plain field: the instance returns to the shared pool unchanged.
    const raw = (Object.getOwnPropertyDescriptor(inst, 'fns')?.get?.() as HostFns | undefined) ?? inst.fns;
    Object.defineProperty(inst, 'fns', { configurable: true, enumerable: true, writable: true, value: raw });
    this.inner.release(inst);
  }

  private wrap(host: HostFns): HostFns {
    const t = this.tally;
    const clock = this.clockMs;
    return new Proxy(host, {
      get(target, name) {
        const f = (target as Record<string | symbol, unknown>)[name];
        if (typeof f !== 'function' || typeof name !== 'string' || !name.startsWith('mevmc_')) return f;
        if (UNTIMED.has(name)) {
          return (...a: unknown[]) => { if (name !== 'mevmc_trace') t.calls++; return f.apply(target, a); };
        }
        return (...a: unknown[]) => {
          t.calls++;
          t.timedCalls++;
          const t0 = performance.now();
          try {
            return f.apply(target, a);
          } finally {
            t.hostMs += performance.now() - t0 - clock;
          }
        };
      },
    });
  }
}

/**
 * The cost of the timing wrapper itself (two clock reads around a call), ms: the least of a few rounds, so that a
 * busy machine does not inflate it (an over-estimate would make host time look smaller than it is).
 */
let clockCache: number | undefined;
function clockOverheadMs(): number {
  if (clockCache !== undefined) return clockCache;
  const noop = (x: unknown) => x;
  const n = 50_000;
  let best = Infinity;
  for (let r = 0; r < 6; r++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      noop(i);
      acc += performance.now() - t0;
    }
    best = Math.min(best, acc / n);
  }
  return (clockCache = best);
}

/**
 * Host calls of a run of `c` on `loader` (counting runs: their time is not the run's time). The tally is the last
 * of `runs` runs: the first ones warm the wrappers up.
 */
export function countHostCalls(c: Case, loader: ContractLoader, runs = 3): HostCallTally {
  const counting = new CountingLoader(loader);
  const sc = stateCache();
  for (let i = 0; i < runs; i++) {
    counting.tally = { calls: 0, linearCalls: 0, timedCalls: 0, hostMs: 0 };
    const ops = sc ? sc.x.ops() : 0n;
    runCase(c, { loader: counting });
    const linear = sc ? Number(sc.x.ops() - ops) : 0;
    counting.tally.linearCalls = linear;
    counting.tally.calls += linear;
  }
  return counting.tally;
}
