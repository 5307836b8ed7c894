/**
 * @file The sequential block executor: what a validator does with a block, on compiled code.
 *
 * 1. The fork from the block number / timestamp and the chain's schedule (mainnet's by default).
 * 2. At the DAO fork block (when the chain has one), its irregular state change (EIP-779).
 *    System calls before the transactions: EIP-4788 (Cancun: parent beacon root into its contract) and EIP-2935
 *    (Prague: parent hash into the history contract), as geth runs them — a call from the system address with
 *    30M gas, not charged to anyone, skipped when the contract has no code; the system address is not kept.
 * 3. Transactions in order through `runTransaction`, each committed with `WorldState.commit()` (its diff kept),
 *    the gas pool checked (a transaction above the gas left makes the block invalid), cumulative gas and a
 *    receipt per transaction (status from Byzantium; before it the intermediate state root, when the caller can
 *    compute one).
 * 4. After them: Prague's EIP-7002 / EIP-7251 request system calls, Shanghai withdrawals (gwei → wei, zero
 *    amounts skipped), and before Paris the block and uncle rewards (uncle: (8 + uncle − number)/8 of the
 *    reward; miner: reward + reward/32 per uncle).
 * 5. Logs bloom and receipts root.
 */
import { Fork } from '../../src/evm/forks.ts';
import type { BlockContext } from '../host/types.ts';
import type { ContractLoader, LoadedCode } from '../loader/types.ts';
import { WasmLoader, ensureCompiler } from '../loader/wasm.ts';
import { type ParallelStats, runTransactionsParallel } from '../parallel/coordinator.ts';
import type { RecordOutcome } from '../parallel/outcome.ts';
import { ParallelPool } from '../parallel/pool.ts';
import type { LoaderSpec } from '../parallel/protocol.ts';
import { type StateBackend, type StateDiff, WorldState } from '../state/world.ts';
import { type TxEnv, type TxResult, runTransaction } from '../tx/index.ts';
import { GAS_PER_BLOB } from '../tx/run.ts';
import { type ChainConfig, MAINNET, blobParamsAt, blockReward, forkAt } from './chain.ts';
import { applyDaoRefund } from './dao.ts';
import {
  BEACON_ROOTS, CONSOLIDATION_REQUESTS, HISTORY_STORAGE, WITHDRAWAL_REQUESTS, systemCall as runSystemCall,
} from './system-calls.ts';
import { BLOOM_BYTES, type EncodesReceipt, type Receipt, type ReceiptParts, type ReceiptScratch, ZERO_BLOOM, bloomArena, encodeReceiptInto, receiptScratch, logsBloom, orBloom, receiptsRootOf } from './receipts.ts';
import { type Block, type BlockResult, InvalidBlockError, type TxOutcome } from './types.ts';

/** Options of {@link executeBlock}. */
export interface ExecuteBlockOptions {
  /** Runs the contracts (default: a new WasmLoader; the wasm compiler is loaded first). */
  loader?: ContractLoader;
  /** Chain id and fork schedule (default mainnet). */
  chain?: ChainConfig;
  /** Use this fork instead of the schedule's. */
  fork?: Fork;
  /** BLOCKHASH source: the hash of block `n` (asked only for the 256 blocks before this one); absent: 0. */
  blockHash?: (n: bigint) => bigint | undefined;
  /** Before Byzantium: the state root after each transaction (needs the whole state); absent: no receipts root. */
  intermediateStateRoot?: (world: WorldState) => Uint8Array;
  /**
   * Executors (runtime/parallel): this thread and N − 1 worker threads executing transactions speculatively
   * (default 1: sequential, this thread only). Results are identical either way. Without `pool`, a pool of this
   * size is started and closed per block.
   */
  workers?: number;
  /** Worker threads kept across blocks (used instead of `workers`). */
  pool?: ParallelPool;
  /** Tuning and test options of the parallel executor (runtime/parallel/coordinator.ts). */
  parallel?: ParallelTuning;
}

/** Tuning and test options of the parallel executor. */
export interface ParallelTuning {
  /** Test option: each worker sleeps a random 0…`delayMs` ms before each execution. */
  delayMs?: number;
  /** Run sequentially below this many transactions to hand out (default 2) … */
  minDispatched?: number;
  /** … or below this much gas to hand out (sum of gas limits, at most the header's gasUsed; default MIN_DISPATCHED_GAS, 8M). */
  minDispatchedGas?: bigint;
  /** … or on a machine with fewer cores than this (default MIN_SPECULATION_CORES, 4: on 2 vCPUs speculation lost; 0: any machine). */
  minCores?: number;
  /** 'coordinator' (default): a sender's later transactions run on the coordinator; 'workers': speculated too. */
  senderChains?: 'coordinator' | 'workers';
  /** 'coordinator' (default): plain transfers run on the coordinator; 'workers': those with both ends their own are speculated. */
  plainTransfers?: 'coordinator' | 'workers';
  /** Test option: speculate to the end even when committing worker results costs more than it saves. */
  keepSpeculating?: boolean;
  /** Test option: the coordinator speculates runs of this many transactions (its own results validated like workers'). */
  localBatch?: number;
  /**
   * 'interleave' (default): executors claim one by one and the coordinator speculates when a worker holds the next
   * one; 'split': the coordinator runs a run of transactions exactly while the workers take the rest of the block from
   * a split point, and splits what is left again when it catches up (coordinator.ts).
   */
  schedule?: 'split' | 'interleave';
  /** 'split': a fixed share of what is left for the coordinator at each split (default: 1 / executors at the first, then from measured rates). */
  splitShare?: number;
  /** Hash the receipts root while the block runs from this many transactions on (default 64; receipts-pipeline.ts). */
  minPipelinedReceipts?: number;
}

const GWEI = 1_000_000_000n;

/** EIP-4844 fake_exponential(1, excess, fraction): the blob base fee. */
function blobBaseFee(excess: bigint, fraction: bigint): bigint {
  let i = 1n;
  let output = 0n;
  let acc = fraction; // factor (1) · denominator
  while (acc > 0n) {
    output += acc;
    acc = (acc * excess) / (fraction * i);
    i++;
  }
  return output / fraction;
}

const hexBytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.slice(2), 'hex'));

/** Counts the compile time of the contracts loaded through it (a cold load is timed whole). */
class CompileTimer implements ContractLoader {
  compileMs = 0;
  /** Contracts compiled / read from the disk cache (first loads only). */
  compiled = 0;
  fromDisk = 0;
  constructor(readonly inner: ContractLoader) {}
  get engine() {
    return this.inner.engine;
  }
  load(code: Uint8Array, fork: Fork): LoadedCode {
    const t0 = performance.now();
    const r = this.inner.load(code, fork);
    if ((r.compileMs > 0 || r.fromDisk) && !this.seen.has(r)) {
      // A loader returns the same object on every later hit: count the first load only.
      this.compileMs += performance.now() - t0;
      if (r.fromDisk) this.fromDisk++;
      else this.compiled++;
    }
    this.seen.add(r);
    return r;
  }
  private readonly seen = new WeakSet<LoadedCode>();
  acquire(l: LoadedCode) {
    return this.inner.acquire(l);
  }
  release(i: never) {
    this.inner.release(i);
  }
}

/**
 * A transaction's outcome on this thread. Its receipt is built when first read: a receipt without logs needs a new
 * all-zero 256-byte bloom, and a typed array that size is an off-heap allocation (~0.5 µs, 12% of the sequential
 * step of a plain transfer in the W1 profile), so the loop leaves it to whoever reads the receipt.
 */
class LocalOutcome implements TxOutcome {
  private rec: Receipt | undefined;
  constructor(
    readonly result: TxResult, readonly diff: StateDiff, readonly kind: TxOutcome['kind'], readonly execMs: number,
    private readonly type: number, private readonly cumulative: bigint,
    /** Byzantium on: the status; before it undefined (then `postStateRoot`, when the caller computes one). */
    private readonly status: 0 | 1 | undefined, private readonly postStateRoot: Uint8Array | undefined,
    /** The receipt's bloom when the transaction logged (undefined: all zero, or not computed yet — see settleBloom). */
    private bloom: Uint8Array | undefined,
  ) {}
  get receipt(): Receipt {
    return (this.rec ??= this.make(this.ownBloom() ?? new Uint8Array(BLOOM_BYTES)));
  }
  /** The receipt's consensus encoding, without building the receipt when nobody read it. */
  encodedReceipt(s: ReceiptScratch): Uint8Array {
    return encodeReceiptInto(s, this.rec ?? this.make(this.ownBloom() ?? ZERO_BLOOM));
  }
  /** The bloom of a receipt whose block left it to the receipts pipeline, OR-ed into the block's `into` now. */
  settleBloom(into: Uint8Array): void {
    if (!this.bloom && this.result.logs.length) this.bloom = logsBloom(this.result.logs, into);
  }
  private ownBloom(): Uint8Array | undefined {
    return this.bloom ?? (this.result.logs.length ? (this.bloom = logsBloom(this.result.logs)) : undefined);
  }
  receiptParts(): ReceiptParts {
    return { type: this.type, status: this.status === 1 ? 1 : 0, cumulative: this.cumulative, bloom: this.bloom, bloomAt: 0, logs: this.result.logs };
  }
  private make(logsBloom: Uint8Array): Receipt {
    const r: Receipt = { type: this.type, cumulativeGasUsed: this.cumulative, logsBloom, logs: this.result.logs };
    if (this.status !== undefined) r.status = this.status;
    else if (this.postStateRoot !== undefined) r.postStateRoot = this.postStateRoot;
    return r;
  }
}

/**
 * Execute `block` on `state` (a backend that takes writes, or a WorldState over one): every change is committed
 * into the backend, transaction by transaction. Returns per-transaction results, receipts and state diffs, the
 * block's gas used, logs bloom and receipts root (compare them with the header), and the time spent.
 * Throws {@link InvalidBlockError} when a transaction is rejected or exceeds the gas left in the block.
 *
 * @example
 * ```ts
 * import { backendFromPrestate, blockFromRpc, executeBlock } from 'mevmc';
 * const { block } = blockFromRpc(rpcBlockJson);               // eth_getBlockByNumber(n, true)
 * const r = await executeBlock(block, backendFromPrestate(pre), { blockHash: (n) => hashes.get(n) });
 * r.gasUsed === BigInt(rpcBlockJson.gasUsed);
 * ```
 */
export async function executeBlock(block: Block, state: StateBackend | WorldState, opts: ExecuteBlockOptions = {}): Promise<BlockResult> {
  // End the caller's job first: V8 keeps every WeakRef target created or read in a job alive until the job ends
  // (the state cache holds its WorldState by WeakRef), so blocks run back to back in one job — `for (…) await
  // executeBlock(…)`, the CLI over a folder — kept each block's whole state alive (~2 MB per swap block, heap growing
  // block after block and every GC slower). One event-loop turn per block lets them go.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const h = block.header;
  const chain = opts.chain ?? MAINNET;
  const fork = opts.fork ?? forkAt(chain, h.number, h.timestamp);
  const inner = opts.loader ?? new WasmLoader();
  if (inner.engine !== 'native') await ensureCompiler(); // nothing to compile is known ahead: load it once
  const loader = new CompileTimer(inner);
  const world = state instanceof WorldState ? state : new WorldState(state);
  const source = opts.blockHash;
  const blobs = blobParamsAt(chain, fork, h.timestamp);
  const env: TxEnv = {
    number: h.number, timestamp: h.timestamp, coinbase: h.coinbase, gasLimit: h.gasLimit,
    baseFee: h.baseFee ?? 0n, prevRandao: fork >= Fork.Paris ? h.mixHash : h.difficulty, chainId: chain.chainId,
    blobBaseFee: blobs ? blobBaseFee(h.excessBlobGas ?? 0n, blobs.updateFraction) : 0n,
    blockHash: (n) => (n < h.number && n + 256n >= h.number ? (source?.(n) ?? 0n) : 0n),
  };
  const context: BlockContext = { ...env, blobHashes: [] };
  const t0 = performance.now();

  const systemCall = (to: string, data: Uint8Array): void => runSystemCall(world, fork, context, loader, to, data);

  // --- irregular state change and system calls before the transactions ---
  const daoBlock = chain.forks.find((a) => a.fork === Fork.Dao)?.block;
  if (daoBlock !== undefined && h.number === daoBlock) applyDaoRefund(world);
  if (fork >= Fork.Cancun && h.parentBeaconBlockRoot !== undefined) systemCall(BEACON_ROOTS, hexBytes(h.parentBeaconBlockRoot));
  if (fork >= Fork.Prague && h.parentHash !== undefined) systemCall(HISTORY_STORAGE, hexBytes(h.parentHash));
  const systemDiff = world.commit();

  // --- transactions ---
  const txs: TxOutcome[] = [];
  const bloom = new Uint8Array(BLOOM_BYTES);
  const nextBloom = bloomArena();
  let cumulative = 0n;
  let blobGasUsed = 0n;
  let bloomsLater = false;
  const maxBlobGas = blobs ? GAS_PER_BLOB * BigInt(blobs.max) : 0n;
  const checkGas = (i: number): void => {
    const tx = block.transactions[i];
    if (tx.gasLimit > h.gasLimit - cumulative) throw new InvalidBlockError(i, `gas limit ${tx.gasLimit} above the ${h.gasLimit - cumulative} left in the block`);
    if (tx.blobVersionedHashes.length === 0) return; // no BigInt arithmetic for the common case
    const blobGas = GAS_PER_BLOB * BigInt(tx.blobVersionedHashes.length);
    if (blobGas > maxBlobGas - blobGasUsed) throw new InvalidBlockError(i, `blob gas ${blobGas} above the ${maxBlobGas - blobGasUsed} left in the block`);
  };
  const finish = (i: number, result: TxResult, diff: StateDiff, kind: TxOutcome['kind'], execMs: number, txBloom?: Uint8Array): void => {
    const tx = block.transactions[i];
    cumulative += result.gasUsed;
    if (tx.blobVersionedHashes.length) blobGasUsed += GAS_PER_BLOB * BigInt(tx.blobVersionedHashes.length);
    // The block's bloom is OR-ed while each receipt's is built (no second pass over 256 bytes per transaction).
    // A parallel worker's result brings its receipt's bloom; without logs the receipt's is all zero (built when read).
    if (txBloom) orBloom(bloom, txBloom);
    // With the receipts pipeline, the bloom of a receipt made here is computed where its leaf is hashed.
    const own = txBloom ?? (result.logs.length && !bloomsLater ? logsBloom(result.logs, bloom, nextBloom()) : undefined);
    const status = fork >= Fork.Byzantium ? (result.status === 'success' ? 1 : 0) : undefined;
    const root = status === undefined && opts.intermediateStateRoot ? opts.intermediateStateRoot(world) : undefined;
    txs.push(new LocalOutcome(result, diff, kind, execMs, tx.type, cumulative, status, root, own));
  };
  /** A worker's result committed by the parallel executor: its receipt, result and diff are built when read. */
  const finishRecord = (i: number, o: RecordOutcome, txBloom: Uint8Array, bloomAt: number): void => {
    const tx = block.transactions[i];
    cumulative += o.gasUsed;
    if (tx.blobVersionedHashes.length) blobGasUsed += GAS_PER_BLOB * BigInt(tx.blobVersionedHashes.length);
    if (bloomAt >= 0) orBloom(bloom, txBloom, bloomAt);
    o.cumulative = cumulative;
    o.type = tx.type;
    o.withStatus = fork >= Fork.Byzantium;
    txs.push(o);
  };
  /** The last runHere's execution ms (runTransaction, compilation apart) and compilation ms: the parallel stop rule's step factor. */
  const here = { execMs: 0, compileMs: 0 };
  /** Transaction i on this thread, on the committed state: the whole sequential step after checkGas. */
  const runHere = (i: number): StateDiff => {
    const tx = block.transactions[i];
    // Classified before it runs: a plain transfer has no code at its target (an EIP-7702 delegation is code).
    const kind = tx.to === undefined ? 'create' : world.code(tx.to).length === 0 ? 'transfer' : 'call';
    const tx0 = performance.now();
    const compile0 = loader.compileMs;
    const result = runTransaction(world, tx, env, fork, loader);
    if (result.status === 'rejected') {
      world.discard();
      throw new InvalidBlockError(i, `rejected: ${result.error}`);
    }
    const diff = world.commit();
    here.compileMs = loader.compileMs - compile0;
    finish(i, result, diff, kind, (here.execMs = performance.now() - tx0 - here.compileMs));
    return diff;
  };
  let parallel: ParallelStats | undefined;
  let pipelined: (() => { root: Uint8Array; bloom: Uint8Array }) | undefined;
  const pool = opts.pool ?? ((opts.workers ?? 1) > 1 ? new ParallelPool(opts.workers!, poolSpecOf(inner)) : undefined);
  if (pool) {
    const leafScratch = receiptScratch();
    try {
      const run = await runTransactionsParallel({
        block, world, fork, env, loader, pool,
        hooks: {
          checkGas, runHere, finish, lastHere: () => here,
          ...(fork >= Fork.Byzantium || !opts.intermediateStateRoot ? { finishRecord } : {}),
          // Status receipts are final at commit: their leaves are hashed by idle workers while the block runs.
          ...(fork >= Fork.Byzantium ? {
            receiptOf: (i: number) => (txs[i] as TxOutcome & EncodesReceipt).encodedReceipt(leafScratch),
            receiptPartsOf: (i: number) => (txs[i] as TxOutcome & EncodesReceipt).receiptParts(),
            deferBlooms: () => {
              bloomsLater = true;
            },
            settleBloom: (i: number) => (txs[i] as LocalOutcome).settleBloom(bloom),
          } : {}),
        },
        delay: opts.parallel?.delayMs ? { maxMs: opts.parallel.delayMs } : undefined, minDispatched: opts.parallel?.minDispatched,
        minDispatchedGas: opts.parallel?.minDispatchedGas, minCores: opts.parallel?.minCores, senderChains: opts.parallel?.senderChains, plainTransfers: opts.parallel?.plainTransfers,
        keepSpeculating: opts.parallel?.keepSpeculating, localBatch: opts.parallel?.localBatch, schedule: opts.parallel?.schedule, splitShare: opts.parallel?.splitShare, minPipelinedReceipts: opts.parallel?.minPipelinedReceipts, preDiffs: [systemDiff],
      });
      parallel = run.stats;
      pipelined = run.receipts;
      if (!opts.pool && pipelined) {
        // A pool of this block only: the root is finished before its threads go (a leaf a thread held when terminated
        // would otherwise be waited for).
        const done = pipelined();
        pipelined = () => done;
      }
    } finally {
      if (!opts.pool) await pool.close();
    }
  } else {
    for (let i = 0; i < block.transactions.length; i++) {
      checkGas(i);
      runHere(i);
    }
  }

  if (h.blobGasUsed !== undefined && h.blobGasUsed !== blobGasUsed) {
    throw new InvalidBlockError(-1, `header blobGasUsed ${h.blobGasUsed}, the transactions use ${blobGasUsed}`);
  }

  // --- after the transactions ---
  if (fork >= Fork.Prague) {
    systemCall(WITHDRAWAL_REQUESTS, new Uint8Array(0));
    systemCall(CONSOLIDATION_REQUESTS, new Uint8Array(0));
  }
  for (const w of block.withdrawals ?? []) {
    if (w.amount > 0n) world.setBalance(w.address, world.balance(w.address) + w.amount * GWEI);
  }
  const reward = blockReward(fork);
  if (reward > 0n) {
    const uncles = block.uncles ?? [];
    for (const u of uncles) {
      const r = ((8n + u.number - h.number) * reward) / 8n;
      world.setBalance(u.coinbase, world.balance(u.coinbase) + (r > 0n ? r : 0n));
    }
    world.setBalance(h.coinbase, world.balance(h.coinbase) + reward + (reward / 32n) * BigInt(uncles.length));
  }
  const finalDiff = world.commit();
  const total = performance.now() - t0;

  const withRoots = fork >= Fork.Byzantium || opts.intermediateStateRoot !== undefined;
  const fromPipeline = pipelined?.();
  if (fromPipeline) orBloom(bloom, fromPipeline.bloom);
  return {
    fork, gasUsed: cumulative, blobGasUsed, logsBloom: bloom,
    receiptsRoot: withRoots ? (fromPipeline?.root ?? receiptsRootOf(txs)) : undefined,
    txs, systemDiff, finalDiff, execMs: total - loader.compileMs - (parallel?.startMs ?? 0), compileMs: loader.compileMs,
    contracts: { compiled: loader.compiled, fromDisk: loader.fromDisk },
    ...(parallel ? { parallel } : {}),
  };
}

/** The worker loaders' configuration matching `loader` (same engine, cache and options, so modules match). */
export function poolSpecOf(loader: ContractLoader): LoaderSpec {
  if (loader instanceof WasmLoader) return { engine: 'wasm', cacheDir: loader.opts.cacheDir, optimize: loader.opts.optimize };
  return { engine: loader.engine === 'native' ? 'native' : 'wasm' };
}
