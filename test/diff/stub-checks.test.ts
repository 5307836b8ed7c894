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
import { traceGas } from '../helpers/trace.ts';

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

async function everyBoundary(code: string, data: string): Promise<Set<string>> {
  const c = mkCase({ fork: 'cancun', code, calldata: data, gas: '1000000' });
  const tr = await traceGas(c);
  const limits = new Set<bigint>([0n, 1n, 2n, 3n, tr.gasUsed - 1n, tr.gasUsed, tr.gasUsed + 1n]);
  for (const s of tr.steps) { const used = c.gas - s.gasLeft; limits.add(used); limits.add(used + 1n); if (used > 0n) limits.add(used - 1n); }
  const errors = new Set<string>();
  for (const g of [...limits].sort((x, y) => (x < y ? -1 : 1))) {
    const r = await expectSame(mkCase({ fork: 'cancun', code, calldata: data, gas: String(g) }), { checkError: true, note: `gas ${g}` });
    errors.add(String(r.ref.error ?? r.ref.status));
  }
  return errors;
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
      const ok = await everyBoundary(loop('PUSH 0 CALLDATALOAD PUSH 0', linear), calldata(3n));
      expect(ok.has('out of gas')).toBe(true);
      const few = await everyBoundary(loop('PUSH 0', linear), calldata(3n));
      expect(few.has('stack underflow') && few.has('out of gas')).toBe(true);
      const many = await everyBoundary(loop(`${'PUSH0 '.repeat(1021)} PUSH 0 CALLDATALOAD PUSH 0`, linear), calldata(3n));
      expect(many.has('stack overflow') && many.has('out of gas')).toBe(true);
    }
  }, T);
});
