/**
 * @file The virtual EVM stack of one basic block, kept in wasm locals.
 *
 * Inside a block, stack values are limb tuples of i64 locals or compile-time constants: PUSH, DUP,
 * SWAP and POP cost nothing at run time, and binaryen sees plain SSA-like locals it can optimise.
 * Items below the block's entry height are loaded from the in-memory EVM stack on first use; at
 * the block's end the remaining values are stored back and `sp` moves once. Values are immutable,
 * so DUP may share one value between several stack slots.
 *
 * Locals: 0 = sp (i32, address one past the top item), 1 = jump target (i32), 2 = status (i32),
 * 3 = Relooper label (i32), 4 = gas left (i64), 5 = byte-swap mask (v128), 6 = v128 temporary, 7 = base pointer (i32); i64 locals from 8 on: first the register groups' slots
 * (registers.ts: they carry a loop's items across its blocks), then temporaries allocated per block and reused by the next.
 */
import { CTX, Ctx, STACK_BASE, Status } from '../../abi/context.ts';
import { VirtualStack } from '../stack.ts';
import { binaryen, type Expr, i32, i64, type Module } from './module.ts';

/** One limb: an i64 local index (number) or a constant (bigint, 0 ≤ c < 2^64). */
export type Limb = number | bigint;

/** A 256-bit stack value: four limbs, least significant first. */
export interface Value {
  readonly limbs: readonly [Limb, Limb, Limb, Limb];
  /** Stack position it was loaded from (relative to the entry top, −1 = top), to skip storing it back unchanged. */
  readonly home?: number;
}

export const LOCAL_SP = 0;
export const LOCAL_JT = 1;
export const LOCAL_STATUS = 2;
/** Scratch local for the Relooper's label variable. */
export const LOCAL_LABEL = 3;
/**
 * Gas left (i64), kept in a local so block charges are register operations; written to `Ctx.gas`
 * around every host/builtin call that reads or charges gas and before every normal return.
 */
export const LOCAL_GAS = 4;
/**
 * The byte-reversal lane mask (v128: bytes 15..0), set once at function entry: an MLOAD/MSTORE half word (two limbs)
 * is one `i8x16.swizzle` by it (lower.ts); as a v128.const per use it was 18 bytes.
 */
export const LOCAL_BSWAP = 5;
/** A v128 temporary: an MLOAD half word before its two lanes are extracted. */
export const LOCAL_V128 = 6;
/** i8x16 lanes reversing all 16 bytes. */
export const REVERSE_LANES = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
/**
 * Base pointer of the items below a block's entry top (i32): sp − 32·stackReq, set at the block's first access to
 * them, so each such load or store addresses `base + offset` instead of computing `sp − 32k` (an i32.sub and a
 * constant per limb: a tenth of a real contract's wasm).
 */
export const LOCAL_BASE = 7;
/** First i64 local: register-region slots (registers.ts), then the per-block temporaries. */
export const FIRST_I64 = 8;
const MASK64 = (1n << 64n) - 1n;

/**
 * A block reclaims its dead i64 locals (BlockBuilder.recycle) once it has allocated this many and has none free. V8's
 * Liftoff pays per local at every control-flow merge (each memory-expansion `if`, each branch), so a function's local
 * count multiplies its first-call compile: micro/memory_grow_mload's 4,098 locals took Liftoff ~1 s for 2 MB of wasm.
 */
const RECYCLE_AT = 64;

/** Function-wide local allocation. */
export class Locals {
  /** `regs` i64 locals from FIRST_I64 hold register-region slots (registers.ts); temporaries come after them. */
  private readonly regs: number;
  private next: number;
  constructor(regs = 0) {
    this.regs = regs;
    this.next = FIRST_I64 + regs;
  }
  /** First temporary. */
  get first(): number {
    return FIRST_I64 + this.regs;
  }
  /** Dead locals of the current block, reused before new ones (lowest last, so it is taken first). */
  private free: number[] = [];
  private recycleAt = RECYCLE_AT;
  /** Highest number of i64 locals any block used. */
  max = 0;
  resetForBlock(): void {
    this.next = this.first;
    this.free.length = 0;
    this.recycleAt = RECYCLE_AT;
  }
  /** i64 locals allocated by the current block (live or free). */
  get inUse(): number {
    return this.next - this.first;
  }
  /** Whether the block should reclaim dead locals now (only at an instruction boundary: see BlockBuilder.recycle). */
  get wantsRecycle(): boolean {
    return this.free.length === 0 && this.next - this.first >= this.recycleAt;
  }
  /** Whether every allocated local is live (none free). */
  get full(): boolean {
    return this.free.length === 0;
  }
  alloc(): number {
    if (this.free.length > 0) return this.free.pop()!;
    const l = this.next++;
    this.max = Math.max(this.max, this.next - this.first);
    return l;
  }
  /**
   * Free every allocated local not in `live`; the next recycle waits until twice the live ones are allocated. Returns
   * the live count.
   */
  reclaim(live: Uint8Array): number {
    const free = this.free;
    free.length = 0;
    let n = 0;
    for (let l = this.next - 1; l >= this.first; l--) {
      if (live[l - this.first] === 0) free.push(l);
      else n++;
    }
    this.recycleAt = Math.max(RECYCLE_AT, 2 * n);
    return n;
  }
  /** Types of all locals, for addFunction. */
  types(): number[] {
    return [i32, i32, i32, i32, i64, binaryen.v128, binaryen.v128, i32, ...new Array<number>(this.regs + this.max).fill(i64)];
  }
}

/** Local of limb `i` of slot `h` in a register window whose lowest slot is `low` (registers.ts). */
export function regLocal(low: number, h: number, i: number): number {
  return FIRST_I64 + 4 * (h - low) + i;
}

/** Constant value from a bigint. */
export function constValue(x: bigint): Value {
  return { limbs: [x & MASK64, (x >> 64n) & MASK64, (x >> 128n) & MASK64, (x >> 192n) & MASK64] };
}

/** The bigint of a fully constant value, else undefined. */
export function valueConst(v: Value): bigint | undefined {
  const [a, b, c, d] = v.limbs;
  if (typeof a !== 'bigint' || typeof b !== 'bigint' || typeof c !== 'bigint' || typeof d !== 'bigint') return undefined;
  return a | (b << 64n) | (c << 128n) | (d << 192n);
}

/** Emits the code of one block. */
export class BlockBuilder extends VirtualStack<Value> {
  readonly stmts: Expr[] = [];

  /**
   * With `regs` the block belongs to a register region (registers.ts): its entry item k is slot `entry − k`, held in
   * the locals `regLocal(low, slot, 0..3)`, and its end writes those locals instead of the memory stack.
   */
  constructor(readonly m: Module, readonly locals: Locals, readonly regs?: { readonly entry: number; readonly low: number; readonly narrow?: ReadonlySet<number> }) {
    super();
    // Slots below 2^64 here (registers.ts narrowCounters): their high limbs' locals are zero, which TurboFan sees.
    if (regs?.narrow) for (const h of regs.narrow) for (let i = 1; i < 4; i++) this.emit(m.local.set(regLocal(regs.low, h, i), m.i64.const(0n)));
  }

  /** Expression of a limb. */
  get(l: Limb): Expr {
    return typeof l === 'bigint' ? this.m.i64.const(BigInt.asIntN(64, l)) : this.m.local.get(l, i64);
  }

  emit(e: Expr): void {
    this.stmts.push(e);
  }

  /** Evaluate `e` once into a fresh local; constants stay constants. */
  temp(e: Expr): number {
    const l = this.locals.alloc();
    this.emit(this.m.local.set(l, e));
    return l;
  }

  /** A value whose limbs are the given expressions (each evaluated once, in order). */
  override valueOf(limbs: readonly (Expr | bigint)[]): Value {
    const out = limbs.map((e) => (typeof e === 'bigint' ? e : this.temp(e)));
    return { limbs: out as unknown as Value['limbs'] };
  }

  sp(): Expr {
    return this.m.local.get(LOCAL_SP, i32);
  }

  /**
   * Bytes of EVM memory known to exist at this point of the block (a constant-range access checked or grew it; memory
   * never shrinks within a frame): lower.ts `expandMemory` skips the check of a constant range below it.
   */
  memInside = 0;

  /** Items the block's underflow check guarantees below the entry top (0 after a spill moved sp). */
  private entryReq = 0;
  private baseSet = false;

  /**
   * Constants known to sit below the entry top after a spill, by depth (1 = top): a spill writes the virtual stack
   * to memory, and reloading a PUSHed constant from there made everything computed from it opaque (the signextend
   * micro benchmark's indices, pushed at the top of its 24 KB block, became run-time values and builtin calls).
   */
  private knownBelow = new Map<number, Value>();

  /** The block's stackReq, checked on entry: items 1..req below the entry top are then addressed from LOCAL_BASE. */
  setEntryDepth(req: number): void {
    this.entryReq = req;
    this.baseSet = false;
    this.knownBelow.clear();
  }

  /** Address of the item `k` below the entry top: an expression maker (fresh per use) and a constant offset. */
  private belowEntry(k: number): { addr: () => Expr; offset: number } {
    const m = this.m;
    if (k > this.entryReq) return { addr: () => m.i32.sub(this.sp(), m.i32.const(32 * k)), offset: 0 };
    if (!this.baseSet) {
      this.emit(m.local.set(LOCAL_BASE, m.i32.sub(this.sp(), m.i32.const(32 * this.entryReq))));
      this.baseSet = true;
    }
    return { addr: () => m.local.get(LOCAL_BASE, i32), offset: 32 * (this.entryReq - k) };
  }

  /**
   * Constants the analysis proved on every path into the block (analysis/entry-constants.ts), by depth below the
   * entry top: read as constants instead of loaded. Not in register blocks, whose entry items come from locals.
   */
  knownAtEntry(c: ReadonlyMap<number, bigint> | undefined): void {
    if (c === undefined || this.regs) return;
    for (const [k, v] of c) this.knownBelow.set(k, constValue(v));
  }

  /** Load the item `k` positions below the entry top (k ≥ 1, at sp − 32k) into locals. */
  protected override loadEntryItem(k: number): Value {
    if (this.regs) {
      // Copied into temporaries, so the block's end may overwrite any register in any order (TurboFan renames).
      const h = this.regs.entry - k;
      const narrow = this.regs.narrow?.has(h) ?? false;
      const limbs = [0, 1, 2, 3].map((i) => (narrow && i > 0 ? 0n : this.temp(this.m.local.get(regLocal(this.regs!.low, h, i), i64))));
      return { limbs: limbs as unknown as Value['limbs'], home: -k };
    }
    const known = this.knownBelow.get(k);
    if (known !== undefined) return { limbs: known.limbs, home: -k };
    // A fresh address expression per load: binaryen IR is a tree, a shared node corrupts the optimiser.
    const { addr, offset } = this.belowEntry(k);
    const limbs: Limb[] = [];
    for (let i = 0; i < 4; i++) limbs.push(this.temp(this.m.i64.load(offset + 8 * i, 8, addr())));
    return { limbs: limbs as unknown as Value['limbs'], home: -k };
  }

  /** Store `v` as a word at `addr` (i32 expression, evaluated once per limb — pass a local.get or const). */
  storeWord(addr: () => Expr, v: Value, offset = 0): void {
    for (let i = 0; i < 4; i++) this.emit(this.m.i64.store(offset + 8 * i, 8, addr(), this.get(v.limbs[i])));
  }

  /** Load a word from a constant address into a fresh value. */
  loadWord(addr: number): Value {
    return this.valueOf([0, 1, 2, 3].map((i) => this.m.i64.load(8 * i, 8, this.m.i32.const(addr))));
  }

  /**
   * Free the locals no stack value holds. Only between instructions: then every value still needed is on the virtual
   * stack (values hold locals or constants, never pending expressions), and code already emitted reads a local before
   * any later `local.set` of its next owner.
   */
  recycle(): number {
    const live = new Uint8Array(this.locals.inUse);
    const first = this.locals.first;
    for (const v of this.stack) {
      for (const l of v.limbs) if (typeof l === 'number' && l >= first) live[l - first] = 1;
    }
    return this.locals.reclaim(live);
  }

  /** Write the virtual stack back to memory and move sp: the block's end. */
  flush(): void {
    if (this.regs) {
      const { entry, low } = this.regs;
      for (const { v, pos } of this.survivors()) {
        for (let i = 0; i < 4; i++) this.emit(this.m.local.set(regLocal(low, entry + pos, i), this.get(v.limbs[i])));
      }
    } else for (const { v, pos } of this.survivors()) {
      // pos is relative to the entry top (item at sp + 32·pos); wasm offsets are unsigned: slots below use the base
      if (pos >= 0) this.storeWord(() => this.sp(), v, 32 * pos);
      else {
        const { addr, offset } = this.belowEntry(-pos);
        this.storeWord(addr, v, offset);
      }
    }
    const delta = this.deltaBytes;
    if (delta !== 0) this.emit(this.m.local.set(LOCAL_SP, this.m.i32.add(this.sp(), this.m.i32.const(delta))));
  }

  /** Items on the stack now relative to sp (negative after net pops). */
  get height(): number {
    return this.deltaBytes / 32;
  }

  /** Items sp has moved by since the entry (spills: the entry top is `moved` items below sp). */
  moved = 0;

  /** While compiling a side arm (control.ts): no spill, which would write back and forget the stack the code after it goes on with. */
  noSpill = false;

  /** What compiling a block that halts into a side arm may change, to go on after it as if it had not run (control.ts). */
  mark(): { depth: number; popped: number; memInside: number; baseSet: boolean; moved: number } {
    return { depth: this.stack.length, popped: this.popped, memInside: this.memInside, baseSet: this.baseSet, moved: this.moved };
  }

  /** Back to `mark()`: the arm's block only pushed above it (it reads nothing below its entry). */
  rewind(k: { depth: number; popped: number; memInside: number; baseSet: boolean; moved: number }): void {
    if (this.popped !== k.popped || this.stack.length < k.depth || this.moved !== k.moved) throw new Error('mevmc internal error: a side arm changed the stack below it');
    this.stack.length = k.depth;
    this.memInside = k.memInside;
    this.baseSet = k.baseSet;
  }

  /**
   * The write-back of the virtual stack as statements for an exit taken here while the code goes on (an extended
   * block's side exit, control.ts): nothing changes for the code after it, which may still set the base itself.
   */
  flushArm(): Expr[] {
    const n = this.stmts.length;
    const baseSet = this.baseSet;
    this.flush();
    this.baseSet = baseSet;
    return this.stmts.splice(n);
  }

  /**
   * Write the virtual stack back mid-block and start afresh, freeing every local: keeps huge
   * straight-line blocks under engines' local-count limits (V8 allows 50,000 per function). The
   * block's stack bounds were checked on entry, so this changes no semantics.
   */
  spill(): void {
    if (this.regs) throw new Error('mevmc internal error: a register-region block spilled');
    // Constants below the new top, by depth: from the virtual stack, then the ones still known under it
    const known = new Map<number, Value>();
    const n = this.stack.length;
    this.stack.forEach((v, i) => { if (valueConst(v) !== undefined) known.set(n - i, v); });
    for (const [k, v] of this.knownBelow) if (k > this.popped) known.set(k - this.popped + n, v);
    this.moved += this.deltaBytes / 32;
    this.flush();
    this.reset();
    this.locals.resetForBlock();
    // sp moved: the base no longer matches; the rest of the block subtracts from sp
    this.setEntryDepth(0);
    this.knownBelow = known;
  }

  /** `return status` when `cond` (i32) holds. */
  failIf(cond: Expr, status: number): void {
    this.emit(this.m.if(cond, this.m.return(this.m.i32.const(status))));
  }

  /** Return `status` from the frame now (normal endings publish the gas left first). */
  exit(status: number): void {
    if (status <= Status.Revert) this.emit(storeGas(this.m));
    this.emit(this.m.return(this.m.i32.const(status)));
  }

  /** Gas left as an i64 expression. */
  gas(): Expr {
    return this.m.local.get(LOCAL_GAS, i64);
  }

  /** Charge `cost` (i64 expression, evaluated twice: pass a local or const) or halt with OutOfGas. */
  charge(cost: () => Expr): void {
    this.failIf(this.m.i64.lt_u(this.gas(), cost()), Status.OutOfGas);
    this.emit(this.m.local.set(LOCAL_GAS, this.m.i64.sub(this.gas(), cost())));
  }
}

/** `Ctx.gas = gas local`. */
export function storeGas(m: Module): Expr {
  return m.i64.store(Ctx.gas, 8, m.i32.const(CTX), m.local.get(LOCAL_GAS, i64));
}

/** Function entry: the byte-swap mask local. */
export function initBswapMask(m: Module): Expr {
  return m.local.set(LOCAL_BSWAP, m.v128.const(REVERSE_LANES));
}

/** `gas local = Ctx.gas`. */
export function loadGas(m: Module): Expr {
  return m.local.set(LOCAL_GAS, m.i64.load(Ctx.gas, 8, m.i32.const(CTX)));
}

/**
 * A call to a host import or `mevmc_expand` with the gas local synchronised around it (they read
 * and charge `Ctx.gas`). Uses the status local for the result.
 */
export function makeGasSyncedCall(m: Module, callExpr: Expr, hasResult: boolean): Expr {
  if (!hasResult) return m.block(null, [storeGas(m), callExpr, loadGas(m)]);
  return m.block(null, [storeGas(m), m.local.set(LOCAL_STATUS, callExpr), loadGas(m), m.local.get(LOCAL_STATUS, i32)], i32);
}

/** Stack bottom as an expression constant (for the underflow check). */
export const stackBase = STACK_BASE;
export { binaryen };
