/**
 * @file Loads the shared benchmark corpus (`../shared/bench`, see its INDEX.md files) as batch {@link Case}s, with the
 * expected results of `reference-results.ethereumjs.jsonl` (computed with @ethereumjs/evm 10.1.3) matched by id.
 *
 * Fork: the reference's fork when the jsonl has the id, else Cancun (`DEFAULT_FORK`).
 * Input: the shared directory (`MEVMC_SHARED`, default `<repo>/../shared`). Output: {@link BenchCase}s whose `case.id`
 * is the reference id (`revmc__weth`, `evmb__main__sha1_divs__empty`, `evmbench__erc20.transfer`,
 * `mega__fib_handcoded__N1000`, ...). Sources and how each becomes a Case:
 * - `revmc/*.json` (state-test-like fixtures): caller = `transaction[0].sender`, address = `transaction[0].to`, code =
 *   that account's code, the whole `pre` (multi-contract fixtures included), `env` → block, gas = tx gasLimit,
 *   `gasPrice` = tx gasPrice (an extra field, see `ReferenceCase`: burntpix reads GASPRICE and only reproduces the
 *   reference gas with gasPrice 10).
 * - `evm-benchmarks/benchmarks/{main,micro}/*.json` (GeneralStateTests, London): one case per `post.London` entry
 *   (data index → `_info.labels`), caller = sender, address = `to`, `pre`, `env`, gas = tx gasLimit (1e9), gasPrice 1.
 * - `evmone-compiler/*.rt.hex` (the reference ran them on Shanghai): fib ×3 with N = 1000 / 2000 (the reference
 *   inputs) and N = 1e8 (the README's table; `heavy`, no expected result), snailtracer, and `fib-loop.hex` (not in
 *   the index; no expected result); default caller/address/block, gas 1e12.
 * - `evm-bench/compiled/*` (Cancun): these need their constructor. The loaded case carries `deploy` (init code, caller
 *   `DEFAULT_CALLER`) and is completed by {@link prepareBenchCase}, which runs the constructor through ethereumjs once
 *   (`deployReference`) and puts the deployed account (runtime code, constructor storage, nonce 1) into `pre`; the
 *   call then runs from `DEFAULT_CALLER` with calldata `30627b7c` in a fresh (cold) EVM, like every other case.
 * Skipped (listed in `skipped` with the reason): `revmc/legacy-rt-hex/*` (older copies of the fixture bytecode).
 */

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from './package-root.ts';

import {
  type BlockEnv,
  type Case,
  type CaseResult,
  type ForkName,
  type PreAccount,
  DEFAULT_CALLER,
  FORK_NAMES,
  addrKey,
  defaultBlock,
  parseCase,
  parseFork,
  parseHexBytes,
  parseQuantity,
} from './case.ts';
import { type ReferenceCase, deployReference } from './reference/ethereumjs.ts';

/** Expected outcome of a benchmark, from `reference-results.ethereumjs.jsonl`. */
export interface BenchExpected {
  status: CaseResult['status'];
  /** Decimal execution gas (@ethereumjs/evm `executionGasUsed`). */
  gasUsed: string;
  /** 0x-hex return data; only a prefix of it when `outputTruncated` (the jsonl keeps the first 264 bytes). */
  output: string;
  /** Full length of the return data in bytes. */
  outputBytes: number;
  /** True when `output` is a prefix (`0x<hex>...(<n> bytes)` in the jsonl: burntpix, onchain-lm-v2). */
  outputTruncated?: boolean;
  /** Number of logs emitted (when the reference recorded it). */
  logs?: number;
}

/** A constructor to run before the benchmark call (see {@link prepareBenchCase}). */
export interface BenchDeploy {
  initCode: Uint8Array;
  caller: Uint8Array;
  /** Deployment gas and address recorded by the reference, when known. */
  expectedGas?: string;
  expectedAddress?: string;
  /** Set by {@link prepareBenchCase} once the deployed account is in `case.pre`. */
  done?: boolean;
  /** Execution gas of the constructor, set by {@link prepareBenchCase}. */
  gasUsed?: string;
}

/** A case plus the fixture's transaction gas price (GASPRICE), read by the reference as {@link ReferenceCase}. */
export type BenchCaseInput = ReferenceCase;

export interface BenchCase {
  /** The case; `gasPrice` is set (from the fixture's transaction) for revmc and evm-benchmarks cases. */
  case: BenchCaseInput;
  expected?: BenchExpected;
  /** Human-readable name: `<source>/<program>[/<input label>]`. */
  name: string;
  /** Folder of the shared corpus: 'revmc' | 'evm-benchmarks' | 'evm-bench' | 'evmone-compiler'. */
  source: string;
  /** Wall time of the reference run in ms (ethereumjs, from the jsonl), to pick cheap cases. */
  refMs?: number;
  /** Needs a constructor run first: call {@link prepareBenchCase}. */
  deploy?: BenchDeploy;
  /** Too slow for ethereumjs in unit tests: reference time > 15 s, or fib with N = 1e8 (6.3e9 gas, no expected). */
  heavy?: boolean;
}

export interface SkippedBench {
  name: string;
  source: string;
  reason: string;
}

export interface SharedBench {
  cases: BenchCase[];
  /** Set when the shared directory (or its bench folder) is absent: why nothing was loaded. */
  missing?: string;
  skipped?: SkippedBench[];
}

const REPO_ROOT = PACKAGE_ROOT;

/** The shared data directory: `$MEVMC_SHARED`, else `<repo>/../shared`. */
export function sharedDir(): string {
  const env = process.env.MEVMC_SHARED;
  return env !== undefined && env !== '' ? resolve(env) : resolve(REPO_ROOT, '..', 'shared');
}

interface RefLine {
  id: string;
  fork: string;
  status: CaseResult['status'];
  executionGasUsed: string;
  returnValue: string;
  returnBytes?: number;
  logs?: number;
  ethereumjsMs?: number;
}

function readRefs(benchDir: string): Map<string, RefLine> {
  const out = new Map<string, RefLine>();
  const p = join(benchDir, 'reference-results.ethereumjs.jsonl');
  if (!existsSync(p)) return out;
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as RefLine;
    out.set(r.id, r);
  }
  return out;
}

const readHex = (p: string): Uint8Array => parseHexBytes(readFileSync(p, 'utf8').trim(), p);

/** Block environment from a state-test `env` object (pre-merge forks read `currentDifficulty` for 0x44). */
function blockFromEnv(env: Record<string, string> | undefined, fork: ForkName): BlockEnv {
  const d = defaultBlock();
  if (!env) return d;
  const q = (v: string | undefined, what: string, dflt: bigint) => (v === undefined ? dflt : parseQuantity(v, what));
  const postMerge = FORK_NAMES.indexOf(fork) >= FORK_NAMES.indexOf('paris');
  const rnd = postMerge ? (env.currentRandom ?? env.currentDifficulty) : (env.currentDifficulty ?? env.currentRandom);
  const prevRandao = new Uint8Array(32);
  if (rnd !== undefined) {
    const v = parseQuantity(rnd, 'env randao');
    for (let i = 31, x = v; i >= 0; i--, x >>= 8n) prevRandao[i] = Number(x & 0xffn);
  }
  return {
    number: q(env.currentNumber, 'env.currentNumber', d.number),
    timestamp: q(env.currentTimestamp, 'env.currentTimestamp', d.timestamp),
    coinbase: env.currentCoinbase !== undefined ? parseHexBytes(env.currentCoinbase) : d.coinbase,
    gasLimit: q(env.currentGasLimit, 'env.currentGasLimit', d.gasLimit),
    baseFee: q(env.currentBaseFee, 'env.currentBaseFee', 0n),
    prevRandao,
    chainId: 1n,
    excessBlobGas: q(env.currentExcessBlobGas, 'env.currentExcessBlobGas', 0n),
  };
}

/** A state-test `pre` section as parsed by `parseCase` (validated, 32-byte-normalised storage). */
function parsePre(pre: Record<string, unknown>): Map<string, PreAccount> {
  return parseCase({ pre }).pre;
}

function parseExpected(r: RefLine): BenchExpected {
  const m = /^(0x[0-9a-fA-F]*)\.\.\.\((\d+) bytes\)$/.exec(r.returnValue);
  const output = (m ? m[1] : r.returnValue).toLowerCase();
  const outputBytes = m ? Number(m[2]) : r.returnBytes ?? (output.length - 2) / 2;
  return {
    status: r.status,
    gasUsed: r.executionGasUsed,
    output,
    outputBytes,
    ...(m ? { outputTruncated: true } : {}),
    logs: r.logs,
  };
}

/** True if a result's output matches an expected one (prefix and length when the reference output is truncated). */
export function outputMatches(e: BenchExpected, output: string): boolean {
  const out = output.toLowerCase();
  if (!e.outputTruncated) return out === e.output;
  return out.startsWith(e.output) && (out.length - 2) / 2 === e.outputBytes;
}

/** Reference wall time above which a case counts as `heavy` (the snailtracers, burntpix, onchain-lm-v2). */
const HEAVY_MS = 15_000;

function withRef(b: Omit<BenchCase, 'expected' | 'refMs'>, refs: Map<string, RefLine>): BenchCase {
  const r = refs.get(b.case.id);
  if (!r) return b;
  return {
    ...b,
    case: { ...b.case, fork: parseFork(r.fork) },
    expected: parseExpected(r),
    refMs: r.ethereumjsMs,
    ...((r.ethereumjsMs ?? 0) > HEAVY_MS ? { heavy: true } : {}),
  };
}

/** Fork of a case the reference results do not cover. */
const DEFAULT_FORK: ForkName = 'cancun';

function loadRevmc(dir: string, refs: Map<string, RefLine>): BenchCase[] {
  const out: BenchCase[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const prog = f.slice(0, -'.json'.length);
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, any>;
    const t = Object.values(doc)[0];
    const tx = t.transaction[0];
    const fork = DEFAULT_FORK;
    const pre = parsePre(t.pre);
    const to = addrKey(parseHexBytes(tx.to));
    const c: BenchCaseInput = {
      id: `revmc__${prog}`,
      gasPrice: parseQuantity(tx.gasPrice ?? '0', `${f} gasPrice`),
      fork,
      code: pre.get(to)?.code ?? new Uint8Array(0),
      calldata: parseHexBytes(tx.data),
      gas: parseQuantity(tx.gasLimit, `${f} gasLimit`),
      value: parseQuantity(tx.value ?? '0', `${f} value`),
      caller: parseHexBytes(tx.sender),
      address: parseHexBytes(tx.to),
      pre,
      block: blockFromEnv(t.env, fork),
    };
    const b = withRef({ case: c, name: `revmc/${prog}`, source: 'revmc' }, refs);
    b.case.block = blockFromEnv(t.env, b.case.fork);
    out.push(b);
  }
  return out;
}

function loadEvmBenchmarks(dir: string, refs: Map<string, RefLine>): BenchCase[] {
  const out: BenchCase[] = [];
  for (const group of ['main', 'micro']) {
    const gdir = join(dir, 'benchmarks', group);
    if (!existsSync(gdir)) continue;
    for (const f of readdirSync(gdir).filter((n) => n.endsWith('.json')).sort()) {
      const prog = f.slice(0, -'.json'.length);
      const t = Object.values(JSON.parse(readFileSync(join(gdir, f), 'utf8')) as Record<string, any>)[0];
      const tx = t.transaction;
      const pre = parsePre(t.pre);
      const to = addrKey(parseHexBytes(tx.to));
      const labels: Record<string, string> = t._info?.labels ?? {};
      const posts: Array<{ indexes: { data: number; gas: number; value: number } }> = t.post?.London ?? [];
      for (const p of posts) {
        const label = labels[String(p.indexes.data)] ?? String(p.indexes.data);
        const fork = DEFAULT_FORK;
        const c: BenchCaseInput = {
          id: `evmb__${group}__${prog}__${label}`,
          gasPrice: parseQuantity(tx.gasPrice ?? '0', `${f} gasPrice`),
          fork,
          code: pre.get(to)?.code ?? new Uint8Array(0),
          calldata: parseHexBytes(tx.data[p.indexes.data]),
          gas: parseQuantity(tx.gasLimit[p.indexes.gas], `${f} gasLimit`),
          value: parseQuantity(tx.value[p.indexes.value], `${f} value`),
          caller: parseHexBytes(tx.sender),
          address: parseHexBytes(tx.to),
          pre,
          block: blockFromEnv(t.env, fork),
        };
        const b = withRef({ case: c, name: `evm-benchmarks/${group}/${prog}/${label}`, source: 'evm-benchmarks' }, refs);
        b.case.block = blockFromEnv(t.env, b.case.fork);
            out.push(b);
      }
    }
  }
  return out;
}

const word32 = (n: bigint): Uint8Array => parseHexBytes(n.toString(16).padStart(64, '0'));

function loadEvmoneCompiler(dir: string, refs: Map<string, RefLine>): BenchCase[] {
  const out: BenchCase[] = [];
  const base = parseCase({ fork: DEFAULT_FORK, gas: String(10n ** 12n) });
  const mk = (id: string, name: string, code: Uint8Array, calldata: Uint8Array, heavy = false): BenchCase => {
    const b = withRef({ case: { ...base, id, code, calldata }, name, source: 'evmone-compiler' }, refs);
    if (heavy) b.heavy = true;
    return b;
  };
  const fibs: Array<[string, Uint8Array]> = [
    ['fib_handcoded', new Uint8Array(0)],
    ['fib_loop_inverted', new Uint8Array(0)],
    ['fib_solidity', parseHexBytes('61047ff4')],
  ];
  for (const [prog, selector] of fibs) {
    const p = join(dir, `${prog}.rt.hex`);
    if (!existsSync(p)) continue;
    const code = readHex(p);
    for (const n of [1000n, 2000n, 100_000_000n]) {
      const label = n === 100_000_000n ? 'N1e8' : `N${n}`;
      const calldata = concat(selector, word32(n));
      out.push(mk(`mega__${prog}__${label}`, `evmone-compiler/${prog}/${label}`, code, calldata, n > 2000n));
    }
  }
  if (existsSync(join(dir, 'fib-loop.hex'))) {
    const code = readHex(join(dir, 'fib-loop.hex'));
    out.push(mk('mega__fib-loop__N1000', 'evmone-compiler/fib-loop/N1000', code, word32(1000n)));
  }
  if (existsSync(join(dir, 'snailtracer.rt.hex'))) {
    const code = readHex(join(dir, 'snailtracer.rt.hex'));
    out.push(mk('mega__snailtracer', 'evmone-compiler/snailtracer', code, parseHexBytes('30627b7c')));
  }
  return out;
}

function loadEvmBench(dir: string, refs: Map<string, RefLine>): BenchCase[] {
  const out: BenchCase[] = [];
  const cdir = join(dir, 'compiled');
  if (!existsSync(cdir)) return out;
  for (const f of readdirSync(cdir).filter((n) => n.endsWith('.init.hex')).sort()) {
    const prog = f.slice(0, -'.init.hex'.length);
    const rtPath = join(cdir, `${prog}.rt.hex`);
    const id = `evmbench__${prog}`;
    const ref = refs.get(id) as (RefLine & { deploy?: { gas: string; address: string } | null }) | undefined;
    const c: Case = {
      ...parseCase({ fork: DEFAULT_FORK, gas: String(10n ** 12n) }),
      id,
      code: existsSync(rtPath) ? readHex(rtPath) : new Uint8Array(0),
      calldata: parseHexBytes('30627b7c'),
    };
    if (ref?.deploy?.address) c.address = parseHexBytes(ref.deploy.address);
    const b = withRef({ case: c, name: `evm-bench/${prog}`, source: 'evm-bench' }, refs);
    b.deploy = {
      initCode: readHex(join(cdir, f)),
      caller: parseHexBytes(DEFAULT_CALLER),
      expectedGas: ref?.deploy?.gas,
      expectedAddress: ref?.deploy?.address,
    };
    out.push(b);
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Load every benchmark of the shared corpus as a {@link BenchCase}. Cases with `deploy` still need
 * {@link prepareBenchCase}; `heavy` ones are far too slow for ethereumjs in unit tests.
 */
export function loadSharedBench(): SharedBench {
  const root = sharedDir();
  const bench = join(root, 'bench');
  if (!existsSync(bench)) return { cases: [], missing: `${bench} not found (set MEVMC_SHARED to the shared directory)` };
  const refs = readRefs(bench);
  const cases: BenchCase[] = [];
  const skipped: SkippedBench[] = [];
  const sub = (name: string) => join(bench, name);
  if (existsSync(sub('revmc'))) {
    cases.push(...loadRevmc(sub('revmc'), refs));
    const legacy = join(sub('revmc'), 'legacy-rt-hex');
    if (existsSync(legacy)) {
      for (const f of readdirSync(legacy).sort()) {
        skipped.push({
          name: `revmc/legacy-rt-hex/${f}`,
          source: 'revmc',
          reason:
            'older copy of the fixture bytecode (identical up to the 0x prefix, except bswap64*), ' +
            'no own calldata or reference result',
        });
      }
    }
  }
  if (existsSync(sub('evm-benchmarks'))) cases.push(...loadEvmBenchmarks(sub('evm-benchmarks'), refs));
  if (existsSync(sub('evmone-compiler'))) cases.push(...loadEvmoneCompiler(sub('evmone-compiler'), refs));
  if (existsSync(sub('evm-bench'))) cases.push(...loadEvmBench(sub('evm-bench'), refs));
  return { cases, skipped };
}

/**
 * Make a benchmark runnable: for `deploy` cases, run the constructor once through ethereumjs and put the deployed
 * account (code, storage, nonce, balance) and the caller (nonce bumped by the deployment) into `case.pre`; the
 * case's code becomes the deployed runtime code. Other cases are returned unchanged. Throws if the deployment fails
 * or lands at another address than the reference recorded.
 */
export async function prepareBenchCase(b: BenchCase): Promise<BenchCase> {
  if (!b.deploy || b.deploy.done) return b;
  const d = await deployReference({
    fork: b.case.fork,
    initCode: b.deploy.initCode,
    caller: b.deploy.caller,
    gas: b.case.gas,
    block: b.case.block,
    pre: b.case.pre,
  });
  if (d.status !== 'success') throw new Error(`${b.name}: constructor ${d.status} (${d.error})`);
  if (b.deploy.expectedAddress !== undefined && d.address !== b.deploy.expectedAddress.toLowerCase()) {
    throw new Error(`${b.name}: deployed at ${d.address}, reference deployed at ${b.deploy.expectedAddress}`);
  }
  const pre = new Map(b.case.pre);
  pre.set(d.address, d.account);
  pre.set(addrKey(b.deploy.caller), d.callerAccount);
  return {
    ...b,
    case: { ...b.case, code: d.account.code, address: parseHexBytes(d.address), pre },
    deploy: { ...b.deploy, done: true, gasUsed: d.gasUsed },
  };
}

/** {@link loadSharedBench} followed by {@link prepareBenchCase} on every case (constructors are cheap). */
export async function loadSharedBenchPrepared(): Promise<SharedBench> {
  const s = loadSharedBench();
  const cases: BenchCase[] = [];
  for (const b of s.cases) cases.push(await prepareBenchCase(b));
  return { ...s, cases };
}
