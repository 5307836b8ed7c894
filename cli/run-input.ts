/**
 * @file The code `mevmc run <code>` executes: bytecode, an artifact (cli/artifact.ts) or a module from
 * `mevmc compile`, which runs as it is (after runtime/loader/precompiled.ts checked it) on its own
 * fork. Init code given where runtime code is expected gets a one-line warning naming what to do.
 */
import { InputError } from '../runtime/harness/case.ts';
import type { ContractLoader } from '../runtime/loader/types.ts';
import { checkPrecompiledWasm, type PrecompiledWasm, PrecompiledModuleError, PrecompiledWasmLoader } from '../runtime/loader/precompiled.ts';
import type { WasmLoader } from '../runtime/loader/wasm.ts';
import { forkName } from '../src/evm/forks.ts';
import { readContractInput } from './artifact.ts';
import { initCodeAdvice } from './init-code.ts';
import { readFork } from './input.ts';

export interface RunInput {
  code: Uint8Array;
  /** Fork name: --fork, else the module's, else cancun. */
  fork: string;
  /** Set when <code> is a module from `mevmc compile`. */
  precompiled?: PrecompiledWasm;
}

/** Read `run`'s <code> (`fork` is the --fork option as given, undefined when absent). */
export function readRunInput(arg: string, o: { fork?: string; contract?: string; engine: string; raw?: boolean }): RunInput {
  const input = readContractInput(arg, { want: 'runtime', contract: o.contract, raw: o.raw });
  if (input.initShape) console.error(`mevmc: warning: ${initCodeAdvice(arg, input.initShape)}`);
  if (!input.wasm) return { code: input.code, fork: forkName(readFork(o.fork ?? 'cancun')) };
  if (o.engine === 'native') {
    throw new InputError(`${arg}: a wasm module runs on the wasm engine (--engine ref runs the EVM code embedded in it); for native code give the EVM code or an artifact`);
  }
  let p: PrecompiledWasm;
  try {
    p = checkPrecompiledWasm(input.wasm.bytes);
  } catch (e) {
    if (e instanceof PrecompiledModuleError) throw new InputError(`${arg}: ${e.message}`);
    throw e;
  }
  if (o.fork !== undefined && readFork(o.fork) !== p.fork) {
    throw new InputError(`${arg} was compiled for ${forkName(p.fork)}, not ${o.fork}: recompile it with --fork ${o.fork}, or drop --fork`);
  }
  return { code: p.code, fork: forkName(p.fork), precompiled: p };
}

/** The loader that runs a precompiled module for its code (wasm engine), else `loader` itself. */
export function loaderWith(loader: ContractLoader, input: RunInput | undefined): ContractLoader {
  if (!input?.precompiled || loader.engine !== 'wasm') return loader;
  return new PrecompiledWasmLoader(loader as WasmLoader, [input.precompiled]);
}
