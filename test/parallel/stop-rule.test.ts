/**
 * @file The parallel executor's end-to-end stop rule (runtime/parallel/stop-rule.ts) with a given clock: a window of
 * commits that took longer than executing them here would have stops speculation; the first window is not judged;
 * windows count from the first speculative result (exact runs before it cost what sequential execution costs).
 */
import { describe, expect, it } from 'vitest';
import { FIRST_MARGIN, HANDOVER_WINDOW, HandOverRule, SEQ_OVERHEAD, STEP_SAMPLE_RUNS, StepFactor } from '../../runtime/parallel/stop-rule.ts';

/** Feed `windows` windows, the clock advancing `stepMs` per commit, each commit estimated at `estMs`; the indices that said stop. */
function run(stepMs: number, estMs: number, windows: number): number[] {
  let clock = 0;
  const rule = new HandOverRule(() => clock);
  const stops: number[] = [];
  for (let k = 0; k < windows * HANDOVER_WINDOW; k++) {
    clock += stepMs;
    if (rule.add(estMs)) stops.push(k);
  }
  return stops;
}

describe('hand-over stop rule', () => {
  it('commits faster than running them here: never stops', () => {
    expect(run(0.1, 0.2, 4)).toEqual([]);
  });
  it('commits slower than running them here: stops at the end of each judged window, not the first', () => {
    expect(run(0.1, 0.05, 3)).toEqual([2 * HANDOVER_WINDOW - 1, 3 * HANDOVER_WINDOW - 1]);
  });
  it('a slow first window (thread wake-up) alone does not stop', () => {
    let clock = 0;
    const rule = new HandOverRule(() => clock);
    const stops: number[] = [];
    for (let k = 0; k < 3 * HANDOVER_WINDOW; k++) {
      clock += k < HANDOVER_WINDOW ? 5 : 0.1;
      if (rule.add(0.2)) stops.push(k);
    }
    expect(stops).toEqual([]);
  });
  it('exact runs before the first speculative result are not judged, however slow (a late worker)', () => {
    let clock = 0;
    const rule = new HandOverRule(() => clock);
    const stops: number[] = [];
    for (let k = 0; k < 5 * HANDOVER_WINDOW; k++) {
      clock += 1; // the loop's own overhead on top of each exact run's 0.5 ms
      if (rule.add(0.5, false)) stops.push(k);
    }
    // Then the worker's results: cheaper to commit than to run here.
    for (let k = 0; k < 3 * HANDOVER_WINDOW; k++) {
      clock += 0.1;
      if (rule.add(0.2, true)) stops.push(k);
    }
    expect(stops).toEqual([]);
  });
  it('a losing hand-over stops at the end of the second window after the first speculative result', () => {
    let clock = 0;
    const rule = new HandOverRule(() => clock);
    const stops: number[] = [];
    const exact = 50;
    for (let k = 0; k < exact + 3 * HANDOVER_WINDOW; k++) {
      const speculative = k >= exact;
      clock += speculative ? 0.3 : 0.1;
      if (rule.add(speculative ? 0.1 : 0.1, speculative)) stops.push(k);
    }
    expect(stops[0]).toBe(exact + 2 * HANDOVER_WINDOW - 1);
  });
  it("'split': the coordinator's own runs, skipped, are not judged; the commits between them are", () => {
    // Rounds of 100 own runs (1.1 ms of wall for 1 ms of work each: the loop around the step) and 100 worker
    // results committed in 0.1 ms each, estimated at 0.5 ms here.
    const rounds = (commitMs: number, skip: boolean): number[] => {
      let clock = 0;
      const rule = new HandOverRule(() => clock);
      const stops: number[] = [];
      for (let k = 0; k < 6 * 100; k++) {
        const own = Math.floor(k / 100) % 2 === 0;
        if (own) {
          clock += 1.1;
          if (skip) rule.skip(1.1);
          else if (rule.add(1, false)) stops.push(k);
        } else {
          clock += commitMs;
          if (rule.add(0.5, true)) stops.push(k);
        }
      }
      return stops;
    };
    expect(rounds(0.1, true)).toEqual([]);
    // Judged as exact commits, the own runs' 10 % stop a winning block (what 'split' did before skip).
    expect(rounds(0.1, false).length).toBeGreaterThan(0);
    // Commits dearer than running here still stop it.
    expect(rounds(0.8, true).length).toBeGreaterThan(0);
  });
});

describe('hand-over stop rule: one slow window among winning ones', () => {
  /** Windows of HANDOVER_WINDOW commits estimated at 0.1 ms each; `ratios[w]`: window w's wall / its estimate. */
  const windows = (ratios: number[]): number[] => {
    let clock = 0;
    const rule = new HandOverRule(() => clock);
    const stops: number[] = [];
    ratios.forEach((q, w) => {
      for (let k = 0; k < HANDOVER_WINDOW; k++) {
        clock += q * 0.1;
        if (rule.add(0.1)) stops.push(w);
      }
    });
    return stops;
  };
  it('a window 1.6x its estimate between windows at 0.6x (a GC pause) does not stop', () => {
    expect(windows([3, 0.6, 0.6, 1.6, 0.6, 0.6])).toEqual([]);
  });
  it('the first judged window stops only past FIRST_MARGIN; a steady small loss stops one window later, a switch to losing within 2', () => {
    expect(windows([3, FIRST_MARGIN * 1.1])).toEqual([1]);
    expect(windows([3, 1.1, 1.1, 1.1])).toEqual([2, 3]);
    expect(windows([3, 0.9, 1.05, 0.9])).toEqual([]);
    // Winning, then the hand-over dominates (2x): stopped within two losing windows (here the first).
    expect(windows([3, 0.6, 0.6, 0.6, 2, 2, 2])[0]).toBe(4);
  });
});

describe('step factor (sequential step ms per execution ms, from the block\'s exact runs)', () => {
  it('the default until enough exact runs, then their ratio of sums', () => {
    const f = new StepFactor();
    for (let k = 0; k < STEP_SAMPLE_RUNS - 1; k++) f.add(0.05 * 1.8, 0.05);
    expect(f.value).toBe(SEQ_OVERHEAD);
    f.add(0.05 * 1.8, 0.05);
    expect(f.value).toBeCloseTo(1.8, 9);
    // A long run weighs by its length (ratio of sums, not a mean of ratios).
    f.add(3.0, 2.0);
    expect(f.value).toBeCloseTo((STEP_SAMPLE_RUNS * 0.09 + 3.0) / (STEP_SAMPLE_RUNS * 0.05 + 2.0), 9);
  });
  it('clamped to [1, 4]; samples with no execution time or a step shorter than it are ignored', () => {
    const f = new StepFactor();
    for (let k = 0; k < STEP_SAMPLE_RUNS; k++) f.add(1, 0.1);
    expect(f.value).toBe(4);
    const g = new StepFactor();
    for (let k = 0; k < STEP_SAMPLE_RUNS; k++) g.add(0.5, 0);
    g.add(0.1, 0.2);
    expect(g.value).toBe(SEQ_OVERHEAD);
  });
  it('a measured factor turns a losing window into a winning one: 32 results of 0.1 ms committed in 5 ms', () => {
    // Worker execution 0.1 ms per result, the window's wall 5 ms: 1.2 × 0.1 × 32 = 3.84 ms says stop, the
    // measured 1.7 (W2's sequential step) × 0.1 × 32 = 5.44 ms says go on.
    const judge = (factor: number): number[] => {
      let clock = 0;
      const rule = new HandOverRule(() => clock);
      const stops: number[] = [];
      for (let k = 0; k < 3 * HANDOVER_WINDOW; k++) {
        clock += 5 / HANDOVER_WINDOW;
        if (rule.add(factor * 0.1)) stops.push(k);
      }
      return stops;
    };
    expect(judge(1.2)).toEqual([2 * HANDOVER_WINDOW - 1, 3 * HANDOVER_WINDOW - 1]);
    expect(judge(1.7)).toEqual([]);
  });
  it('worker scale: 1 until both sides have enough runs, then the ratio of mean execution ms, clamped to [0.5, 3]', () => {
    const f = new StepFactor();
    for (let k = 0; k < STEP_SAMPLE_RUNS; k++) f.addWorker(0.05);
    for (let k = 0; k < STEP_SAMPLE_RUNS - 1; k++) f.addLocal(0.08);
    expect(f.workerScale).toBe(1);
    f.addLocal(0.08);
    expect(f.workerScale).toBeCloseTo(0.08 / 0.05, 9);
    // Means, not sums: twice as many worker results at the same ms do not change it.
    for (let k = 0; k < STEP_SAMPLE_RUNS; k++) f.addWorker(0.05);
    expect(f.workerScale).toBeCloseTo(0.08 / 0.05, 9);
    const g = new StepFactor();
    for (let k = 0; k < STEP_SAMPLE_RUNS; k++) {
      g.addWorker(0.01);
      g.addLocal(1);
    }
    expect(g.workerScale).toBe(3);
  });
});
