/**
 * @file Addresses read by host calls (BALANCE, EXTCODESIZE, EXTCODEHASH) go through FrameMemory's direct-mapped
 * cache from the five 32-bit lanes of an address to its string (runtime/host/frame-host.ts). Accounts that differ
 * from one another in a single lane, 48 per lane, read twice in order: pairs sharing a cache entry are then all
 * but certain (~4 per lane for 256 entries), and each read must still see its own account, as @ethereumjs/evm does.
 */
import { describe, it } from 'vitest';
import { asm } from '../helpers/asm.ts';
import { FORKS, same } from '../helpers/engines.ts';

const BASE = Buffer.from('44'.repeat(20), 'hex');
let seed = 12345;
const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
/** BASE with the four address bytes of lane `lane` (lane 0 = the last 4 bytes) replaced by random ones. */
function inLane(lane: number): string {
  const b = Buffer.from(BASE);
  for (let m = 0; m < 4; m++) b[19 - 4 * lane - m] = next() >>> 24;
  return '0x' + b.toString('hex');
}
const ADDRS = [...new Set(Array.from({ length: 5 * 48 }, (_, i) => inLane(i % 5)))];

describe('host calls on addresses that differ in one 32-bit lane', () => {
  it('BALANCE and EXTCODESIZE of 240 such accounts, twice: each read sees its own account', async () => {
    const pre: Record<string, { balance: string; code: string }> = {};
    ADDRS.forEach((a, i) => (pre[a] = { balance: String(1000 + i), code: '0x' + '5b'.repeat(1 + (i % 7)) }));
    const snippets = [...ADDRS, ...ADDRS].map((a, i) => `PUSH20 ${a} ${i % 3 === 2 ? 'EXTCODESIZE' : 'BALANCE'}`);
    const body = snippets.map((s, i) => `${s} PUSH ${32 * i} MSTORE`).join('\n');
    for (const f of FORKS) await same({ fork: f, pre, code: asm(`${body} PUSH ${32 * snippets.length} PUSH 0 RETURN`) });
  }, 120_000);
});
