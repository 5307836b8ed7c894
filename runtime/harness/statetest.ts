/**
 * @file ethereum/tests GeneralStateTests (format: ../shared/statetests/README.md §4): loading the cases of a
 * fixture file and running one case on the compiled engine — pre-state into a `MemoryBackend`, `txbytes` decoded
 * for the fork, {@link runTransaction}, then the post-state root and logs hash compared with `post[fork][i]`.
 * A case with `expectException` passes only when the transaction is rejected and the root is the pre-state's.
 */
import { readFileSync } from 'node:fs';
import { Fork } from '../../src/evm/forks.ts';
import { blobBaseFee } from '../../src/evm/gas.ts';
import { CompilerNotLoadedError, type ContractLoader } from '../loader/types.ts';
import { logsHash, stateRoot, toHex } from '../state/state-root.ts';
import { MemoryBackend, WorldState } from '../state/world.ts';
import { TxDecodeError, decodeTx } from '../tx/decode.ts';
import { type TxEnv, runTransaction } from '../tx/run.ts';

/** State-test fork keys → Fork. */
export const STATETEST_FORKS: Record<string, Fork> = {
  Frontier: Fork.Frontier, Homestead: Fork.Homestead, EIP150: Fork.TangerineWhistle, EIP158: Fork.SpuriousDragon,
  Byzantium: Fork.Byzantium, Constantinople: Fork.Constantinople, ConstantinopleFix: Fork.Petersburg,
  Istanbul: Fork.Istanbul, Berlin: Fork.Berlin, London: Fork.London, Paris: Fork.Paris, Merge: Fork.Paris,
  Shanghai: Fork.Shanghai, Cancun: Fork.Cancun, Prague: Fork.Prague, Osaka: Fork.Osaka,
};

export interface PreAccountJson { balance: string; nonce: string; code: string; storage: Record<string, string> }
export interface EnvJson {
  currentCoinbase: string; currentGasLimit: string; currentNumber: string; currentTimestamp: string;
  currentDifficulty?: string; currentRandom?: string; currentBaseFee?: string; currentExcessBlobGas?: string;
}
interface PostJson { indexes: { data: number; gas: number; value: number }; hash: string; logs: string; txbytes: string; expectException?: string }

/** One (test, fork, post index) case. */
export interface StateTestCase {
  file: string;
  test: string;
  forkName: string;
  fork: Fork;
  /** Position in post[fork]. */
  index: number;
  indexes: { data: number; gas: number; value: number };
  env: EnvJson;
  pre: Record<string, PreAccountJson>;
  txbytes: string;
  hash: string;
  logs: string;
  expectException?: string;
  /** Set when the fixture entry is malformed: why. Such a case is a failure and is not run. */
  invalid?: string;
}

export interface StateTestResult {
  pass: boolean;
  gotHash: string;
  gotLogs: string;
  /** Why the tx was rejected, or the top frame's error. */
  error?: string;
  rejected: boolean;
  /** Implementation failure (host error, unsupported): not an EVM outcome. */
  failure?: string;
  ms: number;
}

/** The problem with one post entry, or undefined when it has what running and comparing it needs. */
function postProblem(p: unknown): string | undefined {
  if (!isObject(p)) return 'post entry is not an object';
  const ix = p.indexes;
  if (!isObject(ix)) return 'post entry without "indexes"';
  for (const k of ['data', 'gas', 'value']) if (!Number.isSafeInteger(ix[k]) || (ix[k] as number) < 0) return `post entry: indexes.${k} is not a non-negative integer`;
  for (const k of ['hash', 'logs']) if (typeof p[k] !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(p[k] as string)) return `post entry: "${k}" is not a 32-byte 0x hash`;
  if (typeof p.txbytes !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(p.txbytes)) return 'post entry: "txbytes" is not a hex string';
  if (p.expectException !== undefined && typeof p.expectException !== 'string') return 'post entry: "expectException" is not a string';
  return undefined;
}

/** The problem with one test (its env, pre and post maps), or undefined. */
function testProblem(t: unknown): string | undefined {
  if (!isObject(t)) return 'not an object';
  const missing = ['env', 'pre', 'post'].filter((k) => !isObject(t[k]));
  if (missing.length) return `no ${missing.map((k) => `"${k}"`).join(', ')} object`;
  for (const [a, acc] of Object.entries(t.pre as object)) if (!isObject(acc)) return `pre ${a} is not an object`;
  for (const [f, posts] of Object.entries(t.post as object)) if (!Array.isArray(posts)) return `post.${f} is not a list`;
  if (typeof (t.env as Record<string, unknown>).currentCoinbase !== 'string') return 'env without "currentCoinbase"';
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The index of a case that stands for a whole malformed test (no fork or post index of its own). */
export const WHOLE_TEST = -1;

/**
 * All cases of a fixture file, optionally only for `forks` (state-test fork keys). A file that is not a state test
 * (not JSON, not an object of tests, or no test with env/pre/post) throws; a malformed test or post entry becomes a
 * case carrying `invalid` (its reason), so the runner reports it as a failure and goes on.
 */
export function loadStateTests(file: string, forks?: ReadonlySet<string>): StateTestCase[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(e instanceof SyntaxError ? `not JSON (${e.message})` : e instanceof Error ? e.message : String(e));
  }
  if (!isObject(json)) throw new Error('not a state test (expected an object of tests)');
  const tests = Object.entries(json);
  if (!tests.some(([, t]) => isObject(t) && isObject(t.post) && isObject(t.pre) && isObject(t.env))) {
    throw new Error(`not a state test (no test with "env", "pre" and "post"${tests.length ? '' : ': empty object'})`);
  }
  const out: StateTestCase[] = [];
  const noIndexes = { data: 0, gas: 0, value: 0 };
  for (const [test, t] of tests) {
    const why = testProblem(t);
    if (why) {
      out.push({ file, test, forkName: '-', fork: Fork.Frontier, index: WHOLE_TEST, indexes: noIndexes, env: {} as EnvJson, pre: {}, txbytes: '', hash: '', logs: '', invalid: `malformed test: ${why}` });
      continue;
    }
    const { env, pre, post } = t as { env: EnvJson; pre: Record<string, PreAccountJson>; post: Record<string, unknown[]> };
    for (const [forkName, posts] of Object.entries(post)) {
      if (forks && !forks.has(forkName)) continue;
      const fork = STATETEST_FORKS[forkName];
      if (fork === undefined) continue;
      posts.forEach((p, index) => {
        const bad = postProblem(p);
        const e = p as PostJson;
        const indexes = !bad ? e.indexes : isObject(e) && isObject(e.indexes) ? { ...noIndexes, ...e.indexes } : noIndexes;
        out.push(bad
          ? { file, test, forkName, fork, index, indexes, env, pre, txbytes: '', hash: '', logs: '', invalid: `malformed post.${forkName}[${index}]: ${bad}` }
          : { file, test, forkName, fork, index, indexes, env, pre, txbytes: e.txbytes, hash: e.hash, logs: e.logs, expectException: e.expectException });
      });
    }
  }
  return out;
}

const hexBytes = (h: string): Uint8Array => Buffer.from(h.startsWith('0x') ? h.slice(2) : h, 'hex');
const big = (h: string | undefined): bigint => (h === undefined || h === '' || h === '0x' ? 0n : BigInt(h));

/** The pre-state of a case as a backend. */
export function preBackend(pre: Record<string, PreAccountJson>): MemoryBackend {
  const be = new MemoryBackend();
  for (const [a, acc] of Object.entries(pre)) {
    const storage = new Map<bigint, bigint>();
    for (const [k, v] of Object.entries(acc.storage ?? {})) {
      const val = big(v);
      if (val !== 0n) storage.set(big(k), val);
    }
    be.setAccount(a.toLowerCase(), { balance: big(acc.balance), nonce: big(acc.nonce), code: hexBytes(acc.code ?? '0x') }, storage);
  }
  return be;
}

/** The block environment of a case. */
export function txEnvOf(env: EnvJson, fork: Fork): TxEnv {
  return {
    number: big(env.currentNumber), timestamp: big(env.currentTimestamp), coinbase: env.currentCoinbase.toLowerCase(),
    gasLimit: big(env.currentGasLimit), baseFee: fork >= Fork.London ? big(env.currentBaseFee) : 0n,
    // 0x44: PREVRANDAO (mixHash) from Paris, DIFFICULTY before.
    prevRandao: fork >= Fork.Paris ? big(env.currentRandom) : big(env.currentDifficulty),
    chainId: 1n,
    blobBaseFee: fork >= Fork.Cancun ? blobBaseFee(fork, big(env.currentExcessBlobGas)) : 0n,
    // The reference's mock blockchain: every BLOCKHASH in the window reads 0.
    blockHash: () => 0n,
  };
}

/** Run one case on the compiled engine. Never throws for EVM outcomes; implementation failures are `failure`. */
export function runStateTest(c: StateTestCase, loader: ContractLoader): StateTestResult {
  if (c.invalid) return { pass: false, gotHash: '-', gotLogs: '-', rejected: false, failure: c.invalid, ms: 0 };
  const t0 = performance.now();
  const world = new WorldState(preBackend(c.pre));
  let rejected = false;
  let error: string | undefined;
  let failure: string | undefined;
  let logs: string;
  try {
    const tx = decodeTx(hexBytes(c.txbytes), c.fork);
    const r = runTransaction(world, tx, txEnvOf(c.env, c.fork), c.fork, loader);
    rejected = r.status === 'rejected';
    error = r.error;
    logs = toHex(logsHash(r.logs));
  } catch (e) {
    if (e instanceof CompilerNotLoadedError) throw e; // the run is void: the caller loads the compiler and runs it again
    if (e instanceof TxDecodeError) {
      rejected = true;
      error = `decode: ${e.message}`;
    } else {
      failure = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    logs = toHex(logsHash([]));
  }
  const gotHash = toHex(stateRoot(world));
  const pass = failure === undefined && gotHash === c.hash.toLowerCase() && logs === c.logs.toLowerCase() &&
    (c.expectException === undefined || rejected);
  return { pass, gotHash, gotLogs: logs, error, rejected, failure, ms: performance.now() - t0 };
}

/** "file › test › fork[i] (d,g,v)". */
export function caseLabel(c: StateTestCase): string {
  return `${c.test} ${c.forkName}[${c.index}] (d=${c.indexes.data},g=${c.indexes.gas},v=${c.indexes.value})`;
}
