/**
 * @file Validates the contract corpus (corpus/): the build is up to date with the sources, every
 * ABI function has a case, cases.jsonl matches cases.json, and every case behaves as designed on
 * @ethereumjs/evm — the designed status and, through small independent models written here with
 * BigInt and @noble/hashes (never copied from a run), the exact output, revert data, touched
 * storage and logs.
 *
 * A model describes what the Solidity source is specified to do; when a model and the reference
 * EVM disagree, either the contract, the case or the model is wrong — all three are ours.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Common, Mainnet } from '@ethereumjs/common';
import { createEVM } from '@ethereumjs/evm';
import { Address, bigIntToBytes, createAccount, setLengthLeft } from '@ethereumjs/util';
import { describe, expect, test } from 'vitest';
import { type Case, DEFAULT_CALLER, addrKey, calledAccount, toHex } from '../../runtime/harness/case.ts';
import {
  type AbiValue,
  BUILD_DIR,
  CONTRACTS_DIR,
  CORPUS_DIR,
  type CorpusCase,
  type CorpusEntry,
  arraySlot,
  bytesToBig,
  concatBytes,
  corpusCaseToJson,
  encodeArgs,
  encodeCall,
  keccak,
  loadCorpus,
  mappingSlot,
  readAbi,
  readManifest,
  sha256Hex,
  wordBytes,
} from '../../corpus/index.ts';

const M256 = 1n << 256n;
const MAX = M256 - 1n;
const u = (x: bigint): bigint => BigInt.asUintN(256, x);
const s = (x: bigint): bigint => BigInt.asIntN(256, x);
const utf8 = (t: string): Uint8Array => new TextEncoder().encode(t);
const hex = (b: Uint8Array): string => toHex(b);
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));

// ---------------------------------------------------------------------------------------------
// Running a case on @ethereumjs/evm
// ---------------------------------------------------------------------------------------------

interface RunResult {
  status: 'success' | 'revert' | 'halt';
  error: string | null;
  output: Uint8Array;
  gasUsed: bigint;
  logs: { address: Uint8Array; topics: bigint[]; data: Uint8Array }[];
  storage: (slot: bigint) => Promise<bigint>;
}

/** EIP-4844 fake_exponential(MIN_BLOB_BASE_FEE = 1, excess, BLOB_BASE_FEE_UPDATE_FRACTION (Cancun)). */
function blobBaseFee(excess: bigint): bigint {
  const denominator = 3338477n;
  let i = 1n;
  let output = 0n;
  let acc = 1n * denominator;
  while (acc > 0n) {
    output += acc;
    acc = (acc * excess) / (denominator * i);
    i++;
  }
  return output / denominator;
}

async function runOnEthereumjs(c: Case): Promise<RunResult> {
  // Mainnet's chain id is 1; corpus cases never override it.
  expect(c.block.chainId).toBe(1n);
  const evm = await createEVM({ common: new Common({ chain: Mainnet, hardfork: c.fork }) });
  const sm = evm.stateManager;
  const slotKey = (k: bigint): Uint8Array => setLengthLeft(bigIntToBytes(k), 32);
  const accounts = new Map(c.pre);
  accounts.set(addrKey(c.address), calledAccount(c));
  for (const [key, a] of accounts) {
    const addr = new Address(fromHex(key));
    await sm.putAccount(addr, createAccount({ nonce: a.nonce, balance: a.balance }));
    if (a.code.length) await sm.putCode(addr, a.code);
    for (const [k, v] of a.storage) await sm.putStorage(addr, slotKey(k), bigIntToBytes(v));
  }
  const b = c.block;
  const block = {
    header: {
      number: b.number, coinbase: new Address(b.coinbase), timestamp: b.timestamp, difficulty: 0n,
      prevRandao: b.prevRandao, gasLimit: b.gasLimit, baseFeePerGas: b.baseFee, slotNumber: 0n,
      getBlobGasPrice: () => blobBaseFee(b.excessBlobGas),
    },
  };
  const to = new Address(c.address);
  const res = await evm.runCall({
    caller: new Address(c.caller), origin: new Address(c.caller), to, data: c.calldata, value: c.value,
    gasLimit: c.gas, block,
  });
  const r = res.execResult;
  const error = r.exceptionError?.error ?? null;
  return {
    status: error === null ? 'success' : error === 'revert' ? 'revert' : 'halt',
    error,
    output: r.returnValue,
    gasUsed: r.executionGasUsed,
    logs: (r.logs ?? []).map(([address, topics, data]) => ({ address, topics: topics.map(bytesToBig), data })),
    storage: async (slot) => bytesToBig(await sm.getStorage(to, slotKey(slot))),
  };
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/** What a model predicts. Fields left undefined are not checked. */
interface Outcome {
  status: 'success' | 'revert' | 'halt';
  output?: Uint8Array;
  /** Every slot listed must hold this value after the call. */
  storage?: Map<bigint, bigint>;
  logs?: { topics: bigint[]; data: Uint8Array }[];
  /** Only the number of logs (for the big loops). */
  logCount?: number;
  /** Free-form extra check on the result. */
  check?: (r: RunResult) => void;
}

interface Ctx {
  e: CorpusEntry;
  c: Case;
  caller: bigint;
  address: bigint;
  /** Pre-state storage of the called contract. */
  pre: (slot: bigint) => bigint;
}

type Model = (args: AbiValue[], ctx: Ctx) => Outcome;

/** ABI encoding of expected outputs; bigint values are accepted and written as decimal. */
function abi(types: string[], values: (bigint | string | boolean | Uint8Array | bigint[])[]): Uint8Array {
  const conv = (v: bigint | string | boolean | Uint8Array | bigint[]): AbiValue =>
    typeof v === 'bigint' ? v.toString()
    : v instanceof Uint8Array ? hex(v)
    : Array.isArray(v) ? v.map((x) => x.toString())
    : v;
  return encodeArgs(types, values.map(conv));
}
const panic = (code: number): Outcome => ({ status: 'revert', output: encodeCall('Panic(uint256)', [String(code)]) });
const errorString = (msg: string): Outcome => ({ status: 'revert', output: encodeCall('Error(string)', [msg]) });
const bareRevert: Outcome = { status: 'revert', output: new Uint8Array(0) };
const ok = (types: string[], values: Parameters<typeof abi>[1], extra: Partial<Outcome> = {}): Outcome => ({
  status: 'success', output: abi(types, values), ...extra,
});
const big = (v: AbiValue): bigint => {
  const t = String(v);
  return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
};
const addr = (v: AbiValue, ctx: Ctx): bigint => (v === '$caller' ? ctx.caller : v === '$address' ? ctx.address : BigInt(String(v)));
const sig = (t: string): bigint => bytesToBig(keccak(utf8(t)));

/** The LCG shared by Sort, Signed and Dispatch: x * 6364136223846793005 + 1442695040888963407 mod 2^256. */
const lcg = (x: bigint): bigint => u(x * 6364136223846793005n + 1442695040888963407n);

/** Copy-on-write view of the contract storage for the stateful models. */
class Store {
  readonly touched = new Map<bigint, bigint>();
  constructor(private readonly ctx: Ctx) {}
  get(k: bigint): bigint {
    return this.touched.has(k) ? this.touched.get(k)! : this.ctx.pre(k);
  }
  set(k: bigint, v: bigint): void {
    this.touched.set(k, u(v));
  }
}

// --- Token ------------------------------------------------------------------------------------
const TRANSFER = sig('Transfer(address,address,uint256)');
const APPROVAL = sig('Approval(address,address,uint256)');
const BAL = (a: bigint): bigint => mappingSlot(0n, a);
const ALLOW = (o: bigint, sp: bigint): bigint => mappingSlot(mappingSlot(1n, o), sp);

function tokenTransfer(st: Store, from: bigint, to: bigint, v: bigint, logs: Outcome['logs']): Outcome | null {
  const b = st.get(BAL(from));
  if (b < v) return { status: 'revert', output: encodeCall('InsufficientBalance(uint256,uint256)', [b.toString(), v.toString()]) };
  st.set(BAL(from), b - v);
  st.set(BAL(to), st.get(BAL(to)) + v);
  logs!.push({ topics: [TRANSFER, from, to], data: wordBytes(v) });
  return null;
}

const tokenModels: Record<string, Model> = {
  transfer: ([to, v], ctx) => {
    const st = new Store(ctx);
    const logs: Outcome['logs'] = [];
    const err = tokenTransfer(st, ctx.caller, addr(to, ctx), big(v), logs);
    return err ?? ok(['bool'], [true], { storage: st.touched, logs });
  },
  approve: ([sp, v], ctx) => {
    const st = new Store(ctx);
    st.set(ALLOW(ctx.caller, addr(sp, ctx)), big(v));
    return ok(['bool'], [true], { storage: st.touched, logs: [{ topics: [APPROVAL, ctx.caller, addr(sp, ctx)], data: wordBytes(big(v)) }] });
  },
  transferFrom: ([from, to, v], ctx) => {
    const st = new Store(ctx);
    const f = addr(from, ctx);
    const a = st.get(ALLOW(f, ctx.caller));
    if (a !== MAX) {
      if (a < big(v)) return { status: 'revert', output: encodeCall('InsufficientAllowance(uint256,uint256)', [a.toString(), String(v)]) };
      st.set(ALLOW(f, ctx.caller), a - big(v));
    } else {
      st.set(ALLOW(f, ctx.caller), MAX); // unchanged: listed so the test checks it stays max
    }
    const logs: Outcome['logs'] = [];
    return tokenTransfer(st, f, addr(to, ctx), big(v), logs) ?? ok(['bool'], [true], { storage: st.touched, logs });
  },
  mint: ([to, v], ctx) => {
    const st = new Store(ctx);
    if (ctx.pre(3n) !== ctx.caller) return { status: 'revert', output: encodeCall('NotOwner(address)', ['0x' + ctx.caller.toString(16).padStart(40, '0')]) };
    const total = st.get(2n) + big(v);
    if (total > MAX) return panic(0x11);
    st.set(2n, total);
    st.set(BAL(addr(to, ctx)), st.get(BAL(addr(to, ctx))) + big(v));
    return { status: 'success', output: new Uint8Array(0), storage: st.touched, logs: [{ topics: [TRANSFER, 0n, addr(to, ctx)], data: wordBytes(big(v)) }] };
  },
  bench: ([n], ctx) => {
    const st = new Store(ctx);
    const logs: Outcome['logs'] = [];
    for (let i = 0n; i < big(n); i++) {
      const err = tokenTransfer(st, ctx.caller, 0xbeef0000n + (i & 7n), 1n, logs);
      if (err) return { ...err, storage: new Map([[BAL(ctx.caller), ctx.pre(BAL(ctx.caller))]]) }; // all rolled back
    }
    return ok(['uint256'], [st.get(BAL(ctx.caller))], { storage: st.touched, logCount: logs.length });
  },
  balanceOf: ([a], ctx) => ok(['uint256'], [ctx.pre(BAL(addr(a, ctx)))]),
  allowance: ([o, sp], ctx) => ok(['uint256'], [ctx.pre(ALLOW(addr(o, ctx), addr(sp, ctx)))]),
  totalSupply: (_, ctx) => ok(['uint256'], [ctx.pre(2n)]),
  owner: (_, ctx) => ok(['address'], ['0x' + ctx.pre(3n).toString(16).padStart(40, '0')]),
  name: () => ok(['string'], ['Corpus Token']),
  symbol: () => ok(['string'], ['CORP']),
  decimals: () => ok(['uint8'], [18n]),
};

// --- Fib ----------------------------------------------------------------------------------------
function fibMod(n: bigint): bigint {
  let a = 0n;
  let b = 1n;
  for (let i = 0n; i < n; i++) [a, b] = [b, u(a + b)];
  return a;
}
const fibModels: Record<string, Model> = {
  fib: ([n]) => ok(['uint256'], [fibMod(big(n))]),
  fibChecked: ([n]) => {
    let a = 0n;
    let b = 1n;
    for (let i = 0n; i < big(n); i++) {
      if (a + b > MAX) return panic(0x11);
      [a, b] = [b, a + b];
    }
    return ok(['uint256'], [a]);
  },
  fibRec: ([n]) => ok(['uint256'], [fibMod(big(n))]),
};

// --- Sort ---------------------------------------------------------------------------------------
function lcgSeq(n: bigint, seed: bigint): bigint[] {
  const out: bigint[] = [];
  let x = seed;
  for (let i = 0n; i < n; i++) out.push((x = lcg(x)));
  return out;
}
const checksum = (xs: bigint[]): Uint8Array => keccak(concatBytes(xs.map(wordBytes)));
const sortBig = (xs: bigint[]): bigint[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const sortModels: Record<string, Model> = {
  sort: ([n, seed]) => ok(['bytes32'], [checksum(sortBig(lcgSeq(big(n), big(seed))))]),
  sortMod: ([n, seed, m]) => {
    if (big(m) === 0n && big(n) > 0n) return panic(0x12);
    return ok(['bytes32'], [checksum(sortBig(lcgSeq(big(n), big(seed)).map((x) => (x >> 128n) % big(m))))]);
  },
  sortedOk: () => ok(['bool'], [true]),
};

// --- KeccakLoop ---------------------------------------------------------------------------------
const keccakModels: Record<string, Model> = {
  chain: ([seed, n]) => {
    let h = fromHex(String(seed));
    for (let i = 0n; i < big(n); i++) h = keccak(h);
    return ok(['bytes32'], [h]);
  },
  chainIndexed: ([seed, n]) => {
    let h = fromHex(String(seed));
    for (let i = 0n; i < big(n); i++) h = keccak(concatBytes([h, wordBytes(i)]));
    return ok(['bytes32'], [h]);
  },
  prefixes: ([n]) => {
    const buf = Uint8Array.from({ length: Number(n) }, (_, i) => (7 * i + 3) & 0xff);
    let acc = 0n;
    for (let len = 0; len <= Number(n); len++) acc ^= bytesToBig(keccak(buf.slice(0, len)));
    return ok(['bytes32'], [wordBytes(acc)]);
  },
};

// --- AbiStrings ---------------------------------------------------------------------------------
const abiStringsModels: Record<string, Model> = {
  toString: ([v]: AbiValue[]) => ok(['string'], [big(v).toString()]),
  greet: ([name, n]) => {
    let out = `Hello, ${name}!`;
    for (let i = 0; i < Number(n); i++) out += ` #${i}`;
    return ok(['string'], [out]);
  },
  roundTrip: ([values, name]) => {
    const xs = (values as AbiValue[]).map(big);
    let sum = 0n;
    for (const x of xs) if ((sum += x) > MAX) return panic(0x11);
    const nameLen = utf8(String(name)).length;
    // abi.encode(Item): offset word + 4 head words + name (length + padded bytes) + values (length + words)
    const encodedLength = 32 + 128 + 32 + Math.ceil(nameLen / 32) * 32 + 32 + 32 * xs.length;
    return ok(['uint256', 'string', 'uint256'], [sum, `${name}/${xs.length}`, BigInt(encodedLength)]);
  },
  reverse: ([data]) => ok(['bytes'], [fromHex(String(data)).reverse()]),
  toHex: ([v]) => ok(['string'], [String(v).toLowerCase()]),
  slice: ([data, start, end]) => {
    const d = fromHex(String(data));
    if (big(start) > big(end) || big(end) > BigInt(d.length)) return bareRevert;
    return ok(['bytes'], [d.slice(Number(start), Number(end))]);
  },
  packed: ([a, b, c, d], ctx) =>
    ok(['bytes'], [concatBytes([wordBytes(big(a)), wordBytes(addr(b, ctx)).slice(12), Uint8Array.of(c ? 1 : 0), utf8(String(d))])]),
};

// --- Signed -------------------------------------------------------------------------------------
/** Solidity's int division/modulo truncate toward zero, exactly like BigInt's / and %. */
const signedModels: Record<string, Model> = {
  mix: ([seed, n]) => {
    let x = s(big(seed));
    let acc = 0n;
    for (let i = 0n; i < big(n); i++) {
      x = s(x * 6364136223846793005n + 1442695040888963407n);
      let d = BigInt.asIntN(8, x);
      let e = BigInt.asIntN(16, x >> 8n);
      if (d === 0n) d = -3n;
      if (e === 0n) e = 5n;
      acc = s(acc + s(x / d));
      acc = s(acc - x % e);
      acc = s(acc ^ (x >> (i & 255n)));
      if (x < acc) acc = s(acc + 1n);
      else if (x > acc) acc = s(acc - 1n);
      if (d < e) acc = s(-acc);
    }
    return ok(['int256'], [acc]);
  },
  ops: ([av, bv]) => {
    const a = big(av);
    const b = big(bv);
    if (b === 0n) return panic(0x12);
    return ok(
      ['int256', 'int256', 'int256', 'bool', 'bool', 'int256', 'int256'],
      [s(a / b), a % b, a >> (u(b) & 255n), a < b, a > b, BigInt.asIntN(8, a), BigInt.asIntN(16, b)],
    );
  },
  neg: ([a]) => (big(a) === -(1n << 255n) ? panic(0x11) : ok(['int256'], [-big(a)])),
};

// --- Transient ----------------------------------------------------------------------------------
const transientModels: Record<string, Model> = {
  count: ([n], ctx) => ok(['uint256'], [big(n)], { storage: new Map([[0n, u(ctx.pre(0n) + big(n))]]) }),
  reenter: () => ({ status: 'revert', output: encodeCall('Reentrant()') }),
  lockStates: () => ok(['uint256', 'uint256', 'uint256'], [0n, 1n, 0n]),
  tsum: ([n]) => {
    let sum = 0n;
    for (let i = 0n; i < big(n); i++) sum += i * i + 1n;
    return ok(['uint256'], [sum], { storage: new Map([[0n, 0n]]) });
  },
  separate: ([v]) => ok(['uint256', 'uint256'], [big(v), big(v) + 1n], { storage: new Map([[5n, big(v)]]) }),
  total: (_, ctx) => ok(['uint256'], [ctx.pre(0n)]),
};

// --- StorageHeavy -------------------------------------------------------------------------------
const DATA = (k: bigint): bigint => mappingSlot(0n, k);
const LIST = (i: bigint): bigint => arraySlot(2n, i);
const storageModels: Record<string, Model> = {
  fill: ([start, n, v], ctx) => {
    const st = new Store(ctx);
    for (let i = 0n; i < big(n); i++) {
      if (st.get(DATA(big(start) + i)) === 0n) st.set(1n, st.get(1n) + 1n);
      st.set(DATA(big(start) + i), big(v) + i);
    }
    return { status: 'success', output: new Uint8Array(0), storage: st.touched };
  },
  clear: ([start, n], ctx) => {
    const st = new Store(ctx);
    for (let i = 0n; i < big(n); i++) {
      if (st.get(DATA(big(start) + i)) !== 0n) st.set(1n, st.get(1n) - 1n);
      st.set(DATA(big(start) + i), 0n);
    }
    return { status: 'success', output: new Uint8Array(0), storage: st.touched };
  },
  churn: ([key, rounds], ctx) =>
    ok(['uint256'], [big(rounds) + 1n], { storage: new Map([[DATA(big(key)), ctx.pre(DATA(big(key)))]]) }),
  swap: ([a, b], ctx) => {
    const st = new Store(ctx);
    const [x, y] = [st.get(DATA(big(a))), st.get(DATA(big(b)))];
    st.set(DATA(big(a)), y);
    st.set(DATA(big(b)), x);
    return { status: 'success', output: new Uint8Array(0), storage: st.touched };
  },
  push: ([n], ctx) => {
    const st = new Store(ctx);
    const len0 = st.get(2n);
    for (let i = 0n; i < big(n); i++) st.set(LIST(len0 + i), i + 1n);
    st.set(2n, len0 + big(n));
    for (let i = 0n; i < len0; i++) st.set(LIST(i), ctx.pre(LIST(i))); // old elements untouched
    return ok(['uint256'], [len0 + big(n)], { storage: st.touched });
  },
  popAll: (_, ctx) => {
    const st = new Store(ctx);
    let sum = 0n;
    for (let len = st.get(2n); len > 0n; len--) {
      sum += st.get(LIST(len - 1n));
      st.set(LIST(len - 1n), 0n);
      st.set(2n, len - 1n);
    }
    return ok(['uint256'], [sum], { storage: st.touched });
  },
  popOne: (_, ctx) => (ctx.pre(2n) === 0n ? panic(0x31) : { status: 'success' }),
  count: (_, ctx) => ok(['uint256'], [ctx.pre(1n)]),
  data: ([k], ctx) => ok(['uint256'], [ctx.pre(DATA(big(k)))]),
  // Public array getters bounds-check with a plain revert (no Panic data), unlike `list[i]` in code.
  list: ([i], ctx) => (big(i) < ctx.pre(2n) ? ok(['uint256'], [ctx.pre(LIST(big(i)))]) : bareRevert),
};

// --- MemoryHeavy --------------------------------------------------------------------------------
const memoryModels: Record<string, Model> = {
  bigArray: ([n]) => {
    let sum = 0n;
    for (let i = 0n; i < big(n); i++) sum += i * i + 1n;
    return ok(['uint256'], [u(sum)]);
  },
  concat: ([part, times]) => {
    const p = fromHex(String(part));
    const all = concatBytes(Array.from({ length: Number(times) }, () => p));
    return ok(['bytes32', 'uint256'], [keccak(all), BigInt(all.length)]);
  },
  shuffle: ([nv]) => {
    const n = Number(nv);
    if (n < 16) return errorString('n < 16');
    const buf = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) buf[i] = (31 * i) & 0xff;
    // Uint8Array.copyWithin has memmove semantics, like MCOPY.
    buf.copyWithin(7, 0, Math.floor(n / 2));
    buf.copyWithin(0, 3, 3 + (n - 3));
    buf.copyWithin(n, 0, n);
    return ok(['bytes32'], [keccak(buf)]);
  },
  bigReturn: ([n]) => ok(['bytes'], [Uint8Array.from({ length: Number(n) }, (_, i) => i & 0xff)]),
  touch: ([off]) => {
    const o = big(off);
    if (o >= 1n << 32n) return { status: 'halt' }; // expansion gas far beyond any block
    return ok(['uint256'], [1n << (8n * (31n - (o % 32n)))]);
  },
};

// --- Dispatch -----------------------------------------------------------------------------------
function dispatchModel(seed: bigint, n: bigint): bigint {
  let x = seed;
  let acc = 0n;
  let chk = 0n;
  for (let i = 0n; i < n; i++) {
    x = lcg(x);
    switch (Number((x >> 200n) % 12n)) {
      case 0: acc = u(acc + x); break;
      case 1: acc ^= x; break;
      case 2: acc = u(acc * 3n + 1n); break;
      case 3: acc = u(acc - (x >> 7n)); break;
      case 4: acc |= x & 0xffffn; break;
      case 5: acc &= MAX ^ u(x << 3n); break;
      case 6: acc = u(acc << 1n) | (acc >> 255n); break;
      case 7: acc = acc / ((x & 0xffn) + 1n); break;
      case 8: acc = u((acc % (((x >> 8n) & 0xffffn) + 1n)) + x); break;
      case 9: acc = (acc + x) % 1000003n; break;
      case 10: acc = (acc * (x | 1n)) % MAX; break;
      default: acc = MAX ^ acc;
    }
    chk = u(chk * 31n + acc);
  }
  return chk;
}
const dispatchRun: Model = ([seed, n]) => ok(['uint256'], [dispatchModel(big(seed), big(n))]);
const dispatchModels: Record<string, Model> = {
  runIf: dispatchRun,
  runSwitch: dispatchRun,
  runTable: dispatchRun,
  spin: () => ({ status: 'halt' }),
  boom: () => ({ status: 'halt', check: (r) => expect(r.error).toBe('invalid opcode') }),
};

// --- ModExp -------------------------------------------------------------------------------------
function powmod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n % m;
  for (let base = b % m; e > 0n; e >>= 1n, base = (base * base) % m) if (e & 1n) r = (r * base) % m;
  return r;
}
const modexpModels: Record<string, Model> = {
  modexp: ([b, e, m]) => (big(m) === 0n ? panic(0x12) : ok(['uint256'], [powmod(big(b), big(e), big(m))])),
  probablyPrime: ([pv]) => {
    const p = big(pv);
    const prime = p >= 2n && [2n, 3n, 5n, 7n].every((a) => a % p === 0n || powmod(a, p - 1n, p) === 1n);
    return ok(['bool'], [prime]);
  },
  powChain: ([seed, n, m]) => {
    let x = big(seed);
    for (let i = 0n; i < big(n); i++) x = powmod(x, x | 1n, big(m));
    return ok(['uint256'], [x]);
  },
  addmulChain: ([n, m]) => {
    let acc = 0n;
    for (let i = 0n; i < big(n); i++) {
      acc = (acc + (MAX - i)) % big(m);
      acc = (acc * u(acc + i)) % big(m);
    }
    return ok(['uint256'], [acc]);
  },
};

// --- Bits ---------------------------------------------------------------------------------------
const opByte = (i: bigint, x: bigint): bigint => (i < 32n ? (x >> (8n * (31n - i))) & 0xffn : 0n);
const opShl = (sh: bigint, x: bigint): bigint => (sh < 256n ? u(x << sh) : 0n);
const opShr = (sh: bigint, x: bigint): bigint => (sh < 256n ? x >> sh : 0n);
const opSar = (sh: bigint, x: bigint): bigint => u(s(x) >> (sh < 256n ? sh : 256n));
const opSignextend = (b: bigint, x: bigint): bigint => (b < 31n ? u(BigInt.asIntN(Number(8n * b + 8n), x)) : x);
const bitsModels: Record<string, Model> = {
  ops: ([xv, sv]) => {
    const [x, sh] = [big(xv), big(sv)];
    return ok(['uint256', 'uint256', 'uint256', 'uint256', 'uint256'], [opByte(sh, x), opShl(sh, x), opShr(sh, x), opSar(sh, x), opSignextend(sh, x)]);
  },
  mix: ([seed, n]) => {
    let x = big(seed);
    let acc = 0n;
    for (let i = 0n; i < big(n); i++) {
      const sh = (i * 37n) % 300n;
      acc ^= opShl(sh % 256n, opByte(sh % 40n, x));
      acc = u(acc + opShl(sh, x));
      acc ^= opShr(sh, acc);
      acc = u(acc + opSar(sh, x));
      acc ^= opSignextend(sh % 40n, acc);
      x = (MAX ^ x) ^ acc;
    }
    return ok(['uint256'], [acc]);
  },
  popcount: ([x]) => ok(['uint256'], [BigInt([...big(x).toString(2)].filter((c) => c === '1').length)]),
  clz: ([x]) => ok(['uint256'], [big(x) === 0n ? 256n : BigInt(256 - big(x).toString(2).length)]),
  bswap: ([x]) => ok(['uint256'], [bytesToBig(wordBytes(big(x)).reverse())]),
};

// --- Events -------------------------------------------------------------------------------------
const eventsModels: Record<string, Model> = {
  emitAll: ([n], ctx) => {
    const logs: NonNullable<Outcome['logs']> = [];
    for (let i = 0n; i < big(n); i++) {
      logs.push({ topics: [], data: new Uint8Array(0) });
      logs.push({ topics: [sig('Value(uint256)')], data: wordBytes(i) });
      logs.push({ topics: [sig('Indexed(uint256,uint256)'), i], data: wordBytes(2n * i) });
      logs.push({ topics: [sig('Both(address,bytes32,string)'), ctx.caller, i], data: abi(['string'], ['note']) });
      logs.push({ topics: [sig('Full(uint256,address,bytes32,uint256)'), i, ctx.address, bytesToBig(keccak(wordBytes(i)))], data: wordBytes(MAX - i) });
      logs.push({ topics: [i, i + 1n, i + 2n, i + 3n], data: new Uint8Array(0) });
    }
    return ok(['uint256'], [6n * big(n)], big(n) > 10n ? { logCount: logs.length } : { logs });
  },
  raw: ([k, data]) => {
    if (big(k) > 4n) return errorString('too many topics');
    const topics = Array.from({ length: Number(k) }, (_, j) => BigInt(j + 1));
    return { status: 'success', output: new Uint8Array(0), logs: [{ topics, data: fromHex(String(data)) }] };
  },
  emitThenRevert: () => ({ ...errorString('discarded'), logs: [] }),
};

// --- Env ----------------------------------------------------------------------------------------
const envModels: Record<string, Model> = {
  blockInfo: (_, { c }) => {
    const b = c.block;
    return ok(Array(8).fill('uint256'), [
      b.number, b.timestamp, b.chainId, b.baseFee, bytesToBig(b.coinbase), b.gasLimit, bytesToBig(b.prevRandao), blobBaseFee(b.excessBlobGas),
    ]);
  },
  msgInfo: (_, ctx) =>
    ok(Array(8).fill('uint256'), [
      ctx.caller, ctx.caller, ctx.address, ctx.c.value, (ctx.c.pre.get(addrKey(ctx.c.address))?.balance ?? 0n) + ctx.c.value,
      BigInt(ctx.c.code.length), BigInt(ctx.c.calldata.length), 0n,
    ]),
  nonPayable: () => ok(['uint256'], [1n]),
  gasLeft: (_, { c }) => ({
    status: 'success',
    check: (r) => {
      const left = bytesToBig(r.output);
      expect(left < c.gas && left > c.gas - 1000n, `gasleft ${left}`).toBe(true);
    },
  }),
  balanceOf: ([a], ctx) => ok(['uint256'], [ctx.c.pre.get(addrKey(wordBytes(addr(a, ctx)).slice(12)))?.balance ?? 0n]),
  codeHash: (_, { c }) => ok(['bytes32'], [keccak(c.code)]),
};

const MODELS: Record<string, Record<string, Model>> = {
  Token: tokenModels, Fib: fibModels, Sort: sortModels, KeccakLoop: keccakModels, AbiStrings: abiStringsModels,
  Signed: signedModels, Transient: transientModels, StorageHeavy: storageModels, MemoryHeavy: memoryModels,
  Dispatch: dispatchModels, ModExp: modexpModels, Bits: bitsModels, Events: eventsModels, Env: envModels,
};

/** The outcome the case is designed to have: generic ABI-level rules first, then the model. */
function predict(cc: CorpusCase): Outcome {
  const { entry: e, case: c } = cc;
  const base = e.contract.replace(/\.noopt$/, '');
  // Unknown selector / empty calldata: no fallback or receive function → plain revert.
  if (e.call === undefined) return bareRevert;
  const fn = e.call.slice(0, e.call.indexOf('('));
  const abiFn = readAbi(e.contract).find((x) => x.type === 'function' && x.name === fn);
  if (!abiFn) throw new Error(`${e.id}: ${fn} not in the ABI of ${e.contract}`);
  // Malformed ABI input and value sent to a non-payable function are rejected before any code runs.
  if (e.rawArgs !== undefined) return bareRevert;
  if (c.value > 0n && abiFn.stateMutability !== 'payable') return bareRevert;
  // Deliberately tight gas limits: the model cannot know the gas cost, the case states it.
  if (e.expect === 'halt' && e.gas !== undefined) return { status: 'halt' };
  const model = MODELS[base]?.[fn];
  if (!model) throw new Error(`${e.id}: no model for ${base}.${fn}`);
  const store = c.pre.get(addrKey(c.address))?.storage ?? new Map<bigint, bigint>();
  return model(e.args ?? [], {
    e, c, caller: bytesToBig(c.caller), address: bytesToBig(c.address), pre: (k) => store.get(k) ?? 0n,
  });
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const corpus = loadCorpus();

describe('corpus build', () => {
  const manifest = readManifest();
  const sources = readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.sol')).sort();

  test('every source is built from its current content', () => {
    expect(Object.keys(manifest.sources).sort()).toEqual(sources);
    for (const f of sources) {
      expect(manifest.sources[f], `${f} changed since the last build: run npx tsx corpus/build.ts`).toBe(
        sha256Hex(readFileSync(join(CONTRACTS_DIR, f), 'utf8')),
      );
    }
  });

  test('every built contract has a runtime and an ABI; every source yields a contract', () => {
    for (const [name, info] of Object.entries(manifest.contracts)) {
      const bin = readFileSync(join(BUILD_DIR, `${name}.bin`), 'utf8').trim();
      expect(bin, name).toMatch(/^([0-9a-f]{2})+$/);
      expect(bin.length / 2, name).toBe(info.runtimeBytes);
      expect(Array.isArray(readAbi(name)), name).toBe(true);
    }
    for (const f of sources) expect(Object.values(manifest.contracts).some((c) => c.source === f), f).toBe(true);
  });

  test('cases.jsonl is regenerated from cases.json', () => {
    const want = corpus.map((cc) => JSON.stringify(corpusCaseToJson(cc.case))).join('\n') + '\n';
    expect(readFileSync(join(CORPUS_DIR, 'cases.jsonl'), 'utf8') === want, 'stale: run npx tsx corpus/build.ts').toBe(true);
  });

  test('every function of every optimised contract has a case', () => {
    for (const [name, info] of Object.entries(manifest.contracts)) {
      if (!info.optimizer) continue;
      for (const f of readAbi(name).filter((x) => x.type === 'function')) {
        const signature = `${f.name}(${f.inputs.map((i: any) => i.type).join(',')})`;
        expect(corpus.some((cc) => cc.entry.contract === name && cc.entry.call === signature), `${name}.${signature}`).toBe(true);
      }
    }
  });

  test('the ABI encoder matches known vectors', () => {
    // ERC20 transfer selector and a hand-checked dynamic encoding (Solidity ABI spec example shape).
    expect(hex(encodeCall('transfer(address,uint256)', ['0x00000000000000000000000000000000000000ff', '1'])).slice(0, 10)).toBe('0xa9059cbb');
    expect(hex(encodeArgs(['string'], ['ab']))).toBe(
      '0x' + '20'.padStart(64, '0') + '2'.padStart(64, '0') + '6162'.padEnd(64, '0'),
    );
    expect(hex(encodeArgs(['int8'], ['-1']))).toBe('0x' + 'f'.repeat(64));
    expect(bytesToBig(fromHex(DEFAULT_CALLER))).toBe(0x1000000000000000000000000000000000000001n);
  });

  test('the corpus has the intended mix of statuses and bench cases', () => {
    const count = (k: string): number => corpus.filter((cc) => cc.entry.expect === k).length;
    expect(count('revert')).toBeGreaterThanOrEqual(10);
    expect(count('halt')).toBeGreaterThanOrEqual(5);
    expect(corpus.filter((cc) => cc.entry.bench).length).toBeGreaterThanOrEqual(10);
  });
});

describe('corpus cases on @ethereumjs/evm', () => {
  for (const cc of corpus) {
    const { entry: e, case: c } = cc;
    test(e.id, async () => {
      const want = predict(cc);
      expect(want.status, 'model disagrees with the designed status in cases.json').toBe(e.expect);
      const r = await runOnEthereumjs(c);
      expect(r.status, `error: ${r.error}, output ${hex(r.output)}`).toBe(want.status);
      if (r.status === 'halt') expect(r.gasUsed, 'an exceptional halt consumes all gas').toBe(c.gas);
      if (want.output) expect(hex(r.output)).toBe(hex(want.output));
      for (const [slot, v] of want.storage ?? []) expect(await r.storage(slot), `slot ${slot.toString(16)}`).toBe(v);
      if (want.logs) {
        expect(r.logs.map((l) => ({ topics: l.topics, data: hex(l.data) }))).toEqual(
          want.logs.map((l) => ({ topics: l.topics, data: hex(l.data) })),
        );
        for (const l of r.logs) expect(hex(l.address)).toBe(hex(c.address));
      }
      if (want.logCount !== undefined) expect(r.logs.length).toBe(want.logCount);
      if (r.status !== 'success') expect(r.logs.length, 'logs of a failed call are discarded').toBe(0);
      want.check?.(r);
    }, 20_000);
  }
});
