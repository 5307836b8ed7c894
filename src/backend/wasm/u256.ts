/**
 * @file Inline 256-bit operations on four i64 limbs: the cheap pure opcodes (ADD, SUB, compares,
 * bitwise, shifts by a constant). Everything heavier calls a builtin (src/builtins) once per use.
 * Operands follow the stack: `a` is the top (first popped), `b` the next.
 */
import type { BlockBuilder, Limb, Value } from './frame.ts';
import type { Expr } from './module.ts';

const MASK64 = (1n << 64n) - 1n;

/** a + b mod 2^256 with carry propagation. */
export function makeAdd(bb: BlockBuilder, a: Value, b: Value): Value {
  const m = bb.m;
  const r: Limb[] = [];
  let carry: number | null = null;
  for (let i = 0; i < 4; i++) {
    const sum = bb.temp(m.i64.add(bb.get(a.limbs[i]), bb.get(b.limbs[i])));
    if (carry === null) {
      r.push(sum);
      if (i < 3) carry = bb.temp(m.i64.extend_u(m.i64.lt_u(bb.get(sum), bb.get(a.limbs[i]))));
      continue;
    }
    const total = bb.temp(m.i64.add(bb.get(sum), bb.get(carry)));
    r.push(total);
    if (i < 3) {
      // carry out if a+b wrapped, or adding the carry wrapped
      carry = bb.temp(m.i64.extend_u(m.i32.or(m.i64.lt_u(bb.get(sum), bb.get(a.limbs[i])), m.i64.lt_u(bb.get(total), bb.get(sum)))));
    }
  }
  return { limbs: r as unknown as Value['limbs'] };
}

/** a − b mod 2^256 with borrow propagation. */
export function makeSub(bb: BlockBuilder, a: Value, b: Value): Value {
  const m = bb.m;
  const r: Limb[] = [];
  let borrow: number | null = null;
  for (let i = 0; i < 4; i++) {
    const diff = bb.temp(m.i64.sub(bb.get(a.limbs[i]), bb.get(b.limbs[i])));
    if (borrow === null) {
      r.push(diff);
      borrow = bb.temp(m.i64.extend_u(m.i64.lt_u(bb.get(a.limbs[i]), bb.get(b.limbs[i]))));
      continue;
    }
    const total = bb.temp(m.i64.sub(bb.get(diff), bb.get(borrow)));
    r.push(total);
    if (i < 3) {
      borrow = bb.temp(m.i64.extend_u(m.i32.or(m.i64.lt_u(bb.get(a.limbs[i]), bb.get(b.limbs[i])), m.i64.lt_u(bb.get(diff), bb.get(borrow)))));
    }
  }
  return { limbs: r as unknown as Value['limbs'] };
}

/** a < b as i32 (signed: the top limb compares signed). */
export function makeLess(bb: BlockBuilder, a: Value, b: Value, signed: boolean): Expr {
  const m = bb.m;
  const A = (i: number) => bb.get(a.limbs[i]);
  const B = (i: number) => bb.get(b.limbs[i]);
  // One side below 2^64 (a small constant, a narrow counter): its limb 0 against the other's, unless the other has
  // high bits — one OR chain, not three compare pairs (TurboFan does not fold them into this).
  const small = (v: Value) => v.limbs[1] === 0n && v.limbs[2] === 0n && v.limbs[3] === 0n;
  if (!signed && small(a)) return small(b) ? m.i64.lt_u(A(0), B(0)) : m.i32.or(m.i64.ne(makeOrLimbs(bb, b, 1), m.i64.const(0n)), m.i64.lt_u(A(0), B(0)));
  if (!signed && small(b)) return m.i32.and(m.i64.eqz(makeOrLimbs(bb, a, 1)), m.i64.lt_u(A(0), B(0)));
  let acc = m.i64.lt_u(A(0), B(0));
  for (let i = 1; i < 4; i++) {
    const lt = i === 3 && signed ? m.i64.lt_s(A(i), B(i)) : m.i64.lt_u(A(i), B(i));
    acc = m.i32.or(lt, m.i32.and(m.i64.eq(A(i), B(i)), acc));
  }
  return acc;
}

/** a == b as i32. */
export function makeEq(bb: BlockBuilder, a: Value, b: Value): Expr {
  const m = bb.m;
  const x = (i: number) => m.i64.xor(bb.get(a.limbs[i]), bb.get(b.limbs[i]));
  return m.i64.eqz(m.i64.or(m.i64.or(x(0), x(1)), m.i64.or(x(2), x(3))));
}

/** a == 0 as i32. */
export function makeIsZero(bb: BlockBuilder, a: Value): Expr {
  return bb.m.i64.eqz(makeOrLimbs(bb, a, 0));
}

/** OR of limbs `from`..3 as i64 (nonzero test of the value or of its high part). */
export function makeOrLimbs(bb: BlockBuilder, a: Value, from: number): Expr {
  const m = bb.m;
  let e = bb.get(a.limbs[from]);
  for (let i = from + 1; i < 4; i++) e = m.i64.or(e, bb.get(a.limbs[i]));
  return e;
}

/** Limb-wise AND/OR/XOR, folding constant limbs. */
export function makeBitwise(bb: BlockBuilder, a: Value, b: Value, op: 'and' | 'or' | 'xor'): Value {
  const m = bb.m;
  const out: (Expr | bigint)[] = [];
  for (let i = 0; i < 4; i++) {
    const x = a.limbs[i];
    const y = b.limbs[i];
    if (typeof x === 'bigint' && typeof y === 'bigint') out.push(op === 'and' ? x & y : op === 'or' ? x | y : x ^ y);
    else if (op === 'and' && (x === 0n || y === 0n)) out.push(0n);
    else if (op === 'and' && x === MASK64) out.push(bb.get(y));
    else if (op === 'and' && y === MASK64) out.push(bb.get(x));
    else if (op !== 'and' && x === 0n) out.push(bb.get(y));
    else if (op !== 'and' && y === 0n) out.push(bb.get(x));
    else out.push(m.i64[op](bb.get(x), bb.get(y)));
  }
  return reuse(bb, out);
}

/** Build a value from limb expressions, keeping local.gets as they are (no copy). */
function reuse(bb: BlockBuilder, limbs: (Expr | bigint)[]): Value {
  return bb.valueOf(limbs);
}

export function makeNot(bb: BlockBuilder, a: Value): Value {
  const m = bb.m;
  return bb.valueOf(a.limbs.map((l) => (typeof l === 'bigint' ? ~l & MASK64 : m.i64.xor(bb.get(l), m.i64.const(-1n)))));
}

/** value << s for a constant s < 256. */
export function makeShlConst(bb: BlockBuilder, v: Value, s: number): Value {
  const m = bb.m;
  const q = s >> 6;
  const r = BigInt(s & 63);
  const limb = (i: number): Expr | bigint => {
    if (i - q < 0) return 0n;
    const hi = m.i64.shl(bb.get(v.limbs[i - q]), m.i64.const(r));
    if (r === 0n) return bb.get(v.limbs[i - q]);
    if (i - q - 1 < 0) return hi;
    return m.i64.or(hi, m.i64.shr_u(bb.get(v.limbs[i - q - 1]), m.i64.const(64n - r)));
  };
  return bb.valueOf([0, 1, 2, 3].map(limb));
}

/** value >> s (logical) for a constant s < 256. */
export function makeShrConst(bb: BlockBuilder, v: Value, s: number): Value {
  const m = bb.m;
  const q = s >> 6;
  const r = BigInt(s & 63);
  const limb = (i: number): Expr | bigint => {
    if (i + q > 3) return 0n;
    if (r === 0n) return bb.get(v.limbs[i + q]);
    const lo = m.i64.shr_u(bb.get(v.limbs[i + q]), m.i64.const(r));
    if (i + q + 1 > 3) return lo;
    return m.i64.or(lo, m.i64.shl(bb.get(v.limbs[i + q + 1]), m.i64.const(64n - r)));
  };
  return bb.valueOf([0, 1, 2, 3].map(limb));
}

/** value >> s (arithmetic: the sign fills from the top) for a constant s; s ≥ 256 gives all sign bits. */
export function makeSarConst(bb: BlockBuilder, v: Value, s: number): Value {
  const m = bb.m;
  const sign = bb.temp(m.i64.shr_s(bb.get(v.limbs[3]), m.i64.const(63n)));
  if (s >= 256) return { limbs: [sign, sign, sign, sign] };
  const q = s >> 6;
  const r = BigInt(s & 63);
  const limb = (i: number): Expr | bigint => {
    const j = i + q;
    if (j > 3) return bb.get(sign);
    if (r === 0n) return bb.get(v.limbs[j]);
    if (j === 3) return m.i64.shr_s(bb.get(v.limbs[3]), m.i64.const(r));
    return m.i64.or(m.i64.shr_u(bb.get(v.limbs[j]), m.i64.const(r)), m.i64.shl(bb.get(v.limbs[j + 1]), m.i64.const(64n - r)));
  };
  return bb.valueOf([0, 1, 2, 3].map(limb));
}

/** A boolean (i32) as a 256-bit value. */
export function fromBool(bb: BlockBuilder, cond: Expr): Value {
  return bb.valueOf([bb.m.i64.extend_u(cond), 0n, 0n, 0n]);
}

/**
 * SIGNEXTEND by a constant byte index `b` (Solidity's int<N> arithmetic): the limb holding the sign bit is
 * sign-extended with a shift pair, the limbs above become its sign, the ones below are unchanged.
 */
export function makeSignextendConst(bb: BlockBuilder, x: Value, b: bigint): Value {
  if (b >= 31n) return x;
  const m = bb.m;
  const bit = 8 * Number(b) + 7;
  const k = bit >> 6;
  const s = BigInt(63 - (bit & 63));
  const ext = s === 0n ? bb.get(x.limbs[k]) : m.i64.shr_s(m.i64.shl(bb.get(x.limbs[k]), m.i64.const(s)), m.i64.const(s));
  const low = bb.temp(ext);
  const sign = k < 3 ? bb.temp(m.i64.shr_s(bb.get(low), m.i64.const(63n))) : low;
  const limbs = [0, 1, 2, 3].map((i) => (i < k ? x.limbs[i] : i === k ? low : sign));
  return { limbs: limbs as unknown as Value['limbs'] };
}

/** BYTE with a constant index `i`: byte i counted from the most significant end, 0 past 31. */
export function makeByteConst(bb: BlockBuilder, x: Value, i: bigint): Value {
  if (i >= 32n) return { limbs: [0n, 0n, 0n, 0n] };
  const m = bb.m;
  const fromLow = 31 - Number(i); // byte index from the least significant end
  const limb = fromLow >> 3;
  const shift = BigInt(8 * (fromLow & 7));
  const v = shift === 0n ? bb.get(x.limbs[limb]) : m.i64.shr_u(bb.get(x.limbs[limb]), m.i64.const(shift));
  return bb.valueOf([m.i64.and(v, m.i64.const(0xffn)), 0n, 0n, 0n]);
}
