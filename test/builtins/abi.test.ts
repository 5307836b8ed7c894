/**
 * @file src/builtins/mevmc_abi.h repeats the layout, Ctx offsets and Status codes of
 * src/abi/context.ts for the C code; this test parses the header's #defines and checks both
 * agree, in both directions (nothing missing, nothing extra).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as abi from '../../src/abi/context.ts';

const header = readFileSync(new URL('../../src/builtins/mevmc_abi.h', import.meta.url), 'utf8');

/** #define NAME expr, where expr uses decimal literals, + - * ( ) and earlier macro names. */
function parseDefines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^#define[ \t]+(MEVMC_\w+)[ \t]+(.+?)[ \t]*(?:\/\*.*)?$/gm)) {
    const [, name, expr] = m;
    const substituted = expr.replace(/[A-Z_][A-Z0-9_]*/g, (id) => {
      if (!out.has(id)) throw new Error(`${name}: ${id} is not an earlier define`);
      return String(out.get(id));
    });
    if (!/^[\d\s+\-*()]+$/.test(substituted)) throw new Error(`${name}: unsupported expression ${expr}`);
    out.set(name, Function(`return (${substituted});`)() as number);
  }
  return out;
}

const snake = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

describe('mevmc_abi.h', () => {
  const defines = parseDefines(header);
  defines.delete('MEVMC_ABI_H'); // include guard (empty define is not matched anyway)

  it('agrees with src/abi/context.ts', () => {
    const expected = new Map<string, number>();
    for (const [k, v] of Object.entries(abi)) {
      if (typeof v === 'number') expected.set(`MEVMC_${k}`, v);
    }
    for (const [k, v] of Object.entries(abi.Ctx)) expected.set(`MEVMC_CTX_${snake(k)}`, v);
    for (const [k, v] of Object.entries(abi.CtxFlag)) expected.set(`MEVMC_CTX_FLAG_${snake(k)}`, v);
    for (const [k, v] of Object.entries(abi.Status)) {
      if (typeof v === 'number') expected.set(`MEVMC_STATUS_${snake(k)}`, v);
    }
    expect(Object.fromEntries([...defines].sort())).toEqual(Object.fromEntries([...expected].sort()));
  });

  it('sanity: the parser sees the important values', () => {
    expect(defines.get('MEVMC_CTX')).toBe(20480);
    expect(defines.get('MEVMC_SCRATCH')).toBe(abi.SCRATCH);
    expect(defines.get('MEVMC_STATUS_MEMORY_LIMIT')).toBe(10);
  });
});
