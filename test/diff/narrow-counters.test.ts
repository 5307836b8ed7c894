/**
 * @file Narrow counters of the wasm backend's register groups (src/backend/wasm/registers.ts `narrowCounters`): a
 * counted loop's counter that enters at a constant below 2^62 and grows by at most half the loop's gas per round is
 * read with constant-zero high limbs. Against @ethereumjs/evm: the counter, the bound and a 256-bit accumulator at the
 * loop's exit (returned as output) for counters that start at 0, just below 2^62 (narrowed), just below 2^64 (not
 * narrowed: it crosses into the second limb), steps 1 and 7, in both layouts (Relooper and linear), and every gas limit
 * around every instruction of a short run.
 */
import { describe, expect, it } from 'vitest';
import { analyze, parseForkName } from '../../src/index.ts';
import { planRegisters } from '../../src/backend/wasm/registers.ts';
import { asm } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';
import { haltsAtEveryGasBoundary } from '../helpers/gas-boundaries.ts';

const T = 300_000;

const word = (x: bigint) => x.toString(16).padStart(64, '0');
const calldata = (...xs: bigint[]) => '0x' + xs.map(word).join('');

/** Blocks with a narrowed slot. */
function narrowed(code: string): number {
  const a = analyze(Buffer.from(code.slice(2), 'hex'), parseForkName('cancun')!);
  return planRegisters(a, true).narrow.size;
}


// A chain of 36 jumps first puts a program in the linear layout (more than 32 blocks); without it, the Relooper's.
const pre = Array.from({ length: 36 }, (_, i) => `PUSH :p${i} JUMP p${i}: JUMPDEST`).join(' ');

/**
 * `for (i = start; i < n; i += step) acc += i` with n from calldata word 0 and acc starting at calldata word 1 (a full
 * 256-bit value next to the counter); returns n, i, acc.
 */
const loop = (start: bigint, step: bigint, linear: boolean) => asm(`${linear ? pre : ''}
  PUSH 0 CALLDATALOAD PUSH ${start} PUSH 32 CALLDATALOAD
  head: JUMPDEST DUP3 DUP3 LT ISZERO PUSH :done JUMPI
  DUP2 ADD SWAP1 PUSH ${step} ADD SWAP1 PUSH :head JUMP
  done: JUMPDEST PUSH 64 MSTORE PUSH 32 MSTORE PUSH 0 MSTORE PUSH 96 PUSH 0 RETURN`);

const M = (1n << 256n) - 1n;
const BIG = (1n << 255n) + 12345n;

describe('narrow counters (wasm register groups)', () => {
  it('counted loops entered at a small constant are narrowed, one entered near 2^64 is not', () => {
    for (const linear of [false, true]) {
      expect(narrowed(loop(0n, 1n, linear))).toBe(2);
      expect(narrowed(loop(7n, 7n, linear))).toBe(2);
      expect(narrowed(loop((1n << 62n) - 1n, 1n, linear))).toBe(2);
      expect(narrowed(loop(1n << 62n, 1n, linear))).toBe(0);
      expect(narrowed(loop((1n << 64n) - 2n, 1n, linear))).toBe(0);
    }
  });

  it('the counter, bound and accumulator at the exit are the reference ones', async () => {
    const runs: [bigint, bigint, bigint[]][] = [
      [0n, 1n, [0n, BIG]], [0n, 1n, [1n, BIG]], [0n, 1n, [50n, M]], [0n, 1n, [(1n << 64n) + 3n, 0n]],
      [7n, 7n, [60n, M - 100n]], [7n, 7n, [61n, 5n]],
      [(1n << 62n) - 1n, 1n, [(1n << 62n) + 3n, BIG]],
      [(1n << 64n) - 2n, 1n, [(1n << 64n) + 2n, M]], // crosses 2^64: the second limb carries
      [(1n << 62n), 1n, [(1n << 62n) + 2n, 1n]],
    ];
    for (const linear of [false, true]) {
      for (const [start, step, d] of runs) {
        await expectSame(mkCase({ fork: 'cancun', code: loop(start, step, linear), calldata: calldata(...d), gas: '200000' }), { checkError: true, note: `${start} ${step} ${d}` });
      }
    }
  }, T);

  it('out of gas at every instruction of a short narrowed loop', async () => {
    for (const linear of [false, true]) expect(await haltsAtEveryGasBoundary(loop(0n, 1n, linear), calldata(3n, BIG))).toBeGreaterThan(20);
  }, T);
});
