/**
 * @file `mevmc block gen`: every workload, small (≤ 100 transactions), written by the CLI and run by `mevmc block`
 * (wasm; sequential and with 2 workers) against its header, whose gasUsed / receiptsRoot / logsBloom the @ethereumjs/vm oracle computed; the shape
 * of each workload read back from the files independently of the generator (senders recovered from the
 * signatures, who sends to whom, which contract, how many hot transfers); every transaction succeeding on the oracle
 * with the logs and end state the contracts promise; same seed → same bytes; bad arguments → exit 2.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { recoverSenders } from '../../runtime/block/rpc.ts';
import { loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { runBlockReference } from '../../runtime/harness/blocks/oracle.ts';
import { mevmc } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mevmc-block-gen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const gen = (args: string[]) => mevmc(['block', 'gen', ...args], { timeout: 300_000 });

/** Transactions of each small workload (hot10/hot30 at 40 and 50: 4 and 15 hot transfers). */
const SMALL: Record<string, number> = { raw: 40, 'raw-chain': 40, 'raw-hot': 40, erc20: 30, swap: 20, chain: 30, hot10: 40, hot30: 50 };

type RpcTx = { from: string; to: string; nonce: string; input: string; type: string; maxPriorityFeePerGas: string; maxFeePerGas: string; value: string };
const readBlock = (dir: string) => JSON.parse(readFileSync(join(dir, 'block.json'), 'utf8')) as Record<string, unknown> & { transactions: RpcTx[] };
const readPre = (dir: string) => JSON.parse(readFileSync(join(dir, 'pre_state.json'), 'utf8')) as Record<string, { code: null | { bytecode: string } }>;
const sel = (sig: string) => '0x' + Buffer.from(keccak_256(new TextEncoder().encode(sig)).slice(0, 4)).toString('hex');
/** ABI word `i` of a call's arguments. */
const arg = (input: string, i: number) => BigInt('0x' + input.slice(10 + 64 * i, 74 + 64 * i));
const addr = (x: bigint) => '0x' + x.toString(16).padStart(40, '0');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('mevmc block gen', () => {
  const dirs: Record<string, string> = {};
  beforeAll(() => {
    for (const [w, n] of Object.entries(SMALL)) {
      dirs[w] = join(tmp, w);
      const r = gen(['--workload', w, '--txs', String(n), '-o', dirs[w]]);
      expect(r.stderr, w).toBe('');
      expect(r.status, w).toBe(0);
      expect(r.stdout.trim()).toMatch(new RegExp(`^${dirs[w]}: ${w} txs=${n} gas=\\d+ seed=1$`));
    }
  }, 600_000);

  it('every workload passes mevmc block (wasm, sequential) against the oracle-computed header', () => {
    const r = mevmc(['block', ...Object.values(dirs), '--json', '--workers', '1'], { timeout: 600_000 });
    expect(r.stderr).toBe('');
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(8);
    for (const [i, row] of rows.entries()) {
      const w = Object.keys(dirs)[i];
      expect(row, w).toMatchObject({ fork: 'cancun', txs: SMALL[w], ok: true, receiptsRoot: 'ok', logsBloom: 'ok', gasUsedCheck: 'ok' });
    }
    expect(r.status).toBe(0);
  });

  it('with --workers 2 too; the independent workloads (erc20, swap) show no conflict, none runs a transaction 3 times', () => {
    const r = mevmc(['block', ...Object.values(dirs), '--json', '--workers', '2'], { timeout: 600_000 });
    expect(r.stderr).toBe('');
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(8);
    for (const [i, row] of rows.entries()) {
      const w = Object.keys(dirs)[i];
      expect(row, w).toMatchObject({ txs: SMALL[w], ok: true, receiptsRoot: 'ok', logsBloom: 'ok', gasUsedCheck: 'ok' });
      const p = row.parallel as { fallback?: string; conflicts: number; maxExecutions: number } | undefined;
      if (!p || p.fallback) continue;
      // Disjoint state by construction: whatever the timing, no read can see another transaction's write.
      if (w === 'erc20' || w === 'swap') expect([p.conflicts, p.maxExecutions], w).toEqual([0, 1]);
      expect(p.maxExecutions, w).toBeLessThanOrEqual(2);
    }
    expect(r.status).toBe(0);
  });

  it('type-2 transactions with priority fees; senders recover from the signatures', () => {
    for (const [w, dir] of Object.entries(dirs)) {
      const b = readBlock(dir);
      const baseFee = BigInt(b.baseFeePerGas as string);
      expect(b.transactions.every((t) => t.type === '0x2' && BigInt(t.maxPriorityFeePerGas) > 0n && BigInt(t.maxFeePerGas) >= baseFee), w).toBe(true);
      expect(recoverSenders(b.transactions as never, Fork.Cancun, 1n), w).toEqual(b.transactions.map((t) => t.from));
    }
  });

  it('each workload has the shape it is named for', () => {
    const txs = (w: string) => readBlock(dirs[w]).transactions;
    const distinct = (xs: string[]) => new Set(xs).size;
    const pre = (w: string) => readPre(dirs[w]);
    // W1: plain transfers (no code at the recipients).
    for (const w of ['raw', 'raw-chain', 'raw-hot']) {
      const p = pre(w);
      expect(txs(w).every((t) => t.input === '0x' && !p[t.to]?.code && BigInt(t.value) > 0n), w).toBe(true);
    }
    expect(distinct(txs('raw').map((t) => t.from))).toBe(SMALL.raw);
    expect(distinct(txs('raw').map((t) => t.to))).toBe(SMALL.raw);
    expect(distinct(txs('raw-chain').map((t) => t.from))).toBe(1);
    expect(txs('raw-chain').map((t) => Number(t.nonce))).toEqual([...Array(SMALL['raw-chain']).keys()]);
    expect(distinct(txs('raw-chain').map((t) => t.to))).toBe(SMALL['raw-chain']);
    expect(distinct(txs('raw-hot').map((t) => t.from))).toBe(SMALL['raw-hot']);
    expect(distinct(txs('raw-hot').map((t) => t.to))).toBe(1);
    // W2/W5: transfer(address,uint256) on one token between distinct holders; W5 sends 10 % / 30 % to one holder.
    for (const [w, hot] of [['erc20', 0], ['hot10', 0.1], ['hot30', 0.3]] as const) {
      const t = txs(w);
      expect(distinct(t.map((x) => x.to)), w).toBe(1);
      expect(pre(w)[t[0].to].code, w).not.toBeNull();
      expect(t.every((x) => x.input.startsWith(sel('transfer(address,uint256)'))), w).toBe(true);
      expect(distinct(t.map((x) => x.from)), w).toBe(t.length);
      const to = t.map((x) => addr(arg(x.input, 0)));
      const counts = new Map<string, number>();
      for (const a of to) counts.set(a, (counts.get(a) ?? 0) + 1);
      const top = Math.max(...counts.values());
      expect(top, w).toBe(hot ? Math.round(t.length * hot) : 1);
      expect(to.some((a) => t.some((x) => x.from === a)), `${w}: a recipient is also a sender`).toBe(false);
    }
    // W3: each transaction on its own pair, each pair its own two tokens.
    const s = txs('swap');
    expect(s.every((x) => x.input.startsWith(sel('swap(bool,uint256,uint256,address)')))).toBe(true);
    expect(distinct(s.map((x) => x.to))).toBe(s.length);
    const pairStorage = JSON.parse(readFileSync(join(dirs.swap, 'pre_state.json'), 'utf8')) as Record<string, { storage: Record<string, string> }>;
    const tokens = s.flatMap((x) => [0, 1].map((k) => pairStorage[x.to].storage['0x' + k.toString(16).padStart(64, '0')]));
    expect(distinct(tokens)).toBe(2 * s.length);
    // W4: every transaction calls increment() on one contract.
    const c = txs('chain');
    expect(distinct(c.map((x) => x.to))).toBe(1);
    expect(c.every((x) => x.input === sel('increment()'))).toBe(true);
  });

  it('on the oracle every transaction succeeds with the logs and end state the contracts promise', async () => {
    const transferTopic = BigInt('0x' + Buffer.from(keccak_256(new TextEncoder().encode('Transfer(address,address,uint256)'))).toString('hex'));
    for (const [w, logs] of [['erc20', 1], ['hot30', 1], ['swap', 3], ['chain', 1], ['raw-chain', 0]] as const) {
      const f = loadFixture(dirs[w]);
      const r = await runBlockReference(f, Fork.Cancun);
      expect(r.txs.every((t) => t.status === 'success' && t.logs.length === logs), w).toBe(true);
      if (w === 'swap') expect(r.txs.every((t) => t.logs[0].topics[0] === transferTopic && t.logs[1].topics[0] === transferTopic)).toBe(true);
      if (w === 'chain') {
        // Counter starts at 1 (pre-state) and each transaction adds one.
        const counter = f.block.transactions as RpcTx[];
        expect(await r.storage(counter[0].to, 0n)).toBe(1n + BigInt(SMALL.chain));
      }
      if (w === 'raw-chain') {
        const from = (f.block.transactions as RpcTx[])[0].from;
        expect((await r.account(from))!.nonce).toBe(BigInt(SMALL['raw-chain']));
      }
    }
  }, 300_000);

  it('same seed, same bytes; another seed, another block', () => {
    const a = join(tmp, 'det-a');
    const b = join(tmp, 'det-b');
    const c = join(tmp, 'det-c');
    for (const [d, seed] of [[a, '7'], [b, '7'], [c, '8']]) expect(gen(['--workload', 'swap', '--txs', '5', '-o', d, '--seed', seed]).status).toBe(0);
    for (const f of ['block.json', 'pre_state.json', 'block_hashes.json']) expect(sha(join(a, f)), f).toBe(sha(join(b, f)));
    expect(sha(join(a, 'block.json'))).not.toBe(sha(join(c, 'block.json')));
    expect(readdirSync(a).sort()).toEqual(['block.json', 'block_hashes.json', 'pre_state.json']);
  });

  it('bad arguments: one mevmc: error: line, exit 2', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    for (const args of [
      ['--workload', 'nope', '-o', join(tmp, 'x')],
      ['--txs', '5', '-o', join(tmp, 'x')],
      ['--workload', 'raw', '--txs', '0', '-o', join(tmp, 'x')],
      ['--workload', 'raw', '--txs', 'abc', '-o', join(tmp, 'x')],
      ['--workload', 'raw', '--txs', '5'],
      ['--workload', 'raw', '--txs', '5', '-o', file],
      ['--workload', 'raw', '--txs', '5', '-o', join(file, 'sub')],
    ]) {
      const r = gen(args);
      expect(r.stderr, args.join(' ')).toMatch(/^mevmc: error: [^\n]+\n$/);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.status, args.join(' ')).toBe(2);
    }
  });

  it('the workload contracts are built from their current sources (npx tsx corpus/build.ts)', () => {
    const root = join(import.meta.dirname, '../../corpus');
    const manifest = JSON.parse(readFileSync(join(root, 'build/workloads/manifest.json'), 'utf8')) as { sources: Record<string, string> };
    const sources = readdirSync(join(root, 'contracts/workloads')).filter((f) => f.endsWith('.sol')).sort();
    expect(Object.keys(manifest.sources).sort()).toEqual(sources);
    for (const f of sources) {
      expect(manifest.sources[f], `${f} changed since the last build`).toBe(createHash('sha256').update(readFileSync(join(root, 'contracts/workloads', f), 'utf8')).digest('hex'));
    }
  });
});
