/**
 * @file The compiled engines (wasm, native) for batch cases: a bare message call with @ethereumjs/evm
 * `runCall` conventions — no intrinsic gas, nothing pre-warmed, the value moved from caller to
 * callee before the code runs — executed by compiled code on every repeat from the same pre-state.
 * `runCase` takes any ContractLoader (or an engine name for the default loader of that engine).
 */
import { Status, STATUS_ERROR } from '../../src/abi/context.ts';
import { Fork, parseForkName } from '../../src/evm/forks.ts';
import { baseGas, blobBaseFee } from '../../src/evm/gas.ts';
import { fillGasCosts, type TraceStep } from '../host/trace.ts';
import { addrKey, calledAccount, type Case, type CaseResult, formatStorage, median, toHex } from './case.ts';
import { Executor, HostFailure } from '../host/call.ts';
import type { BlockContext, FrameResult, Message } from '../host/types.ts';
import type { ContractLoader, EngineKind } from '../loader/types.ts';
import { WasmLoader } from '../loader/wasm.ts';
import { NativeLoader } from '../loader/native.ts';
import { topicsHex } from '../state/packed-log.ts';
import { MemoryBackend, WorldState } from '../state/world.ts';
import { finalizedPostState } from './post-state.ts';

export interface RunOptions {
  repeat?: number;
  /** The loader (any engine); default: this module's shared loader of `engine`. */
  loader?: ContractLoader;
  /** Engine of the default loader when `loader` is absent (default 'wasm'); tracing builds use it too. */
  engine?: EngineKind;
  /** Receive an EIP-3155 step before every instruction (uses a tracing build; gasCost is filled in after the run). */
  trace?: (s: TraceStep) => void;
  /** Also report `postState` (every account after the call, end-of-transaction deletions applied; runtime/state/post-state.ts). */
  postState?: boolean;
}

/** Build the block context of a case. */
export function blockContextOf(c: Case, fork: Fork): BlockContext {
  const b = c.block;
  return {
    number: b.number, timestamp: b.timestamp, coinbase: addrKey(b.coinbase), gasLimit: b.gasLimit,
    baseFee: b.baseFee, chainId: b.chainId, blobBaseFee: fork >= Fork.Cancun ? blobBaseFee(fork, b.excessBlobGas) : 0n,
    // Before the merge 0x44 is DIFFICULTY; a case's prevRandao field feeds it in every fork.
    prevRandao: BigInt(toHex(b.prevRandao)),
    blobHashes: [],
    // No block history is part of a case: every hash reads as zero (as @ethereumjs/evm's default blockchain).
    blockHash: () => 0n,
  };
}

/** Fresh state backend from a case's pre-state. */
export function backendOf(c: Case): MemoryBackend {
  const be = new MemoryBackend();
  for (const [a, acc] of c.pre) be.setAccount(a, { balance: acc.balance, nonce: acc.nonce, code: acc.code }, acc.storage);
  const called = calledAccount(c);
  be.setAccount(addrKey(c.address), { balance: called.balance, nonce: called.nonce, code: c.code }, called.storage);
  return be;
}

/** The call could not start (value transfer): a halt that uses no gas, as @ethereumjs/evm reports it. */
const NOT_RUN = (message: string, gas: bigint): FrameResult => ({ status: Status.HostError, gasLeft: gas, output: new Uint8Array(0), message, notRun: true });

interface CallOutcome {
  frame: FrameResult;
  world: WorldState;
  execMs: number;
}

/**
 * What `runOnce` needs of a case, computed once per case: the address strings (hex of 20 bytes: a fifth of a tiny
 * call's time in the bench's steady loop when it was made per call) and the message.
 */
interface Prepared { c: Case; fork: Fork; caller: string; address: string; msg: Message }

function prepare(c: Case, fork: Fork): Prepared {
  const caller = addrKey(c.caller);
  const address = addrKey(c.address);
  const msg: Message = {
    caller, address, codeAddress: address, origin: caller, value: c.value, gasPrice: c.gasPrice ?? 0n,
    calldata: c.calldata, gas: c.gas, isStatic: false, depth: 0,
  };
  return { c, fork, caller, address, msg };
}

function runOnce(p: Prepared, loader: ContractLoader, world: WorldState, block: BlockContext, tracer?: (s: TraceStep) => void): CallOutcome {
  const { c, fork, caller, address } = p;
  loader.load(c.code, fork); // compile (or fetch) before the clock starts: execMs excludes compilation
  const t0 = performance.now();
  // runCall bumps the caller's nonce (creating the account) before anything else.
  world.bumpNonce(caller);
  const cp = world.checkpoint(); // the value transfer is part of the message: undone when it fails
  if (c.value > 0n) {
    // Debit, then credit the balance read after the debit (caller and callee may be one account).
    const bal = world.balance(caller);
    if (bal < c.value) return { frame: NOT_RUN('insufficient balance', c.gas), world, execMs: 0 };
    world.setBalance(caller, bal - c.value);
    const to = world.balance(address) + c.value;
    if (to >= 1n << 256n) return { frame: NOT_RUN('value overflow', c.gas), world, execMs: 0 };
    world.setBalance(address, to);
  }
  const executor = new Executor(world, fork, block, loader, tracer);
  let frame: FrameResult;
  try {
    // The value already moved above (runCall order); the executor reverts the frame's own changes.
    frame = executor.run(p.msg, false);
  } catch (e) {
    if (!(e instanceof HostFailure)) throw e;
    frame = { status: Status.HostError, gasLeft: 0n, output: new Uint8Array(0), message: e.message };
  }
  if (frame.status !== Status.Stop && frame.status !== Status.Return) world.revertTo(cp);
  return { frame, world, execMs: performance.now() - t0 };
}

const defaultLoaders = new Map<string, ContractLoader>();

/** This module's shared loader of an engine (tracing builds apart). The native one needs clang (see NativeLoader). */
export function defaultLoaderOf(engine: EngineKind, trace = false): ContractLoader {
  const k = `${engine}${trace ? '/trace' : ''}`;
  let l = defaultLoaders.get(k);
  if (!l) defaultLoaders.set(k, (l = engine === 'native' ? new NativeLoader({ trace }) : new WasmLoader({ trace })));
  return l;
}

/**
 * Run a case on compiled code (wasm, native, or mixed, per the loader). Throws only for errors that
 * are not EVM outcomes (host bugs, resource limits).
 */
export function runCase(c: Case, opts: RunOptions = {}): CaseResult {
  const fork = parseForkName(c.fork)!;
  const engine: EngineKind = opts.engine ?? (opts.loader?.engine === 'native' ? 'native' : 'wasm');
  const loader = opts.trace ? defaultLoaderOf(engine, true) : opts.loader ?? defaultLoaderOf(engine);
  const backend = backendOf(c);
  const times: number[] = [];
  let last: CallOutcome | undefined;
  const steps: TraceStep[] = [];
  const p = prepare(c, fork);
  for (let i = 0; i < (opts.trace ? 1 : Math.max(1, opts.repeat ?? 1)); i++) {
    last = runOnce(p, loader, new WorldState(backend), blockContextOf(c, fork), opts.trace ? (s) => steps.push(s) : undefined);
    times.push(last.execMs);
  }
  if (opts.trace) {
    fillGasCosts(steps, (op) => BigInt(baseGas(fork, op) ?? 0));
    for (const s of steps) opts.trace(s);
  }
  const { frame, world } = last!;
  const st = frame.status;
  const status = st === Status.Stop || st === Status.Return ? 'success' : st === Status.Revert ? 'revert' : 'halt';
  const ok = status === 'success';
  const result: CaseResult = {
    id: c.id,
    status,
    error: frame.notRun ? frame.message! : st === Status.HostError || st === Status.Unsupported ? `${STATUS_ERROR[st]}${frame.message ? `: ${frame.message}` : ''}` : STATUS_ERROR[st],
    gasUsed: (c.gas - frame.gasLeft).toString(),
    output: toHex(frame.output),
    logs: ok ? world.logs.map((l) => ({ address: l.address, topics: topicsHex(l), data: toHex(l.data) })) : [],
    storage: formatStorage(world.storageEntries(addrKey(c.address))),
    refund: (ok ? world.refund : 0n).toString(),
    execMs: median(times),
  };
  if (opts.postState) result.postState = finalizedPostState(world, fork); // last: it applies the deletions
  return result;
}

/**
 * A case prepared for timing many calls, as an embedder's loop runs them: the backend, block context and one
 * WorldState are built once, each call runs on the pre-state and its changes are discarded after it. Each call
 * returns its ms (compiled code and its host work; building the case's objects is not part of a call) and the gas
 * it used, for the caller to check against a run on fresh state.
 */
export function caseTimer(c: Case, loader: ContractLoader): () => { ms: number; gasUsed: bigint } {
  const fork = parseForkName(c.fork)!;
  const world = new WorldState(backendOf(c));
  const block = blockContextOf(c, fork);
  const p = prepare(c, fork);
  return () => {
    const { execMs, frame } = runOnce(p, loader, world, block);
    world.discard();
    return { ms: execMs, gasUsed: c.gas - frame.gasLeft };
  };
}
