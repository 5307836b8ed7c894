/**
 * @file The parallel executor's end-to-end stop rule: speculation stops when, over a window of committed
 * transactions, the coordinator took more wall time than executing them itself would have. Kept apart from the
 * coordinator so it can be checked with a given clock.
 *
 * Why end to end: the earlier rule compared a worker result's commit with its execution (medians) and did not see
 * the rest of the overhead — waits, wake-ups, the worker's share of a loaded machine — so W1 speculated to the end
 * at 0.63× of sequential (idle, 8a16b7a).
 *
 * Windows count from the first speculative result committed: before it the coordinator has run every transaction
 * exactly, at sequential cost, so nothing says the hand-over loses. Counted from the block's start, the second
 * window closed before a late worker (its start measured 1–20 ms after the post under load) had produced anything,
 * and stopped blocks that win once it runs (W3 swap stopped at 63 in such rounds).
 */

/** Transactions per window. */
export const HANDOVER_WINDOW = 32;
/** The first judged window stops speculation only when it took this much more than its estimate. */
export const FIRST_MARGIN = 1.25;
/** Later judged windows are judged together with the ones before, this many in all. */
export const JUDGED_SPAN = 3;
/**
 * Sequential step (execution + diff + commit + receipt) per execution ms, until the block's own exact runs say
 * otherwise (see {@link StepFactor}). Measured in the sequential executor, step wall / Σ execution ms per
 * transaction (session 11, load 3–10): W1 1.17–1.64, W2 1.41–2.36, W3 1.10–1.17 — 1.2 undervalued W1 and W2.
 */
export const SEQ_OVERHEAD = 1.5;
/** Exact runs (their execution ms summed) before the block's own factor replaces {@link SEQ_OVERHEAD}. */
export const STEP_SAMPLE_MS = 0.1;
/** Exact runs seen before the block's own factor is used. */
export const STEP_SAMPLE_RUNS = 8;

/**
 * The step factor measured live per block from the coordinator's exact runs (the sequential step itself: step
 * wall ms against its execution ms), so a speculative result's "cost here" is its execution ms × the factor this
 * block's transactions show on this machine now. Clamped to [1, 4]: a run that stalled (GC, descheduled) must not
 * make every later result look like a gain.
 */
export class StepFactor {
  private step = 0;
  private exec = 0;
  private runs = 0;
  add(stepMs: number, execMs: number): void {
    if (!(execMs > 0) || !(stepMs >= execMs)) return;
    this.step += stepMs;
    this.exec += execMs;
    this.runs++;
  }
  get value(): number {
    if (this.runs < STEP_SAMPLE_RUNS || this.exec < STEP_SAMPLE_MS) return SEQ_OVERHEAD;
    return Math.min(4, Math.max(1, this.step / this.exec));
  }

  /*
   * A worker's execution ms is not this thread's: the same W3 swap measured 0.43-0.98x (median 0.64) of the
   * sequential executor's in a worker, whose heap is smaller. The coordinator's own speculative runs draw from the
   * same transactions as the workers' (one claim counter), so their mean execution ms per transaction against the
   * workers' scales a worker's ms to this thread's.
   */
  private localMs = 0;
  private localN = 0;
  private workerMs = 0;
  private workerN = 0;
  /** One of the coordinator's own speculative executions. */
  addLocal(execMs: number): void {
    this.localMs += execMs;
    this.localN++;
  }
  /** One worker result's execution. */
  addWorker(execMs: number): void {
    this.workerMs += execMs;
    this.workerN++;
  }
  /** This thread's execution ms per worker execution ms: 1 until both have STEP_SAMPLE_RUNS, then clamped to [0.5, 3]. */
  get workerScale(): number {
    if (this.localN < STEP_SAMPLE_RUNS || this.workerN < STEP_SAMPLE_RUNS || !(this.workerMs > 0)) return 1;
    return Math.min(3, Math.max(0.5, (this.localMs / this.localN) / (this.workerMs / this.workerN)));
  }
}

export class HandOverRule {
  private t0: number;
  private n = 0;
  private est = 0;
  /** The last judged windows' wall ms and estimate. */
  private readonly spans: [number, number][] = [];
  /** Windows closed so far (the first is not judged: it holds the first results' hand-over and the caches' warm-up). */
  windows = 0;
  /** A speculative result has been committed: windows count from it. */
  private started = false;
  constructor(private readonly now: () => number = () => performance.now(), private readonly size = HANDOVER_WINDOW) {
    this.t0 = now();
  }
  /**
   * One transaction committed; `estimateMs` is what running it here would have cost (an exact run's own ms, or
   * the step factor × a speculative execution's ms), `speculative` whether it came from a speculative result. True
   * when the window it closes says the hand-over loses: the first judged window over FIRST_MARGIN × its estimate,
   * a later one together with the judged windows before it (JUDGED_SPAN in all) over their estimates.
   */
  /**
   * Leave `ms` of wall time out of the window in progress: a run of this thread's that holds no hand-over to judge
   * (the 'split' schedule's own runs — judged as exact commits, three windows of them at ~1.05× their own ms, the
   * work around each step, stopped speculation in the middle of blocks that were winning).
   */
  skip(ms: number): void {
    this.t0 += ms;
  }
  add(estimateMs: number, speculative = true): boolean {
    if (!this.started) {
      if (!speculative) {
        this.t0 = this.now();
        return false;
      }
      this.started = true;
    }
    this.est += estimateMs;
    if (++this.n < this.size) return false;
    const now = this.now();
    const wall = now - this.t0;
    // The first judged window alone must lose clearly; after it, the last JUDGED_SPAN judged windows together: one
    // window of 32 cheap commits (~0.5 ms on W2) is within a GC pause or a late wake-up of the line, and stopping on
    // such a window ended W2 at 0.94–1.00× when speculating to the end gave 1.33–1.40× (session 11, load 3).
    let slower = false;
    if (this.windows > 0) {
      this.spans.push([wall, this.est]);
      if (this.spans.length > JUDGED_SPAN) this.spans.shift();
      let w = 0;
      let e = 0;
      for (const [a, b] of this.spans) {
        w += a;
        e += b;
      }
      slower = this.windows === 1 ? wall > FIRST_MARGIN * this.est : w > e;
    }
    this.t0 = now;
    this.n = 0;
    this.est = 0;
    this.windows++;
    return slower;
  }
}
