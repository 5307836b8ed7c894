/**
 * @file `mevmc block --workers N`: with N > 1 each line ends with what the parallel run did (transactions sent to
 * the workers, executions, conflicts — or why the block ran sequentially: too little to hand out), and the results
 * pass as with one; `--workers 1` prints exactly today's
 * sequential line; `--json` carries a `parallel` object; a bad count is one `mevmc: error:` line, exit 2. Uses the
 * Frontier block 116525 of ../shared/blocks (skipped visibly when it is absent).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prestateFromPevm } from '../../runtime/harness/blocks/fixture.ts';
import { mevmc } from '../helpers/cli.ts';

const B = join(import.meta.dirname, '../../../shared/blocks/blocks/116525');
const run = (args: string[]) => mevmc(['block', B, ...args], { timeout: 300_000 });

/**
 * From the fixture files, what the coordinator hands out: creations and calls to code in the pre-state (plain
 * transfers stay on the coordinator), but not a sender's second and later transactions; and their summed gas limits
 * (below 8 Mgas, at most the header's gasUsed, the block runs sequentially).
 */
function handedOut(): { count: number; gas: bigint } {
  const block = JSON.parse(readFileSync(join(B, 'block.json'), 'utf8')) as { miner: string; gasUsed: string; transactions: { from: string; to: string | null; gas: string }[] };
  const pre = prestateFromPevm(JSON.parse(readFileSync(join(B, 'pre_state.json'), 'utf8')), 'pre_state.json');
  const senders = new Set<string>();
  let [count, gas] = [0, 0n];
  for (const t of block.transactions) {
    const first = !senders.has(t.from.toLowerCase());
    senders.add(t.from.toLowerCase());
    const code = !t.to || (pre[t.to.toLowerCase()]?.code ?? '0x').length > 2;
    if (first && code) [count, gas] = [count + 1, gas + BigInt(t.gas)];
  }
  // Capped by what the whole block used (its header).
  const used = BigInt(block.gasUsed);
  return { count, gas: gas < used ? gas : used };
}
const PARALLEL_FROM_GAS = 8_000_000n;

if (!existsSync(B)) {
  it.skip(`mevmc block --workers (${B} not found)`, () => undefined);
} else {
  describe('mevmc block --workers', () => {
    it('--workers 2: the line says what ran where; --workers 1: the sequential line, unchanged', () => {
      const par = run(['--workers', '2']);
      expect(par.stderr).toBe('');
      expect(par.status).toBe(0);
      const [line, summary] = par.stdout.trim().split('\n');
      const { count, gas } = handedOut();
      if (count >= 2 && gas >= PARALLEL_FROM_GAS) {
        const m = line.match(/^116525 frontier txs=83 gas=2625335 receiptsRoot n\/a logsBloom ok gasUsed ok {2}exec .* {2}\[workers 2: (\d+) to workers, (\d+) executions, (\d+) conflicts\]$/);
        expect(m, line).not.toBeNull();
        const [sent, executions, conflicts] = m!.slice(1).map(Number);
        expect(sent).toBe(count);
        expect(executions).toBe(83 + conflicts);
        expect(conflicts).toBeLessThanOrEqual(sent);
      } else {
        // Too little to hand out: sequential, and the line says why (the numbers recomputed from the files).
        const why = count < 2 ? `${count} transaction(s) to hand out (parallel from 2)` : `${gas / 1_000_000n} Mgas to hand out (parallel from 8)`;
        expect(line).toMatch(/^116525 frontier txs=83 gas=2625335 receiptsRoot n\/a logsBloom ok gasUsed ok {2}exec .* {2}\[workers 2: sequential, (.*)\]$/);
        expect(line.endsWith(`[workers 2: sequential, ${why}]`), line).toBe(true);
      }
      expect(summary).toBe('1 passed, 0 failed');

      const seq = run(['--workers', '1']);
      expect(seq.status).toBe(0);
      expect(seq.stdout).toMatch(/^116525 frontier txs=83 gas=2625335 receiptsRoot n\/a logsBloom ok gasUsed ok {2}exec [\d.]+ ms [\d.]+ Mgas\/s {2}\(compile \d+ ms\)\n1 passed, 0 failed\n$/);
    });

    it('--json has the parallel statistics', () => {
      const r = run(['--workers', '2', '--json']);
      expect(r.status).toBe(0);
      const o = JSON.parse(r.stdout.trim());
      const { count, gas } = handedOut();
      const parallel = count >= 2 && gas >= PARALLEL_FROM_GAS;
      expect(o).toMatchObject({ block: 116525, ok: true, parallel: { workers: 2, dispatched: parallel ? count : 0 } });
      expect(o.parallel.fallback === undefined).toBe(parallel);
      expect(o.parallel.executions).toBe(83 + o.parallel.conflicts);
      expect(o.parallel.maxExecutions).toBeLessThanOrEqual(2);
      // What the coordinator ran itself (exactly or speculatively) is part of the transactions.
      expect(o.parallel.ranHere + o.parallel.localSpeculated).toBeLessThanOrEqual(83);
      const seq = JSON.parse(run(['--workers', '1', '--json']).stdout.trim());
      expect(seq.parallel).toBeUndefined();
    });

    it.each([['0'], ['-1'], ['abc'], ['1.5']])('--workers %s: one error line, exit 2', (v) => {
      const r = run(['--workers', v]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^mevmc: error: .*--workers/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  });
}
