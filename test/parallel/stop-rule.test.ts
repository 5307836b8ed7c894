/**
 * @file The parallel executor's end-to-end stop rule (runtime/parallel/stop-rule.ts) with a given clock: a window of
 * commits that took longer than executing them here would have stops speculation; the first window is not judged;
 * windows count from the first speculative result (exact runs before it cost what sequential execution costs).
 */
import { describe, expect, it } from 'vitest';
import { HANDOVER_WINDOW, HandOverRule } from '../../runtime/parallel/stop-rule.ts';

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
});
