/**
 * @file Static stack regions (src/analysis/regions.ts) and the C backend's register stacks built on them
 * (src/backend/c/control.ts): heights agree along every static edge, pushing loops are refused, and
 * compiled contracts whose loops keep the stack in variables — entered and left through the dispatch, with
 * items below the entry height read, rewritten and read again after returning, out of gas inside the loop,
 * stack underflow on a shallow dispatch entry — give exactly the reference's results on the native engine.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { stackRegions } from '../../src/analysis/regions.ts';
import { successors } from '../../src/analysis/blocks.ts';
import { compileToC } from '../../src/backend/c/index.ts';
import { Fork, analyze } from '../../src/index.ts';
import { asmBytes } from '../helpers/asm.ts';
import { fibCalledTwice } from '../helpers/programs.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';

const word = (v: bigint | number) => BigInt(v).toString(16).padStart(64, '0');

/** A Solidity-shaped internal function with a static loop, called twice through the dispatch (fib-like). */
const CALLED_TWICE = fibCalledTwice();

/** A loop whose body calls a helper through the dispatch and comes back into the loop's region. */
const CALL_IN_LOOP = asmBytes(`
  PUSH 0x2222 PUSH :out PUSH 0 CALLDATALOAD PUSH 0 PUSH 1   // m out n a b
loop: JUMPDEST
  DUP3 ISZERO PUSH :done JUMPI
  PUSH :back DUP3 DUP3 PUSH :g JUMP
back: JUMPDEST                      // m out n a b s
  SWAP2 POP SWAP1 SWAP2 PUSH 1 SWAP1 SUB SWAP2
  PUSH 3 PUSH 0 MSTORE              // memory traffic inside the loop
  PUSH 2
inner: JUMPDEST PUSH 1 SWAP1 SUB DUP1 PUSH :inner JUMPI POP   // a static loop in the region
  PUSH :loop JUMP
g: JUMPDEST ADD SWAP1 JUMP
done: JUMPDEST SWAP2 POP SWAP2 JUMP
out: JUMPDEST PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 MSTORE PUSH 96 PUSH 0 RETURN
`);

/** A dispatch target in a looping region that needs 5 items, reachable with an empty stack. */
const SHALLOW_ENTRY = asmBytes(`
  PUSH 0 CALLDATALOAD JUMP
x: JUMPDEST DUP5 POP
spin: JUMPDEST PUSH 1 SWAP1 SUB DUP1 PUSH :spin JUMPI STOP
`);

describe('stack regions', () => {
  it('a called function with a static loop is one consistent looping region; a pushing loop is inconsistent', () => {
    const a = analyze(CALLED_TWICE, Fork.Cancun);
    const r = stackRegions(a);
    const loopBlock = a.blocks.find((b) => b.reachable && b.exit.kind === 'jumpi')!;
    const region = r.regions[r.regionOf[loopBlock.index]];
    expect(region.consistent).toBe(true);
    expect(region.loops).toBe(true);
    // ret1 (entered through the dispatch) reaches f statically, so it is part of the region.
    const ret1 = a.blockAtPc.get(a.decoded.pcs[a.decoded.ops.indexOf(0x5b)])!;
    expect(r.regionOf[ret1]).toBe(r.regionOf[loopBlock.index]);

    const pushing = analyze(asmBytes('top: JUMPDEST PUSH 1 PUSH :top JUMP'), Fork.Cancun);
    const p = stackRegions(pushing);
    expect(p.regions[p.regionOf[0]].consistent).toBe(false);
  });

  it('on arbitrary code, consistent regions agree with every static edge and bound every block', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (code) => {
      const a = analyze(code, Fork.Osaka);
      const r = stackRegions(a);
      for (const b of a.blocks) {
        if (!b.reachable) { expect(r.regionOf[b.index]).toBe(-1); continue; }
        const g = r.regions[r.regionOf[b.index]];
        expect(g.blocks).toContain(b.index);
        const h = r.entryHeight[b.index];
        expect(g.low).toBeLessThanOrEqual(h - b.stackReq);
        expect(g.high).toBeGreaterThanOrEqual(h + b.stackMaxGrowth);
        for (const s of successors(b.exit)) {
          if (s < 0) continue;
          expect(r.regionOf[s]).toBe(r.regionOf[b.index]);
          if (g.consistent) expect(r.entryHeight[s]).toBe(h + b.stackDelta);
        }
      }
    }), { numRuns: 300 });
  });
});

describe('register stacks in the C backend', () => {
  it('looping regions get register variables, straight-line code and traced builds keep the memory stack', () => {
    for (const code of [CALLED_TWICE, CALL_IN_LOOP, SHALLOW_ENTRY]) expect(compileToC(analyze(code, Fork.Cancun)).source).toMatch(/w256 r0 = 0/);
    expect(compileToC(analyze(CALLED_TWICE, Fork.Cancun, { singleStep: true }), { trace: true }).source).not.toMatch(/w256 r0 = 0/);
    expect(compileToC(analyze(asmBytes('PUSH 1 PUSH 2 ADD PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN'), Fork.Cancun)).source).not.toMatch(/w256 r0/);
  });

  const unavailable = nativeUnavailableReason();
  if (unavailable) console.warn(`[register-stack execution tests skipped] ${unavailable}`);
  const native = unavailable ? undefined : new NativeLoader();
  afterAll(() => native?.dispose());
  const run = (code: Uint8Array, calldata: string, gas = '10000000') =>
    expectSame(mkCase({ code, calldata, gas, fork: 'cancun' }), { loader: native! });

  it.skipIf(unavailable)('a function with a loop, called twice through the dispatch, agrees with the reference', async () => {
    for (const [n1, n2] of [[0, 0], [1, 2], [10, 90], [300, 5]]) {
      const { ours } = await run(CALLED_TWICE, word(n1) + word(n2));
      expect(ours.status).toBe('success');
    }
  });

  it.skipIf(unavailable)('a loop that calls through the dispatch agrees, including running out of gas inside it', async () => {
    const { ours } = await run(CALL_IN_LOOP, word(50));
    expect(ours.status).toBe('success');
    const used = BigInt(ours.gasUsed);
    for (const cut of [used - 1n, used / 2n, used / 3n + 7n]) {
      const r = await run(CALL_IN_LOOP, word(50), cut.toString());
      expect(r.ours.status).not.toBe('success');
    }
  });

  it.skipIf(unavailable)('a shallow entry into a register region halts with stack underflow, as in the reference', async () => {
    const x = asmBytes('PUSH 0 CALLDATALOAD JUMP').length; // pc of x:
    const { ours } = await run(SHALLOW_ENTRY, word(x));
    expect(ours.status).not.toBe('success');
  });
});
