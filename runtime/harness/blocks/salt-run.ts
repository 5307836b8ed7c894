/**
 * @file A block fixture executed on SALT (`mevmc block … --state salt:DIR`): the store of block n is `DIR/<n>/`, its
 * genesis the fixture's pre-state inserted as one batch, then the block's state diff (union of its transactions'
 * diffs) as one more batch. Printed: the SALT root before and after the block, the diff size and the update figures.
 *
 * Why a store per block: the shared fixtures are unrelated mainnet heights, each with a partial pre-state captured
 * at its own parent. Merged into one store, a later block would start from state that is not its parent's (an
 * exchange's nonce, a WETH balance written by an earlier block), so its transactions would be rejected or differ,
 * and the root would depend on the order the blocks ran. One store per block keeps each root a function of (pre-
 * state, block) alone — what a stateless validator re-derives from the witness.
 *
 * Reopen: a store holding only its genesis (batch 1: a run stopped during the block, e.g. killed) resumes with the
 * block; one that already holds the block (batch 2) is not executed again (its nonces moved on): the block is
 * replayed on an in-memory SALT from the pre-state and its root must equal the stored one ('verified').
 * Repeats (`--repeat`) after the first run execute on in-memory SALT stores from the pre-state.
 *
 * `witnessOut`: the first run tracks its SALT reads and, before the block's batch is committed, writes the block's
 * witness (runtime/salt/validate.ts `blockWitness`, proved against the parent root) as `<witnessOut>/<n>.<hash>.salt`
 * — the stateless-validator's naming — for `mevmc validate`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainConfig } from '../../block/chain.ts';
import type { BlockResult } from '../../block/types.ts';
import type { ContractLoader } from '../../loader/types.ts';
import { type BlockCommit, SaltBackend } from '../../salt/backend.ts';
import { blockWitness } from '../../salt/validate.ts';
import { ParallelKernel, defaultThreads } from '../../salt/kernel/parallel.ts';
import { defaultKernel } from '../../salt/kernel/index.ts';
import type { CommitEngine } from '../../salt/trie.ts';
import type { ParallelPool } from '../../parallel/pool.ts';
import { type BlockFixture, freshState } from './fixture.ts';
import { type BlockRun, runFixture } from './run.ts';

/** What the SALT side of a run reports. */
export interface SaltRunInfo {
  /** The store directory of this block. */
  dir: string;
  /** 'new': genesis written now; 'resumed': genesis was there, the block was not; 'verified': both were there. */
  store: 'new' | 'resumed' | 'verified';
  /** SALT root after genesis (the block's parent) and after the block (0x hex; stateRoot absent if the block failed). */
  parentStateRoot: string;
  stateRoot?: string;
  /** 'verified' stores: whether the in-memory replay reproduced the stored root. */
  storedRootMatches?: boolean;
  genesis?: BlockCommit;
  /** The block's batch (first run). */
  commit?: BlockCommit;
  /** Median over the repeats: SALT commit of the block (prepare + update + persist), ms. */
  commitMs: number;
  /** Median over the repeats: update + root only, ms (wall, and CPU of all threads). */
  updateMs: number;
  updateCpuMs: number;
  /** The block's witness (with `witnessOut`): file, key/values, path commitments, bytes, build ms. */
  witness?: { path: string; kvs: number; commitments: number; bytes: number; ms: number };
}

let blockEngine: CommitEngine | undefined;

/**
 * The commitment engine of block stores: the main thread's kernel plus `SALT_THREADS` − 1 workers (default: the
 * machine's parallelism, ≤ 4). Block batches (a few thousand products) are below the default engine's 20 000-job
 * threshold for starting threads, but a block run pays the pool's start (tables built and copied) once for all.
 */
export function saltBlockEngine(): CommitEngine {
  if (blockEngine) return blockEngine;
  const threads = defaultThreads();
  if (threads > 1) {
    const pool = new ParallelKernel(threads, defaultKernel().w, defaultKernel());
    // All 256 fixed-base tables built once here and copied to the workers: otherwise the first batches pay for
    // them (a worker building its tables lazily made a 121-key block take 280 ms instead of ~15).
    pool.warm();
    blockEngine = pool;
  } else blockEngine = defaultKernel();
  return blockEngine;
}

const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Run fixture `f` on the SALT store under `root` (see the file header). */
export async function runFixtureOnSalt(f: BlockFixture, engine: 'wasm' | 'native', loader: ContractLoader | undefined, repeat: number,
  root: string, opts: { chain?: ChainConfig; witnessOut?: string; pool?: ParallelPool } = {}): Promise<BlockRun & { salt: SaltRunInfo }> {
  const number = BigInt((f.block.number as string) ?? 0);
  const dir = join(root, number.toString());
  const eng = saltBlockEngine();
  const existed = existsSync(dir);
  const durable = SaltBackend.open(dir, { engine: eng });
  try {
    let genesis: BlockCommit | undefined;
    if (durable.batches === 0) genesis = durable.loadGenesis(freshState(f));
    const store: SaltRunInfo['store'] = durable.batches >= 2 ? 'verified' : existed && !genesis ? 'resumed' : 'new';
    const storedRoot = hex(durable.root());
    const backends: SaltBackend[] = [];
    const commits: BlockCommit[] = [];
    let parentStateRoot = storedRoot;
    let witness: SaltRunInfo['witness'];
    // The parallel executor commits each transaction's diff into the backend in order, like the sequential path, but
    // its workers read a replica, not the backend: the SALT reads a witness needs would not be seen, so a run that
    // writes witnesses is sequential.
    const { witnessOut, pool, ...runOpts } = opts;
    const r = await runFixture(f, engine, loader, repeat, {
      ...runOpts,
      ...(pool && !witnessOut ? { pool } : {}),
      state: (i) => {
        let be = durable;
        if (i > 0 || store === 'verified') {
          be = SaltBackend.open(undefined, { engine: eng });
          be.loadGenesis(freshState(f));
        }
        if (i === 0) parentStateRoot = hex(be.root());
        if (i === 0 && witnessOut) be.trackReads();
        backends[i] = be;
        return be;
      },
      executed: (res: BlockResult, i) => {
        if (i === 0 && witnessOut) {
          // Proved against the pre-block state: before commitBlock.
          const t0 = performance.now();
          const parentHash = String(f.block.parentHash ?? '0x' + '00'.repeat(32));
          const { witness: w, bytes } = blockWitness(backends[i], res, new Uint8Array(Buffer.from(parentHash.slice(2), 'hex')));
          mkdirSync(witnessOut, { recursive: true });
          const path = join(witnessOut, `${number}.${String(f.block.hash ?? '0x')}.salt`);
          writeFileSync(path, bytes);
          witness = { path, kvs: w.kvs.size, commitments: w.saltProof.parentsCommitments.size, bytes: bytes.length, ms: performance.now() - t0 };
        }
        commits[i] = backends[i].commitBlock();
      },
      failed: (i) => backends[i].discardBlock(),
    });
    const first = commits[0];
    const info: SaltRunInfo = {
      dir, store, parentStateRoot, ...(first ? { stateRoot: hex(first.root) } : {}), ...(genesis ? { genesis } : {}),
      ...(first ? { commit: first } : {}),
      commitMs: commits.length ? median(commits.map((c) => c.prepareMs + c.updateMs + c.persistMs)) : 0,
      updateMs: commits.length ? median(commits.map((c) => c.updateMs)) : 0,
      updateCpuMs: commits.length ? median(commits.map((c) => c.updateCpuMs)) : 0,
      ...(witness ? { witness } : {}),
    };
    if (store === 'verified' && first) {
      info.storedRootMatches = hex(first.root) === storedRoot;
      info.stateRoot = storedRoot;
    }
    const ok = r.ok && info.storedRootMatches !== false;
    return { ...r, ok, ...(info.storedRootMatches === false ? { error: `stored SALT root ${storedRoot} differs from the replay's ${hex(first!.root)}` } : {}), salt: info };
  } finally {
    durable.close();
  }
}
