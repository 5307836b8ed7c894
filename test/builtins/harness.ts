/**
 * @file Shared helpers of the builtins tests: instantiating builtins.wasm on a fresh memory,
 * moving 256-bit words in and out, a seeded PRNG for random words, and the BigInt reference
 * semantics of every EVM operation the builtins implement (execution-specs behaviour).
 */
import { BUILTINS_WASM } from '../../src/builtins/index.ts';
import { EVM_MEMORY_BASE, SCRATCH } from '../../src/abi/context.ts';

export const TWO_256 = 1n << 256n;
export const MASK = TWO_256 - 1n;
const TWO_255 = 1n << 255n;

/** The builtins' exports with their JS-visible signatures. */
export interface Builtins {
  mevmc_mul(r: number, a: number, b: number): void;
  mevmc_div(r: number, a: number, b: number): void;
  mevmc_sdiv(r: number, a: number, b: number): void;
  mevmc_mod(r: number, a: number, b: number): void;
  mevmc_smod(r: number, a: number, b: number): void;
  mevmc_exp(r: number, base: number, exponent: number): void;
  mevmc_addmod(r: number, a: number, b: number, m: number): void;
  mevmc_mulmod(r: number, a: number, b: number, m: number): void;
  mevmc_signextend(r: number, b: number, x: number): void;
  mevmc_byte(r: number, i: number, x: number): void;
  mevmc_shl(r: number, shift: number, value: number): void;
  mevmc_shr(r: number, shift: number, value: number): void;
  mevmc_sar(r: number, shift: number, value: number): void;
  mevmc_clz(r: number, x: number): void;
  mevmc_bytelen(x: number): number;
  mevmc_keccak256(r: number, input: number, len: number): void;
  mevmc_expand(offset: bigint, length: bigint, overflow: number): number;
}

export interface Instance {
  memory: WebAssembly.Memory;
  fns: Builtins;
}

const module = new WebAssembly.Module(BUILTINS_WASM);

/** Pages of a frame memory whose EVM memory starts with `evmPages` pages of room (as a runtime frame's: 1). */
export const framePages = (evmPages = 1): number => EVM_MEMORY_BASE / 65536 + evmPages;

/** builtins.wasm on a fresh memory (a runtime frame's pages unless given). */
export function instantiate(memory = new WebAssembly.Memory({ initial: framePages() })): Instance {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  return { memory, fns: inst.exports as unknown as Builtins };
}

/** Operand slots in the scratch area, as the compiler uses them. */
export const SLOT = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => SCRATCH + 32 * i);

export function writeWord(mem: WebAssembly.Memory, addr: number, v: bigint): void {
  const dv = new DataView(mem.buffer);
  v &= MASK;
  for (let i = 0; i < 4; i++) dv.setBigUint64(addr + 8 * i, (v >> BigInt(64 * i)) & 0xffffffffffffffffn, true);
}

export function readWord(mem: WebAssembly.Memory, addr: number): bigint {
  const dv = new DataView(mem.buffer);
  let v = 0n;
  for (let i = 3; i >= 0; i--) v = (v << 64n) | dv.getBigUint64(addr + 8 * i, true);
  return v;
}

export const hex = (v: bigint): string => '0x' + v.toString(16);

// ---- seeded randomness ----------------------------------------------------------------------

/** splitmix64 over BigInt: deterministic across runs and platforms. */
export class Rng {
  private s: bigint;
  constructor(seed: number) {
    this.s = BigInt(seed) & 0xffffffffffffffffn;
  }
  u64(): bigint {
    this.s = (this.s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = this.s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Number(this.u64() % BigInt(n));
  }
  /** A uniformly random value of exactly `bits` bits (top bit set), 0 for bits = 0. */
  bits(bits: number): bigint {
    if (bits === 0) return 0n;
    let v = 0n;
    for (let i = 0; i < bits; i += 64) v = (v << 64n) | this.u64();
    v &= (1n << BigInt(bits)) - 1n;
    return v | (1n << BigInt(bits - 1));
  }
  /**
   * A word with a random bit length, negated (two's complement) a quarter of the time, so
   * small, large, small-negative and full-width values all come up often.
   */
  word(): bigint {
    const v = this.bits(this.int(257));
    return this.int(4) === 0 ? (TWO_256 - v) & MASK : v;
  }
}

/** Interesting values: around 0, limb and digit boundaries, the sign bit and the top. */
export const EDGES: bigint[] = (() => {
  const out = new Set<bigint>();
  for (const v of [0n, 1n, 2n, 3n, 5n, 7n, 10n, 31n, 32n, 255n, 256n, 10n ** 18n]) out.add(v);
  for (const k of [8, 31, 32, 33, 63, 64, 65, 127, 128, 129, 192, 254, 255]) {
    const p = 1n << BigInt(k);
    out.add(p - 1n).add(p).add(p + 1n);
  }
  for (const v of [1n, 2n, 3n, 10n ** 18n, 1n << 63n, (1n << 64n) + 1n, 1n << 128n]) out.add(TWO_256 - v);
  out.add(MASK).add(MASK >> 1n).add(0x0123456789abcdef_fedcba9876543210_0f1e2d3c4b5a6978_8796a5b4c3d2e1f0n);
  return [...out].map((v) => v & MASK);
})();

// ---- reference semantics --------------------------------------------------------------------

export const toSigned = (x: bigint): bigint => (x >= TWO_255 ? x - TWO_256 : x);
export const fromSigned = (x: bigint): bigint => ((x % TWO_256) + TWO_256) % TWO_256;

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function modpow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b &= MASK;
  while (e > 0n) {
    if (e & 1n) r = (r * b) & MASK;
    b = (b * b) & MASK;
    e >>= 1n;
  }
  return r;
}

/** EVM semantics of the binary word operations, as (a, b) in stack order (a = top). */
export const REF2: Record<string, (a: bigint, b: bigint) => bigint> = {
  mevmc_mul: (a, b) => (a * b) & MASK,
  mevmc_div: (a, b) => (b === 0n ? 0n : a / b),
  mevmc_sdiv: (a, b) => (b === 0n ? 0n : fromSigned(toSigned(a) / toSigned(b))),
  mevmc_mod: (a, b) => (b === 0n ? 0n : a % b),
  mevmc_smod: (a, b) => (b === 0n ? 0n : fromSigned(toSigned(a) % toSigned(b))),
  mevmc_exp: (a, b) => modpow(a, b),
  mevmc_signextend: (b, x) => {
    if (b >= 31n) return x;
    const bit = 8n * b + 7n;
    const low = (1n << (bit + 1n)) - 1n;
    return (x >> bit) & 1n ? x | (MASK ^ low) : x & low;
  },
  mevmc_byte: (i, x) => (i >= 32n ? 0n : (x >> (8n * (31n - i))) & 0xffn),
  mevmc_shl: (s, x) => (s >= 256n ? 0n : (x << s) & MASK),
  mevmc_shr: (s, x) => (s >= 256n ? 0n : x >> s),
  mevmc_sar: (s, x) => fromSigned(toSigned(x) >> (s >= 256n ? 256n : s)),
};

export const REF3: Record<string, (a: bigint, b: bigint, m: bigint) => bigint> = {
  mevmc_addmod: (a, b, m) => (m === 0n ? 0n : (a + b) % m),
  mevmc_mulmod: (a, b, m) => (m === 0n ? 0n : (a * b) % m),
};

export const refClz = (x: bigint): bigint => BigInt(256 - bitLength(x));
export const refBytelen = (x: bigint): number => Math.ceil(bitLength(x) / 8);
