/**
 * @file Halt-kind coverage of the fuzzer: the reference reports the exceptional halts of every frame (nested ones,
 * and the fail-fast CALL/CREATE failures that start no frame), and a short fixed-seed campaign of generated programs
 * reaches every kind of runtime/halts.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseCase } from '../../runtime/harness/case.ts';
import { emptyStats, type Finding, fuzzOne, haltCoverage } from '../../runtime/harness/fuzz/campaign.ts';
import { HALT_KINDS, haltKindOfError } from '../../runtime/harness/halts.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';

const hex = (s: string) => '0x' + s.replace(/\s+/g, '');

/** The halts the reference reports for `code` (called at 0x2000…02; `pre` as in a batch case). */
async function halts(code: string, pre: Record<string, unknown> = {}, gas = '1000000'): Promise<string[]> {
  const out: string[] = [];
  await runReference(parseCase({ code: hex(code), pre, gas }), { onHalt: (k) => out.push(k) });
  return out;
}

describe('fuzz halt coverage', () => {
  it('maps ethereumjs errors to halt kinds', () => {
    expect(haltKindOfError('invalid JUMP at 0x12/0x34:5')).toBe('invalid jump');
    expect(haltKindOfError('revert')).toBeUndefined();
    expect(haltKindOfError('initcode exceeds max initcode size')).toBe('initcode size exceeded');
    expect(haltKindOfError('invalid input length')).toBe('other: invalid input length');
  });

  it('sees nested halts and the failures that start no frame', async () => {
    const callee = '0xc0de000000000000000000000000000000000001';
    // CALL callee (which pops an empty stack), ignore the result, stop.
    expect(await halts(`5f5f5f5f5f 73${callee.slice(2)} 5a f1 50 00`, { [callee]: { code: '0x50' } })).toEqual(['stack underflow']);
    // RETURNDATACOPY beyond the (empty) return data: ethereumjs says 'out of gas'.
    expect(await halts('6001 5f 5f 3e')).toEqual(['return data out of bounds']);
    // CALL with 1 wei from an account without balance: the call fails fast, the frame goes on.
    expect(await halts(`5f5f5f5f 6001 73${callee.slice(2)} 5a f1 00`)).toEqual(['insufficient balance']);
    // CREATE of 49153 bytes of init code.
    expect(await halts('62 00c001 5f 5f f0 00')).toEqual(['initcode size exceeded']);
    // CREATE2 twice with the same salt and (empty) init code.
    expect(await halts('5f 5f 5f 5f f5 50 5f 5f 5f 5f f5 00')).toEqual(['create collision']);
    // Init code returning 0xEF, then init code returning 24577 bytes.
    expect(await halts('6a 60ef5f5360015ff3000000 5f 52 6008 6015 5f f0 00')).toEqual(['invalid 0xEF code']);
    expect(await halts('64 6160015ff3 5f 52 6005 601b 5f f0 00')).toEqual(['code size exceeded']);
    // Self-recursion with all its gas: the frame at depth 1024 cannot call.
    expect(await halts('5f5f5f5f5f 30 5a f1 00', {}, (1n << 38n).toString())).toEqual(['call depth exceeded']);
  }, 60_000);

  it('a short fixed-seed campaign reaches every halt kind', async () => {
    const stats = emptyStats();
    const findings: Finding[] = [];
    for (let i = 0; i < 400 && haltCoverage(stats).missing.length > 0; i++) {
      findings.push(...(await fuzzOne('gen', 1, i, stats, { minimize: false })));
    }
    expect(haltCoverage(stats).missing).toEqual([]);
    expect(Object.keys(haltCoverage(stats).reached)).toEqual([...HALT_KINDS]);
    expect(findings.map((f) => `${f.id}: ${f.diffs.join('; ')}`)).toEqual([]);
  }, 90_000);
});
