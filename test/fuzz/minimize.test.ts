/**
 * @file The planted-bug check: an "engine" that is mevmc plus a deliberate bug (one extra gas whenever the code
 * contains MUL) is caught by the oracle, and the minimiser shrinks a large generated program to a few instructions
 * that still show it; the reproducer is a batch-format case and the trace diff says where the traces part.
 */
import { describe, expect, it } from 'vitest';
import { type Case, parseCase } from '../../runtime/harness/case.ts';
import { runCase } from '../../runtime/harness/batch.ts';
import { makeProgram } from '../../runtime/harness/fuzz/campaign.ts';
import { ddmin, minimize, writeReproducer } from '../../runtime/harness/fuzz/minimize.ts';
import { type Engine, runOracle } from '../../runtime/harness/fuzz/oracle.ts';
import { insCount, programToCase } from '../../runtime/harness/fuzz/program.ts';
import { decodeUnits } from '../../runtime/harness/fuzz/program.ts';

/** MUL anywhere in the executed code (instruction boundaries respected) costs one extra gas. */
const hasMul = (code: Uint8Array) => decodeUnits(code).some((u) => (u[0] as { b: number[] }).b[0] === 0x02);
const buggy: Engine = (c: Case, opts) => {
  const r = runCase(c, opts);
  return hasMul(c.code) ? { ...r, gasUsed: (BigInt(r.gasUsed) + 1n).toString() } : r;
};

describe('fuzz minimiser', () => {
  it('ddmin finds a 1-minimal sublist', async () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const out = await ddmin(xs, async (ys) => ys.includes(17) && ys.includes(63), { stop: () => false });
    expect(out).toEqual([17, 63]);
  });

  it('shrinks a planted bug (gas + 1 when the code has MUL) to a few instructions', async () => {
    // The first large generated program whose main code contains MUL.
    let p;
    for (let i = 0; ; i++) {
      p = await makeProgram('gen', 77, i);
      if (insCount(p.contracts[0].units) > 60 && hasMul(programToCase(p).code)) break;
    }
    const v = await runOracle(programToCase(p), { engine: buggy });
    expect(v.kind).toBe('diverge');
    const m = await minimize(p, v, { engine: buggy, budget: 1500 });
    expect(m.before).toBeGreaterThan(60);
    expect(m.after).toBeLessThanOrEqual(4);
    expect(hasMul(m.case.code)).toBe(true);
    expect(m.verdict.diffs.join()).toMatch(/gasUsed/);
    const rep = await writeReproducer(m, undefined, { planted: 'gas+1 on MUL' });
    // The reproducer is a batch case that still shows the bug, and the real engine agrees with the reference on it.
    const back = parseCase(rep.json);
    expect((await runOracle(back, { engine: buggy })).kind).toBe('diverge');
    expect((await runOracle(back)).kind).toBe('same');
    expect(rep.trace).toMatch(/traces agree/); // the planted bug is only in the final result, not in the trace
  }, 120_000);
});
