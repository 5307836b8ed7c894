/**
 * @file Stateless-validation benchmark (issue #17 target: validation ≤ 2× the full node's execution), in one process
 * so that both sides see the same machine load: per block the full node's execution (in-memory backend, contracts
 * already compiled by a warm-up run) and `validateBlock` from the block's SALT witness, all on the calling thread and
 * with the verification on a second thread beside execution and update (the default picks by witness size).
 *
 * Usage: `npx tsx runtime/harness/blocks/validate-bench.ts LINES [--blocks DIR] [--repeat N] [--filter RE]` where
 * LINES is the `--json` output of `mevmc block DIR/* --state salt:S --witness-out W --json` (each line names the
 * block, its parentStateRoot, the SALT store and the witness file); DIR defaults to ../shared/blocks/blocks.
 * Output: one row per block (medians of N runs, default 3, after one unmeasured validation per mode; ratio =
 * validation / execution; r/wall = validation / the full node's executeBlock wall time less compilation, which
 * like the validation includes the receipts root; `first` = the first validation in the process, which also loads the kernel, derives the
 * CRS and reads the kernel tables), then `VALIDATE_BENCH {json}`.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { executeBlock } from '../../block/execute.ts';
import { blockFromRpc } from '../../block/rpc.ts';
import { WasmLoader } from '../../loader/wasm.ts';
import { loadCodeSource } from '../../salt/stateless-backend.ts';
import { validateBlock } from '../../salt/validate.ts';
import { freshState, loadFixture } from './fixture.ts';

/** One benchmark row (ms are medians). */
export interface ValidateBenchRow {
  block: number;
  txs: number;
  execMs: number;
  /**
   * The full node's `executeBlock` wall time less compilation: execution plus what `execMs` leaves out and the
   * validation's wall time includes (receipts root, bloom; 120–200 ms on 15537394 and 17666333).
   */
  execWallMs: number;
  /** validateMs / execWallMs. */
  ratioWall: number;
  kvs: number;
  commitments: number;
  keys: number;
  verifyMs: number;
  updateMs: number;
  /** Validation wall time, verification on the calling thread (MEVMC_SALT_VERIFY_THREAD=0). */
  validateMs: number;
  ratio: number;
  /** The same with the verification on a second thread beside execution and update (MEVMC_SALT_VERIFY_THREAD=1). */
  threadMs: number;
  ratioThread: number;
  /** The first validation of the process (CRS, kernel tables). */
  firstMs: number;
  /** Header checks pass and every validation's post-state root equals the full node's (`stateRoot` of the line). */
  ok: boolean;
}

/** Median (mean of the middle two for an even count). */
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Run the benchmark over the blocks named in `lines`. */
export async function runValidateBench(lines: string, blocksDir: string, repeat = 3, filter?: RegExp): Promise<ValidateBenchRow[]> {
  const loader = new WasmLoader({});
  const rows: ValidateBenchRow[] = [];
  let first = true;
  for (const line of lines.split('\n').filter((l) => l.trim())) {
    const o = JSON.parse(line) as { name: string; block: number; parentStateRoot: string; stateRoot: string; salt: { dir: string }; witness: { path: string } };
    if (filter && !filter.test(o.name)) continue;
    const f = loadFixture(join(blocksDir, o.name));
    const { block } = blockFromRpc(f.block);
    const blockHash = (n: bigint): bigint | undefined => f.blockHashes.get(n);
    const exec: number[] = [];
    const execWall: number[] = [];
    for (let i = 0; i <= repeat; i++) {
      const state = freshState(f);
      const t = performance.now();
      const r = await executeBlock(block, state, { loader, blockHash });
      if (i === 0) continue; // run 0 compiles the contracts
      exec.push(r.execMs);
      execWall.push(performance.now() - t - r.compileMs);
    }
    const witness = new Uint8Array(readFileSync(o.witness.path));
    const parent = Buffer.from(o.parentStateRoot.slice(2), 'hex');
    const code = loadCodeSource(join(o.salt.dir, 'code'));
    const once = async (seq: boolean) => {
      const prev = process.env.MEVMC_SALT_VERIFY_THREAD;
      process.env.MEVMC_SALT_VERIFY_THREAD = seq ? '0' : '1';
      try {
        const t = performance.now();
        const r = await validateBlock(f.block, witness, parent, code, { loader, blockHash });
        return { r, ms: performance.now() - t };
      } finally {
        if (prev === undefined) delete process.env.MEVMC_SALT_VERIFY_THREAD;
        else process.env.MEVMC_SALT_VERIFY_THREAD = prev;
      }
    };
    const par: Awaited<ReturnType<typeof once>>[] = [];
    const seq: Awaited<ReturnType<typeof once>>[] = [];
    let firstMs = NaN;
    // One unmeasured validation per mode first, as execution's run 0: the first in the process pays one-off set-up
    // (native kernel load, CRS, table cache, the verification thread's start) — with 2 runs the median was that one.
    const warmSeq = await once(true);
    if (first) [firstMs, first] = [warmSeq.ms, false];
    const warmPar = await once(false);
    for (let i = 0; i < repeat; i++) {
      seq.push(await once(true));
      par.push(await once(false));
    }
    const r = seq[0].r;
    const execMs = median(exec);
    const execWallMs = median(execWall);
    const threadMs = median(par.map((x) => x.ms));
    const validateMs = median(seq.map((x) => x.ms));
    rows.push({
      block: o.block, txs: block.transactions.length, execMs, execWallMs, ratioWall: validateMs / execWallMs, kvs: r.witness.kvs, commitments: r.witness.commitments, keys: r.keys,
      verifyMs: median(seq.map((x) => x.r.verifyMs)), updateMs: median(seq.map((x) => x.r.updateMs)),
      validateMs, ratio: validateMs / execMs, threadMs, ratioThread: threadMs / execMs, firstMs,
      ok: r.ok && [warmSeq, warmPar, ...seq, ...par].every((x) => x.r.stateRoot === o.stateRoot.toLowerCase()),
    });
  }
  return rows;
}

/** Table lines for a result. */
export function formatValidateBench(rows: ValidateBenchRow[]): string[] {
  const out = ['   block   txs  exec ms  wall ms    kvs  comms  keys  verify ms  update ms  1-thread ms  ratio  r/wall  2-thread ms  ratio  first ms'];
  for (const x of rows) {
    out.push(
      `${String(x.block).padStart(8)} ${String(x.txs).padStart(5)} ${x.execMs.toFixed(0).padStart(8)} ${x.execWallMs.toFixed(0).padStart(8)} ${String(x.kvs).padStart(6)} ` +
        `${String(x.commitments).padStart(6)} ${String(x.keys).padStart(5)} ${x.verifyMs.toFixed(0).padStart(10)} ${x.updateMs.toFixed(0).padStart(10)} ` +
        `${x.validateMs.toFixed(0).padStart(12)} ${x.ratio.toFixed(2).padStart(6)} ${x.ratioWall.toFixed(2).padStart(7)} ${x.threadMs.toFixed(0).padStart(12)} ${x.ratioThread.toFixed(2).padStart(6)}` +
        `${Number.isNaN(x.firstMs) ? '' : x.firstMs.toFixed(0).padStart(10)}${x.ok ? '' : '  FAIL'}`,
    );
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const blocksDir = opt('--blocks') ?? resolve(import.meta.dirname, '../../../../shared/blocks/blocks');
  const repeat = Number(opt('--repeat') ?? 3);
  const filter = opt('--filter');
  if (!args[0]) {
    console.error('usage: validate-bench.ts LINES [--blocks DIR] [--repeat N] [--filter RE]');
    process.exit(2);
  }
  const rows = await runValidateBench(readFileSync(args[0], 'utf8'), blocksDir, repeat, filter ? new RegExp(filter) : undefined);
  for (const l of formatValidateBench(rows)) console.log(l);
  console.log('VALIDATE_BENCH ' + JSON.stringify(rows));
}
