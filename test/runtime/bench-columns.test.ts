/**
 * @file The bench's evmone columns (issue #14): host calls counted per run (runtime/harness/host-calls.ts) equal the
 * state opcodes @ethereumjs/evm executes, the counting wrapper leaves the instance pool as it found it, the fixed
 * evmone reference (cli/bench/evmone-0.15.json) names programs the bench runs, the program sets follow the
 * issue's definitions, and the steady-state timer's repeated calls each start from the pre-state.
 */
import { describe, expect, it } from 'vitest';
import { loadCorpusBenchCases } from '../../corpus/index.ts';
import { benchSet, geomean, loadEvmoneReference } from '../../cli/commands/bench-evmone.ts';
import { caseTimer, runCase } from '../../runtime/harness/batch.ts';
import { countHostCalls } from '../../runtime/harness/host-calls.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { loadSharedBench } from '../../runtime/harness/shared-bench.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { stateCache } from '../../runtime/state/state-cache.ts';
import { asmBytes } from '../helpers/asm.ts';
import { mkCase } from '../helpers/engines.ts';

/**
 * Opcodes the compiled code reaches the host for in this test's program: SLOAD, SSTORE, TLOAD, TSTORE, LOG0–LOG4. Its
 * CALLDATALOAD reads a word inside the calldata, which wasm code loads from the frame's calldata copy itself.
 */
const HOST_OPS = new Set([0x54, 0x55, 0x5c, 0x5d, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4]);

/** n rounds of SLOAD/SSTORE/TSTORE/TLOAD and a LOG1 every round (n from calldata), then STOP. */
const LOOP = asmBytes(`
  PUSH 0 CALLDATALOAD
loop: JUMPDEST
  DUP1 SLOAD PUSH 1 ADD DUP2 SSTORE
  DUP1 DUP1 TSTORE DUP1 TLOAD POP
  DUP1 PUSH 0 PUSH 0 LOG1
  PUSH 1 SWAP1 SUB DUP1 PUSH :loop JUMPI
  STOP
`);

describe('bench columns', () => {
  it('host calls per run equal the state opcodes @ethereumjs/evm executes', async () => {
    const loader = new WasmLoader();
    for (const n of [1, 7, 40]) {
      const c = mkCase({ code: LOOP, calldata: n.toString(16).padStart(64, '0'), gas: '10000000', fork: 'cancun' });
      let expected = 0;
      await runReference(c, { onStep: (s) => { if (HOST_OPS.has(s.op)) expected++; } });
      expect(expected).toBe(5 * n); // the program is what it says
      const tally = countHostCalls(c, loader);
      expect(tally.calls).toBe(expected);
      // SLOAD/SSTORE/TLOAD/TSTORE and LOG never reach JS with the state cache on (5 per round): only the rest is timed.
      expect(tally.linearCalls).toBe(stateCache() ? 5 * n : 0);
      expect(tally.timedCalls).toBe(expected - tally.linearCalls);
      expect(tally.hostMs).toBeGreaterThanOrEqual(-1);
      // The instances go back to the pool unwrapped: a plain run afterwards counts nothing and agrees.
      const after = countHostCalls(c, loader, 1);
      expect(after.calls).toBe(expected);
      expect(runCase(c, { loader }).status).toBe('success');
    }
  });

  it('steady-state calls (caseTimer: one WorldState, discarded after each call) each use the gas of a fresh call', async () => {
    const loader = new WasmLoader();
    // Slot 3 set from zero (cold SLOAD, 20,000-gas SSTORE): a call that saw the last call's write or warmth uses less.
    const c = mkCase({ code: LOOP, calldata: (3).toString(16).padStart(64, '0'), gas: '10000000', fork: 'cancun' });
    const ref = await runReference(c);
    expect(runCase(c, { loader }).gasUsed).toBe(ref.gasUsed);
    const call = caseTimer(c, loader);
    for (let i = 0; i < 5; i++) {
      const r = call();
      expect(r.gasUsed.toString()).toBe(ref.gasUsed);
      expect(r.ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('the evmone reference: dated, and its programs are the bench programs', () => {
    const ref = loadEvmoneReference();
    expect(ref.evmone).toBe('0.15');
    expect(ref.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(ref.ms).length).toBe(84);
    for (const v of Object.values(ref.ms)) expect(v).toBeGreaterThan(0);
    const corpus = loadCorpusBenchCases().map((c) => `corpus/${c.id}`);
    for (const k of Object.keys(ref.ms).filter((k) => k.startsWith('corpus/'))) expect(corpus).toContain(k);
    const shared = loadSharedBench();
    if (shared.missing) {
      console.warn(`[evmone names vs ../shared/bench skipped] ${shared.missing}`);
      return;
    }
    const names = new Set([...shared.cases.map((b) => b.name), ...corpus]);
    // fibloop__N1e6/N1e7 were measured from evmone's own fib loop: no program of the bench carries those names.
    const unmatched = Object.keys(ref.ms).filter((k) => !names.has(k));
    expect(unmatched.sort()).toEqual(['fibloop__N1e6', 'fibloop__N1e7']);
  });

  it('program sets as issue #14 defines them, and the geomean', () => {
    expect(benchSet(0.099, 0)).toBe('tiny');
    expect(benchSet(0.1, 10)).toBe('compute'); // 10 host calls in 100 µs = 0.1 per µs
    expect(benchSet(0.1, 11)).toBe('host');
    expect(benchSet(7.49, 45_009)).toBe('host'); // erc20.transfer
    expect(benchSet(31.94, 2)).toBe('compute');
    expect(geomean([2, 8])).toBeCloseTo(4, 12);
    expect(geomean([])).toBeNaN();
  });
});
