/**
 * @file Register blocks of the wasm backend (src/backend/wasm/registers.ts) and its natural loops (control.ts): the
 * blocks on a loop keep their stack slots in locals, entered through stubs that load what they read and left through
 * edges that store what they wrote. Each program runs on the wasm engine against @ethereumjs/evm, in both layouts
 * (the Relooper's for small code, the linear one when padded past RELOOPER_MAX_INSTS): loops entered through the
 * dispatch with items below the entry height read, rewritten and read again after leaving, a loop calling a helper
 * that code outside the loop calls too, a loop left through a dynamic jump, out of gas inside loops, a shallow entry.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Fork, analyze } from '../../src/index.ts';
import { planRegisters } from '../../src/backend/wasm/registers.ts';
import { RELOOPER_MAX_INSTS, usesRelooper } from '../../src/backend/wasm/control.ts';
import { asmBytes } from '../helpers/asm.ts';
import { fibCalledTwice } from '../helpers/programs.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';

const word = (v: bigint | number) => BigInt(v).toString(16).padStart(64, '0');

/**
 * Straight-line code run once at the start: past RELOOPER_MAX_INSTS it moves a program to the linear layout (in blocks
 * of 201 instructions: a region with a block past 2,000 keeps the memory stack).
 */
const PAD = Array.from({ length: Math.ceil(RELOOPER_MAX_INSTS / 200) + 1 }, (_, i) => `${'PUSH 1 POP '.repeat(100)} PUSH :p${i} JUMP p${i}: JUMPDEST`).join(' ');

/** A fib-like function with a static loop, called twice through the dispatch; deep items (1111) survive it. */
const calledTwice = fibCalledTwice;

/**
 * A loop whose body calls helper g (returning into the loop) and rewrites an item below its entry (m, 3 more every
 * round); g is called again after the loop, at the same height (its returns make all of it one cycle, too long for
 * locals: the memory stack path next to the others).
 */
const callInLoop = (pad: string) => asmBytes(`
  ${pad}
  PUSH 0x2222 PUSH :out PUSH 0 CALLDATALOAD PUSH 7 PUSH 1   // m out n a b
loop: JUMPDEST
  DUP3 ISZERO PUSH :done JUMPI
  PUSH :back DUP3 DUP3 PUSH :g JUMP
back: JUMPDEST                      // m out n a b s
  SWAP2 POP SWAP1 SWAP2 PUSH 1 SWAP1 SUB SWAP2
  SWAP4 PUSH 3 ADD SWAP4            // m += 3, below the loop's entry
  PUSH 3 PUSH 0 MSTORE
  PUSH 2
inner: JUMPDEST PUSH 1 SWAP1 SUB DUP1 PUSH :inner JUMPI POP
  PUSH :loop JUMP
g: JUMPDEST ADD SWAP1 JUMP
done: JUMPDEST SWAP2 POP SWAP2 JUMP // m a b → out
out: JUMPDEST PUSH 0 PUSH 0 PUSH :fin DUP5 DUP5 PUSH :g JUMP
fin: JUMPDEST                       // m a b 0 0 a+b
  PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 MSTORE PUSH 96 MSTORE PUSH 128 MSTORE PUSH 160 MSTORE PUSH 192 PUSH 0 RETURN
`);

/** A loop left through a computed jump (calldata word 1) whose targets read what the loop wrote. */
const leaveByJump = (pad: string) => asmBytes(`
  ${pad}
  PUSH 0x33 PUSH 0x44 PUSH 0 CALLDATALOAD PUSH 0   // x y n acc
loop: JUMPDEST
  DUP2 ISZERO PUSH :end JUMPI
  DUP2 ADD SWAP3 PUSH 5 MUL SWAP3   // acc += n, x *= 5
  SWAP1 PUSH 1 SWAP1 SUB SWAP1      // n -= 1
  PUSH 32 CALLDATALOAD DUP1 ISZERO ISZERO DUP4 PUSH 3 EQ AND SWAP1 JUMPI   // at n == 3, to calldata[32] if non-zero
  PUSH :loop JUMP
end: JUMPDEST
  PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 MSTORE PUSH 96 MSTORE PUSH 128 PUSH 0 RETURN
t1: JUMPDEST
  ADD ADD ADD PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
`);

/**
 * A three-block loop that overwrites an item below its entry (q) on even rounds only, without reading it: leaving by
 * its exit stores q, so q must have been loaded on entry (n = 0 leaves at once).
 */
const writeUnread = (pad: string) => asmBytes(`
  ${pad}
  PUSH 0x77 PUSH 0x88 PUSH 0 CALLDATALOAD         // p q n
loop: JUMPDEST
  DUP1 ISZERO PUSH :end JUMPI
  PUSH 1 SWAP1 SUB DUP1 PUSH 1 AND PUSH :loop JUMPI
  SWAP1 POP DUP1 PUSH 0x1000 ADD SWAP1 PUSH :loop JUMP   // q := n + 0x1000
end: JUMPDEST PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 MSTORE PUSH 96 PUSH 0 RETURN
`);

/**
 * A loop whose body needs more items than its header (DUP3 under one item): the body's own underflow check is not
 * implied by the header's (registers.ts impliedStackChecks); with calldata word 1 non-zero two more items sit below.
 */
const deepBody = (pad: string) => asmBytes(`
  ${pad}
  PUSH 32 CALLDATALOAD PUSH :deep JUMPI PUSH 0 CALLDATALOAD PUSH :loop JUMP
deep: JUMPDEST PUSH 5 PUSH 6 PUSH 0 CALLDATALOAD
loop: JUMPDEST
  DUP1 ISZERO PUSH :end JUMPI
  DUP3 POP PUSH 1 SWAP1 SUB PUSH :loop JUMP
end: JUMPDEST STOP
`);

/** A dispatch target in a loop that needs 5 items, reachable with an empty stack. */
const shallowEntry = (pad: string) => asmBytes(`
  ${pad}
  PUSH 0 CALLDATALOAD JUMP
x: JUMPDEST DUP5 POP
spin: JUMPDEST PUSH 1 SWAP1 SUB DUP1 PUSH :spin JUMPI STOP
`);

describe('wasm register blocks', () => {
  const layouts = [['Relooper', ''], ['linear', PAD]] as const;

  it('tight loops get register blocks, traced builds do not; shared blocks of a loop keep the memory stack', () => {
    for (const [, pad] of layouts) {
      for (const mk of [calledTwice, leaveByJump, writeUnread, deepBody, shallowEntry]) {
        const a = analyze(mk(pad), Fork.Cancun);
        const inner = a.blocks.find((b) => b.reachable && b.exit.kind === 'jumpi' && b.exit.to === b.index);
        const plan = planRegisters(a, true);
        expect(plan.inReg.some((x) => x === 1), mk.name).toBe(true);
        if (inner) expect(plan.inReg[inner.index]).toBe(1);
        expect(planRegisters(a, false).inReg.every((x) => x === 0)).toBe(true);
      }
    }
    // Fib (corpus): fibChecked's loop calls the checked-add helper that fibRec's recursion calls too, and returns through
    // a tail the optimiser shared with _rec: entered at two blocks, it keeps the memory stack; fib's loop gets locals.
    const fib = analyze(Buffer.from(readFileSync(new URL('../../corpus/build/Fib.bin', import.meta.url), 'utf8').trim(), 'hex'), Fork.Cancun);
    const plan = planRegisters(fib, true);
    const at = (pc: number) => plan.inReg[fib.blocks.find((b) => b.startPc === pc)!.index];
    expect([0xbf, 0xc8].map(at)).toEqual([1, 1]); // fib: loop header and body
    expect([0x93, 0x9c, 0xa6, 0x14c, 0xde, 0xe4].map(at)).toEqual([0, 0, 0, 0, 0, 0]); // fibChecked's loop, add, tail, _rec
    expect(usesRelooper(analyze(calledTwice(''), Fork.Cancun))).toBe(true);
    expect(usesRelooper(analyze(calledTwice(PAD), Fork.Cancun))).toBe(false);
  });

  const run = (code: Uint8Array, calldata: string, gas = '10000000') => expectSame(mkCase({ code, calldata, gas, fork: 'cancun' }));

  for (const [layout, pad] of layouts) {
    it(`${layout}: a function with a loop, called twice through the dispatch`, async () => {
      for (const [n1, n2] of [[0, 0], [1, 2], [10, 90], [300, 5]]) {
        const { ours } = await run(calledTwice(pad), word(n1) + word(n2));
        expect(ours.status).toBe('success');
      }
    });

    it(`${layout}: a loop calling a shared helper and rewriting a deep item, also out of gas inside it`, async () => {
      for (const n of [0, 1, 50]) expect((await run(callInLoop(pad), word(n))).ours.status).toBe('success');
      const used = BigInt((await run(callInLoop(pad), word(50))).ours.gasUsed);
      for (const cut of [used - 1n, used / 2n, used / 3n + 7n]) expect((await run(callInLoop(pad), word(50), cut.toString())).ours.status).not.toBe('success');
    });

    it(`${layout}: a loop left through a computed jump`, async () => {
      const code = leaveByJump(pad);
      const t1 = code.length - asmBytes('JUMPDEST ADD ADD ADD PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN').length;
      for (const [n, to] of [[0, 0], [2, t1], [9, 0], [9, t1], [9, t1 - 1]]) await run(code, word(n) + word(to));
    });

    it(`${layout}: a loop writing an item below its entry on some rounds only`, async () => {
      for (const n of [0, 1, 2, 3, 4, 7]) expect((await run(writeUnread(pad), word(n))).ours.status).toBe('success');
    });

    it(`${layout}: a loop body needing more items than its header underflows there`, async () => {
      for (const [n, deep] of [[0, 0], [1, 0], [3, 0], [3, 1]]) await run(deepBody(pad), word(n) + word(deep));
      expect((await run(deepBody(pad), word(2) + word(0))).ours.status).not.toBe('success');
    });

    it(`${layout}: a shallow entry into a loop halts with stack underflow`, async () => {
      const x = asmBytes(`${pad} PUSH 0 CALLDATALOAD JUMP`).length; // pc of x:
      expect((await run(shallowEntry(pad), word(x))).ours.status).not.toBe('success');
    });
  }
});
