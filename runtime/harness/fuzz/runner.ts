/**
 * @file Running a campaign: the per-worker loop (also used in-process with one worker) and the pool of worker
 * threads (runtime/fuzz/worker-boot.mjs registers tsx, then runs worker.ts). Workers report statistics deltas a few
 * times per second and every finding as soon as it is seen; `stop()` lets each finish its current program.
 */
import { Worker } from 'node:worker_threads';
import { type Finding, type Mode, type Stats, emptyStats, globalIndex, mergeStats } from './stats.ts';

export interface CampaignConfig {
  mode: Mode;
  seed: number;
  workers: number;
  shard: number;
  shards: number;
  /** Programs of this shard (local indices 0..runs-1); unbounded if undefined. */
  runs?: number;
  /** Wall-clock end (Date.now() ms); unbounded if undefined. */
  deadline?: number;
  /** Only this global program index (one program, in-process). */
  index?: number;
  regressionsDir?: string;
  /** Collect executed-opcode coverage on every n-th program (0: never). */
  coverageEvery: number;
  minimizeBudget?: number;
  /** mevmc engine under test (default wasm). */
  engine?: 'wasm' | 'native';
}

export type WorkerMsg = { type: 'progress'; stats: Stats } | { type: 'finding'; finding: Finding; final: boolean } | { type: 'done'; stats: Stats } | { type: 'error'; message: string };

/** The loop of worker `w`: posts deltas and findings through `post` until done, the deadline, or `stopped()`. */
export async function workerLoop(cfg: CampaignConfig, w: number, post: (m: WorkerMsg) => void, stopped: () => boolean): Promise<void> {
  // Loaded here: the compiler and the reference take seconds to load, and the main thread only coordinates.
  const { fuzzOne } = await import('./campaign.ts');
  const engine = cfg.engine === 'native' ? (await import('./oracle.ts')).nativeEngine : undefined;
  let delta = emptyStats();
  let last = Date.now();
  const opts = {
    coverage: false, regressionsDir: cfg.regressionsDir, minimizeBudget: cfg.minimizeBudget, engine,
    onFinding: (f: Finding) => post({ type: 'finding', finding: f, final: false }),
  };
  for (let k = 0; ; k++) {
    const local = k * cfg.workers + w;
    const g = cfg.index ?? globalIndex(k, w, cfg.workers, cfg.shard, cfg.shards);
    if (cfg.index !== undefined ? k > 0 : cfg.runs !== undefined && local >= cfg.runs) break;
    if ((cfg.deadline !== undefined && Date.now() >= cfg.deadline) || stopped()) break;
    opts.coverage = cfg.coverageEvery > 0 && g % cfg.coverageEvery === 0;
    const found = await fuzzOne(cfg.mode, cfg.seed, g, delta, opts);
    for (const f of found) post({ type: 'finding', finding: f, final: true });
    if (Date.now() - last > 250) {
      post({ type: 'progress', stats: delta });
      delta = emptyStats();
      last = Date.now();
    }
    await new Promise((r) => setImmediate(r)); // let a stop message in
  }
  post({ type: 'done', stats: delta });
}

export interface CampaignHandle {
  stats: Stats;
  findings: Map<string, Finding>;
  /** Resolves when every worker is done. */
  done: Promise<void>;
  /** Ask the workers to finish their current program; `force` terminates them. */
  stop(force?: boolean): void;
}

/** Start a campaign; `onUpdate` is called after every message. */
export function startCampaign(cfg: CampaignConfig, onUpdate: () => void = () => {}): CampaignHandle {
  const stats = emptyStats();
  const findings = new Map<string, Finding>();
  const handle = (m: WorkerMsg) => {
    if (m.type === 'progress' || m.type === 'done') mergeStats(stats, m.stats);
    else if (m.type === 'finding') findings.set(m.finding.id, { ...findings.get(m.finding.id), ...m.finding });
    else if (m.type === 'error') throw new Error(m.message);
    onUpdate();
  };
  if (cfg.workers <= 1 || cfg.index !== undefined) {
    let stop = false;
    const done = workerLoop({ ...cfg, workers: 1 }, 0, handle, () => stop);
    return { stats, findings, done, stop: () => { stop = true; } };
  }
  const workers: Worker[] = [];
  const ends: Promise<void>[] = [];
  let failure: Error | undefined;
  for (let w = 0; w < cfg.workers; w++) {
    const worker = new Worker(new URL(import.meta.url.endsWith('.ts') ? './worker-boot.mjs' : './worker.js', import.meta.url), {
      workerData: { cfg, w },
      // Nested calls re-enter compiled code synchronously: deep call stacks need native stack (README).
      resourceLimits: { stackSizeMb: 64 },
    });
    workers.push(worker);
    ends.push(new Promise<void>((resolve) => {
      worker.on('message', (m: WorkerMsg) => {
        try { handle(m); } catch (e) { failure = e as Error; }
      });
      worker.on('error', (e) => { failure = e; resolve(); });
      worker.on('exit', () => resolve());
    }));
  }
  const done = Promise.all(ends).then(() => { if (failure) throw failure; });
  return {
    stats, findings, done,
    stop: (force = false) => { for (const w of workers) force ? void w.terminate() : w.postMessage({ type: 'stop' }); },
  };
}
