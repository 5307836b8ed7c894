/**
 * @file The direct wasm writer (src/backend/wasm/writer.ts) against binaryen as the reference assembler: random
 * programs built through the same `IRModule` calls (i64 arithmetic on locals, loads/stores, select, nested named
 * blocks with br_if / br_table to labels at every depth, if/else with unreachable arms,
 * blocks typed by a value) are written by both, validated by V8 (and the writer's by binaryen's validator after
 * reading it back), run, and must return the same value and leave the same memory. Then real contracts: every
 * corpus contract and a sample of ../shared/bench compiled at -O0 by the writer validate in V8 and in binaryen.
 */
import binaryen from 'binaryen';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCorpusBenchCases } from '../../corpus/index.ts';
import { loadSharedBench, prepareBenchCase } from '../../runtime/harness/shared-bench.ts';
import { analyze } from '../../src/analysis/index.ts';
import { parseForkName } from '../../src/evm/forks.ts';
import { compileToWasm } from '../../src/backend/wasm/index.ts';
import { usesRelooper } from '../../src/backend/wasm/control.ts';
import { createModule } from '../../src/backend/wasm/module.ts';
import { type IRModule, WasmWriter } from '../../src/backend/wasm/writer.ts';

const { i32, i64, none } = binaryen;
type Expr = number;
/** Locals: 0..3 i64 (seeded), 4 i32 scratch. */
const LOCAL_TYPES = [i64, i64, i64, i64, i32];

/** A random program as a function of the builder, so both assemblers get exactly the same calls. */
type Prog = (m: IRModule) => Expr;

const c64 = fc.oneof(
  fc.constantFrom(0n, 1n, -1n, 63n, 64n, 127n, 128n, -128n, -129n, 2n ** 63n - 1n, -(2n ** 63n), 0x7fn, 0x3fn, -0x40n, -0x41n),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);

/** An i64 expression of depth ≤ d. */
function i64Expr(d: number): fc.Arbitrary<Prog> {
  const leaf = fc.oneof(
    c64.map((c): Prog => (m) => m.i64.const(c)),
    fc.integer({ min: 0, max: 3 }).map((l): Prog => (m) => m.local.get(l, i64)),
  );
  if (d <= 0) return leaf;
  const sub = i64Expr(d - 1);
  const bins = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_u', 'shr_s', 'rotl'] as const;
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...bins), sub, sub).map(([op, a, b]): Prog => (m) => m.i64[op](a(m), b(m))) },
    { weight: 1, arbitrary: fc.tuple(i32Expr(d - 1)).map(([a]): Prog => (m) => m.i64.extend_u(a(m))) },
    { weight: 1, arbitrary: fc.tuple(i32Expr(d - 1), sub, sub).map(([c, a, b]): Prog => (m) => m.select(c(m), a(m), b(m))) },
    // a value-typed block ending in its value
    { weight: 1, arbitrary: fc.tuple(stmt(d - 1, 0), sub).map(([s, v]): Prog => (m) => m.block(null, [s(m, []), v(m)], i64)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 7 })).map(([k]): Prog => (m) => m.i64.load(8 * k, 8, m.i32.const(64))) },
  );
}

/** An i32 expression of depth ≤ d. */
function i32Expr(d: number): fc.Arbitrary<Prog> {
  const leaf = fc.integer().map((c): Prog => (m) => m.i32.const(c));
  if (d <= 0) return leaf;
  const sub64 = i64Expr(d - 1);
  const cmp = ['eq', 'ne', 'lt_u', 'lt_s', 'le_u'] as const;
  return fc.oneof(
    leaf,
    fc.tuple(fc.constantFrom(...cmp), sub64, sub64).map(([op, a, b]): Prog => (m) => m.i64[op](a(m), b(m))),
    sub64.map((a): Prog => (m) => m.i64.eqz(a(m))),
    sub64.map((a): Prog => (m) => m.i32.wrap(a(m))),
  );
}

const labelCounter = { n: 0 };

/** A statement; `labels` are the enclosing named blocks (innermost last). */
type Stmt = (m: IRModule, labels: string[]) => Expr;

function stmt(d: number, depthIndex: number): fc.Arbitrary<Stmt> {
  const set = fc.tuple(fc.integer({ min: 0, max: 3 }), i64Expr(Math.min(d, 2))).map(([l, v]): Stmt => (m) => m.local.set(l, v(m)));
  const store = fc.tuple(fc.integer({ min: 0, max: 7 }), i64Expr(Math.min(d, 2))).map(([k, v]): Stmt => (m) => m.i64.store(8 * k, 8, m.i32.const(64), v(m)));
  const store8 = fc.tuple(fc.integer({ min: 0, max: 63 }), i64Expr(Math.min(d, 1))).map(([k, v]): Stmt => (m) => m.i64.store8(k, 1, m.i32.const(64), v(m)));
  const brIf = fc.tuple(fc.nat(), i32Expr(Math.min(d, 1))).map(([k, c]): Stmt => (m, ls) => (ls.length ? m.br(ls[k % ls.length], c(m)) : m.nop()));
  const leafs = [set, set, store, store8, brIf];
  if (d <= 0) return fc.oneof(...leafs);
  const body = fc.array(stmt(d - 1, depthIndex + 1), { minLength: 0, maxLength: 4 });
  // A named block (binaryen wants names unique in a function: numbered per program).
  const block = fc.tuple(body, fc.boolean()).map(([ss, named]): Stmt => (m, ls) => {
    const name = named ? `L${labelCounter.n++}` : null;
    const inner = name ? [...ls, name] : ls;
    return m.block(name, ss.map((s) => s(m, inner)));
  });
  const ifElse = fc.tuple(i32Expr(1), body, fc.option(body), fc.boolean()).map(([c, t, f, ret]): Stmt => (m, ls) => {
    const then = m.block(null, t.map((s) => s(m, ls)));
    // an arm that ends the function makes the if's type unreachable when both do
    const els = f === null ? undefined : m.block(null, [...f.map((s) => s(m, ls)), ...(ret ? [m.return(m.local.get(4, i32))] : [])]);
    return m.if(c(m), then, els);
  });
  const table = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.nat(), i32Expr(1)).map(([ks, dk, c]): Stmt => (m, ls) =>
    ls.length ? m.block(null, [m.switch(ks.map((k) => ls[k % ls.length]), ls[dk % ls.length], c(m))]) : m.nop());
  return fc.oneof(...leafs, block, block, ifElse, table);
}

/** Fold locals and memory into the i32 result. */
function epilogue(m: IRModule): Expr {
  let acc = m.local.get(0, i64);
  for (let l = 1; l < 4; l++) acc = m.i64.xor(m.i64.rotl(acc, m.i64.const(7n)), m.local.get(l, i64));
  return m.i32.wrap(m.i64.xor(acc, m.i64.shr_u(acc, m.i64.const(32n))));
}

function program(ss: Stmt[]): Prog {
  return (m) => {
    labelCounter.n = 0;
    const seed = [0x0123456789abcdefn, -5n, 1n << 40n, 77n].map((v, l) => m.local.set(l, m.i64.const(v)));
    return m.block(null, [
      ...seed,
      m.local.set(4, m.i32.const(0x5a5a)),
      m.block('outer', ss.map((s) => s(m, ['outer']))),
      m.return(epilogue(m)),
    ]);
  };
}

function runModule(bin: Uint8Array): { result: number; memory: Uint8Array } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bin as Uint8Array<ArrayBuffer>), { env: { memory } });
  const result = (inst.exports.run as () => number)();
  return { result, memory: new Uint8Array(memory.buffer.slice(0, 256)) };
}

function viaBinaryen(p: Prog): Uint8Array {
  const m = createModule();
  try {
    m.addMemoryImport('0', 'env', 'memory');
    m.addFunction('run', none, i32, LOCAL_TYPES, p(m));
    m.addFunctionExport('run', 'run');
    if (!m.validate()) throw new Error('binaryen rejects the reference module');
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

function viaWriter(p: Prog): Uint8Array {
  const w = new WasmWriter();
  w.addMemoryImport('env', 'memory');
  w.addFunction('run', LOCAL_TYPES, p(w));
  return w.emitBinary();
}

/** binaryen reads the binary back and validates it (a second validator besides V8's). */
function binaryenAccepts(bin: Uint8Array): boolean {
  const m = binaryen.readBinary(bin);
  try {
    m.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt | binaryen.Features.MutableGlobals | binaryen.Features.SIMD128);
    return !!m.validate();
  } finally {
    m.dispose();
  }
}

describe('direct wasm writer', () => {
  it('random programs: same result and memory as binaryen writes them', () => {
    fc.assert(
      fc.property(fc.array(stmt(3, 1), { minLength: 1, maxLength: 6 }), (ss) => {
        const p = program(ss);
        const ref = viaBinaryen(p);
        const ours = viaWriter(p);
        expect(WebAssembly.validate(ours as Uint8Array<ArrayBuffer>)).toBe(true);
        expect(binaryenAccepts(ours)).toBe(true);
        expect(runModule(ours)).toEqual(runModule(ref));
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it('corpus and shared-bench contracts at -O0 validate in V8 and binaryen', async () => {
    const codes: { name: string; code: Uint8Array; fork: NonNullable<ReturnType<typeof parseForkName>> }[] = [];
    for (const c of loadCorpusBenchCases()) codes.push({ name: c.id, code: c.code, fork: parseForkName(c.fork)! });
    const shared = loadSharedBench();
    if (shared.missing) console.log(`wasm-writer: shared bench skipped: ${shared.missing}`);
    // a sample of the large ones (the full set: scripts/bench-compile.mjs)
    for (const b of shared.cases.filter((x) => /seaport|snailtracer\/benchmark|memory_grow_mstore\/nogrow|weierstrudel\/1$/.test(x.name ?? ''))) {
      const p = await prepareBenchCase(b);
      codes.push({ name: p.name, code: p.case.code, fork: parseForkName(p.case.fork)! });
    }
    let direct = 0;
    for (const c of codes) {
      const a = analyze(c.code, c.fork);
      const bin = compileToWasm(a, { optimize: 0, validate: true }).binary;
      if (!usesRelooper(a)) direct++;
      expect(binaryenAccepts(bin), c.name).toBe(true);
    }
    expect(direct).toBeGreaterThan(5);
  });
});
