/**
 * @file The project's own contract corpus as ready-to-run batch cases.
 *
 * `corpus/cases.json` is hand-written and names calls symbolically (contract, function signature,
 * arguments, pre-state storage as slot expressions); this module turns each entry into a `Case`
 * of runtime/case.ts, with the runtime bytecode read from `corpus/build/<contract>.bin` (produced by
 * `corpus/build.ts`). Going through `parseCase` on the batch JSON shape guarantees the corpus
 * uses exactly the validation and defaults that `mevmc run --batch` applies.
 *
 * A case runs only the runtime code (no constructor), so whatever a constructor would have set up
 * is given as pre-state storage. Slot expressions in `storage` keys and values:
 *
 *   123 | 0x7b                 a literal slot / value
 *   $caller | $address         the case's caller / called address (as a 160-bit number)
 *   map(slot, key)             Solidity mapping element: keccak256(abi.encode(key, slot))
 *   arr(slot, i)               dynamic array element:    keccak256(abi.encode(slot)) + i
 *   add(a, b)                  a + b (mod 2^256)
 *
 * e.g. allowance[owner][spender] of a mapping at slot 1 is `map(map(1, $caller), 0x…spender)`.
 *
 * Arguments are ABI-encoded by the small encoder below (uintN, intN, address, bool, bytesN,
 * bytes, string, and T[] of those static types — enough for the corpus; tuples are not supported).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatBytes as nobleConcat } from '@noble/hashes/utils.js';
import {
  type Case,
  DEFAULT_ADDRESS,
  DEFAULT_CALLER,
  caseToJson,
  parseCase,
  toHex,
  word,
} from '../runtime/harness/case.ts';
import { PACKAGE_ROOT } from '../runtime/harness/package-root.ts';

// From the package root, not this module: the data stays in corpus/ when the code is built into dist/corpus/.
export const CORPUS_DIR = join(PACKAGE_ROOT, 'corpus') + '/';
export const CONTRACTS_DIR = join(CORPUS_DIR, 'contracts') + '/';
export const BUILD_DIR = join(CORPUS_DIR, 'build') + '/';
export const CASES_FILE = join(CORPUS_DIR, 'cases.json');

/** Default gas of a corpus case: a whole block's worth, so only deliberate cases run out. */
export const DEFAULT_CORPUS_GAS = 30_000_000n;

/** Status a corpus case is designed to end with. */
export type Expect = 'success' | 'revert' | 'halt';

/** An ABI argument as written in cases.json. */
export type AbiValue = string | number | boolean | AbiValue[];

/** One entry of cases.json. */
export interface CorpusEntry {
  /** Unique, `<Contract>.<function>[.<variant>]`. */
  id: string;
  /** Build name: a file `build/<contract>.bin` must exist (e.g. `Fib`, `Fib.noopt`). */
  contract: string;
  /** Function signature, e.g. `transfer(address,uint256)`; omit when `calldata` is given. */
  call?: string;
  args?: AbiValue[];
  /** Raw hex appended to the selector of `call` instead of encoded `args` (malformed-ABI cases). */
  rawArgs?: string;
  /** Raw calldata hex, for malformed/unknown-selector cases (exclusive with `call`). */
  calldata?: string;
  gas?: number | string;
  value?: number | string;
  caller?: string;
  address?: string;
  /** Balance of the called contract. */
  balance?: number | string;
  /** Other pre-state accounts (e.g. a funded caller for value transfers). */
  accounts?: Record<string, { balance?: number | string }>;
  /** Storage of the called contract: slot expression → value expression. */
  storage?: Record<string, string>;
  /** Block overrides in batch format (number, timestamp, coinbase, …). */
  block?: Record<string, string | number>;
  expect: Expect;
  /** Heavier case meant for benchmarks (also part of the normal list). */
  bench?: boolean;
  note?: string;
}

/** A parsed entry with its ready case. */
export interface CorpusCase {
  entry: CorpusEntry;
  case: Case;
}

/** What build.ts records in build/manifest.json. */
export interface Manifest {
  compiler: string;
  evmVersion: string;
  /** Source file name → sha256 (hex) of its content when the build ran. */
  sources: Record<string, string>;
  /** Build name (e.g. `Fib`, `Fib.noopt`) → where it came from. */
  contracts: Record<string, { source: string; contract: string; optimizer: boolean; runtimeBytes: number }>;
}

export const sha256Hex = (s: string | Uint8Array): string => createHash('sha256').update(s).digest('hex');

const MAX = (1n << 256n) - 1n;
const enc = new TextEncoder();

export const keccak = (b: Uint8Array): Uint8Array => keccak_256(b);

export function bytesToBig(b: Uint8Array): bigint {
  return b.length ? BigInt('0x' + Buffer.from(b).toString('hex')) : 0n;
}

/** 32-byte big-endian encoding of x mod 2^256. */
export function wordBytes(x: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(word(BigInt.asUintN(256, x)).slice(2), 'hex'));
}

/** The 4-byte function selector of a canonical signature. */
export function selector(signature: string): Uint8Array {
  return keccak(enc.encode(signature)).slice(0, 4);
}

/** Solidity mapping slot: keccak256(abi.encode(key, slot)) for a value-type key. */
export function mappingSlot(slot: bigint, key: bigint): bigint {
  return bytesToBig(keccak(concatBytes([wordBytes(key), wordBytes(slot)])));
}

/** Solidity dynamic-array element slot: keccak256(abi.encode(slot)) + i. */
export function arraySlot(slot: bigint, i: bigint): bigint {
  return BigInt.asUintN(256, bytesToBig(keccak(wordBytes(slot))) + i);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  return nobleConcat(...parts);
}

function hexToBytes(h: string, what: string): Uint8Array {
  const s = h.startsWith('0x') ? h.slice(2) : h;
  if (s.length % 2 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`${what}: bad hex ${JSON.stringify(h)}`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** Splits `name(t1,t2,…)` into its parameter types (no tuple support). */
export function parseSignature(sig: string): { name: string; types: string[] } {
  const m = /^([A-Za-z_$][A-Za-z0-9_$]*)\(([^()]*)\)$/.exec(sig.replace(/\s+/g, ''));
  if (!m) throw new Error(`unsupported function signature ${JSON.stringify(sig)} (tuples are not supported)`);
  return { name: m[1], types: m[2] === '' ? [] : m[2].split(',') };
}

/** Context for `$caller` / `$address` placeholders. */
interface Placeholders {
  caller: bigint;
  address: bigint;
}

function placeholder(s: string, env: Placeholders): bigint | undefined {
  if (s === '$caller') return env.caller;
  if (s === '$address') return env.address;
  return undefined;
}

/** An integer from a JSON number, a decimal or 0x-hex string with optional leading '-', or a placeholder. */
function parseInt256(v: AbiValue, what: string, env: Placeholders): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string') {
    const p = placeholder(v, env);
    if (p !== undefined) return p;
    const neg = v.startsWith('-');
    const t = neg ? v.slice(1) : v;
    if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) return neg ? -BigInt(t) : BigInt(t);
  }
  throw new Error(`${what}: expected an integer, got ${JSON.stringify(v)}`);
}

const isDynamic = (t: string): boolean => t === 'bytes' || t === 'string' || t.endsWith('[]');

/** Encodes one static (single-word) value. */
function encodeStatic(t: string, v: AbiValue, env: Placeholders): Uint8Array {
  let m: RegExpExecArray | null;
  if ((m = /^uint(\d*)$/.exec(t))) {
    const bits = BigInt(m[1] || '256');
    const x = parseInt256(v, t, env);
    if (x < 0n || x >= 1n << bits) throw new Error(`${t}: ${x} out of range`);
    return wordBytes(x);
  }
  if ((m = /^int(\d*)$/.exec(t))) {
    const bits = BigInt(m[1] || '256');
    const x = parseInt256(v, t, env);
    if (x < -(1n << (bits - 1n)) || x >= 1n << (bits - 1n)) throw new Error(`${t}: ${x} out of range`);
    return wordBytes(x); // two's complement, sign-extended to 256 bits
  }
  if (t === 'address') {
    const p = typeof v === 'string' ? placeholder(v, env) : undefined;
    if (p !== undefined) return wordBytes(p);
    if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new Error(`address: expected 0x + 40 hex digits, got ${JSON.stringify(v)}`);
    return wordBytes(BigInt(v));
  }
  if (t === 'bool') {
    if (typeof v !== 'boolean') throw new Error(`bool: expected true/false, got ${JSON.stringify(v)}`);
    return wordBytes(v ? 1n : 0n);
  }
  if ((m = /^bytes(\d+)$/.exec(t))) {
    const n = Number(m[1]);
    const b = typeof v === 'string' ? hexToBytes(v, t) : undefined;
    if (!b || b.length !== n) throw new Error(`${t}: expected exactly ${n} bytes of hex, got ${JSON.stringify(v)}`);
    const out = new Uint8Array(32);
    out.set(b); // bytesN is left-aligned
    return out;
  }
  throw new Error(`unsupported ABI type ${t}`);
}

/** Length-prefixed, zero-padded bytes (the tail of `bytes` / `string`). */
function encodeBytesTail(b: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(b.length / 32) * 32);
  padded.set(b);
  return concatBytes([wordBytes(BigInt(b.length)), padded]);
}

function encodeDynamic(t: string, v: AbiValue, env: Placeholders): Uint8Array {
  if (t === 'string') {
    if (typeof v !== 'string') throw new Error(`string: expected a JSON string, got ${JSON.stringify(v)}`);
    return encodeBytesTail(enc.encode(v));
  }
  if (t === 'bytes') {
    if (typeof v !== 'string') throw new Error(`bytes: expected hex, got ${JSON.stringify(v)}`);
    return encodeBytesTail(hexToBytes(v, 'bytes'));
  }
  const inner = t.slice(0, -2);
  if (!Array.isArray(v)) throw new Error(`${t}: expected a JSON array`);
  if (isDynamic(inner) || inner.includes('[')) throw new Error(`${t}: only arrays of static elementary types are supported`);
  return concatBytes([wordBytes(BigInt(v.length)), ...v.map((x) => encodeStatic(inner, x, env))]);
}

/** ABI-encodes a parameter list (head/tail layout of the Solidity ABI spec). */
export function encodeArgs(types: string[], values: AbiValue[], env: Placeholders = { caller: 0n, address: 0n }): Uint8Array {
  if (types.length !== values.length) throw new Error(`expected ${types.length} arguments, got ${values.length}`);
  const heads: Uint8Array[] = [];
  const tails: Uint8Array[] = [];
  let tailOffset = 32 * types.length;
  types.forEach((t, i) => {
    if (isDynamic(t)) {
      const tail = encodeDynamic(t, values[i], env);
      heads.push(wordBytes(BigInt(tailOffset)));
      tails.push(tail);
      tailOffset += tail.length;
    } else {
      heads.push(encodeStatic(t, values[i], env));
    }
  });
  return concatBytes([...heads, ...tails]);
}

/** selector ‖ encoded arguments. */
export function encodeCall(signature: string, values: AbiValue[] = [], env?: Placeholders): Uint8Array {
  const { types } = parseSignature(signature);
  return concatBytes([selector(signature), encodeArgs(types, values, env)]);
}

/** Evaluates a storage slot/value expression (see the file header). */
export function evalSlotExpr(src: string, env: Placeholders): bigint {
  let pos = 0;
  const s = src.replace(/\s+/g, '');
  const expect = (ch: string): void => {
    if (s[pos] !== ch) throw new Error(`slot expression ${JSON.stringify(src)}: expected '${ch}' at ${pos}`);
    pos++;
  };
  const parse = (): bigint => {
    const m = /^(map|arr|add)\(|^(\$[a-z]+)|^(0x[0-9a-fA-F]+|[0-9]+)/.exec(s.slice(pos));
    if (!m) throw new Error(`slot expression ${JSON.stringify(src)}: cannot parse at ${pos}`);
    pos += m[0].length;
    if (m[2]) {
      const p = placeholder(m[2], env);
      if (p === undefined) throw new Error(`slot expression ${JSON.stringify(src)}: unknown placeholder ${m[2]}`);
      return p;
    }
    if (m[3]) {
      const x = BigInt(m[3]);
      if (x > MAX) throw new Error(`slot expression ${JSON.stringify(src)}: literal exceeds 256 bits`);
      return x;
    }
    const a = parse();
    expect(',');
    const b = parse();
    expect(')');
    if (m[1] === 'map') return mappingSlot(a, b);
    if (m[1] === 'arr') return arraySlot(a, b);
    return BigInt.asUintN(256, a + b);
  };
  const v = parse();
  if (pos !== s.length) throw new Error(`slot expression ${JSON.stringify(src)}: trailing input at ${pos}`);
  return v;
}

/** Runtime bytecode hex (no 0x) of a build, e.g. `Fib` or `Fib.noopt`. */
export function readRuntime(contract: string): string {
  return readFileSync(`${BUILD_DIR}${contract}.bin`, 'utf8').trim();
}

export function readAbi(contract: string): any[] {
  return JSON.parse(readFileSync(`${BUILD_DIR}${contract}.abi.json`, 'utf8'));
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(`${BUILD_DIR}manifest.json`, 'utf8'));
}

export function readCorpusEntries(): CorpusEntry[] {
  const doc = JSON.parse(readFileSync(CASES_FILE, 'utf8'));
  if (!Array.isArray(doc.cases)) throw new Error('cases.json: expected { "cases": [...] }');
  return doc.cases;
}

/** The batch-format JSON object of one entry (what `parseCase` and `--batch` read). */
export function entryToBatchJson(e: CorpusEntry, code: string): Record<string, unknown> {
  const caller = e.caller ?? DEFAULT_CALLER;
  const address = e.address ?? DEFAULT_ADDRESS;
  const env: Placeholders = { caller: BigInt(caller), address: BigInt(address) };
  if ((e.call === undefined) === (e.calldata === undefined)) throw new Error(`${e.id}: give exactly one of call / calldata`);
  if (e.rawArgs !== undefined && (e.call === undefined || e.args !== undefined)) throw new Error(`${e.id}: rawArgs needs call and excludes args`);
  const calldata =
    e.call === undefined ? e.calldata!
    : e.rawArgs !== undefined ? toHex(concatBytes([selector(e.call), hexToBytes(e.rawArgs, `${e.id} rawArgs`)]))
    : toHex(encodeCall(e.call, e.args ?? [], env));
  const storage: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.storage ?? {})) {
    const slot = word(evalSlotExpr(k, env));
    if (slot in storage) throw new Error(`${e.id}: storage slot ${k} given twice`);
    storage[slot] = word(evalSlotExpr(String(v), env));
  }
  const pre: Record<string, { balance?: string; storage?: Record<string, string> }> = {};
  for (const [a, acc] of Object.entries(e.accounts ?? {})) {
    const key = (placeholder(a, env) !== undefined ? '0x' + placeholder(a, env)!.toString(16).padStart(40, '0') : a).toLowerCase();
    pre[key] = { balance: String(acc.balance ?? 0) };
  }
  const self = address.toLowerCase();
  if (Object.keys(storage).length || e.balance !== undefined) {
    pre[self] = { ...(pre[self] ?? {}), balance: String(e.balance ?? pre[self]?.balance ?? 0), storage };
  }
  return {
    id: e.id,
    fork: 'cancun',
    code: '0x' + code,
    calldata,
    gas: String(e.gas ?? DEFAULT_CORPUS_GAS),
    value: String(e.value ?? 0),
    caller,
    address,
    pre,
    ...(e.block ? { block: e.block } : {}),
  };
}

/** Every entry of cases.json with its ready case (bench entries included). */
export function loadCorpus(): CorpusCase[] {
  const code = new Map<string, string>();
  const seen = new Set<string>();
  return readCorpusEntries().map((entry) => {
    if (seen.has(entry.id)) throw new Error(`cases.json: duplicate id ${entry.id}`);
    seen.add(entry.id);
    if (!['success', 'revert', 'halt'].includes(entry.expect)) throw new Error(`${entry.id}: bad expect ${entry.expect}`);
    if (!code.has(entry.contract)) code.set(entry.contract, readRuntime(entry.contract));
    return { entry, case: parseCase(entryToBatchJson(entry, code.get(entry.contract)!), entry.id) };
  });
}

/** All corpus cases (including the bench ones), in cases.json order. */
export function loadCorpusCases(): Case[] {
  return loadCorpus().map((c) => c.case);
}

/** The heavier cases marked `"bench": true`. */
export function loadCorpusBenchCases(): Case[] {
  return loadCorpus().filter((c) => c.entry.bench).map((c) => c.case);
}

/** A corpus case in the batch JSON shape (see `caseToJson` in runtime/case.ts). */
export const corpusCaseToJson = caseToJson;
