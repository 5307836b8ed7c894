/**
 * @file The 256-bit builtins against BigInt reference semantics: every operation on all pairs of
 * edge values, on seeded random words of random bit lengths (including small negatives), on
 * "structured" words whose 32-bit digits are 0 / 1 / 2^31 / 2^32-1 … (they drive Knuth
 * division into its rare correction steps), and with the result aliasing an operand.
 */
import { describe, it, expect } from 'vitest';
import {
  EDGES, REF2, REF3, Rng, SLOT, TWO_256, MASK, hex, instantiate, readWord, refBytelen, refClz, writeWord,
} from './harness.ts';

const { memory, fns } = instantiate();
const [A, B, C, R] = SLOT;

type Fn2 = (r: number, a: number, b: number) => void;
type Fn3 = (r: number, a: number, b: number, m: number) => void;

function call2(name: string, a: bigint, b: bigint): bigint {
  writeWord(memory, A, a);
  writeWord(memory, B, b);
  (fns as unknown as Record<string, Fn2>)[name](R, A, B);
  return readWord(memory, R);
}

function call3(name: string, a: bigint, b: bigint, m: bigint): bigint {
  writeWord(memory, A, a);
  writeWord(memory, B, b);
  writeWord(memory, C, m);
  (fns as unknown as Record<string, Fn3>)[name](R, A, B, C);
  return readWord(memory, R);
}

/** Digits that sit on the boundaries Knuth D cares about. */
const SPECIAL_DIGITS = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0x80000001n, 0xfffffffen, 0xffffffffn];

function structured(rng: Rng): bigint {
  const n = 1 + rng.int(8);
  let v = 0n;
  for (let i = 0; i < n; i++) {
    const d = rng.int(10) < 7 ? SPECIAL_DIGITS[rng.int(SPECIAL_DIGITS.length)] : rng.u64() & 0xffffffffn;
    v |= d << BigInt(32 * i);
  }
  return v;
}

/** Random operands: mostly random bit lengths, sometimes structured digits. */
function operand(rng: Rng): bigint {
  return rng.int(3) === 0 ? structured(rng) : rng.word();
}

/** Collects mismatches so one failing op reports a few readable cases instead of thousands. */
class Mismatches {
  readonly list: string[] = [];
  check(desc: string, got: bigint | number, want: bigint | number): void {
    if (got !== want && this.list.length < 5) {
      const f = (v: bigint | number) => (typeof v === 'bigint' ? hex(v) : String(v));
      this.list.push(`${desc}: got ${f(got)}, want ${f(want)}`);
    }
  }
}

/** Pairs that trigger the "add back" step of Knuth D (found by simulating the algorithm). */
const ADD_BACK_CASES: [bigint, bigint][] = [
  [0x8000000080000000fffffffe30efd8df000000020000000292e15a30n, 0x80000001000000027fffffff00000000n],
  [0x7ffffffffffffffe8000000107abf5fc7fffffffn, 0xfffffffe000000016565d9059cdaac24n],
  [0x800000008000000100000000a100952538be709bfcb26e4e94d45cda8b590677n, 0x10000000100000002c7f874377fffffffffffffff19b9b0d080000000n],
  [0xffffffff00000000ffffffff0000000002130eb3a05a1e9a00000000a434bbdfn, 0x8000000000000000fffffffen],
];

describe('binary word operations', () => {
  for (const [name, ref] of Object.entries(REF2)) {
    it(`${name} matches the reference on edge values, random and structured words`, () => {
      const bad = new Mismatches();
      for (const a of EDGES) for (const b of EDGES) bad.check(`${name}(${hex(a)}, ${hex(b)})`, call2(name, a, b), ref(a, b));
      const rng = new Rng(0x5eed + name.length * 7919);
      const n = name === 'mevmc_exp' ? 1500 : 4000;
      for (let i = 0; i < n; i++) {
        const a = operand(rng);
        // Shift amounts, byte indices and exponents are mostly small in real code: make sure
        // the in-range values are well covered, not just the ≥ 256 ones.
        const b = rng.int(2) === 0 ? BigInt(rng.int(300)) : operand(rng);
        bad.check(`${name}(${hex(a)}, ${hex(b)})`, call2(name, a, b), ref(a, b));
        bad.check(`${name}(${hex(b)}, ${hex(a)})`, call2(name, b, a), ref(b, a));
      }
      expect(bad.list).toEqual([]);
    });
  }

  it('division agrees on Knuth D add-back cases (and their signed/modular variants)', () => {
    const bad = new Mismatches();
    for (const [a, b] of ADD_BACK_CASES) {
      for (const name of ['mevmc_div', 'mevmc_mod', 'mevmc_sdiv', 'mevmc_smod']) {
        for (const [x, y] of [[a, b], [(TWO_256 - a) & MASK, b], [a, (TWO_256 - b) & MASK]]) {
          bad.check(`${name}(${hex(x)}, ${hex(y)})`, call2(name, x, y), REF2[name](x, y));
        }
      }
      bad.check(`mulmod(${hex(a)}, ${hex(a)}, ${hex(b)})`, call3('mevmc_mulmod', a, a, b), (a * a) % b);
    }
    expect(bad.list).toEqual([]);
  });

  it('division of full words by a divisor below 2^64 (register short division) and its signed forms', () => {
    // Divisors at the edges (1, 2^31, 2^32 ± 1, 2^63, 2^64 − 1) and random ones of 1–64 bits; dividends of 65–256
    // bits, so the both-below-2^64 path does not take them; negatives as in Signed.mix (x / int8) and snailtracer.
    const bad = new Mismatches();
    const rng = new Rng(0xd161);
    const divisors = [1n, 2n, 3n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, 1n << 63n, (1n << 64n) - 1n, 10n ** 18n];
    for (let i = 0; i < 3000; i++) {
      const d = i < 440 ? divisors[i % divisors.length] : (rng.u64() >> BigInt(rng.int(64))) | 1n;
      const a = i % 3 === 0 ? structured(rng) | (1n << BigInt(64 + rng.int(192))) : rng.word() | (1n << 64n);
      for (const name of ['mevmc_div', 'mevmc_mod', 'mevmc_sdiv', 'mevmc_smod']) {
        for (const [x, y] of [[a, d], [(TWO_256 - a) & MASK, d], [a, (TWO_256 - d) & MASK]]) {
          bad.check(`${name}(${hex(x)}, ${hex(y)})`, call2(name, x, y), REF2[name](x, y));
        }
      }
      const m = d | 1n;
      bad.check(`mulmod(${hex(a)}, ${hex(a)}, ${hex(m)})`, call3('mevmc_mulmod', a, a, m), (a * a) % m);
    }
    expect(bad.list).toEqual([]);
  });

  it('division by divisors of 2–4 limbs (Knuth D over 64-bit limbs in registers): every branch, signed forms', () => {
    // Pairs reaching each rare branch of div.c's udivmod_wide_n, found by simulating it on limbs of 0, 1, 2^63 ± 1,
    // 2^64 − 1 …: the estimate refined once and twice, the estimate 1 without a division (top limb 0), the estimate
    // 2^64 − 1 (top limb equal to the divisor's) with a remainder past 2^64, and the add-back.
    const branches: [bigint, bigint][] = [
      [0x10000000000000001000000000000000000000002828b4a613b63a6e6n, 0x200000000000000019a97959d4e2n],
      [0xfffffffffffffffe0000000000000002d44deb826d7939c20000000100000000n, 0x8000000000000000fef5de3aa5an],
      [0xfffffffffffffffe00000000000000007e3934a14a12c922n, 0xb1d34c5871205b828000000000000000n],
      [0x80000000000000009d131b08af3151428000000000000000n, 0x8000000000000000acd17e578f19fb16n],
      [0x100000000800000000000000000000000000000020000000000000002n, 0x2000000010000000000000000000000028f1900e5bae52258n],
    ];
    const bad = new Mismatches();
    const rng = new Rng(0x64d1);
    const pairs = [...branches];
    // Divisors of every normalisation shift and limb count, edges of 2^64, 2^128, 2^192; dividends below, equal to
    // and above them.
    const edges = [1n << 64n, (1n << 64n) + 1n, (1n << 128n) - 1n, 1n << 128n, 1n << 192n, (1n << 192n) - 1n, MASK, 1n << 255n, 10n ** 36n];
    for (const d of edges) pairs.push([d, d], [d - 1n, d], [MASK, d], [d * 3n & MASK, d], [(d * d) & MASK, d]);
    for (let i = 0; i < 4000; i++) {
      const d = i % 2 === 0 ? structured(rng) | (1n << BigInt(64 + rng.int(192))) : rng.bits(65 + rng.int(192));
      const a = i % 3 === 0 ? structured(rng) : i % 3 === 1 ? rng.bits(65 + rng.int(192)) : (d * rng.u64() + rng.bits(rng.int(256))) & MASK;
      pairs.push([a, d]);
    }
    for (const [a, b] of pairs) {
      for (const name of ['mevmc_div', 'mevmc_mod', 'mevmc_sdiv', 'mevmc_smod']) {
        for (const [x, y] of [[a, b], [(TWO_256 - a) & MASK, b], [a, (TWO_256 - b) & MASK], [(TWO_256 - a) & MASK, (TWO_256 - b) & MASK]]) {
          bad.check(`${name}(${hex(x)}, ${hex(y)})`, call2(name, x, y), REF2[name](x, y));
        }
      }
    }
    expect(bad.list).toEqual([]);
  });

  it('MUL of a one-limb operand by any word, and of two operands below 2^128 (register paths)', () => {
    // Limbs of all ones make every partial-product sum carry; 2^64 and 2^128 sit on the paths' bounds.
    const bad = new Mismatches();
    const rng = new Rng(0x3a17);
    const small = [1n, 2n, (1n << 63n) + 1n, (1n << 64n) - 1n, 10n ** 18n];
    const wide = [1n << 64n, (1n << 128n) - 1n, (1n << 128n) - (1n << 64n), MASK, (1n << 255n) | 1n, TWO_256 - (1n << 64n), 10n ** 36n];
    const pairs: [bigint, bigint][] = [];
    for (const x of small) for (const y of [...small, ...wide]) pairs.push([x, y]);
    for (const x of wide) for (const y of wide) pairs.push([x, y]);
    for (let i = 0; i < 3000; i++) {
      const x = rng.bits(1 + rng.int(64));
      const y = i % 2 === 0 ? rng.bits(65 + rng.int(64)) : rng.bits(65 + rng.int(192));
      pairs.push([x, y], [rng.bits(65 + rng.int(64)), y], [structured(rng) & ((1n << 128n) - 1n), structured(rng) & ((1n << 128n) - 1n)]);
    }
    for (const [x, y] of pairs) {
      const want = (x * y) & MASK;
      bad.check(`mul(${hex(x)}, ${hex(y)})`, call2('mevmc_mul', x, y), want);
      bad.check(`mul(${hex(y)}, ${hex(x)})`, call2('mevmc_mul', y, x), want);
    }
    expect(bad.list).toEqual([]);
  });

  it('MUL by a word of one or two set bits (shifts), either operand, against full and negative words', () => {
    // blake2b_huff copies 64-bit lanes with x·(2^64 + 1); every pair of bit positions, including
    // two bits in one limb, bits 0 and 255, and products that carry across limbs or wrap.
    const bad = new Mismatches();
    const rng = new Rng(0x5b17);
    const xs = [MASK, (1n << 64n) - 1n | ((1n << 64n) - 1n) << 128n, TWO_256 - 3n];
    for (let i = 0; i < 12; i++) xs.push(rng.word(), structured(rng) | (1n << 200n));
    const bits = [0, 1, 31, 32, 63, 64, 65, 127, 128, 144, 152, 191, 192, 200, 255];
    for (const j of bits) {
      for (const k of [-1, ...bits.filter((b) => b > j)]) {
        const y = (1n << BigInt(j)) | (k < 0 ? 0n : 1n << BigInt(k));
        for (const x of xs) {
          const want = (x * y) & MASK;
          bad.check(`mul(${hex(x)}, ${hex(y)})`, call2('mevmc_mul', x, y), want);
          bad.check(`mul(${hex(y)}, ${hex(x)})`, call2('mevmc_mul', y, x), want);
        }
      }
    }
    expect(bad.list).toEqual([]);
  });

  it('handles the EVM special cases explicitly', () => {
    const min = 1n << 255n;
    expect(call2('mevmc_sdiv', min, MASK)).toBe(min); // SDIV(-2^255, -1) = -2^255
    expect(call2('mevmc_sdiv', TWO_256 - (1n << 63n), MASK)).toBe(1n << 63n); // int64 fast path
    expect(call2('mevmc_smod', TWO_256 - 7n, 3n)).toBe(TWO_256 - 1n); // -7 smod 3 = -1
    expect(call2('mevmc_smod', 7n, TWO_256 - 3n)).toBe(1n); // 7 smod -3 = 1
    expect(call2('mevmc_div', 5n, 0n)).toBe(0n);
    expect(call2('mevmc_sdiv', MASK, 0n)).toBe(0n);
    expect(call2('mevmc_mod', 5n, 0n)).toBe(0n);
    expect(call2('mevmc_smod', MASK, 0n)).toBe(0n);
    expect(call2('mevmc_exp', 0n, 0n)).toBe(1n);
    expect(call2('mevmc_exp', 2n, 255n)).toBe(min);
    expect(call2('mevmc_exp', 2n, 256n)).toBe(0n);
    expect(call2('mevmc_exp', MASK, MASK)).toBe(MASK); // (-1)^odd
    expect(call2('mevmc_exp', 3n, MASK)).toBe(REF2.mevmc_exp(3n, MASK));
    expect(call2('mevmc_signextend', 0n, 0xffn)).toBe(MASK);
    expect(call2('mevmc_signextend', 0n, 0x7fn)).toBe(0x7fn);
    expect(call2('mevmc_signextend', 31n, 0x80n)).toBe(0x80n);
    expect(call2('mevmc_signextend', 1n << 64n, 0x80n)).toBe(0x80n);
    expect(call2('mevmc_byte', 31n, 0x1234n)).toBe(0x34n);
    expect(call2('mevmc_byte', 32n, MASK)).toBe(0n);
    expect(call2('mevmc_sar', 256n, min)).toBe(MASK);
    expect(call2('mevmc_sar', 1n << 128n, 1n)).toBe(0n);
    expect(call2('mevmc_shl', 255n, 3n)).toBe(min);
    expect(call2('mevmc_shr', 1n << 64n, MASK)).toBe(0n);
  });

  it('every shift amount and byte index 0..260 on a few values', () => {
    const bad = new Mismatches();
    for (const x of [MASK, 1n, 1n << 255n, 0x0123456789abcdef_fedcba9876543210_0f1e2d3c4b5a6978_8796a5b4c3d2e1f0n]) {
      for (let s = 0n; s <= 260n; s++) {
        for (const name of ['mevmc_shl', 'mevmc_shr', 'mevmc_sar', 'mevmc_byte', 'mevmc_signextend']) {
          bad.check(`${name}(${s}, ${hex(x)})`, call2(name, s, x), REF2[name](s, x));
        }
      }
    }
    expect(bad.list).toEqual([]);
  });
});

describe('ADDMOD / MULMOD', () => {
  const edges = EDGES.filter((_, i) => i % 2 === 0);
  for (const [name, ref] of Object.entries(REF3)) {
    it(`${name} matches the reference (257-bit sum / 512-bit product, modulus 0 → 0)`, () => {
      const bad = new Mismatches();
      for (const a of edges) for (const b of edges) for (const m of edges) {
        bad.check(`${name}(${hex(a)}, ${hex(b)}, ${hex(m)})`, call3(name, a, b, m), ref(a, b, m));
      }
      const rng = new Rng(0xadd + name.length);
      for (let i = 0; i < 4000; i++) {
        const a = operand(rng), b = operand(rng), m = operand(rng);
        bad.check(`${name}(${hex(a)}, ${hex(b)}, ${hex(m)})`, call3(name, a, b, m), ref(a, b, m));
      }
      expect(bad.list).toEqual([]);
    });
  }
});

describe('ADDMOD / MULMOD with moduli of eight 32-bit digits (Barrett reduction, mu kept per modulus)', () => {
  // Field primes (bn254 p as in weierstrudel, secp256k1 p and n, 2^256 − 159 as in ModExp), the extremes of the
  // eight-digit range, powers of two (excluded from Barrett) and structured digits (Barrett's correction steps).
  const rng = new Rng(0xba77e77);
  const moduli = [
    0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n,
    0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
    0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    MASK - 158n, MASK, MASK - 1n, (1n << 224n) + 1n, 1n << 224n, 1n << 255n, (1n << 255n) + 1n, (1n << 225n) - 1n,
    ...Array.from({ length: 12 }, () => structured(rng) | (BigInt(1 + rng.int(0xffffffff)) << 224n)),
    ...Array.from({ length: 12 }, () => rng.u64() | (rng.u64() << 64n) | (rng.u64() << 128n) | ((rng.u64() | (1n << 32n)) << 192n)),
  ].map((m) => m & MASK);
  const arg = (m: bigint): bigint => {
    switch (rng.int(6)) {
      case 0: return (rng.u64() | (rng.u64() << 64n) | (rng.u64() << 128n) | (rng.u64() << 192n)) % m; // reduced
      case 1: return m - 1n - BigInt(rng.int(3));
      case 2: return (m + BigInt(rng.int(1000))) & MASK; // just above the modulus
      case 3: return MASK - BigInt(rng.int(3));
      default: return operand(rng);
    }
  };
  for (const [name, ref] of Object.entries(REF3)) {
    it(`${name} matches the reference, moduli alternating so mu is recomputed`, () => {
      const bad = new Mismatches();
      for (let i = 0; i < 6000; i++) {
        // runs of one modulus, then another: both the cached and the fresh mu are used
        const m = moduli[Math.floor(i / 7) % moduli.length];
        const a = arg(m), b = arg(m);
        bad.check(`${name}(${hex(a)}, ${hex(b)}, ${hex(m)})`, call3(name, a, b, m), ref(a, b, m));
      }
      expect(bad.list).toEqual([]);
    });
  }
});

describe('ADDMOD / MULMOD by moduli >= 2^232 (Barrett in 29-bit digits, mu = floor(2^522 / m))', () => {
  // The digit form changes at 2^232 (β^8 for β = 2^29): moduli on both sides of it, moduli whose 29-bit digits
  // are all zero or all ones below the top (mu and the correction steps at their extremes), and operands that
  // make the quotient largest (near 2^256 against the smallest moduli) or the remainder land on m − 1, m, m + 1.
  const rng = new Rng(0x29d19);
  const B29 = (1n << 29n) - 1n;
  const moduli = [
    (1n << 232n) + 1n, (1n << 232n) - 1n, (1n << 232n) + B29, (1n << 233n) - 1n, (1n << 261n) - 1n,
    (1n << 256n) - (1n << 29n), (1n << 256n) - (1n << 232n), (1n << 255n) + (1n << 29n), MASK - 158n, MASK - 1n,
    0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n,
    0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n,
    ...Array.from({ length: 8 }, () => (1n << BigInt(232 + rng.int(24))) | (rng.u64() & B29) | (B29 << 203n)),
    ...Array.from({ length: 8 }, () => ((rng.u64() | (rng.u64() << 64n) | (rng.u64() << 128n) | (rng.u64() << 192n)) >> BigInt(rng.int(24))) | (1n << 232n)),
  ].map((m) => m & MASK);
  const arg = (m: bigint): bigint => {
    switch (rng.int(7)) {
      case 0: return (rng.u64() | (rng.u64() << 64n) | (rng.u64() << 128n) | (rng.u64() << 192n)) % m;
      case 1: return m - 1n - BigInt(rng.int(3));
      case 2: return (m + BigInt(rng.int(3))) & MASK;
      case 3: return MASK - BigInt(rng.int(3));
      case 4: return (MASK / m) * m - BigInt(rng.int(2)); // a multiple of m, or one below
      default: return operand(rng);
    }
  };
  for (const [name, ref] of Object.entries(REF3)) {
    it(`${name} matches the reference`, () => {
      const bad = new Mismatches();
      for (let i = 0; i < 8000; i++) {
        const m = moduli[Math.floor(i / 5) % moduli.length];
        const a = arg(m), b = arg(m);
        bad.check(`${name}(${hex(a)}, ${hex(b)}, ${hex(m)})`, call3(name, a, b, m), ref(a, b, m));
      }
      // products that are exact multiples of m plus a small remainder: the quotient estimate's worst cases
      for (const m of moduli) {
        for (let i = 0; i < 40; i++) {
          const q = (rng.u64() | (rng.u64() << 64n) | (rng.u64() << 128n) | (rng.u64() << 192n)) % (MASK / m + 1n);
          const a = (q * m + BigInt(rng.int(3))) & MASK, b = 1n + BigInt(rng.int(2));
          bad.check(`${name}(${hex(a)}, ${hex(b)}, ${hex(m)})`, call3(name, a, b, m), ref(a, b, m));
        }
      }
      expect(bad.list).toEqual([]);
    });
  }
});

describe('CLZ and byte length', () => {
  it('counts leading zeros and significant bytes', () => {
    const bad = new Mismatches();
    const rng = new Rng(42);
    const values = [...EDGES, ...Array.from({ length: 2000 }, () => rng.word())];
    for (let k = 0; k < 256; k++) values.push(1n << BigInt(k), (1n << BigInt(k + 1)) - 1n);
    for (const x of values) {
      writeWord(memory, A, x);
      fns.mevmc_clz(R, A);
      bad.check(`clz(${hex(x)})`, readWord(memory, R), refClz(x));
      bad.check(`bytelen(${hex(x)})`, fns.mevmc_bytelen(A), refBytelen(x));
    }
    expect(bad.list).toEqual([]);
    writeWord(memory, A, 0n);
    fns.mevmc_clz(R, A);
    expect(readWord(memory, R)).toBe(256n);
  });
});

describe('result aliasing and unaligned words', () => {
  it('r may be either operand (or all three), and words need no alignment', () => {
    const rng = new Rng(7);
    const bad = new Mismatches();
    const odd = 65536 + 3; // EVM memory, unaligned
    for (let i = 0; i < 300; i++) {
      const a = operand(rng), b = rng.int(2) ? BigInt(rng.int(260)) : operand(rng), m = operand(rng);
      for (const [name, ref] of Object.entries(REF2)) {
        const fn = (fns as unknown as Record<string, Fn2>)[name];
        writeWord(memory, A, a), writeWord(memory, B, b);
        fn(A, A, B); // r = a
        bad.check(`${name} r=a`, readWord(memory, A), ref(a, b));
        writeWord(memory, A, a), writeWord(memory, B, b);
        fn(B, A, B); // r = b
        bad.check(`${name} r=b`, readWord(memory, B), ref(a, b));
        writeWord(memory, A, a);
        fn(A, A, A); // r = a = b
        bad.check(`${name} r=a=b`, readWord(memory, A), ref(a, a));
        writeWord(memory, odd, a), writeWord(memory, odd + 37, b);
        fn(odd + 70, odd, odd + 37);
        bad.check(`${name} unaligned`, readWord(memory, odd + 70), ref(a, b));
      }
      for (const [name, ref] of Object.entries(REF3)) {
        const fn = (fns as unknown as Record<string, Fn3>)[name];
        writeWord(memory, A, a), writeWord(memory, B, b), writeWord(memory, C, m);
        fn(C, A, B, C); // r = m
        bad.check(`${name} r=m`, readWord(memory, C), ref(a, b, m));
        writeWord(memory, A, a), writeWord(memory, C, m);
        fn(A, A, A, C); // r = a = b
        bad.check(`${name} r=a=b`, readWord(memory, A), ref(a, a, m));
      }
    }
    expect(bad.list).toEqual([]);
  });
});
