/**
 * @file The parallel executor's set-up, checked against the rules it states (README › Parallel execution), not
 * against its own output: which transactions are handed out (calls; plain transfers with `plainTransfers: 'workers'` only when both ends are their own and
 * neither is the coinbase; a sender's later transactions never), and when the workers' decoded pre-state is reused
 * (same prestate object, same system-call changes). Results are compared with the sequential executor too.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { executeBlock } from '../../runtime/block/execute.ts';
import { BEACON_ROOTS } from '../../runtime/block/system-calls.ts';
import type { Block, BlockResult } from '../../runtime/block/types.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import type * as PoolModule from '../../runtime/parallel/pool.ts';
import { backendFromPrestate, prestateOf } from '../../runtime/state/prestate.ts';
import { MemoryBackend } from '../../runtime/state/world.ts';
import type { Tx } from '../../runtime/tx/index.ts';

// Workers from dist/ (rebuilt by the test setup when sources are newer), as in equality.test.ts.
const DIST_POOL = join(import.meta.dirname, '../../dist/runtime/parallel/pool.js');
const { ParallelPool } = (existsSync(DIST_POOL) ? await import(DIST_POOL) : await import('../../runtime/parallel/pool.ts')) as typeof PoolModule;
const pool = new ParallelPool(2, { engine: 'wasm', cacheDir: process.env.MEVMC_CACHE_DIR });
const loader = new WasmLoader({ cacheDir: process.env.MEVMC_CACHE_DIR });
afterAll(() => pool.close());

const addr = (n: number) => '0x' + n.toString(16).padStart(40, '0');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));
const ETH = 10n ** 18n;
const COINBASE = addr(0xcb);
const COUNTER = addr(0xc1);
const STORE_ROOT = bytes('6000 35 6000 55 00'); // slot0 = calldata[0]: stands in for the beacon-roots contract

const summary = (r: BlockResult) => ({
  gasUsed: r.gasUsed, receiptsRoot: r.receiptsRoot, logsBloom: Buffer.from(r.logsBloom).toString('hex'),
  diffs: r.txs.map((t) => [...t.diff].map(([a, d]) => [a, d.after?.balance, d.after?.nonce, [...d.storage]])),
  system: [...r.systemDiff].map(([a, d]) => [a, [...d.storage]]),
});

function block(txs: [sender: string, to: string, data?: Uint8Array][], root = '0x' + '11'.repeat(32)): Block {
  const nonces = new Map<string, bigint>();
  return {
    header: {
      number: 20_000_000n, timestamp: 1_710_338_135n + 1000n, coinbase: COINBASE, gasLimit: 30_000_000n, baseFee: 7n,
      difficulty: 0n, mixHash: 0n, excessBlobGas: 0n, parentBeaconBlockRoot: root,
    },
    transactions: txs.map(([sender, to, data]): Tx => {
      const nonce = nonces.get(sender) ?? 0n;
      nonces.set(sender, nonce + 1n);
      return {
        type: 0, sender, nonce, gasLimit: 100_000n, to, value: 1n, data: data ?? new Uint8Array(0), gasPrice: 10n,
        accessList: [], blobVersionedHashes: [], authorizationList: [],
      };
    }),
  };
}

function state(b: Block): MemoryBackend {
  const m = new MemoryBackend();
  for (const tx of b.transactions) m.setAccount(tx.sender, { balance: 100n * ETH, nonce: 0n, code: new Uint8Array(0) });
  m.setAccount(COUNTER, { balance: 0n, nonce: 1n, code: bytes('6000 54 6001 01 6000 55 00') });
  m.setAccount(BEACON_ROOTS, { balance: 0n, nonce: 1n, code: STORE_ROOT });
  return m;
}

describe('parallel set-up', () => {
  it.each(['workers', 'coordinator'] as const)('hands out what the lazy-update rule says (plain transfers: %s): calls, no later transaction of a sender', async (plainTransfers) => {
    const [a1, a2, b1, b2, s, x, y, c1, c2, h, z, d, e] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((k) => addr(0x1000 + k));
    const b = block([
      [a1, b1], // own transfer: out
      [s, x], // its sender sends again below: a shared end, stays
      [c1, h], // hot recipient: stays
      [a2, b2], // own transfer: out
      [s, y], // a sender's second transaction: stays
      [c2, h], // hot recipient: stays
      [COINBASE, z], // the coinbase as sender: stays
      [d, COUNTER], // a call: out, however shared its target
      [e, COUNTER], // out
      [d, COUNTER], // d's second transaction: stays, call or not
    ]);
    // The rule, computed here from the transactions.
    const uses = new Map<string, number>();
    for (const t of b.transactions) for (const a of [t.sender, t.to!]) uses.set(a, (uses.get(a) ?? 0) + 1);
    const seen = new Set<string>();
    let want = 0;
    for (const t of b.transactions) {
      const later = seen.has(t.sender);
      seen.add(t.sender);
      const plain = t.to !== COUNTER;
      const own = uses.get(t.sender) === 1 && uses.get(t.to!) === 1 && t.sender !== COINBASE && t.to !== COINBASE;
      if (!later && (!plain || (own && plainTransfers === 'workers'))) want++;
    }
    expect(want).toBe(plainTransfers === 'workers' ? 4 : 2);
    const seq = await executeBlock(b, state(b), { loader });
    // Twice: the second run takes what the first one worked out about the same transactions array.
    for (let round = 0; round < 2; round++) {
      const par = await executeBlock(b, state(b), { loader, pool, parallel: { minDispatchedGas: 0n, minCores: 0, plainTransfers } });
      expect(par.parallel!.dispatched, `round ${round}`).toBe(want);
      expect(summary(par)).toEqual(summary(seq));
    }
  });

  it('runs sequentially below the gas floor: the summed gas limits, capped by the header gasUsed when given', async () => {
    // 4 calls with 100,000 gas limit each = 400,000 of limits to hand out; floor set at 300,000.
    const senders = [1, 2, 3, 4].map((k) => addr(0x4000 + k));
    const b = block(senders.map((sd): [string, string] => [sd, COUNTER]));
    const seq = await executeBlock(b, state(b), { loader });
    const floor = { minDispatchedGas: 300_000n, minCores: 0 };
    const free = await executeBlock(b, state(b), { loader, pool, parallel: floor });
    expect(free.parallel!.fallback).toBeUndefined();
    expect(free.parallel!.dispatched).toBe(4);
    // The header says the block used less than the floor: whatever the limits, that much cannot go out.
    const hinted = { ...b, header: { ...b.header, gasUsed: seq.gasUsed } };
    expect(seq.gasUsed < 300_000n).toBe(true);
    const capped = await executeBlock(hinted, state(b), { loader, pool, parallel: floor });
    expect(capped.parallel!.fallback).toBe(`0 Mgas to hand out (parallel from 0)`);
    expect(summary(capped)).toEqual(summary(seq));
    expect(summary(free)).toEqual(summary(seq));
  });

  it('runs sequentially on a machine with fewer cores than minCores (default 4), saying so', async () => {
    const senders = [1, 2, 3, 4].map((k) => addr(0x5000 + k));
    const b = block(senders.map((sd): [string, string] => [sd, COUNTER]));
    const seq = await executeBlock(b, state(b), { loader });
    const cores = availableParallelism();
    const few = await executeBlock(b, state(b), { loader, pool, parallel: { minDispatchedGas: 0n, minCores: cores + 1 } });
    expect(few.parallel!.fallback).toBe(`${cores} cores (speculation from ${cores + 1})`);
    expect(few.parallel!.dispatched).toBe(0);
    const enough = await executeBlock(b, state(b), { loader, pool, parallel: { minDispatchedGas: 0n, minCores: cores } });
    expect(enough.parallel!.fallback).toBeUndefined();
    expect(enough.parallel!.dispatched).toBe(4);
    const byDefault = await executeBlock(b, state(b), { loader, pool, parallel: { minDispatchedGas: 0n } });
    expect(byDefault.parallel!.fallback).toBe(cores < 4 ? `${cores} cores (speculation from 4)` : undefined);
    for (const r of [few, enough, byDefault]) expect(summary(r)).toEqual(summary(seq));
  });

  it("reuses the workers' pre-state only for the same prestate object and the same system-call changes", async () => {
    const senders = [1, 2, 3, 4].map((k) => addr(0x2000 + k));
    const txs = senders.map((sd, k): [string, string] => [sd, k % 2 ? COUNTER : addr(0x3000 + k)]);
    const json = prestateOf(state(block(txs)));
    const run = async (root: string) => {
      const b = block(txs, root);
      const seq = await executeBlock(b, backendFromPrestate(json), { loader });
      const par = await executeBlock(b, backendFromPrestate(json), { loader, pool, parallel: { minDispatchedGas: 0n, minCores: 0, keepSpeculating: true } });
      expect(summary(par)).toEqual(summary(seq));
      return par.parallel!.baseReused;
    };
    const r1 = '0x' + '11'.repeat(32);
    const r2 = '0x' + '22'.repeat(32);
    await run(r1);
    expect(await run(r1), 'same origin, same system diff').toBe(true);
    // Another parent beacon root: the system call stores another word, so the workers' base is not this pre-state.
    expect(await run(r2), 'same origin, another system diff').toBe(false);
    expect(await run(r2)).toBe(true);
  });
});
