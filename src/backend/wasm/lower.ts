/**
 * @file Instruction lowering: `compileInst` switches on the opcode's kind (traits table) and emits
 * wasm into the current block. Pure ops are folded when constant, inlined when cheap, and call a
 * builtin otherwise; anything touching the environment or state is a host import (src/abi/host.ts).
 */
import { CALLDATA_BASE, CALLDATA_MAX, CTX, Ctx, ENV, EVM_MEMORY_BASE, SCRATCH, Status } from '../../abi/context.ts';
import { ENV_OPCODES, VOLATILE_ENV_OPCODES } from '../../abi/host.ts';
import { evalPure } from '../../evm/arith.ts';
import { Fork } from '../../evm/forks.ts';
import { G } from '../../evm/gas.ts';
import { Op, type OpTraits } from '../../evm/traits.ts';
import { type BlockBuilder, constValue, LOCAL_BSWAP, LOCAL_V128, type Limb, type Value, valueConst } from './frame.ts';
import { binaryen, type Expr, i32, i64, none } from './module.ts';
import {
  fromBool, makeAdd, makeBitwise, makeByteConst, makeEq, makeIsZero, makeLess, makeNot, makeOrLimbs, makeSarConst, makeShlConst, makeShrConst,
  makeSignextendConst, makeSub,
} from './u256.ts';

/** What a lowering needs besides the block: the fork and the module-level names. */
export interface LowerContext {
  readonly fork: Fork;
  readonly pc: number;
  /** Mark block-environment reads in `Ctx.volatile` (chain modes with gas detention). */
  readonly volatileEnv?: boolean;
  /** Host import / builtin function name → internal name (they are the same here). */
  call(name: string, args: Expr[], result: 'i32' | 'none'): Expr;
  /** Bytes of the contract's code, which the module holds as passive data segment CODE_SEGMENT when it has a CODECOPY. */
  readonly codeSize: number;
}

/** The passive data segment holding the contract's code (CODECOPY's source; compileToWasm adds it). */
export const CODE_SEGMENT = 'code';

/** Result of lowering one instruction: false when it ended the frame (no code may follow). */
export type Continues = boolean;

const BUILTIN_BINARY: Partial<Record<number, string>> = {
  [Op.MUL]: 'mevmc_mul', [Op.DIV]: 'mevmc_div', [Op.SDIV]: 'mevmc_sdiv', [Op.MOD]: 'mevmc_mod',
  [Op.SMOD]: 'mevmc_smod', [Op.SIGNEXTEND]: 'mevmc_signextend', [Op.BYTE]: 'mevmc_byte',
  [Op.SHL]: 'mevmc_shl', [Op.SHR]: 'mevmc_shr', [Op.SAR]: 'mevmc_sar', [Op.EXP]: 'mevmc_exp',
  [Op.ADDMOD]: 'mevmc_addmod', [Op.MULMOD]: 'mevmc_mulmod', [Op.CLZ]: 'mevmc_clz',
};


/** Lower one instruction (not JUMP/JUMPI, which the block exit handles). */
export function compileInst(bb: BlockBuilder, cx: LowerContext, op: number, t: OpTraits, pushValue: bigint | undefined): Continues {
  switch (t.kind) {
    case 'stack': return compileStack(bb, op, pushValue);
    case 'pure': return compilePure(bb, cx, op, t);
    case 'memory': return compileMemoryOp(bb, cx, op);
    case 'env': return compileEnv(bb, cx, op);
    case 'gas': bb.push(bb.valueOf([bb.gas(), 0n, 0n, 0n])); return true;
    case 'storage': return compileStorage(bb, cx, op);
    case 'log': return compileLog(bb, cx, op - Op.LOG0);
    case 'jump': return true; // JUMPDEST: nothing; JUMP/JUMPI are block exits
    case 'call': return compileCall(bb, cx, op);
    case 'term': return compileTerm(bb, cx, op);
    default: { const never: never = t.kind; throw new Error(`unhandled kind ${never}`); }
  }
}

function compileStack(bb: BlockBuilder, op: number, pushValue: bigint | undefined): Continues {
  if (op === Op.POP) bb.pop();
  else if (op >= Op.PUSH0 && op <= Op.PUSH32) bb.push(constValue(pushValue ?? 0n));
  else if (op >= Op.DUP1 && op <= Op.DUP16) bb.dup(op - Op.DUP1 + 1);
  else bb.swap(op - Op.SWAP1 + 1);
  return true;
}

function compilePure(bb: BlockBuilder, cx: LowerContext, op: number, t: OpTraits): Continues {
  if (op === Op.PC) { bb.push(constValue(BigInt(cx.pc))); return true; }
  const args: Value[] = [];
  for (let i = 0; i < t.pops; i++) args.push(bb.pop());
  const consts = args.map(valueConst);
  if (op !== Op.EXP && consts.every((c) => c !== undefined)) {
    bb.push(constValue(evalPure(op, consts as bigint[])!));
    return true;
  }
  const [a, b] = args;
  switch (op) {
    case Op.ADD: bb.push(makeAdd(bb, a, b)); return true;
    case Op.SUB: bb.push(makeSub(bb, a, b)); return true;
    case Op.LT: bb.push(fromBool(bb, makeLess(bb, a, b, false))); return true;
    case Op.GT: bb.push(fromBool(bb, makeLess(bb, b, a, false))); return true;
    case Op.SLT: bb.push(fromBool(bb, makeLess(bb, a, b, true))); return true;
    case Op.SGT: bb.push(fromBool(bb, makeLess(bb, b, a, true))); return true;
    case Op.EQ: bb.push(fromBool(bb, makeEq(bb, a, b))); return true;
    case Op.ISZERO: bb.push(fromBool(bb, makeIsZero(bb, a))); return true;
    case Op.AND: bb.push(makeBitwise(bb, a, b, 'and')); return true;
    case Op.OR: bb.push(makeBitwise(bb, a, b, 'or')); return true;
    case Op.XOR: bb.push(makeBitwise(bb, a, b, 'xor')); return true;
    case Op.NOT: bb.push(makeNot(bb, a)); return true;
  }
  // Shifts by a constant amount (Solidity's selector extraction and masks) stay inline.
  const shift = consts[0];
  if ((op === Op.SHL || op === Op.SHR) && shift !== undefined) {
    if (shift >= 256n) bb.push(constValue(0n));
    else bb.push(op === Op.SHL ? makeShlConst(bb, b, Number(shift)) : makeShrConst(bb, b, Number(shift)));
    return true;
  }
  if (op === Op.SAR && shift !== undefined) { bb.push(makeSarConst(bb, b, shift >= 256n ? 256 : Number(shift))); return true; }
  // SIGNEXTEND and BYTE by a constant index (int<N> arithmetic, byte extraction) stay inline too.
  if (op === Op.SIGNEXTEND && shift !== undefined) { bb.push(makeSignextendConst(bb, b, shift)); return true; }
  if (op === Op.BYTE && shift !== undefined) { bb.push(makeByteConst(bb, b, shift)); return true; }
  // MUL, DIV and MOD by a constant power of two (or zero) are shifts and masks: old Solidity's and the sha1/blake2b
  // benchmarks' way of shifting (x * 2^k, x / 2^k).
  const pow2 = (c: bigint | undefined): number | undefined => (c !== undefined && c !== 0n && (c & (c - 1n)) === 0n ? c.toString(2).length - 1 : undefined);
  if (op === Op.MUL && (consts[0] === 0n || consts[1] === 0n)) { bb.push(constValue(0n)); return true; }
  if (op === Op.MUL && (pow2(consts[0]) !== undefined || pow2(consts[1]) !== undefined)) {
    const [k, x] = pow2(consts[1]) !== undefined ? [pow2(consts[1])!, a] : [pow2(consts[0])!, b];
    bb.push(makeShlConst(bb, x, k));
    return true;
  }
  if ((op === Op.DIV || op === Op.MOD) && consts[1] === 0n) { bb.push(constValue(0n)); return true; }
  const k = pow2(consts[1]);
  if (op === Op.DIV && k !== undefined) { bb.push(makeShrConst(bb, a, k)); return true; }
  if (op === Op.MOD && k !== undefined) { bb.push(makeBitwise(bb, a, constValue((1n << BigInt(k)) - 1n), 'and')); return true; }
  // MUL by any other constant below 2^64 (x * 31, an LCG's multiplier, fixed-point scales): four limb products inline.
  const below64 = (c: bigint | undefined) => c !== undefined && c < 1n << 64n;
  if (op === Op.MUL && (below64(consts[0]) || below64(consts[1]))) {
    const [c, x] = below64(consts[1]) ? [consts[1]!, a] : [consts[0]!, b];
    bb.push(makeMulConst64(bb, x, c));
    return true;
  }
  // MUL by a larger constant of two set bits, 2^j + 2^k: two shifts and an add (blake2b_huff copies each 64-bit
  // lane into the limb above with x * (2^64 + 1), then shifts the pair right to rotate it).
  const twoBits = (c: bigint | undefined) => (c !== undefined && c !== 0n ? pow2(c & (c - 1n)) : undefined);
  if (op === Op.MUL && (twoBits(consts[0]) !== undefined || twoBits(consts[1]) !== undefined)) {
    const [c, x] = twoBits(consts[1]) !== undefined ? [consts[1]!, a] : [consts[0]!, b];
    bb.push(makeAdd(bb, makeShlConst(bb, x, pow2(c & -c)!), makeShlConst(bb, x, twoBits(c)!)));
    return true;
  }
  if (op === Op.MUL || op === Op.DIV || op === Op.MOD || op === Op.SDIV || op === Op.SMOD) {
    const v = inlineSmall(bb, cx, op, a, b);
    if (v !== undefined) { bb.push(v); return true; }
  }
  // ADDMOD/MULMOD by a constant power of two (2^k, k < 256 divides 2^256): the wrapped sum or product, masked —
  // blake2b_shifts' 64-bit word arithmetic. A product below 2^64 needs only the low limbs.
  const kMod = pow2(consts[2]);
  if ((op === Op.ADDMOD || op === Op.MULMOD) && kMod !== undefined) {
    const mask = constValue((1n << BigInt(kMod)) - 1n);
    if (op === Op.ADDMOD) bb.push(makeBitwise(bb, makeAdd(bb, a, b), mask, 'and'));
    else if (kMod <= 64) bb.push(makeBitwise(bb, bb.valueOf([bb.m.i64.mul(bb.get(a.limbs[0]), bb.get(b.limbs[0])), 0n, 0n, 0n]), mask, 'and'));
    else bb.push(makeBitwise(bb, callBuiltin(bb, cx, 'mevmc_mul', [a, b]), mask, 'and'));
    return true;
  }
  if (op === Op.EXP) chargeExp(bb, cx, b, consts[1]);
  const name = BUILTIN_BINARY[op];
  if (name === undefined) throw new Error(`no lowering for pure opcode 0x${op.toString(16)}`);
  bb.push(callBuiltin(bb, cx, name, args));
  return true;
}

const INT64_MIN = -(1n << 63n);

/** A condition known at compile time (boolean) or computed at run time (i32 expression). */
type Cond = boolean | Expr;

function andCond(bb: BlockBuilder, x: Cond, y: Cond): Cond {
  if (x === false || y === false) return false;
  if (x === true) return y;
  if (y === true) return x;
  return bb.m.i32.and(x, y);
}

/** Limbs 1–3 are zero: the value is below 2^64. */
function fitsU64(bb: BlockBuilder, v: Value): Cond {
  const high = v.limbs.slice(1);
  if (high.every((l) => typeof l === 'bigint')) return high.every((l) => l === 0n);
  return makeIsZero(bb, { limbs: [0n, v.limbs[1], v.limbs[2], v.limbs[3]] });
}

/** Limbs 1–3 all repeat limb 0's sign bit: the value is a sign-extended int64. */
function fitsI64(bb: BlockBuilder, v: Value): Cond {
  const c = valueConst(v);
  if (c !== undefined) { const x = BigInt.asIntN(256, c); return x >= INT64_MIN && x < -INT64_MIN; }
  const m = bb.m;
  const l0 = v.limbs[0];
  const sign: Limb = typeof l0 === 'bigint' ? (l0 >> 63n ? (1n << 64n) - 1n : 0n) : bb.temp(m.i64.shr_s(bb.get(l0), m.i64.const(63n)));
  let diff: Expr | undefined;
  for (let i = 1; i < 4; i++) {
    const l = v.limbs[i];
    if (typeof l === 'bigint' && typeof sign === 'bigint') { if (l !== sign) return false; continue; }
    const x = m.i64.xor(bb.get(l), bb.get(sign));
    diff = diff === undefined ? x : m.i64.or(diff, x);
  }
  return diff === undefined ? true : m.i64.eqz(diff);
}

/** Leading bits of an int64 equal to its sign bit (64 for 0 and −1), as an i64 expression. */
function redundantSignBits(bb: BlockBuilder, l: Limb): Expr | bigint {
  const m = bb.m;
  if (typeof l === 'bigint') {
    const x = BigInt.asIntN(64, l);
    const mag = x < 0n ? -x - 1n : x; // x ^ (x >> 63)
    return BigInt(64 - (mag === 0n ? 0 : mag.toString(2).length));
  }
  return m.i64.clz(m.i64.xor(bb.get(l), m.i64.shr_s(bb.get(l), m.i64.const(63n))));
}

/**
 * MUL, DIV, MOD, SDIV, SMOD on operands that fit one limb, inline: the fixed-point programs (snailtracer's int
 * arithmetic scaled by 1e6, Solidity's `x * 1e6 / y`) multiply and divide int64-sized values nearly always, and the
 * builtin call around the same one-instruction work (both words stored to scratch, the call, the result loaded)
 * held most of the cost. One wasm `if`: the fast case computes limb 0 (and sign- or zero-fills the rest), the other
 * calls the builtin as before. Undefined when the fast case cannot apply (known at compile time).
 * Bounds: DIV/MOD both < 2^64, divisor ≠ 0; SDIV/SMOD both int64, divisor ≠ 0 (and ≠ −1 for SDIV: −2^63 / −1 is
 * +2^63, which i64.div_s traps on); MUL both int64 with at least 66 redundant sign bits between them, so the
 * product is within ±2^62.
 */
function inlineSmall(bb: BlockBuilder, cx: LowerContext, op: number, a: Value, b: Value): Value | undefined {
  const m = bb.m;
  const a0 = () => bb.get(a.limbs[0]);
  const b0 = () => bb.get(b.limbs[0]);
  const cb = valueConst(b);
  const nonZero = (v: Value): Cond => (typeof v.limbs[0] === 'bigint' ? v.limbs[0] !== 0n : m.i64.ne(bb.get(v.limbs[0]), m.i64.const(0n)));
  let cond: Cond;
  let fast: Expr;
  let signed = true;
  switch (op) {
    case Op.DIV: case Op.MOD:
      cond = andCond(bb, andCond(bb, fitsU64(bb, a), fitsU64(bb, b)), nonZero(b));
      signed = false;
      if (cond === false) return undefined;
      fast = op === Op.DIV ? m.i64.div_u(a0(), b0()) : m.i64.rem_u(a0(), b0());
      break;
    case Op.SDIV: case Op.SMOD: {
      cond = andCond(bb, andCond(bb, fitsI64(bb, a), fitsI64(bb, b)), nonZero(b));
      if (op === Op.SDIV) {
        const minusOne: Cond = cb !== undefined ? cb !== (1n << 256n) - 1n : m.i64.ne(b0(), m.i64.const(-1n));
        cond = andCond(bb, cond, minusOne);
      }
      if (cond === false) return undefined;
      fast = op === Op.SDIV ? m.i64.div_s(a0(), b0()) : m.i64.rem_s(a0(), b0());
      break;
    }
    default: { // MUL
      cond = andCond(bb, fitsI64(bb, a), fitsI64(bb, b));
      if (cond === false) return undefined;
      const ra = redundantSignBits(bb, a.limbs[0]);
      const rb = redundantSignBits(bb, b.limbs[0]);
      let bits: Cond;
      if (typeof ra === 'bigint' && typeof rb === 'bigint') bits = ra + rb >= 66n;
      else {
        const sum = m.i64.add(typeof ra === 'bigint' ? m.i64.const(ra) : ra, typeof rb === 'bigint' ? m.i64.const(rb) : rb);
        bits = m.i64.le_u(m.i64.const(66n), sum);
      }
      cond = andCond(bb, cond, bits);
      if (cond === false) return undefined;
      fast = m.i64.mul(a0(), b0());
    }
  }
  const r = [0, 1, 2, 3].map(() => bb.locals.alloc());
  const fill = (): Expr[] => [1, 2, 3].map((i) => m.local.set(r[i], signed ? m.i64.shr_s(m.local.get(r[0], i64), m.i64.const(63n)) : m.i64.const(0n)));
  const fastCode = m.block(null, [m.local.set(r[0], fast), ...fill()]);
  const limbs = r as unknown as Value['limbs'];
  if (cond === true) { bb.emit(fastCode); return { limbs }; }
  const slow: Expr[] = [];
  [a, b].forEach((v, i) => { for (let k = 0; k < 4; k++) slow.push(m.i64.store(8 * k, 8, m.i32.const(SCRATCH + 32 * i), bb.get(v.limbs[k]))); });
  slow.push(cx.call(BUILTIN_BINARY[op]!, [m.i32.const(SCRATCH), m.i32.const(SCRATCH), m.i32.const(SCRATCH + 32)], 'none'));
  for (let k = 0; k < 4; k++) slow.push(m.local.set(r[k], m.i64.load(8 * k, 8, m.i32.const(SCRATCH))));
  bb.emit(m.if(cond, fastCode, m.block(null, slow)));
  return { limbs };
}

/**
 * x · c mod 2^256 for a constant c < 2^64: each limb's 128-bit product x_i · c as its low half (i64.mul) and its high
 * half (from 32-bit halves: wasm has no 64 × 64 → 128 multiply), then lows + highs shifted up one limb with carries.
 * The builtin call it replaces stored both words, called and reloaded the result (Dispatch's x * 6364136223846793005
 * and chk * 31 every round).
 */
function makeMulConst64(bb: BlockBuilder, x: Value, c: bigint): Value {
  const m = bb.m;
  const MASK32 = 0xffffffffn;
  // fresh constant nodes per use (binaryen IR is a tree)
  const cLo = () => m.i64.const(c & MASK32);
  const cHi = () => m.i64.const(c >> 32n);
  const lo: Limb[] = [];
  const hi: Limb[] = [0n];
  for (let i = 0; i < 4; i++) {
    const xi = x.limbs[i];
    lo.push(bb.temp(m.i64.mul(bb.get(xi), m.i64.const(BigInt.asIntN(64, c)))));
    if (i === 3) break;
    // high half of x_i · c: a = x_i split in 32-bit halves, c likewise; every partial product fits 64 bits
    const aLo = bb.temp(m.i64.and(bb.get(xi), m.i64.const(MASK32)));
    const aHi = bb.temp(m.i64.shr_u(bb.get(xi), m.i64.const(32n)));
    const ll = bb.temp(m.i64.mul(m.local.get(aLo, i64), cLo()));
    const hl = bb.temp(m.i64.mul(m.local.get(aHi, i64), cLo()));
    const lh = bb.temp(m.i64.mul(m.local.get(aLo, i64), cHi()));
    const cross = bb.temp(m.i64.add(m.i64.add(m.i64.shr_u(m.local.get(ll, i64), m.i64.const(32n)), m.i64.and(m.local.get(hl, i64), m.i64.const(MASK32))), m.local.get(lh, i64)));
    hi.push(bb.temp(m.i64.add(m.i64.add(m.i64.mul(m.local.get(aHi, i64), cHi()), m.i64.shr_u(m.local.get(hl, i64), m.i64.const(32n))), m.i64.shr_u(m.local.get(cross, i64), m.i64.const(32n)))));
  }
  return makeAdd(bb, { limbs: lo as unknown as Value['limbs'] }, { limbs: hi as unknown as Value['limbs'] });
}

/** EXP's dynamic gas: per significant byte of the exponent (EIP-160). */
function chargeExp(bb: BlockBuilder, cx: LowerContext, exponent: Value, constExp: bigint | undefined): void {
  const perByte = G.expByte(cx.fork);
  const m = bb.m;
  if (constExp !== undefined) {
    const bytes = BigInt(constExp === 0n ? 0 : Math.ceil(constExp.toString(16).length / 2));
    if (bytes > 0n) bb.charge(() => m.i64.const(bytes * perByte));
    return;
  }
  bb.storeWord(() => m.i32.const(SCRATCH), exponent);
  const cost = bb.temp(m.i64.mul(m.i64.extend_u(cx.call('mevmc_bytelen', [m.i32.const(SCRATCH)], 'i32')), m.i64.const(perByte)));
  bb.charge(() => m.local.get(cost, i64));
}

/** Store args in scratch words 0..n-1, call `name(SCRATCH, ptr0, ptr1, …)`, load the result from scratch 0. */
export function callBuiltin(bb: BlockBuilder, cx: LowerContext, name: string, args: Value[]): Value {
  const m = bb.m;
  args.forEach((v, i) => bb.storeWord(() => m.i32.const(SCRATCH + 32 * i), v));
  const ptrs = args.map((_, i) => m.i32.const(SCRATCH + 32 * i));
  bb.emit(cx.call(name, [m.i32.const(SCRATCH), ...ptrs], 'none'));
  return bb.loadWord(SCRATCH);
}

/** Low limb as i32 address into EVM memory (valid only after a successful expansion). */
function memAddr(bb: BlockBuilder, off: Value): Expr {
  const m = bb.m;
  const lo = off.limbs[0];
  if (typeof lo === 'bigint') return m.i32.const(EVM_MEMORY_BASE + Number(lo & 0xffffffffn));
  return m.i32.add(m.i32.wrap(bb.get(lo)), m.i32.const(EVM_MEMORY_BASE));
}

/** i32 expression: 1 if any bit above 63 of the value is set. */
function highBits(bb: BlockBuilder, v: Value): Expr {
  if (v.limbs.slice(1).every((l) => l === 0n)) return bb.m.i32.const(0);
  return bb.m.i64.ne(makeOrLimbs(bb, v, 1), bb.m.i64.const(0n));
}

/**
 * Memory expansion for an access of `len` bytes at `off` (no-op when len is 0). The common case of
 * an access inside the current memory is checked inline; growth calls `mevmc_expand`, which
 * charges gas and halts exactly as the spec does.
 */
export function expandMemory(bb: BlockBuilder, cx: LowerContext, off: Value, len: Value): void {
  const m = bb.m;
  const clen = valueConst(len);
  if (clen === 0n) return;
  // mevmc_expand's flag: bit 0 = length ≥ 2^64, bit 1 = offset ≥ 2^64.
  const overflow = m.i32.or(highBits(bb, len), m.i32.shl(highBits(bb, off), m.i32.const(1)));
  const call = () => {
    const s = cx.call('mevmc_expand', [bb.get(off.limbs[0]), bb.get(len.limbs[0]), overflow], 'i32');
    return m.block(null, [m.local.set(2, s), m.if(m.local.get(2, i32), m.return(m.local.get(2, i32)))]);
  };
  const memBytes = m.i64.shl(m.i64.load(Ctx.memWords, 8, m.i32.const(CTX)), m.i64.const(5n));
  const coff = valueConst(off);
  if (clen !== undefined && coff !== undefined && coff + clen < 1n << 32n) {
    // A constant range: memory never shrinks, so once this block has checked (or grown) memory up to `memInside`,
    // accesses below it need nothing; else one compare against the size, and the call only when it grows
    // (a constant KECCAK256/RETURN range used to call mevmc_expand every time).
    const end = Number(coff + clen);
    if (end <= bb.memInside) return;
    bb.emit(m.if(m.i64.le_u(m.i64.const(BigInt(end)), memBytes), m.nop(), call()));
    bb.memInside = end;
    return;
  }
  if (clen !== undefined && clen <= 32n) {
    // Fixed small length (MLOAD/MSTORE/MSTORE8): inside current memory → nothing to do.
    // off < 2^32 first, so that off + len cannot wrap around 2^64 and pass for a small address.
    const inside = m.i32.and(
      m.i32.and(m.i32.eqz(highBits(bb, off)), m.i64.eqz(m.i64.shr_u(bb.get(off.limbs[0]), m.i64.const(32n)))),
      m.i64.le_u(m.i64.add(bb.get(off.limbs[0]), m.i64.const(clen)), memBytes),
    );
    bb.emit(m.if(inside, m.nop(), call()));
    return;
  }
  bb.emit(m.if(m.i64.eqz(makeOrLimbs(bb, len, 0)), m.nop(), call()));
}

/** Charge `perWord` × words(len) for copies and hashing (len already bounded by the expansion). */
function chargeWords(bb: BlockBuilder, len: Value, perWord: bigint): void {
  const m = bb.m;
  const c = valueConst(len);
  if (c !== undefined) {
    if (c !== 0n) bb.charge(() => m.i64.const(((c + 31n) / 32n) * perWord));
    return;
  }
  const cost = bb.temp(m.i64.mul(m.i64.shr_u(m.i64.add(bb.get(len.limbs[0]), m.i64.const(31n)), m.i64.const(5n)), m.i64.const(perWord)));
  bb.charge(() => m.local.get(cost, i64));
}

/*
 * Byte swaps (wasm has no bswap): MLOAD/MSTORE move each 16-byte half word through one i8x16.swizzle by the reversal
 * mask (frame.ts LOCAL_BSWAP; V8: one pshufb). The scalar form (per limb: byte pairs, 16-bit halves, a 32-bit rotate,
 * 11 i64 ops and a local) was most of every MLOAD/MSTORE; the memory_grow_mstore micro benchmarks are 24 KB of them.
 */

function compileMemoryOp(bb: BlockBuilder, cx: LowerContext, op: number): Continues {
  const m = bb.m;
  switch (op) {
    case Op.MLOAD: {
      // Each 16-byte half, reversed, holds two limbs little-endian: bytes 16..31 are limbs 0 and 1, bytes 0..15 limbs 2, 3
      const off = bb.pop();
      expandMemory(bb, cx, off, constValue(32n));
      const at = bb.temp(m.i64.extend_u(memAddr(bb, off)));
      const addr = () => m.i32.wrap(m.local.get(at, i64));
      const limbs: number[] = [];
      for (const o of [16, 0]) {
        bb.emit(m.local.set(LOCAL_V128, m.i8x16.swizzle(m.v128.load(o, 1, addr()), m.local.get(LOCAL_BSWAP, binaryen.v128))));
        for (const lane of [0, 1]) limbs.push(bb.temp(m.i64x2.extract_lane(m.local.get(LOCAL_V128, binaryen.v128), lane)));
      }
      bb.push({ limbs: limbs as unknown as Value['limbs'] });
      return true;
    }
    case Op.MSTORE: {
      const off = bb.pop();
      const v = bb.pop();
      expandMemory(bb, cx, off, constValue(32n));
      const at = bb.temp(m.i64.extend_u(memAddr(bb, off)));
      const addr = () => m.i32.wrap(m.local.get(at, i64));
      for (const [o, lo, hi] of [[0, 2, 3], [16, 0, 1]]) {
        const [x, y] = [v.limbs[lo], v.limbs[hi]];
        if (typeof x === 'bigint' && typeof y === 'bigint') {
          // a constant half: its big-endian bytes
          const bytes: number[] = [];
          for (let i = 15; i >= 0; i--) bytes.push(Number((((y << 64n) | x) >> BigInt(8 * i)) & 0xffn));
          bb.emit(m.v128.store(o, 1, addr(), m.v128.const(bytes)));
          continue;
        }
        const pair = m.i64x2.replace_lane(m.i64x2.splat(bb.get(x)), 1, bb.get(y));
        bb.emit(m.v128.store(o, 1, addr(), m.i8x16.swizzle(pair, m.local.get(LOCAL_BSWAP, binaryen.v128))));
      }
      return true;
    }
    case Op.MSTORE8: {
      const off = bb.pop();
      const v = bb.pop();
      expandMemory(bb, cx, off, constValue(1n));
      bb.emit(m.i64.store8(0, 1, memAddr(bb, off), bb.get(v.limbs[0])));
      return true;
    }
    case Op.MSIZE:
      bb.push(bb.valueOf([m.i64.shl(m.i64.load(Ctx.memWords, 8, m.i32.const(CTX)), m.i64.const(5n)), 0n, 0n, 0n]));
      return true;
    case Op.KECCAK256: {
      const off = bb.pop();
      const len = bb.pop();
      expandMemory(bb, cx, off, len);
      chargeWords(bb, len, G.keccakWord);
      const addr = valueConst(len) === 0n ? m.i32.const(EVM_MEMORY_BASE) :
        m.select(m.i64.eqz(makeOrLimbs(bb, len, 0)), m.i32.const(EVM_MEMORY_BASE), memAddr(bb, off));
      bb.emit(cx.call('mevmc_keccak256', [m.i32.const(SCRATCH), addr, m.i32.wrap(bb.get(len.limbs[0]))], 'none'));
      bb.push(bb.loadWord(SCRATCH));
      return true;
    }
    case Op.CALLDATACOPY: case Op.CODECOPY: {
      const [dst, off, len] = [bb.pop(), bb.pop(), bb.pop()];
      expandMemory(bb, cx, dst, len);
      chargeWords(bb, len, G.copyWord);
      const name = op === Op.CALLDATACOPY ? 'mevmc_calldatacopy' : 'mevmc_codecopy';
      const host = () => cx.call(name, [memAddr(bb, dst), bb.get(off.limbs[0]), highBits(bb, off), m.i32.wrap(bb.get(len.limbs[0]))], 'none');
      const k = valueConst(off);
      if (op === Op.CODECOPY) {
        // A range inside the code: memory.init from the module's copy of it (the memory expansion above bounds len).
        // A range reaching past its end: the host pads with zeros.
        whenNonZero(bb, len, () => {
          const lo = bb.temp(bb.get(off.limbs[0]));
          const size = () => m.i64.const(BigInt(cx.codeSize));
          const n = m.i64.extend_u(m.i32.wrap(bb.get(len.limbs[0])));
          const inside = m.i32.and(m.i32.eqz(highBits(bb, off)),
            m.i32.and(m.i64.le_u(m.local.get(lo, i64), size()), m.i64.le_u(n, m.i64.sub(size(), m.local.get(lo, i64)))));
          return m.if(inside, m.memory.init(CODE_SEGMENT, memAddr(bb, dst), m.i32.wrap(m.local.get(lo, i64)), m.i32.wrap(bb.get(len.limbs[0]))), host());
        });
        return true;
      }
      if (k !== undefined && k >= BigInt(CALLDATA_MAX)) {
        whenNonZero(bb, len, host);
        return true;
      }
      // A range inside the calldata copy (the memory expansion above bounds len): copied here. A range wholly past the
      // end of calldata held there, as Solidity's `calldatacopy(p, calldatasize(), n)` that zeroes memory: zeroed here
      // (burntpix: 20,321 such host calls a run). Else the host pads.
      whenNonZero(bb, len, () => {
        const { lo, inside, past } = insideCalldata(bb, off, m.i64.extend_u(m.i32.wrap(bb.get(len.limbs[0]))));
        return m.if(inside, m.memory.copy(memAddr(bb, dst), m.i32.add(m.i32.const(CALLDATA_BASE), m.i32.wrap(m.local.get(lo, i64))), m.i32.wrap(bb.get(len.limbs[0]))),
          m.if(past, m.memory.fill(memAddr(bb, dst), m.i32.const(0), m.i32.wrap(bb.get(len.limbs[0]))), host()));
      });
      return true;
    }
    case Op.RETURNDATACOPY: {
      const [dst, off, len] = [bb.pop(), bb.pop(), bb.pop()];
      // EIP-211: reading past the return data halts even for a zero length; the host checks bounds.
      expandMemory(bb, cx, dst, len);
      chargeWords(bb, len, G.copyWord);
      const addr = valueConst(len) === 0n ? m.i32.const(EVM_MEMORY_BASE) :
        m.select(m.i64.eqz(makeOrLimbs(bb, len, 0)), m.i32.const(EVM_MEMORY_BASE), memAddr(bb, dst));
      checkStatus(bb, cx.call('mevmc_returndatacopy', [addr, bb.get(off.limbs[0]), highBits(bb, off), bb.get(len.limbs[0]), highBits(bb, len)], 'i32'));
      return true;
    }
    case Op.EXTCODECOPY: {
      const [address, dst, off, len] = [bb.pop(), bb.pop(), bb.pop(), bb.pop()];
      bb.storeWord(() => m.i32.const(SCRATCH), address);
      expandMemory(bb, cx, dst, len);
      chargeWords(bb, len, G.copyWord);
      const addr = valueConst(len) === 0n ? m.i32.const(EVM_MEMORY_BASE) :
        m.select(m.i64.eqz(makeOrLimbs(bb, len, 0)), m.i32.const(EVM_MEMORY_BASE), memAddr(bb, dst));
      const n = valueConst(len) === 0n ? m.i32.const(0) :
        m.select(m.i64.eqz(makeOrLimbs(bb, len, 0)), m.i32.const(0), m.i32.wrap(bb.get(len.limbs[0])));
      checkStatus(bb, cx.call('mevmc_extcodecopy', [m.i32.const(SCRATCH), addr, bb.get(off.limbs[0]), highBits(bb, off), n], 'i32'));
      return true;
    }
    case Op.MCOPY: {
      const [dst, src, len] = [bb.pop(), bb.pop(), bb.pop()];
      expandMemory(bb, cx, src, len);
      expandMemory(bb, cx, dst, len);
      chargeWords(bb, len, G.copyWord);
      whenNonZero(bb, len, () => m.memory.copy(memAddr(bb, dst), memAddr(bb, src), m.i32.wrap(bb.get(len.limbs[0]))));
      return true;
    }
    default:
      throw new Error(`no lowering for memory opcode 0x${op.toString(16)}`);
  }
}

/** Emit `body` only when `len` is non-zero (memory addresses are only valid then). */
function whenNonZero(bb: BlockBuilder, len: Value, body: () => Expr): void {
  const c = valueConst(len);
  if (c === 0n) return;
  if (c !== undefined) bb.emit(body());
  else bb.emit(bb.m.if(bb.m.i64.eqz(makeOrLimbs(bb, len, 0)), bb.m.nop(), body()));
}

/** Halt with the status returned by a host import when it is not 0. */
function checkStatus(bb: BlockBuilder, call: Expr): void {
  const m = bb.m;
  bb.emit(m.local.set(2, call));
  bb.emit(m.if(m.local.get(2, i32), m.return(m.local.get(2, i32))));
}

/** A local with the calldata size (Ctx.calldataSize, a u32: the low half of the u64 there). */
function calldataLength(bb: BlockBuilder): number {
  const m = bb.m;
  return bb.temp(m.i64.and(m.i64.load(Ctx.calldataSize, 4, m.i32.const(CTX)), m.i64.const(0xffffffffn)));
}

/**
 * Whether `size` (an i64 below 2^32) bytes at `off` lie inside the frame's calldata copy (CALLDATA_BASE: only
 * calldata of at most CALLDATA_MAX bytes is copied), whether they lie wholly past the end of calldata held there (all
 * zeros), and a local with the offset's low limb.
 */
function insideCalldata(bb: BlockBuilder, off: Value, size: Expr): { lo: number; inside: Expr; past: Expr } {
  const m = bb.m;
  const len = calldataLength(bb);
  const lo = bb.temp(bb.get(off.limbs[0]));
  const max = () => m.i64.const(BigInt(CALLDATA_MAX));
  // lo < CALLDATA_MAX and size < 2^32: the sum does not wrap.
  const inside = m.i32.and(
    m.i32.and(m.i64.lt_u(m.local.get(lo, i64), max()), m.i32.eqz(highBits(bb, off))),
    m.i32.and(m.i64.le_u(m.i64.add(m.local.get(lo, i64), size), m.local.get(len, i64)), m.i64.le_u(m.local.get(len, i64), max())));
  const past = m.i32.and(m.i32.or(highBits(bb, off), m.i64.le_u(m.local.get(len, i64), m.local.get(lo, i64))), m.i64.le_u(m.local.get(len, i64), max()));
  return { lo, inside, past };
}

function compileEnv(bb: BlockBuilder, cx: LowerContext, op: number): Continues {
  const m = bb.m;
  const slot = ENV_OPCODES[op];
  if (slot !== undefined) {
    if (cx.volatileEnv && VOLATILE_ENV_OPCODES.has(op)) bb.emit(m.i32.store(0, 4, m.i32.const(CTX + Ctx.volatile), m.i32.const(1)));
    bb.push(bb.loadWord(ENV + 32 * slot));
    return true;
  }
  const inPlace = (name: string, mayFail: boolean) => {
    bb.storeWord(() => m.i32.const(SCRATCH), bb.pop());
    const call = cx.call(name, [m.i32.const(SCRATCH)], mayFail ? 'i32' : 'none');
    if (mayFail) checkStatus(bb, call); else bb.emit(call);
    bb.push(bb.loadWord(SCRATCH));
  };
  switch (op) {
    case Op.CALLDATALOAD: {
      // From the calldata copy (context.ts CALLDATA_BASE): the word at the offset when it starts inside the calldata,
      // else the 32 zero bytes the host leaves after it; two 16-byte halves reversed into the scratch word, as MLOAD
      // does. The host only for calldata too long to copy. A host call per CALLDATALOAD was most of the JS host calls
      // of small calls (swap_math: 6 of 6; a selector-only call's dispatch: its one).
      const off = bb.pop();
      const len = calldataLength(bb);
      const at = bb.temp(m.select(m.i32.and(m.i32.eqz(highBits(bb, off)), m.i64.lt_u(bb.get(off.limbs[0]), m.local.get(len, i64))),
        bb.get(off.limbs[0]), m.local.get(len, i64)));
      const half = (from: number, to: number) => m.v128.store(to, 1, m.i32.const(SCRATCH),
        m.i8x16.swizzle(m.v128.load(CALLDATA_BASE + from, 1, m.i32.wrap(m.local.get(at, i64))), m.local.get(LOCAL_BSWAP, binaryen.v128)));
      bb.emit(m.if(m.i64.le_u(m.local.get(len, i64), m.i64.const(BigInt(CALLDATA_MAX))), m.block(null, [half(16, 0), half(0, 16)]),
        cx.call('mevmc_calldataload', [m.i32.const(SCRATCH), bb.get(off.limbs[0]), highBits(bb, off)], 'none')));
      bb.push(bb.loadWord(SCRATCH));
      return true;
    }
    case Op.BALANCE: inPlace('mevmc_balance', true); return true;
    case Op.EXTCODESIZE: inPlace('mevmc_extcodesize', true); return true;
    case Op.EXTCODEHASH: inPlace('mevmc_extcodehash', true); return true;
    case Op.BLOCKHASH: inPlace('mevmc_blockhash', false); return true;
    case Op.BLOBHASH: inPlace('mevmc_blobhash', false); return true;
    case Op.SELFBALANCE:
      bb.emit(cx.call('mevmc_selfbalance', [m.i32.const(SCRATCH)], 'none'));
      bb.push(bb.loadWord(SCRATCH));
      return true;
    default:
      throw new Error(`no lowering for env opcode 0x${op.toString(16)}`);
  }
}

function compileStorage(bb: BlockBuilder, cx: LowerContext, op: number): Continues {
  const m = bb.m;
  if (op === Op.SLOAD || op === Op.TLOAD) {
    bb.storeWord(() => m.i32.const(SCRATCH), bb.pop());
    if (op === Op.SLOAD) checkStatus(bb, cx.call('mevmc_sload', [m.i32.const(SCRATCH)], 'i32'));
    else bb.emit(cx.call('mevmc_tload', [m.i32.const(SCRATCH)], 'none'));
    bb.push(bb.loadWord(SCRATCH));
    return true;
  }
  bb.storeWord(() => m.i32.const(SCRATCH), bb.pop());
  bb.storeWord(() => m.i32.const(SCRATCH + 32), bb.pop());
  const name = op === Op.SSTORE ? 'mevmc_sstore' : 'mevmc_tstore';
  checkStatus(bb, cx.call(name, [m.i32.const(SCRATCH), m.i32.const(SCRATCH + 32)], 'i32'));
  return true;
}

function compileLog(bb: BlockBuilder, cx: LowerContext, topics: number): Continues {
  const m = bb.m;
  const off = bb.pop();
  const len = bb.pop();
  for (let i = 0; i < topics; i++) bb.storeWord(() => m.i32.const(SCRATCH + 32 * i), bb.pop());
  expandMemory(bb, cx, off, len);
  // LOG data gas is per byte, not per word.
  const c = valueConst(len);
  if (c !== undefined) { if (c !== 0n) bb.charge(() => m.i64.const(c * G.logData)); }
  else {
    const cost = bb.temp(m.i64.mul(bb.get(len.limbs[0]), m.i64.const(G.logData)));
    bb.charge(() => m.local.get(cost, i64));
  }
  const addr = c === 0n ? m.i32.const(EVM_MEMORY_BASE) :
    m.select(m.i64.eqz(makeOrLimbs(bb, len, 0)), m.i32.const(EVM_MEMORY_BASE), memAddr(bb, off));
  checkStatus(bb, cx.call('mevmc_log', [m.i32.const(topics), m.i32.const(SCRATCH), addr, m.i32.wrap(bb.get(len.limbs[0]))], 'i32'));
  return true;
}

/**
 * CALL, CALLCODE, DELEGATECALL, STATICCALL: expand memory for the input and output ranges, pass the
 * operands as scratch words to `mevmc_call`, push its 0/1 result. CREATE/CREATE2 go to
 * `mevmc_create`; SELFDESTRUCT calls `mevmc_selfdestruct` and then stops the frame.
 */
function compileCall(bb: BlockBuilder, cx: LowerContext, op: number): Continues {
  const m = bb.m;
  if (op === Op.CREATE || op === Op.CREATE2) return compileCreate(bb, cx, op);
  if (op === Op.SELFDESTRUCT) {
    bb.storeWord(() => m.i32.const(SCRATCH), bb.pop());
    checkStatus(bb, cx.call('mevmc_selfdestruct', [m.i32.const(SCRATCH)], 'i32'));
    bb.exit(Status.Stop);
    return false;
  }
  const hasValue = op === Op.CALL || op === Op.CALLCODE;
  const gas = bb.pop();
  const to = bb.pop();
  const value = hasValue ? bb.pop() : constValue(0n);
  const [inOff, inLen, outOff, outLen] = [bb.pop(), bb.pop(), bb.pop(), bb.pop()];
  expandMemory(bb, cx, inOff, inLen);
  expandMemory(bb, cx, outOff, outLen);
  [gas, to, value, inOff, inLen, outOff, outLen].forEach((v, i) => bb.storeWord(() => m.i32.const(SCRATCH + 32 * i), v));
  checkStatus(bb, cx.call('mevmc_call', [m.i32.const(op), m.i32.const(SCRATCH)], 'i32'));
  bb.push(bb.loadWord(SCRATCH));
  return true;
}

/** CREATE / CREATE2: expand memory for the init code, call `mevmc_create`, push the address or 0. */
function compileCreate(bb: BlockBuilder, cx: LowerContext, op: number): Continues {
  const m = bb.m;
  const value = bb.pop();
  const off = bb.pop();
  const len = bb.pop();
  const salt = op === Op.CREATE2 ? bb.pop() : constValue(0n);
  expandMemory(bb, cx, off, len);
  [value, off, len, salt].forEach((v, i) => bb.storeWord(() => m.i32.const(SCRATCH + 32 * i), v));
  checkStatus(bb, cx.call('mevmc_create', [m.i32.const(op), m.i32.const(SCRATCH)], 'i32'));
  bb.push(bb.loadWord(SCRATCH));
  return true;
}

function compileTerm(bb: BlockBuilder, cx: LowerContext, op: number): Continues {
  const m = bb.m;
  if (op === Op.STOP) { bb.exit(Status.Stop); return false; }
  if (op === Op.INVALID) { bb.exit(Status.InvalidOpcode); return false; }
  // RETURN / REVERT
  const off = bb.pop();
  const len = bb.pop();
  expandMemory(bb, cx, off, len);
  const c = valueConst(len);
  // A fresh expression per use: binaryen IR is a tree, sharing a node corrupts the optimiser.
  const isZero = () => (c === 0n ? m.i32.const(1) : c !== undefined ? m.i32.const(0) : m.i64.eqz(makeOrLimbs(bb, len, 0)));
  const ctx = () => m.i32.const(CTX);
  bb.emit(m.i32.store(Ctx.retOffset, 4, ctx(), m.select(isZero(), m.i32.const(0), m.i32.wrap(bb.get(off.limbs[0])))));
  bb.emit(m.i32.store(Ctx.retLength, 4, ctx(), m.select(isZero(), m.i32.const(0), m.i32.wrap(bb.get(len.limbs[0])))));
  bb.exit(op === Op.RETURN ? Status.Return : Status.Revert);
  return false;
}

export { none };
