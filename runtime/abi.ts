/**
 * @file Solidity ABI helpers for embedders and the stateful CLI: function signatures in `cast`'s notation
 * (`'transfer(address,uint256)'`, `'balanceOf(address)(uint256)'` with return types, or the human-readable
 * `'function f(uint256 x) returns (bool)'`), argument encoding from JS values or command-line text, result
 * decoding and formatting, and revert decoding (`Error(string)`, `Panic(uint256)` with its meaning, custom
 * errors by selector from an ABI).
 *
 * The coder itself is micro-eth-signer's (full type grammar: tuples, nested and fixed arrays, bytes, strings,
 * ints of every width). Parameters are handled without their names, so tuples are always positional arrays.
 */
import { keccak256 } from './state/keccak.ts';
import { createContract, parseAbiItem } from 'micro-eth-signer/abi.js';

/** One ABI parameter (JSON ABI shape). */
export interface AbiParam {
  type: string;
  name?: string;
  components?: readonly AbiParam[];
  indexed?: boolean;
  internalType?: string;
}

/** One JSON ABI entry. */
export interface AbiItem {
  type: string;
  name?: string;
  inputs?: readonly AbiParam[];
  outputs?: readonly AbiParam[];
  stateMutability?: string;
  anonymous?: boolean;
}

/** A JSON ABI (as solc, Foundry and Hardhat write it). */
export type Abi = readonly AbiItem[];

/** A parsed function, constructor or error signature. */
export interface Signature {
  /** Function name ('constructor' for a constructor). */
  name: string;
  inputs: AbiParam[];
  /** Return types; undefined when the signature gave none. */
  outputs: AbiParam[] | undefined;
  /** Canonical form used for the selector, e.g. `transfer(address,uint256)`. */
  canonical: string;
  /** First 4 bytes of keccak256(canonical). */
  selector: Uint8Array;
}

/** A bad signature, argument or ABI payload. */
export class AbiError extends Error {
  override name = 'AbiError';
}

/** A decoded revert. */
export interface RevertReason {
  /** `Error`, `Panic`, a custom error's name, or '' when the data is not recognised. */
  name: string;
  /** Decoded arguments. */
  args: unknown[];
  /** One human line, e.g. `Panic(0x11): arithmetic overflow or underflow`. */
  message: string;
}

/** Meanings of Solidity's Panic(uint256) codes. */
export const PANIC_CODES: Readonly<Record<number, string>> = {
  0x00: 'generic compiler panic',
  0x01: 'assertion failed',
  0x11: 'arithmetic overflow or underflow',
  0x12: 'division or modulo by zero',
  0x21: 'conversion to an enum out of range',
  0x22: 'incorrectly encoded storage byte array',
  0x31: 'pop() on an empty array',
  0x32: 'array index out of bounds',
  0x41: 'too much memory allocated',
  0x51: 'call to a zero-initialised function variable',
};

const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const strip = (p: AbiParam): AbiParam =>
  p.components ? { type: p.type, components: p.components.map(strip) } : { type: p.type };

/** Canonical type text: tuples spelled `(t1,t2)` with their array suffixes. */
export function canonicalType(p: AbiParam): string {
  if (!p.type.startsWith('tuple')) return p.type;
  return `(${(p.components ?? []).map(canonicalType).join(',')})${p.type.slice('tuple'.length)}`;
}

/** `name(type,…)` of an ABI entry. */
export function canonicalSignature(name: string, params: readonly AbiParam[]): string {
  return `${name}(${params.map(canonicalType).join(',')})`;
}

/** 4-byte selector of a canonical signature. */
export function selectorOf(canonical: string): Uint8Array {
  return keccak256(new TextEncoder().encode(canonical)).subarray(0, 4);
}

/** Index just after the parenthesised group opening at `s[open]`. */
function closeParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i + 1;
  }
  throw new AbiError(`unbalanced parentheses in ${JSON.stringify(s)}`);
}

/**
 * Parse `name(types)`, `name(types)(return types)`, `constructor(types)` or a human-readable
 * `function name(type a, …) returns (…)` / `error Name(…)`.
 */
export function parseSignature(sig: string): Signature {
  const text = sig.trim();
  let human: string;
  let kind = 'function';
  let hasReturns: boolean;
  if (/^(function|error|constructor|event)\b/.test(text) && /\s|^constructor/.test(text)) {
    human = text;
    kind = text.split(/[\s(]/)[0];
    hasReturns = /\breturns\s*\(/.test(text);
  } else {
    const open = text.indexOf('(');
    if (open <= 0 && !text.startsWith('(')) throw new AbiError(`bad signature ${JSON.stringify(sig)} (expected e.g. 'transfer(address,uint256)')`);
    const close = closeParen(text, open);
    const rest = text.slice(close).trim();
    if (rest !== '' && !(rest.startsWith('(') && closeParen(rest, 0) === rest.length)) {
      throw new AbiError(`bad signature ${JSON.stringify(sig)}: after the arguments only '(return types)' may follow`);
    }
    human = `function ${text.slice(0, close)}${rest ? ` returns ${rest}` : ''}`;
    hasReturns = rest !== '';
  }
  let item: AbiItem;
  try {
    item = parseAbiItem(human) as AbiItem;
  } catch (e) {
    throw new AbiError(`bad signature ${JSON.stringify(sig)}: ${(e as Error).message}`);
  }
  const name = kind === 'constructor' ? 'constructor' : item.name ?? '';
  const inputs = (item.inputs ?? []).map(strip);
  const outputs = hasReturns ? (item.outputs ?? []).map(strip) : undefined;
  for (const p of [...inputs, ...(outputs ?? [])]) checkType(p, sig);
  const canonical = canonicalSignature(name, inputs);
  return { name, inputs, outputs, canonical, selector: selectorOf(canonical) };
}

const ELEMENTARY = /^(address|bool|string|bytes([1-9]|[12]\d|3[0-2])?|u?int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)?|function|tuple)((\[\d*\])*)$/;

function checkType(p: AbiParam, sig: string): void {
  const m = ELEMENTARY.exec(p.type);
  if (!m) throw new AbiError(`bad type ${JSON.stringify(p.type)} in ${JSON.stringify(sig)}`);
  for (const c of p.components ?? []) checkType(c, sig);
}

// --- values ------------------------------------------------------------------------------------

const ARRAY_SUFFIX = /^(.*)\[(\d*)\]$/;

/** Split `[a,b]` / `(a,b)` text into its top-level items (brackets, parentheses and "quotes" nest). */
function splitList(text: string, open: string, close: string, what: string): string[] {
  const t = text.trim();
  if (!t.startsWith(open) || !t.endsWith(close)) throw new AbiError(`expected ${what} as ${open}…${close}, got ${JSON.stringify(text)}`);
  const body = t.slice(1, -1);
  if (body.trim() === '') return [];
  const out: string[] = [];
  let depth = 0, quoted = false, start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"' && body[i - 1] !== '\\') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(body.slice(start).trim());
  return out;
}

function toBigInt(v: unknown, type: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?(0x[0-9a-fA-F]+|\d+)$/.test(v.trim())) {
    const t = v.trim();
    return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
  }
  throw new AbiError(`${type}: expected an integer (decimal or 0x hex), got ${JSON.stringify(String(v))}`);
}

function toBytes(v: unknown, type: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(v.trim())) return new Uint8Array(Buffer.from(v.trim().slice(2), 'hex'));
  throw new AbiError(`${type}: expected 0x-prefixed hex bytes, got ${JSON.stringify(String(v))}`);
}

/**
 * A JS value for the coder from what a user gives: JS values (bigint, number, boolean, hex string, Uint8Array,
 * arrays, tuple arrays or objects keyed by component name) or command-line text (`123`, `0x…`, `true`,
 * `[1,2]`, `(0xab…,"text")`).
 */
export function toAbiValue(p: AbiParam, v: unknown): unknown {
  const arr = ARRAY_SUFFIX.exec(p.type);
  if (arr) {
    const inner = { ...p, type: arr[1] };
    const items = typeof v === 'string' ? splitList(v, '[', ']', p.type) : v;
    if (!Array.isArray(items)) throw new AbiError(`${p.type}: expected an array`);
    if (arr[2] !== '' && items.length !== Number(arr[2])) throw new AbiError(`${p.type}: expected ${arr[2]} items, got ${items.length}`);
    return items.map((x) => toAbiValue(inner, x));
  }
  const t = p.type;
  if (t === 'tuple') {
    const comps = p.components ?? [];
    let items: unknown = typeof v === 'string' ? splitList(v, '(', ')', canonicalType(p)) : v;
    if (items && typeof items === 'object' && !Array.isArray(items)) items = comps.map((c) => (items as Record<string, unknown>)[c.name ?? '']);
    if (!Array.isArray(items) || items.length !== comps.length) throw new AbiError(`${canonicalType(p)}: expected ${comps.length} components`);
    return comps.map((c, i) => toAbiValue(c, (items as unknown[])[i]));
  }
  if (t === 'address') {
    const s = v instanceof Uint8Array ? hex(v) : String(v).trim();
    if (!/^0x[0-9a-fA-F]{40}$/.test(s)) throw new AbiError(`address: expected 0x + 40 hex digits, got ${JSON.stringify(s)}`);
    return s.toLowerCase();
  }
  if (t === 'bool') {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new AbiError(`bool: expected true or false, got ${JSON.stringify(String(v))}`);
  }
  if (t === 'string') {
    if (typeof v !== 'string') throw new AbiError('string: expected a string');
    const q = /^"(.*)"$/s.exec(v);
    return q ? q[1].replace(/\\"/g, '"') : v;
  }
  if (t.startsWith('int') || t.startsWith('uint')) return toBigInt(v, t);
  if (t.startsWith('bytes') || t === 'function') {
    const b = toBytes(v, t);
    const n = t === 'function' ? 24 : t === 'bytes' ? b.length : Number(t.slice(5));
    if (b.length !== n) throw new AbiError(`${t}: expected ${n} bytes, got ${b.length}`);
    return b;
  }
  throw new AbiError(`unsupported type ${t}`);
}

type Coder = { encodeInput: (v?: unknown) => Uint8Array; decodeOutput: (b: Uint8Array) => unknown };

function coder(inputs: readonly AbiParam[], outputs: readonly AbiParam[]): Coder {
  try {
    return (createContract([{ type: 'function', name: 'f', inputs: inputs.map(strip), outputs: outputs.map(strip) }] as never) as Record<string, Coder>).f;
  } catch (e) {
    throw new AbiError((e as Error).message);
  }
}

/** ABI-encode `values` as the parameter list `params` (no selector). */
export function encodeArgs(params: readonly AbiParam[], values: readonly unknown[]): Uint8Array {
  if (values.length !== params.length) throw new AbiError(`expected ${params.length} argument(s) (${params.map(canonicalType).join(',')}), got ${values.length}`);
  const vs = params.map((p, i) => toAbiValue(p, values[i]));
  try {
    const c = coder(params, []);
    return c.encodeInput(params.length === 0 ? undefined : params.length === 1 ? vs[0] : vs).subarray(4);
  } catch (e) {
    throw e instanceof AbiError ? e : new AbiError(`cannot encode (${params.map(canonicalType).join(',')}): ${(e as Error).message}`);
  }
}

const bytesOf = (d: Uint8Array | string): Uint8Array => {
  if (d instanceof Uint8Array) return d;
  if (!/^0x([0-9a-fA-F]{2})*$/.test(d)) throw new AbiError('data: expected 0x-prefixed hex bytes');
  return new Uint8Array(Buffer.from(d.slice(2), 'hex'));
};

/** Decode `data` (bytes or `0x` hex) as the parameter list `params`: one JS value per parameter (ints as bigint, bytes as Uint8Array). */
export function decodeArgs(params: readonly AbiParam[], raw: Uint8Array | string): unknown[] {
  const data = bytesOf(raw);
  if (params.length === 0) return [];
  try {
    const v = coder([], params).decodeOutput(data);
    return params.length === 1 ? [v] : (v as unknown[]);
  } catch (e) {
    throw new AbiError(`cannot decode ${hex(data.subarray(0, 64))}${data.length > 64 ? '…' : ''} as (${params.map(canonicalType).join(',')}): ${(e as Error).message}`);
  }
}

/** Calldata: selector of `sig` followed by the encoded arguments. */
export function encodeCall(sig: string | Signature, args: readonly unknown[] = []): Uint8Array {
  const s = typeof sig === 'string' ? parseSignature(sig) : sig;
  const body = encodeArgs(s.inputs, args);
  const out = new Uint8Array(4 + body.length);
  out.set(s.selector);
  out.set(body, 4);
  return out;
}

/** Decode return data (bytes or `0x` hex) with the return types of `sig` (`'f(…)(uint256,bool)'`). */
export function decodeResult(sig: string | Signature, data: Uint8Array | string): unknown[] {
  const s = typeof sig === 'string' ? parseSignature(sig) : sig;
  if (!s.outputs) throw new AbiError(`${s.canonical} has no return types: write them after the arguments, e.g. 'balanceOf(address)(uint256)'`);
  return decodeArgs(s.outputs, data);
}

/** The constructor's inputs of a JSON ABI ([] when it has no constructor). */
export function constructorInputs(abi: Abi): AbiParam[] {
  return [...(abi.find((i) => i.type === 'constructor')?.inputs ?? [])];
}

/** EIP-55 mixed-case checksum form of an address. */
export function checksumAddress(address: string): string {
  const a = address.toLowerCase().replace(/^0x/, '');
  const h = Buffer.from(keccak256(new TextEncoder().encode(a))).toString('hex');
  return '0x' + [...a].map((c, i) => (parseInt(h[i], 16) >= 8 ? c.toUpperCase() : c)).join('');
}

/** One decoded value as `cast` prints it: decimal ints, checksummed addresses, 0x bytes, [a, b], (a, b). */
export function formatValue(p: AbiParam, v: unknown, nested = false): string {
  const arr = ARRAY_SUFFIX.exec(p.type);
  if (arr) return `[${(v as unknown[]).map((x) => formatValue({ ...p, type: arr[1] }, x, true)).join(', ')}]`;
  if (p.type === 'tuple') {
    const items = Array.isArray(v) ? v : (p.components ?? []).map((c) => (v as Record<string, unknown>)[c.name ?? '']);
    return `(${(p.components ?? []).map((c, i) => formatValue(c, items[i], true)).join(', ')})`;
  }
  if (p.type === 'address') return checksumAddress(String(v));
  if (v instanceof Uint8Array) return hex(v);
  if (p.type === 'string') return nested ? JSON.stringify(v) : String(v);
  return String(v);
}

/** A decoded value as plain JSON: ints as decimal strings, bytes as 0x hex, arrays and tuples as arrays. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object') return Object.values(v).map(jsonValue);
  return v;
}

const ERROR_STRING = parseSignature('Error(string)');
const PANIC = parseSignature('Panic(uint256)');
const sameSelector = (a: Uint8Array, b: Uint8Array): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];

/**
 * Decode revert data: `Error(string)`, `Panic(uint256)` (with the code's meaning), a custom error of `abi`
 * matched by selector; undefined for empty data; otherwise name '' and the raw data in the message.
 */
export function decodeRevert(raw: Uint8Array | string, abi?: Abi): RevertReason | undefined {
  const data = bytesOf(raw);
  if (data.length === 0) return undefined;
  const unrecognised: RevertReason = { name: '', args: [], message: `revert data ${hex(data)}` };
  if (data.length < 4) return unrecognised;
  const sel = data.subarray(0, 4);
  const body = data.subarray(4);
  try {
    if (sameSelector(sel, ERROR_STRING.selector)) {
      const [msg] = decodeArgs(ERROR_STRING.inputs, body);
      return { name: 'Error', args: [msg], message: String(msg) };
    }
    if (sameSelector(sel, PANIC.selector)) {
      const [code] = decodeArgs(PANIC.inputs, body) as bigint[];
      const meaning = code < 256n ? PANIC_CODES[Number(code)] : undefined;
      return { name: 'Panic', args: [code], message: `Panic(0x${code.toString(16).padStart(2, '0')}): ${meaning ?? 'unknown panic code'}` };
    }
    for (const item of abi ?? []) {
      if (item.type !== 'error' || !item.name) continue;
      const inputs = [...(item.inputs ?? [])];
      if (!sameSelector(sel, selectorOf(canonicalSignature(item.name, inputs)))) continue;
      const args = decodeArgs(inputs, body);
      return { name: item.name, args, message: `${item.name}(${inputs.map((p, i) => formatValue(p, args[i], true)).join(', ')})` };
    }
  } catch {
    return unrecognised;
  }
  return { ...unrecognised, message: `custom error ${hex(sel)} (give the ABI to decode it), data ${hex(data)}` };
}
