/**
 * @file Per-call overhead benchmark (issue #14 part 1): µs per call for calls that do little, on mevmc and on
 * @ethereumjs (evm `runCall` for message calls, vm `runTx` for transactions) side by side in one process.
 *
 * Each row is timed as rounds of many calls on state that is already set up (module compiled and instantiated
 * once, accounts in the backend); the median round divided by its call count is the steady-state figure, and the
 * best round's process CPU time per call is the `cpu` figure (what a call costs when no other process takes the
 * core: on a shared machine wall time also holds the time others ran). The first call after loading a module
 * (instance creation and V8's first tier included) is reported apart. mevmc's calls reuse one WorldState and
 * discard it after each call, as an embedder's loop would (a new WorldState per call in one synchronous loop stays
 * alive until the loop ends: its state-cache WeakRef pins it for the current job).
 * Both sides are checked to agree (status and gas) before timing. Timing starts once V8's background threads are
 * quiet (`backgroundQuiet`: after the full bench they are still compiling its programs for seconds).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createBlock } from '@ethereumjs/block';
import { Common, Mainnet } from '@ethereumjs/common';
import { createEVM } from '@ethereumjs/evm';
import { createLegacyTx } from '@ethereumjs/tx';
import { Account as EjsAccount, Address, hexToBytes } from '@ethereumjs/util';
import { createVM, runTx } from '@ethereumjs/vm';
import { Fork } from '../../src/evm/forks.ts';
import { Executor } from '../host/call.ts';
import type { BlockContext, Message } from '../host/types.ts';
import type { ContractLoader } from '../loader/types.ts';
import { MemoryBackend, WorldState } from '../state/world.ts';
import type { Tx } from '../tx/decode.ts';
import { runTransaction, type TxEnv } from '../tx/run.ts';

/** One row: what was called and µs per call on each side. */
export interface PerCallRow {
  name: string;
  /** mevmc, steady state. */
  mevmcUs: number;
  /** mevmc, process CPU µs per call in the best round. */
  cpuUs: number;
  /** The first call after the module was compiled (instantiation and V8's first tier). */
  firstUs: number;
  /** @ethereumjs, steady state. */
  refUs: number;
}

/** A contract that does little: the program's code and calldata. */
export interface TinyProgram { name: string; code: Uint8Array; calldata: Uint8Array }

const KEY = hexToBytes('0x' + '42'.repeat(32) as `0x${string}`);
const CALLER = '0x1000000000000000000000000000000000000001';
const CONTRACT = '0x2000000000000000000000000000000000000002';
const COINBASE = '0x3000000000000000000000000000000000000003';
const RECIPIENT = '0x4000000000000000000000000000000000000004';
const FUNDS = 10n ** 30n;
const GAS = 1_000_000n;

const BLOCK: BlockContext = {
  number: 1n, timestamp: 1_700_000_000n, coinbase: COINBASE, gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 1n, blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n,
};

/** µs per call: the median of `rounds` rounds of `n` calls (at least ~20 ms of calls per round). */
async function perCallUs(f: () => unknown | Promise<unknown>, minMs = 20, rounds = 7): Promise<number> {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await f();
    if (performance.now() - t0 >= minMs) break;
    n *= 2;
  }
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await f();
    per.push(((performance.now() - t0) * 1000) / n);
  }
  per.sort((a, b) => a - b);
  return per[rounds >> 1];
}

/** Same as perCallUs for a synchronous function (no await between calls), with the best round's CPU µs per call. */
function perCallUsSync(f: () => unknown, minMs = 20, rounds = 7): { us: number; cpuUs: number } {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    if (performance.now() - t0 >= minMs) break;
    n *= 2;
  }
  const { cpuUs, wallUs } = callRounds(f, rounds, n);
  wallUs.sort((a, b) => a - b);
  return { us: wallUs[rounds >> 1], cpuUs: Math.min(...cpuUs) };
}

function backendWith(code: Uint8Array): MemoryBackend {
  const b = new MemoryBackend();
  b.setAccount(CALLER, { balance: FUNDS, nonce: 0n, code: new Uint8Array(0) });
  b.setAccount(CONTRACT, { balance: 0n, nonce: 1n, code });
  return b;
}

/**
 * The first call's µs (after compiling) and the steady-state µs per call of `fn`, with the first result. Before the
 * timed rounds `fn` runs for WARM_MS and V8's background threads are let finish: they optimise the JS around the call
 * (runTransaction, commit) for a while, and process CPU counted that compile in the transaction rows (2-4x their
 * steady figure: `tx call` 5.7-12 µs CPU against 2.4-2.9 in a warm loop of the same transactions).
 */
async function firstAndSteady<T>(fn: () => T): Promise<{ first: T; firstUs: number; mevmcUs: number; cpuUs: number }> {
  const t0 = performance.now();
  const first = fn();
  const firstUs = (performance.now() - t0) * 1000;
  const t1 = performance.now();
  while (performance.now() - t1 < WARM_MS) for (let i = 0; i < 100; i++) fn();
  await backgroundQuiet(5_000);
  const { us, cpuUs } = perCallUsSync(fn, 20, 11);
  return { first, firstUs, mevmcUs: us, cpuUs };
}
const WARM_MS = 300;

/**
 * The timed message call of a row: `code` at one address of a fresh backend, called with `calldata` through
 * `Executor.run` on one WorldState that is discarded after each call (an embedder's loop). Compiles first.
 */
export function messageCall(code: Uint8Array, calldata: Uint8Array, loader: ContractLoader, fork: Fork): () => ReturnType<Executor['run']> {
  const msg: Message = {
    caller: CALLER, address: CONTRACT, codeAddress: CONTRACT, origin: CALLER, value: 0n, gasPrice: 0n,
    calldata, gas: GAS, isStatic: false, depth: 0,
  };
  const world = new WorldState(backendWith(code));
  loader.load(code, fork); // compile outside the timing
  return () => {
    const r = new Executor(world, fork, BLOCK, loader).run(msg, true);
    world.discard();
    return r;
  };
}

/** `rounds` rounds of `n` calls of `f`: process CPU µs and wall µs per call, per round. */
export function callRounds(f: () => unknown, rounds: number, n: number): { cpuUs: number[]; wallUs: number[] } {
  const cpuUs: number[] = [];
  const wallUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    wallUs.push(((performance.now() - t0) * 1000) / n);
    const c = process.cpuUsage(c0);
    cpuUs.push((c.user + c.system) / n);
  }
  return { cpuUs, wallUs };
}

/** A bare message call (runCall conventions, fresh journaled state over the same backend each time). */
async function messageRow(p: TinyProgram, loader: ContractLoader, fork: Fork, forkName: string): Promise<PerCallRow> {
  const call = messageCall(p.code, p.calldata, loader, fork);
  const { first, firstUs, mevmcUs, cpuUs } = await firstAndSteady(call);

  const common = new Common({ chain: Mainnet, hardfork: forkName });
  const evm = await createEVM({ common });
  await evm.stateManager.putAccount(new Address(hexToBytes(CONTRACT)), new EjsAccount(1n, 0n));
  await evm.stateManager.putCode(new Address(hexToBytes(CONTRACT)), p.code);
  await evm.stateManager.putAccount(new Address(hexToBytes(CALLER)), new EjsAccount(0n, FUNDS));
  const args = { caller: new Address(hexToBytes(CALLER)), to: new Address(hexToBytes(CONTRACT)), data: p.calldata, gasLimit: GAS };
  const r = await evm.runCall(args);
  const used = GAS - first.gasLeft;
  if (r.execResult.executionGasUsed !== used || (r.execResult.exceptionError !== undefined) !== (first.status >= 2)) {
    throw new Error(`${p.name}: mevmc and @ethereumjs/evm disagree (gas ${used} vs ${r.execResult.executionGasUsed})`);
  }
  const refUs = await perCallUs(() => evm.runCall(args));
  return { name: `call ${p.name}`, mevmcUs, cpuUs, firstUs, refUs };
}

/** A legacy transaction from CALLER (gas price 0) on mevmc's runTransaction and on @ethereumjs/vm runTx. */
async function txRow(name: string, to: string, code: Uint8Array, data: Uint8Array, value: bigint, loader: ContractLoader, fork: Fork, forkName: string): Promise<PerCallRow> {
  const backend = backendWith(code);
  const env: TxEnv = { ...BLOCK };
  const tx: Tx = {
    type: 0, sender: CALLER, nonce: 0n, gasLimit: GAS, to, value, data, gasPrice: 0n, accessList: [], blobVersionedHashes: [], authorizationList: [],
  };
  // Each transaction is committed, as a block would (one WorldState for all): the next one carries the next nonce.
  const world = new WorldState(backend);
  const run = () => {
    const r = runTransaction(world, tx, env, fork, loader);
    world.commit();
    tx.nonce++;
    return r;
  };
  if (code.length) loader.load(code, fork);
  const { first, firstUs, mevmcUs, cpuUs } = await firstAndSteady(run);

  const common = new Common({ chain: Mainnet, hardfork: forkName });
  const vm = await createVM({ common });
  await vm.stateManager.putAccount(new Address(hexToBytes(CONTRACT)), new EjsAccount(1n, 0n));
  await vm.stateManager.putCode(new Address(hexToBytes(CONTRACT)), code);
  const signed = createLegacyTx({ nonce: 0, gasPrice: 0, gasLimit: GAS, to: to as `0x${string}`, value, data }, { common }).sign(KEY);
  await vm.stateManager.putAccount(signed.getSenderAddress(), new EjsAccount(0n, FUNDS));
  const block = createBlock({ header: { number: 1n, timestamp: BLOCK.timestamp, gasLimit: BLOCK.gasLimit, baseFeePerGas: 0n, excessBlobGas: 0n } }, { common, skipConsensusFormatValidation: true });
  const opts = { tx: signed, block, skipHardForkValidation: true, skipNonce: true, skipBlockGasLimitValidation: true };
  const r = await runTx(vm, opts);
  if (r.totalGasSpent !== first.gasUsed || (first.status === 'success') !== (r.execResult.exceptionError === undefined)) {
    throw new Error(`${name}: mevmc and @ethereumjs/vm disagree (gas ${first.gasUsed} ${first.status} vs ${r.totalGasSpent})`);
  }
  const refUs = await perCallUs(() => runTx(vm, opts));
  return { name, mevmcUs, cpuUs, firstUs, refUs };
}

/** On-CPU ns of this process's threads other than the main one (Linux schedstat; undefined elsewhere). */
/** On-CPU ns of every thread of this process but the main one (Linux schedstat; undefined elsewhere). */
export function otherThreadsNs(): number | undefined {
  try {
    let ns = 0;
    for (const t of readdirSync('/proc/self/task')) {
      if (Number(t) !== process.pid) ns += Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns;
  } catch {
    return undefined;
  }
}

/**
 * Wait (at most `maxMs`) until V8's background threads use less than 5% of a core over 200 ms. After a run of many
 * contracts V8 is still compiling their hot wasm with TurboFan for seconds (the full bench: STOP 1.3–2 µs of process
 * CPU per call instead of 0.5–0.7; scripts/bench-percall-drift.mjs): a per-contract cost that the `cpu` column,
 * process CPU time, would otherwise charge to the calls timed meanwhile. Returns the ms waited.
 */
export async function backgroundQuiet(maxMs = 15_000): Promise<number> {
  const t0 = performance.now();
  let prev = otherThreadsNs();
  if (prev === undefined) return 0;
  while (performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 200));
    const now = otherThreadsNs()!;
    const busy = (now - prev) / 200e6;
    prev = now;
    if (busy < 0.05) break;
  }
  return performance.now() - t0;
}

/**
 * The per-call rows: an empty call (STOP), each tiny program as a bare call, a plain value transfer and a
 * transaction calling the first tiny program. `counter`-like programs come from ../shared/bench when present.
 */
export async function runPerCallBench(loader: ContractLoader, tiny: TinyProgram[], fork = Fork.Cancun, forkName = 'cancun'): Promise<PerCallRow[]> {
  await backgroundQuiet();
  const stop: TinyProgram = { name: 'STOP', code: Uint8Array.of(0x00), calldata: new Uint8Array(0) };
  const rows: PerCallRow[] = [];
  for (const p of [stop, ...tiny]) rows.push(await messageRow(p, loader, fork, forkName));
  rows.push(await txRow('tx transfer (21000 gas)', RECIPIENT, new Uint8Array(0), new Uint8Array(0), 1n, loader, fork, forkName));
  const t = tiny[0] ?? stop;
  rows.push(await txRow(`tx call ${t.name}`, CONTRACT, t.code, t.calldata, 0n, loader, fork, forkName));
  return rows;
}

/**
 * The rows as a table: µs per call on each side (mevmc wall and CPU), the ratio, and the first call apart; `evmoneMs` (fixed reference
 * times by program name) adds evmone's µs for the `call <program>` rows.
 */
export function formatPerCall(rows: PerCallRow[], evmoneMs: Record<string, number> = {}): string[] {
  const pad = (s: string, n: number) => s.padStart(n);
  const out = [`${'per call (µs, steady state)'.padEnd(36)}${pad('ethereumjs', 12)}${pad('mevmc', 10)}${pad('cpu', 8)}${pad('ratio', 9)}${pad('1st call', 11)}${pad('evmone', 9)}${pad('mevmc/evmone', 14)}`];
  for (const r of rows) {
    const e = r.name.startsWith('call ') ? evmoneMs[r.name.slice(5)] : undefined;
    const ev = e === undefined ? `${pad('-', 9)}${pad('-', 14)}` : `${pad((e * 1000).toFixed(2), 9)}${pad((r.mevmcUs / (e * 1000)).toFixed(1) + '×', 14)}`;
    out.push(`${r.name.padEnd(36)}${pad(r.refUs.toFixed(2), 12)}${pad(r.mevmcUs.toFixed(2), 10)}${pad(r.cpuUs.toFixed(2), 8)}${pad((r.refUs / r.mevmcUs).toFixed(1) + '×', 9)}${pad(r.firstUs.toFixed(0), 11)}${ev}`);
  }
  return out;
}
