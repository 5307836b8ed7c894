/**
 * @file The `mevmc` command line as a user sees it: exit codes, one-line errors, batch format, and
 * the artifacts of `compile`. Results are checked against `--engine ref` (@ethereumjs/evm).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { CLI } from '../helpers/cli.ts';
const mevmc = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'mevmc-cli-'));

describe('mevmc run', { timeout: 180_000 }, () => {
  it('--caller and --address set msg.sender and the executing address, as in --engine ref', () => {
    // mem[0] = CALLER, mem[32] = ADDRESS, RETURN mem[0..64]; a value makes the caller's funding visible too.
    const caller = '0x' + 'ca'.repeat(20), address = '0x' + 'ad'.repeat(20);
    const args = ['run', '0x335f523060205260405ff3', '--caller', caller, '--address', address, '--value', '7', '--json'];
    const w = JSON.parse(execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' }));
    const r = JSON.parse(execFileSync(process.execPath, [CLI, ...args, '--engine', 'ref'], { encoding: 'utf8' }));
    expect(w.output).toBe('0x' + caller.slice(2).padStart(64, '0') + address.slice(2).padStart(64, '0'));
    expect(w.status).toBe('success');
    for (const k of ['status', 'gasUsed', 'output'] as const) expect(w[k]).toEqual(r[k]);
    const bad = spawnSync(process.execPath, [CLI, 'run', '0x00', '--caller', '0x12'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^mevmc: error: .*caller/);
  });

  it('agrees with --engine ref on a program with storage, logs and output', () => {
    // SSTORE(0, CALLDATALOAD(0)+1); LOG1(topic 7, mem[0..32]); RETURN mem[0..32]
    const code = '0x60003560010180600055600052600760206000a160206000f3';
    const args = ['run', code, '--calldata', '0x' + '00'.repeat(31) + '29', '--gas', '100000', '--json'];
    const w = JSON.parse(execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' }));
    const r = JSON.parse(execFileSync(process.execPath, [CLI, ...args, '--engine', 'ref'], { encoding: 'utf8' }));
    for (const k of ['status', 'gasUsed', 'output', 'logs', 'storage', 'refund'] as const) expect(w[k]).toEqual(r[k]);
    expect(w.output).toBe('0x' + '00'.repeat(31) + '2a');
    expect(Object.values(w.storage)).toEqual(['0x' + '00'.repeat(31) + '2a']);
    expect(typeof w.execMs).toBe('number');
  });

  it.each([
    [['run', '0x600'], /odd-length/],
    [['run', '0x60zz'], /non-hex/],
    [['run', join(tmp, 'missing.bin')], /no such file/],
    [['run', '0x00', '--fork', 'frontierz'], /unknown fork/],
    [['run', '0x00', '--gas', 'lots'], /gas/],
    [['compile', '0x0g'], /non-hex/],
    [['run', '0x00', '--engine', 'evm'], /engine.*evm.*wasm/],
    [['run', '0x00', '--bogus-option'], /bogus-option/],
  ])('bad input %j → one error line, exit 2', (args, re) => {
    const p = mevmc(...args);
    expect(p.status).toBe(2);
    const lines = p.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mevmc: error: /);
    expect(lines[0]).toMatch(re);
  });
});

describe('mevmc run --batch', { timeout: 180_000 }, () => {
  it('prints one result per case, identical on both engines', () => {
    const cases = [
      { id: 'add', fork: 'cancun', code: '0x600260030160005260206000f3', gas: '50000' },
      { id: 'revert', fork: 'prague', code: '0x60016000556001600052602060006000fd', gas: '50000', pre: { '0x2000000000000000000000000000000000000002': { storage: { '0x00': '0x05' } } } },
      { id: 'oog', fork: 'osaka', code: '0x5b600056', gas: '1000' },
    ];
    const file = join(tmp, 'cases.jsonl');
    writeFileSync(file, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const out = (engine: string) => execFileSync(process.execPath, [CLI, 'run', '--batch', file, '--json', '--engine', engine], { encoding: 'utf8' })
      .trim().split('\n').map((l) => JSON.parse(l));
    const w = out('wasm');
    const r = out('ref');
    expect(w.map((x) => x.id)).toEqual(['add', 'revert', 'oog']);
    for (let i = 0; i < 3; i++) {
      expect(Object.keys(w[i]).sort()).toEqual(['error', 'execMs', 'gasUsed', 'id', 'logs', 'output', 'refund', 'status', 'storage']);
      for (const k of ['status', 'gasUsed', 'output', 'logs', 'storage', 'refund']) expect(w[i][k]).toEqual(r[i][k]);
    }
    expect(w.map((x) => x.status)).toEqual(['success', 'revert', 'halt']);
    expect(w[1].storage).toEqual({ ['0x' + '00'.repeat(32)]: '0x' + '00'.repeat(31) + '05' });
  });

  it('reports a malformed line in its place and runs the others (more in inputs.test.ts)', () => {
    const file = join(tmp, 'bad.jsonl');
    writeFileSync(file, '{"id":"a","code":"0x00"}\n{"id":"b","code":"0x0"}\n');
    const p = mevmc('run', '--batch', file, '--json');
    expect(p.status).toBe(2);
    const out = p.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((r) => [r.id, r.status])).toEqual([['a', 'success'], ['b', 'error']]);
    expect(out[1].error).toMatch(/^line 2: code: odd-length/);
    expect(p.stderr).toMatch(/^mevmc: error: .*bad\.jsonl: 1 of 2 lines not run/);
  });
});

describe('mevmc compile / disasm', { timeout: 180_000 }, () => {
  it('writes a valid wasm module and prints WAT', () => {
    const out = join(tmp, 'x.wasm');
    expect(mevmc('compile', '0x6001600201600052600160205b5b600256', '-o', out).status).toBe(0);
    expect(WebAssembly.validate(readFileSync(out))).toBe(true);
    const wat = mevmc('compile', '0x600160020160005260206000f3', '--emit', 'wat');
    expect(wat.status).toBe(0);
    expect(wat.stdout).toMatch(/^\(module/);
    expect(wat.stdout).toMatch(/\(export "run"/);
  });

  it('shows blocks with fused jumps and the truncated PUSH', () => {
    const p = mevmc('disasm', '0x6003565b00', '--blocks');
    expect(p.stdout).toMatch(/jump → @0003 \(fused\)/);
    const d = mevmc('disasm', '0x61ff');
    expect(d.stdout).toMatch(/PUSH2 0xff00 {2}; truncated: 1 of 2 bytes/);
  });
});
