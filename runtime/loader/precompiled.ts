/**
 * @file Running modules written by `mevmc compile` (docs/wasm-abi.md) instead of compiling: a module
 * is checked — wasm ABI version, fork, embedded code against its hash, imports and exports — then
 * served by `PrecompiledWasmLoader`, which answers `load(code, fork)` with it for exactly that code
 * and fork and hands every other code (nested calls, creations) to an ordinary WasmLoader.
 */
import { keccak256 } from '../state/keccak.ts';
import { usesStateCache } from '../state/state-cache.ts';
import { BUILTINS_MODULE, HOST_IMPORTS, HOST_MODULE } from '../../src/abi/host.ts';
import { ABI_VERSION_EXPORT, readWasmMeta, WASM_ABI_VERSION, type WasmModuleMeta } from '../../src/abi/wasm-meta.ts';
import { BUILTINS } from '../../src/builtins/table.ts';
import { type Fork, forkName, parseForkName } from '../../src/evm/forks.ts';
import { applyWasmTiering } from './tiering.ts';
import type { ContractLoader } from './types.ts';
import type { LoadedContract, WasmInstance, WasmLoader } from './wasm.ts';

/** A module that cannot be run by this runtime; the message says why, in one line. */
export class PrecompiledModuleError extends Error {
  override name = 'PrecompiledModuleError';
}

/** A checked module and what it was built from. */
export interface PrecompiledWasm {
  readonly module: WebAssembly.Module;
  readonly meta: WasmModuleMeta;
  readonly fork: Fork;
  /** The EVM code it was compiled from (its custom section `mevmc.code`). */
  readonly code: Uint8Array;
  readonly wasmBytes: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Check a module's identity and interface; throws PrecompiledModuleError. */
export function checkPrecompiledWasm(bytes: Uint8Array): PrecompiledWasm {
  let meta: WasmModuleMeta, code: Uint8Array | undefined;
  try {
    ({ meta, code } = readWasmMeta(bytes));
  } catch (e) {
    throw new PrecompiledModuleError((e as Error).message);
  }
  if (meta.abi !== WASM_ABI_VERSION) {
    throw new PrecompiledModuleError(`built for wasm ABI version ${meta.abi}, this runtime runs version ${WASM_ABI_VERSION}: recompile it with this mevmc`);
  }
  const fork = parseForkName(meta.fork);
  if (fork === undefined) throw new PrecompiledModuleError(`built for an unknown fork ${JSON.stringify(meta.fork)}`);
  if (!code) throw new PrecompiledModuleError('carries no EVM code (custom section "mevmc.code")');
  if (code.length !== meta.codeSize || '0x' + hex(keccak256(code)) !== meta.codeHash) {
    throw new PrecompiledModuleError(`its embedded EVM code does not match the code hash ${meta.codeHash} it was compiled for`);
  }
  let module: WebAssembly.Module;
  applyWasmTiering();
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new PrecompiledModuleError(`not a valid wasm module (${e instanceof Error ? e.message : e})`);
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exports.get('run') !== 'function' || exports.get(ABI_VERSION_EXPORT) !== 'global') {
    throw new PrecompiledModuleError(`does not export run() and ${ABI_VERSION_EXPORT}`);
  }
  const known = new Set([...BUILTINS.map((b) => `${BUILTINS_MODULE}.${b.name}`), ...HOST_IMPORTS.map((h) => `${HOST_MODULE}.${h.name}`)]);
  for (const i of WebAssembly.Module.imports(module)) {
    const ok = i.module === 'env' && i.name === 'memory' ? i.kind === 'memory' : i.kind === 'function' && known.has(`${i.module}.${i.name}`);
    if (!ok) throw new PrecompiledModuleError(`imports ${i.module}.${i.name} (${i.kind}), which this runtime does not provide`);
  }
  return { module, meta, fork, code, wasmBytes: bytes.length };
}

/**
 * A loader that runs precompiled modules for their own code and fork and delegates everything else
 * to `inner` (instances, pooling and release are the inner loader's).
 */
export class PrecompiledWasmLoader implements ContractLoader<LoadedContract, WasmInstance> {
  readonly engine = 'wasm' as const;
  /** By `<code hash>-<fork>`. */
  private readonly modules = new Map<string, LoadedContract>();
  private readonly sizes = new Set<number>();
  /** The answer per code buffer (null: not precompiled), so hot paths hash once. */
  private readonly byBuffer = new WeakMap<Uint8Array, (LoadedContract | null)[]>();

  constructor(readonly inner: WasmLoader, modules: readonly PrecompiledWasm[]) {
    for (const p of modules) {
      const key = `${p.meta.codeHash.slice(2)}-${forkName(p.fork)}`;
      this.modules.set(key, {
        key: `precompiled:${key}`, module: p.module, wasmBytes: p.wasmBytes, compileMs: 0, fromDisk: true, pool: [], stateOps: usesStateCache(p.code),
      });
      this.sizes.add(p.code.length);
    }
  }

  private find(code: Uint8Array, fork: Fork): LoadedContract | null {
    let seen = this.byBuffer.get(code);
    if (!seen) this.byBuffer.set(code, (seen = []));
    const hit = seen[fork];
    if (hit !== undefined) return hit;
    const found = this.sizes.has(code.length) ? this.modules.get(`${hex(keccak256(code))}-${forkName(fork)}`) ?? null : null;
    return (seen[fork] = found);
  }

  load(code: Uint8Array, fork: Fork): LoadedContract {
    return this.find(code, fork) ?? this.inner.load(code, fork);
  }

  acquire(c: LoadedContract): WasmInstance {
    return this.inner.acquire(c);
  }

  release(i: WasmInstance): void {
    this.inner.release(i);
  }

  async preload(codes: readonly Uint8Array[], fork: Fork): Promise<void> {
    const rest = codes.filter((c) => !this.find(c, fork));
    const inner: ContractLoader<LoadedContract, WasmInstance> = this.inner;
    if (rest.length && inner.preload) await inner.preload(rest, fork);
  }

  dispose(): void {
    const inner: ContractLoader<LoadedContract, WasmInstance> = this.inner;
    inner.dispose?.();
  }
}
