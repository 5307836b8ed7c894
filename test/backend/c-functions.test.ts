/**
 * @file The C backend's split into functions (src/backend/c/functions.ts) and the parallel build of a source's
 * parts (src/backend/c/clang.ts): with every unit in its own function, each jump between blocks, each resolved
 * return and each dispatch crosses functions through a tail call, and the corpus (Solidity: internal functions,
 * loops in registers, dynamic dispatch) gives exactly the reference's results on the native engine; so does a
 * source compiled as four parts by two clang processes and linked.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { loadCorpusCases } from '../../corpus/index.ts';
import { compileToC } from '../../src/backend/c/index.ts';
import { analyze, Fork } from '../../src/index.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';
import { asmBytes } from '../helpers/asm.ts';

/**
 * Every case of a sample of the corpus's contracts (each contract is built once per loader; clang dominates the
 * time): internal functions and loops (Fib, Sort), the dispatch of unoptimised Solidity (Dispatch.noopt), signed
 * arithmetic helpers, strings, a token. `C_FUNCTIONS_ALL=1` runs every contract of the corpus (~4 minutes at load 10).
 */
const SAMPLE = /^(Token\.transfer|Fib\.fib|Sort\.noopt|Dispatch\.noopt|Signed\.mix|AbiStrings)/;
function sample() {
  const picked = new Set<string>();
  const seen = new Set<string>();
  return loadCorpusCases().filter((c) => {
    const k = Buffer.from(c.code).toString('hex');
    if (!seen.has(k)) {
      seen.add(k);
      if (process.env.C_FUNCTIONS_ALL || SAMPLE.test(c.id)) picked.add(k);
    }
    return picked.has(k);
  });
}

describe('C functions', () => {
  it('a small function size gives one function per unit, jumps between them are tail calls with entry ids', () => {
    const code = asmBytes(`
      PUSH 0 CALLDATALOAD PUSH :a JUMPI PUSH 1 PUSH :b JUMP
      a: JUMPDEST PUSH 2
      b: JUMPDEST PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
    const one = compileToC(analyze(code, Fork.Cancun)).source;
    const split = compileToC(analyze(code, Fork.Cancun), { functionBytes: 1 }).source;
    expect(one.match(/^MEVMC_FN int32_t mevmc_c\d+\(/gm)).toHaveLength(1);
    expect(one).not.toMatch(/musttail/);
    expect(split.match(/^MEVMC_FN int32_t mevmc_c\d+\(/gm)!.length).toBeGreaterThan(2);
    expect(split).toMatch(/__attribute__\(\(musttail\)\) return mevmc_c\d+\(f, S, sp, gas, \d+u\);/);
    expect(split).toMatch(/; 1 parts\. \*\//);
    expect(compileToC(analyze(code, Fork.Cancun), { functionBytes: 1, parts: 2 }).source).toMatch(/#if MEVMC_IN\(1\)/);
  });

  const unavailable = nativeUnavailableReason();
  if (unavailable) console.warn(`[C function execution tests skipped] ${unavailable}`);
  // -O1: the same code paths as -O2 for a fraction of clang's time.
  const split = unavailable ? undefined : new NativeLoader({
    optimize: 1,
    source: (code, fork, trace) => compileToC(analyze(code, fork, { singleStep: trace }), { trace, functionBytes: 1 }).source,
  });
  /** Sources built in parts, by the highest part used: the test must reach the last one. */
  const partsUsed: number[] = [];
  const parts = unavailable ? undefined : new NativeLoader({
    optimize: 1,
    source: (code, fork, trace) => {
      const src = compileToC(analyze(code, fork, { singleStep: trace }), { trace, functionBytes: 2_000, parts: 4 }).source;
      partsUsed.push(Math.max(...[...src.matchAll(/^#if MEVMC_IN\((\d)\)$/gm)].map((m) => Number(m[1]))));
      return src;
    },
  });
  afterAll(() => { split?.dispose(); parts?.dispose(); });

  it.skipIf(unavailable)('a dynamic jump in code without any JUMPDEST halts through the dispatch, as in the reference', async () => {
    // vmIOandFlowOperations jump/jumpi: the dispatch has no target at all.
    for (const src of ['PUSH 0 CALLDATALOAD JUMP', 'PUSH 1 PUSH 0 CALLDATALOAD JUMPI STOP']) {
      const { ours } = await expectSame(mkCase({ code: asmBytes(src), calldata: '00'.repeat(31) + '05', gas: '100000', fork: 'cancun' }), { loader: split! });
      expect(ours.status).not.toBe('success');
    }
  });

  it.skipIf(unavailable)('MULMOD by a run-time modulus (2^256 − 1: the out-of-line 512-bit path; 2^256 − c: the folding path; others; 0) agrees with the reference', async () => {
    const code = asmBytes('PUSH 64 CALLDATALOAD PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD MULMOD PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN');
    const w = (v: bigint) => v.toString(16).padStart(64, '0');
    const max = (1n << 256n) - 1n;
    const secp = (1n << 256n) - 0x1000003d1n;
    const pm = [[max, max, max - 158n], [max - 159n, max - 160n, max - 158n], [max - 158n, 2n, max - 158n], [secp - 1n, secp - 1n, secp],
      [max - 3n, max - 5n, max - (1n << 64n) + 2n], [(1n << 255n) + 12345n, max, max - 1n], [7n, 9n, max - 158n]];
    for (const [a, b, m] of [[max - 5n, max - 7n, max], [3n << 200n, 5n << 100n, max], [max, max, (1n << 254n) + 35n], [7n, 9n, 0n], ...pm]) {
      const { ours } = await expectSame(mkCase({ code, calldata: w(a) + w(b) + w(m), gas: '100000', fork: 'cancun' }), { loader: split! });
      expect(ours.status).toBe('success');
    }
  });

  it.skipIf(unavailable)('a huge block cut into pieces (splitInsts 5): items, memory growth and gas carried across the cuts agree with the reference', async () => {
    // One straight-line block: deep stack items live across every cut (DUP/SWAP of items from pieces back), MSTOREs
    // grow memory in later pieces, a KECCAK over all of it; endings RETURN, a JUMPI either way, and out of gas.
    const body = Array.from({ length: 12 }, (_, i) => `DUP${(i % 3) + 1} PUSH ${i + 3} MUL PUSH ${32 * i} MSTORE DUP2 PUSH ${i} ADD SWAP${(i % 4) + 1}`).join(' ');
    const ret = asmBytes(`PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD ${body} PUSH 384 PUSH 0 KECCAK256 PUSH 0 MSTORE PUSH 64 PUSH 0 RETURN`);
    const jumpi = asmBytes(`PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD ${body} PUSH 0 MLOAD PUSH 1 AND PUSH :t JUMPI PUSH 1 PUSH 0 SSTORE STOP t: JUMPDEST PUSH 2 PUSH 0 SSTORE STOP`);
    const loader = new NativeLoader({ optimize: 1, source: (code, fork, trace) => compileToC(analyze(code, fork, { singleStep: trace }), { trace, functionBytes: 1, splitInsts: 5 }).source });
    try {
      const src = compileToC(analyze(ret, Fork.Cancun), { splitInsts: 5 }).source;
      expect(src.match(/^\s*B\d+: \{/gm)!.length).toBeGreaterThan(10); // the pieces
      const w = (v: bigint) => v.toString(16).padStart(64, '0');
      for (const [x, y] of [[1n, 2n], [(1n << 255n) + 7n, 5n], [0n, (1n << 200n) - 3n]]) {
        for (const code of [ret, jumpi]) {
          for (const gas of ['100000', '2000']) {
            await expectSame(mkCase({ code, calldata: w(x) + w(y), gas, fork: 'cancun' }), { loader, note: 'splitInsts 5' });
          }
        }
      }
    } finally {
      loader.dispose();
    }
  });

  it.skipIf(unavailable)('constants carried across the cuts of a huge block: DUPed from pieces back, swapped with run-time values, left below', async () => {
    // Four constants under a calldata word; the body adds constants DUPed from deep (each DUP from a piece before),
    // swaps the running value into constants' slots and constants up, and ends by storing every item it left.
    const C = [0x11n, 0x2222n, (1n << 200n) + 5n, 7n];
    const body = Array.from({ length: 14 }, (_, i) => `DUP${(i % 4) + 2} ADD` + (i % 5 === 2 ? ` SWAP${(i % 3) + 1}` : '') + (i % 6 === 4 ? ` DUP${(i % 4) + 2} SWAP1` : '')).join(' ');
    const depth = 5 + 14 / 7; // items left: 4 constants, the calldata word, two from `DUP SWAP1` (i = 4, 10)
    const store = Array.from({ length: depth }, (_, i) => `PUSH ${32 * i} MSTORE`).join(' ');
    const code = asmBytes(`${C.map((c) => `PUSH32 ${c}`).join(' ')} PUSH 0 CALLDATALOAD ${body} ${store} PUSH ${32 * depth} PUSH 0 RETURN`);
    const loader = new NativeLoader({ optimize: 1, source: (c, fork, trace) => compileToC(analyze(c, fork, { singleStep: trace }), { trace, functionBytes: 1, splitInsts: 3 }).source });
    try {
      const src = compileToC(analyze(code, Fork.Cancun), { splitInsts: 3 }).source;
      // Later pieces read the constants as literals: the big one appears in more than the piece that pushed it.
      expect(src.split('0x5ull').length).toBeGreaterThan(2);
      const w = (v: bigint) => v.toString(16).padStart(64, '0');
      for (const x of [0n, 3n, (1n << 256n) - 1n, 1n << 255n]) {
        const { ours } = await expectSame(mkCase({ code, calldata: w(x), gas: '100000', fork: 'cancun' }), { loader, note: 'constants across cuts' });
        expect(ours.status).toBe('success');
        expect(ours.output.length).toBe(2 + 64 * depth);
      }
    } finally {
      loader.dispose();
    }
  });

  it.skipIf(unavailable)('a register region cut into several functions (regionInsts 4): a looping block cut inside, constants from deep, a resolved return, and the corpus agree with the reference', async () => {
    // A loop kept in registers whose one block is cut into pieces of 4 instructions: the running value and the
    // counter cross every cut, the constants pushed before the loop (a multiplier, a shift count, a bound) are DUPed
    // from deep in each piece, and the loop ends on a test that is not a counted loop's (ISZERO of an AND), so the
    // block is not a counted loop's fast copy. Then an internal call and its return (a resolved jump in the region).
    const code = asmBytes(`
      PUSH 0x10000000000000001 PUSH 13 PUSH 0xffffffffffffffff PUSH 0 CALLDATALOAD PUSH 32 CALLDATALOAD
      l: JUMPDEST
        DUP5 MUL DUP4 SHR DUP3 AND PUSH 0x9e3779b97f4a7c15 ADD DUP3 AND
        SWAP1 PUSH 1 SWAP1 SUB SWAP1 DUP2 DUP4 AND ISZERO ISZERO PUSH :l JUMPI
      PUSH :r SWAP1 PUSH :f JUMP
      r: JUMPDEST PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN
      f: JUMPDEST DUP5 XOR SWAP1 JUMP`);
    const loader = new NativeLoader({ optimize: 1, source: (c, fork, trace) => compileToC(analyze(c, fork, { singleStep: trace }), { trace, regionInsts: 4, functionBytes: 1 }).source });
    try {
      const fns = (src: string) => src.match(/^MEVMC_FN int32_t mevmc_c\d+\(/gm)!.length;
      const cut = compileToC(analyze(code, Fork.Cancun), { regionInsts: 4, functionBytes: 1 }).source;
      expect(fns(cut)).toBeGreaterThan(fns(compileToC(analyze(code, Fork.Cancun), { functionBytes: 1 }).source) + 3);
      // Later pieces read the shift count as a literal (a constant shift), not from a variable loaded from memory.
      expect(cut).toMatch(/ >> 13;/);
      const w = (v: bigint) => v.toString(16).padStart(64, '0');
      for (const [n, x] of [[5n, 3n], [1n, (1n << 255n) + 9n], [300n, 0x123456789n], [(1n << 64n) + 2n, 7n]]) {
        for (const gas of ['1000000', '3000']) {
          await expectSame(mkCase({ code, calldata: w(n) + w(x), gas, fork: 'cancun' }), { loader, note: 'regionInsts 4' });
        }
      }
      const corpus = new NativeLoader({ optimize: 1, source: (c, fork, trace) => compileToC(analyze(c, fork, { singleStep: trace }), { trace, regionInsts: 4, functionBytes: 1 }).source });
      try {
        for (const c of sample()) await expectSame(c, { loader: corpus, note: 'regionInsts 4' });
      } finally {
        corpus.dispose();
      }
    } finally {
      loader.dispose();
    }
  });

  it.skipIf(unavailable)('every unit its own function: the corpus agrees with the reference', async () => {
    for (const c of sample()) await expectSame(c, { loader: split!, note: 'functionBytes 1' });
  });

  it.skipIf(unavailable)('four parts built by two clang processes and linked: the corpus agrees with the reference', async () => {
    const before = process.env.MEVMC_CLANG_JOBS;
    process.env.MEVMC_CLANG_JOBS = '2';
    try {
      for (const c of sample()) await expectSame(c, { loader: parts!, note: '4 parts, 2 jobs' });
      expect(partsUsed.filter((p) => p === 3).length).toBeGreaterThan(2);
    } finally {
      if (before === undefined) delete process.env.MEVMC_CLANG_JOBS;
      else process.env.MEVMC_CLANG_JOBS = before;
    }
  });
});
