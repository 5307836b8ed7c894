/**
 * @file Property-based differential testing: fast-check generates stack-balanced programs (plus a few deliberately
 * broken ones) from a pool of snippets — arithmetic on interesting and random values taken from immediates or
 * calldata, memory, copies, KECCAK256, storage and transient storage, logs, environment reads (GAS, PC, MSIZE…),
 * bounded loops on a counter with PUSH+JUMPI, dynamic jumps to valid and invalid targets, conditional skips —
 * under random gas limits (often too small, to end in the middle), calldata and pre-state storage; the compiled
 * engine must agree with @ethereumjs/evm on each. Seeded: the same 300 programs every run.
 */
import fc from 'fast-check';
import { assert, describe, it } from 'vitest';
import type { Case } from '../../runtime/harness/case.ts';
import { runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { analyze, parseForkName } from '../../src/index.ts';
import { asm } from '../helpers/asm.ts';
import { FORKS, MAX256, caseJson, diffResults, expectSame, loaderAt, mkCase, pow2, runOurs } from '../helpers/engines.ts';

const SELF = '0x2000000000000000000000000000000000000002';

// ---------------------------------------------------------------------------------------------
// Snippets (each leaves the stack as it found it, except the `broken` ones)
// ---------------------------------------------------------------------------------------------

type Operand = { k: 'imm'; v: bigint } | { k: 'cd'; off: number } | { k: 'env'; op: string };
type Snip =
  | { t: 'arith'; op: string; args: Operand[]; sink: Sink }
  | { t: 'mstore'; op: 'MSTORE' | 'MSTORE8'; off: Operand; v: Operand }
  | { t: 'mload'; off: Operand; sink: Sink }
  | { t: 'copy'; op: 'CALLDATACOPY' | 'CODECOPY' | 'MCOPY'; dst: number; src: Operand; len: number }
  | { t: 'keccak'; off: number; len: number; sink: Sink }
  | { t: 'sstore'; slot: number; v: Operand }
  | { t: 'sload'; slot: Operand; sink: Sink }
  | { t: 'tstore'; slot: number; v: Operand }
  | { t: 'tload'; slot: number; sink: Sink }
  | { t: 'log'; n: number; off: number; len: number; topics: Operand[] }
  | { t: 'env'; op: string; sink: Sink }
  | { t: 'loop'; count: number; body: Snip[] }
  | { t: 'skip'; cond: Operand; dynamic: boolean; body: Snip[] }
  | { t: 'djump'; valid: boolean; via: 'calldatasize' | 'add' | 'mload'; bad: bigint }
  | { t: 'broken'; what: string };
type Sink = 'acc' | { mem: number } | { slot: number };

const R = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    fc.constantFrom(0n, 1n, 2n, 3n, 31n, 32n, 255n, 256n, pow2(64) - 1n, pow2(64), pow2(64) + 1n, pow2(128), pow2(255) - 1n, pow2(255), MAX256 - 1n, MAX256),
    fc.bigInt({ min: 0n, max: MAX256 }),
    fc.bigInt({ min: 0n, max: 300n }),
  );
const operand: fc.Arbitrary<Operand> = fc.oneof(
  { weight: 5, arbitrary: R().map((v) => ({ k: 'imm' as const, v })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 100 }).map((off) => ({ k: 'cd' as const, off })) },
  { weight: 1, arbitrary: fc.constantFrom('GAS', 'PC', 'MSIZE', 'CALLDATASIZE', 'CALLVALUE', 'ADDRESS', 'CALLER').map((op) => ({ k: 'env' as const, op })) },
);
const smallOffset: fc.Arbitrary<Operand> = fc.oneof(
  fc.constantFrom(0n, 1n, 31n, 32n, 33n, 64n, 100n, 255n, 1000n, 4096n, 30000n).map((v) => ({ k: 'imm' as const, v })),
  fc.integer({ min: 0, max: 2000 }).map((v) => ({ k: 'imm' as const, v: BigInt(v) })),
);
const sink: fc.Arbitrary<Sink> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('acc' as const) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }).map((i) => ({ mem: 32 * i })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((slot) => ({ slot })) },
);
const BIN = ['ADD', 'MUL', 'SUB', 'DIV', 'SDIV', 'MOD', 'SMOD', 'EXP', 'SIGNEXTEND', 'LT', 'GT', 'SLT', 'SGT', 'EQ', 'AND', 'OR', 'XOR', 'BYTE', 'SHL', 'SHR', 'SAR'];
const UN = ['ISZERO', 'NOT', 'ISZERO', 'NOT', 'CLZ']; // CLZ halts before Osaka: keep it rare
const TER = ['ADDMOD', 'MULMOD'];

const leaf: fc.Arbitrary<Snip> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant('arith' as const), op: fc.constantFrom(...BIN), args: fc.array(operand, { minLength: 2, maxLength: 2 }), sink }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('arith' as const), op: fc.constantFrom(...UN), args: fc.array(operand, { minLength: 1, maxLength: 1 }), sink }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('arith' as const), op: fc.constantFrom(...TER), args: fc.array(operand, { minLength: 3, maxLength: 3 }), sink }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('mstore' as const), op: fc.constantFrom('MSTORE' as const, 'MSTORE8' as const), off: smallOffset, v: operand }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('mload' as const), off: smallOffset, sink }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('copy' as const), op: fc.constantFrom('CALLDATACOPY' as const, 'CODECOPY' as const, 'MCOPY' as const),
      dst: fc.integer({ min: 0, max: 1500 }), src: fc.oneof(smallOffset, R().map((v) => ({ k: 'imm' as const, v }))), len: fc.integer({ min: 0, max: 300 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('keccak' as const), off: fc.integer({ min: 0, max: 1500 }), len: fc.integer({ min: 0, max: 400 }), sink }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sstore' as const), slot: fc.integer({ min: 0, max: 5 }), v: fc.oneof(fc.constantFrom(0n, 1n, 2n).map((v) => ({ k: 'imm' as const, v })), operand) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('sload' as const), slot: fc.oneof(fc.integer({ min: 0, max: 7 }).map((v) => ({ k: 'imm' as const, v: BigInt(v) })), operand), sink }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('tstore' as const), slot: fc.integer({ min: 0, max: 3 }), v: operand }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('tload' as const), slot: fc.integer({ min: 0, max: 3 }), sink }) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 4 }).chain((n) =>
      fc.record({ t: fc.constant('log' as const), n: fc.constant(n), off: fc.integer({ min: 0, max: 1000 }), len: fc.integer({ min: 0, max: 200 }), topics: fc.array(operand, { minLength: n, maxLength: n }) }),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('env' as const),
      op: fc.constantFrom('GAS', 'PC', 'MSIZE', 'ADDRESS', 'CALLER', 'ORIGIN', 'CALLVALUE', 'CALLDATASIZE', 'CODESIZE', 'SELFBALANCE', 'TIMESTAMP', 'NUMBER', 'CHAINID', 'BASEFEE', 'BLOBBASEFEE', 'RETURNDATASIZE'),
      sink,
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('djump' as const), valid: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), via: fc.constantFrom('calldatasize' as const, 'add' as const, 'mload' as const), bad: fc.oneof(fc.constantFrom(pow2(32), pow2(64), MAX256), fc.bigInt({ min: 0n, max: 3000n })) }) },
);

const nested: fc.Arbitrary<Snip> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('loop' as const), count: fc.integer({ min: 1, max: 6 }), body: fc.array(leaf, { minLength: 1, maxLength: 5 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('skip' as const),
      cond: fc.oneof(fc.constantFrom(0n, 1n, pow2(255)).map((v) => ({ k: 'imm' as const, v })), operand),
      dynamic: fc.boolean(),
      body: fc.array(leaf, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('broken' as const), what: fc.constantFrom('underflow', 'invalid', 'undefined', 'returndata', 'badjump') }) },
);

const snippets = fc.array(fc.oneof({ weight: 5, arbitrary: leaf }, { weight: 2, arbitrary: nested }), { minLength: 1, maxLength: 20 });

type Ending = 'return' | 'revert' | 'stop' | 'none';
interface Program {
  snips: Snip[];
  ending: Ending;
  retLen: number;
  fork: (typeof FORKS)[number];
  gas: bigint;
  calldata: Uint8Array;
  storage: Array<[number, bigint]>;
  value: bigint;
}

const programArb: fc.Arbitrary<Program> = fc.record({
  snips: snippets,
  ending: fc.constantFrom<Ending>('return', 'return', 'revert', 'stop', 'none'),
  retLen: fc.constantFrom(0, 32, 64, 200, 1000),
  fork: fc.constantFrom(...FORKS),
  gas: fc.oneof({ weight: 3, arbitrary: fc.constant(10_000_000n) }, { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 120_000n }) }),
  calldata: fc.uint8Array({ maxLength: 128 }),
  storage: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.oneof(fc.constantFrom(0n, 1n, 2n), fc.bigInt({ min: 0n, max: MAX256 }))), { maxLength: 4 }),
  value: fc.oneof({ weight: 3, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 18n }) }),
});

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

function render(p: Program): string {
  let label = 0;
  const fresh = () => `L${label++}`;
  const opnd = (o: Operand) => (o.k === 'imm' ? `PUSH32 ${o.v}` : o.k === 'cd' ? `PUSH ${o.off} CALLDATALOAD` : o.op);
  // Operands pushed last-first so that args[0] ends on top.
  const pushArgs = (args: Operand[]) => [...args].reverse().map(opnd).join(' ');
  const toSink = (s: Sink) => (s === 'acc' ? 'PUSH 0 MLOAD XOR PUSH 0 MSTORE' : 'mem' in s ? `PUSH ${s.mem} MSTORE` : `PUSH ${s.slot} SSTORE`);
  const one = (s: Snip): string => {
    switch (s.t) {
      case 'arith': return `${pushArgs(s.args)} ${s.op} ${toSink(s.sink)}`;
      case 'mstore': return `${opnd(s.v)} ${opnd(s.off)} ${s.op}`;
      case 'mload': return `${opnd(s.off)} MLOAD ${toSink(s.sink)}`;
      case 'copy': return `PUSH ${s.len} ${opnd(s.src)} PUSH ${s.dst} ${s.op}`;
      case 'keccak': return `PUSH ${s.len} PUSH ${s.off} KECCAK256 ${toSink(s.sink)}`;
      case 'sstore': return `${opnd(s.v)} PUSH ${s.slot} SSTORE`;
      case 'sload': return `${opnd(s.slot)} SLOAD ${toSink(s.sink)}`;
      case 'tstore': return `${opnd(s.v)} PUSH ${s.slot} TSTORE`;
      case 'tload': return `PUSH ${s.slot} TLOAD ${toSink(s.sink)}`;
      case 'log': return `${pushArgs(s.topics)} PUSH ${s.len} PUSH ${s.off} LOG${s.n}`;
      case 'env': return `${s.op} ${toSink(s.sink)}`;
      case 'loop': {
        const l = fresh();
        return `PUSH ${s.count} ${l}: JUMPDEST ${s.body.map(one).join(' ')} PUSH 1 SWAP1 SUB DUP1 PUSH :${l} JUMPI POP`;
      }
      case 'skip': {
        const l = fresh();
        // A dynamic target: the label plus 0 computed at run time (never fused by the analysis).
        const target = s.dynamic ? `PUSH :${l} CALLDATASIZE PUSH 0 MUL ADD` : `PUSH :${l}`;
        return `${opnd(s.cond)} ${target} JUMPI ${s.body.map(one).join(' ')} ${l}: JUMPDEST`;
      }
      case 'djump': {
        const l = fresh();
        const t = s.valid ? `PUSH :${l}` : s.bad < 3000n ? `PUSH ${s.bad}` : `PUSH32 ${s.bad}`;
        const dyn = s.via === 'calldatasize' ? `${t} CALLDATASIZE PUSH 0 MUL ADD` : s.via === 'add' ? `PUSH 0 ${t} ADD` : `${t} PUSH 0x3000 MSTORE PUSH 0x3000 MLOAD`;
        return `${dyn} JUMP PUSH 0xdead PUSH 9 SSTORE ${l}: JUMPDEST`;
      }
      case 'broken':
        return { underflow: 'POP', invalid: '#fe', undefined: '#0c', returndata: 'PUSH 1 PUSH 0 PUSH 0 RETURNDATACOPY', badjump: 'PUSH 2 JUMP' }[s.what]!;
    }
  };
  const body = p.snips.map(one).join('\n');
  const end = { return: `PUSH ${p.retLen} PUSH 0 RETURN`, revert: `PUSH ${p.retLen} PUSH 0 REVERT`, stop: 'STOP', none: '' }[p.ending];
  return asm(`${body}\n${end}`);
}

function toCase(p: Program, id: string): Case {
  const storage: Record<string, string> = {};
  for (const [k, v] of p.storage) storage[String(k)] = String(v);
  return mkCase({
    id, fork: p.fork, code: render(p), gas: String(p.gas), calldata: p.calldata, value: String(p.value),
    pre: { [SELF]: { storage, balance: '5' }, '0x1000000000000000000000000000000000000001': { balance: String(10n ** 19n) } },
  });
}

/** PUSH+JUMPI to the very next instruction crashes the compiler (reported; see test/diff/halts.test.ts). */
const hasJumpiToNext = (c: Case) =>
  analyze(c.code, parseForkName(c.fork)!).blocks.some((b) => b.reachable && b.exit.kind === 'jumpi' && b.exit.to === b.exit.next);

describe('random programs', () => {
  const RUNS = 100;
  // The second batch is compiled with binaryen -O2 (the engine's default loader compiles at -O0).
  for (const [i, seed] of [0x1001, 0x2002, 0x3003].entries()) {
    const loader = i === 1 ? loaderAt(2) : undefined;
    it(`${RUNS} programs, seed ${seed}${loader ? ', compiled with -O2' : ''}`, async () => {
      let n = 0;
      const prop = fc.asyncProperty(programArb, async (p) => {
        const c = toCase(p, `random-${seed}-${n++}`);
        fc.pre(!hasJumpiToNext(c));
        const ref = await runReference(c);
        const ours = runOurs(c, loader);
        return diffResults(ours, ref).length === 0;
      });
      const out = await fc.check(prop, { seed, numRuns: RUNS, maxSkipsPerRun: 10 });
      if (out.failed) {
        const p = out.counterexample![0] as Program;
        const c = toCase(p, `random-${seed}-counterexample`);
        console.error(`[random ${i}] counterexample after ${out.numRuns} runs, ${out.numShrinks} shrinks: ${JSON.stringify(caseJson(c))}`);
        await expectSame(c, { loader }); // prints both results and fails with the replayable case
        assert.fail(`counterexample did not reproduce: ${out.errorInstance ?? ''}`);
      }
      assert.equal(out.numRuns, RUNS, 'every generated program was compared');
    }, 240_000);
  }
});
