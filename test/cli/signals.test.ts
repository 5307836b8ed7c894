/**
 * @file The CLI under signals and slow readers (issue #13, classes 1 and 7): SIGINT/SIGTERM sent to the CLI's own pid
 * or to its process group stop the work with exit 130/143 and leave no process behind; fuzz still prints its
 * summary; every byte of a large output reaches a reader that is slower than the writer, on success and on error.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mevmc-signals-'));
const SHARED = process.env.MEVMC_SHARED ?? join(import.meta.dirname, '..', '..', '..', 'shared');

/** Processes whose environment carries `mark` (the CLI and anything it started). */
function processesMarked(mark: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(`MEVMC_TEST_MARK=${mark}`)) out.push(Number(d));
    } catch { /* gone, or not ours */ }
  }
  return out;
}

function start(args: string[], mark: string, detached = false): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<{ code: number | null; signal: string | null }> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, MEVMC_TEST_MARK: mark }, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (b) => { out += b; });
  child.stderr!.on('data', (b) => { err += b; });
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exit };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
}

// JUMPDEST PUSH1 0 JUMP: loops until the gas runs out (10^12 gas: hours).
const ENDLESS = ['run', '0x5b600056', '--gas', '1000000000000'];

describe.skipIf(process.platform !== 'linux')('signals', { timeout: 120_000 }, () => {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${sig} to the CLI's pid stops an endless run: exit ${code}, nothing left running`, async () => {
      const mark = `run-${sig}-${process.pid}`;
      const p = start(ENDLESS, mark);
      await sleep(1500); // started and executing
      expect(processesMarked(mark)).toEqual([p.child.pid]);
      p.child.kill(sig);
      const r = await p.exit;
      expect(r).toEqual({ code, signal: null });
      expect(processesMarked(mark)).toEqual([]);
    });
  }

  it('a result line arrives while the next case is still computing (output is not held until the thread idles)', async () => {
    const mark = `stream-${process.pid}`;
    const f = join(tmp, 'stream.jsonl');
    const cases = [{ id: 'quick1', code: '0x00' }, { id: 'quick2', code: '0x00' }, { id: 'quick3', code: '0x00' }, { id: 'endless', code: '0x5b600056', gas: '1000000000000' }];
    writeFileSync(f, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const p = start(['run', '--batch', f, '--json'], mark);
    await waitFor(() => p.out().includes('"quick3"'), 30_000);
    if (!p.out().includes('"quick3"')) p.child.kill('SIGKILL'); // failing: leave nothing running
    expect(p.out()).toMatch(/^\{"id":"quick1","status":"success".*\n\{"id":"quick2".*\n\{"id":"quick3","status":"success"/);
    p.child.kill('SIGTERM');
    expect(await p.exit).toEqual({ code: 143, signal: null });
  });

  it('SIGINT to the process group (Ctrl-C) stops it too', async () => {
    const mark = `group-${process.pid}`;
    const p = start(ENDLESS, mark, true);
    await sleep(1500);
    process.kill(-p.child.pid!, 'SIGINT');
    expect(await p.exit).toEqual({ code: 130, signal: null });
    expect(processesMarked(mark)).toEqual([]);
  });

  it('fuzz: SIGINT finishes the current programs and prints the summary, exit 130', async () => {
    const mark = `fuzz-${process.pid}`;
    const p = start(['fuzz', '--seed', '3', '--runs', '100000', '--workers', '2', '--out', join(tmp, 'regressions')], mark);
    await waitFor(() => /mevmc fuzz:/.test(p.err()), 30_000);
    await sleep(3000);
    p.child.kill('SIGINT');
    const r = await p.exit;
    expect(r).toEqual({ code: 130, signal: null });
    expect(p.out()).toMatch(/^summary: \d+ programs/m);
    expect(p.err()).toMatch(/SIGINT: finishing current programs/);
    expect(processesMarked(mark)).toEqual([]);
  });

  // The whole folder takes minutes: stopping must not wait for it.
  const stDir = join(SHARED, 'statetests', 'ethereum-tests', 'GeneralStateTests');
  it.skipIf(!existsSync(stDir))(`statetest -j 2: SIGTERM stops the worker processes too, at once, exit 143 (needs ${stDir})`, async () => {
    const mark = `statetest-${process.pid}`;
    const p = start(['statetest', '-j', '2', stDir], mark);
    await waitFor(() => processesMarked(mark).length >= 3, 30_000); // the CLI and its two worker processes
    expect(processesMarked(mark).length).toBeGreaterThanOrEqual(3);
    await sleep(1000);
    p.child.kill('SIGTERM');
    const t0 = Date.now();
    expect(await p.exit).toEqual({ code: 143, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitFor(() => processesMarked(mark).length === 0, 5000);
    expect(processesMarked(mark)).toEqual([]);
  });
});

describe('output through a slow pipe', { timeout: 300_000 }, () => {
  /** Run `mevmc args | (sleep 2; cat) > file` and return the file's text and mevmc's exit code. */
  function throughSlowPipe(args: string[]): { text: string; code: number } {
    const out = join(tmp, `out-${Math.random().toString(36).slice(2)}.txt`);
    const quoted = [process.execPath, CLI, ...args].map((x) => `'${x}'`).join(' ');
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${quoted} | (sleep 2; cat) > '${out}'`], { encoding: 'utf8' });
    return { text: readFileSync(out, 'utf8'), code: r.status ?? -1 };
  }

  // PUSH2 0x2000 PUSH1 0 RETURN: 8 KiB of output, 16 KiB of hex per result line.
  const BIG = '0x6120006000f3';
  const lines = (n: number, extra = '') => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `c${i}`, code: BIG })).join('\n') + extra + '\n';

  it('run --batch: > 10 MB of results all arrive (exit 0)', () => {
    const f = join(tmp, 'big.jsonl');
    writeFileSync(f, lines(700));
    const { text, code } = throughSlowPipe(['run', '--batch', f, '--json']);
    expect(code).toBe(0);
    expect(text.length).toBeGreaterThan(10_000_000);
    const rs = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rs.map((r) => r.id)).toEqual(Array.from({ length: 700 }, (_, i) => `c${i}`));
    expect(rs.every((r) => r.status === 'success' && r.output === '0x' + '00'.repeat(8192))).toBe(true);
  });

  it('an error after a large output does not cut it (exit 2)', () => {
    const f = join(tmp, 'big-bad.jsonl');
    writeFileSync(f, lines(700, '\n{"id":"bad","code":"0x6"}'));
    const { text, code } = throughSlowPipe(['run', '--batch', f, '--json']);
    expect(code).toBe(2);
    const rs = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rs.length).toBe(701);
    expect(rs[700]).toMatchObject({ id: 'bad', status: 'error' });
  });

  it('disasm (main thread): a large listing all arrives', () => {
    const code = '0x' + '6001'.repeat(100_000);
    const f = join(tmp, 'code.hex');
    writeFileSync(f, code);
    const { text, code: status } = throughSlowPipe(['disasm', f]);
    expect(status).toBe(0);
    const ls = text.trimEnd().split('\n');
    expect(ls.length).toBe(100_000);
    expect(ls[99_999]).toMatch(/^0x?0*30d3e?\s|PUSH1 0x01$/);
  });
});
