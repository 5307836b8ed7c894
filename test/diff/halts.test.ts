/**
 * @file Exceptional halts and exact gas boundaries, compiled engine against @ethereumjs/evm.
 *
 * - Every kind of exceptional halt: out of gas (static block gas; dynamic: memory expansion, copies, KECCAK256,
 *   EXP, SSTORE including the EIP-2200 2300-gas sentry), stack underflow, stack overflow at 1024, bad jumps
 *   (non-JUMPDEST, into PUSH data, ≥ 2^32, JUMPI taken/untaken), INVALID and undefined opcodes, return data out
 *   of bounds. With ample gas the error kind is compared too (the only wording difference allowed is ethereumjs
 *   reporting RETURNDATACOPY out of bounds as 'out of gas').
 * - Gas boundaries: for a set of programs, the reference gasUsed G with ample gas, then runs with gas G, G−1,
 *   G+1 and, from a gas trace of the reference, just enough / one short around each basic block (blocks from
 *   `analyze`), each instruction and each SSTORE sentry. Block gas is charged on entry by the compiled code, so
 *   these are exactly the limits where an early charge would show.
 */
import { describe, expect, it } from 'vitest';
import type { Case, CaseResult } from '../../runtime/harness/case.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { loadCorpusCases } from '../../corpus/index.ts';
import { Op, analyze, parseForkName } from '../../src/index.ts';
import { asm } from '../helpers/asm.ts';
import { runCase } from '../../runtime/harness/batch.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { FORKS, MAX256, diffResults, expectSame, freshLoader, loaderAt, mkCase, pow2, runOurs, same } from '../helpers/engines.ts';
import { traceGas } from '../helpers/trace.ts';

const T = 120_000;
const word = (x: bigint) => x.toString(16).padStart(64, '0');

/** Compare, also requiring the same error kind (ample-gas halts have exactly one cause). */
async function sameHalt(o: Parameters<typeof mkCase>[0], expectStatus?: CaseResult['status']) {
  const c = mkCase(o);
  const r = await expectSame(c);
  const refErr = r.ref.error;
  const ourErr = r.ours.error;
  // ethereumjs traps RETURNDATACOPY beyond the return data with OUT_OF_GAS (opcodes/gas.js); mevmc names it.
  const equivalent = refErr === ourErr || (refErr === 'out of gas' && ourErr === 'return data out of bounds');
  expect(equivalent, `error kind: ours ${ourErr}, ref ${refErr} for ${o.code}`).toBe(true);
  if (expectStatus) expect(r.ref.status, `reference status for ${o.code}`).toBe(expectStatus);
  return r;
}

describe('exceptional halts (ample gas: the error kind must match too)', () => {
  it('stack underflow, in the first block and in later blocks whose entry height is only known at run time', async () => {
    const progs = [
      'ADD', 'POP', 'PUSH 1 ADD', `${'PUSH 1 '.repeat(15)} DUP16`, `${'PUSH 1 '.repeat(16)} SWAP16`, `${'PUSH 1 '.repeat(16)} DUP16 STOP`,
      'PUSH 1 PUSH :l JUMP l: JUMPDEST POP POP STOP', 'PUSH 1 PUSH 1 PUSH :l JUMPI PUSH 1 l: JUMPDEST POP POP POP STOP',
      'PUSH 1 PUSH 2 PUSH 3 PUSH 4 PUSH 5 LOG4', 'PUSH 1 RETURN', 'PUSH 1 SSTORE', 'PUSH 1 PUSH 2 MCOPY', 'PUSH 1 PUSH 2 ADDMOD',
      'PUSH 1 PUSH 0 MSTORE PUSH 5 JUMP',
      // A block that would run fine except for its last instruction.
      'PUSH 1 PUSH 2 ADD PUSH 1 PUSH 0 SSTORE ADD',
    ];
    for (const f of FORKS) for (const p of progs) await sameHalt({ fork: f, code: asm(p), gas: '1000000' });
  }, T);

  // Regression: a PUSH+JUMPI whose target is the JUMPDEST right after it (taken and not-taken edges lead to the
  // same block) crashed the Relooper layout. Repro, any fork: 0x6001610006575b00 (ref: success, 17 gas).
  it('PUSH+JUMPI to the very next instruction compiles and runs', async () => {
    await sameHalt({ fork: 'cancun', code: '0x6001610006575b00', gas: '1000000' }, 'success');
  }, T);

  it('PUSH+JUMPI to the very next instruction in a program of more than 32 blocks (linear layout) runs like the interpreter', async () => {
    const big = Array.from({ length: 40 }, (_, i) => `PUSH ${i} PUSH 1 SSTORE`).join(' ');
    for (const f of FORKS) {
      await sameHalt({ fork: f, code: asm(`${big} PUSH 1 PUSH 1 PUSH :l JUMPI l: JUMPDEST POP STOP`), gas: '1000000' }, 'success');
      await sameHalt({ fork: f, code: asm(`${big} PUSH 0 PUSH :l JUMPI l: JUMPDEST STOP`), gas: '1000000' }, 'success');
    }
  }, T);

  it('stack overflow at 1024: straight line, in a loop, mid-block, DUP at the limit', async () => {
    const p1023 = 'PUSH 1 '.repeat(1023);
    const progs: Array<[string, 'success' | 'halt']> = [
      [`${p1023} PUSH 1 STOP`, 'success'],
      [`${p1023} PUSH 1 PUSH 1 STOP`, 'halt'],
      [`${p1023} PUSH 1 DUP1`, 'halt'],
      [`${p1023} PUSH 1 SWAP1 POP STOP`, 'success'],
      [`${p1023} PUSH 1 PUSH 1 POP POP STOP`, 'halt'], // exceeds the limit mid-block, ends below it
      [`${p1023} PUSH 1 POP PUSH 1 STOP`, 'success'],
      ['l: JUMPDEST PUSH 1 PUSH :l JUMP', 'halt'],
      ['l: JUMPDEST PUSH 1 PUSH 1 PUSH :l JUMPI', 'halt'],
      ['l: JUMPDEST GAS PUSH :l JUMP', 'halt'], // GAS ends a block every time round
      ['PUSH 0 CALLDATALOAD l: JUMPDEST DUP1 PUSH 1 PUSH :l JUMPI', 'halt'],
    ];
    for (const f of FORKS) for (const [p, st] of progs) await sameHalt({ fork: f, code: asm(p), gas: '1000000' }, st);
  }, T);

  it('bad jumps: non-JUMPDEST, into PUSH data, beyond the code, ≥ 2^32 aliasing a JUMPDEST, dynamic targets', async () => {
    // `tail` has a JUMPDEST at a known pc: PUSH32 x (33 bytes) JUMP (1) → JUMPDEST at 34.
    const progs: Array<[string, 'success' | 'halt']> = [
      ['PUSH 3 JUMP STOP JUMPDEST STOP', 'halt'],
      ['PUSH 4 JUMP STOP JUMPDEST STOP', 'success'],
      ['PUSH 4 JUMP PUSH1 0x5b STOP', 'halt'], // pc 4 is PUSH data
      ['PUSH 100 JUMP JUMPDEST STOP', 'halt'],
      ['PUSH 5 JUMP STOP JUMPDEST', 'halt'], // JUMPDEST is at 4, target 5 is the code length
      [`PUSH32 ${pow2(32) + 34n} JUMP JUMPDEST STOP`, 'halt'],
      [`PUSH32 ${pow2(64) + 34n} JUMP JUMPDEST STOP`, 'halt'],
      [`PUSH32 ${pow2(255) + 34n} JUMP JUMPDEST STOP`, 'halt'],
      [`PUSH32 ${MAX256} JUMP JUMPDEST STOP`, 'halt'],
      [`PUSH32 34 JUMP JUMPDEST STOP`, 'success'],
      // JUMPI: taken to a bad target halts, untaken never looks at the target.
      ['PUSH 1 PUSH 3 JUMPI STOP', 'halt'],
      ['PUSH 0 PUSH 3 JUMPI PUSH 1 PUSH 0 SSTORE STOP', 'success'],
      [`PUSH 0 PUSH32 ${MAX256} JUMPI PUSH 1 PUSH 0 SSTORE STOP`, 'success'],
      [`PUSH32 ${pow2(255)} PUSH 38 JUMPI STOP JUMPDEST STOP`, 'halt'],
      [`PUSH32 ${pow2(255)} PUSH 37 JUMPI STOP JUMPDEST PUSH 2 PUSH 0 SSTORE STOP`, 'success'],
      [`PUSH 1 PUSH32 ${pow2(32) + 37n} JUMPI STOP JUMPDEST STOP`, 'halt'], // pc37 is the JUMPDEST
      // JUMPI as the last instruction: not taken falls off the end (implicit STOP), taken loops until out of gas.
      ['l: JUMPDEST PUSH 0 PUSH :l JUMPI', 'success'],
      ['l: JUMPDEST PUSH 1 PUSH :l JUMPI', 'halt'],
      ['PUSH 1 PUSH 0 SSTORE PUSH 0 PUSH 3 JUMPI', 'success'],
    ];
    for (const f of FORKS) for (const [p, st] of progs) await sameHalt({ fork: f, code: asm(p), gas: '1000000' }, st);
  }, T);

  /** PUSH3 t [CALLDATASIZE ADD] JUMP, `n` bytes of STOP, then JUMPDEST PUSH1 1 PUSH1 0 SSTORE STOP. */
  const farJump = (n: number, t: (at: number) => number, dynamic: boolean) => {
    const at = 7 + n; // the JUMPDEST: PUSH3 (4 bytes) + 3 bytes of CALLDATASIZE ADD JUMP or JUMP STOP STOP
    const p3 = t(at).toString(16).padStart(6, '0');
    return '0x62' + p3 + (dynamic ? '360156' : '560000') + '00'.repeat(n) + '5b600160005500';
  };
  const offsets = [(at: number) => at, (at: number) => at + 1, (at: number) => at - 1, (at: number) => at + (1 << 16), (at: number) => at - (1 << 16)];

  it('jump targets far into the code (JUMPDEST at 30 007 and 65 507): static and dynamic, valid and off by one', async () => {
    for (const n of [30_000, 65_500]) {
      for (const t of offsets) {
        if (t(7 + n) < 0) continue;
        await sameHalt({ fork: 'cancun', code: farJump(n, t, true), gas: '1000000' });
        await sameHalt({ fork: 'cancun', code: farJump(n, t, false), gas: '1000000' });
      }
    }
    expect((await runReference(mkCase({ code: farJump(65_500, (at) => at, true), gas: '1000000' }))).status).toBe('success');
  }, T);

  it('static jumps beyond 64 KiB of code', async () => {
    for (const t of offsets) await sameHalt({ fork: 'cancun', code: farJump(70_000, t, false), gas: '1000000' });
  }, T);

  // Regression: V8 caps br_table at 65,520 entries; the pc dispatch is split into chunks so that dynamic jumps to
  // JUMPDESTs beyond 64 KiB compile. Repro: cancun, 0x62011177 360156 ‖ 70 000 × 00 ‖ 5b600160005500 (22 123 gas).
  it('dynamic jumps beyond 64 KiB of code', async () => {
    const c = mkCase({ fork: 'cancun', code: farJump(70_000, (at) => at, true), gas: '1000000' });
    await expectSame(c, { quiet: true });
  }, T);

  it('dynamic jumps through the dispatch: valid, non-JUMPDEST, PUSH data, code end, ≥ 2^32 aliases', async () => {
    // pc0 PUSH1 0, pc2 CALLDATALOAD, pc3 JUMP, pc4 STOP, pc5 JUMPDEST, pc6 PUSH1 0x5b, pc8 PUSH1 0, pc10 SSTORE,
    // pc11 STOP, pc12 JUMPDEST, pc13 STOP (14 bytes)
    const code = asm('PUSH 0 CALLDATALOAD JUMP STOP JUMPDEST PUSH1 0x5b PUSH 0 SSTORE STOP JUMPDEST STOP');
    const targets = [5n, 12n, 4n, 7n, 0n, 11n, 13n, 14n, pow2(32) + 5n, pow2(32) + 12n, pow2(64) + 5n, pow2(255) + 12n, MAX256];
    for (const f of FORKS) {
      for (const t of targets) await sameHalt({ fork: f, code, calldata: '0x' + word(t), gas: '1000000' });
      // JUMPI with run-time target and condition: pc6 JUMPI, pc13 JUMPDEST, pc14 PUSH1 4.
      const ji = asm('PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD JUMPI PUSH 3 PUSH 0 SSTORE STOP JUMPDEST PUSH 4 PUSH 0 SSTORE STOP');
      for (const [t, cond] of [[13n, 1n], [13n, 0n], [14n, 1n], [14n, 0n], [pow2(32) + 13n, 1n], [pow2(32) + 13n, 0n], [13n, pow2(255)]]) {
        await sameHalt({ fork: f, code: ji, calldata: '0x' + word(t) + word(cond), gas: '1000000' });
      }
    }
  }, T);

  it('INVALID (0xFE), undefined opcodes, return data out of bounds', async () => {
    const progs = ['#fe', 'PUSH 1 PUSH 0 SSTORE #fe', '#0c', 'PUSH 1 #21', '#ef', 'PUSH 1 PUSH 0 MSTORE #f6',
      'PUSH 1 PUSH 0 PUSH 0 RETURNDATACOPY', 'PUSH 0 PUSH 1 PUSH 0 RETURNDATACOPY', `PUSH 0 PUSH32 ${MAX256} PUSH 0 RETURNDATACOPY`];
    for (const f of FORKS) for (const p of progs) await sameHalt({ fork: f, code: asm(p), gas: '1000000' }, 'halt');
    await sameHalt({ fork: 'cancun', code: asm('PUSH 1 CLZ'), gas: '1000000' }, 'halt');
  }, T);

  it('a halt discards storage writes, transient writes, logs and refunds made earlier in the call', async () => {
    const pre = { '0x2000000000000000000000000000000000000002': { storage: { '0x1': '0x5' } } };
    for (const f of FORKS) {
      await sameHalt({ fork: f, pre, code: asm('PUSH 0 PUSH 1 SSTORE PUSH 7 PUSH 2 SSTORE PUSH 1 PUSH 1 TSTORE PUSH 0 PUSH 0 LOG0 #fe'), gas: '1000000' }, 'halt');
      await sameHalt({ fork: f, pre, code: asm('PUSH 0 PUSH 1 SSTORE PUSH 7 PUSH 2 SSTORE PUSH 0 PUSH 0 LOG0 PUSH 9 PUSH 0 JUMP'), gas: '1000000' }, 'halt');
    }
  }, T);
});

describe('out of gas: static and dynamic', () => {
  it('static block gas: exactly enough and one short', async () => {
    for (const f of FORKS) {
      // PUSH1 PUSH1 ADD = 9 gas
      await same({ fork: f, code: asm('PUSH 1 PUSH 2 ADD'), gas: '9' });
      await sameHalt({ fork: f, code: asm('PUSH 1 PUSH 2 ADD'), gas: '8' }, 'halt');
      await same({ fork: f, code: asm('PUSH 1 PUSH 2 ADD'), gas: '0' });
      await same({ fork: f, code: '0x', gas: '0' });
      await same({ fork: f, code: asm('STOP'), gas: '0' });
      await same({ fork: f, code: asm('JUMPDEST'), gas: '0' });
    }
  }, T);

  /** Programs whose cost is mostly dynamic; each is run with its exact cost G, G−1 and G+1. */
  const dynamic: Array<[string, string]> = [
    ['memory expansion (MSTORE at 1 MiB)', 'PUSH 1 PUSH 0x100000 MSTORE'],
    ['memory expansion (MLOAD, MSTORE8, quadratic part)', 'PUSH 0x20000 MLOAD PUSH 1 PUSH 0x40001 MSTORE8'],
    ['copy (CALLDATACOPY 10 KB)', 'PUSH 10000 PUSH 0 PUSH 0 CALLDATACOPY'],
    ['copy (CODECOPY beyond the code)', 'PUSH 5000 PUSH 3 PUSH 7 CODECOPY'],
    ['copy (MCOPY 4 KB)', 'PUSH 4096 PUSH 0 PUSH 100 MCOPY'],
    ['copy (EXTCODECOPY, cold account)', 'PUSH 3000 PUSH 0 PUSH 0 PUSH 0x1234 EXTCODECOPY'],
    ['KECCAK256 of 10 KB', 'PUSH 10000 PUSH 0 KECCAK256'],
    ['EXP with a 32-byte exponent', `PUSH32 ${MAX256} PUSH 3 EXP`],
    ['EXP with a 1-byte exponent', 'PUSH 255 PUSH 3 EXP'],
    ['LOG4 with 1 KB of data', 'PUSH 4 PUSH 3 PUSH 2 PUSH 1 PUSH 1024 PUSH 0 LOG4'],
    ['SSTORE set (cold, zero → non-zero)', 'PUSH 1 PUSH 0 SSTORE'],
    ['SSTORE reset then clear', 'PUSH 1 PUSH 9 SSTORE PUSH 0 PUSH 9 SSTORE'],
    ['SLOAD cold and warm, BALANCE cold and warm', 'PUSH 1 SLOAD PUSH 1 SLOAD PUSH 0x99 BALANCE PUSH 0x99 BALANCE'],
    ['RETURN of 2 KB', 'PUSH 2048 PUSH 0 RETURN'],
    ['REVERT of 2 KB', 'PUSH 2048 PUSH 0 REVERT'],
  ];
  for (const [name, p] of dynamic) {
    it(`${name}: G, G−1, G+1`, async () => {
      for (const f of FORKS) {
        const base = { fork: f, code: asm(p), calldata: '0x' + 'ab'.repeat(300), pre: { '0x2000000000000000000000000000000000000002': { storage: { '0x9': '0x3' } } } };
        const ref = await runReference(mkCase({ ...base, gas: '30000000' }));
        expect(ref.status, name).not.toBe('halt');
        const G = BigInt(ref.gasUsed);
        for (const g of [G, G - 1n, G + 1n, G - 3n, G / 2n]) {
          const r = await same({ ...base, gas: String(g) }, { note: `${name} gas ${g} (G=${G})` });
          if (g < G) expect(r.ref.status).toBe('halt');
        }
      }
    }, T);
  }

  it('the EIP-2200 SSTORE sentry: fails with gasleft ≤ 2300 even when the store itself would cost less', async () => {
    // Slot 0 already holds 1: SSTORE(0, 1) is a no-op costing 100 (+2100 cold from Berlin) ≤ 2300.
    const pre = { '0x2000000000000000000000000000000000000002': { storage: { '0x0': '0x1' } } };
    const code = asm('PUSH 1 PUSH 0 SSTORE'); // 6 gas before the SSTORE
    for (const f of ['constantinople', 'petersburg', 'istanbul', 'berlin', 'london', ...FORKS] as const) {
      for (const g of [6 + 2300, 6 + 2301, 6 + 2200, 6 + 2199, 6 + 800, 6 + 5000, 6 + 2101, 6 + 2100]) {
        await same({ fork: f, pre, code, gas: String(g) }, { note: `gas ${g}` });
      }
    }
  }, T);
});

// ---------------------------------------------------------------------------------------------
// Gas exactly at and one below block boundaries
// ---------------------------------------------------------------------------------------------

/** Gas limits worth trying for `c`: G, G±1 and just-enough/one-short around every block entry, instruction and SSTORE. */
async function boundaryGasValues(c: Case, max: number): Promise<{ G: bigint; values: bigint[]; ref: CaseResult }> {
  const ref = await runReference(c);
  const G = BigInt(ref.gasUsed);
  const tr = await traceGas(c);
  expect(tr.gasUsed, 'trace setup agrees with runReference').toBe(G);
  const a = analyze(c.code, parseForkName(c.fork)!);
  const blockGas = new Map<number, number>();
  for (const b of a.blocks) if (b.reachable) blockGas.set(b.startPc, b.gas);
  const must = new Set<bigint>([G, G - 1n, G + 1n]);
  const blockVals = new Set<bigint>();
  const instrVals = new Set<bigint>();
  const steps = tr.steps;
  for (let i = 0; i < steps.length; i++) {
    const used = c.gas - steps[i].gasLeft;
    const bg = blockGas.get(steps[i].pc);
    if (bg !== undefined) {
      for (const d of [-1n, 0n, 1n, BigInt(bg) - 1n, BigInt(bg)]) blockVals.add(used + d);
    }
    if (steps[i].op === Op.SSTORE) for (const d of [2300n, 2301n]) blockVals.add(used + d);
    const next = i + 1 < steps.length ? c.gas - steps[i + 1].gasLeft : G;
    instrVals.add(next - 1n);
    instrVals.add(next);
  }
  // Keep every "must" value, then block boundaries, then instruction boundaries, evenly thinned to `max`.
  const thin = (xs: bigint[], n: number) => (xs.length <= n ? xs : Array.from({ length: n }, (_, k) => xs[Math.floor((k * xs.length) / n)]));
  const sorted = (s: Set<bigint>) => [...s].filter((v) => v >= 0n && v < c.gas && !must.has(v)).sort((x, y) => (x < y ? -1 : 1));
  const blocks = thin(sorted(blockVals), Math.ceil((max * 2) / 3));
  const chosen = new Set<bigint>([...must, ...blocks]);
  const instr = thin(sorted(instrVals).filter((v) => !chosen.has(v)), Math.max(0, max - chosen.size));
  return { G, values: [...chosen, ...instr].filter((v) => v >= 0n), ref };
}

async function checkBoundaries(base: Case, max: number, loader?: ContractLoader): Promise<number> {
  const { G, values } = await boundaryGasValues(base, max);
  expect(values.length, 'enough boundary values').toBeGreaterThanOrEqual(Math.min(max, 10));
  const failures: string[] = [];
  for (const g of values) {
    const c = { ...base, id: `${base.id}@${g}`, gas: g };
    const ref = await runReference(c);
    const ours = runOurs(c, loader);
    const d = diffResults(ours, ref);
    if (d.length > 0) {
      failures.push(`gas ${g} (G=${G}): ${d.join('; ')}`);
      if (failures.length === 1) await expectSame(c, { ref, loader, note: `boundary gas ${g}, G=${G}` }).catch(() => undefined); // prints the replayable line
    }
  }
  expect(failures, `${base.id} on ${base.fork}`).toEqual([]);
  return values.length;
}

const CD = '0x' + Array.from({ length: 96 }, (_, i) => ((i * 53 + 7) & 0xff).toString(16).padStart(2, '0')).join('');
const SELF = '0x2000000000000000000000000000000000000002';

const BOUNDARY_PROGRAMS: Array<[string, Record<string, unknown>]> = [
  ['arithmetic, EXP, RETURN', { code: asm(`PUSH 5 PUSH 7 MUL PUSH 3 ADD PUSH 0 MSTORE JUMPDEST PUSH 0xffff PUSH 3 EXP PUSH 32 MSTORE PUSH32 ${MAX256} PUSH 2 EXP PUSH 64 MSTORE PUSH 96 PUSH 0 RETURN`) }],
  ['storage loop with set, no-op, clear and restore (refunds)', {
    code: asm(`
      PUSH 5
      loop: JUMPDEST
        DUP1 DUP1 SSTORE
        DUP1 SLOAD POP
        PUSH 0 DUP2 PUSH 100 ADD SSTORE
        PUSH 7 DUP2 PUSH 100 ADD SSTORE
        PUSH 1 SWAP1 SUB
        DUP1 PUSH :loop JUMPI
      POP PUSH 3 PUSH 3 SSTORE GAS PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`),
    pre: { [SELF]: { storage: { '101': '7', '102': '7', '103': '7', '104': '7', '105': '7', '3': '3' } } },
  }],
  ['memory growth, copies, KECCAK256, MCOPY, LOG2', {
    code: asm(`PUSH 1 PUSH 0 MSTORE PUSH 1 PUSH 1000 MSTORE8 PUSH 96 PUSH 0 PUSH 2000 CALLDATACOPY PUSH 3000 PUSH 0 KECCAK256 PUSH 0 MSTORE
      PUSH 500 PUSH 0 PUSH 5000 MCOPY CODESIZE PUSH 0 PUSH 6000 CODECOPY MSIZE PUSH 32 MSTORE
      PUSH 7 PUSH 8 PUSH 300 PUSH 100 LOG2 PUSH 64 PUSH 0 RETURN`),
    calldata: CD,
  }],
  ['GAS readings around SSTORE and memory growth', { code: asm('GAS PUSH 0 MSTORE GAS PUSH 32 MSTORE PUSH 1 PUSH 1 SSTORE GAS PUSH 64 MSTORE PUSH 1 PUSH 4096 MSTORE GAS PUSH 96 MSTORE PUSH 128 PUSH 0 RETURN') }],
  ['dynamic jumps through a table in memory', {
    code: asm(`PUSH :a PUSH 0 MSTORE PUSH :b PUSH 32 MSTORE PUSH :c PUSH 64 MSTORE
      PUSH 0 CALLDATALOAD PUSH 248 SHR PUSH 3 MOD PUSH 32 MUL MLOAD JUMP
      a: JUMPDEST PUSH 1 PUSH 0 SSTORE PUSH 32 PUSH 0 RETURN
      b: JUMPDEST PUSH 2 PUSH 0 SSTORE PUSH 0 PUSH 0 LOG0 PUSH 32 PUSH 0 RETURN
      c: JUMPDEST PUSH 3 PUSH 0 SSTORE PUSH 32 PUSH 0 RETURN`),
    calldata: '0x01',
  }],
  ['transient storage loop', {
    code: asm(`PUSH 20 loop: JUMPDEST DUP1 DUP1 TSTORE DUP1 TLOAD PUSH 0 MSTORE PUSH 1 SWAP1 SUB DUP1 PUSH :loop JUMPI POP PUSH 32 PUSH 0 RETURN`),
  }],
  ['REVERT with data after state changes', { code: asm('PUSH 1 PUSH 1 SSTORE PUSH 0xdead PUSH 0 MSTORE PUSH 0 PUSH 0 LOG0 PUSH 64 PUSH 0 REVERT') }],
  ['counter loop with memory writes and a conditional exit', {
    code: asm(`PUSH 0
      loop: JUMPDEST
        DUP1 PUSH 32 MUL DUP2 SWAP1 MSTORE
        PUSH 1 ADD DUP1 PUSH 12 GT PUSH :loop JUMPI
      PUSH 384 PUSH 0 RETURN`),
  }],
];

describe('gas exactly at and one below block boundaries', () => {
  for (const [name, o] of BOUNDARY_PROGRAMS) {
    it(`${name}`, async () => {
      for (const f of FORKS) await checkBoundaries(mkCase({ ...o, fork: f, gas: '10000000' }), 80);
      await checkBoundaries(mkCase({ ...o, fork: 'cancun', gas: '10000000' }), 40, loaderAt(2)); // optimised build
    }, T);
  }

  it('SSTORE semantics before and after the sentry and EIP-2929/3529 (older forks)', async () => {
    const o = BOUNDARY_PROGRAMS[1][1];
    for (const f of ['chainstart', 'constantinople', 'petersburg', 'istanbul', 'berlin', 'london']) {
      await checkBoundaries(mkCase({ ...o, fork: f, gas: '10000000' }), 30);
    }
  }, T);

  it('corpus contracts (Solidity code): a few cases with boundaries sampled over the whole run', async () => {
    const pick = ['Token.transfer', 'Fib.fib.93', 'Events.raw.2', 'StorageHeavy.swap', 'AbiStrings.greet'];
    const cases = loadCorpusCases().filter((c) => pick.includes(c.id));
    expect(cases.length, 'the picked corpus cases exist').toBe(pick.length);
    for (const c of cases) await checkBoundaries({ ...c, fork: 'cancun', gas: 10_000_000n }, 60);
  }, T);
});

// ---------------------------------------------------------------------------------------------
// Engine-level edge cases
// ---------------------------------------------------------------------------------------------

describe('engine-level edge cases', () => {
  it('extreme gas limits: 2^63−1, around 2^32, 0', async () => {
    const code = asm('GAS PUSH 0 MSTORE PUSH 1 PUSH 1 SSTORE GAS PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN');
    for (const gas of ['9223372036854775807', '9223372036854775806', '4294967297', '4294967296', '4294967295', '2147483648', '0', '1']) {
      for (const f of FORKS) await same({ fork: f, code, gas }, { note: `gas ${gas}` });
    }
  }, T);

  it('beyond the 1 GiB memory cap with gas that cannot pay for it: the same all-gas halt', async () => {
    // 2^31 bytes cost ≈ 8.8e12 gas: out of gas for the interpreter whatever mevmc's own cap says.
    for (const gas of ['1000000000000', '3000000000000']) {
      // checkError: mevmc's memory-limit error also consumes all gas, only its wording tells it apart.
      const r = await same({ fork: 'cancun', code: asm('PUSH 1 PUSH 0x80000000 MSTORE STOP'), gas }, { checkError: true });
      expect(r.ref.status).toBe('halt');
    }
  }, T);

  it('nothing leaks between runs of the same compiled code (memory, transient storage, warmth, refunds, logs)', async () => {
    const code = asm(`
      PUSH 0 CALLDATALOAD PUSH :write JUMPI
      // read run: memory and transient storage must be fresh, slot 1 and the account cold again
      PUSH 0x8000 MLOAD PUSH 0 MSTORE  PUSH 0x20 MLOAD PUSH 32 MSTORE  MSIZE PUSH 64 MSTORE
      PUSH 1 TLOAD PUSH 96 MSTORE
      GAS PUSH 1 SLOAD POP GAS SWAP1 SUB PUSH 128 MSTORE
      GAS PUSH 0x1234 BALANCE POP GAS SWAP1 SUB PUSH 160 MSTORE
      PUSH 192 PUSH 0 RETURN
      write: JUMPDEST
      PUSH 0xabcdef PUSH 0x8000 MSTORE PUSH 7 PUSH 0x20 MSTORE PUSH 9 PUSH 1 TSTORE
      PUSH 1 SLOAD POP PUSH 0x1234 BALANCE POP
      PUSH 0 PUSH 1 SSTORE PUSH 0 PUSH 0 LOG0 STOP`);
    const pre = { '0x2000000000000000000000000000000000000002': { storage: { '0x1': '0x5' } } };
    const loader = freshLoader();
    for (const f of FORKS) {
      const write = mkCase({ fork: f, code, pre, calldata: '0x' + word(1n) });
      const read = mkCase({ fork: f, code, pre, calldata: '0x' + word(0n) });
      await expectSame(write, { loader });
      await expectSame(read, { loader });
      await expectSame(write, { loader });
      await expectSame(read, { loader });
    }
  }, T);

  it('runCase with repeat: every repetition starts from the same pre-state', async () => {
    const code = asm('PUSH 1 SLOAD PUSH 1 ADD DUP1 PUSH 1 SSTORE PUSH 0 PUSH 1 TSTORE PUSH 0 MSTORE PUSH 0 PUSH 0 LOG0 PUSH 32 PUSH 0 RETURN');
    const c = mkCase({ fork: 'cancun', code, pre: { '0x2000000000000000000000000000000000000002': { storage: { '0x1': '0x5' } } } });
    const ref = await runReference(c);
    const once = runCase(c);
    const thrice = runCase(c, { repeat: 3 });
    expect(diffResults(once, ref)).toEqual([]);
    expect(diffResults(thrice, ref)).toEqual([]);
  }, T);
});
