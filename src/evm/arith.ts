/**
 * @file Semantics of the pure 256-bit opcodes over BigInt: the compiler's constant folder, and an
 * executable statement of the Yellow Paper definitions (execution-specs `vm/instructions/*.py`).
 * Operands are in stack order: `args[0]` is the top of the stack.
 */
import { Op } from './traits.ts';

const M = (1n << 256n) - 1n;
const SIGN = 1n << 255n;
const toSigned = (x: bigint): bigint => (x & SIGN ? x - (1n << 256n) : x);
const fromSigned = (x: bigint): bigint => x & M;

/** Evaluate a pure opcode on constants; undefined for opcodes that are not pure (or PC). */
export function evalPure(op: number, a: readonly bigint[]): bigint | undefined {
  const [x, y, z] = a;
  switch (op) {
    case Op.ADD: return (x + y) & M;
    case Op.MUL: return (x * y) & M;
    case Op.SUB: return (x - y) & M;
    case Op.DIV: return y === 0n ? 0n : x / y;
    case Op.SDIV: {
      if (y === 0n) return 0n;
      return fromSigned(toSigned(x) / toSigned(y)); // BigInt division truncates toward zero, as the EVM
    }
    case Op.MOD: return y === 0n ? 0n : x % y;
    case Op.SMOD: return y === 0n ? 0n : fromSigned(toSigned(x) % toSigned(y)); // sign of the dividend
    case Op.ADDMOD: return z === 0n ? 0n : (x + y) % z;
    case Op.MULMOD: return z === 0n ? 0n : (x * y) % z;
    case Op.EXP: return modPow(x, y);
    case Op.SIGNEXTEND: {
      if (x >= 31n) return y;
      const bit = x * 8n + 7n;
      const mask = (1n << (bit + 1n)) - 1n;
      return (y >> bit) & 1n ? (y | ~mask) & M : y & mask;
    }
    case Op.LT: return x < y ? 1n : 0n;
    case Op.GT: return x > y ? 1n : 0n;
    case Op.SLT: return toSigned(x) < toSigned(y) ? 1n : 0n;
    case Op.SGT: return toSigned(x) > toSigned(y) ? 1n : 0n;
    case Op.EQ: return x === y ? 1n : 0n;
    case Op.ISZERO: return x === 0n ? 1n : 0n;
    case Op.AND: return x & y;
    case Op.OR: return x | y;
    case Op.XOR: return x ^ y;
    case Op.NOT: return ~x & M;
    case Op.BYTE: return x >= 32n ? 0n : (y >> (8n * (31n - x))) & 0xffn;
    case Op.SHL: return x >= 256n ? 0n : (y << x) & M;
    case Op.SHR: return x >= 256n ? 0n : y >> x;
    case Op.SAR: return x >= 256n ? (y & SIGN ? M : 0n) : fromSigned(toSigned(y) >> x);
    case Op.CLZ: return x === 0n ? 256n : 255n - BigInt(x.toString(2).length - 1);
    default: return undefined;
  }
}

function modPow(base: bigint, exp: bigint): bigint {
  let r = 1n;
  let b = base & M;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) & M;
    b = (b * b) & M;
    e >>= 1n;
  }
  return r;
}

/** Number of significant bytes of x (EXP's dynamic gas is per exponent byte). */
export function byteLength(x: bigint): number {
  return x === 0n ? 0 : Math.ceil(x.toString(16).length / 2);
}
