/**
 * @file The batch-mode case and result formats (one JSON object per line), shared by every engine
 * (compiled wasm, the @ethereumjs/evm reference) so that both run exactly the same input.
 *
 * A case is a bare message call with @ethereumjs/evm `runCall` conventions: no intrinsic gas and
 * nothing pre-warmed. Parsing validates everything and throws `InputError` with a one-line message.
 */

import { Fork, FORK_COMMON_NAMES, type ForkName, parseForkName } from '../../src/evm/forks.ts';
import { maxExcessBlobGas } from '../../src/evm/gas.ts';

/** A user-facing input problem: reported as one line, exit code 2. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Hardfork names accepted everywhere (@ethereumjs/common spelling), oldest first. */
export const FORK_NAMES = FORK_COMMON_NAMES;
export type { ForkName };

/** An account of the pre-state. */
export interface PreAccount {
  balance: bigint;
  nonce: bigint;
  code: Uint8Array;
  /** slot → value, both as 32-byte-normalised bigint. */
  storage: Map<bigint, bigint>;
}

/** Block environment of a case. */
export interface BlockEnv {
  number: bigint;
  timestamp: bigint;
  coinbase: Uint8Array; // 20 bytes
  gasLimit: bigint;
  baseFee: bigint;
  prevRandao: Uint8Array; // 32 bytes
  chainId: bigint;
  /** Excess blob gas (Cancun+): drives BLOBBASEFEE. */
  excessBlobGas: bigint;
}

/** One message call. */
export interface Case {
  id: string;
  fork: ForkName;
  code: Uint8Array;
  calldata: Uint8Array;
  gas: bigint;
  value: bigint;
  caller: Uint8Array; // 20 bytes
  address: Uint8Array; // 20 bytes
  pre: Map<string, PreAccount>; // key: lowercase 0x-address
  block: BlockEnv;
  /** GASPRICE seen by the code (default 0, as runCall). */
  gasPrice?: bigint;
}

export interface LogEntry {
  address: string;
  topics: string[];
  data: string;
}

/** The result line of batch mode. */
export interface CaseResult {
  id: string;
  status: 'success' | 'revert' | 'halt';
  error: string | null;
  /** Decimal execution gas, as @ethereumjs/evm's executionGasUsed. */
  gasUsed: string;
  output: string;
  logs: LogEntry[];
  /** Called contract's non-zero storage after the call: 0x<64 hex> → 0x<64 hex>, sorted by slot. */
  storage: Record<string, string>;
  /** Gas refund counter at the end of the call (decimal), as @ethereumjs/evm's gasRefund. */
  refund: string;
  /** Median execution time excluding compilation (ms). */
  execMs: number;
  /**
   * Only when asked for (`{ postState: true }` of either engine): every account that exists after the call, as a state
   * root would hold it — end-of-transaction deletions applied with the engine's own bookkeeping (SELFDESTRUCTed
   * accounts, only those created in the call from Cancun on, EIP-6780; then, from Spurious Dragon, every touched
   * account that is empty, EIP-161). Keys: lowercase 0x-addresses, sorted.
   */
  postState?: PostState;
}

/** One account of a post-state: balance and nonce in decimal, keccak256 of the code, non-zero storage (sorted). */
export interface PostAccount {
  balance: string;
  nonce: string;
  codeHash: string;
  storage: Record<string, string>;
}
export type PostState = Record<string, PostAccount>;

/** A post-state from (address, account, non-zero storage) entries, sorted by address (JSON-stable). */
export function formatPostState(entries: Iterable<[string, { balance: bigint; nonce: bigint; codeHash: Uint8Array }, Iterable<[bigint, bigint]>]>): PostState {
  const out: PostState = {};
  for (const [a, acc, st] of [...entries].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    out[a] = { balance: acc.balance.toString(), nonce: acc.nonce.toString(), codeHash: toHex(acc.codeHash), storage: formatStorage(st) };
  }
  return out;
}

export const DEFAULT_CALLER = '0x1000000000000000000000000000000000000001';
export const DEFAULT_ADDRESS = '0x2000000000000000000000000000000000000002';
export const DEFAULT_COINBASE = '0x3000000000000000000000000000000000000003';

/** Parse a hex byte string (with or without 0x). Odd length or non-hex → InputError. */
export function parseHexBytes(s: string, what = 'hex'): Uint8Array {
  if (typeof s !== 'string') throw new InputError(`${what}: expected a hex string`);
  const t = s.trim();
  const h = t.startsWith('0x') || t.startsWith('0X') ? t.slice(2) : t;
  if (h.length % 2 !== 0) throw new InputError(`${what}: odd-length hex string (${h.length} digits)`);
  if (!/^[0-9a-fA-F]*$/.test(h)) {
    const bad = h.search(/[^0-9a-fA-F]/);
    throw new InputError(`${what}: non-hex character ${JSON.stringify(h[bad])} at position ${bad}`);
  }
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Parse a quantity: decimal string/number, or 0x-hex. Must be a non-negative integer below 2^256. */
export function parseQuantity(v: unknown, what: string): bigint {
  let r: bigint;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) r = BigInt(v);
  else if (typeof v === 'string' && /^0x[0-9a-fA-F]+$/.test(v.trim())) r = BigInt(v.trim());
  else if (typeof v === 'string' && /^[0-9]+$/.test(v.trim())) r = BigInt(v.trim());
  else throw new InputError(`${what}: expected a decimal or 0x-hex non-negative integer, got ${JSON.stringify(v)}`);
  if (r >= 1n << 256n) throw new InputError(`${what}: value does not fit in 256 bits`);
  return r;
}

export function parseAddress(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string') throw new InputError(`${what}: expected a 0x address`);
  const b = parseHexBytes(v, what);
  if (b.length !== 20) throw new InputError(`${what}: an address has 20 bytes, got ${b.length}`);
  return b;
}

export function parseFork(v: unknown): ForkName {
  const f = typeof v === 'string' ? parseForkName(v) : undefined;
  if (f === undefined) throw new InputError(`unknown fork ${JSON.stringify(v)} (known: ${FORK_NAMES.join(', ')}; aliases frontier, merge)`);
  return FORK_NAMES[f];
}

export const toHex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
export const addrKey = (b: Uint8Array): string => toHex(b).toLowerCase();
export const word = (x: bigint): string => '0x' + x.toString(16).padStart(64, '0');

/** Default block: the same for every engine. */
export function defaultBlock(): BlockEnv {
  return {
    number: 1n, timestamp: 1n, coinbase: parseHexBytes(DEFAULT_COINBASE), gasLimit: 30_000_000n,
    baseFee: 7n, prevRandao: new Uint8Array(32), chainId: 1n, excessBlobGas: 0n,
  };
}

/** Parse one batch line (already JSON-decoded). Missing fields take defaults. */
export function parseCase(o: any, defaultId = 'case'): Case {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new InputError('case: expected a JSON object');
  const fork = parseFork(o.fork ?? 'cancun');
  const code = parseHexBytes(o.code ?? '0x', 'code');
  const address = parseAddress(o.address ?? DEFAULT_ADDRESS, 'address');
  const pre = new Map<string, PreAccount>();
  for (const [k, a] of Object.entries<any>(o.pre ?? {})) {
    const key = addrKey(parseAddress(k, 'pre address'));
    const storage = new Map<bigint, bigint>();
    for (const [sk, sv] of Object.entries<any>(a?.storage ?? {})) {
      const v = parseQuantity(sv, `pre ${k} storage value`);
      if (v !== 0n) storage.set(parseQuantity(sk, `pre ${k} storage slot`), v);
    }
    pre.set(key, {
      balance: parseQuantity(a?.balance ?? '0', `pre ${k} balance`),
      nonce: parseQuantity(a?.nonce ?? '0', `pre ${k} nonce`),
      code: parseHexBytes(a?.code ?? '0x', `pre ${k} code`),
      storage,
    });
  }
  const b = o.block ?? {};
  const d = defaultBlock();
  const block: BlockEnv = {
    number: b.number !== undefined ? parseQuantity(b.number, 'block.number') : d.number,
    timestamp: b.timestamp !== undefined ? parseQuantity(b.timestamp, 'block.timestamp') : d.timestamp,
    coinbase: b.coinbase !== undefined ? parseAddress(b.coinbase, 'block.coinbase') : d.coinbase,
    gasLimit: b.gasLimit !== undefined ? parseQuantity(b.gasLimit, 'block.gasLimit') : d.gasLimit,
    baseFee: b.baseFee !== undefined ? parseQuantity(b.baseFee, 'block.baseFee') : d.baseFee,
    prevRandao: b.prevRandao !== undefined ? padWord(parseHexBytes(b.prevRandao, 'block.prevRandao')) : d.prevRandao,
    chainId: b.chainId !== undefined ? parseQuantity(b.chainId, 'block.chainId') : d.chainId,
    excessBlobGas: b.excessBlobGas !== undefined ? parseQuantity(b.excessBlobGas, 'block.excessBlobGas') : d.excessBlobGas,
  };
  const f = parseForkName(fork)!;
  if (f >= Fork.Cancun && block.excessBlobGas > maxExcessBlobGas(f)) {
    throw new InputError(`block.excessBlobGas: above ${maxExcessBlobGas(f)}, the blob base fee would not fit in 256 bits`);
  }
  const gas = parseQuantity(o.gas ?? '10000000', 'gas');
  if (gas >= 1n << 64n) throw new InputError('gas: at most 2^64-1 (a uint64 gas limit)');
  return {
    id: String(o.id ?? defaultId),
    fork,
    code,
    calldata: parseHexBytes(o.calldata ?? '0x', 'calldata'),
    gas,
    value: parseQuantity(o.value ?? '0', 'value'),
    caller: parseAddress(o.caller ?? DEFAULT_CALLER, 'caller'),
    address,
    pre,
    block,
    gasPrice: o.gasPrice !== undefined ? parseQuantity(o.gasPrice, 'gasPrice') : 0n,
  };
}

function padWord(b: Uint8Array): Uint8Array {
  if (b.length > 32) throw new InputError('block.prevRandao: more than 32 bytes');
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}

/** The account the call runs in: its `code` always comes from the case, the rest from `pre`. */
export function calledAccount(c: Case): PreAccount {
  const a = c.pre.get(addrKey(c.address));
  return { balance: a?.balance ?? 0n, nonce: a?.nonce ?? 0n, code: c.code, storage: a?.storage ?? new Map() };
}

/** Sort storage entries and format them for a result. */
export function formatStorage(entries: Iterable<[bigint, bigint]>): Record<string, string> {
  const sorted = [...entries].filter(([, v]) => v !== 0n).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, string> = {};
  for (const [k, v] of sorted) out[word(k)] = word(v);
  return out;
}

/** Median of a non-empty list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A case back to its batch JSON shape (the inverse of `parseCase`). */
export function caseToJson(c: Case): Record<string, unknown> {
  const pre: Record<string, unknown> = {};
  for (const [addr, a] of c.pre) {
    const storage: Record<string, string> = {};
    for (const [k, v] of [...a.storage].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) storage[word(k)] = word(v);
    pre[addr] = { balance: a.balance.toString(), nonce: a.nonce.toString(), code: toHex(a.code), storage };
  }
  const b = c.block;
  return {
    id: c.id, fork: c.fork, code: toHex(c.code), calldata: toHex(c.calldata), gas: c.gas.toString(),
    value: c.value.toString(), caller: toHex(c.caller), address: toHex(c.address), pre,
    block: {
      number: b.number.toString(), timestamp: b.timestamp.toString(), coinbase: toHex(b.coinbase),
      gasLimit: b.gasLimit.toString(), baseFee: b.baseFee.toString(), prevRandao: toHex(b.prevRandao),
      chainId: b.chainId.toString(), excessBlobGas: b.excessBlobGas.toString(),
    },
    ...(c.gasPrice ? { gasPrice: c.gasPrice.toString() } : {}),
  };
}
