/**
 * @file Differential tests, opcode by opcode: the compiled engine against @ethereumjs/evm.
 *
 * - Pure opcodes (arithmetic, comparison, bitwise, shifts, BYTE, SIGNEXTEND, EXP, CLZ) on every pair/triple of
 *   interesting operands, in three shapes that exercise different code paths of the compiler: operands read from
 *   calldata in a loop (run-time values), one operand constant and the other dynamic, and both operands constant
 *   (PUSH32 immediates, foldable at compile time). Main forks only (cancun, prague, osaka).
 * - Every defined opcode of every fork (all 19) in one program per fork, and every byte undefined in a fork
 *   halting exactly like the interpreter.
 * - Environment opcodes under a non-default block/caller/value/pre-state; memory at near and far offsets
 *   (including ≥ 2^64 and zero-length accesses at huge offsets); KECCAK256; copies beyond their source;
 *   RETURNDATACOPY bounds; every EIP-2200/2929/3529 SSTORE case with refunds; transient storage; LOG0–4;
 *   MCOPY overlaps; GAS, PC, MSIZE; BLOCKHASH, BLOBHASH, BLOBBASEFEE; CLZ (Osaka only).
 * - CALL*, CREATE*, SELFDESTRUCT run like the interpreter (more in calls.test.ts and creates.test.ts).
 *
 * Every expected value is the interpreter's, through `expectSame` (test/helpers/engines.ts).
 */
import { describe, expect, it } from 'vitest';
import { type ForkName, word } from '../../runtime/harness/case.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { Op, TRAITS, parseForkName, traitsIn } from '../../src/index.ts';
import { asm, op, push, push32 } from '../helpers/asm.ts';
import { ALL_FORKS, FORKS, MAX256, type SameOptions, UNSUPPORTED, expectAllSame, expectSame, loaderAt, mkCase, pow2, runOurs, same } from '../helpers/engines.ts';

// Per-test budget; the native engine (MEVMC_TEST_ENGINE=native) also runs clang for every new contract, cold.
const T = process.env.MEVMC_TEST_ENGINE === 'native' ? 600_000 : 60_000;
const fork = (name: ForkName) => parseForkName(name)!;
const hexWords = (xs: bigint[]): string => '0x' + xs.map((x) => word(x).slice(2)).join('');

// ---------------------------------------------------------------------------------------------
// Interesting operands
// ---------------------------------------------------------------------------------------------

const R1 = 0x0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0n;
const R2 = 0x80000000000000000000000000000000000000000000000000000000000000ffn;
/** Interesting 256-bit values: small, word/byte boundaries, 2^64±1, signed extremes, small negatives. */
const V: bigint[] = [
  0n, 1n, 2n, 3n, 7n, 31n, 32n, 0x7fn, 0x80n, 255n, 256n, 257n, 0x8000n,
  pow2(64) - 1n, pow2(64), pow2(64) + 1n, pow2(128), pow2(255) - 1n, pow2(255), pow2(255) + 1n,
  MAX256 - 2n, MAX256 - 1n, MAX256, R1, R2,
];
/** Subset for the all-constant shape (pairs) and the ternary operations. */
const VC: bigint[] = [0n, 1n, 2n, 31n, 32n, 255n, 256n, pow2(64), pow2(255), MAX256 - 1n, MAX256, R1];
const V3: bigint[] = [0n, 1n, 2n, 32n, pow2(64) + 1n, pow2(255), MAX256 - 1n, MAX256, R1, R2];
const VC3: bigint[] = [0n, 1n, 3n, pow2(255), MAX256, R1];

const PURE_OPS = TRAITS.map((t, b) => ({ t, b })).filter(({ t }) => t?.kind === 'pure' && t.name !== 'PC');

/**
 * A loop over calldata: for each group of k words, compute OP(w0, …, wk-1) (w0 on top of the stack) and store the
 * result at memory[32·i]; return all results. Compiled once per (op, fork); every operand is a run-time value.
 */
function loopProgram(opHex: string, k: number): string {
  const loads: string[] = [];
  for (let j = 0; j < k; j++) loads.push(`DUP${j + 1} PUSH ${32 * (k - 1 - j)} ADD CALLDATALOAD`);
  return asm(`
    PUSH 0
    loop: JUMPDEST
      DUP1 CALLDATASIZE GT ISZERO PUSH :end JUMPI
      ${loads.join(' ')}
      #${opHex}
      DUP2 PUSH ${k} SWAP1 DIV MSTORE
      PUSH ${32 * k} ADD PUSH :loop JUMP
    end: JUMPDEST POP
    PUSH ${k} CALLDATASIZE DIV PUSH 0 RETURN
  `);
}

/** Operand tuples: all combinations of `vals` of length k. */
function tuples(vals: bigint[], k: number): bigint[][] {
  if (k === 0) return [[]];
  return tuples(vals, k - 1).flatMap((t) => vals.map((v) => [...t, v]));
}

/** All-constant shape: PUSH32 operands, OP, MSTORE at 32·i. */
function constProgram(opHex: string, ts: bigint[][]): string {
  let src = '';
  ts.forEach((t, i) => {
    for (let j = t.length - 1; j >= 0; j--) src += push32(t[j]);
    src += opHex + push(32 * i) + op('MSTORE');
  });
  return '0x' + src + push(32 * ts.length) + push(0) + op('RETURN');
}

/** Half-constant shape: x = calldata word i; results OP(c, x) and OP(x, c) for every constant c. */
function halfConstProgram(opHex: string, consts: bigint[]): string {
  const per = 2 * consts.length;
  let body = '';
  consts.forEach((c, j) => {
    // stack: [i, x]. OP(c, x): c on top. Result slot = i/32·per·32 + 32·(2j) → base + 64j.
    body += `DUP1 PUSH32 ${c} #${opHex} DUP3 PUSH ${per} MUL PUSH ${64 * j} ADD MSTORE `;
    body += `PUSH32 ${c} DUP2 #${opHex} DUP3 PUSH ${per} MUL PUSH ${64 * j + 32} ADD MSTORE `;
  });
  return asm(`
    PUSH 0
    loop: JUMPDEST
      DUP1 CALLDATASIZE GT ISZERO PUSH :end JUMPI
      DUP1 CALLDATALOAD
      ${body}
      POP PUSH 32 ADD PUSH :loop JUMP
    end: JUMPDEST POP
    PUSH ${per} CALLDATASIZE MUL PUSH 0 RETURN
  `);
}

describe('pure opcodes on interesting operands (main forks)', () => {
  for (const { t, b } of PURE_OPS) {
    const opHex = b.toString(16).padStart(2, '0');
    const k = t!.pops;
    it(`${t!.name}`, async () => {
      const all = tuples(k === 3 ? V3 : V, k);
      const consts = k === 1 ? tuples(V, 1) : tuples(k === 3 ? VC3 : VC, k);
      // Every main fork with the engine's default loader, and Cancun once more compiled with binaryen -O2.
      const runs: Array<[ForkName, SameOptions]> = [...FORKS.map((f): [ForkName, SameOptions] => [f, {}]), ['cancun', { loader: loaderAt(2) }]];
      for (const [f, o] of runs) {
        const tag = o.loader ? ' -O2' : '';
        // Run-time operands (calldata loop).
        await expectSame(mkCase({ fork: f, code: loopProgram(opHex, k), calldata: hexWords(all.flat()), gas: '30000000' }), { ...o, note: `${t!.name} loop${tag}` });
        // Compile-time operands.
        await expectSame(mkCase({ fork: f, code: constProgram(opHex, consts), gas: '30000000' }), { ...o, note: `${t!.name} const${tag}` });
        // One constant operand, one run-time operand.
        if (k === 2) {
          await expectSame(mkCase({ fork: f, code: halfConstProgram(opHex, VC), calldata: hexWords(V), gas: '30000000' }), { ...o, note: `${t!.name} half-const${tag}` });
        }
      }
    }, T);
  }

  it('every fork (cheap pass): all pure opcodes of the fork on all pairs of a smaller operand set, in one program', async () => {
    for (const f of ALL_FORKS) {
      const ops = PURE_OPS.filter(({ b }) => traitsIn(b, fork(f)) !== undefined);
      const n = ops.length;
      // Stack in the loop body: [i, b, a]; results of pair i/64 at (i/64)·n·32 + 32·j.
      const body = ops.map(({ t, b }, j) => {
        const args = t!.pops === 1 ? 'DUP1' : t!.pops === 2 ? 'DUP2 DUP2' : 'DUP2 DUP2 DUP3';
        return `${args} #${b.toString(16).padStart(2, '0')} DUP4 PUSH ${n} MUL PUSH 2 SWAP1 DIV PUSH ${32 * j} ADD MSTORE`;
      }).join(' ');
      const code = asm(`
        PUSH 0
        loop: JUMPDEST
          DUP1 CALLDATASIZE GT ISZERO PUSH :end JUMPI
          DUP1 PUSH 32 ADD CALLDATALOAD DUP2 CALLDATALOAD
          ${body}
          POP POP PUSH 64 ADD PUSH :loop JUMP
        end: JUMPDEST POP
        CALLDATASIZE PUSH ${n} MUL PUSH 2 SWAP1 DIV PUSH 0 RETURN`);
      await same({ fork: f, code, calldata: hexWords(tuples(VC, 2).flat()), gas: '30000000' }, { note: `${n} pure ops` });
    }
  }, T);

  it('results of chained pure operations stay exact (constant-folded and run-time chains agree)', async () => {
    // (((x + y) * y) / 3) % 7, sdiv/smod with negatives, exp, shifts: once from constants, once from calldata.
    const chain = 'ADD DUP2 MUL PUSH 3 SWAP1 DIV PUSH 7 SWAP1 MOD DUP2 SDIV DUP2 SMOD DUP2 SAR DUP2 SHL DUP2 SHR DUP2 SIGNEXTEND PUSH 2 EXP PUSH 3 PUSH 5 ADDMOD PUSH 11 DUP3 MULMOD';
    for (const f of FORKS) {
      for (const [x, y] of [[MAX256, 5n], [pow2(255), MAX256], [R1, R2], [3n, 0n], [pow2(64) + 1n, 257n]]) {
        await same({ fork: f, code: asm(`PUSH32 ${y} PUSH32 ${x} ${chain} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`) });
        await same({ fork: f, code: asm(`PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD ${chain} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`), calldata: hexWords([x, y]) });
      }
    }
  }, T);
});

// ---------------------------------------------------------------------------------------------
// Every opcode of every fork
// ---------------------------------------------------------------------------------------------

const CALL_OPS = new Set<number>([Op.CALL, Op.CALLCODE, Op.DELEGATECALL, Op.STATICCALL, Op.CREATE, Op.CREATE2, Op.SELFDESTRUCT]);

/**
 * One program running every non-terminating, non-call opcode defined in `f` with small operands, storing every
 * pushed value at 0x1000 + 32·i. JUMPI runs untaken; RETURNDATACOPY copies nothing.
 */
function everyOpProgram(f: ForkName): string {
  const fk = fork(f);
  let src = '';
  let slot = 0;
  for (let b = 0; b < 256; b++) {
    const t = traitsIn(b, fk);
    if (!t || t.terminates || CALL_OPS.has(b)) continue;
    let operands: bigint[] = Array.from({ length: t.pops }, (_, i) => BigInt(((b * 7 + i * 13) % 40) + 1));
    if (b === Op.JUMPI) operands = [3n, 0n];
    if (b === Op.RETURNDATACOPY) operands = [5n, 0n, 0n];
    for (let i = operands.length - 1; i >= 0; i--) src += push(operands[i]);
    src += t.imm > 0 ? push((BigInt(b) * 0x0101n) % pow2(8 * t.imm), t.imm) : b.toString(16).padStart(2, '0');
    for (let i = 0; i < t.pushes; i++) src += push(0x1000 + 32 * slot++) + op('MSTORE');
  }
  return '0x' + src + push(32 * slot) + push(0x1000) + op('RETURN');
}

describe('every opcode of every fork', () => {
  for (const f of ALL_FORKS) {
    it(`${f}: every defined opcode in one program`, async () => {
      const pre = { '0x0000000000000000000000000000000000000011': { balance: '7', code: '0x6001' } };
      await same({ fork: f, code: everyOpProgram(f), calldata: '0x' + 'a5'.repeat(50), value: '0', pre }, { note: 'every-op' });
    }, T);
  }

  /** Bytes whose definedness differs between forks, plus some never defined (cheap pass on the other forks). */
  const FORK_DEPENDENT = [...Array(256).keys()].filter((b) => ALL_FORKS.some((f) => !!traitsIn(b, fork(f)) !== !!traitsIn(b, fork('osaka'))));
  const NEVER = [0x0c, 0x0f, 0x1f, 0x21, 0x2f, 0x4b, 0x4f, 0xa5, 0xb0, 0xd0, 0xe0, 0xef, 0xf6, 0xfb, 0xfc];
  const undefinedIn = (f: ForkName, bytes: number[]) => bytes.filter((b) => !traitsIn(b, fork(f)) || b === Op.INVALID);

  for (const f of ALL_FORKS) {
    const main = (FORKS as readonly string[]).includes(f);
    const bytes = main ? undefinedIn(f, [...Array(256).keys()]) : undefinedIn(f, [...FORK_DEPENDENT, ...NEVER, Op.INVALID]);
    it(`${f}: ${bytes.length} undefined bytes (and 0xFE) halt like the interpreter${main ? ' (all of them)' : ''}`, async () => {
      for (const b of bytes) {
        const hx = b.toString(16).padStart(2, '0');
        // The stack holds enough items for any arity; the halt must consume all gas and leave no state.
        await same({ fork: f, code: `0x600160005560016002600360046005600660076008${hx}00`, gas: '100000' }, { note: `byte 0x${hx}` });
      }
    }, T);
  }

  it('a defined opcode that only exists from a later fork halts before it (SHL before Constantinople, PUSH0 before Shanghai, TLOAD before Cancun, CLZ before Osaka)', async () => {
    for (const [src, from] of [['PUSH 1 PUSH 1 SHL', 'constantinople'], ['PUSH0', 'shanghai'], ['PUSH 1 TLOAD', 'cancun'], ['PUSH 1 CLZ', 'osaka']] as const) {
      for (const f of ALL_FORKS) {
        const r = await same({ fork: f, code: asm(`${src} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`), gas: '50000' });
        expect(r.ref.status, `${src} on ${f}`).toBe(ALL_FORKS.indexOf(f) >= ALL_FORKS.indexOf(from) ? 'success' : 'halt');
      }
    }
  }, T);
});

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

const CALLER = '0xfffffffffffffffffffffffffffffffffffffffe';
const SELF = '0x00000000000000000000000000000000deadbeef';
const OTHER = '0x1111111111111111111111111111111111111111';
const EMPTY = '0x2222222222222222222222222222222222222222';
const ABSENT = '0x3333333333333333333333333333333333333333';
const COINBASE = '0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0';
const OTHER_CODE = '0x' + Array.from({ length: 77 }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0')).join('');
const CALLDATA = '0x' + Array.from({ length: 70 }, (_, i) => ((i * 29 + 3) & 0xff).toString(16).padStart(2, '0')).join('');
const ENV = {
  caller: CALLER,
  address: SELF,
  value: '123456789',
  calldata: CALLDATA,
  pre: {
    [CALLER]: { balance: String(10n ** 24n), nonce: '5' },
    [SELF]: { balance: '1000', storage: { '0x1': '0x11', '0x2': '0x22' } },
    [OTHER]: { balance: String(pow2(200) + 3n), nonce: '3', code: OTHER_CODE, storage: { '0x1': '0x99' } },
    [EMPTY]: { balance: '0' },
    [COINBASE]: { balance: '42' },
  },
  block: {
    number: '1000', timestamp: '1700000000', coinbase: COINBASE, gasLimit: '45000000', baseFee: '1000000007',
    prevRandao: '0x' + 'ab'.repeat(31) + 'cd', chainId: String(pow2(64) + 5n), excessBlobGas: '10000000',
  },
};

/** A program that evaluates each snippet (each leaves one word) and returns the words, stored from `base`. */
function dump(snippets: string[], base = 0): string {
  const body = snippets.map((s, i) => `${s} PUSH ${base + 32 * i} MSTORE`).join('\n');
  return asm(`${body} PUSH ${32 * snippets.length} PUSH ${base} RETURN`);
}
const addrs = [SELF, CALLER, OTHER, EMPTY, ABSENT, COINBASE, ...[0x01, 0x04, 0x0a, 0x0b, 0x11, 0x100].map((a) => '0x' + a.toString(16).padStart(40, '0'))];

describe('environment opcodes (non-default block, caller, value, pre-state)', () => {
  const envSnippets = [
    'ADDRESS', 'ORIGIN', 'CALLER', 'CALLVALUE', 'CALLDATASIZE', 'CODESIZE', 'GASPRICE', 'COINBASE', 'TIMESTAMP', 'NUMBER',
    'PREVRANDAO', 'GASLIMIT', 'CHAINID', 'SELFBALANCE', 'BASEFEE', 'BLOBBASEFEE', 'RETURNDATASIZE', 'MSIZE', 'PC',
  ];
  it('block and message fields', async () => {
    for (const f of FORKS) {
      await same({ ...ENV, fork: f, code: dump(envSnippets) });
      // Same program with every default (cached compilation, different environment).
      await same({ fork: f, code: dump(envSnippets) });
    }
  }, T);

  it('BALANCE, EXTCODESIZE, EXTCODEHASH: cold then warm, existing/empty/absent accounts, self, caller, coinbase, precompiles', async () => {
    const snippets = addrs.flatMap((a) => [`PUSH20 ${a} BALANCE`, `PUSH20 ${a} EXTCODESIZE`, `PUSH20 ${a} EXTCODEHASH`, `PUSH20 ${a} BALANCE`]);
    // Addresses given with dirty high bits: only the low 160 bits count.
    snippets.push(`PUSH32 ${(MAX256 << 160n) & MAX256 | BigInt(OTHER)} BALANCE`, `PUSH32 ${MAX256} EXTCODESIZE`);
    for (const f of FORKS) await same({ ...ENV, fork: f, code: dump(snippets) });
  }, T);

  it('CALLDATALOAD at every edge (inside, straddling the end, beyond, ≥ 2^64, 2^256−1)', async () => {
    const offs = [0n, 1n, 31n, 32n, 38n, 39n, 60n, 69n, 70n, 71n, 1000n, pow2(32), pow2(64) - 1n, pow2(64), pow2(64) + 1n, pow2(255), MAX256];
    for (const f of FORKS) {
      await same({ ...ENV, fork: f, code: dump(offs.map((o) => `PUSH32 ${o} CALLDATALOAD`)) });
      await same({ ...ENV, calldata: '0x', fork: f, code: dump(offs.map((o) => `PUSH32 ${o} CALLDATALOAD`)) });
      // The offset as a run-time value.
      await same({ ...ENV, fork: f, code: dump(offs.map((o) => `PUSH32 ${o} PUSH 0 CALLDATALOAD PUSH 0 MUL ADD CALLDATALOAD`)) });
    }
  }, T);

  it('BLOCKHASH over the 256-block window, BLOBHASH indexes, BLOBBASEFEE for several excess blob gas values', async () => {
    const nums = [0n, 1n, 743n, 744n, 745n, 999n, 1000n, 1001n, pow2(64) + 999n, MAX256];
    for (const f of FORKS) {
      await same({ ...ENV, fork: f, code: dump([...nums.map((n) => `PUSH32 ${n} BLOCKHASH`), 'PUSH 0 BLOBHASH', 'PUSH 1 BLOBHASH', `PUSH32 ${MAX256} BLOBHASH`]) });
      for (const excess of ['0', '1', '3338477', '100000000', String(3338477n * 120n)]) {
        await same({ ...ENV, fork: f, code: dump(['BLOBBASEFEE']), block: { ...ENV.block, excessBlobGas: excess } });
      }
    }
    // Before Cancun BLOBHASH/BLOBBASEFEE do not exist.
    for (const f of ['shanghai', 'london'] as const) await same({ ...ENV, fork: f, code: dump(['BLOBBASEFEE']) });
  }, T);

  it('value transfer: SELFBALANCE/BALANCE see the credited value; insufficient balance and empty code', async () => {
    for (const f of FORKS) {
      await same({ ...ENV, fork: f, code: dump(['SELFBALANCE', `PUSH20 ${CALLER} BALANCE`, `PUSH20 ${SELF} BALANCE`]) });
      await same({ ...ENV, fork: f, value: String(10n ** 25n), code: dump(['SELFBALANCE']) });
      await same({ ...ENV, fork: f, code: '0x' });
    }
  }, T);

  // Regression: runOnce computed the callee's new balance before debiting the caller, so a call to oneself with
  // value created money (and could report 'value overflow' where ethereumjs succeeds).
  it('a call from an account to itself with value: the balance is unchanged', async () => {
    const rich = { ...ENV.pre, [SELF]: { ...ENV.pre[SELF], balance: '1000000000000' } };
    const snippets = ['SELFBALANCE', 'CALLER', 'ORIGIN', 'ADDRESS', `PUSH20 ${SELF} BALANCE`, 'CALLVALUE'];
    const r = await same({ ...ENV, pre: rich, fork: 'cancun', caller: SELF, code: dump(snippets) }, { quiet: true });
    expect(r.ref.status).toBe('success');
    const full = { ...ENV.pre, [SELF]: { ...ENV.pre[SELF], balance: String(MAX256 - 5n) } };
    await same({ ...ENV, pre: full, fork: 'cancun', caller: SELF, code: dump(snippets) }, { quiet: true });
  }, T);

  const efSnippets = (a: string) => [`PUSH20 ${a} EXTCODESIZE`, `PUSH20 ${a} EXTCODEHASH`, `PUSH 32 PUSH 0 PUSH 0x400 PUSH20 ${a} EXTCODECOPY PUSH 0x400 MLOAD`];

  it('EXTCODEHASH/EXTCODESIZE/EXTCODECOPY of an EIP-7702 delegation designator (0xef0100 ‖ address)', async () => {
    const deleg = '0x5555555555555555555555555555555555555555';
    const pre = { ...ENV.pre, [deleg]: { balance: '1', code: '0xef0100' + OTHER.slice(2) } };
    for (const f of FORKS) await same({ ...ENV, pre, fork: f, code: dump(efSnippets(deleg), 0x800) });
  }, T);

  // KNOWN DIVERGENCE (reported): for an account whose code starts with the EOF magic 0xEF00, @ethereumjs/evm 10.1.3
  // answers EXTCODESIZE = 2, EXTCODEHASH = keccak256(0xEF00) and EXTCODECOPY copies 0xEF00 (opcodes/functions.js
  // `isEOF(code)`), on every fork, although no fork in FORK_NAMES activates EOF; mevmc reports the real code. Such
  // code cannot be deployed since London (EIP-3541), so only a hand-made pre-state shows it. Flip to `it` once the
  // project decides which answer it wants.
  it.fails('EXTCODE* of EOF-magic (0xEF00…) code in the pre-state: ethereumjs applies EOF rules (known divergence)', async () => {
    const eof = '0x4444444444444444444444444444444444444444';
    const pre = { ...ENV.pre, [eof]: { balance: '1', code: '0xef0001010004020001000100' } };
    await same({ ...ENV, pre, fork: 'cancun', code: dump(efSnippets(eof), 0x800) }, { quiet: true });
  }, T);
});

// ---------------------------------------------------------------------------------------------
// Memory, KECCAK256, copies
// ---------------------------------------------------------------------------------------------

describe('memory', () => {
  it('MSTORE/MSTORE8/MLOAD at near offsets, unaligned, and far (1 MiB) offsets; MSIZE after each', async () => {
    const offs = [0n, 1n, 31n, 32n, 33n, 0x3ffn, 0xffffn, pow2(20), pow2(20) + 7n];
    const snippets = offs.flatMap((o) => [
      `PUSH32 ${R1} PUSH32 ${o} MSTORE PUSH32 ${o} MLOAD`, 'MSIZE',
      `PUSH 0x1ff PUSH32 ${o + 5n} MSTORE8 PUSH32 ${o} MLOAD`, 'MSIZE', `PUSH32 ${o + 100n} MLOAD`, 'MSIZE',
    ]);
    for (const f of FORKS) await same({ fork: f, code: dump(snippets, 0x200), gas: '30000000' });
  }, T);

  /** Accesses of every memory-touching opcode at offset (or length) `o`. */
  const farAccesses = (o: bigint) => [
    `PUSH 1 PUSH32 ${o} MSTORE`, `PUSH32 ${o} MLOAD`, `PUSH 1 PUSH32 ${o} MSTORE8`, `PUSH32 ${o} PUSH 0 KECCAK256`, `PUSH 32 PUSH32 ${o} KECCAK256`,
    `PUSH32 ${o} PUSH 0 PUSH 0 CALLDATACOPY`, `PUSH 32 PUSH 0 PUSH32 ${o} CALLDATACOPY`, `PUSH32 ${o} PUSH 0 PUSH 0 CODECOPY`,
    `PUSH 1 PUSH 0 PUSH32 ${o} CODECOPY`, `PUSH32 ${o} PUSH 0 RETURN`, `PUSH 32 PUSH32 ${o} RETURN`, `PUSH 1 PUSH32 ${o} REVERT`,
    `PUSH32 ${o} PUSH 0 LOG0`, `PUSH 32 PUSH32 ${o} LOG0`, `PUSH32 ${o} PUSH 0 PUSH 0 MCOPY`, `PUSH 1 PUSH32 ${o} PUSH 0 MCOPY`,
    `PUSH 32 PUSH 0 PUSH32 ${o} MCOPY`, `PUSH 32 PUSH 0 PUSH32 ${o} PUSH 0 EXTCODECOPY`,
  ];

  it('offsets or lengths ≥ 2^32, ≥ 2^64, 2^256−1: out of gas exactly like the interpreter', async () => {
    // Offsets within 32 bytes below 2^64 are in the known-bug test below.
    const far = [pow2(32), pow2(32) - 32n, pow2(64) - 64n, pow2(64), pow2(64) + 32n, pow2(255), MAX256 - 31n, MAX256];
    for (const f of FORKS) {
      for (const p of far.flatMap(farAccesses)) {
        const r = await same({ fork: f, code: asm(`${p} STOP`), gas: '5000000' });
        expect(r.ref.status, p).toBe('halt');
      }
      // The same words as addresses: only the low 160 bits count (no halt).
      for (const o of far) await same({ fork: f, code: asm(`PUSH 32 PUSH 0 PUSH 0 PUSH32 ${o} EXTCODECOPY PUSH32 ${o} BALANCE PUSH32 ${o} EXTCODEHASH STOP`) });
    }
  }, T);

  // Regression: the inline memory fast path for constant lengths ≤ 32 added offset + length in i64, which wrapped for
  // offsets in [2^64 − len, 2^64) and skipped expansion and gas: e.g. cancun `PUSH1 1 PUSH32 0xffffffffffffffe0
  // MSTORE STOP` must run out of gas.
  it('offset + length wrapping 2^64 (offset in [2^64−32, 2^64)): out of gas like the interpreter', async () => {
    const cases = [pow2(64) - 32n, pow2(64) - 31n, pow2(64) - 1n].flatMap(farAccesses).map((p) => mkCase({ fork: 'cancun', code: asm(`${p} STOP`), gas: '5000000' }));
    // Also with the offset only known at run time.
    cases.push(mkCase({ fork: 'cancun', code: asm('PUSH 1 PUSH 0 CALLDATALOAD MSTORE STOP'), calldata: hexWords([pow2(64) - 32n]), gas: '5000000' }));
    // With 1 KiB of memory already in use.
    cases.push(mkCase({ fork: 'cancun', code: asm(`PUSH 1 PUSH 1000 MSTORE PUSH 1 PUSH32 ${pow2(64) - 5n} MSTORE PUSH32 ${pow2(64) - 9n} MLOAD STOP`), gas: '5000000' }));
    await expectAllSame(cases, { quiet: true });
  }, T);

  it('a 32 MiB expansion with enough gas succeeds and costs the same', async () => {
    await same({ fork: 'cancun', code: asm(`PUSH 1 PUSH ${pow2(25)} MSTORE MSIZE PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`), gas: '3000000000' });
  }, T);

  it('zero-length accesses at huge offsets do not expand memory', async () => {
    const huge = [pow2(64), pow2(255), MAX256];
    for (const f of FORKS) {
      const snippets = huge.flatMap((o) => [
        `PUSH 0 PUSH32 ${o} KECCAK256`, 'MSIZE',
        `PUSH 0 PUSH 0 PUSH32 ${o} CALLDATACOPY MSIZE`, `PUSH 0 PUSH32 ${o} PUSH32 ${o} CODECOPY MSIZE`,
        `PUSH 0 PUSH32 ${o} PUSH 0 CALLDATACOPY MSIZE`, `PUSH 0 PUSH32 ${o} PUSH32 ${o} MCOPY MSIZE`,
        `PUSH 0 PUSH32 ${o} LOG0 MSIZE`, `PUSH 0 PUSH32 ${o} PUSH32 ${o} PUSH20 ${OTHER} EXTCODECOPY MSIZE`,
        `PUSH 0 PUSH 0 PUSH32 ${o} RETURNDATACOPY MSIZE`,
      ]);
      await same({ ...ENV, fork: f, code: dump(snippets, 0x40) });
      for (const o of huge) {
        await same({ fork: f, code: asm(`PUSH 0 PUSH32 ${o} RETURN`) });
        await same({ fork: f, code: asm(`PUSH 0 PUSH32 ${o} REVERT`) });
      }
    }
  }, T);

  it('KECCAK256 of many lengths and offsets over code-filled memory', async () => {
    const lens = [0n, 1n, 31n, 32n, 33n, 64n, 135n, 136n, 137n, 200n, 272n, 1000n];
    const snippets = ['CODESIZE PUSH 0 PUSH 0 CODECOPY PUSH 0'];
    for (const l of lens) for (const o of [0n, 3n, 100n, 2000n]) snippets.push(`PUSH ${l} PUSH ${o} KECCAK256`);
    snippets.push('MSIZE');
    for (const f of FORKS) await same({ fork: f, code: dump(snippets, 0x1000) });
  }, T);

  it('CALLDATACOPY, CODECOPY, EXTCODECOPY with sources partly or wholly beyond their end (zero padding)', async () => {
    const srcs: Array<[bigint, bigint]> = [[0n, 32n], [60n, 40n], [69n, 1n], [70n, 33n], [1000n, 64n], [pow2(64), 32n], [pow2(64) + 1n, 5n], [MAX256, 40n], [MAX256 - 3n, 10n], [0n, 300n]];
    const snippets: string[] = [];
    for (const [o, l] of srcs) {
      const calls = [
        `PUSH ${l} PUSH32 ${o} PUSH 0x101 CALLDATACOPY`,
        `PUSH ${l} PUSH32 ${o} PUSH 0x101 CODECOPY`,
        `PUSH ${l} PUSH32 ${o} PUSH 0x101 PUSH20 ${OTHER} EXTCODECOPY`,
        `PUSH ${l} PUSH32 ${o} PUSH 0x101 PUSH20 ${ABSENT} EXTCODECOPY`,
      ];
      for (const call of calls) {
        // Pre-fill the target with non-zero bytes so that padding is visible.
        snippets.push(`PUSH32 ${MAX256} DUP1 DUP1 DUP1 DUP1 DUP1 DUP1 DUP1 DUP1 DUP1 DUP1 ${Array.from({ length: 11 }, (_, i) => `PUSH ${0x100 + 32 * i} MSTORE`).join(' ')} ${call} PUSH 0x101 MLOAD`);
        snippets.push(`PUSH ${0x101 + 32} MLOAD`);
        snippets.push(`PUSH ${0x101 + 288} MLOAD`);
      }
    }
    for (const f of FORKS) await same({ ...ENV, fork: f, code: dump(snippets, 0x1000) });
  }, T);

  it('RETURNDATACOPY: empty return data, in and out of bounds', async () => {
    const cases: Array<[bigint, bigint, bigint]> = [[0n, 0n, 0n], [MAX256, 0n, 0n], [0n, 0n, 1n], [0n, 1n, 0n], [0n, MAX256, 0n], [0n, pow2(64), 0n], [0n, MAX256, 1n], [0n, 1n, MAX256]];
    for (const f of ['byzantium', ...FORKS] as const) {
      for (const [d, o, l] of cases) await same({ fork: f, code: asm(`PUSH32 ${l} PUSH32 ${o} PUSH32 ${d} RETURNDATACOPY RETURNDATASIZE PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`) });
    }
  }, T);

  it('MCOPY: forward and backward overlaps, in place, expansion by source and by destination', async () => {
    const init = Array.from({ length: 6 }, (_, i) => `PUSH32 ${R1 ^ BigInt(i * 0x1111)} PUSH ${32 * i} MSTORE`).join(' ');
    const copies: Array<[number, number, number]> = [[5, 0, 60], [0, 5, 60], [7, 7, 33], [1, 0, 191], [0, 1, 191], [33, 1, 31], [200, 0, 0], [0, 1000, 64], [1000, 0, 64], [64, 32, 96], [32, 64, 96]];
    for (const f of FORKS) {
      for (const [d, s, l] of copies) {
        await same({ fork: f, code: asm(`${init} PUSH ${l} PUSH ${s} PUSH ${d} MCOPY MSIZE PUSH 0x800 MSTORE PUSH 0x820 PUSH 0 RETURN`) });
      }
      // Operands at run time.
      await same({ fork: f, code: asm(`${init} PUSH 64 CALLDATALOAD PUSH 32 CALLDATALOAD PUSH 0 CALLDATALOAD MCOPY MSIZE PUSH 0x800 MSTORE PUSH 0x820 PUSH 0 RETURN`), calldata: hexWords([3n, 1n, 150n]) });
    }
  }, T);
});

// ---------------------------------------------------------------------------------------------
// Storage and transient storage
// ---------------------------------------------------------------------------------------------

const SLOT = 5n;
/** Program: SSTORE each value of `writes` to `slot` in turn, then return SLOAD(slot). */
const sstoreSeq = (writes: bigint[], slot = SLOT): string =>
  writes.map((w) => `PUSH ${w} PUSH ${slot} SSTORE`).join(' ');

describe('SSTORE: every EIP-2200/2929/3529 case with refunds', () => {
  // Original value o ∈ {0, 1}; writes from {0, 1, 2}: covers no-op, set, reset, clear, restore (to 0 and to
  // non-zero), clear-then-set, dirty writes; the cold/warm first access comes with each sequence.
  const seqs: bigint[][] = [];
  for (const n of [1, 2, 3]) seqs.push(...tuples([0n, 1n, 2n], n));
  const originals = [0n, 1n];

  it(`main forks: ${seqs.length * originals.length} sequences, each its own program`, async () => {
    for (const f of FORKS) {
      for (const o of originals) {
        for (const s of seqs) {
          const code = asm(`${sstoreSeq(s)} PUSH ${SLOT} SLOAD PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
          const r = await same({ fork: f, code, pre: { '0x2000000000000000000000000000000000000002': { storage: { [String(SLOT)]: String(o) } } } }, { note: `orig ${o} writes ${s}` });
          expect(r.ref.status).toBe('success');
        }
      }
    }
  }, T);

  it('every fork: all sequences of up to two writes in one program (one slot per sequence)', async () => {
    const short = seqs.filter((s) => s.length <= 2);
    for (const f of ALL_FORKS) {
      const storage: Record<string, string> = {};
      let src = '';
      let slot = 0x100n;
      for (const o of originals) {
        for (const s of short) {
          if (o !== 0n) storage[String(slot)] = String(o);
          src += sstoreSeq(s, slot) + ` PUSH ${slot} SLOAD POP `;
          slot++;
        }
      }
      await same({ fork: f, code: asm(src + ' STOP'), pre: { '0x2000000000000000000000000000000000000002': { storage } } });
    }
  }, T);

  it('SLOAD cold then warm, of set, absent and pre-state slots; storage of other slots is preserved', async () => {
    const snippets = ['PUSH 1 SLOAD', 'PUSH 1 SLOAD', 'PUSH 9 SLOAD', `PUSH32 ${MAX256} SLOAD`, 'PUSH 7 PUSH 3 SSTORE PUSH 3 SLOAD', 'GAS'];
    for (const f of [...FORKS, 'istanbul', 'berlin', 'london'] as const) await same({ ...ENV, fork: f, code: dump(snippets) });
  }, T);

  it('a reverted call discards storage writes and refunds; a halted one too', async () => {
    const pre = { '0x2000000000000000000000000000000000000002': { storage: { '0x5': '0x1' } } };
    for (const f of FORKS) {
      await same({ fork: f, code: asm('PUSH 0 PUSH 5 SSTORE PUSH 9 PUSH 6 SSTORE PUSH 0 PUSH 0 REVERT'), pre });
      await same({ fork: f, code: asm('PUSH 0 PUSH 5 SSTORE PUSH 9 PUSH 6 SSTORE INVALID'), pre });
      await same({ fork: f, code: asm('PUSH 0 PUSH 5 SSTORE PUSH 9 PUSH 6 SSTORE STOP'), pre });
    }
  }, T);
});

describe('transient storage (EIP-1153)', () => {
  it('TSTORE/TLOAD sequences; transient values never reach storage; TLOAD of untouched slots is 0', async () => {
    const snippets = [
      'PUSH 1 TLOAD', `PUSH32 ${R1} PUSH 1 TSTORE PUSH 1 TLOAD`, 'PUSH 1 SLOAD', `PUSH 5 PUSH32 ${MAX256} TSTORE PUSH32 ${MAX256} TLOAD`,
      'PUSH 0 PUSH 1 TSTORE PUSH 1 TLOAD', 'PUSH 2 TLOAD', 'PUSH 3 PUSH 1 TSTORE PUSH 1 TLOAD', 'GAS',
    ];
    for (const f of FORKS) {
      await same({ fork: f, code: dump(snippets) });
      await same({ fork: f, code: asm('PUSH 7 PUSH 1 TSTORE PUSH 1 TLOAD PUSH 1 SSTORE PUSH 0 PUSH 0 REVERT') });
    }
  }, T);
});

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

describe('LOG0–LOG4', () => {
  it('topics from interesting values, data at various offsets and lengths (with expansion)', async () => {
    const init = `CODESIZE PUSH 0 PUSH 0 CODECOPY`;
    const ranges: Array<[bigint, bigint]> = [[0n, 0n], [0n, 32n], [5n, 37n], [100n, 1n], [3000n, 64n], [MAX256, 0n]];
    for (const f of FORKS) {
      let src = init;
      for (let n = 0; n <= 4; n++) {
        for (const [o, l] of ranges) {
          const topics = Array.from({ length: n }, (_, i) => V[(n * 5 + i * 7 + Number(o % 13n)) % V.length]);
          src += ' ' + topics.map((t) => `PUSH32 ${t}`).join(' ') + ` PUSH32 ${l} PUSH32 ${o} LOG${n}`;
        }
      }
      await same({ fork: f, code: asm(`${src} MSIZE PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`) });
      // Logs of a reverted call are dropped.
      await same({ fork: f, code: asm(`PUSH 1 PUSH 2 PUSH 32 PUSH 0 LOG2 PUSH 0 PUSH 0 REVERT`) });
    }
  }, T);
});

// ---------------------------------------------------------------------------------------------
// GAS, PC, MSIZE, CLZ
// ---------------------------------------------------------------------------------------------

describe('GAS, PC, MSIZE, CLZ', () => {
  it('GAS after static, memory and storage costs; PC at several positions; MSIZE growth', async () => {
    const snippets = ['GAS', 'PC', 'MSIZE', 'PUSH 1 PUSH 100 MSTORE GAS', 'MSIZE', 'PC', 'PUSH 1 PUSH 1 SSTORE GAS', 'PUSH 2 PUSH 2 EXP GAS',
      `PUSH 2 PUSH32 ${MAX256} EXP POP GAS`, 'PUSH 1 SLOAD POP GAS', 'JUMPDEST PC', 'MSIZE'];
    for (const f of FORKS) {
      for (const gas of ['10000000', '123457', '30000']) await same({ fork: f, code: dump(snippets, 0x200), gas });
    }
  }, T);

  it('CLZ on every interesting value (Osaka only; undefined before)', async () => {
    const snippets = V.map((v) => `PUSH32 ${v} CLZ`);
    for (const f of ['prague', 'osaka'] as const) await same({ fork: f, code: dump(snippets) });
    await same({ fork: 'osaka', code: dump(V.map((_, i) => `PUSH ${32 * i} CALLDATALOAD CLZ`)), calldata: hexWords(V) });
  }, T);
});

// ---------------------------------------------------------------------------------------------
// CALL*, CREATE*, SELFDESTRUCT (not supported yet)
// ---------------------------------------------------------------------------------------------

describe('CALL*, CREATE*, SELFDESTRUCT', () => {
  const progs: Array<[string, string]> = [
    ['CALL', `PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${OTHER} PUSH 50000 CALL`],
    ['CALLCODE', `PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${OTHER} PUSH 50000 CALLCODE`],
    ['DELEGATECALL', `PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${OTHER} PUSH 50000 DELEGATECALL`],
    ['STATICCALL', `PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${OTHER} PUSH 50000 STATICCALL`],
    ['CREATE', 'PUSH 0 PUSH 0 PUSH 0 CREATE'],
    ['CREATE2', 'PUSH 0 PUSH 0 PUSH 0 PUSH 0 CREATE2'],
    ['SELFDESTRUCT', `PUSH20 ${OTHER} SELFDESTRUCT`],
  ];
  it('every one runs like the interpreter (more in calls.test.ts)', async () => {
    for (const f of FORKS) {
      for (const [name, p] of progs) {
        await same({ ...ENV, fork: f, code: asm(`PUSH 1 PUSH 1 SSTORE ${p} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`) }, { note: name });
      }
    }
  }, T);

  it('code that contains them but does not reach them runs like the interpreter', async () => {
    for (const f of FORKS) {
      for (const [name, p] of progs) {
        await same({ ...ENV, fork: f, code: asm(`PUSH 1 PUSH 1 SSTORE PUSH 1 PUSH :skip JUMPI ${p} skip: JUMPDEST PUSH 7 PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`) }, { note: name });
        await same({ ...ENV, fork: f, code: asm(`PUSH 3 PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN ${p}`) }, { note: name });
      }
    }
  }, T);

  it('errors before them (stack underflow, out of gas for the block) are reported like the interpreter', async () => {
    for (const f of FORKS) {
      await same({ fork: f, code: asm('PUSH 0 PUSH 0 CALL') });
      await same({ fork: f, code: asm('PUSH 0 CREATE') });
      await same({ fork: f, code: asm('SELFDESTRUCT') });
      await same({ fork: f, code: asm(`PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${OTHER} PUSH 50000 CALL`), gas: '20' });
    }
  }, T);
});

// ---------------------------------------------------------------------------------------------
// The stack: DUP/SWAP at every depth, across block boundaries, very long blocks
// ---------------------------------------------------------------------------------------------

describe('stack', () => {
  /** Pops and stores `n` items (top first) at 32·i, then returns them. */
  const dumpStack = (n: number) => Array.from({ length: n }, (_, i) => `PUSH ${32 * i} MSTORE`).join(' ') + ` PUSH ${32 * n} PUSH 0 RETURN`;
  const seventeen = Array.from({ length: 17 }, (_, i) => `PUSH32 ${R1 * BigInt(i + 1) & MAX256}`).join(' ');

  it('DUP1..16 and SWAP1..16 on distinct values, within a block, after a JUMPDEST and after a dynamic jump', async () => {
    const ops = [...Array.from({ length: 16 }, (_, i) => `DUP${i + 1} POP`), ...Array.from({ length: 16 }, (_, i) => `SWAP${i + 1}`),
      'DUP16 DUP16 DUP3 SWAP16 POP POP SWAP8 DUP9 SWAP15 POP'].join(' ');
    for (const f of FORKS) {
      await same({ fork: f, code: asm(`${seventeen} ${ops} ${dumpStack(17)}`) });
      await same({ fork: f, code: asm(`${seventeen} PUSH :l JUMP l: JUMPDEST ${ops} ${dumpStack(17)}`) });
      await same({ fork: f, code: asm(`${seventeen} PUSH :l CALLDATASIZE ADD JUMP l: JUMPDEST ${ops} JUMPDEST ${dumpStack(17)}`) });
      // Every DUPn/SWAPn alone after a block boundary (stack contents only known at run time).
      for (let n = 1; n <= 16; n++) {
        await same({ fork: f, code: asm(`${seventeen} GAS POP DUP${n} SWAP${n} ${dumpStack(18)}`) });
      }
    }
  }, T);

  it('a full 1024-item stack of distinct values summed in one block, and across blocks', async () => {
    const pushes = Array.from({ length: 1024 }, (_, i) => `PUSH32 ${(R1 * BigInt(i + 3) + R2) & MAX256}`).join(' ');
    const adds = 'ADD '.repeat(1023);
    for (const f of FORKS) {
      await same({ fork: f, code: asm(`${pushes} ${adds} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`) });
      await same({ fork: f, code: asm(`${pushes} JUMPDEST ${'ADD '.repeat(500)} JUMPDEST ${'XOR '.repeat(523)} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`) });
    }
  }, T);

  it('very long blocks (over 4096 virtual-stack values, 20 000 instructions)', async () => {
    // x ← x·3 + i for 5000 steps, each step keeping a copy: DUP1 PUSH 3 MUL PUSH i ADD SWAP1 POP …
    const steps = Array.from({ length: 5000 }, (_, i) => `DUP1 PUSH 3 MUL PUSH ${i} ADD SWAP1 POP`).join(' ');
    // 600 values kept live on the stack, then combined.
    const live = Array.from({ length: 600 }, (_, i) => `DUP1 PUSH ${i + 1} MUL`).join(' ') + ' ' + 'XOR '.repeat(600);
    for (const f of FORKS) {
      await same({ fork: f, code: asm(`PUSH 7 ${steps} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`), gas: '30000000' });
      await same({ fork: f, code: asm(`PUSH 0 CALLDATALOAD ${live} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`), calldata: hexWords([R1]), gas: '30000000' });
      // The same long block running out of gas half-way.
      await same({ fork: f, code: asm(`PUSH 7 ${steps} PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`), gas: '60000' });
    }
  }, T);
});
