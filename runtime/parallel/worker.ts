/**
 * @file A parallel-executor worker thread: holds a replica of the committed state and executes transactions
 * speculatively on it, recording what each read (reads.ts) and returning its write set and receipt parts.
 *
 * Replica: the pre-state (decoded once per base and kept across blocks; replica.ts), with the coordinator's commit
 * log applied in order into an overlay before each execution (read from shared memory: no message per commit; the
 * coordinator starts the log only after a failed validation). A transaction's own writes never enter the replica; the
 * coordinator's commit of it arrives through the log like any other. So the replica is always exactly the
 * committed state after `seen` transactions, and a result whose reads still hold at its turn is the result the
 * sequential executor would have produced.
 *
 * Result record (appended to the worker's shared result area after a u32 length): u32 index, u32 seen, u8 ok (0: the execution threw; then a string message),
 * u8 status (0 success, 1 revert, 2 halt, 3 rejected), u8 kind (0 transfer, 1 call, 2 create), word gasUsed,
 * u8 deferred + word fee, u8 + string error, u8 created + address, bytes returnData, logs (+ their 256-byte bloom
 * when there are any), f64 exec ms, read set,
 * write set.
 */
import { parentPort } from 'node:worker_threads';
import type { Fork } from '../../src/evm/forks.ts';
import { CompilerNotLoadedError, type ContractLoader } from '../loader/types.ts';
import { MemoryBackend, WorldState } from '../state/world.ts';
import { type Tx, type TxEnv, type TxResult, runTransaction } from '../tx/index.ts';
import { BufferFullError, ByteReader, ByteWriter, addressTable, readState, readStateDiff, writeDiff, writeLogs } from './codec.ts';
import {
  type BlockMsg, type DoneMsg, type HashMsg, CTRL_CLAIM, CTRL_COMMITTED, CTRL_COORD_WAITING, CTRL_DONE, CTRL_LOG_BYTES, CTRL_RES_BYTES, CTRL_RES_SEQ, CTRL_STOP, CTRL_WINDOW, CTRL_WORKERS_WAKE_AT, type FromWorker, type LoaderSpec, type ToWorker,
} from './protocol.ts';
import { BLOOM_BYTES, logsBloom } from '../block/receipts.ts';
import { RecordingBackend } from './reads.ts';
import { hashLeaves } from './receipts-pipeline.ts';
import { recoverForPool } from './sender-recovery.ts';
import { OverlayBackend } from './replica.ts';
import { sharedNow, threadCpuMs } from './thread-cpu.ts';

const port = parentPort!;
const spec = (await import('node:worker_threads')).workerData as LoaderSpec;

// Signature recoveries need no loader, so they are served from the first message on, while the loader is still being
// set up (the compiler's import alone is ~1 s): a pool's first block recovers its senders on every thread. They run
// at once, not queued behind a block (they touch nothing a block uses). Other messages wait for the loader, in order.
const early: ToWorker[] = [];
let handle: ((m: ToWorker) => void) | undefined;
port.on('message', (m: ToWorker) => {
  if (m.type === 'recover') recoverForPool(m.buf, m.n);
  else if (handle) handle(m);
  else early.push(m);
});

let loader: ContractLoader;
let adopt: ((key: string, m: WebAssembly.Module) => void) | undefined;
if (spec.engine === 'native') {
  const { NativeLoader } = await import('../loader/native.ts');
  loader = new NativeLoader(spec.cacheDir ? { cacheDir: spec.cacheDir } : {});
} else {
  const { WasmLoader } = await import('../loader/wasm.ts');
  const l = new WasmLoader({ cacheDir: spec.cacheDir, optimize: spec.optimize });
  loader = l;
  adopt = (k, m) => l.adopt(k, m);
  // Init code (creations) is in no state snapshot: the compiler is loaded up front, not on the first creation.
  const { ensureCompiler } = await import('../loader/wasm.ts');
  await ensureCompiler();
}

const STATUS = { success: 0, revert: 1, halt: 2, rejected: 3 } as const;
const KIND = { transfer: 0, call: 1, create: 2 } as const;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

const post = (m: FromWorker) => port.postMessage(m);

post({ type: 'ready' });

/** The pre-state this worker holds (decoded once per base) with the current block's commits in its overlay. */
let replica: OverlayBackend | undefined;
let replicaId = 0;
/** The transactions of the block object `txsId` (the coordinator sends them once per block object). */
let blockTxs: Tx[] = [];
let txsId = 0;
/** Their address table (codec.ts addressTable: the coordinator builds the same one). */
let table: ReturnType<typeof addressTable> | undefined;
let tableFor: Tx[] | undefined;

// Blocks run one after another: a message that arrives while one runs waits its turn.
let queue: Promise<void> = Promise.resolve();
handle = (m: ToWorker) => {
  if (m.type === 'modules') {
    for (const { key, module } of m.modules) adopt?.(key, module);
    return;
  }
  if (m.type === 'recover') return; // served on arrival (above)
  queue = queue.then(() => (m.type === 'hash' ? hashOnly(m) : runBlock(m))).catch((e) => post({ type: 'error', id: m.id, message: e instanceof Error ? e.stack ?? e.message : String(e) }));
};
for (const m of early.splice(0)) handle(m);

/** A block the coordinator runs sequentially: hash its receipt leaves as they come. */
function hashOnly(m: HashMsg): void {
  const cpu0 = threadCpuMs();
  const hashed = hashLeaves(m.receipts);
  const cpu1 = threadCpuMs();
  post({ type: 'done', id: m.id, execMs: 0, setupMs: 0, replayMs: 0, encodeMs: 0, results: 0, lagMs: 0, hashed, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 });
}

async function runBlock(m: BlockMsg): Promise<void> {
  const ctrl = new Int32Array(m.ctrl);
  try {
    const cpu0 = threadCpuMs();
    const done = await runClaims(m, ctrl);
    // Nothing left to execute: the receipts published so far, and those to come, are hashed here.
    const hashed = (done?.hashed ?? 0) + (m.receipts ? hashLeaves(m.receipts) : 0);
    const cpu1 = threadCpuMs();
    post({ ...(done ?? { type: 'done', id: m.id, execMs: 0, setupMs: 0, replayMs: 0, encodeMs: 0, results: 0, lagMs: 0 }), hashed, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 });
  } finally {
    // Counted even when this block failed, so the coordinator never waits for a worker that stopped.
    Atomics.add(ctrl, CTRL_DONE, 1);
    Atomics.add(ctrl, CTRL_RES_SEQ, 1);
    Atomics.notify(ctrl, CTRL_RES_SEQ);
  }
}

/** Tell the coordinator a result is in, waking it only if it waits (see CTRL_COORD_WAITING). */
function published(ctrl: Int32Array): void {
  Atomics.add(ctrl, CTRL_RES_SEQ, 1);
  if (Atomics.load(ctrl, CTRL_COORD_WAITING) !== 0) Atomics.notify(ctrl, CTRL_RES_SEQ);
}

/** Claim and execute speculative transactions until none are left or the coordinator stops; what it did (undefined: nothing to claim). */
async function runClaims(m: BlockMsg, ctrl: Int32Array): Promise<DoneMsg | undefined> {
  const t0 = performance.now();
  let lagMs = -1;
  // A new base is decoded even when the coordinator already ran the whole block: it counts on this worker holding it.
  if (m.snapshot) {
    const b = new MemoryBackend();
    readState(new ByteReader(m.snapshot), (a, acc, storage) => b.setAccount(a, acc, storage.size ? storage : undefined));
    replica = new OverlayBackend(b);
    replicaId = m.baseId;
  } else if (replicaId !== m.baseId || !replica) throw new Error(`parallel worker: base ${m.baseId} not held (holds ${replicaId})`);
  else replica.reset();
  if (m.txs) {
    blockTxs = m.txs;
    txsId = m.txsId;
  } else if (txsId !== m.txsId) throw new Error(`parallel worker: transactions ${m.txsId} not held (holds ${txsId})`);
  const txs = blockTxs;
  if (Atomics.load(ctrl, CTRL_STOP) !== 0 || Atomics.load(ctrl, CTRL_CLAIM) >= m.order.length) return undefined;
  const base = replica;
  const rec = new RecordingBackend(base);
  const world = new WorldState(rec);
  const hashes = new Map(m.hashes);
  const env: TxEnv = { ...m.env, blockHash: (n) => hashes.get(n) ?? 0n };
  // The result area: records appended from 0 each block (the coordinator has read the last block's).
  const out = new ByteWriter(new Uint8Array(m.results), 0);
  if (!table || table.names[0] !== m.env.coinbase || tableFor !== txs) {
    table = addressTable(m.env.coinbase, txs);
    tableFor = txs;
  }
  out.names = table.index;
  const names = table.names;
  let logPos = 0;
  let seen = 0;
  const setupMs = performance.now() - t0;
  let execMs = 0;
  let replayMs = 0;
  let encodeMs = 0;
  let results = 0;
  let hashed = 0;
  /** Bring the replica up to the commit log's end. */
  const catchUp = (): void => {
    const end = Atomics.load(ctrl, CTRL_LOG_BYTES);
    if (end === logPos) return;
    const r = new ByteReader(new Uint8Array(m.log), logPos);
    r.names = names;
    while (r.pos < end) {
      seen = r.u32() + 1;
      base.applyDiff(readStateDiff(r, base));
    }
    logPos = r.pos;
  };
  for (;;) {
    if (Atomics.load(ctrl, CTRL_STOP) !== 0) break;
    // Not too far ahead of the commits (woken by the coordinator's notify on CTRL_COMMITTED).
    const window = Atomics.load(ctrl, CTRL_WINDOW);
    const committed = Atomics.load(ctrl, CTRL_COMMITTED);
    if (Atomics.load(ctrl, CTRL_CLAIM) >= committed + window && Atomics.load(ctrl, CTRL_CLAIM) < m.order.length) {
      // Wake-up point first, then wait on the value read before: a commit in between makes the wait return at once.
      // Held by the window: hash receipt leaves meanwhile (a few), or sleep until the commits catch up.
      const h = m.receipts ? hashLeaves(m.receipts, 8, false) : 0;
      if (h > 0) {
        hashed += h;
        continue;
      }
      Atomics.store(ctrl, CTRL_WORKERS_WAKE_AT, committed + Math.max(1, window >> 1));
      Atomics.wait(ctrl, CTRL_COMMITTED, committed, 5);
      continue;
    }
    const j = Atomics.add(ctrl, CTRL_CLAIM, 1);
    if (lagMs < 0) lagMs = sharedNow() - m.postedAt;
    if (j >= m.order.length) break;
    const i = m.order[j];
    if (m.delay) Atomics.wait(sleeper, 0, 0, Math.random() * m.delay.maxMs);
    const e0 = performance.now();
    catchUp();
    const e1 = performance.now();
    replayMs += e1 - e0;
    const start = out.pos;
    out.u32(0);
    try {
      encodeMs += await execute(i, txs[i], env, m.fork, world, rec, seen, out);
    } catch (e) {
      world.discard();
      // A full result area ends this worker's block (the coordinator runs what it left).
      if (e instanceof BufferFullError) throw e;
      out.pos = start + 4;
      out.u32(i);
      out.u32(seen);
      out.u8(0);
      out.string(e instanceof Error ? e.message : String(e));
    }
    out.view.setUint32(start, out.pos - start - 4, true);
    Atomics.store(ctrl, CTRL_RES_BYTES + m.w, out.pos);
    published(ctrl);
    results++;
    execMs += performance.now() - e0;
  }
  return { type: 'done', id: m.id, execMs, setupMs, replayMs, encodeMs, results, lagMs: Math.max(0, lagMs), hashed };
}

/** Execute and append the record to `w`; returns the ms spent encoding. */
async function execute(i: number, tx: Tx, env: TxEnv, fork: Fork, world: WorldState, rec: RecordingBackend, seen: number, w: ByteWriter): Promise<number> {
  for (;;) {
    world.discard();
    rec.reset();
    const t0 = performance.now();
    let fee: bigint | undefined;
    try {
      const kind = tx.to === undefined ? 'create' : world.code(tx.to).length === 0 ? 'transfer' : 'call';
      // The coinbase's fee is left to the coordinator when this execution never read the coinbase.
      const result = runTransaction(world, tx, env, fork, loader, { deferFee: (f) => (rec.accounts.has(env.coinbase) ? false : ((fee = f), true)) });
      const t1 = performance.now();
      encode(i, seen, result, kind, fee, world, rec, t1 - t0, w);
      return performance.now() - t1;
    } catch (e) {
      if (!(e instanceof CompilerNotLoadedError)) throw e;
      const { ensureCompiler } = await import('../loader/wasm.ts');
      await ensureCompiler();
    }
  }
}

function encode(i: number, seen: number, r: TxResult, kind: keyof typeof KIND, fee: bigint | undefined, world: WorldState, rec: RecordingBackend, ms: number, w: ByteWriter): void {
  // The diff reads the replica (before-values, written slots): recorded too, before the read set is written.
  const diff = r.status === 'rejected' ? new Map() : world.diff();
  world.discard();
  w.u32(i);
  w.u32(seen);
  w.u8(1);
  w.u8(STATUS[r.status]);
  w.u8(KIND[kind]);
  w.word(r.gasUsed);
  w.u8(fee === undefined ? 0 : 1);
  if (fee !== undefined) w.word(fee);
  w.u8(r.error === undefined ? 0 : 1);
  if (r.error !== undefined) w.string(r.error);
  w.u8(r.createdAddress ? 1 : 0);
  if (r.createdAddress) w.address(r.createdAddress);
  w.bytes(r.returnData);
  writeLogs(w, r.logs);
  // The receipt's bloom (keccak of every address and topic) is made here, not on the coordinator's critical path.
  if (r.logs.length) {
    // Made in place (a 256-byte array of its own is an off-heap allocation).
    w.ensure(BLOOM_BYTES);
    const b = w.buf.subarray(w.pos, w.pos + BLOOM_BYTES);
    b.fill(0);
    logsBloom(r.logs, undefined, b);
    w.pos += BLOOM_BYTES;
  }
  w.f64(ms);
  rec.write(w);
  writeDiff(w, diff);
}
