/**
 * @file `compileToWasm`: analysis in, a validated and optimised wasm module out.
 *
 * The module imports its memory (`env.memory`, shared with the builtins module), the u256/keccak
 * builtins (module `builtins`) and the host functions (module `host`), and exports `run(): i32`,
 * which executes the contract from pc 0 and returns a `Status`. Everything it needs per call (gas,
 * environment words, calldata size) is written into the context area by the runtime beforehand.
 * Every module also exports the global `mevmc_abi_version` and carries the custom sections `mevmc`
 * (JSON: ABI version, fork, code hash) and `mevmc.code` (the EVM code): src/abi/wasm-meta.ts.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { BUILTINS_MODULE, HOST_IMPORTS, HOST_MODULE } from '../../abi/host.ts';
import { ABI_VERSION_EXPORT, CODE_SECTION, encodeMeta, META_SECTION, WASM_ABI_VERSION } from '../../abi/wasm-meta.ts';
import type { Analysis } from '../../analysis/types.ts';
import { BUILTINS } from '../../builtins/table.ts';
import { withBranchHints } from './branch-hints.ts';
import { compileBody, usesRelooper } from './control.ts';
import { CODE_SEGMENT } from './lower.ts';
import { makeGasSyncedCall } from './frame.ts';
import { forkName } from '../../evm/forks.ts';
import { Op } from '../../evm/traits.ts';
import { addModuleIdentity, binaryen, createModule, type Expr, i32, i64, none, optimizeModule, params } from './module.ts';
import { WasmWriter } from './writer.ts';

export interface WasmOptions {
  /** binaryen optimisation level (default 2; 0 = none). */
  optimize?: 0 | 1 | 2 | 3;
  /** Also return the module as WebAssembly text. */
  text?: boolean;
  /** Call `mevmc_trace(pc, sp)` at the start of every block (use with a single-step analysis). */
  trace?: boolean;
  /**
   * Run binaryen's validator before emitting (default true). The runtime turns it off: V8 validates the binary
   * anyway when it compiles the module, and binaryen's pass costs ~10% of an -O0 compile.
   */
  validate?: boolean;
  /** Filled with the ms spent per phase (the compile-time bench). */
  timings?: CompileTimings;
  /**
   * Who writes the module at -O0: 'direct' (default; writer.ts, no binaryen, for the linear layout) or 'binaryen'.
   * Above -O0, with `text`, and for the small contracts the Relooper lays out, binaryen always does.
   */
  writer?: 'direct' | 'binaryen';
  /**
   * keccak256 of the code as hex (no 0x), when the caller already has it (the loader keys its cache by it): the
   * metadata's code hash is otherwise computed here, ~4% of a warm -O0 compile (keccak in JS).
   */
  codeHash?: string;
}

/** Where compile time goes: IR construction through binaryen.js, then binaryen's own validate/optimise/emit. */
export interface CompileTimings {
  lower: number;
  validate: number;
  optimize: number;
  emit: number;
}

export interface WasmArtifact {
  readonly binary: Uint8Array;
  readonly text?: string;
}

/** Calls that read or charge `Ctx.gas`: every host import, and memory expansion. */
const GAS_SYNCED = new Set<string>([...HOST_IMPORTS.map((h) => h.name), 'mevmc_expand']);

/** Imports called only off the common path: the `if` arm holding such a call is hinted unlikely (branch-hints.ts). */
const COLD_CALLS = new Set<string>(['mevmc_expand']);

/** Whether the contract has a CODECOPY (reachable or not): its module then carries the code as a passive data segment. */
const hasCodecopy = (a: Analysis): boolean => a.decoded.ops.includes(Op.CODECOPY);

/** Compile an analysed contract to a wasm module. */
export function compileToWasm(a: Analysis, opts: WasmOptions = {}): WasmArtifact {
  const t = opts.timings;
  let t0 = t ? performance.now() : 0;
  /** Add the ms since the last lap to `t[k]` (no-op without `opts.timings`). */
  const lap = (k: keyof CompileTimings) => {
    if (!t) return;
    const now = performance.now();
    t[k] += now - t0;
    t0 = now;
  };
  const code = a.decoded.code;
  const meta = () => encodeMeta({
    abi: WASM_ABI_VERSION, fork: forkName(a.fork), codeHash: '0x' + (opts.codeHash ?? Buffer.from(keccak_256(code)).toString('hex')),
    codeSize: code.length, compiler: `mevmc -O${opts.optimize ?? 2}${opts.trace ? ' trace' : ''}`,
  });
  if ((opts.optimize ?? 2) === 0 && !opts.text && (opts.writer ?? 'direct') === 'direct' && !usesRelooper(a)) {
    const w = new WasmWriter();
    w.addMemoryImport('env', 'memory');
    if (hasCodecopy(a)) w.addPassiveData(CODE_SEGMENT, code);
    const ty = (ts: readonly ('i32' | 'i64')[]) => ts.map((x) => (x === 'i32' ? i32 : i64));
    for (const b of BUILTINS) w.addFunctionImport(b.name, BUILTINS_MODULE, b.name, ty(b.params), b.results.length ? i32 : none);
    for (const h of HOST_IMPORTS) w.addFunctionImport(h.name, HOST_MODULE, h.name, ty(h.params), h.result ? i32 : none);
    const call = (name: string, args: Expr[], result: 'i32' | 'none') => {
      const c = w.call(name, args, result === 'i32' ? i32 : none);
      return GAS_SYNCED.has(name) ? makeGasSyncedCall(w, c, result === 'i32') : c;
    };
    const { body, locals } = compileBody(w, a, call, opts.trace ?? false);
    w.addFunction('run', locals, body);
    lap('lower');
    w.addI32GlobalExport(ABI_VERSION_EXPORT, WASM_ABI_VERSION);
    w.addCustomSection(META_SECTION, meta());
    w.addCustomSection(CODE_SECTION, code);
    const binary = withBranchHints(w.emitBinary(), COLD_CALLS);
    lap('emit');
    // V8 validates what it compiles; the check here is for callers that asked (tests, `mevmc compile`).
    if ((opts.validate ?? true) && !WebAssembly.validate(binary as Uint8Array<ArrayBuffer>)) throw new Error('mevmc internal error: generated wasm does not validate');
    lap('validate');
    return { binary };
  }
  const m = createModule();
  try {
    // CODECOPY's source, as a passive segment of the imported memory (declared as the module's memory, then imported).
    if (hasCodecopy(a)) m.setMemory(0, -1, null, [{ name: CODE_SEGMENT, data: code, passive: true, offset: 0 } as binaryen.MemorySegment], false, false, '0');
    m.addMemoryImport('0', 'env', 'memory');
    for (const b of BUILTINS) {
      m.addFunctionImport(b.name, BUILTINS_MODULE, b.name, params(b.params), b.results.length ? i32 : none);
    }
    for (const h of HOST_IMPORTS) m.addFunctionImport(h.name, HOST_MODULE, h.name, params(h.params), h.result ? i32 : none);
    const call = (name: string, args: Expr[], result: 'i32' | 'none') => {
      const c = m.call(name, args, result === 'i32' ? i32 : none);
      return GAS_SYNCED.has(name) ? makeGasSyncedCall(m, c, result === 'i32') : c;
    };
    const { body, locals } = compileBody(m, a, call, opts.trace ?? false);
    m.addFunction('run', none, i32, locals, body);
    m.addFunctionExport('run', 'run');
    lap('lower');
    if ((opts.validate ?? true) && !m.validate()) throw new Error('mevmc internal error: generated wasm does not validate');
    lap('validate');
    optimizeModule(m, opts.optimize ?? 2);
    lap('optimize');
    addModuleIdentity(m, { name: ABI_VERSION_EXPORT, value: WASM_ABI_VERSION }, [[META_SECTION, meta()], [CODE_SECTION, code]]);
    const binary = withBranchHints(m.emitBinary(), COLD_CALLS);
    lap('emit');
    return { binary, text: opts.text ? m.emitText() : undefined };
  } finally {
    m.dispose();
  }
}
