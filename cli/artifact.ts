/**
 * @file What people hand to `compile`, `run` and `deploy`: bytecode (hex or raw, read by input.ts),
 * compiler artifacts, or a module written by `mevmc compile`. `readContractInput` picks the code
 * the command wants — runtime code for a call, init code for a creation — from:
 *
 *   solc standard-JSON output   contracts[file][Name].evm.{bytecode,deployedBytecode}.object, abi
 *   solc --combined-json        contracts["file:Name"].{bin,bin-runtime}, abi
 *   Foundry (out/X.sol/X.json)  bytecode.object, deployedBytecode.object, abi
 *   Hardhat (artifacts/…/X.json) bytecode, deployedBytecode, abi, contractName
 *   a mevmc wasm module         the EVM code embedded in it (src/abi/wasm-meta.ts)
 *
 * Runtime code comes from deployedBytecode / bin-runtime, init code from bytecode / bin. Several
 * contracts need `--contract Name` (or `file.sol:Name`); unlinked library placeholders (`__$…$__`)
 * are refused. Hex or raw input asked for as runtime code is checked for the shape of init code
 * (init-code.ts) so the command can say so. Every problem is an InputError of one line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { isWasmBinary, readWasmMeta, type WasmModuleMeta } from '../src/abi/wasm-meta.ts';
import { InputError, parseHexBytes } from '../runtime/harness/case.ts';
import { detectInitCode, type InitCodeShape } from './init-code.ts';
import { readCode } from './input.ts';

/** Which code a command needs: runtime code for a message call, init code for a creation. */
export type CodeWant = 'runtime' | 'init';

/** Where the code came from. */
export type InputFormat = 'code' | 'solc-standard-json' | 'solc-combined-json' | 'foundry' | 'hardhat' | 'mevmc-wasm';

/** A contract read from the command line. */
export interface ContractInput {
  readonly code: Uint8Array;
  /** What `code` is: the part asked for (artifacts), or what was given (hex/raw: see `initShape`). */
  readonly kind: CodeWant;
  readonly format: InputFormat;
  /** Contract name (artifacts). */
  readonly name?: string;
  /** The contract's ABI (artifacts). */
  readonly abi?: unknown[];
  /** Hex/raw input asked for as runtime code that has the shape of init code. */
  readonly initShape?: InitCodeShape;
  /** The module and its metadata (format 'mevmc-wasm'). */
  readonly wasm?: { readonly bytes: Uint8Array; readonly meta: WasmModuleMeta };
}

export interface ReadOptions {
  want: CodeWant;
  /** `Name` or `path:Name`: which contract of a multi-contract file. */
  contract?: string;
  /** `--raw`: the file's bytes are the code, whatever they look like. */
  raw?: boolean;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** Read `<code>` as given on the command line (`0x…`, a hex/raw/JSON/wasm file). */
export function readContractInput(arg: string, opts: ReadOptions): ContractInput {
  if (opts.raw) return { code: readCode(arg, { raw: true }), kind: opts.want, format: 'code' };
  const file = !arg.startsWith('0x') && !arg.startsWith('0X') && existsSync(arg) && statSync(arg).isFile() ? readFileSync(arg) : undefined;
  if (file && ELF_MAGIC.every((x, i) => file[i] === x)) {
    throw new InputError(`${arg}: a shared object (ELF, e.g. from compile --target so) carries no EVM code, so mevmc cannot run it: ` +
      'load it from C/C++/Rust through runtime/include/mevmc.h, or give the EVM code, an artifact or a .wasm from mevmc compile');
  }
  if (file && isWasmBinary(file)) return readWasmInput(arg, file, opts);
  const text = file?.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (file && text!.startsWith('{')) return readJsonInput(arg, text!, opts);
  if (opts.contract) throw new InputError(`--contract ${opts.contract}: ${arg} is plain bytecode, not an artifact with named contracts`);
  const code = readCode(arg);
  const initShape = opts.want === 'runtime' ? detectInitCode(code) : undefined;
  return { code, kind: initShape ? 'init' : opts.want, format: 'code', initShape };
}

function readWasmInput(arg: string, bytes: Uint8Array, opts: ReadOptions): ContractInput {
  let r: ReturnType<typeof readWasmMeta>;
  try {
    r = readWasmMeta(bytes);
  } catch (e) {
    throw new InputError(`${arg}: a wasm module, but ${(e as Error).message}`);
  }
  if (!r.code) throw new InputError(`${arg}: the module carries no EVM code (custom section "mevmc.code")`);
  if (opts.want === 'init') throw new InputError(`${arg}: a compiled module holds runtime code; a creation needs init code (give the contract's bytecode or an artifact)`);
  if (opts.contract) throw new InputError(`--contract ${opts.contract}: ${arg} is a compiled module of one contract`);
  return { code: r.code, kind: 'runtime', format: 'mevmc-wasm', wasm: { bytes, meta: r.meta } };
}

/** One contract of an artifact: both codes as hex text (possibly empty or with placeholders). */
interface Candidate {
  name: string;
  /** `file:Name` when the artifact knows the file. */
  qualified: string;
  init: unknown;
  runtime: unknown;
  abi: unknown;
  /** Library names by placeholder, from linkReferences, for error messages. */
  libraries: string[];
}

const isObj = (x: unknown): x is Record<string, any> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Library names of a `linkReferences` object ({file: {Lib: [{start, length}]}}). */
const libsOf = (refs: unknown): string[] =>
  isObj(refs) ? Object.entries(refs).flatMap(([f, libs]) => (isObj(libs) ? Object.keys(libs).map((l) => `${f}:${l}`) : [])) : [];

function readJsonInput(arg: string, text: string, opts: ReadOptions): ContractInput {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new InputError(`${arg}: starts with "{" but is not valid JSON`);
  }
  if (!isObj(j)) throw new InputError(`${arg}: not a contract artifact`);
  const { format, candidates } = candidatesOf(arg, j);
  return pick(arg, format, candidates, opts);
}

function candidatesOf(arg: string, j: Record<string, any>): { format: InputFormat; candidates: Candidate[] } {
  if (isObj(j.sources) && j.language !== undefined && !isObj(j.contracts)) {
    throw new InputError(`${arg}: solc standard-JSON input, not output: compile it (solc --standard-json) and give the output`);
  }
  if (isObj(j.contracts)) {
    const errors = Array.isArray(j.errors) ? j.errors.filter((e: any) => e?.severity === 'error') : [];
    if (errors.length) throw new InputError(`${arg}: solc reported ${errors.length} error(s), e.g. ${String(errors[0].message ?? '').split('\n')[0]}`);
    const entries = Object.entries(j.contracts);
    if (entries.every(([, v]) => isObj(v) && ('bin' in v || 'bin-runtime' in v || 'abi' in v))) {
      return {
        format: 'solc-combined-json',
        candidates: entries.map(([k, c]: [string, any]) => {
          const name = k.slice(k.lastIndexOf(':') + 1);
          // Older solc gives the ABI as a JSON string.
          return { name, qualified: k, init: c.bin, runtime: c['bin-runtime'], abi: typeof c.abi === 'string' ? safeParse(c.abi) : c.abi, libraries: [] };
        }),
      };
    }
    return {
      format: 'solc-standard-json',
      candidates: entries.flatMap(([f, cs]) => (isObj(cs) ? Object.entries(cs) : []).map(([name, c]: [string, any]) => ({
        name, qualified: `${f}:${name}`, init: c?.evm?.bytecode?.object, runtime: c?.evm?.deployedBytecode?.object, abi: c?.abi,
        libraries: [...libsOf(c?.evm?.bytecode?.linkReferences), ...libsOf(c?.evm?.deployedBytecode?.linkReferences)],
      }))),
    };
  }
  if (isObj(j.bytecode) || isObj(j.deployedBytecode)) {
    // Foundry: the contract is named by metadata.settings.compilationTarget, else by the file.
    const target = isObj(j.metadata?.settings?.compilationTarget) ? Object.entries(j.metadata.settings.compilationTarget)[0] : undefined;
    const name = typeof target?.[1] === 'string' ? target[1] : basename(arg).replace(/\.json$/i, '');
    return {
      format: 'foundry',
      candidates: [{ name, qualified: target ? `${target[0]}:${name}` : name, init: j.bytecode?.object, runtime: j.deployedBytecode?.object, abi: j.abi,
        libraries: [...libsOf(j.bytecode?.linkReferences), ...libsOf(j.deployedBytecode?.linkReferences)] }],
    };
  }
  if (typeof j.bytecode === 'string' || typeof j.deployedBytecode === 'string') {
    const name = typeof j.contractName === 'string' ? j.contractName : basename(arg).replace(/\.json$/i, '');
    const qualified = typeof j.sourceName === 'string' ? `${j.sourceName}:${name}` : name;
    return {
      format: 'hardhat',
      candidates: [{ name, qualified, init: j.bytecode, runtime: j.deployedBytecode, abi: j.abi,
        libraries: [...libsOf(j.linkReferences), ...libsOf(j.deployedLinkReferences)] }],
    };
  }
  throw new InputError(`${arg}: JSON, but not solc output (standard or --combined-json) nor a Foundry or Hardhat artifact (no contracts, bytecode or deployedBytecode)`);
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

const FIELD: Record<InputFormat, Record<CodeWant, string>> = {
  'solc-standard-json': { runtime: 'evm.deployedBytecode.object', init: 'evm.bytecode.object' },
  'solc-combined-json': { runtime: 'bin-runtime', init: 'bin' },
  foundry: { runtime: 'deployedBytecode.object', init: 'bytecode.object' },
  hardhat: { runtime: 'deployedBytecode', init: 'bytecode' },
  code: { runtime: '', init: '' },
  'mevmc-wasm': { runtime: '', init: '' },
};

const hexOf = (c: Candidate, want: CodeWant): string => {
  const v = want === 'runtime' ? c.runtime : c.init;
  return typeof v === 'string' ? v.trim().replace(/^0x/i, '') : '';
};

function pick(arg: string, format: InputFormat, all: Candidate[], opts: ReadOptions): ContractInput {
  const field = FIELD[format][opts.want];
  let chosen: Candidate;
  if (opts.contract) {
    const hits = all.filter((c) => c.name === opts.contract || c.qualified === opts.contract);
    if (hits.length === 0) throw new InputError(`${arg}: no contract ${opts.contract} (it has ${all.map((c) => c.qualified).join(', ') || 'none'})`);
    if (hits.length > 1) throw new InputError(`${arg}: several contracts named ${opts.contract} (${hits.map((c) => c.qualified).join(', ')}): give --contract file:Name`);
    chosen = hits[0];
  } else {
    // Interfaces and abstract contracts have no code: they are never the one meant.
    const withCode = all.filter((c) => hexOf(c, opts.want) !== '');
    if (withCode.length === 0) throw new InputError(`${arg}: no contract with ${opts.want} code (${field})`);
    if (withCode.length > 1) {
      throw new InputError(`${arg}: ${withCode.length} contracts with ${opts.want} code, choose one with --contract: ${withCode.map((c) => c.qualified).join(', ')}`);
    }
    chosen = withCode[0];
  }
  const hex = hexOf(chosen, opts.want);
  if (hex === '') throw new InputError(`${arg}: ${chosen.qualified} has no ${opts.want} code (${field} is empty: an interface or abstract contract?)`);
  const placeholder = /__\$[0-9a-fA-F]{34}\$__|__[A-Za-z0-9_.:/$-]{36}__/.exec(hex);
  if (placeholder) {
    const libs = chosen.libraries.length ? ` (${[...new Set(chosen.libraries)].join(', ')})` : '';
    throw new InputError(`${arg}: ${chosen.qualified} has unlinked library placeholders${libs} at byte ${placeholder.index / 2}: ` +
      'link the libraries first (solc --libraries, forge build --libraries, hardhat linking) and give the linked code');
  }
  const code = parseHexBytes('0x' + hex, `${arg}: ${chosen.qualified} ${field}`);
  return { code, kind: opts.want, format, name: chosen.name, abi: Array.isArray(chosen.abi) ? chosen.abi : undefined };
}
