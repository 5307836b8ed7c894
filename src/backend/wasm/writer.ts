/**
 * @file A direct wasm binary writer with the slice of binaryen.js's Module API the lowering uses (`IRModule`).
 *
 * Why: at -O0 (the runtime's level) binaryen is only an assembler, and an expensive one: building the IR through
 * binaryen.js crosses into its wasm heap once per node and emitting walks it again (CPU profile of
 * `scripts/bench-compile.mjs`: binaryen.js glue and binaryen's own functions took most of 200–600 ms per 24 KB).
 * Here an expression is an index into a node table and the module is written straight to bytes: same code, no
 * binaryen. Types use binaryen's numbering (none 0, unreachable 1, i32 2, i64 3) so the lowering's `i32`/`i64`/`none`
 * constants serve both. Serialisation is iterative (the linear layout nests one wasm block per EVM block).
 */

/** binaryen's ids of the basic types (stable across versions; module.ts checks them). */
export const T_NONE = 0;
export const T_UNREACHABLE = 1;
export const T_I32 = 2;
export const T_I64 = 3;
/** binaryen's v128; only for locals (a node's two type bits tag v128 values as i64, see `simdOp`). */
export const T_V128 = 6;

type Expr = number;
/** Node kinds (low byte of a node's first word; the type is in the next byte). */
const K_OP = 0, K_BLOCK = 1, K_LOOP = 2, K_IF = 3, K_BR = 4, K_SWITCH = 5, K_NOP = 6;

/** The binaryen.js surface the wasm lowering uses; `binaryen.Module` and `WasmWriter` both provide it. */
export interface IRModule {
  i32: {
    const(v: number): Expr; add(a: Expr, b: Expr): Expr; sub(a: Expr, b: Expr): Expr; and(a: Expr, b: Expr): Expr; or(a: Expr, b: Expr): Expr;
    shl(a: Expr, b: Expr): Expr; shr_u(a: Expr, b: Expr): Expr; eq(a: Expr, b: Expr): Expr; eqz(a: Expr): Expr;
    lt_u(a: Expr, b: Expr): Expr; gt_u(a: Expr, b: Expr): Expr; wrap(a: Expr): Expr;
    store(offset: number, align: number, ptr: Expr, value: Expr): Expr;
  };
  i64: {
    const(v: bigint): Expr; add(a: Expr, b: Expr): Expr; sub(a: Expr, b: Expr): Expr; mul(a: Expr, b: Expr): Expr;
    and(a: Expr, b: Expr): Expr; or(a: Expr, b: Expr): Expr; xor(a: Expr, b: Expr): Expr; shl(a: Expr, b: Expr): Expr;
    shr_u(a: Expr, b: Expr): Expr; shr_s(a: Expr, b: Expr): Expr; rotl(a: Expr, b: Expr): Expr; eq(a: Expr, b: Expr): Expr;
    ne(a: Expr, b: Expr): Expr; eqz(a: Expr): Expr; lt_u(a: Expr, b: Expr): Expr; lt_s(a: Expr, b: Expr): Expr; le_u(a: Expr, b: Expr): Expr;
    extend_u(a: Expr): Expr; clz(a: Expr): Expr; div_s(a: Expr, b: Expr): Expr; div_u(a: Expr, b: Expr): Expr;
    rem_s(a: Expr, b: Expr): Expr; rem_u(a: Expr, b: Expr): Expr;
    load(offset: number, align: number, ptr: Expr): Expr;
    store(offset: number, align: number, ptr: Expr, value: Expr): Expr;
    store8(offset: number, align: number, ptr: Expr, value: Expr): Expr;
  };
  local: { get(index: number, type: number): Expr; set(index: number, value: Expr): Expr };
  memory: {
    copy(dest: Expr, source: Expr, size: Expr): Expr; fill(dest: Expr, value: Expr, size: Expr): Expr;
    init(segment: string, dest: Expr, offset: Expr, size: Expr): Expr;
  };
  /** The SIMD slice for byte swaps (lower.ts `makeBswap`): v128 values only ever feed other v128 ops or an extract. */
  v128: {
    const(bytes: number[]): Expr; load(offset: number, align: number, ptr: Expr): Expr;
    store(offset: number, align: number, ptr: Expr, value: Expr): Expr;
  };
  i8x16: { shuffle(left: Expr, right: Expr, mask: number[]): Expr; swizzle(left: Expr, right: Expr): Expr };
  i64x2: { splat(value: Expr): Expr; extract_lane(vec: Expr, index: number): Expr; replace_lane(vec: Expr, index: number, value: Expr): Expr };
  block(label: string | null, children: readonly Expr[], resultType?: number): Expr;
  loop(label: string | null, body: Expr): Expr;
  if(condition: Expr, ifTrue: Expr, ifFalse?: Expr): Expr;
  br(label: string, condition?: Expr): Expr;
  switch(labels: readonly string[], defaultLabel: string, condition: Expr): Expr;
  select(condition: Expr, ifTrue: Expr, ifFalse: Expr): Expr;
  return(value?: Expr): Expr;
  call(name: string, operands: readonly Expr[], returnType: number): Expr;
  nop(): Expr;
}

/** Bytes of a value type. */
function valType(t: number): number {
  if (t === T_I32) return 0x7f;
  if (t === T_I64) return 0x7e;
  if (t === T_V128) return 0x7b;
  throw new Error(`mevmc internal error: no value type for ${t}`);
}
/** Block type byte: a value type, or empty (none / unreachable). */
const blockType = (t: number): number => (t === T_I32 || t === T_I64 ? valType(t) : 0x40);

/** Unsigned LEB128 of `v` (< 2^32) appended to `out`. */
export function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}
function sleb32(out: number[], v: number): void {
  v |= 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}
function sleb64(out: number[], v: bigint): void {
  v = BigInt.asIntN(64, v);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}
const log2Align = (a: number): number => (a >= 8 ? 3 : a >= 4 ? 2 : a >= 2 ? 1 : 0);

/** Growable byte buffer. */
class Bytes {
  buf: Uint8Array;
  len = 0;
  constructor(size = 1 << 12) {
    this.buf = new Uint8Array(size);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }
  bytes(bs: ArrayLike<number>): void {
    this.room(bs.length);
    for (let i = 0; i < bs.length; i++) this.buf[this.len++] = bs[i];
  }
  range(src: Uint8Array, at: number, n: number): void {
    this.room(n);
    if (n > 16) { this.buf.set(src.subarray(at, at + n), this.len); this.len += n; return; }
    for (let i = 0; i < n; i++) this.buf[this.len++] = src[at + i];
  }
  uleb(v: number): void {
    const t: number[] = [];
    uleb(t, v);
    this.bytes(t);
  }
  name(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.uleb(b.length);
    this.bytes(b);
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

interface FuncImport { module: string; base: string; params: readonly number[]; result: number }

/**
 * Builds one module with one defined function; see the file comment. Nodes live in one growable Int32Array (no object
 * per node: with objects, GC took a fifth of the compile): [kind | type << 3 | n << 5, a, b, kid0 … kid(n-1)]. Op: a ≥ 0
 * is an offset into the byte pool (b bytes), a < 0 the single opcode −a − 1. Block/Loop: a = label id or −1. Br: a =
 * label id. Switch: a = default label id, b = offset of [count, ids…] in the label pool. An expression is its node's
 * offset (never 0: binaryen's references are non-zero and the lowering tests them for truth), or a negative leaf
 * (`leaf`). Encodings (constants, local indices, memargs, call targets) are interned once in the pool.
 */
export class WasmWriter implements IRModule {
  private h = takeSpare() ?? new Int32Array(1 << 16);
  private top = 1;
  private pool = new Uint8Array(1 << 14);
  private poolTop = 0;
  private readonly switchPool: number[] = [];
  private readonly labelIds = new Map<string, number>();
  private readonly funcs = new Map<string, number>();
  private readonly imports: FuncImport[] = [];
  private memoryImport: { module: string; base: string } | undefined;
  private fn: { name: string; locals: readonly number[]; body: Expr } | undefined;
  private readonly globals: { name: string; value: number }[] = [];
  private readonly custom: [string, Uint8Array][] = [];
  /** Pool offsets of encoded constants (a contract repeats a few hundred constants many times). */
  private readonly i64Consts = new Map<bigint, number>();
  private readonly i32Consts = new Map<number, number>();
  private readonly localGets = new Map<number, number>();
  private readonly localSets = new Map<number, number>();
  private readonly memargs = new Map<number, number>();
  private readonly calls = new Map<number, number>();
  /** Bytes of the op being built (`sl` of them). */
  private readonly scratch = new Uint8Array(32);
  private sl = 0;

  private node(kind: number, t: number, a: number, b: number, n: number): number {
    if (this.top + HDR + n > this.h.length) {
      const g = new Int32Array(Math.max(this.h.length * 2, this.top + HDR + n));
      g.set(this.h);
      this.h = g;
    }
    const e = this.top;
    const h = this.h;
    h[e] = kind | (t << 3) | (n << 5);
    h[e + 1] = a;
    h[e + 2] = b;
    this.top = e + HDR + n;
    return e;
  }
  private typeOf(e: Expr): number {
    return e < 0 ? (-e - 1) & 3 : (this.h[e] >> 3) & 3;
  }
  /**
   * A leaf (constant, local.get) is no node at all: the expression is −(pool offset << 6 | length << 2 | type) − 1,
   * its bytes interned once per distinct encoding. Leaves are over half of all expressions.
   */
  private leaf(t: number, at: number, len: number): Expr {
    if (at >= 1 << 24) throw new Error('mevmc internal error: wasm writer pool overflow');
    return -(((at << 4) | len) << 2 | t) - 1;
  }
  /** Pool offset of the scratch bytes, interned once per distinct `key`. */
  private cached(cache: Map<number, number>, key: number): number {
    let at = cache.get(key);
    if (at === undefined) { at = this.intern(); cache.set(key, at); }
    return at;
  }
  /** Copy `scratch` into the byte pool; its offset. */
  private intern(): number {
    const bs = this.scratch;
    const n = this.sl;
    if (this.poolTop + n > this.pool.length) {
      const g = new Uint8Array(Math.max(this.pool.length * 2, this.poolTop + n));
      g.set(this.pool);
      this.pool = g;
    }
    const at = this.poolTop;
    for (let i = 0; i < n; i++) this.pool[at + i] = bs[i];
    this.poolTop += n;
    return at;
  }
  /** Start the scratch bytes with `b`. */
  private start(b: number): void {
    this.scratch[0] = b;
    this.sl = 1;
  }
  private put(b: number): void {
    this.scratch[this.sl++] = b;
  }
  private putUleb(v: number): void {
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.scratch[this.sl++] = b;
    } while (v !== 0);
  }
  /** An op whose bytes are in `scratch` (interned per `key` when given). */
  private opCode(t: number, kids: readonly Expr[], cache?: Map<number, number>, key = 0): Expr {
    const len = this.sl;
    const at = cache ? this.cached(cache, key) : this.intern();
    const e = this.node(K_OP, t, at, len, kids.length);
    for (let i = 0; i < kids.length; i++) this.h[e + HDR + i] = kids[i];
    return e;
  }
  /** `opCode` with one operand (no array per call). */
  private opCode1(t: number, kid: Expr, cache: Map<number, number>, key: number): Expr {
    const len = this.sl;
    const at = this.cached(cache, key);
    const e = this.node(K_OP, t, at, len, 1);
    this.h[e + HDR] = kid;
    return e;
  }
  private op0(t: number, opcode: number): Expr {
    return this.node(K_OP, t, -opcode - 1, 0, 0);
  }
  private op1(t: number, opcode: number, a: Expr): Expr {
    const e = this.node(K_OP, t, -opcode - 1, 0, 1);
    this.h[e + HDR] = a;
    return e;
  }
  private op2(t: number, opcode: number, a: Expr, b: Expr): Expr {
    const e = this.node(K_OP, t, -opcode - 1, 0, 2);
    this.h[e + HDR] = a;
    this.h[e + HDR + 1] = b;
    return e;
  }
  private un(t: number, opcode: number) {
    return (a: Expr) => this.op1(t, opcode, a);
  }
  private bin(t: number, opcode: number) {
    return (a: Expr, b: Expr) => this.op2(t, opcode, a, b);
  }
  /** Scratch = opcode + memarg; returns the interning key. */
  private memarg(opcode: number, align: number, offset: number): number {
    this.start(opcode);
    this.put(log2Align(align));
    this.putUleb(offset);
    return (offset * 4 + log2Align(align)) * 256 + opcode;
  }
  private load(t: number, opcode: number) {
    return (offset: number, align: number, ptr: Expr) => {
      const key = this.memarg(opcode, align, offset);
      return this.opCode1(t, ptr, this.memargs, key);
    };
  }
  private store(opcode: number) {
    return (offset: number, align: number, ptr: Expr, value: Expr) => {
      const key = this.memarg(opcode, align, offset);
      const e = this.opCode(T_NONE, NO_KIDS, this.memargs, key);
      // two operands, written in place (no array per store)
      this.reserve(2);
      this.h[e] += 2 << 5;
      this.h[e + HDR] = ptr;
      this.h[e + HDR + 1] = value;
      this.top += 2;
      return e;
    };
  }
  /** A constant leaf from its interned bytes. */
  private constNode(t: number, at: number): Expr {
    return this.leaf(t, at, lebEnd(this.pool, at + 1) - at);
  }
  /** Room for `n` more words at the top (right after the last node). */
  private reserve(n: number): void {
    if (this.top + n > this.h.length) {
      const g = new Int32Array(this.h.length * 2 + n);
      g.set(this.h);
      this.h = g;
    }
  }

  readonly i32 = {
    const: (v: number) => {
      let at = this.i32Consts.get(v);
      if (at === undefined) {
        const c = [0x41];
        sleb32(c, v);
        this.scratch.set(c);
        this.sl = c.length;
        at = this.intern();
        this.i32Consts.set(v, at);
      }
      return this.constNode(T_I32, at);
    },
    add: this.bin(T_I32, 0x6a), sub: this.bin(T_I32, 0x6b), and: this.bin(T_I32, 0x71), or: this.bin(T_I32, 0x72),
    shl: this.bin(T_I32, 0x74), shr_u: this.bin(T_I32, 0x76), eq: this.bin(T_I32, 0x46), eqz: this.un(T_I32, 0x45),
    lt_u: this.bin(T_I32, 0x49), gt_u: this.bin(T_I32, 0x4b), wrap: this.un(T_I32, 0xa7),
    store: this.store(0x36),
  };
  readonly i64 = {
    const: (v: bigint) => {
      let at = this.i64Consts.get(v);
      if (at === undefined) {
        const c = [0x42];
        sleb64(c, v);
        this.scratch.set(c);
        this.sl = c.length;
        at = this.intern();
        this.i64Consts.set(v, at);
      }
      return this.constNode(T_I64, at);
    },
    add: this.bin(T_I64, 0x7c), sub: this.bin(T_I64, 0x7d), mul: this.bin(T_I64, 0x7e), and: this.bin(T_I64, 0x83),
    or: this.bin(T_I64, 0x84), xor: this.bin(T_I64, 0x85), shl: this.bin(T_I64, 0x86), shr_s: this.bin(T_I64, 0x87),
    shr_u: this.bin(T_I64, 0x88), rotl: this.bin(T_I64, 0x89), eq: this.bin(T_I32, 0x51), ne: this.bin(T_I32, 0x52),
    eqz: this.un(T_I32, 0x50), lt_s: this.bin(T_I32, 0x53), lt_u: this.bin(T_I32, 0x54), le_u: this.bin(T_I32, 0x58),
    extend_u: this.un(T_I64, 0xad), clz: this.un(T_I64, 0x79), div_s: this.bin(T_I64, 0x7f), div_u: this.bin(T_I64, 0x80),
    rem_s: this.bin(T_I64, 0x81), rem_u: this.bin(T_I64, 0x82),
    load: this.load(T_I64, 0x29), store: this.store(0x37), store8: this.store(0x3c),
  };
  readonly local = {
    get: (index: number, type: number) => {
      let at = this.localGets.get(index);
      if (at === undefined) {
        this.start(0x20);
        this.putUleb(index);
        at = this.intern();
        this.localGets.set(index, at);
      }
      return this.leaf(type === T_V128 ? T_I64 : type, at, lebEnd(this.pool, at + 1) - at);
    },
    set: (index: number, value: Expr) => {
      this.start(0x21);
      this.putUleb(index);
      return this.opCode1(T_NONE, value, this.localSets, index);
    },
  };
  /**
   * SIMD ops (prefix 0xfd), interned per distinct encoding. A node's type has two bits (none/unreachable/i32/i64), so
   * v128 results are tagged i64: the type only matters for block and if results, which are never v128.
   */
  private readonly simd = new Map<string, number>();
  private simdOp(op: number, imm: readonly number[], kids: readonly Expr[]): Expr {
    this.start(0xfd);
    this.putUleb(op);
    for (const b of imm) this.put(b);
    const key = `${op}:${imm.join(',')}`;
    let at = this.simd.get(key);
    if (at === undefined) { at = this.intern(); this.simd.set(key, at); }
    const e = this.node(K_OP, T_I64, at, this.sl, kids.length);
    for (let i = 0; i < kids.length; i++) this.h[e + HDR + i] = kids[i];
    return e;
  }
  /** Memarg immediates: log2 of the alignment, then the offset (uleb). */
  private static memImm(align: number, offset: number): number[] {
    const out = [log2Align(align)];
    let v = offset;
    do { let b = v & 0x7f; v >>>= 7; if (v !== 0) b |= 0x80; out.push(b); } while (v !== 0);
    return out;
  }
  readonly v128 = {
    const: (bytes: number[]) => this.simdOp(0x0c, bytes, []),
    load: (offset: number, align: number, ptr: Expr) => this.simdOp(0x00, WasmWriter.memImm(align, offset), [ptr]),
    store: (offset: number, align: number, ptr: Expr, value: Expr) => {
      const e = this.simdOp(0x0b, WasmWriter.memImm(align, offset), [ptr, value]);
      this.h[e] = (this.h[e] & ~(3 << 3)) | (T_NONE << 3); // a store has no result
      return e;
    },
  };
  readonly i8x16 = {
    shuffle: (left: Expr, right: Expr, mask: number[]) => this.simdOp(0x0d, mask, [left, right]),
    swizzle: (left: Expr, right: Expr) => this.simdOp(0x0e, [], [left, right]),
  };
  readonly i64x2 = {
    splat: (value: Expr) => this.simdOp(0x12, [], [value]),
    extract_lane: (vec: Expr, index: number) => this.simdOp(0x1d, [index], [vec]),
    replace_lane: (vec: Expr, index: number, value: Expr) => this.simdOp(0x1e, [index], [vec, value]),
  };
  readonly memory = {
    copy: (dest: Expr, source: Expr, size: Expr) => {
      this.start(0xfc);
      this.put(0x0a);
      this.put(0x00);
      this.put(0x00);
      return this.opCode(T_NONE, [dest, source, size]);
    },
    fill: (dest: Expr, value: Expr, size: Expr) => {
      this.start(0xfc);
      this.put(0x0b);
      this.put(0x00);
      return this.opCode(T_NONE, [dest, value, size]);
    },
    /** memory.init of the one passive segment (addPassiveData), named as binaryen names it. */
    init: (segment: string, dest: Expr, offset: Expr, size: Expr) => {
      if (segment !== this.passive?.name) throw new Error(`mevmc internal error: no passive data segment ${segment}`);
      this.start(0xfc);
      this.put(0x08);
      this.put(0x00); // data index 0
      this.put(0x00); // memory 0
      return this.opCode(T_NONE, [dest, offset, size]);
    },
  };

  private labelId(label: string): number {
    let id = this.labelIds.get(label);
    if (id === undefined) { id = this.labelIds.size; this.labelIds.set(label, id); }
    return id;
  }
  private withKids(kind: number, t: number, a: number, b: number, kids: readonly Expr[]): Expr {
    const e = this.node(kind, t, a, b, kids.length);
    const h = this.h;
    for (let i = 0; i < kids.length; i++) h[e + HDR + i] = kids[i];
    return e;
  }

  block(label: string | null, children: readonly Expr[], resultType?: number): Expr {
    // binaryen.js: the type defaults to none, which an unreachable last child turns into unreachable
    let t = resultType ?? T_NONE;
    if (t === T_NONE && label === null && children.length > 0 && this.typeOf(children[children.length - 1]) === T_UNREACHABLE) t = T_UNREACHABLE;
    return this.withKids(K_BLOCK, t, label === null ? -1 : this.labelId(label), 0, children);
  }
  loop(label: string | null, body: Expr): Expr {
    return this.withKids(K_LOOP, this.typeOf(body), label === null ? -1 : this.labelId(label), 0, [body]);
  }
  if(condition: Expr, ifTrue: Expr, ifFalse?: Expr): Expr {
    let t = T_NONE;
    if (ifFalse !== undefined) {
      const a = this.typeOf(ifTrue);
      const b = this.typeOf(ifFalse);
      t = a === T_UNREACHABLE ? b : b === T_UNREACHABLE ? a : a === b ? a : T_NONE;
    }
    return this.withKids(K_IF, t, 0, 0, ifFalse === undefined ? [condition, ifTrue] : [condition, ifTrue, ifFalse]);
  }
  br(label: string, condition?: Expr): Expr {
    if (condition === undefined) return this.node(K_BR, T_UNREACHABLE, this.labelId(label), 0, 0);
    const e = this.node(K_BR, T_NONE, this.labelId(label), 0, 1);
    this.h[e + HDR] = condition;
    return e;
  }
  switch(labels: readonly string[], defaultLabel: string, condition: Expr): Expr {
    const at = this.switchPool.length;
    this.switchPool.push(labels.length);
    for (const l of labels) this.switchPool.push(this.labelId(l));
    const e = this.node(K_SWITCH, T_UNREACHABLE, this.labelId(defaultLabel), at, 1);
    this.h[e + HDR] = condition;
    return e;
  }
  select(condition: Expr, ifTrue: Expr, ifFalse: Expr): Expr {
    const t = this.typeOf(ifTrue) === T_UNREACHABLE ? this.typeOf(ifFalse) : this.typeOf(ifTrue);
    const e = this.node(K_OP, t, -0x1b - 1, 0, 3);
    this.h[e + HDR] = ifTrue;
    this.h[e + HDR + 1] = ifFalse;
    this.h[e + HDR + 2] = condition;
    return e;
  }
  return(value?: Expr): Expr {
    return value === undefined ? this.op0(T_UNREACHABLE, 0x0f) : this.op1(T_UNREACHABLE, 0x0f, value);
  }
  call(name: string, operands: readonly Expr[], returnType: number): Expr {
    const idx = this.funcs.get(name);
    if (idx === undefined) throw new Error(`mevmc internal error: call to undeclared ${name}`);
    this.start(0x10);
    this.putUleb(idx);
    return this.opCode(returnType, operands, this.calls, idx);
  }
  nop(): Expr {
    return this.node(K_NOP, T_NONE, 0, 0, 0);
  }
  /** Whether `e` never completes normally (binaryen's `unreachable` type). */
  isUnreachable(e: Expr): boolean {
    return this.typeOf(e) === T_UNREACHABLE;
  }

  addMemoryImport(module: string, base: string): void {
    this.memoryImport = { module, base };
  }
  private passive: { name: string; bytes: Uint8Array } | undefined;
  /** The module's one passive data segment (memory.init's source; declare it before lowering uses it). */
  addPassiveData(name: string, bytes: Uint8Array): void {
    this.passive = { name, bytes };
  }
  /** Declare an imported function (before any call to it, before `addFunction`). */
  addFunctionImport(name: string, module: string, base: string, params: readonly number[], result: number): void {
    this.funcs.set(name, this.imports.length);
    this.imports.push({ module, base, params, result });
  }
  /** The one defined function: no params, result i32, `locals` its local types. */
  addFunction(name: string, locals: readonly number[], body: Expr): void {
    this.funcs.set(name, this.imports.length);
    this.fn = { name, locals, body };
  }
  /** An exported immutable i32 global. */
  addI32GlobalExport(name: string, value: number): void {
    this.globals.push({ name, value });
  }
  addCustomSection(name: string, bytes: Uint8Array): void {
    this.custom.push([name, bytes]);
  }

  /** The module's binary (the function `run` exported under its name). */
  emitBinary(): Uint8Array {
    const fn = this.fn;
    if (fn === undefined) throw new Error('mevmc internal error: module has no function');
    const out = new Bytes(1 << 16);
    out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, write: (s: Bytes) => void, size?: number) => {
      const s = new Bytes(size);
      write(s);
      out.byte(id);
      out.uleb(s.len);
      out.range(s.buf, 0, s.len);
    };
    // Function types, deduplicated: the imports' and run's () -> i32.
    const types = new Map<string, { index: number; params: readonly number[]; result: number }>();
    const typeIdx = (params: readonly number[], result: number) => {
      const k = `${params.join(',')}:${result}`;
      let t = types.get(k);
      if (t === undefined) { t = { index: types.size, params, result }; types.set(k, t); }
      return t.index;
    };
    const importTypes = this.imports.map((f) => typeIdx(f.params, f.result));
    const runType = typeIdx([], T_I32);
    section(1, (s) => {
      s.uleb(types.size);
      for (const { params, result } of types.values()) {
        s.byte(0x60);
        s.uleb(params.length);
        for (const p of params) s.byte(valType(p));
        if (result === T_NONE) s.uleb(0);
        else { s.uleb(1); s.byte(valType(result)); }
      }
    });
    section(2, (s) => {
      s.uleb(this.imports.length + (this.memoryImport ? 1 : 0));
      if (this.memoryImport) { s.name(this.memoryImport.module); s.name(this.memoryImport.base); s.byte(0x02); s.byte(0x00); s.uleb(0); }
      this.imports.forEach((f, i) => { s.name(f.module); s.name(f.base); s.byte(0x00); s.uleb(importTypes[i]); });
    });
    section(3, (s) => { s.uleb(1); s.uleb(runType); });
    if (this.globals.length) {
      section(6, (s) => {
        s.uleb(this.globals.length);
        for (const g of this.globals) { const c = [0x7f, 0x00, 0x41]; sleb32(c, g.value); c.push(0x0b); s.bytes(c); }
      });
    }
    section(7, (s) => {
      s.uleb(1 + this.globals.length);
      s.name(fn.name); s.byte(0x00); s.uleb(this.imports.length);
      this.globals.forEach((g, i) => { s.name(g.name); s.byte(0x03); s.uleb(i); });
    });
    const body = new Bytes(Math.max(1 << 16, this.top * 2));
    // locals as runs of one type
    const runs: [number, number][] = [];
    for (const t of fn.locals) {
      if (runs.length && runs[runs.length - 1][1] === t) runs[runs.length - 1][0]++;
      else runs.push([1, t]);
    }
    body.uleb(runs.length);
    for (const [n, t] of runs) { body.uleb(n); body.byte(valType(t)); }
    this.writeExpr(body, fn.body);
    body.byte(0x0b);
    const passive = this.passive;
    if (passive) section(12, (s) => s.uleb(1)); // data count: memory.init needs it, before the code
    section(10, (s) => { s.uleb(1); s.uleb(body.len); s.range(body.buf, 0, body.len); }, body.len + 16);
    if (passive) section(11, (s) => { s.uleb(1); s.byte(0x01); s.uleb(passive.bytes.length); s.range(passive.bytes, 0, passive.bytes.length); }, passive.bytes.length + 16);
    for (const [name, bytes] of this.custom) section(0, (s) => { s.name(name); s.bytes(bytes); }, bytes.length + 64);
    giveSpare(this.h);
    this.h = new Int32Array(0);
    return out.buf.slice(0, out.len);
  }

  /**
   * Post-order serialisation with an explicit work stack (entries: node offset × 4 + phase; phase 0 enter, 1 leave,
   * 2 the `else` of an if, 3 the `if` after its condition). A label's depth is kept per label id, saved and restored
   * around its scope.
   */
  private writeExpr(out: Bytes, root: Expr): void {
    const h = this.h;
    const pool = this.pool;
    const sw = this.switchPool;
    const work: number[] = [task(root)];
    const depthOf = new Int32Array(this.labelIds.size).fill(-1);
    const saved: number[] = [];
    let depth = 0;
    const rel = (id: number) => {
      const d = depthOf[id];
      if (d < 0) throw new Error('mevmc internal error: branch to a label out of scope');
      return depth - d;
    };
    const tmp: number[] = [];
    while (work.length) {
      const w = work.pop()!;
      if (w < 0) {
        // a leaf: −(at << 6 | len << 2 | type) − 1
        const x = -w - 1;
        out.range(pool, x >>> 6, (x >> 2) & 15);
        continue;
      }
      const e = w >> 2;
      const phase = w & 3;
      const kind = h[e] & 7;
      const n = h[e] >>> 5;
      switch (kind) {
        case K_OP: {
          if (phase === 0 && n > 0 && allLeaves(h, e + HDR, n)) {
            // operands that are all leaves (most: local.gets and constants) are written here, without the work stack
            for (let i = 0; i < n; i++) { const x = -h[e + HDR + i] - 1; out.range(pool, x >>> 6, (x >> 2) & 15); }
          } else if (phase === 0 && n > 0) {
            work.push(e * 4 + 1);
            for (let i = n - 1; i >= 0; i--) work.push(task(h[e + HDR + i]));
            break;
          }
          const a = h[e + 1];
          if (a < 0) out.byte(-a - 1);
          else out.range(pool, a, h[e + 2]);
          break;
        }
        case K_NOP: break;
        case K_BLOCK: case K_LOOP: {
          const id = h[e + 1];
          if (phase === 1) {
            out.byte(0x0b);
            if (id >= 0) depthOf[id] = saved.pop()!;
            depth--;
            // a block that never completes has an empty block type: tell the validator what follows is unreachable
            if (((h[e] >> 3) & 3) === T_UNREACHABLE) out.byte(0x00);
            break;
          }
          out.byte(kind === K_BLOCK ? 0x02 : 0x03);
          out.byte(blockType((h[e] >> 3) & 3));
          depth++;
          if (id >= 0) { saved.push(depthOf[id]); depthOf[id] = depth; }
          work.push(e * 4 + 1);
          for (let i = n - 1; i >= 0; i--) work.push(task(h[e + HDR + i]));
          break;
        }
        case K_IF: {
          if (phase === 0) {
            // condition first, then `if` opens the scope
            work.push(e * 4 + 3);
            work.push(task(h[e + HDR]));
          } else if (phase === 3) {
            out.byte(0x04);
            out.byte(blockType((h[e] >> 3) & 3));
            depth++;
            work.push(e * 4 + 1);
            if (n === 3) { work.push(task(h[e + HDR + 2])); work.push(e * 4 + 2); }
            work.push(task(h[e + HDR + 1]));
          } else if (phase === 2) out.byte(0x05);
          else { out.byte(0x0b); depth--; if (((h[e] >> 3) & 3) === T_UNREACHABLE) out.byte(0x00); }
          break;
        }
        case K_BR: {
          if (phase === 0 && n === 1) { work.push(e * 4 + 1); work.push(task(h[e + HDR])); break; }
          out.byte(n === 1 ? 0x0d : 0x0c);
          out.uleb(rel(h[e + 1]));
          break;
        }
        case K_SWITCH: {
          if (phase === 0) { work.push(e * 4 + 1); work.push(task(h[e + HDR])); break; }
          const at = h[e + 2];
          const count = sw[at];
          tmp.length = 0;
          tmp.push(0x0e);
          uleb(tmp, count);
          for (let i = 1; i <= count; i++) uleb(tmp, rel(sw[at + i]));
          uleb(tmp, rel(h[e + 1]));
          out.bytes(tmp);
          break;
        }
      }
    }
  }
}

const NO_KIDS: readonly Expr[] = [];

function allLeaves(h: Int32Array, from: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (h[from + i] >= 0) return false;
  return true;
}

/**
 * The node table of the last finished module, reused by the next (a warm process compiles many contracts: fresh
 * multi-megabyte arrays cost their zeroing and page faults every time). Kept only up to 16 MB.
 */
let spare: Int32Array | undefined;
const SPARE_MAX = 1 << 22;
function takeSpare(): Int32Array | undefined {
  const s = spare;
  spare = undefined;
  return s;
}
function giveSpare(h: Int32Array): void {
  if (h.length <= SPARE_MAX && (spare === undefined || spare.length < h.length)) spare = h;
}
/** Header words of a node: [kind | type << 3 | operand count << 5, a, b]. */
const HDR = 3;
/** Work-stack entry of an expression: node × 4 (phase 0), or the leaf itself (negative). */
const task = (e: Expr): number => (e < 0 ? e : e * 4);

/** Offset one past the LEB128 number starting at `at`. */
function lebEnd(bytes: Uint8Array, at: number): number {
  while (bytes[at] & 0x80) at++;
  return at + 1;
}
