/**
 * @file Counted loops (src/analysis/loops.ts) and their fast copies in the C backend (control.ts): which
 * loops qualify, and that the fast copy — one gas check per round, counter and bound in 64 bits, entered
 * only under run-time guards — gives exactly the reference's results: every gas limit up to the total
 * (with a dynamic cost inside the loop too), counters and bounds on both sides of the guards (2^62,
 * 2^64), starts past the bound, loops that never end, and random cases.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { countedLoops } from '../../src/analysis/loops.ts';
import { stackRegions } from '../../src/analysis/regions.ts';
import { compileToC } from '../../src/backend/c/index.ts';
import { Fork, analyze } from '../../src/index.ts';
import { asmBytes } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';

const word = (v: bigint | number) => BigInt(v).toString(16).padStart(64, '0');

/** `for (i = start; i < n; i += step) acc = acc * 3 + i;` returning acc, i and n: a Solidity-shaped counted loop. */
const countUp = (step: bigint | number, bump = 'SWAP1 PUSH ${step} ADD SWAP1') => asmBytes(`
  PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD PUSH 0   // n i acc
loop: JUMPDEST
  DUP3 DUP3 LT ISZERO PUSH :done JUMPI
  PUSH 3 MUL DUP2 ADD                               // n i acc*3+i
  ${bump.replace('${step}', String(step))}
  PUSH :loop JUMP
done: JUMPDEST
  PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 MSTORE PUSH 96 PUSH 0 RETURN
`);

/** The same loop counting down: not a counter in the analysis's sense (it could wrap below zero). */
const COUNT_DOWN = asmBytes(`
  PUSH 0 CALLDATALOAD PUSH 0
loop: JUMPDEST
  DUP2 ISZERO PUSH :done JUMPI
  DUP2 ADD SWAP1 PUSH 1 SWAP1 SUB SWAP1
  PUSH :loop JUMP
done: JUMPDEST PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
`);

/** fibonacci.sol's loop shape: the counter is compared with GT against a bound below it, exit when i > n. */
const FIB = asmBytes(`
  PUSH 0 CALLDATALOAD PUSH 0 PUSH 1 PUSH 2           // n a b i
loop: JUMPDEST
  DUP4 DUP2 GT PUSH :done JUMPI
  SWAP1 SWAP2 DUP3 ADD SWAP1 PUSH 1 ADD
  PUSH :loop JUMP
done: JUMPDEST POP PUSH 0 MSTORE POP POP PUSH 32 PUSH 0 RETURN
`);

/** countUp(1) with a second exit that depends on the accumulator: `if (acc & 0xff == 0x42) break`. */
const BREAK = asmBytes(`
  PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD PUSH 0   // n i acc
loop: JUMPDEST
  DUP3 DUP3 LT ISZERO PUSH :done JUMPI
  PUSH 0x42 DUP2 PUSH 0xff AND EQ PUSH :done JUMPI
  PUSH 3 MUL DUP2 ADD PUSH 7 ADD
  SWAP1 PUSH 1 ADD SWAP1
  PUSH :loop JUMP
done: JUMPDEST
  PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 MSTORE PUSH 96 PUSH 0 RETURN
`);

/** countUp(1) storing acc at memory word i: memory grows inside the loop (a dynamic cost every iteration). */
const MEMORY = countUp(1, 'DUP1 DUP3 PUSH 32 MUL MSTORE SWAP1 PUSH 1 ADD SWAP1');

const loopsOf = (code: Uint8Array) => {
  const a = analyze(code, Fork.Cancun);
  return countedLoops(a, stackRegions(a), () => true);
};

describe('counted loops: analysis', () => {
  it('finds the counter, its step and the bound it is compared with', () => {
    const [l, ...rest] = loopsOf(countUp(1));
    expect(rest).toEqual([]);
    expect(l.counters).toEqual([{ slot: 1, step: 1n }]);
    expect(l.bounds).toEqual([0]);
    expect(l.cycle.length).toBe(2);
    expect(loopsOf(countUp(3))[0].counters).toEqual([{ slot: 1, step: 3n }]);
    const [f] = loopsOf(FIB);
    expect(f.counters).toEqual([{ slot: 3, step: 1n }]);
    expect(f.bounds).toEqual([0]);
  });

  it('reads each exit as a counter-versus-bound test, and gives up on exits that depend on anything else', () => {
    // `!(i < n)` exits: i >= n; fib's `i > n` exits: i > n.
    expect(loopsOf(countUp(1))[0].exitTests).toEqual([{ counter: 1, step: 1n, offset: 0n, rel: '>=', bound: 0 }]);
    expect(loopsOf(FIB)[0].exitTests).toEqual([{ counter: 3, step: 1n, offset: 0n, rel: '>', bound: 0 }]);
    const [b] = loopsOf(BREAK);
    expect(b.counters).toEqual([{ slot: 1, step: 1n }]);
    expect(b.exitTests).toBeUndefined();
    expect(loopsOf(countUp(1))[0].staticGas).toBe(true);
    expect(loopsOf(MEMORY)[0].staticGas).toBe(false);
  });

  it('refuses decrements, steps larger than an iteration\'s gas, and counters overwritten in the loop', () => {
    expect(loopsOf(COUNT_DOWN)).toEqual([]);
    expect(loopsOf(countUp(1_000_000))).toEqual([]);
    expect(loopsOf(countUp(1, 'SWAP1 PUSH 1 ADD PUSH 2 MUL SWAP1'))).toEqual([]);
    expect(loopsOf(countUp(1, 'SWAP1 POP CALLVALUE SWAP1'))).toEqual([]);
  });

  it('the C backend gives counted loops a guarded fast copy, and only them', () => {
    const src = compileToC(analyze(countUp(1), Fork.Cancun)).source;
    expect(src).toMatch(/uint64_t n\d+ = 0/);
    expect(src).toMatch(/goto F\d+;/);
    expect(compileToC(analyze(COUNT_DOWN, Fork.Cancun)).source).not.toMatch(/goto F\d+;/);
  });
});

describe('counted loops: native fast copies agree with the reference', () => {
  const unavailable = nativeUnavailableReason();
  if (unavailable) console.warn(`[counted-loop execution tests skipped] ${unavailable}`);
  const native = unavailable ? undefined : new NativeLoader();
  afterAll(() => native?.dispose());
  const run = (code: Uint8Array, n: bigint, start: bigint, gas: bigint | string = 10_000_000n) =>
    expectSame(mkCase({ code, calldata: word(n) + word(start), gas: gas.toString(), fork: 'cancun' }), { loader: native! });
  const CODES = { step1: countUp(1), step3: countUp(3), fib: FIB, break: BREAK, memory: MEMORY } as const;

  it.skipIf(unavailable)('counters and bounds on both sides of the guards, and starts past the bound', async () => {
    const P62 = 1n << 62n;
    const P64 = 1n << 64n;
    const cases: [bigint, bigint][] = [
      [0n, 0n], [1n, 0n], [10n, 3n], [1000n, 0n], [5n, 10n],
      [P62 + 10n, P62 - 3n], // crosses 2^62 inside the fast copy
      [P64 + 3n, P64 - 2n], // counter too wide for the guard: the precise code runs
      [P64 - 1n, P64 - 20n], // bound just below 2^64
      [(1n << 200n) + 7n, (1n << 200n)], // both wide
      [P64 + 2n, 3n], // bound too wide, counter narrow: precise code until out of gas
    ];
    for (const [name, code] of Object.entries(CODES)) {
      for (const [n, start] of cases) {
        const { ours } = await run(code, n, start, 200_000n);
        // fib counts from 2 whatever the start; memory's stores at 32·i run out of gas for large i.
        if (n - (name === 'fib' ? 2n : start) < 1000n && (name !== 'memory' || n < 1000n)) expect(ours.status).toBe('success');
      }
    }
  });

  it.skipIf(unavailable)('every gas limit, from none to enough, gives the reference\'s status and gas', async () => {
    // Running out anywhere: in a round's first block, mid-round (where memory growth, a dynamic cost, eats into
    // the gas a round was checked for), in the last round, after the loop.
    for (const code of Object.values(CODES)) {
      const { ours } = await run(code, 12n, 0n);
      expect(ours.status).toBe('success');
      const used = BigInt(ours.gasUsed);
      for (let cut = 0n; cut <= used; cut++) await run(code, 12n, 0n, cut);
    }
  }, 600_000);

  it.skipIf(unavailable)('random counters, bounds and gas limits', async () => {
    const magnitude = fc.constantFrom(0n, 1n << 61n, (1n << 62n) - 50n, (1n << 64n) - 40n, 1n << 64n, 1n << 255n);
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...(Object.keys(CODES) as (keyof typeof CODES)[])), magnitude, fc.bigInt(0n, 60n), fc.bigInt(-5n, 60n), fc.bigInt(0n, 6000n),
      async (name, base, start, span, gas) => {
        const s = base + start;
        await run(CODES[name], BigInt.asUintN(256, s + span), s, gas);
      }), { numRuns: 150, seed: 0x10095 });
  }, 600_000);
});
