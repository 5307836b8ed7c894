/**
 * @file POINT_EVALUATION (0x0a): verification verdicts equal c-kzg-4844's on kzg-vectors.json (the go-kzg-4844
 * vectors of ethereum/tests plus our own; see kzg-vectors.gen.ts), and pricing, length and versioned-hash handling,
 * output, and failure equal @ethereumjs/evm's on Cancun, Prague and Osaka.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { Fork, forkName } from '../../src/evm/forks.ts';
import { hexBytes, ours, same } from './reference.ts';

const vectors = JSON.parse(readFileSync(new URL('./kzg-vectors.json', import.meta.url), 'utf8')) as { name: string; input: string; valid: boolean }[];
const RESULT = '0x' + (4096).toString(16).padStart(64, '0') + '73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001';

describe('0x0a POINT_EVALUATION', () => {
  it(`agrees with c-kzg-4844 on ${vectors.length} vectors`, () => {
    const wrong = [];
    for (const v of vectors) {
      const r = ours(Fork.Cancun, 0x0a, hexBytes(v.input), 100_000n);
      if (r.ok !== v.valid || (r.ok && r.output !== RESULT) || r.gasUsed !== (r.ok ? 50_000n : 100_000n)) wrong.push(v.name);
    }
    expect(wrong).toEqual([]);
  });

  it.each([Fork.Cancun, Fork.Prague, Fork.Osaka].map((f) => [forkName(f), f] as const))('against @ethereumjs/evm: %s', async (_n, fork) => {
    const sample = vectors.filter((_, i) => i % 9 === 0).map((v) => hexBytes(v.input));
    const valid = hexBytes(vectors.find((v) => v.valid)!.input);
    const badHash = valid.slice();
    badHash[5] ^= 1;
    const badVersion = valid.slice();
    badVersion[0] = 2;
    for (const input of [...sample, valid, badHash, badVersion, valid.subarray(0, 191), new Uint8Array(0), new Uint8Array(193)]) {
      await same(fork, 0x0a, input, { checkError: false });
    }
  });
});
