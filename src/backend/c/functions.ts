/**
 * @file The contract's C code grouped into functions of bounded size. clang's optimiser is superlinear in
 * the size of a function (one function per contract: LoopRotate, SimplifyCFG, jump threading and register
 * allocation over thousands of blocks — 24 KB contracts took 43–122 s at -O2), so the units of control.ts
 * (single blocks, a register region with its fast loops, or a unit of a cut one) are packed in code order into
 * functions of about FUNCTION_BYTES of C each.
 *
 * All functions share one signature, `(frame, S, sp, gas, entry)`: the whole state between blocks is the memory stack
 * pointer and the gas counter (a register region cut into several units crosses between them through the memory stack,
 * control.ts), so a `goto` to a block of another function becomes a guaranteed tail call (`musttail`, clang ≥ 13) with
 * the entry id of the label, which the callee's first `switch` turns back into a `goto`. The dynamic-jump dispatch
 * goes to local targets directly and to the others through `mevmc_dispatch`, which tail-calls the
 * function holding the target. A unit of more than OPTNONE_INSTS instructions (the single-block micro benchmarks
 * of 20,000+) is compiled without optimisation (`optnone`), alone in its function.
 */
import { Status } from '../../abi/context.ts';
import type { CBody } from './control.ts';
import { narrowVar, regVar } from './frame.ts';

/** Target C bytes per function: a compromise between clang time (superlinear per function) and tail calls between them. */
export const FUNCTION_BYTES = 48_000;
/**
 * A unit of more EVM instructions than this is compiled without optimisation (the limit the whole contract had when it
 * was one function): clang -O2 took 53–104 s on one 20,483-instruction block (memory_grow_*); blake2b_huff's one
 * 8,803-instruction region stays at -O2 (4.5× faster code than optnone).
 */
export const OPTNONE_INSTS = 16_000;
/**
 * Functions are spread over this many parts of the source (`#if MEVMC_IN(k)`), which clang.ts compiles in parallel
 * processes when cores allow and links into one object; the file still compiles on its own as one unit. Only when
 * there is enough code: a second clang pays its start and the prelude again (~0.1 s).
 */
export const PARTS = 4;
export const PARALLEL_MIN_BYTES = 150_000;

const PARAMS = 'mevmc_frame *const f, uint8_t *const S, uint8_t *sp, uint64_t gas, uint32_t e';
/**
 * Compiled as one unit, the functions are static; a parallel build (clang.ts) defines MEVMC_PART_LO/HI for the
 * parts one clang process compiles, and the functions are then hidden symbols shared by the parts' objects.
 */
const PART_PREAMBLE = [
  '#ifdef MEVMC_PART_LO',
  '#define MEVMC_FN __attribute__((visibility("hidden")))',
  '#else',
  '#define MEVMC_PART_LO 0',
  `#define MEVMC_PART_HI ${PARTS}`,
  '#define MEVMC_FN static',
  '#endif',
  '#define MEVMC_IN(k) ((k) >= MEVMC_PART_LO && (k) < MEVMC_PART_HI)',
];
const fnName = (i: number) => `mevmc_c${i}`;
const tail = (fn: string, entry: string) => `{ __attribute__((musttail)) return ${fn}(f, S, sp, gas, ${entry}); }`;
/** Entry id of label B<n> / E<n>. */
const entryId = (kind: string, n: number) => 2 * n + (kind === 'E' ? 1 : 0);

/** The C functions of a contract: declarations, the dispatch and the bodies; `mevmc_run` calls `${entry}`. */
export function emitFunctions(body: CBody, maxBytes = FUNCTION_BYTES, forceParts?: number): { lines: string[]; entry: string; functions: number; parts: number; optnone: boolean } {
  const size = (ls: readonly string[]) => ls.reduce((n, l) => n + l.length + 1, 0);
  // Units in code order, with all their segments.
  const units = new Map<string, { segs: (readonly string[])[]; bytes: number; insts: number }>();
  for (const s of body.segments) {
    const u = units.get(s.unit) ?? { segs: [], bytes: 0, insts: 0 };
    u.segs.push(s.lines);
    u.bytes += size(s.lines);
    u.insts += s.insts;
    units.set(s.unit, u);
  }
  const fns: { units: string[]; bytes: number; optnone: boolean }[] = [];
  for (const [name, u] of units) {
    const last = fns[fns.length - 1];
    const huge = u.insts > OPTNONE_INSTS;
    if (last === undefined || huge || last.optnone || last.bytes + u.bytes > maxBytes) fns.push({ units: [name], bytes: u.bytes, optnone: huge });
    else { last.units.push(name); last.bytes += u.bytes; }
  }
  // Which function holds each label.
  const fnOfLabel = new Map<string, number>();
  fns.forEach((fn, i) => {
    for (const name of fn.units) for (const seg of units.get(name)!.segs) for (const l of seg) {
      const m = /^([BE]\d+): /.exec(l);
      if (m) fnOfLabel.set(m[1], i);
    }
  });
  const entries: Set<string>[] = fns.map(() => new Set());
  const jumpTo = (from: number, lbl: string): string => {
    const to = fnOfLabel.get(lbl);
    if (to === undefined) throw new Error(`mevmc internal error: C label ${lbl} not emitted`);
    if (to === from) return `goto ${lbl};`;
    entries[to].add(lbl);
    return tail(fnName(to), `${entryId(lbl[0], Number(lbl.slice(1)))}u`);
  };
  const bodies = fns.map((fn, i) => {
    const lines: string[] = [];
    for (const name of fn.units) for (const seg of units.get(name)!.segs) for (const l of seg) lines.push(l.replace(/goto ([BE]\d+);/g, (_, lbl: string) => jumpTo(i, lbl)));
    return lines;
  });
  // The dispatch: a local switch over the function's own targets, the global one for the rest.
  const usesDispatch = bodies.map((ls) => ls.some((l) => l.includes('goto dispatch;')));
  const global = body.dispatch.map((t) => `  case ${t.pc}u: ${jumpTo(-1, t.label)}`);
  const first = fnOfLabel.get('B0') ?? 0;
  entries[first].add('B0');
  // Parts: consecutive functions of about equal bytes; part 0 also holds the dispatch and mevmc_run.
  const total = fns.reduce((n, fn) => n + fn.bytes, 0);
  const parts = Math.max(1, Math.min(forceParts ?? (total >= PARALLEL_MIN_BYTES ? PARTS : 1), fns.length));
  const partOf: number[] = [];
  let acc = 0;
  for (const fn of fns) {
    // By the function's middle byte, so that one large function does not leave a part empty.
    partOf.push(Math.min(parts - 1, Math.floor(((acc + fn.bytes / 2) * parts) / Math.max(total, 1))));
    acc += fn.bytes;
  }
  const out: string[] = [...PART_PREAMBLE];
  out.push(...fns.map((_, i) => `MEVMC_FN int32_t ${fnName(i)}(${PARAMS});`));
  // Also without targets: a dynamic jump in code with no JUMPDEST still goes to the dispatch, to fail there.
  if (body.dispatch.length > 0 || usesDispatch.some(Boolean)) {
    out.push(`MEVMC_FN int32_t mevmc_dispatch(${PARAMS});`, '#if MEVMC_IN(0)', `__attribute__((noinline)) MEVMC_FN int32_t mevmc_dispatch(${PARAMS}) {`,
      '  switch (e) {', ...global, `  default: return ${Status.InvalidJump};`, '  }', '}', '#endif');
  }
  fns.forEach((fn, i) => {
    const hasRegs = fn.units.some(body.registerUnit);
    const attrs = fn.optnone ? '__attribute__((noinline, optnone))' : '__attribute__((noinline))';
    const decls: string[] = [];
    if (hasRegs && body.registerSlots > 0) decls.push(`  w256 ${Array.from({ length: body.registerSlots }, (_, k) => `${regVar(k, 0)} = 0`).join(', ')};`);
    if (hasRegs && body.narrowVars.length > 0) decls.push(`  uint64_t ${body.narrowVars.map((k) => `${narrowVar(k)} = 0`).join(', ')};`);
    const local = body.dispatch.filter((t) => fnOfLabel.get(t.label) === i);
    out.push(
      `#if MEVMC_IN(${partOf[i]})`,
      `${attrs} MEVMC_FN int32_t ${fnName(i)}(${PARAMS}) {`,
      '  uint8_t *const M = f->mem;',
      '  const mevmc_host *const H = f->host;',
      '  const uint64_t U = f->user;',
      '  uint32_t jt = 0;',
      '  int32_t st = 0;',
      '  (void)M; (void)H; (void)U; (void)jt; (void)st; (void)sp; (void)S;',
      ...decls,
      '  switch (e) {',
      ...[...entries[i]].map((lbl) => `  case ${entryId(lbl[0], Number(lbl.slice(1)))}u: goto ${lbl};`),
      '  default: __builtin_unreachable();',
      '  }',
      ...bodies[i].map((l) => `  ${l}`),
    );
    if (usesDispatch[i]) {
      out.push('dispatch:', '  switch (jt) {', ...local.map((t) => `  case ${t.pc}u: goto ${t.label};`),
        `  default: ${tail('mevmc_dispatch', 'jt')}`, '  }');
    }
    out.push('}', '#endif');
  });
  return { lines: out, entry: `${fnName(first)}(f, S, S, gas, ${entryId('B', 0)}u)`, functions: fns.length, parts, optnone: fns.some((fn) => fn.optnone) };
}
