/**
 * @file Tests of the @ethereumjs/evm reference runner (`runtime/reference/ethereumjs.ts`) and of the shared
 * benchmark loader (`runtime/shared-bench.ts`):
 * (a) hand-written bytecode whose gas and results are derived by hand from the Yellow Paper / EIPs, pinning the
 *     conventions listed in the runner's header (nothing warm, BLOCKHASH = 0, 0x44 = prevRandao, value transfer...);
 * (b) every shared benchmark with a known reference result reproduces status, gas and output of
 *     `reference-results.ethereumjs.jsonl` (skipped with a message when ../shared is absent). Heavy cases are run only
 *     with MEVMC_BENCH_ALL=1, except one snailtracer.
 */

import { describe, expect, it } from 'vitest';

import { type ForkName, FORK_NAMES, parseCase, word } from '../../runtime/harness/case.ts';
import {
  baseGasOf,
  blobBaseFee,
  ethereumjsOpcodeTable,
  fakeExponential,
  opcodeAvailable,
  runReference,
} from '../../runtime/harness/reference/ethereumjs.ts';
import { loadSharedBench, outputMatches, prepareBenchCase, sharedDir } from '../../runtime/harness/shared-bench.ts';

const CALLER = '0x1000000000000000000000000000000000000001';
const ADDRESS = '0x2000000000000000000000000000000000000002';

/** Run a JSON-shaped case (parseCase defaults: cancun, gas 1e7, default caller/address/block). */
const run = (o: Record<string, unknown>) => runReference(parseCase(o));

/** `PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`: returns the top of the stack; costs 3+3+3(mem)+3+3 = 15. */
const RET_TOP = '60005260206000f3';
const RET_TOP_GAS = 15;

describe('runReference: hand-derived results', () => {
  it('PUSH1 2 PUSH1 3 ADD returns 5 for 2·3 + 3 + 15 gas on every fork', async () => {
    for (const fork of FORK_NAMES) {
      const r = await run({ fork, code: '0x6002600301' + RET_TOP });
      expect(r.status, fork).toBe('success');
      expect(r.output, fork).toBe(word(5n));
      expect(r.gasUsed, fork).toBe(String(3 + 3 + 3 + RET_TOP_GAS));
      expect(r.error).toBeNull();
      expect(r.logs).toEqual([]);
      expect(r.refund).toBe('0');
    }
  });

  it('empty code: success, no gas', async () => {
    const r = await run({ code: '0x' });
    expect(r).toMatchObject({ status: 'success', gasUsed: '0', output: '0x' });
  });

  it('SSTORE of a fresh slot: 20000, plus cold 2100 from Berlin (EIP-2929)', async () => {
    const code = '0x6001600055'; // PUSH1 1 PUSH1 0 SSTORE
    const expected: Partial<Record<ForkName, number>> = {
      chainstart: 20000, constantinople: 20000, petersburg: 20000, istanbul: 20000, berlin: 22100, cancun: 22100,
      osaka: 22100,
    };
    for (const [fork, cost] of Object.entries(expected)) {
      const r = await run({ fork, code });
      expect(r.gasUsed, fork).toBe(String(6 + cost));
      expect(r.storage).toEqual({ [word(0n)]: word(1n) });
    }
  });

  it('SSTORE 1 then 0 in the same call: warm no-op 100, refund 20000-100 (EIP-2200/3529)', async () => {
    const r = await run({ code: '0x60016000556000600055' });
    expect(r.gasUsed).toBe(String(6 + 22100 + 6 + 100));
    expect(r.refund).toBe('19900');
    expect(r.storage).toEqual({});
  });

  it('clearing a pre-state slot: 2900 + cold 2100, refund 4800 (EIP-3529); untouched slots are reported', async () => {
    const r = await run({
      code: '0x6000600155',
      pre: { [ADDRESS]: { storage: { '0x1': '0x5', '0x7': '0x9' } } },
    });
    expect(r.gasUsed).toBe(String(6 + 2900 + 2100));
    expect(r.refund).toBe('4800');
    expect(r.storage).toEqual({ [word(7n)]: word(9n) });
  });

  it('SLOAD: cold 2100 then warm 100 (Berlin+), 800 flat on Istanbul', async () => {
    const code = '0x600054506000545000'; // PUSH1 0 SLOAD POP PUSH1 0 SLOAD POP STOP
    expect((await run({ code })).gasUsed).toBe(String(3 + 2100 + 2 + 3 + 100 + 2));
    expect((await run({ code, fork: 'istanbul' })).gasUsed).toBe(String(3 + 800 + 2 + 3 + 800 + 2));
  });

  it('REVERT: status revert, state and refund discarded, gas = what was used', async () => {
    // PUSH1 1 PUSH1 0 SSTORE PUSH1 1 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 REVERT
    const r = await run({ code: '0x6001600055600160005260206000fd' });
    expect(r).toMatchObject({ status: 'revert', error: 'revert', output: word(1n), storage: {}, refund: '0' });
    expect(r.gasUsed).toBe(String(6 + 22100 + 3 + 3 + 6 + 6));
  });

  it('halts consume all gas: invalid opcode, undefined opcode, stack underflow, bad jump, out of gas', async () => {
    const halt = (error: string, gasUsed: string) => ({ status: 'halt', error, gasUsed });
    expect(await run({ code: '0xfe', gas: 1000 })).toMatchObject({ ...halt('invalid opcode', '1000'), output: '0x' });
    expect(await run({ code: '0x0c', gas: 777 })).toMatchObject(halt('invalid opcode', '777'));
    // PUSH0 is Shanghai (EIP-3855): undefined on London
    expect(await run({ code: '0x5f00', fork: 'london', gas: 50 })).toMatchObject(halt('invalid opcode', '50'));
    expect((await run({ code: '0x5f00', fork: 'shanghai', gas: 50 })).gasUsed).toBe('2');
    expect(await run({ code: '0x01', gas: 99 })).toMatchObject(halt('stack underflow', '99'));
    expect(await run({ code: '0x600356', gas: 99 })).toMatchObject(halt('invalid JUMP', '99'));
    expect(await run({ code: '0x6001600201', gas: 5 })).toMatchObject(halt('out of gas', '5'));
    const halted = await run({ code: '0x600160005560aa60005260006000a0fe', gas: 100000 });
    expect(halted).toMatchObject({ status: 'halt', logs: [], storage: {}, refund: '0', gasUsed: '100000' });
  });

  it('LOG3: 375 + 3·375 + 8·32 bytes; lowercase hex, topics in push order', async () => {
    // PUSH1 0xaa PUSH1 0 MSTORE PUSH1 1 PUSH1 2 PUSH1 3 PUSH1 32 PUSH1 0 LOG3
    const r = await run({ code: '0x60aa60005260016002600360206000a3' });
    expect(r.gasUsed).toBe(String(3 + 3 + 6 + 9 + 6 + 375 + 3 * 375 + 8 * 32));
    expect(r.logs).toEqual([{ address: ADDRESS, topics: [word(3n), word(2n), word(1n)], data: word(0xaan) }]);
  });

  it('block and tx environment: the case values, bit for bit', async () => {
    const block = {
      number: '0x1234', timestamp: '1700000000', coinbase: '0x00000000000000000000000000000000000000c0',
      gasLimit: '0x1c9c380', baseFee: '0x7', prevRandao: '0x' + 'ab'.repeat(32),
      chainId: '0x' + 'ff'.repeat(32),
    };
    // op; each followed by RET_TOP
    const ops: Array<[string, bigint]> = [
      ['46', (1n << 256n) - 1n], // CHAINID: any 256-bit chain id
      ['41', 0xc0n], // COINBASE
      ['43', 0x1234n], // NUMBER
      ['42', 1700000000n], // TIMESTAMP
      ['45', 0x1c9c380n], // GASLIMIT
      ['48', 7n], // BASEFEE
      ['44', BigInt('0x' + 'ab'.repeat(32))], // PREVRANDAO
      ['33', BigInt(CALLER)], // CALLER
      ['32', BigInt(CALLER)], // ORIGIN = caller
      ['30', BigInt(ADDRESS)], // ADDRESS
      ['3a', 0n], // GASPRICE: runCall default 0
    ];
    for (const [op, want] of ops) {
      const r = await run({ code: '0x' + op + RET_TOP, block });
      expect(r.output, `op 0x${op}`).toBe(word(want));
      expect(r.gasUsed, `op 0x${op}`).toBe(String(2 + RET_TOP_GAS));
    }
  });

  it('GASPRICE pushes the optional c.gasPrice (ReferenceCase), else 0; nothing is charged for it', async () => {
    const c = { ...parseCase({ code: '0x3a' + RET_TOP }), gasPrice: 10n };
    const r = await runReference(c);
    expect(r.output).toBe(word(10n));
    expect(r.gasUsed).toBe(String(2 + RET_TOP_GAS));
  });

  it('0x44 pushes prevRandao before the merge too (difficulty is set to it)', async () => {
    for (const fork of ['london', 'paris', 'cancun']) {
      const r = await run({ fork, code: '0x44' + RET_TOP, block: { prevRandao: '0x1234' } });
      expect(r.output, fork).toBe(word(0x1234n));
    }
  });

  it('BLOCKHASH always pushes 0 (mock blockchain hashes are zero; no EIP-7709)', async () => {
    for (const fork of ['london', 'cancun', 'prague', 'osaka']) {
      // PUSH1 1 NUMBER SUB BLOCKHASH
      const r = await run({ fork, code: '0x6001430340' + RET_TOP, block: { number: 100 } });
      expect(r.output, fork).toBe(word(0n));
      expect(r.gasUsed, fork).toBe(String(3 + 2 + 3 + 20 + RET_TOP_GAS));
    }
  });

  it('BLOBBASEFEE = fake_exponential(1, excessBlobGas, 3338477 | 5007716)', async () => {
    expect(fakeExponential(1n, 0n, 3338477n)).toBe(1n);
    const e = 10_000_000n;
    const c = await run({ fork: 'cancun', code: '0x4a' + RET_TOP, block: { excessBlobGas: e.toString() } });
    expect(c.output).toBe(word(19n)); // floor(e^(1e7/3338477)) by the Taylor series
    const p = await run({ fork: 'prague', code: '0x4a' + RET_TOP, block: { excessBlobGas: e.toString() } });
    expect(p.output).toBe(word(7n));
    expect(blobBaseFee('osaka', e)).toBe(7n);
    expect(() => blobBaseFee('cancun', 178n * 3338477n + 1n)).toThrow();
  });

  it('nothing is pre-warmed: self, caller, coinbase and precompiles are cold (2600) once, then warm (100)', async () => {
    // ADDRESS BALANCE POP, CALLER BALANCE POP, COINBASE BALANCE POP, then the same three again, STOP
    const r = await run({ code: '0x303150333150413150303150333150413150' + '00' });
    expect(r.gasUsed).toBe(String(3 * (2 + 2600 + 2) + 3 * (2 + 100 + 2)));
    // CALL identity (0x04) with no data: 6 pushes + GAS + CALL(cold 2600 + 15) + POP
    const c = await run({ code: '0x6000600060006000600060045af15000' });
    expect(c.gasUsed).toBe(String(6 * 3 + 2 + 2600 + 15 + 2));
    // Berlin is the first fork with EIP-2929; Istanbul charges BALANCE 700 flat
    expect((await run({ fork: 'istanbul', code: '0x30315000' })).gasUsed).toBe(String(2 + 700 + 2));
  });

  it('value transfer happens before execution; value > balance halts with 0 gas', async () => {
    const pre = { [CALLER]: { balance: '10' } };
    // CALLVALUE, SELFBALANCE
    expect((await run({ code: '0x34' + RET_TOP, value: '3', pre })).output).toBe(word(3n));
    expect((await run({ code: '0x47' + RET_TOP, value: '3', pre })).output).toBe(word(3n));
    const r = await run({ code: '0x47' + RET_TOP, value: '11', pre });
    expect(r).toMatchObject({ status: 'halt', error: 'insufficient balance', gasUsed: '0', output: '0x' });
  });

  it('execMs is the median over `repeat` fresh runs; results are unchanged', async () => {
    const c = parseCase({ code: '0x6001600055' });
    const r = await runReference(c, { repeat: 3 });
    expect(r.execMs).toBeGreaterThanOrEqual(0);
    expect(r.gasUsed).toBe('22106'); // a fresh state per run: the slot is cold and fresh every time
    expect(r.storage).toEqual({ [word(0n)]: word(1n) });
  });
});

describe('ethereumjs opcode table helpers', () => {
  it('reports availability and static base gas per fork', () => {
    expect(opcodeAvailable('london', 0x5f)).toBe(false);
    expect(opcodeAvailable('shanghai', 0x5f)).toBe(true);
    expect(baseGasOf('shanghai', 0x5f)).toBe(2);
    expect(baseGasOf('cancun', 0x01)).toBe(3);
    expect(baseGasOf('cancun', 0x5c)).toBe(100); // TLOAD (EIP-1153)
    expect(opcodeAvailable('berlin', 0x5c)).toBe(false);
    expect(opcodeAvailable('prague', 0x1e)).toBe(false); // CLZ is Osaka (EIP-7939)
    expect(baseGasOf('osaka', 0x1e)).toBe(5);
    expect(baseGasOf('chainstart', 0x54)).toBe(50); // SLOAD
    expect(baseGasOf('berlin', 0x54)).toBe(0); // cold/warm charged dynamically
    expect(opcodeAvailable('cancun', 0xfe)).toBe(false); // designated INVALID
    expect(ethereumjsOpcodeTable('cancun').get(0xfe)?.name).toBe('INVALID');
    expect(opcodeAvailable('cancun', 0x0c)).toBe(false);
    expect(baseGasOf('cancun', 0x0c)).toBeUndefined();
    expect(opcodeAvailable('chainstart', 0xf4)).toBe(false); // DELEGATECALL is Homestead
    expect(opcodeAvailable('homestead', 0xf4)).toBe(true);
  });
});

describe('shared benchmarks reproduce reference-results.ethereumjs.jsonl', () => {
  const shared = loadSharedBench();
  if (shared.missing !== undefined) {
    console.warn(`[reference] shared benchmarks skipped: ${shared.missing}`);
    it.skip(`shared bench absent (${sharedDir()})`, () => {});
    return;
  }
  const runAll = process.env.MEVMC_BENCH_ALL === '1';
  // one snailtracer always (the 17,730-byte build; ~5 s here), all heavy ones with MEVMC_BENCH_ALL=1
  const ONE_HEAVY = 'mega__snailtracer';
  const withExpected = shared.cases.filter((b) => b.expected !== undefined);
  const selected = withExpected.filter((b) => runAll || !b.heavy || b.case.id === ONE_HEAVY);
  const left = withExpected.length - selected.length;
  if (left > 0) console.warn(`[reference] ${left} heavy shared cases not run (set MEVMC_BENCH_ALL=1)`);

  it('loads every source and the expected ids', () => {
    const ids = new Set(shared.cases.map((b) => b.case.id));
    for (const id of [
      'revmc__fibonacci-calldata', 'revmc__factorial', 'revmc__hash_10k', 'revmc__snailtracer', 'revmc__erc20_transfer',
      'revmc__weth', 'revmc__bswap64', 'revmc__counter', 'evmb__main__blake2b_huff__empty',
      'evmb__main__sha1_divs__5311', 'evmb__main__snailtracer__benchmark', 'evmb__micro__signextend__one',
      'evmbench__snailtracer', 'evmbench__erc20.transfer', 'mega__fib_solidity__N1000', 'mega__snailtracer',
    ]) {
      expect(ids.has(id), id).toBe(true);
    }
    expect(withExpected.length).toBe(60);
  });

  for (const b of selected) {
    const timeout = b.heavy ? 180_000 : 30_000;
    it(`${b.name} (${b.case.id})`, { timeout }, async () => {
      const p = await prepareBenchCase(b);
      if (p.deploy?.expectedGas !== undefined) expect(p.deploy.gasUsed, 'constructor gas').toBe(p.deploy.expectedGas);
      const r = await runReference(p.case);
      const e = b.expected!;
      expect({ status: r.status, gasUsed: r.gasUsed }).toEqual({ status: e.status, gasUsed: e.gasUsed });
      if (e.outputTruncated) expect(outputMatches(e, r.output), 'output prefix and length').toBe(true);
      else expect(r.output).toBe(e.output);
      if (e.logs !== undefined) expect(r.logs.length).toBe(e.logs);
    });
  }
});
