/**
 * @file `mevmc run --engine native` (single and --batch, --json, --repeat) agrees with `--engine ref`;
 * without a usable clang, `--engine native` is one `mevmc: error:` line and exit 2 (run and statetest).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeUnavailableReason } from '../../runtime/loader/native.ts';

import { CLI } from '../helpers/cli.ts';
const tmp = mkdtempSync(join(tmpdir(), 'mevmc-native-cli-'));
const env = { ...process.env, MEVMC_CACHE_DIR: join(tmp, 'cache') };
const run = (args: string[], extraEnv: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...env, ...extraEnv } });
const unavailable = nativeUnavailableReason();
if (unavailable) console.warn(`[native CLI tests skipped] ${unavailable}`);
const FIELDS = ['status', 'gasUsed', 'output', 'logs', 'storage', 'refund'] as const;

describe('mevmc --engine native', { timeout: 300_000 }, () => {
  it.skipIf(unavailable)('run: agrees with --engine ref (storage, logs, output), --repeat', () => {
    const code = '0x60003560010180600055600052600760206000a160206000f3';
    const args = ['run', code, '--calldata', '0x' + '00'.repeat(31) + '29', '--gas', '100000', '--json'];
    const n = JSON.parse(execFileSync(process.execPath, [CLI, ...args, '--engine', 'native', '--repeat', '5'], { encoding: 'utf8', env }));
    const r = JSON.parse(execFileSync(process.execPath, [CLI, ...args, '--engine', 'ref'], { encoding: 'utf8', env }));
    for (const k of FIELDS) expect(n[k]).toEqual(r[k]);
    expect(n.output).toBe('0x' + '00'.repeat(31) + '2a');
    expect(typeof n.execMs).toBe('number');
  });

  it.skipIf(unavailable)('fuzz --engine native: a fixed-seed run agrees with the reference on every program', () => {
    const r = run(['fuzz', '--engine', 'native', '--seed', '11', '--runs', '12', '--workers', '1', '--json', '--out', join(tmp, 'repro')]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(s.execs).toBeGreaterThanOrEqual(12);
    expect(s.divergences + s.crashes).toBe(0);
    expect(s.same).toBe(s.execs);
  });

  it.skipIf(unavailable)('run --batch: one result per case, identical to the reference', () => {
    const cases = [
      { id: 'add', fork: 'cancun', code: '0x600260030160005260206000f3', gas: '50000' },
      { id: 'revert', fork: 'prague', code: '0x60016000556001600052602060006000fd', gas: '50000', pre: { '0x2000000000000000000000000000000000000002': { storage: { '0x00': '0x05' } } } },
      { id: 'oog', fork: 'osaka', code: '0x5b600056', gas: '1000' },
    ];
    const file = join(tmp, 'cases.jsonl');
    writeFileSync(file, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const out = (engine: string) => execFileSync(process.execPath, [CLI, 'run', '--batch', file, '--engine', engine, '--repeat', '2'], { encoding: 'utf8', env })
      .trim().split('\n').map((l) => JSON.parse(l));
    const n = out('native');
    const r = out('ref');
    expect(n.map((x) => x.id)).toEqual(['add', 'revert', 'oog']);
    for (let i = 0; i < 3; i++) for (const k of FIELDS) expect(n[i][k], `${n[i].id}.${k}`).toEqual(r[i][k]);
  });

  it.each([
    [['run', '0x00', '--engine', 'native']],
    [['statetest', tmp, '--engine', 'native']],
  ])('%j without clang → one error line, exit 2', (args) => {
    const p = run(args, { MEVMC_CLANG: join(tmp, 'no-such-clang') });
    expect(p.status).toBe(2);
    const lines = p.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mevmc: error: --engine native: .*(clang|Linux|koffi)/);
  });
});
