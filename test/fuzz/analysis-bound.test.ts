/**
 * @file A fuzz finding kept as a test: program 402 of the mutate campaign with seed 1415 (a mutated Solidity
 * contract) made the dynamic-jump analysis recurse without end — functions returning into each other's symbolic
 * return slots made new return windows forever (`mevmc compile` died with "Maximum call stack size exceeded", the
 * fuzz worker ran out of heap). With return events bounded per function it compiles and agrees with @ethereumjs/evm.
 */
import { describe, expect, it } from 'vitest';
import { makeProgram } from '../../runtime/harness/fuzz/campaign.ts';
import { runOracle } from '../../runtime/harness/fuzz/oracle.ts';
import { programToCase } from '../../runtime/harness/fuzz/program.ts';

describe('fuzz regressions', () => {
  it('mutate seed 1415 program 402: analysed in bounded time, same result as the reference', async () => {
    const p = await makeProgram('mutate', 1415, 402);
    const v = await runOracle(programToCase(p));
    expect(v.diffs).toEqual([]);
    expect(v.kind).toBe('same');
  }, 120_000);
});
