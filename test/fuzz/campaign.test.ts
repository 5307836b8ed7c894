/**
 * @file A short differential campaign (in-process, fixed seed): generated programs agree on mevmc and
 * @ethereumjs/evm; and every reproducer kept in corpus/regressions/ replays with identical results.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCase } from '../../runtime/harness/case.ts';
import { emptyStats, type Finding, fuzzOne } from '../../runtime/harness/fuzz/campaign.ts';
import { runOracle } from '../../runtime/harness/fuzz/oracle.ts';

const REGRESSIONS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'corpus', 'regressions');

describe('fuzz campaign', () => {
  it('200 generated programs (plus gas-pressure re-runs) find no divergence', async () => {
    const stats = emptyStats();
    const findings: Finding[] = [];
    for (let i = 0; i < 200; i++) findings.push(...(await fuzzOne('gen', 0xf022, i, stats, { minimize: false, coverage: i % 4 === 0 })));
    expect(findings.map((f) => `${f.id}: ${f.diffs.join('; ')}`)).toEqual([]);
    expect(stats.execs).toBeGreaterThan(200);
    expect(Object.keys(stats.halts).length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('40 raw and 20 mutated programs find no divergence', async () => {
    const stats = emptyStats();
    const findings: Finding[] = [];
    for (let i = 0; i < 40; i++) findings.push(...(await fuzzOne('raw', 0xf023, i, stats, { minimize: false })));
    for (let i = 0; i < 20; i++) findings.push(...(await fuzzOne('mutate', 0xf024, i, stats, { minimize: false })));
    expect(findings.map((f) => `${f.id}: ${f.diffs.join('; ')}`)).toEqual([]);
  }, 120_000);

  const files = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((f) => f.endsWith('.json')).sort() : [];
  it.skipIf(files.length === 0)(`every corpus/regressions case replays identically (${files.length})`, async () => {
    const bad: string[] = [];
    for (const f of files) {
      const v = await runOracle(parseCase(JSON.parse(readFileSync(join(REGRESSIONS, f), 'utf8')), f));
      if (v.kind !== 'same' && v.kind !== 'skip') bad.push(`${f}: ${v.kind} ${v.diffs.join('; ')}`);
    }
    expect(bad).toEqual([]);
  }, 120_000);
});
