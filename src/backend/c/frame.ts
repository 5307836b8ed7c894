/**
 * @file The virtual EVM stack of one basic block in the C backend — the same model as the wasm
 * backend's frame.ts: stack values are C temporaries (`const w256 tN`) or compile-time constants, so
 * PUSH/DUP/SWAP/POP cost nothing; items below the entry height are loaded from the in-memory EVM
 * stack on first use and the block's survivors are stored back once, at its end.
 *
 * Variables of the generated function (see index.ts): `M` frame memory base, `H` host table,
 * `U` host user word, `gas` gas left (u64), `S` bottom of the EVM stack, `sp` one past its top
 * item, `jt` dynamic jump target, `st` status of the last callback.
 */
import { CTX, Ctx, Status } from '../../abi/context.ts';
import { VirtualStack } from '../stack.ts';

const MASK64 = (1n << 64n) - 1n;

/** A 256-bit stack value: a C expression that is side-effect free and cheap to repeat (a temp or a constant). */
export interface Value {
  readonly c: string;
  /** The value when known at compile time. */
  readonly k?: bigint;
  /** Stack position it was loaded from (relative to the entry top, −1 = top), to skip storing it back unchanged. */
  readonly home?: number;
  /** The value is the temp `base` plus `off` (< 2^32), for memory accesses at constant distances (see `memRun`). */
  readonly base?: string;
  readonly off?: bigint;
}

/** Memory accesses at `base` + [start, end) since the last barrier, checked by the one line `line` of the block. */
export interface MemRun {
  readonly base: string;
  readonly line: number;
  start: bigint;
  end: bigint;
}

/** C literal of a 64-bit constant. */
export const u64 = (x: bigint): string => `0x${(x & MASK64).toString(16)}ull`;

/** A constant value. */
export function constValue(x: bigint): Value {
  const v = BigInt.asUintN(256, x);
  if (v <= MASK64) return { c: `((w256)${u64(v)})`, k: v };
  const l = [0n, 1n, 2n, 3n].map((i) => (v >> (64n * i)) & MASK64);
  return { c: `mevmc_w_make(${u64(l[3])}, ${u64(l[2])}, ${u64(l[1])}, ${u64(l[0])})`, k: v };
}

/** Context field access. */
export const ctx64 = (field: number): string => `(*(uint64_t *)(M + ${CTX + field}))`;
export const ctx32 = (field: number): string => `(*(uint32_t *)(M + ${CTX + field}))`;
export const GAS_TO_CTX = `${ctx64(Ctx.gas)} = gas;`;
export const GAS_FROM_CTX = `gas = ${ctx64(Ctx.gas)};`;

/**
 * A block of a static stack region kept in registers (analysis/regions.ts): the stack slot at height h (relative to
 * the region's base) is the variable `r{h − low}`; `read`/`written` collect the variables the region's blocks use, so
 * the dispatch's entry loads and exit stores touch only those.
 */
export interface RegisterStack {
  readonly entry: number;
  readonly low: number;
  readonly read: Set<number>;
  readonly written: Set<number>;
  /**
   * Variables held in 64 bits instead (`n{i}`, see narrowVar), in the fast copy of a counted loop
   * (analysis/loops.ts): values that provably stay below 2^64 there, read zero-extended, written truncated.
   */
  readonly narrow?: ReadonlySet<number>;
}

/** Name of the register variable of slot `h` in a region whose lowest slot is `low`. */
export const regVar = (h: number, low: number): string => `r${h - low}`;
/** Name of the 64-bit variable standing for register variable `r{i}` inside a counted loop's fast copy. */
export const narrowVar = (i: number): string => `n${i}`;

/** Emits the code of one block. */
export class BlockBuilder extends VirtualStack<Value> {
  readonly lines: string[] = [];

  /**
   * `names` numbers temporaries across the whole function (they are block-scoped, but unique names read better).
   * With `regs` the EVM stack of this block is the region's variables, otherwise memory at `sp`.
   */
  constructor(private readonly names: { next: number }, private readonly regs?: RegisterStack) {
    super();
  }

  emit(line: string): void {
    this.lines.push(line);
  }

  /** Evaluate a w256 expression once into a fresh temporary. */
  temp(expr: string): Value {
    const name = `t${this.names.next++}`;
    this.emit(`const w256 ${name} = ${expr};`);
    return { c: name };
  }

  /** A fresh w256 variable, assigned later (on both arms of a branch). */
  variable(): Value {
    const name = `t${this.names.next++}`;
    this.emit(`w256 ${name};`);
    return { c: name };
  }

  /** Evaluate a scalar expression once (`type` is a C type). */
  scalar(type: string, expr: string): string {
    // Not `s…`: the 256th would be `s256`, shadowing the signed word type (SLT's `(s256)` cast then fails to parse).
    const name = `v${this.names.next++}`;
    this.emit(`const ${type} ${name} = ${expr};`);
    return name;
  }

  /**
   * Constants the stack holds below the entry top (k → value), known from the piece before this one when a huge
   * block is cut into pieces (control.ts): without them every piece reloaded its operands from memory as unknowns
   * (evm-benchmarks signextend: ~12,000 SIGNEXTENDs by DUPed constants, each a generic 256-bit one, 100× wasm).
   * Also a register region's entry constants (analysis/entry-constants.ts) when it spans several C functions.
   */
  knownBelow: ReadonlyMap<number, bigint> | undefined;

  /** The constants of the stack once this block's values are flushed, by depth below the new top (for `knownBelow`). */
  knownAfterFlush(): Map<number, bigint> {
    const out = new Map<number, bigint>();
    const n = this.stack.length;
    this.stack.forEach((v, i) => {
      if (v.k !== undefined) out.set(n - i, v.k);
    });
    // Entry items never touched stay where they were: depth j below the old top is n - popped + j below the new one.
    if (this.knownBelow) for (const [j, x] of this.knownBelow) if (j > this.popped) out.set(n - this.popped + j, x);
    return out;
  }

  protected override loadEntryItem(k: number): Value {
    const r = this.regs;
    const known = this.knownBelow?.get(k);
    if (known !== undefined) return { ...constValue(known), home: -k };
    if (r === undefined) return { ...this.temp(`mevmc_w_load(sp - ${32 * k})`), home: -k };
    // A copy: the block's end may assign the variable while other survivors still need its old value.
    const i = r.entry - k - r.low;
    r.read.add(i);
    return { ...this.temp(r.narrow?.has(i) ? `(w256)${narrowVar(i)}` : regVar(r.entry - k, r.low)), home: -k };
  }

  /** Store a value as a little-endian word at frame offset `off` (a C expression). */
  storeWord(off: string | number, v: Value): void {
    this.emit(`mevmc_w_store(M + ${off}, ${v.c});`);
  }

  /** Load the word at a frame offset into a fresh value. */
  loadWord(off: number): Value {
    return this.temp(`mevmc_w_load(M + ${off})`);
  }

  /** Height of the stack top now, relative to the register region's base (register blocks only). */
  heightNow(): number {
    return (this.regs?.entry ?? 0) + this.deltaBytes / 32;
  }

  /** Write the virtual stack back to memory and move sp: the block's end. */
  flush(): void {
    const r = this.regs;
    for (const { v, pos } of this.survivors()) {
      if (r === undefined) this.emit(`mevmc_w_store(sp + ${32 * pos}, ${v.c});`);
      else {
        const i = r.entry + pos - r.low;
        r.written.add(i);
        this.emit(r.narrow?.has(i) ? `${narrowVar(i)} = (uint64_t)${v.c};` : `${regVar(r.entry + pos, r.low)} = ${v.c};`);
      }
    }
    const delta = this.deltaBytes;
    if (delta !== 0) this.emit(`sp += ${delta};`);
  }

  /** `return status` when `cond` holds. */
  failIf(cond: string, status: Status): void {
    this.emit(`if (${cond}) return ${status};`);
  }

  /** Return `status` from the frame now (normal endings publish the gas left first). */
  exit(status: Status): void {
    this.emit(exitCode(status));
  }

  /** Charge `cost` (a u64 C expression without side effects) or halt with OutOfGas. */
  charge(cost: string): void {
    // One flag-setting subtraction, no compare and no temporary (the wrapped value is never used: the frame ends).
    this.emit(`if (__builtin_sub_overflow(gas, ${cost}, &gas)) return ${Status.OutOfGas};`);
  }

  private readonly runs = new Map<string, MemRun>();

  /**
   * A memory access of constant size at `base` + [start, end) (base '' = constant offsets): the first access of a
   * base emits the run's expansion check, later ones widen it in place, so a run of stores into fresh memory
   * (a struct's fields, memory_grow's strides) grows it once. `check` writes a run's line.
   */
  memRun(base: string, start: bigint, end: bigint, check: (r: MemRun) => string): void {
    const r = this.runs.get(base);
    if (r === undefined) {
      const run: MemRun = { base, line: this.lines.length, start, end };
      this.runs.set(base, run);
      this.emit(check(run));
      return;
    }
    if (start < r.start) r.start = start;
    if (end > r.end) r.end = end;
    this.lines[r.line] = check(r);
  }

  /** An instruction that may observe gas, memory size or memory from outside: later accesses start new runs. */
  endMemRuns(): void {
    this.runs.clear();
  }

  /** A callback or builtin that reads or charges ctx.gas, with the gas counter synchronised around it. */
  synced(call: string): void {
    this.emit(`${GAS_TO_CTX} ${call}; ${GAS_FROM_CTX}`);
  }

  /** Same for a call returning a status: halt with it when non-zero. */
  syncedCheck(call: string): void {
    this.emit(`${GAS_TO_CTX} st = ${call}; if (st) return st; ${GAS_FROM_CTX}`);
  }
}

/** `return status;`, publishing the gas left first when the status is a normal ending. */
export function exitCode(status: Status): string {
  return status <= Status.Revert ? `{ ${GAS_TO_CTX} return ${status}; }` : `return ${status};`;
}
