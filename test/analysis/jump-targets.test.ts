/**
 * @file Dynamic-jump resolution (src/analysis/jump-targets.ts) and JUMPDEST merging (blocks.ts
 * `mergeableJumpdests`): hand-written internal-function calls and returns — two call sites, recursion, a
 * conditional return, a return address that may be invalid, one passed through memory or computed (those
 * must fall back to the dispatch) — analysed as expected and run exactly like @ethereumjs/evm on wasm (both
 * block layouts) and on the native engine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { RELOOPER_MAX_BLOCKS } from '../../src/backend/wasm/control.ts';
import { Fork, analyze } from '../../src/index.ts';
import type { Analysis, Block } from '../../src/analysis/types.ts';
import { asmBytes } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';

const word = (v: bigint | number) => BigInt(v).toString(16).padStart(64, '0');
/** Many blocks (GAS ends one): past RELOOPER_MAX_BLOCKS the wasm backend uses its linear layout. */
const PAD = 'GAS POP '.repeat(RELOOPER_MAX_BLOCKS + 4);

/** f(x) = 2x, called from two sites that return to different places. */
const twoSites = (pad = '') => asmBytes(`
  ${pad}
  PUSH :r1 PUSH 0 CALLDATALOAD PUSH :f JUMP
r1: JUMPDEST                          // x1
  PUSH :r2 PUSH 32 CALLDATALOAD PUSH :f JUMP
r2: JUMPDEST                          // x1 x2
  PUSH 32 MSTORE PUSH 0 MSTORE PUSH 64 PUSH 0 RETURN
f: JUMPDEST                           // ret x
  DUP1 ADD SWAP1 JUMP                 // 2x → ret
`);

/** Recursive factorial: the return address is pushed by two sites, one inside the callee. */
const RECURSIVE = asmBytes(`
  PUSH :done PUSH 0 CALLDATALOAD PUSH :fact JUMP
done: JUMPDEST PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
fact: JUMPDEST                        // ret n
  DUP1 ISZERO PUSH :base JUMPI
  PUSH :back DUP2 PUSH 1 SWAP1 SUB PUSH :fact JUMP   // ret n back n-1
back: JUMPDEST                        // ret n r
  MUL SWAP1 JUMP                      // n·r → ret
base: JUMPDEST                        // ret 0
  POP PUSH 1 SWAP1 JUMP
`);

/** A conditional return (dynamic JUMPI): taken to the caller's return address, else on to the next block. */
const CONDITIONAL = asmBytes(`
  PUSH :r1 PUSH 0 CALLDATALOAD PUSH :g JUMP
r1: JUMPDEST PUSH 1 PUSH 0 MSTORE
  PUSH :r2 PUSH 32 CALLDATALOAD PUSH :g JUMP
r2: JUMPDEST PUSH 32 PUSH 0 RETURN
g: JUMPDEST                           // ret c
  DUP2 JUMPI                          // c ? → ret : fall on (ret stays below)
  POP PUSH 2 PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
`);

/** The return address is either a JUMPDEST or pc 3 (not one), chosen by calldata. */
const MAYBE_INVALID = asmBytes(`
  PUSH 0 CALLDATALOAD PUSH :good JUMPI
  PUSH 3 PUSH 7 PUSH :f JUMP
good: JUMPDEST PUSH :r PUSH 7 PUSH :f JUMP
r: JUMPDEST PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
f: JUMPDEST DUP1 ADD SWAP1 JUMP
`);

/** A return address stored to memory and loaded back: unknown to the analysis, through the dispatch. */
const THROUGH_MEMORY = asmBytes(`
  PUSH :r PUSH 0 MSTORE PUSH 0 CALLDATALOAD PUSH :f JUMP
r: JUMPDEST PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
f: JUMPDEST PUSH 5 ADD PUSH 0 MLOAD JUMP
`);

/** A computed target (label + 1 is the second of two JUMPDESTs): unknown, through the dispatch. */
const COMPUTED = asmBytes(`
  PUSH :r PUSH 0 CALLDATALOAD ADD JUMP
r: JUMPDEST JUMPDEST PUSH 1 PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
`);

/**
 * Old solc masks every return address: `PUSH4 0xffffffff PUSH2 ret AND JUMP` (the AND is folded over the known
 * set); a mask that drops bits of a JUMPDEST pc lands elsewhere: on another JUMPDEST or on no JUMPDEST at all.
 */
const MASKED = asmBytes(`
  PUSH :r1 PUSH 0 CALLDATALOAD PUSH :f JUMP
r1: JUMPDEST PUSH :r2 PUSH 32 CALLDATALOAD PUSH :f JUMP
r2: JUMPDEST PUSH 32 MSTORE PUSH 0 MSTORE PUSH 64 PUSH 0 RETURN
f: JUMPDEST                           // ret x
  DUP1 ADD SWAP1 PUSH4 0xffffffff AND JUMP
`);
/**
 * Folded arithmetic that lands elsewhere: 2a is inside a sled of JUMPDESTs (a jump target), 4a past it (on no
 * JUMPDEST: halts), the branch chosen by calldata.
 */
const ELSEWHERE = asmBytes(`
  PUSH 0 CALLDATALOAD PUSH :b JUMPI
  PUSH :a DUP1 ADD JUMP
b: JUMPDEST PUSH :a DUP1 ADD DUP1 ADD JUMP
a: ${'JUMPDEST '.repeat(40)}
  PUSH 1 PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
`);

/**
 * Nested functions called from many sites (more than MAX_SET and than the per-block contexts: summarised):
 * g(x) = f(f(x)) + x with f(x) = x + 1, g called from 30 sites that sum the results, f also called directly.
 * Every return goes back to exactly its callers.
 */
const SITES = 30;
const NESTED = asmBytes(`
  PUSH 0 CALLDATALOAD                 // acc
  ${Array.from({ length: SITES }, (_, i) => `PUSH :s${i} DUP2 PUSH :g JUMP
s${i}: JUMPDEST ADD`).join('\n')}
  PUSH :d DUP2 PUSH :f JUMP
d: JUMPDEST PUSH 32 MSTORE PUSH 0 MSTORE PUSH 64 PUSH 0 RETURN
g: JUMPDEST                           // ret x
  PUSH :g1 DUP2 PUSH :f JUMP
g1: JUMPDEST                          // ret x x+1
  PUSH :g2 SWAP1 PUSH :f JUMP
g2: JUMPDEST                          // ret x x+2
  ADD SWAP1 JUMP
f: JUMPDEST PUSH 1 ADD SWAP1 JUMP
`);

/** A counted loop over JUMPDESTs only fallen into (loop_with_many_jumpdests' shape). */
const MANY_JUMPDESTS = asmBytes(`
  PUSH 0 CALLDATALOAD
loop: JUMPDEST JUMPDEST JUMPDEST JUMPDEST
  PUSH 1 SWAP1 SUB DUP1 PUSH :loop JUMPI
  JUMPDEST PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
`);

const dynamic = (a: Analysis): Block[] => a.blocks.filter((b) => b.reachable && (b.exit.kind === 'dynamicJump' || b.exit.kind === 'dynamicJumpi'));
const pcsOf = (a: Analysis, b: Block) => {
  const e = b.exit;
  if (e.kind !== 'dynamicJump' && e.kind !== 'dynamicJumpi') return undefined;
  return e.targets && { pcs: e.targets.blocks.map((t) => a.blocks[t].startPc), invalid: e.targets.invalid };
};
/** Pcs of the JUMPDEST instructions of `code`, in order: the labels, by position. */
const jumpdestPcs = (code: Uint8Array) => Array.from(analyze(code, Fork.Cancun).decoded.pcs).filter((pc) => code[pc] === 0x5b);

describe('dynamic-jump resolution', () => {
  it('a function called from two sites returns to exactly those two; no dispatch remains', () => {
    const code = twoSites();
    const a = analyze(code, Fork.Cancun);
    const [r1, r2] = jumpdestPcs(code);
    expect(dynamic(a).map((b) => pcsOf(a, b))).toEqual([{ pcs: [r1, r2], invalid: false }]);
    expect(a.hasDynamicJumps).toBe(false);
    expect(a.dispatchTargets).toEqual([]);
    expect(a.resolvedJumps).toBe(1);
  });

  it('recursion: a resolved return includes both the outer and the inner return site', () => {
    const a = analyze(RECURSIVE, Fork.Cancun);
    const [done, , back] = jumpdestPcs(RECURSIVE);
    const targets = dynamic(a).map((b) => pcsOf(a, b));
    expect(targets.length).toBe(2);
    // Unbounded call depth: the per-block contexts are joined and the deeper stack is partly lost, so today both
    // returns stay with the dispatch (undefined); a resolved set must hold both sites.
    for (const t of targets) if (t !== undefined) expect(t.pcs).toEqual(expect.arrayContaining([done, back]));
  });

  it('a conditional return and a possibly invalid return address are resolved, the invalid value kept', () => {
    const c = analyze(CONDITIONAL, Fork.Cancun);
    const [r1, r2] = jumpdestPcs(CONDITIONAL);
    expect(dynamic(c).map((b) => [b.exit.kind, pcsOf(c, b)])).toEqual([['dynamicJumpi', { pcs: [r1, r2], invalid: false }]]);
    const m = analyze(MAYBE_INVALID, Fork.Cancun);
    const [, r] = jumpdestPcs(MAYBE_INVALID);
    expect(dynamic(m).map((b) => pcsOf(m, b))).toEqual([{ pcs: [r], invalid: true }]);
  });

  it('masked return addresses (old solc) and arithmetic on known targets are folded, invalid results kept', () => {
    const a = analyze(MASKED, Fork.Cancun);
    const [r1, r2] = jumpdestPcs(MASKED);
    expect(dynamic(a).map((b) => pcsOf(a, b))).toEqual([{ pcs: [r1, r2], invalid: false }]);
    expect(a.hasDynamicJumps).toBe(false);
    const e = analyze(ELSEWHERE, Fork.Cancun);
    const sled = jumpdestPcs(ELSEWHERE)[1];
    expect(ELSEWHERE[2 * sled]).toBe(0x5b);
    expect(ELSEWHERE[4 * sled]).not.toBe(0x5b);
    expect(dynamic(e).map((b) => pcsOf(e, b))).toEqual([{ pcs: [2 * sled], invalid: false }, { pcs: [], invalid: true }]);
  });

  it('functions called from many sites are summarised: each return resolved to exactly its callers', () => {
    const a = analyze(NESTED, Fork.Cancun);
    const dests = jumpdestPcs(NESTED);
    const sites = dests.slice(0, SITES);
    const [d, , g1, g2] = dests.slice(SITES);
    const targets = dynamic(a).map((b) => pcsOf(a, b));
    expect(targets).toEqual([{ pcs: sites, invalid: false }, { pcs: [d, g1, g2], invalid: false }]);
    expect(a.hasDynamicJumps).toBe(false);
  });

  it('a return address through memory or a computed target stays unknown: every JUMPDEST is a dispatch target', () => {
    for (const code of [THROUGH_MEMORY, COMPUTED]) {
      const a = analyze(code, Fork.Cancun);
      expect(dynamic(a).map((b) => pcsOf(a, b))).toEqual([undefined]);
      expect(a.hasDynamicJumps).toBe(true);
      expect(a.dispatchTargets.map((t) => a.blocks[t].startPc)).toEqual(jumpdestPcs(code));
      expect(a.mergedJumpdests).toBe(0);
    }
  });

  it('JUMPDESTs only fallen into start no block; jump targets still do', () => {
    const a = analyze(MANY_JUMPDESTS, Fork.Cancun);
    // Three inside the loop; the one after the JUMPI starts a block anyway (JUMPI ends one).
    expect(a.mergedJumpdests).toBe(3);
    const dests = jumpdestPcs(MANY_JUMPDESTS);
    expect(a.blocks.map((b) => b.startPc)).toEqual([0, dests[0], dests[4]]);
    // Tracing builds keep one instruction per block and every jump dynamic.
    expect(analyze(twoSites(), Fork.Cancun, { singleStep: true })).toMatchObject({ resolvedJumps: 0, mergedJumpdests: 0, hasDynamicJumps: true });
  });

  it('blocks that lead to no dynamic jump are skipped, without losing a return reached only through a static chain', () => {
    // A static loop that reverts (no dynamic jump downstream: not interpreted) beside a call whose return is
    // reached only through fused jumps and fallthroughs: its return address must still be resolved.
    const code = asmBytes(`
      PUSH 0 CALLDATALOAD PUSH :dead JUMPI
      PUSH :r PUSH 7 PUSH :f JUMP
    r: JUMPDEST PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN
    dead: JUMPDEST PUSH 1 SWAP1 SUB DUP1 PUSH :dead JUMPI PUSH 0 PUSH 0 REVERT
    f: JUMPDEST PUSH :g JUMP
    g: JUMPDEST GAS POP DUP1 ADD SWAP1 JUMP
    `);
    const a = analyze(code, Fork.Cancun);
    const [r] = jumpdestPcs(code);
    expect(dynamic(a).map((b) => pcsOf(a, b))).toEqual([{ pcs: [r], invalid: false }]);
    expect(a.hasDynamicJumps).toBe(false);
    expect(analyze(MANY_JUMPDESTS, Fork.Cancun).resolvedJumps).toBe(0); // no dynamic jump at all
  });
});

describe('resolved jumps run like the interpreter', () => {
  const unavailable = nativeUnavailableReason();
  if (unavailable) console.warn(`[jump-targets native runs skipped] ${unavailable}`);
  const native = unavailable ? undefined : new NativeLoader({ optimize: 1 });
  afterAll(() => native?.dispose());
  const loaders = [{ name: 'wasm', loader: undefined }, ...(native ? [{ name: 'native', loader: native }] : [])];
  const run = async (code: Uint8Array, calldata: string, gas = '1000000') => {
    const out = [];
    for (const l of loaders) out.push(await expectSame(mkCase({ code, calldata, gas, fork: 'cancun' }), { loader: l.loader, checkError: true, note: l.name }));
    return out[0];
  };

  it('two call sites (Relooper and linear layouts), with gas cut anywhere', async () => {
    for (const code of [twoSites(), twoSites(PAD)]) {
      const { ours } = await run(code, word(21) + word(1000));
      expect(ours.status).toBe('success');
      const used = BigInt(ours.gasUsed);
      for (const cut of [used - 1n, used - 20n, used / 2n]) expect((await run(code, word(21) + word(1000), cut.toString())).ours.status).toBe('halt');
    }
  });

  it('recursion, down to a stack overflow', async () => {
    for (const n of [0, 1, 5, 20, 400]) await run(RECURSIVE, word(n), '10000000');
  });

  it('conditional returns, an invalid return address, memory-carried and computed targets', async () => {
    for (const [c1, c2] of [[0, 0], [1, 0], [0, 1], [1, 1]]) await run(CONDITIONAL, word(c1) + word(c2));
    for (const c of [0, 1]) await run(MAYBE_INVALID, word(c));
    for (const x of [0, 9]) await run(THROUGH_MEMORY, word(x));
    for (const x of [0, 1, 2]) await run(COMPUTED, word(x));
    await run(MASKED, word(21) + word(1000));
    await run(NESTED, word(5));
    for (const c of [0, 1]) await run(ELSEWHERE, word(c));
  });

  it('a loop of merged JUMPDESTs, also out of gas inside it', async () => {
    const { ours } = await run(MANY_JUMPDESTS, word(300));
    expect(ours.status).toBe('success');
    for (const cut of [BigInt(ours.gasUsed) - 1n, 5000n, 17n]) expect((await run(MANY_JUMPDESTS, word(300), cut.toString())).ours.status).toBe('halt');
  });
});
