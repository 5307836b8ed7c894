/**
 * @file Stack checks of an entered register-group block made by its stub (src/backend/wasm/registers.ts
 * `impliedStackChecks`, `stubChecks`): a loop header whose direct predecessors in the group prove its bounds checks them
 * only when entered from outside, before its gas check would run — so a header entered with too few items, or too
 * many, must report what the reference reports at every gas limit (OutOfGas when the gas check fails first).
 */
import { describe, expect, it } from 'vitest';
import { analyze, parseForkName } from '../../src/index.ts';
import { enteredBlocks, impliedStackChecks, planRegisters } from '../../src/backend/wasm/registers.ts';
import { asm } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';
import { atEveryGasBoundary } from '../helpers/gas-boundaries.ts';

const errorsAtEveryGasBoundary = async (code: string, data: string) => new Set((await atEveryGasBoundary(code, data)).map((r) => String(r.error ?? r.status)));

const T = 300_000;
const word = (x: bigint) => x.toString(16).padStart(64, '0');
const calldata = (...xs: bigint[]) => '0x' + xs.map(word).join('');

/** Entered group blocks whose checks the stub makes: [underflow, overflow] counts. */
function stubbed(code: string): [number, number] {
  const a = analyze(Buffer.from(code.slice(2), 'hex'), parseForkName('cancun')!);
  const plan = planRegisters(a, true);
  const entered = enteredBlocks(a, plan);
  const { under, over } = impliedStackChecks(a, plan, entered);
  const u = [...entered].filter((b) => under.has(b) && a.blocks[b].stackReq > 0).length;
  const o = [...entered].filter((b) => over.has(b) && a.blocks[b].stackMaxGrowth > 0).length;
  return [u, o];
}


const pre = Array.from({ length: 36 }, (_, i) => `PUSH :p${i} JUMP p${i}: JUMPDEST`).join(' ');

// A counting loop entered from `entry` with `items` on the stack; the header reads two items (counter, bound) and the
// body pushes two more: with 0 or 1 items the first entry underflows; a header entered near 1,024 overflows.
const loop = (items: string, linear: boolean) => asm(`${linear ? pre : ''} ${items}
  head: JUMPDEST DUP2 DUP2 LT ISZERO PUSH :done JUMPI
  PUSH 1 ADD PUSH 0 PUSH 0 POP POP PUSH :head JUMP
  done: JUMPDEST PUSH 32 MSTORE PUSH 0 MSTORE PUSH 64 PUSH 0 RETURN`);

describe('stack checks in a register group stub', () => {
  it('the loops below have their header checks in the stub', () => {
    for (const linear of [false, true]) {
      expect(stubbed(loop("PUSH 0 CALLDATALOAD PUSH 0", linear))).toEqual([1, 1]);
      expect(stubbed(loop("PUSH 0", linear))).toEqual([1, 1]);
      expect(stubbed(loop(`${"PUSH0 ".repeat(1021)} PUSH 0 CALLDATALOAD PUSH 0`, linear))).toEqual([1, 1]);
    }
  });

  it('a header entered with enough items, too few, or too many: every gas limit', async () => {
    for (const linear of [false, true]) {
      const ok = await errorsAtEveryGasBoundary(loop('PUSH 0 CALLDATALOAD PUSH 0', linear), calldata(3n));
      expect(ok.has('out of gas')).toBe(true);
      const few = await errorsAtEveryGasBoundary(loop('PUSH 0', linear), calldata(3n));
      expect(few.has('stack underflow') && few.has('out of gas')).toBe(true);
      const many = await errorsAtEveryGasBoundary(loop(`${'PUSH0 '.repeat(1021)} PUSH 0 CALLDATALOAD PUSH 0`, linear), calldata(3n));
      expect(many.has('stack overflow') && many.has('out of gas')).toBe(true);
    }
  }, T);
});
