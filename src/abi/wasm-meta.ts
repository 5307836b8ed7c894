/**
 * @file What a compiled wasm module says about itself (docs/wasm-abi.md, "Identification"):
 *
 *   export global `mevmc_abi_version` (i32, immutable)  = WASM_ABI_VERSION
 *   custom section `mevmc`       UTF-8 JSON {"abi", "fork", "codeHash", "codeSize", "compiler"}
 *   custom section `mevmc.code`  the EVM runtime code the module was compiled from (raw bytes)
 *
 * The code travels with the module because a host needs it anyway (CODECOPY, CODESIZE, EXTCODE* of
 * the account, its code hash): a `.wasm` file is then a complete, runnable artifact. Custom sections
 * do not change what the module computes. Reading is done here by walking the section headers,
 * without compiling the module, so the CLI can identify a file cheaply and the runtime can check it.
 */

/**
 * Version of the wasm ABI: module names, imports and their signatures, the `run` export, the memory
 * layout and context fields (context.ts), statuses, environment slots. Bump on any change to them.
 */
export const WASM_ABI_VERSION = 3;
/** Name of the exported i32 global holding WASM_ABI_VERSION. */
export const ABI_VERSION_EXPORT = 'mevmc_abi_version';
/** Custom section with the JSON metadata. */
export const META_SECTION = 'mevmc';
/** Custom section with the EVM code. */
export const CODE_SECTION = 'mevmc.code';

/** The JSON of the `mevmc` custom section. */
export interface WasmModuleMeta {
  /** WASM_ABI_VERSION of the compiler that wrote the module. */
  readonly abi: number;
  /** Fork the code was compiled for (lowercase @ethereumjs/common name, e.g. "cancun"). */
  readonly fork: string;
  /** keccak256 of the EVM code, 0x + 64 hex digits. */
  readonly codeHash: string;
  /** EVM code size in bytes. */
  readonly codeSize: number;
  /** Compiler identification, e.g. "mevmc 0.1.0". Informative only. */
  readonly compiler: string;
}

/** The `mevmc` section's bytes for some metadata. */
export function encodeMeta(meta: WasmModuleMeta): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(meta));
}

/** The four bytes every wasm binary starts with (`\0asm`). */
export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;

/** True when bytes start with the wasm magic. */
export function isWasmBinary(b: Uint8Array): boolean {
  return b.length >= 4 && WASM_MAGIC.every((x, i) => b[i] === x);
}

/** Unsigned LEB128 at `pos`: [value, next position]; throws on a truncated or oversized number. */
function leb(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= b.length) throw new Error('truncated wasm binary');
    const x = b[pos++];
    v += (x & 0x7f) * 2 ** shift;
    if (!(x & 0x80)) return [v, pos];
  }
  throw new Error('malformed wasm binary (LEB128 too long)');
}

/** Custom sections of a wasm binary by name (the first of each name), found by walking section headers. */
export function customSections(b: Uint8Array): Map<string, Uint8Array> {
  if (!isWasmBinary(b) || b.length < 8) throw new Error('not a wasm binary');
  const out = new Map<string, Uint8Array>();
  let pos = 8;
  while (pos < b.length) {
    const id = b[pos++];
    const [size, start] = leb(b, pos);
    const end = start + size;
    if (end > b.length) throw new Error('truncated wasm binary');
    if (id === 0) {
      const [nameLen, nameStart] = leb(b, start);
      if (nameStart + nameLen > end) throw new Error('malformed wasm custom section');
      const name = new TextDecoder().decode(b.subarray(nameStart, nameStart + nameLen));
      if (!out.has(name)) out.set(name, b.subarray(nameStart + nameLen, end));
    }
    pos = end;
  }
  return out;
}

/**
 * The metadata and embedded code of a module written by mevmc. Throws an Error saying what is
 * missing or malformed (the caller decides whether that is an input error). Does not check the ABI
 * version or the code hash: see runtime/loader/precompiled.ts.
 */
export function readWasmMeta(b: Uint8Array): { meta: WasmModuleMeta; code: Uint8Array | undefined } {
  const sections = customSections(b);
  const raw = sections.get(META_SECTION);
  if (!raw) throw new Error(`no "${META_SECTION}" custom section: not a module written by mevmc compile (or written before ABI version 1)`);
  let meta: WasmModuleMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new Error(`the "${META_SECTION}" custom section is not valid JSON`);
  }
  if (typeof meta !== 'object' || meta === null || typeof meta.abi !== 'number' || typeof meta.fork !== 'string' ||
      typeof meta.codeHash !== 'string' || !/^0x[0-9a-f]{64}$/.test(meta.codeHash) || typeof meta.codeSize !== 'number') {
    throw new Error(`the "${META_SECTION}" custom section lacks abi/fork/codeHash/codeSize`);
  }
  return { meta, code: sections.get(CODE_SECTION) };
}
