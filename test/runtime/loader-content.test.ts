/**
 * @file Loaders find code they already loaded by content when it comes in a new buffer (ByContent): equal bytes in
 * another buffer get the same module per fork, a buffer of the same length with other bytes gets its own, and a
 * table that fills up starts over without losing answers.
 */
import { describe, expect, it } from 'vitest';
import { ByContent } from '../../runtime/loader/cache.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { Fork } from '../../src/evm/forks.ts';

// PUSH1 v, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN: same length, the returned word differs with v.
const ret = (v: number) => Uint8Array.of(0x60, v, 0x60, 0, 0x52, 0x60, 32, 0x60, 0, 0xf3);

describe('code by content', () => {
  it('a new buffer with equal bytes gets the module already loaded; other bytes of the same length do not', () => {
    const l = new WasmLoader();
    const a = l.load(ret(1), Fork.Cancun);
    expect(l.load(ret(1), Fork.Cancun)).toBe(a);
    const b = l.load(ret(2), Fork.Cancun);
    expect(b).not.toBe(a);
    expect(b.key).not.toBe(a.key);
    // Per fork: the equal buffer's answer for another fork is that fork's module.
    const p = l.load(ret(1), Fork.Prague);
    expect(p.key).not.toBe(a.key);
    expect(l.load(ret(1), Fork.Prague)).toBe(p);
    expect(l.load(ret(1), Fork.Cancun)).toBe(a);
  });
  it('keeps its own copy of the bytes and starts over when full', () => {
    const t = new ByContent<string>(2);
    const code = ret(7);
    t.get(code)[0] = 'seven';
    code[1] = 8; // the caller's buffer changes: the table still holds 7's bytes
    expect(t.find(ret(7))?.[0]).toBe('seven');
    expect(t.find(ret(8))).toBeUndefined();
    t.get(ret(9))[0] = 'nine';
    t.get(ret(10))[0] = 'ten'; // third entry: the table starts over
    expect(t.find(ret(7))).toBeUndefined();
    expect(t.find(ret(10))?.[0]).toBe('ten');
  });
});
