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
/**
 * Sequential step per execution ms of a speculative result: the sequential executor also diffs, commits and builds
 * the bloom (measured W1 5.2 µs execution + 1.8, W2 7.7 + 5.3, W3 152 + 13).
 */
export const SEQ_OVERHEAD = 1.2;

export class HandOverRule {
  private t0: number;
  private n = 0;
  private est = 0;
  /** Windows closed so far (the first is not judged: it holds the first results' hand-over and the caches' warm-up). */
  windows = 0;
  /** A speculative result has been committed: windows count from it. */
  private started = false;
  constructor(private readonly now: () => number = () => performance.now(), private readonly size = HANDOVER_WINDOW) {
    this.t0 = now();
  }
  /**
   * One transaction committed; `estimateMs` is what running it here would have cost (an exact run's own ms, or
   * SEQ_OVERHEAD × a speculative execution's ms), `speculative` whether it came from a speculative result. True
   * when the window it closes was slower than that estimate.
   */
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
    const slower = this.windows > 0 && now - this.t0 > this.est;
    this.t0 = now;
    this.n = 0;
    this.est = 0;
    this.windows++;
    return slower;
  }
}
