/**
 * @file `mevmc block` as a user runs it: the per-block line and the `N passed, N failed` summary, `--json`,
 * `--filter`, `--repeat`, `--bench`, a block whose header disagrees (FAIL, exit 1), `--senders recover` (and a `from`
 * the signature does not give: FAIL), the plain layout (RPC block JSON +
 * geth prestate + block hashes), and bad input (one `mevmc: error:` line, exit 2). Uses the fast blocks of
 * ../shared/blocks (Frontier and the empty Cancun one); skipped visibly when it is absent.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prestateFromPevm } from '../../runtime/harness/blocks/fixture.ts';
import { creationAddress } from '../../runtime/tx/run.ts';
import { mevmc } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '../../../shared/blocks');
const B = (n: string) => join(ROOT, 'blocks', n);
const tmp = mkdtempSync(join(tmpdir(), 'mevmc-block-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = (args: string[]) => mevmc(['block', ...args], { timeout: 300_000 });

if (!existsSync(ROOT)) {
  it.skip(`mevmc block (${ROOT} not found)`, () => undefined);
} else {
  describe('mevmc block', () => {
    it('one line per block, then the summary; exit 0', () => {
      const r = run([B('116525'), B('19910734')]);
      expect(r.stderr).toBe('');
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^116525 frontier txs=83 gas=2625335 receiptsRoot n\/a logsBloom ok gasUsed ok {2}exec [\d.]+ ms [\d.]+ Mgas\/s {2}\(compile \d+ ms\)$/); // sequential by default: no parallel suffix
      expect(lines[1]).toMatch(/^19910734 cancun txs=0 gas=0 receiptsRoot ok logsBloom ok gasUsed ok /);
      expect(lines[2]).toBe('2 passed, 0 failed');
      expect(r.status).toBe(0);
    });

    it('--json, --filter and --repeat', () => {
      const r = run([B('116525'), B('19910734'), '--json', '--filter', '^1165', '--repeat', '3']);
      expect(r.status).toBe(0);
      const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(objs).toHaveLength(1);
      expect(objs[0]).toMatchObject({ block: 116525, txs: 83, gasUsed: 2625335, ok: true, receiptsRoot: 'n/a' });
      expect(typeof objs[0].execMs).toBe('number');
      expect(typeof objs[0].compileMs).toBe('number');
    });

    it('--json splits plain transfers from contract calls as the fixture says, and --bench prints both', () => {
      // Independent count from the files: a creation, a call to code in the pre-state or to a contract created
      // earlier in the block, else a plain transfer. Tx 18 calls kill() (0x41c0e1b5) on 0x4d95…, which
      // self-destructs: txs 19 and 66 call it again and find no code, so they are plain transfers.
      const killed = '0x4d95fbaf35fc5a815983f9df94821c1c089dc02f';
      const block = JSON.parse(readFileSync(join(B('116525'), 'block.json'), 'utf8')) as {
        transactions: { from: string; to: string | null; nonce: string }[];
      };
      const pre = prestateFromPevm(JSON.parse(readFileSync(join(B('116525'), 'pre_state.json'), 'utf8')), 'pre_state.json');
      const created = new Set<string>();
      let transfers = 0;
      block.transactions.forEach((t, i) => {
        const to = t.to?.toLowerCase();
        if (to === undefined) created.add(creationAddress(t.from.toLowerCase(), BigInt(t.nonce)));
        else if ((to === killed && i > 18) || (!created.has(to) && (pre[to]?.code ?? '0x').length <= 2)) transfers++;
      });
      const r = run([B('116525'), '--json']);
      const o = JSON.parse(r.stdout.trim().split('\n')[0]);
      expect(o).toMatchObject({ transfers, calls: block.transactions.length - transfers });
      expect(transfers).toBeGreaterThan(0);
      expect(typeof o.usPerTransfer).toBe('number');
      expect(o.usPerTransferMedian).toBeGreaterThan(0);
      expect(['cold', 'warm', 'mem']).toContain(o.cache);
      const b = run([B('116525'), '--bench']);
      expect(b.status).toBe(0);
      const row = b.stdout.split('\n').find((l) => /^\s+116525 /.test(l))!.trim().split(/\s+/);
      expect(row.slice(0, 3)).toEqual(['116525', '83', String(transfers)]);
      expect(b.stdout).toMatch(/µs\/xfer +xfer med +µs\/call +load ms cache +ethjs ms +ratio +w\/ load/);
    });

    it('--engine ref gives the same line fields', () => {
      const r = run([B('19910734'), '--engine', 'ref']);
      expect(r.stdout).toMatch(/^19910734 cancun txs=0 gas=0 receiptsRoot ok logsBloom ok gasUsed ok /);
      expect(r.status).toBe(0);
    });

    it('a header that disagrees: FAIL, the oracle agrees per transaction, exit 1', () => {
      const dir = join(tmp, 'bad-gas');
      cpSync(B('116525'), dir, { recursive: true });
      const block = JSON.parse(readFileSync(join(dir, 'block.json'), 'utf8'));
      block.gasUsed = '0x' + (BigInt(block.gasUsed) + 1n).toString(16);
      writeFileSync(join(dir, 'block.json'), JSON.stringify(block));
      const r = run([dir]);
      expect(r.stdout).toMatch(/gasUsed FAIL/);
      expect(r.stdout).toMatch(/\n {2}FAIL: per-transaction gas, status and logs equal the oracle\n/);
      expect(r.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
      expect(r.status).toBe(1);
    });

    it('--senders recover: senders from the signatures, timed apart; a from the signature does not give, or no signer, fails the block', () => {
      const ok = run([B('116525'), '--senders', 'recover', '--workers', '2']);
      expect(ok.stdout).toMatch(/^116525 frontier txs=83 .*\(compile \d+ ms, senders recovered [\d.]+ ms\) {2}\[workers 2: /);
      expect(ok.status).toBe(0);
      const j = JSON.parse(run([B('116525'), '--senders', 'recover', '--json']).stdout.trim());
      expect(j).toMatchObject({ ok: true, txs: 83 });
      expect(j.recoverMs).toBeGreaterThan(0);
      const tamper = (name: string, f: (txs: Record<string, string>[]) => void) => {
        const dir = join(tmp, name);
        cpSync(B('116525'), dir, { recursive: true });
        const block = JSON.parse(readFileSync(join(dir, 'block.json'), 'utf8'));
        f(block.transactions);
        writeFileSync(join(dir, 'block.json'), JSON.stringify(block));
        return dir;
      };
      // Tx 5's from swapped for another sender's: trusted (the default) the block runs on that sender's account; recovered it fails.
      const block = JSON.parse(readFileSync(join(B('116525'), 'block.json'), 'utf8')) as { transactions: { from: string }[] };
      const other = block.transactions.find((t) => t.from.toLowerCase() !== block.transactions[5].from.toLowerCase())!.from.toLowerCase();
      const lied = tamper('lied-from', (txs) => (txs[5].from = other));
      const r = run([lied, '--senders', 'recover']);
      expect(r.stdout).toContain(`FAIL: block.transactions[5].from: ${other}, but the signature recovers ${block.transactions[5].from.toLowerCase()}`);
      expect(r.status).toBe(1);
      const r0 = run([tamper('r-zero', (txs) => (txs[7].r = '0x0')), '--senders', 'recover', '--workers', '2']);
      expect(r0.stdout).toMatch(/FAIL: block\.transactions\[7\]: sender not recoverable: /);
      expect(r0.status).toBe(1);
      const bad = run([B('116525'), '--senders', 'bogus']);
      expect(bad.stderr.trim()).toBe('mevmc: error: --senders bogus: expected from or recover');
      expect(bad.status).toBe(2);
    });

    it('plain layout: RPC block file + geth prestate + block hashes', () => {
      const pre = join(tmp, 'pre.json');
      writeFileSync(pre, JSON.stringify(prestateFromPevm(JSON.parse(readFileSync(join(B('116525'), 'pre_state.json'), 'utf8')), 'x')));
      const r = run([join(B('116525'), 'block.json'), '--pre', pre, '--block-hashes', join(ROOT, 'block_hashes.json')]);
      expect(r.stdout).toMatch(/^116525 frontier txs=83 .* logsBloom ok gasUsed ok/);
      expect(r.status).toBe(0);
    });

    it.each([
      [['/nonexistent/block'], /no such file or directory/],
      [[B('116525'), '--repeat', '0'], /--repeat/],
      [[B('116525'), '--filter', '('], /--filter/],
      [[B('116525'), '--filter', 'nomatch'], /no block to run/],
    ])('bad input %j: one error line, exit 2', (args, msg) => {
      const r = run(args as string[]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mevmc: error: /);
      expect(r.stderr).toMatch(msg);
      expect(r.status).toBe(2);
    });

    it('a malformed block or pre-state: exit 2', () => {
      const dir = join(tmp, 'bad-json');
      cpSync(B('19910734'), dir, { recursive: true });
      writeFileSync(join(dir, 'block.json'), '{"number": "zz"');
      let r = run([dir]);
      expect(r.stderr).toMatch(/^mevmc: error: .*not JSON/);
      expect(r.status).toBe(2);
      writeFileSync(join(dir, 'block.json'), JSON.stringify({ number: 'zz', timestamp: '0x1' }));
      r = run([dir]);
      expect(r.stderr).toMatch(/^mevmc: error: .*block\.number/);
      expect(r.status).toBe(2);
      cpSync(B('19910734'), dir, { recursive: true });
      writeFileSync(join(dir, 'pre_state.json'), JSON.stringify({ '0x01': { basic: {} } }));
      r = run([dir]);
      expect(r.stderr).toMatch(/^mevmc: error: .*pre-state/);
      expect(r.status).toBe(2);
    });
  });
}
