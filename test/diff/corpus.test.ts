/**
 * @file Every case of the project's Solidity corpus (corpus/cases.json via `loadCorpusCases()`), compiled engine
 * against @ethereumjs/evm, on the three main forks (Cancun also compiled with -O2). Older forks are left out: solc targeted Cancun (PUSH0, MCOPY,
 * TLOAD/TSTORE), so on them the code would only show the undefined-opcode halt that test/diff/opcodes.test.ts
 * already covers.
 */
import { describe, expect, it } from 'vitest';
import { loadCorpusCases } from '../../corpus/index.ts';
import { FORKS, expectSame, loaderAt } from '../helpers/engines.ts';

const cases = loadCorpusCases();

describe('corpus cases on the main forks', () => {
  it('the corpus is there', () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  for (const c of cases) {
    it(c.id, async () => {
      for (const fork of FORKS) await expectSame({ ...c, id: `${c.id}@${fork}`, fork }, { note: c.id });
      // The Cancun run once more compiled with binaryen -O2 (the engine's default loader compiles at -O0).
      await expectSame({ ...c, id: `${c.id}@cancun-O2` }, { note: `${c.id} -O2`, loader: loaderAt(2) });
    }, 120_000);
  }
});
