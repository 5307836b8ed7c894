/**
 * @file Gas limits across the whole uint64 range (2^63−1, 2^63, 2^64−1 and neighbours), compiled engine
 * (wasm, or native with MEVMC_TEST_ENGINE=native) and its tracing build against @ethereumjs/evm.
 *
 * Gas is a uint64 everywhere in mevmc; a signed compare or conversion anywhere would turn a limit of 2^63
 * or more negative (an instant out-of-gas, or a wrong GAS value). The programs finish (a loop running out
 * of 2^64 gas is not feasible): GAS read at several points, every CALL kind forwarding all gas or asking
 * for more than there is, CREATE/CREATE2 with all gas, memory accesses whose cost lies just above the gas
 * (they never allocate: a payable access beyond 1 GiB is mevmc's MemoryLimit and would make the reference
 * allocate terabytes), SSTORE, a counted loop (native: its fast copy is entered only below 2^62 gas).
 */
import { describe, expect, it } from 'vitest';
import { runCase } from '../../runtime/harness/batch.ts';
import { DEV_ACCOUNT, Runtime } from '../../runtime/runtime.ts';
import type { Case } from '../../runtime/harness/case.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { formatTraceStep, type TraceStep } from '../../runtime/host/trace.ts';
import { asm } from '../helpers/asm.ts';
import { mevmc } from '../helpers/cli.ts';
import { ADDRESS, TEST_ENGINE, expectAllSame, mkCase, pow2 } from '../helpers/engines.ts';
import { MAX64, memCost, mostWordsFor } from '../builtins/memory-oracle.ts';

const T = 240_000;
/** The limits of the issue, and one either side of 2^63 and 2^64. */
const GASES = [pow2(63) - 1n, pow2(63), pow2(63) + 1n, pow2(64) - 2n, MAX64];
const CALLEE = '0x00000000000000000000000000000000000000bb';
/** The callee returns the GAS it sees and its CALLVALUE. */
const CALLEE_CODE = asm('GAS PUSH 0 MSTORE CALLVALUE PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN');
const pre = { [CALLEE]: { code: CALLEE_CODE }, [ADDRESS]: { balance: '1000' } };

/** Compare every case, halts' error kind too (a MemoryLimit or host error also consumes all gas). */
const sameAll = (cs: Case[]) => expectAllSame(cs, { checkError: true });

const cases = (forks: readonly string[], progs: string[], gases = GASES): Case[] =>
  forks.flatMap((fork) => progs.flatMap((p) => gases.map((gas) => mkCase({ fork, code: asm(p), gas: gas.toString(), pre }))));

describe(`gas limits up to 2^64-1 (${TEST_ENGINE})`, () => {
  it('GAS at several points, across blocks, jumps and arithmetic on the value', async () => {
    const prog = `GAS PUSH 0 MSTORE PUSH :a JUMP a: JUMPDEST GAS PUSH 32 MSTORE PUSH 1 PUSH :b JUMPI b: JUMPDEST
      GAS DUP1 ADD PUSH 64 MSTORE GAS PUSH 1 SWAP1 SUB PUSH 96 MSTORE PUSH 0xffffffffffffffff GAS GT PUSH 128 MSTORE
      PUSH 160 PUSH 0 RETURN`;
    const out = await sameAll(cases(['cancun', 'osaka', 'homestead'], [prog]));
    // Sanity: the reference really ran with the huge limits (GAS read back near the limit).
    expect(BigInt('0x' + out[out.length - 1].ref.output.slice(2, 66))).toBe(MAX64 - 2n);
  }, T);

  it('every CALL kind forwarding all gas, asking for more than there is, or an exact amount', async () => {
    const progs: string[] = [];
    for (const ask of ['GAS', `PUSH32 ${(1n << 256n) - 1n}`, `PUSH ${pow2(64)}`, `PUSH ${MAX64}`, `PUSH ${pow2(63)}`, `PUSH ${pow2(63) - 1n}`, 'PUSH 100000']) {
      for (const [op, args] of [['CALL', 'PUSH 7'], ['CALL', 'PUSH 0'], ['CALLCODE', 'PUSH 7'], ['DELEGATECALL', ''], ['STATICCALL', '']]) {
        progs.push(`PUSH 64 PUSH 0 PUSH 0 PUSH 0 ${args} PUSH20 ${CALLEE} ${ask} ${op} PUSH 64 MSTORE GAS PUSH 96 MSTORE PUSH 128 PUSH 0 RETURN`);
      }
    }
    const out = await sameAll(cases(['cancun', 'berlin'], progs));
    // The callee really received more than 2^63 gas in some of them (its GAS is the first output word).
    expect(out.some((o) => o.ref.status === 'success' && BigInt('0x' + o.ref.output.slice(2, 66)) > pow2(63))).toBe(true);
    // Before EIP-150 asking for more than is left fails the CALL; STATICCALL/DELEGATECALL do not exist yet.
    await sameAll(cases(['homestead', 'tangerineWhistle'], progs.filter((p) => p.includes(' CALL ') || p.includes('CALLCODE'))));
  }, T);

  it('a precompile called with all gas, and a call to an empty account', async () => {
    const progs = ['0x04', '0x02', '0x1234'].map((to) =>
      `PUSH 1 PUSH 0 MSTORE PUSH 32 PUSH 0 PUSH 32 PUSH 0 PUSH 0 PUSH ${to} GAS CALL PUSH 32 MSTORE GAS PUSH 64 MSTORE PUSH 96 PUSH 0 RETURN`);
    await sameAll(cases(['cancun', 'osaka'], progs));
  }, T);

  it('CREATE and CREATE2 with all gas (the init code reverts with the GAS it sees)', async () => {
    const init = BigInt(asm('GAS PUSH 0 MSTORE PUSH 32 PUSH 0 REVERT'));
    const len = (init.toString(16).length / 2) | 0;
    const tail = 'RETURNDATASIZE PUSH 0 PUSH 0 RETURNDATACOPY GAS PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN';
    const progs = [
      `PUSH ${init} PUSH 0 MSTORE PUSH ${len} PUSH ${32 - len} PUSH 0 CREATE POP ${tail}`,
      `PUSH 5 PUSH ${len} PUSH ${32 - len} PUSH 0 PUSH ${init} PUSH 0 MSTORE CREATE2 POP ${tail}`,
    ];
    await sameAll(cases(['cancun', 'constantinople'], progs));
  }, T);

  it('memory accesses costing just more than the gas, or more than any uint64: exact out of gas', async () => {
    const progs = (gas: bigint): string[] => [
      // PUSH, PUSH, MSTORE: 9 static gas with the expansion. One word more than the gas pays for, so the
      // reference never allocates it.
      `PUSH 1 PUSH ${32n * mostWordsFor(gas - 9n, 0n)} MSTORE STOP`,
      `PUSH 1 PUSH ${pow2(42)} MSTORE STOP`, `PUSH 1 PUSH ${MAX64 - 31n} MSTORE8 STOP`, `PUSH 1 PUSH ${pow2(64)} MLOAD STOP`,
      `PUSH ${pow2(42)} PUSH 0 PUSH 0 CALLDATACOPY STOP`, `PUSH ${pow2(255)} PUSH 0 KECCAK256 STOP`, `PUSH ${pow2(43)} PUSH 0 RETURN`,
      `PUSH 1 PUSH ${pow2(20)} MSTORE GAS PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`, // a payable 1 MiB: gas left exact
    ];
    const all: Case[] = [];
    for (const gas of GASES) {
      // The boundary access costs just more than the gas: within 2^37 words, where the cost crosses 2^64.
      const w = mostWordsFor(gas - 9n, 0n) + 1n;
      expect(memCost(w) + 9n > gas && memCost(w - 1n) + 9n <= gas && w < pow2(37)).toBe(true);
      for (const fork of ['cancun', 'osaka']) for (const p of progs(gas)) all.push(mkCase({ fork, code: asm(p), gas: gas.toString() }));
    }
    const out = await sameAll(all);
    expect(out.filter((o) => o.ref.status === 'halt').length).toBeGreaterThan(all.length / 2);
  }, T);

  it('SSTORE (sentry, refund), EXP, LOG with huge gas', async () => {
    const progs = [
      'PUSH 1 PUSH 0 SSTORE PUSH 0 PUSH 0 SSTORE GAS PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN',
      `PUSH ${pow2(255)} PUSH 3 EXP GAS PUSH 0 MSTORE PUSH 32 PUSH 0 LOG0 GAS PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`,
    ];
    await sameAll(cases(['cancun', 'istanbul'], progs));
  }, T);

  it('a counted loop, with limits on both sides of 2^62 (native: the fast copy is entered only below it)', async () => {
    const prog = 'PUSH 0 l: JUMPDEST PUSH 1 ADD DUP1 PUSH 1000 GT PUSH :l JUMPI GAS PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN';
    await sameAll(cases(['cancun'], [prog], [pow2(62) - 1n, pow2(62), ...GASES]));
  }, T);

  it('the tracing build agrees step by step (gas left per instruction) at 2^63 and 2^64-1', async () => {
    const progs = [
      'GAS PUSH 0 MSTORE PUSH :a JUMP a: JUMPDEST GAS PUSH 1 PUSH 1048576 MSTORE PUSH 32 PUSH 0 RETURN',
      `PUSH 64 PUSH 0 PUSH 0 PUSH 0 PUSH 7 PUSH20 ${CALLEE} GAS CALL PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${CALLEE} PUSH ${MAX64} STATICCALL STOP`,
      `PUSH 1 PUSH ${pow2(42)} MSTORE STOP`,
    ];
    for (const c of cases(['cancun'], progs, [pow2(63), MAX64])) {
      const ours: TraceStep[] = [];
      const r = runCase(c, { engine: TEST_ENGINE, trace: (s) => ours.push(s) });
      const ref: TraceStep[] = [];
      const rr = await runReference(c, { onStep: (s) => ref.push(s) });
      // ethereumjs reports SSTORE's refund after the instruction (see trace.test.ts): no SSTORE here.
      expect(ours.map(formatTraceStep), `${c.id} trace`).toEqual(ref.map(formatTraceStep));
      expect([r.status, r.gasUsed, r.output]).toEqual([rr.status, rr.gasUsed, rr.output]);
    }
  }, T);

  it('a payable access beyond 1 GiB is the named memory-limit error, not an out-of-gas halt', () => {
    // The reference would allocate 1 TiB here, so only ours runs: README's documented limit.
    const c = mkCase({ code: asm(`PUSH 1 PUSH ${pow2(40)} MSTORE STOP`), gas: MAX64.toString() });
    const r = runCase(c, { engine: TEST_ENGINE });
    expect([r.status, r.gasUsed]).toEqual(['halt', MAX64.toString()]);
    expect(r.error).toMatch(/memory limit exceeded/);
  }, T);

  it('Runtime transactions take a uint64 gas limit (block gas limit 2^64-1)', async () => {
    const rt = new Runtime({ engine: TEST_ENGINE, block: { gasLimit: MAX64 } });
    const to = '0x00000000000000000000000000000000000000cc';
    rt.setAccount(to, { code: asm('GAS PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN') });
    const r = await rt.transact({ from: DEV_ACCOUNT.address, to, gas: MAX64 });
    // Spec values: 21000 intrinsic gas, then GAS (2) reads what is left; 17 gas of code in all.
    expect([r.status, r.returnData, r.gasUsed]).toEqual(['success', '0x' + (MAX64 - 21_002n).toString(16).padStart(64, '0'), 21_017n]);
    rt.dispose();
  }, T);

  it('the CLI accepts every uint64 gas limit and refuses 2^64 with one error line', () => {
    const ok = mevmc(['run', asm('GAS PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN'), '--gas', MAX64.toString(), '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    // GAS costs 2 gas, so it reads the limit minus 2.
    expect(JSON.parse(ok.stdout).output).toBe('0x' + (MAX64 - 2n).toString(16).padStart(64, '0'));
    for (const gas of [pow2(64).toString(), (pow2(200)).toString()]) {
      const bad = mevmc(['run', '0x00', '--gas', gas]);
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/^mevmc: error: gas: /);
    }
  }, T);
});
