/**
 * @file The linear layout's block order (src/backend/wasm/control.ts `chainOrder`): a block entered only by another
 * block's unconditional jump is placed right after it, so chains in shuffled pc order (jump_around) jump forwards.
 * Programs above the Relooper's 32 blocks, against @ethereumjs/evm with every gas limit near the end of each run:
 * a shuffled chain looping back to its head, the chain entered in its middle by a conditional jump, and by a dynamic
 * jump from calldata (every JUMPDEST a dispatch target: nothing moves) — each with arithmetic in every block.
 */
import { describe, expect, it } from 'vitest';
import { analyze, parseForkName } from '../../src/index.ts';
import { chainOrder, usesRelooper } from '../../src/backend/wasm/control.ts';
import { word } from '../../runtime/harness/case.ts';
import { asm } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';

const N = 48;
/** A fixed shuffle of 1..N-1 (c0 stays first in pc order: the loop's head). */
const SHUFFLED = Array.from({ length: N - 1 }, (_, i) => i + 1).sort((x, y) => ((x * 7919) % 97) - ((y * 7919) % 97));

/**
 * A counter loop whose body is the chain c0 → c1 → … → c(N-1), the blocks laid out in SHUFFLED pc order; `entry`
 * code runs first (it may jump into the chain). Every block adds its index times the round to an accumulator.
 */
function program(entry: string): string {
  const blocks = SHUFFLED.map((k) => `c${k}: JUMPDEST DUP2 PUSH ${k} MUL ADD PUSH :c${k + 1 < N ? k + 1 : 'end'} JUMP`);
  return asm(`
    PUSH 1 PUSH 0 ${entry} PUSH :c0 JUMP
    c0: JUMPDEST DUP2 ADD PUSH :c1 JUMP
    ${blocks.join('\n')}
    cend: JUMPDEST
    end: JUMPDEST SWAP1 PUSH 1 ADD SWAP1 DUP2 PUSH 4 GT PUSH :c0 JUMPI
    PUSH 0 MSTORE PUSH 32 MSTORE GAS PUSH 64 MSTORE PUSH 96 PUSH 0 RETURN`.replace(/:cend/g, ':end'));
}

const shapes: Record<string, { code: string; calldata: string; moved: boolean }> = {
  'a shuffled chain looping back to its head': { code: program(''), calldata: '0x', moved: true },
  'the chain entered in its middle by a JUMPI': { code: program('PUSH 0 CALLDATALOAD PUSH :c20 JUMPI'), calldata: word(1n), moved: true },
  'the chain entered by a dynamic jump from calldata': { code: program('PUSH 0 CALLDATALOAD DUP1 ISZERO PUSH :skip JUMPI JUMP skip: JUMPDEST POP'), calldata: '', moved: false },
};

describe('linear layout: chains of blocks laid out in jump order', () => {
  for (const [name, s] of Object.entries(shapes)) {
    it(name, async () => {
      const a = analyze(Buffer.from(s.code.slice(2), 'hex'), parseForkName('cancun')!);
      expect(usesRelooper(a)).toBe(false);
      // Where the order moved blocks, each chain block c_k is followed by c_(k+1) (apart from the one entered twice).
      const order = chainOrder(a, new Set()).map((b) => b.startPc);
      const inPcOrder = order.every((pc, i) => i === 0 || pc > order[i - 1]);
      expect(inPcOrder).toBe(!s.moved);
      const pcOf = new Map<number, number>();
      order.forEach((pc, i) => pcOf.set(pc, i));
      expect(pcOf.size).toBe(a.blocks.filter((b) => b.reachable).length);
      const calldatas = s.calldata !== '' ? [s.calldata] : [word(0n), ...[5, 20, N - 1].map((k) => word(BigInt(labelPc(s.code, k))))];
      for (const calldata of calldatas) {
        const c = mkCase({ fork: 'cancun', code: s.code, calldata, gas: '1000000' });
        const r = await expectSame(c);
        const used = BigInt(r.ref.gasUsed);
        for (const g of [used - 2n, used - 1n, used, used + 1n, used / 2n]) {
          await expectSame(mkCase({ fork: 'cancun', code: s.code, calldata, gas: String(g) }), { checkError: true, note: `gas ${g}` });
        }
      }
    }, 300_000);
  }
});

/** The pc of chain block c_k in `code` (the k-th JUMPDEST after c0 in chain order, found by its PUSH k). */
function labelPc(code: string, k: number): number {
  const bytes = Buffer.from(code.slice(2), 'hex');
  // c_k: JUMPDEST DUP2 PUSH1 k MUL → 5b 81 60 k 02
  for (let i = 0; i + 4 < bytes.length; i++) {
    if (bytes[i] === 0x5b && bytes[i + 1] === 0x81 && bytes[i + 2] === 0x60 && bytes[i + 3] === k && bytes[i + 4] === 0x02) return i;
  }
  throw new Error(`no block c${k}`);
}
