/**
 * @file `mevmc block --chain`: a named chain or a geth chain config changes the fork schedule the block runs under;
 * bad values are one `mevmc: error:` line and exit 2. Uses the Frontier block 116525 of ../shared/blocks (skipped
 * visibly when it is absent).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mevmc } from '../helpers/cli.ts';

const BLOCK = join(import.meta.dirname, '../../../shared/blocks/blocks/116525');
const tmp = mkdtempSync(join(tmpdir(), 'mevmc-chain-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = (args: string[]) => mevmc(['block', BLOCK, ...args], { timeout: 300_000 });
const file = (name: string, json: unknown) => {
  const p = join(tmp, name);
  writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json));
  return p;
};

if (!existsSync(BLOCK)) {
  it.skip(`mevmc block --chain (${BLOCK} not found)`, () => undefined);
} else {
  describe('mevmc block --chain', () => {
    it('a geth genesis with mainnet\'s schedule runs the block as mainnet does', () => {
      const genesis = file('genesis.json', { config: { chainId: 1, homesteadBlock: 1150000, daoForkBlock: 1920000, eip150Block: 2463000, eip155Block: 2675000, eip158Block: 2675000 }, alloc: {} });
      const r = run(['--chain', genesis]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^116525 frontier txs=83 .* logsBloom ok gasUsed ok /);
      expect(r.status).toBe(0);
    });

    it('another chain\'s schedule changes the rules (Sepolia: London from genesis) and the header no longer matches', () => {
      const r = run(['--chain', 'sepolia']);
      expect(r.stdout).toMatch(/^116525 london txs=83 /);
      expect(r.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
      expect(r.status).toBe(1);
    });

    it('bad values: one error line, exit 2', () => {
      const cases: [string[], RegExp][] = [
        [['--chain', 'nosuchchain'], /--chain nosuchchain: neither a known chain \(mainnet, sepolia, holesky, hoodi, megaeth\) nor a file/],
        [['--chain', file('bad.json', '{')], /bad\.json: not a JSON file/],
        [['--chain', file('nots.json', { chainId: 1, londonBlock: 0, terminalTotalDifficulty: 5 })], /mergeNetsplitBlock/],
        [['--chain', 'sepolia', '--engine', 'ref'], /mainnet's schedule only/],
      ];
      for (const [args, re] of cases) {
        const r = run(args);
        expect(r.status, args.join(' ')).toBe(2);
        const lines = r.stderr.trim().split('\n');
        expect(lines, args.join(' ')).toHaveLength(1);
        expect(lines[0]).toMatch(/^mevmc: error: /);
        expect(lines[0]).toMatch(re);
      }
    });
  });
}
