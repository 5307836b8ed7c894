/**
 * @file Gas and stack checks hoisted to the head of a chain of blocks (src/backend/wasm/gas-chains.ts), against
 * @ethereumjs/evm: every gas limit around every instruction of programs made of chains (one short of each block,
 * exactly at each), stack underflow and overflow in the middle of a chain with ample and with short gas, and the gas
 * left read after a chain. The error kind is compared too: when the chain-wide check fails, the halt must be the one
 * the reference meets first (OutOfGas at block k, or the stack error of a later block when the gas reaches it).
 */
import { describe, expect, it } from 'vitest';
import { analyze, parseForkName } from '../../src/index.ts';
import { gasChains } from '../../src/backend/wasm/gas-chains.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { asm } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';
import { haltsAtEveryGasBoundary } from '../helpers/gas-boundaries.ts';

const T = 300_000;

/** Longest chain the wasm backend finds in `code`, in blocks. */
function longestChain(code: string): number {
  const a = analyze(Buffer.from(code.slice(2), 'hex'), parseForkName('cancun')!);
  let n = 0;
  for (const c of gasChains(a, () => false).heads.values()) n = Math.max(n, c.length);
  return n;
}


describe('gas checks hoisted along chains of blocks', () => {
  // Blocks JUMPDEST…JUMP visited forwards and backwards, with arithmetic; then the gas left after the chain.
  const around = asm(`
    PUSH 7 PUSH :a JUMP
    c: JUMPDEST PUSH 3 MUL PUSH :d JUMP
    b: JUMPDEST PUSH 5 ADD DUP1 XOR PUSH 9 OR PUSH :c JUMP
    a: JUMPDEST PUSH 2 SWAP1 SUB PUSH :b JUMP
    d: JUMPDEST PUSH 1 ADD
    e: JUMPDEST PUSH 0 MSTORE GAS PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN`);

  it('the programs below do form chains', () => {
    expect(longestChain(around)).toBe(4); // d's block holds e's (JUMPDEST only fallen into) and its MSTORE
    expect(longestChain(under)).toBe(4);
    expect(longestChain(over)).toBe(3);
  });

  it('out of gas exactly at each block of a chain, and the gas left after it', async () => {
    expect(await haltsAtEveryGasBoundary(around)).toBeGreaterThan(10);
  }, T);

  // Heights 2 → 1 → 0 → underflow at c's POP (the last charged instruction of its block).
  const under = asm(`
    PUSH 1 PUSH 2 PUSH :a JUMP
    b: JUMPDEST POP PUSH :c JUMP
    a: JUMPDEST POP PUSH :b JUMP
    c: JUMPDEST POP STOP`);

  it('stack underflow in the middle of a chain: ample gas, and short gas before and after it', async () => {
    const ample = await expectSame(mkCase({ fork: 'cancun', code: under, gas: '100000' }), { checkError: true });
    expect(ample.ref.error).toBe('stack underflow');
    expect(await haltsAtEveryGasBoundary(under)).toBeGreaterThan(5);
  }, T);

  // A chain of 1,023 PUSH0s, a, b; b's second PUSH0 overflows, last in its block (c is also a JUMPI target, so it is
  // a block of its own).
  const over = asm(`PUSH0 PUSH :c JUMPI ${'PUSH0 '.repeat(1023)} PUSH :a JUMP
    a: JUMPDEST PUSH :b JUMP
    b: JUMPDEST PUSH0 PUSH0
    c: JUMPDEST STOP`);

  it('stack overflow in the middle of a chain: ample gas, and short gas before and after it', async () => {
    const ample = await expectSame(mkCase({ fork: 'cancun', code: over, gas: '100000' }), { checkError: true });
    expect(ample.ref.error).toBe('stack overflow');
    expect(await haltsAtEveryGasBoundary(over)).toBeGreaterThan(5);
  }, T);

  it('jump_around-like: 200 blocks in one chain, each gas limit one short of a block and exactly at it', async () => {
    // PUSH2 targets in a fixed shuffled order; each block JUMPDEST PUSH2 JUMP (12 gas).
    const n = 200;
    const order = Array.from({ length: n }, (_, i) => i);
    let seed = 5;
    for (let i = n - 1; i > 0; i--) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; const j = seed % (i + 1); [order[i], order[j]] = [order[j], order[i]]; }
    const next = new Map<number, string>();
    for (let k = 0; k < n; k++) next.set(order[k], k + 1 < n ? `L${order[k + 1]}` : 'end');
    const body = Array.from({ length: n }, (_, i) => `L${i}: JUMPDEST PUSH :${next.get(i)} JUMP`).join(' ');
    const code = asm(`PUSH :L${order[0]} JUMP ${body} end: JUMPDEST GAS PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
    expect(longestChain(code)).toBe(n + 1);
    const ref = await runReference(mkCase({ fork: 'cancun', code, gas: '1000000' }));
    const G = BigInt(ref.gasUsed);
    for (let k = 0n; k <= BigInt(n) + 1n; k++) {
      // 11 gas for the first block (PUSH2 JUMP), 12 per chain block
      const at = k === 0n ? 0n : 11n + 12n * (k - 1n);
      for (const g of [at - 1n, at, at + 1n]) if (g >= 0n) await expectSame(mkCase({ fork: 'cancun', code, gas: String(g) }), { checkError: true, note: `gas ${g}` });
    }
    for (const g of [G - 1n, G, G + 1n, G + 1000n]) await expectSame(mkCase({ fork: 'cancun', code, gas: String(g) }), { checkError: true, note: `gas ${g}` });
  }, T);
});
