/**
 * @file The fuzzer's generator: deterministic per (seed, index), valid programs, wide opcode coverage (static: the
 * opcodes present in the generated code; the campaign also measures executed coverage on the reference).
 */
import { describe, expect, it } from 'vitest';
import { makeProgram } from '../../runtime/harness/fuzz/campaign.ts';
import { assemble, decodeUnits, programToCase } from '../../runtime/harness/fuzz/program.ts';
import { caseToJson } from '../../runtime/harness/case.ts';
import { forkOpcodes } from '../../runtime/harness/fuzz/stats.ts';
import { opName } from '../../src/index.ts';

describe('fuzz generator', () => {
  it('is deterministic per seed and index, and different across indices', async () => {
    for (const mode of ['gen', 'raw'] as const) {
      for (let i = 0; i < 20; i++) {
        const a = JSON.stringify(caseToJson(programToCase(await makeProgram(mode, 42, i))));
        const b = JSON.stringify(caseToJson(programToCase(await makeProgram(mode, 42, i))));
        expect(a).toBe(b);
      }
      const x = caseToJson(programToCase(await makeProgram(mode, 42, 1)));
      const y = caseToJson(programToCase(await makeProgram(mode, 42, 2)));
      const z = caseToJson(programToCase(await makeProgram(mode, 43, 1)));
      expect(x.code).not.toBe(y.code);
      expect(x.code).not.toBe(z.code);
    }
  });

  it('mutate mode is deterministic too', async () => {
    const a = JSON.stringify(caseToJson(programToCase(await makeProgram('mutate', 5, 3))));
    expect(JSON.stringify(caseToJson(programToCase(await makeProgram('mutate', 5, 3))))).toBe(a);
  }, 60_000);

  it('decodes and re-assembles bytecode losslessly', async () => {
    for (let i = 0; i < 20; i++) {
      const c = programToCase(await makeProgram('raw', 9, i));
      expect(Buffer.from(assemble(decodeUnits(c.code))).toString('hex')).toBe(Buffer.from(c.code).toString('hex'));
    }
  });

  it('covers most opcodes of the fork, several fork choices and multi-contract cases', async () => {
    const seen = new Set<number>();
    const forks = new Set<string>();
    let multi = 0;
    for (let i = 0; i < 300; i++) {
      const p = await makeProgram('gen', 1, i);
      forks.add(p.fork);
      if (p.contracts.length > 1) multi++;
      for (const ct of p.contracts) for (const u of decodeUnits(assemble(ct.units))) seen.add((u[0] as { b: number[] }).b[0]);
    }
    const target = forkOpcodes();
    const missing = target.filter((o) => !seen.has(o)).map(opName);
    expect(forks.size).toBe(3);
    expect(multi).toBeGreaterThan(100);
    // Every CALL kind, CREATE*, SELFDESTRUCT, transient storage, logs, memory copies.
    for (const name of ['CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL', 'CREATE', 'CREATE2', 'SELFDESTRUCT', 'TSTORE', 'TLOAD', 'LOG4', 'MCOPY', 'RETURNDATACOPY', 'EXTCODECOPY'])
      expect(missing, name).not.toContain(name);
    expect(missing.length, `missing: ${missing.join(' ')}`).toBeLessThan(10);
  });
});
