/**
 * @file Memory runs of the C backend (src/backend/c/lower.ts `runCheck`, frame.ts `memRun`): word accesses of one
 * block at a temp plus constants, or at constants, share one expansion check sized to the whole run. Against
 * @ethereumjs/evm on the native engine: accesses out of order (a higher offset first), MSTORE8 at the far end, bases
 * at the edges (0, unaligned, just under and at 2^32, 2^64, near 2^256 where some offsets wrap), out of gas before,
 * inside and after the run's growth, and GAS (which ends its block) / MSIZE (which ends a run) between growing
 * stores read what the one-by-one expansions leave (a planted MSIZE inside a run fails the last test).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { compileToC } from '../../src/backend/c/index.ts';
import { Fork, analyze } from '../../src/index.ts';
import { asmBytes } from '../helpers/asm.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';

const word = (v: bigint) => BigInt.asUintN(256, v).toString(16).padStart(64, '0');

/** base b = calldata[0], value v = calldata[32]: a struct-like run at b + k, then a constant run, then MSIZE out. */
const STRUCT = asmBytes(`
  PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD          // v b
  DUP2 DUP2 PUSH 64 ADD MSTORE                      // [b+64] = v (the higher offset first)
  DUP2 DUP2 MSTORE                                  // [b] = v
  DUP2 DUP2 PUSH 160 ADD MSTORE8                    // byte at b+160
  DUP1 PUSH 96 ADD MLOAD                            // v b [b+96]
  DUP3 ADD DUP2 PUSH 32 ADD MSTORE                  // [b+32] = [b+96] + v
  PUSH 7 PUSH 0x300 MSTORE PUSH 0x2e0 MLOAD PUSH 0x100 MSTORE   // constant offsets, out of order
  POP POP
  MSIZE PUSH 0 MSTORE
  PUSH 0x340 PUSH 0 RETURN
`);

/** GAS and MSIZE between growing stores at b + k. */
const OBSERVED = asmBytes(`
  PUSH 0 CALLDATALOAD                               // b
  PUSH 1 DUP2 MSTORE                                // [b] = 1
  GAS DUP2 PUSH 64 ADD MSTORE                       // [b+64] = gas
  MSIZE DUP2 PUSH 128 ADD MSTORE                    // [b+128] = msize
  PUSH 2 DUP2 PUSH 32 ADD MSTORE
  POP MSIZE PUSH 0 MSTORE
  PUSH 0x100 PUSH 0 RETURN
`);

const BASES = [0n, 1n, 31n, 0x1000n, 0x2_0000n, (1n << 32n) - 200n, 1n << 32n, 1n << 64n, -32n, -64n, -100n, -161n];

describe('C backend memory runs', () => {
  it('one check per run: a struct-like run of six stores at b + k expands once', () => {
    const code = asmBytes(`PUSH 0 CALLDATALOAD ${[0, 32, 64, 96, 128, 160].map((k) => `PUSH 0 DUP2 PUSH ${k} ADD MSTORE`).join(' ')} STOP`);
    const src = compileToC(analyze(code, Fork.Cancun)).source;
    expect(src.match(/mevmc_w_expand\(M, /g)?.length).toBe(1);
    expect(src).toMatch(/\(uint64_t\)t\d+ \+ 0xc0ull <=/);
  });

  const unavailable = nativeUnavailableReason();
  if (unavailable) console.warn(`[memory-run execution tests skipped] ${unavailable}`);
  const native = unavailable ? undefined : new NativeLoader();
  afterAll(() => native?.dispose());
  const run = (code: Uint8Array, calldata: string, gas: bigint) =>
    expectSame(mkCase({ code, calldata, gas: gas.toString(), fork: 'cancun' }), { loader: native! });

  it.skipIf(unavailable)('runs at b + k and at constants agree with the reference for bases at the edges and any gas', async () => {
    let ok = 0;
    for (const b of BASES) {
      const calldata = word(b) + word(0x1234n);
      const { ours } = await run(STRUCT, calldata, 10_000_000n);
      if (ours.status !== 'success') continue;
      ok++;
      const used = BigInt(ours.gasUsed);
      // out of gas before, inside and at the end of the growth (the memory cost dominates from b = 0x1000)
      for (const cut of [used - 1n, used - 40n, (used * 3n) / 4n, used / 2n, 200n]) await run(STRUCT, calldata, cut);
    }
    expect(ok).toBe(5); // b ≤ 0x2_0000 succeed; the rest halt (memory beyond the gas, or a wrapped b itself huge)
  }, 600_000);

  it.skipIf(unavailable)('GAS and MSIZE between growing stores read what the one-by-one expansions leave', async () => {
    for (const b of [0n, 0x40n, 0x1_0000n]) {
      const { ours } = await run(OBSERVED, word(b), 1_000_000n);
      expect(ours.status).toBe('success');
      await run(OBSERVED, word(b), BigInt(ours.gasUsed) - 1n);
    }
  }, 600_000);
});
