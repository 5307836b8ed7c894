/**
 * @file Whole post-state comparison of the fuzz oracle: both engines report every account after the call (end-of-
 * transaction deletions applied with their own bookkeeping) and agree on hand-made multi-account cases; a planted
 * difference in a non-callee account (an engine wrapper that adds 1 wei to a callee contract's balance) is reported
 * field by field, naming the account, and the minimiser still shrinks a program showing it.
 */
import { describe, expect, it } from 'vitest';
import { type Case, type CaseResult, DEFAULT_ADDRESS, DEFAULT_CALLER, parseCase } from '../../runtime/harness/case.ts';
import { runCase } from '../../runtime/harness/batch.ts';
import { makeProgram } from '../../runtime/harness/fuzz/campaign.ts';
import { minimize } from '../../runtime/harness/fuzz/minimize.ts';
import { diffPostState, type Engine, runOracle, signature } from '../../runtime/harness/fuzz/oracle.ts';
import { CALLEES } from '../../runtime/harness/fuzz/generate.ts';
import { insCount, programToCase } from '../../runtime/harness/fuzz/program.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';

const VICTIM = CALLEES[0];

/** mevmc, except that the post-state shows 1 wei more at 0xc0de…01 (a contract that is not the callee). */
const buggy: Engine = (c: Case, opts) => {
  const r: CaseResult = runCase(c, opts);
  const v = r.postState?.[VICTIM];
  if (!v) return r;
  return { ...r, postState: { ...r.postState, [VICTIM]: { ...v, balance: (BigInt(v.balance) + 1n).toString() } } };
};

const hex = (s: string) => s.replace(/\s+/g, '');

describe('fuzz oracle: whole post-state', () => {
  it('is only computed when asked for, and both engines agree on a multi-account case', async () => {
    // The callee CALLs 0xc0de…01 with 7 wei, which SSTOREs and CREATEs (with 3 wei) a child whose init code
    // SELFDESTRUCTs to address 0 (created in this call: deleted at the end, EIP-6780); then the callee CALLs an absent
    // account with 0 wei (touched and empty: deleted at the end, EIP-161).
    // victim: SSTORE(1, 0x2a); MSTORE(0, 0x6000ff) (init code PUSH1 0 SELFDESTRUCT at 29..31); CREATE(3, 29, 3); STOP
    const victim = hex('602a 6001 55 62 6000ff 6000 52 6003 601d 6003 f0 50 00');
    const c = parseCase({
      code: hex(`6000 6000 6000 6000 6007 73${VICTIM.slice(2)} 5a f1 50  6000 6000 6000 6000 6000 73${'dd'.repeat(20)} 5a f1 50 00`),
      pre: { [VICTIM]: { code: '0x' + victim, balance: '1' }, [DEFAULT_CALLER]: { balance: '1000' } },
      value: '100',
    });
    expect(runCase(c).postState).toBeUndefined();
    expect((await runReference(c)).postState).toBeUndefined();
    const ours = runCase(c, { postState: true });
    const ref = await runReference(c, { postState: true });
    expect(ours.status).toBe('success');
    expect(diffPostState(ours.postState, ref.postState, c)).toEqual([]);
    const ps = ref.postState!;
    expect(Object.keys(ps)).toEqual(['0x' + '0'.repeat(40), DEFAULT_CALLER, DEFAULT_ADDRESS, VICTIM].sort());
    expect(ps['0x' + '0'.repeat(40)].balance).toBe('3');
    expect(ps[DEFAULT_CALLER]).toMatchObject({ balance: '900', nonce: '1' });
    expect(ps[DEFAULT_ADDRESS].balance).toBe('93');
    expect(ps[VICTIM].balance).toBe('5');
    expect(ps[VICTIM].storage).toEqual({ ['0x' + '0'.repeat(63) + '1']: '0x' + '0'.repeat(62) + '2a' });
    expect(ps[VICTIM].nonce).toBe('1'); // it created one contract
    expect((await runOracle(c)).kind).toBe('same');
  });

  it('reports a planted balance difference in a non-callee account, naming it, and the minimiser keeps it', async () => {
    let p;
    for (let i = 0; ; i++) {
      p = await makeProgram('gen', 11, i);
      if (p.contracts.some((x) => x.address === VICTIM) && insCount(p.contracts[0].units) > 40) break;
    }
    const v = await runOracle(programToCase(p), { engine: buggy });
    expect(v.kind).toBe('diverge');
    expect(v.diffs).toContainEqual(expect.stringMatching(new RegExp(`^postState\\.balance ${VICTIM} \\(pre-state\\): ours (\\d+) ref \\d+ \\(diff 1\\)$`)));
    expect(signature(v)).toBe('diverge:postState.balance');
    const m = await minimize(p, v, { engine: buggy, budget: 600 });
    expect(m.verdict.kind).toBe('diverge');
    expect(m.verdict.diffs.join()).toMatch(/postState\.balance 0xc0de0+1/);
    expect(m.after).toBeLessThan(m.before);
    expect(insCount(m.program.contracts[0].units)).toBeLessThanOrEqual(2);
    // The real engine agrees on the minimised case.
    expect((await runOracle(m.case)).kind).toBe('same');
  }, 120_000);
});
