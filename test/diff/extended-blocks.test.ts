/**
 * @file Extended blocks of the wasm backend's linear layout (src/backend/wasm/control.ts `extendedBlocks`): a block
 * entered only from its predecessor goes on in the predecessor's virtual stack, the other exits write the stack back,
 * a JUMPI whose not-taken side only halts carries that block in an arm. Against @ethereumjs/evm: the stack items each
 * exit leaves (returned as output), stack underflow and overflow in a block that goes on (its bounds are relative to
 * the items still in locals), every gas limit around every instruction, and memory grown only in a halting side arm
 * (the code after it must still grow its own).
 */
import { describe, expect, it } from 'vitest';
import { analyze, parseForkName } from '../../src/index.ts';
import { extendedBlocks } from '../../src/backend/wasm/control.ts';
import { gasChains } from '../../src/backend/wasm/gas-chains.ts';
import { asm } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';
import { haltsAtEveryGasBoundary } from '../helpers/gas-boundaries.ts';

const T = 300_000;

/** Blocks compiled into another block's state, and side arms. */
function extended(code: string): { continues: number; sides: number } {
  const a = analyze(Buffer.from(code.slice(2), 'hex'), parseForkName('cancun')!);
  const ch = gasChains(a, () => false);
  const x = extendedBlocks(a, (b) => ch.heads.has(b) || ch.inner.has(b));
  return { continues: x.continues.reduce((n, v) => n + v, 0), sides: x.side.filter((v) => v >= 0).length };
}

const word = (x: bigint) => x.toString(16).padStart(64, '0');
const calldata = (...xs: bigint[]) => '0x' + xs.map(word).join('');


// A chain of 36 jumps first keeps each program in the linear layout (more than 32 blocks; the Relooper's has none).
const pre = Array.from({ length: 36 }, (_, i) => `PUSH :p${i} JUMP p${i}: JUMPDEST`).join(' ');

describe('extended blocks (wasm linear layout)', () => {
  // Three JUMPIs on calldata words 0, 1, 2; each not-taken side goes on with the items of the one before (some
  // computed, some loaded from below the head's entry, one swapped deep); each taken side returns the stack it finds.
  const exits = asm(`${pre}
    PUSH 0x1111 PUSH 0x2222 PUSH 3 ADD DUP2 MUL
    PUSH 0 CALLDATALOAD PUSH :x JUMPI
    PUSH 5 SWAP2 SUB DUP2 DUP2 XOR
    PUSH 32 CALLDATALOAD PUSH :y JUMPI
    SWAP3 PUSH 7 ADD DUP4 DUP4
    PUSH 64 CALLDATALOAD PUSH :z JUMPI
    PUSH 0xdead ADD
    z: JUMPDEST PUSH 96 MSTORE PUSH 64 MSTORE PUSH 32 MSTORE PUSH 0 MSTORE PUSH 128 PUSH 0 RETURN
    y: JUMPDEST PUSH 64 MSTORE PUSH 32 MSTORE PUSH 0 MSTORE PUSH 96 PUSH 0 RETURN
    x: JUMPDEST PUSH 32 MSTORE PUSH 0 MSTORE PUSH 64 PUSH 0 RETURN`);

  it('the programs below form extended blocks', () => {
    expect(extended(exits)).toEqual({ continues: 3, sides: 0 });
    expect(extended(assertDiv)).toEqual({ continues: 4, sides: 2 });
    expect(extended(sideMemory)).toEqual({ continues: 3, sides: 1 }); // and the block after its GAS
    expect(extended(under)).toEqual({ continues: 2, sides: 0 });
    expect(extended(over)).toEqual({ continues: 2, sides: 0 });
  });

  it('every exit of an extended block leaves the stack the reference leaves', async () => {
    for (const d of [[1n], [0n, 1n], [0n, 0n, 1n], [0n, 0n, 0n]]) {
      await expectSame(mkCase({ fork: 'cancun', code: exits, calldata: calldata(...d), gas: '100000' }), { checkError: true });
    }
  }, T);

  it('out of gas exactly at each block of an extended block', async () => {
    expect(await haltsAtEveryGasBoundary(exits, calldata(0n, 0n, 0n))).toBeGreaterThan(10);
    expect(await haltsAtEveryGasBoundary(exits, calldata(0n, 1n))).toBeGreaterThan(5);
  }, T);

  // solc's guard before a division: DUP2 PUSH :t JUMPI INVALID t: JUMPDEST SDIV — twice in a row, then the quotients.
  const assertDiv = asm(`${pre}
    PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD PUSH 64 CALLDATALOAD
    DUP2 PUSH :t1 JUMPI INVALID
    t1: JUMPDEST DUP1 DUP3 SDIV SWAP1 DUP4 PUSH :t2 JUMPI INVALID
    t2: JUMPDEST DUP4 SWAP1 SDIV PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN`);

  it('a JUMPI whose other side only halts: both sides, at every gas limit', async () => {
    const m1 = (1n << 256n) - 1n;
    for (const d of [[7n, 3n, -100n & m1], [0n, 3n, 5n], [7n, 0n, 5n], [-9n & m1, m1, 1n << 255n]]) {
      await expectSame(mkCase({ fork: 'cancun', code: assertDiv, calldata: calldata(...d), gas: '100000' }), { checkError: true });
    }
    expect(await haltsAtEveryGasBoundary(assertDiv, calldata(7n, 3n, 100n))).toBeGreaterThan(5);
  }, T);

  // The halting side stores an error selector at [0, 32) and reverts; the taken side then stores at [0, 32) itself
  // and returns MSIZE: it must grow memory (and pay for it) as if the side had never run.
  const sideMemory = asm(`${pre}
    PUSH 0 CALLDATALOAD PUSH :ok JUMPI
    PUSH 0x08c379a0 PUSH 0 MSTORE PUSH 4 PUSH 28 REVERT
    ok: JUMPDEST PUSH 0x42 PUSH 0 MSTORE MSIZE PUSH 32 MSTORE GAS PUSH 64 MSTORE PUSH 96 PUSH 0 RETURN`);

  it('memory grown in a halting side arm is not taken for grown after it', async () => {
    for (const d of [[0n], [1n]]) await expectSame(mkCase({ fork: 'cancun', code: sideMemory, calldata: calldata(...d), gas: '100000' }), { checkError: true });
    expect(await haltsAtEveryGasBoundary(sideMemory, calldata(1n))).toBeGreaterThan(3);
  }, T);

  // Heights 2, then 1 in the next block, which pops three: its underflow check must count the items still in locals.
  const under = asm(`${pre}
    PUSH 1 PUSH 2 PUSH 0 CALLDATALOAD PUSH :x JUMPI
    POP PUSH 32 CALLDATALOAD PUSH :x JUMPI
    POP POP POP STOP
    x: JUMPDEST STOP`);

  it('stack underflow in a block that goes on from another', async () => {
    const r = await expectSame(mkCase({ fork: 'cancun', code: under, calldata: calldata(0n, 0n), gas: '100000' }), { checkError: true });
    expect(r.ref.error).toBe('stack underflow');
    for (const d of [[1n], [0n, 1n]]) await expectSame(mkCase({ fork: 'cancun', code: under, calldata: calldata(...d), gas: '100000' }), { checkError: true });
    expect(await haltsAtEveryGasBoundary(under, calldata(0n, 0n))).toBeGreaterThan(3);
  }, T);

  // 1,020 items, a JUMPI, then blocks that go on and push to 1,024 and past it.
  const over = asm(`${pre} ${'PUSH0 '.repeat(1020)} PUSH 0 CALLDATALOAD PUSH :x JUMPI
    PUSH0 PUSH0 PUSH 32 CALLDATALOAD PUSH :x JUMPI
    PUSH0 PUSH0 PUSH0 STOP
    x: JUMPDEST STOP`);

  // 1,000 run-time values (more live locals than a block keeps: its virtual stack is spilled and sp moves mid-block),
  // a JUMPI, then 30 more items in the next block: its overflow check must count the spilled items too.
  const spilled = asm(`${pre} ${'CALLDATASIZE '.repeat(1000)} PUSH 0 CALLDATALOAD PUSH :x JUMPI
    ${'PUSH0 '.repeat(30)} STOP
    x: JUMPDEST STOP`);

  it('stack overflow in a block that goes on from one whose stack was spilled', async () => {
    for (const d of [[0n], [1n]]) await expectSame(mkCase({ fork: 'cancun', code: spilled, calldata: calldata(...d), gas: '100000' }), { checkError: true });
    const r = await expectSame(mkCase({ fork: 'cancun', code: spilled, calldata: calldata(0n), gas: '100000' }), { checkError: true });
    expect(r.ref.error).toBe('stack overflow');
  }, T);

  it('stack overflow in a block that goes on from another', async () => {
    const r = await expectSame(mkCase({ fork: 'cancun', code: over, calldata: calldata(0n, 0n), gas: '100000' }), { checkError: true });
    expect(r.ref.error).toBe('stack overflow');
    for (const d of [[1n], [0n, 1n]]) await expectSame(mkCase({ fork: 'cancun', code: over, calldata: calldata(...d), gas: '100000' }), { checkError: true });
  }, T);
});
