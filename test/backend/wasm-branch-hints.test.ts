/**
 * @file Branch hints (src/backend/wasm/branch-hints.ts) read back by binaryen, whose binary reader decodes the
 * `metadata.code.branch_hint` section by instruction offset and prints each hint before its `if`: a hand-built
 * module with the shapes that decide a hint (cold call in then / else / both arms, nested `if`s, calls under
 * blocks and loops, a call to a warm import) after instructions with every kind of immediate the decoder skips,
 * then contracts compiled at -O2 and -O0 whose memory accesses call `mevmc_expand`.
 */
import binaryen from 'binaryen';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.ts';
import { withBranchHints } from '../../src/backend/wasm/branch-hints.ts';
import { compileToWasm } from '../../src/backend/wasm/index.ts';
import { parseForkName } from '../../src/evm/forks.ts';

const { i32, i64, none } = binaryen;
const COLD = new Set(['mevmc_expand']);

/** binaryen's text of `bytes` (folded; hints printed as `(@metadata.code.branch_hint "\00")` before their `if`). */
function textOf(bytes: Uint8Array): string {
  const r = binaryen.readBinary(bytes);
  try {
    r.setFeatures(binaryen.Features.All);
    return r.emitText();
  } finally {
    r.dispose();
  }
}

/** Each `if` of the text whose condition is `(i32.const N)`, with the hint printed before it (undefined: none). */
function hintsByCondition(text: string): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  for (const m of text.matchAll(/(?:\(@metadata\.code\.branch_hint "\\(\d\d)"\)\s*)?\(if(?: \(result \w+\))?\s*\(i32\.const (\d+)\)/g)) {
    out.set(Number(m[2]), m[1]);
  }
  return out;
}

describe('wasm branch hints', () => {
  it('marks the if arm that calls a cold import, past every kind of immediate', () => {
    const m = new binaryen.Module();
    try {
      m.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt | binaryen.Features.SIMD128);
      m.setMemory(1, 1, null);
      m.addFunctionImport('warm', 'env', 'mevmc_calldataload', none, none);
      m.addFunctionImport('cold', 'env', 'mevmc_expand', none, none);
      const cold = () => m.call('cold', [], none);
      const warm = () => m.call('warm', [], none);
      const c = (n: number) => m.i32.const(n);
      // Conditions are constants read from a local-free body: binaryen keeps them since nothing is optimised.
      const body = m.block(null, [
        // Immediates: memarg with offset, i64/f64/v128 constants, shuffle, lane index, memory.copy/fill, br_table.
        m.drop(m.i64.load(16, 8, c(0))),
        m.drop(m.i64.const(-1n)),
        m.drop(m.f64.const(1.5)),
        m.drop(m.i8x16.extract_lane_u(m.i8x16.shuffle(m.v128.const(Array.from({ length: 16 }, (_, i) => 200 + i)), m.v128.load(0, 1, c(0)), [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]), 7)),
        m.memory.copy(c(0), c(32), c(8)),
        m.memory.fill(c(0), c(0), c(8)),
        m.block('out', [m.block('a', [m.switch(['a', 'out'], 'a', c(1))])]),
        m.if(c(101), cold()),
        m.if(c(102), warm(), cold()),
        m.if(c(103), cold(), cold()),
        m.if(c(104), m.if(c(105), cold())),
        m.if(c(106), m.block(null, [m.loop('l', m.block(null, [cold(), m.br('l', c(0))]))])),
        m.if(c(107), warm()),
        m.if(c(108), m.block(null, [m.drop(m.i64.const(5n)), cold()]), m.drop(m.i64.const(6n))),
      ]);
      m.addFunction('f', none, none, [i64, i32], body);
      m.addFunctionExport('f', 'f');
      expect(m.validate()).toBeTruthy();
      const plain = m.emitBinary();
      const hinted = withBranchHints(plain, COLD);
      expect(WebAssembly.validate(hinted as Uint8Array<ArrayBuffer>)).toBe(true);
      const h = hintsByCondition(textOf(hinted));
      expect(Object.fromEntries(h)).toEqual({
        101: '00', 102: '01', 103: undefined, 104: undefined, 105: '00', 106: '00', 107: undefined, 108: '00',
      });
      // No cold import, nothing to hint: the same bytes back.
      expect(withBranchHints(plain, new Set(['nothing']))).toBe(plain);
    } finally {
      m.dispose();
    }
  });

  it('hints every memory-expansion call of compiled contracts, at -O2 and -O0', { timeout: 120_000 }, () => {
    // PUSH1 0 CALLDATALOAD, then 40 × (DUP1 MLOAD POP DUP2 ADD) and 40 × (DUP1 DUP1 MSTORE DUP2 ADD), STOP.
    const code = Buffer.from('600035' + '6000' + '8051508101'.repeat(40) + '8080528101'.repeat(40) + '00', 'hex');
    for (const optimize of [2, 0] as const) {
      const { binary } = compileToWasm(analyze(code, parseForkName('cancun')!), { optimize });
      const text = textOf(binary);
      const expand = /\(import "builtins" "mevmc_expand" \(func (\$\S+)/.exec(text)![1];
      const calls = text.split(`(call ${expand}`).length - 1;
      expect(calls).toBeGreaterThanOrEqual(80);
      const hinted = [...text.matchAll(/\(@metadata\.code\.branch_hint "\\(\d\d)"\)\s*\(if/g)];
      expect(hinted.length).toBe(calls);
      for (const h of hinted) {
        // Unlikely ("00"): the call is in the then-arm; likely ("01"): in the else-arm. It comes before any nested
        // `if` of that arm (the arm's own status check follows the call).
        const rest = text.slice(h.index + h[0].length);
        const arm = rest.indexOf(h[1] === '00' ? '(then' : '(else');
        const call = rest.indexOf(`(call ${expand}`);
        expect(['00', '01']).toContain(h[1]);
        expect(arm).toBeGreaterThan(0);
        expect(call).toBeGreaterThan(arm);
        expect(call).toBeLessThan(rest.indexOf('(if', arm));
      }
    }
  });
});
