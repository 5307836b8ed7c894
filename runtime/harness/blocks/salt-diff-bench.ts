/**
 * @file SALT update + root of one block's state diff, measured on the batch alone (issue #17's "≤ 100 ms for
 * 17666333" figure): the block runs once on an in-memory SaltBackend (genesis = its fixture pre-state) to learn its
 * SALT key changes; then each repetition inserts the genesis into a fresh SaltState and times `applyBatch(diff)`
 * (SHI tables, kv hashes, commitments, root) with the fixed-base tables already built, wall and process CPU.
 *
 * Usage: `npx tsx runtime/harness/blocks/salt-diff-bench.ts <block dir> [--threads N] [--repeat N] [--window W]`
 * (default ../shared/blocks/blocks/17666333, threads = SALT_THREADS or cores ≤ 4, 12 repetitions, the first two
 * not counted). Prints one line: keys, products, median / min wall ms, median CPU ms and the root, which must equal
 * the root `mevmc block <dir> --state salt:DIR` prints after the block.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockFromRpc } from '../../block/rpc.ts';
import { executeBlock } from '../../block/execute.ts';
import { SaltBackend } from '../../salt/backend.ts';
import { SaltState, type KeyChange } from '../../salt/state.ts';
import { ParallelKernel, defaultThreads } from '../../salt/kernel/parallel.ts';
import { loadFixture, freshState } from './fixture.ts';

/** Figures of one block diff. */
export interface SaltDiffBench {
  block: string;
  keys: number;
  genesisKeys: number;
  mults: number;
  threads: number;
  window: number;
  medianMs: number;
  minMs: number;
  medianCpuMs: number;
  root: string;
}

/** Every key/value of a SaltState (its buckets' slots), as changes that recreate it in an empty state. */
function contents(s: SaltState): KeyChange[] {
  const out: KeyChange[] = [];
  for (const t of s.buckets.values()) for (const e of t.slots.values()) out.push({ key: e.key, value: e.value });
  return out;
}

export async function runSaltDiffBench(dir: string, opts: { threads?: number; repeat?: number; window?: number } = {}): Promise<SaltDiffBench> {
  const f = loadFixture(dir);
  const salt = SaltBackend.open();
  salt.loadGenesis(freshState(f));
  const genesis = contents(salt.state);
  const { block } = blockFromRpc(f.block);
  await executeBlock(block, salt, { blockHash: (n) => f.blockHashes.get(n) ?? 0n });
  const diff = salt.pendingKeyChanges();
  salt.close();
  const threads = opts.threads ?? defaultThreads();
  const window = opts.window ?? 8;
  const engine = new ParallelKernel(threads, window);
  engine.warm();
  const ms: number[] = [];
  const cpu: number[] = [];
  let root = '';
  let mults = 0;
  const repeat = Math.max(3, opts.repeat ?? 12);
  try {
    for (let r = 0; r < repeat; r++) {
      const s = new SaltState(engine);
      s.applyBatch(genesis);
      const c0 = process.cpuUsage();
      const t = performance.now();
      root = Buffer.from(s.applyBatch(diff)).toString('hex');
      ms.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      mults = s.lastStats.mults;
    }
  } finally {
    engine.close();
  }
  const med = (x: number[]): number => [...x].sort((a, b) => a - b)[x.length >> 1];
  const counted = (x: number[]): number[] => x.slice(2);
  return {
    block: f.name, keys: diff.length, genesisKeys: genesis.length, mults, threads, window,
    medianMs: med(counted(ms)), minMs: Math.min(...counted(ms)), medianCpuMs: med(counted(cpu)), root: '0x' + root,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name: string): number | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args.splice(i, 2)[1]) : undefined;
  };
  const threads = opt('--threads');
  const repeat = opt('--repeat');
  const window = opt('--window');
  const dir = args[0] ?? '../shared/blocks/blocks/17666333';
  const r = await runSaltDiffBench(dir, { threads, repeat, window });
  console.log(
    `${r.block}: ${r.keys} keys (genesis ${r.genesisKeys}), ${r.mults} products, ${r.threads} thread(s), window ${r.window}: ` +
      `update+root median ${r.medianMs.toFixed(1)} ms (min ${r.minMs.toFixed(1)}), CPU median ${r.medianCpuMs.toFixed(1)} ms, root ${r.root}`,
  );
}
