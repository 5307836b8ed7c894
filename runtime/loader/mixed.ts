/**
 * @file A loader that runs some contracts natively and the rest as wasm, chosen per contract: nested
 * calls then cross engines (native → wasm → native …) through the same Executor and FrameHost.
 * Used by tests of engine interplay, and as a fallback shape (e.g. native for hot contracts only).
 */
import type { Fork } from '../../src/evm/forks.ts';
import type { NativeLoader } from './native.ts';
import type { ContractInstance, ContractLoader, EngineKind, LoadedCode } from './types.ts';
import { type WasmLoader, withCompiler } from './wasm.ts';

/** A contract loaded by one of the two inner loaders. */
export interface MixedLoaded extends LoadedCode {
  readonly via: EngineKind;
  readonly inner: LoadedCode;
}

/** Runs each contract on the engine `choose` picks, through the native or the wasm loader. */
export class MixedLoader implements ContractLoader<MixedLoaded, ContractInstance> {
  readonly engine = 'mixed' as const;
  get volatileEnv(): boolean {
    return this.native.volatileEnv && this.wasm.volatileEnv;
  }
  private readonly owner = new WeakMap<ContractInstance, ContractLoader>();
  private readonly cache = new WeakMap<LoadedCode, MixedLoaded>();

  constructor(
    readonly native: NativeLoader,
    readonly wasm: WasmLoader,
    /** Which engine runs `code` (called once per loaded contract and fork). */
    readonly choose: (code: Uint8Array, fork: Fork) => EngineKind,
  ) {}

  load(code: Uint8Array, fork: Fork): MixedLoaded {
    const via = this.choose(code, fork);
    const inner = via === 'native' ? this.native.load(code, fork) : this.wasm.load(code, fork);
    let m = this.cache.get(inner);
    if (!m) this.cache.set(inner, (m = { key: `${via}:${inner.key}`, compileMs: inner.compileMs, fromDisk: inner.fromDisk, via, inner }));
    return m;
  }

  /** Load these codes (each by its engine), loading the wasm compiler first if a wasm one is in no cache. */
  async preload(codes: readonly Uint8Array[], fork: Fork): Promise<void> {
    for (const c of codes) await withCompiler(() => this.load(c, fork));
  }

  acquire(m: MixedLoaded): ContractInstance {
    const l: ContractLoader = m.via === 'native' ? this.native : this.wasm;
    const inst = l.acquire(m.inner);
    this.owner.set(inst, l);
    return inst;
  }

  release(inst: ContractInstance): void {
    this.owner.get(inst)!.release(inst);
  }

  dispose(): void {
    this.native.dispose();
  }
}
