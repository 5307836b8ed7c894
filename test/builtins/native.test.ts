/**
 * @file src/builtins/mevmc_native.h, the prelude of natively compiled contracts: compiled with
 * clang into test/builtins/native-driver.c (three builds: -O2 as contracts are, -O2 with UBSan
 * trapping on any undefined behaviour, and the portable no-asm path at -O1 with UBSan) and run
 * over edge, random and "structured" words; every function is compared with the BigInt reference
 * semantics of src/evm/arith.ts (evalPure), KECCAK256 with @noble/hashes, mevmc_w_expand with the
 * expectations of memory.test.ts and with the wasm builtin mevmc_expand. The header must also
 * compile warning-free with and without its functions used, and reference no external symbol (no
 * libc, no compiler runtime) at -O0..-O3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { CTX, Ctx, MAX_EVM_MEMORY, Status } from '../../src/abi/context.ts';
import { REFERENCE_CLANG_MAJOR } from '../../src/builtins/build.ts';
import { byteLength, evalPure } from '../../src/evm/arith.ts';
import { Op } from '../../src/evm/traits.ts';
import { EDGES, MASK, Rng, TWO_256, instantiate } from './harness.ts';
import { MAX64, expansionCost, expectedExpansion, farAccesses } from './memory-oracle.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INCLUDES = ['-I', join(ROOT, 'runtime/include'), '-I', join(ROOT, 'src/builtins')];
/** The flags the header promises to compile cleanly with. */
const STRICT = ['-std=c2x', '-Wall', '-Wextra', '-Werror', '-fPIC'];

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** A clang ≥ 15 (unsigned _BitInt(256)) for the host, preferring the builtins' reference version. */
function findNativeClang(): { clang: string; major: number } | null {
  const list = process.env.MEVMC_CLANG
    ? [process.env.MEVMC_CLANG]
    : ['clang', ...[22, 21, 20, 19, 18, 17, 16, 15].map((v) => `clang-${v}`)];
  const found: { clang: string; major: number }[] = [];
  for (const clang of list) {
    const m = /clang version (\d+)/.exec(tryRun(clang, ['--version']) ?? '');
    if (m && Number(m[1]) >= 15) found.push({ clang, major: Number(m[1]) });
  }
  return found.find((f) => f.major === REFERENCE_CLANG_MAJOR) ?? found[0] ?? null;
}

const tc = process.arch === 'x64' || process.arch === 'arm64' ? findNativeClang() : null;
if (!tc) {
  console.warn(
    'test/builtins/native.test.ts: no clang >= 15 for a 64-bit little-endian host found ' +
      '(apt-get install clang-19, or set MEVMC_CLANG): skipping the mevmc_native.h tests',
  );
}

const hex = (v: bigint): string => v.toString(16);
const fmt = (v: bigint): string => '0x' + v.toString(16);

/** Collects mismatches so one failing function reports a few readable cases, not thousands. */
class Mismatches {
  readonly list: string[] = [];
  check(desc: string, got: unknown, want: unknown): void {
    if (got !== want && this.list.length < 8) {
      const f = (v: unknown) => (typeof v === 'bigint' ? fmt(v) : String(v));
      this.list.push(`${desc}: got ${f(got)}, want ${f(want)}`);
    }
  }
}

/** Digits that sit on the boundaries Knuth D cares about (as in u256.test.ts). */
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

const operand = (rng: Rng): bigint => (rng.int(3) === 0 ? structured(rng) : rng.word());

/** Pairs that drive Knuth D into its add-back step (from u256.test.ts). */
const ADD_BACK_CASES: [bigint, bigint][] = [
  [0x8000000080000000fffffffe30efd8df000000020000000292e15a30n, 0x80000001000000027fffffff00000000n],
  [0x7ffffffffffffffe8000000107abf5fc7fffffffn, 0xfffffffe000000016565d9059cdaac24n],
  [0x800000008000000100000000a100952538be709bfcb26e4e94d45cda8b590677n, 0x10000000100000002c7f874377fffffffffffffff19b9b0d080000000n],
  [0xffffffff00000000ffffffff0000000002130eb3a05a1e9a00000000a434bbdfn, 0x8000000000000000fffffffen],
];

const OPS2: Record<string, number> = {
  mul: Op.MUL, div: Op.DIV, mod: Op.MOD, sdiv: Op.SDIV, smod: Op.SMOD, exp: Op.EXP,
  signextend: Op.SIGNEXTEND, byte: Op.BYTE, shl: Op.SHL, shr: Op.SHR, sar: Op.SAR,
};
const OPS3: Record<string, number> = { addmod: Op.ADDMOD, mulmod: Op.MULMOD };

/** Every function of the prelude with the exact prototype the code generator relies on. */
const PROTOTYPES = `
typedef w256 (*fn2)(w256, w256);
static w256 (*const p_load)(const uint8_t *) = mevmc_w_load;
static void (*const p_store)(uint8_t *, w256) = mevmc_w_store;
static w256 (*const p_load_be)(const uint8_t *) = mevmc_w_load_be;
static void (*const p_store_be)(uint8_t *, w256) = mevmc_w_store_be;
static w256 (*const p_make)(uint64_t, uint64_t, uint64_t, uint64_t) = mevmc_w_make;
static uint64_t (*const p_limb)(w256, int) = mevmc_w_limb;
static const fn2 p2[] = { mevmc_w_mul, mevmc_w_div, mevmc_w_mod, mevmc_w_sdiv, mevmc_w_smod, mevmc_w_exp,
  mevmc_w_signextend, mevmc_w_byte, mevmc_w_shl, mevmc_w_shr, mevmc_w_sar };
static w256 (*const p_addmod)(w256, w256, w256) = mevmc_w_addmod;
static w256 (*const p_mulmod)(w256, w256, w256) = mevmc_w_mulmod;
static w256 (*const p_clz)(w256) = mevmc_w_clz;
static uint32_t (*const p_bytelen)(w256) = mevmc_w_bytelen;
static w256 (*const p_keccak)(const uint8_t *, uint64_t) = mevmc_w_keccak;
static int32_t (*const p_expand)(uint8_t *, uint64_t, uint64_t, uint32_t) = mevmc_w_expand;
__attribute__((visibility("default"))) w256 use_all(uint8_t *m, w256 a, w256 b, int i) {
  w256 r = p_load(m) + p_load_be(m + 32) + p_make(1, 2, 3, 4) + p_limb(a, i);
  p_store(m, a);
  p_store_be(m + 32, b);
  for (unsigned k = 0; k < sizeof p2 / sizeof p2[0]; k++) r += p2[k](a, b);
  r += p_addmod(a, b, r) + p_mulmod(a, b, r) + p_clz(a) + p_bytelen(b) + p_keccak(m, (uint64_t)i);
  return r + (w256)p_expand(m, (uint64_t)a, (uint64_t)b, 0);
}
`;

describe.skipIf(!tc)('mevmc_native.h', () => {
  let dir = '';
  /** The driver builds; every case runs through all of them. */
  const DRIVERS: { name: string; flags: string[]; path: string }[] = [
    { name: 'O2', flags: ['-O2'], path: '' },
    { name: 'O2+ubsan', flags: ['-O2', '-fsanitize=undefined', '-fsanitize-trap=undefined'], path: '' },
    { name: 'portable O1+ubsan', flags: ['-O1', '-DMEVMC_NATIVE_PORTABLE', '-fsanitize=undefined', '-fsanitize-trap=undefined'], path: '' },
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mevmc-native-test-'));
    const run = promisify(execFile);
    await Promise.all(
      DRIVERS.map(async (d, i) => {
        d.path = join(dir, `driver${i}`);
        await run(tc!.clang, [...STRICT, ...d.flags, ...INCLUDES, join(ROOT, 'test/builtins/native-driver.c'), '-o', d.path]);
      }),
    );
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs request lines through every driver; returns the output lines (identical across builds). */
  function run(lines: string[]): string[] {
    let first: string[] | undefined;
    for (const d of DRIVERS) {
      const out = execFileSync(d.path, [], { input: lines.join('\n') + '\n', maxBuffer: 1 << 28, encoding: 'utf8' });
      const got = out.split('\n').slice(0, -1);
      expect(got.length, `${d.name}: one output line per request`).toBe(lines.length);
      if (!first) first = got;
      else {
        const i = got.findIndex((l, k) => l !== first![k]);
        expect(i === -1 ? null : `${d.name} differs from ${DRIVERS[0].name} on ${lines[i]}: ${got[i]} vs ${first[i]}`).toBe(null);
      }
    }
    return first!;
  }

  /** Runs [op, operands…] requests and returns the result words. */
  function words(reqs: [string, ...bigint[]][]): bigint[] {
    return run(reqs.map(([op, ...xs]) => [op, ...xs.map(hex)].join(' '))).map((l) => BigInt('0x' + l));
  }

  it('compiles cleanly with -std=c2x -Wall -Wextra -Werror -fPIC at -O0 .. -O3, unused or with every function used by its exact prototype, referencing no external symbol (no libc, no compiler runtime)', async () => {
    const header = '#include "mevmc.h"\n#include "mevmc_native.h"\n';
    writeFileSync(join(dir, 'empty.c'), header);
    writeFileSync(join(dir, 'all.c'), header + PROTOTYPES);
    const run = promisify(execFile);
    const builds = [['empty', '-O2'], ['all', '-O0'], ['all', '-O1'], ['all', '-O2'], ['all', '-O3']];
    const objs = await Promise.all(
      builds.map(async ([f, o]) => {
        const obj = join(dir, `${f}${o}.o`);
        // -fno-stack-protector as the native backend compiles (some distributions enable it by default)
        await run(tc!.clang, [...STRICT, o, '-fno-stack-protector', ...INCLUDES, '-c', join(dir, `${f}.c`), '-o', obj]);
        return obj;
      }),
    );
    const nm = [`llvm-nm-${tc!.major}`, 'llvm-nm', 'nm'].find((n) => tryRun(n, ['--version']) !== null);
    if (!nm) {
      console.warn('test/builtins/native.test.ts: no nm found, skipping the undefined-symbol check');
      return;
    }
    for (const obj of objs) expect({ [obj]: execFileSync(nm, ['-u', obj], { encoding: 'utf8' }).trim() }).toEqual({ [obj]: '' });
  }, 60_000);

  it('word loads and stores: little-endian, big-endian (MLOAD/MSTORE), limbs and constants', () => {
    const rng = new Rng(11);
    const xs = [...EDGES, ...Array.from({ length: 500 }, () => rng.word())];
    const out = run(xs.map((x) => `bytes ${hex(x)}`));
    const bad = new Mismatches();
    xs.forEach((x, i) => {
      const [be, ok] = out[i].split(' ');
      // the word's little-endian bytes read big-endian = the byte-reversed word
      const rev = BigInt('0x' + (Buffer.from(x.toString(16).padStart(64, '0'), 'hex').reverse().toString('hex') || '0'));
      bad.check(`load_be(store(${fmt(x)}))`, BigInt('0x' + be), rev);
      bad.check(`round trips of ${fmt(x)}`, ok, '1');
    });
    expect(bad.list).toEqual([]);
  });

  for (const [name, op] of Object.entries(OPS2)) {
    it(`mevmc_w_${name} matches evalPure on edge pairs, random and structured words`, () => {
      const reqs: [string, bigint, bigint][] = [];
      for (const a of EDGES) for (const b of EDGES) reqs.push([name, a, b]);
      const rng = new Rng(0x5eed + op * 7919);
      for (let i = 0; i < (name === 'exp' ? 1500 : 5000); i++) {
        const a = operand(rng);
        // shift amounts, byte indices and exponents: mostly small in real code
        const b = rng.int(2) === 0 ? BigInt(rng.int(300)) : operand(rng);
        reqs.push([name, a, b], [name, b, a]);
      }
      if (['div', 'mod', 'sdiv', 'smod'].includes(name)) {
        for (const [a, b] of ADD_BACK_CASES) {
          for (const [x, y] of [[a, b], [(TWO_256 - a) & MASK, b], [a, (TWO_256 - b) & MASK]]) reqs.push([name, x, y]);
        }
        // a full word by a divisor of one limb (mevmc_w_divmod_limb): either sign, limb edges, int8/int16-sized
        const small = [1n, 2n, 3n, 7n, 127n, 128n, 255n, 32767n, 65535n, (1n << 32n) + 1n, (1n << 63n) - 1n, 1n << 63n, MAX64];
        const divisors = [0n, ...small, ...small.map((d) => (TWO_256 - d) & MASK)];
        for (const d of divisors) {
          for (let i = 0; i < 40; i++) {
            const x = operand(rng);
            reqs.push([name, x, d], [name, (TWO_256 - x) & MASK, d], [name, x >> BigInt(64 * rng.int(4)), d]);
          }
        }
        // magnitudes below 2^128 with a divisor of two limbs (mevmc_div128_big: one normalised divq, then a fix-up
        // of the estimate): either sign, quotients of 0, 1 and 2^64 - 1, divisors at the limb and normalisation edges
        const big = [1n << 64n, (1n << 64n) + 1n, (1n << 65n) - 1n, 1n << 127n, (1n << 127n) + 1n, (1n << 128n) - 1n];
        const neg = (v: bigint) => (TWO_256 - v) & MASK;
        for (let i = 0; i < 1500; i++) {
          const v = i < big.length * 20 ? big[i % big.length] : (rng.word() >> BigInt(128 + rng.int(64))) | (1n << 64n);
          const u = [rng.word() >> 128n, v, v - 1n, v * BigInt(1 + rng.int(1000)) + BigInt(rng.int(3)), v * MAX64 < 1n << 128n ? v * MAX64 : v][i % 5];
          const u128 = u & ((1n << 128n) - 1n);
          reqs.push([name, u128, v], [name, neg(u128), v], [name, u128, neg(v)], [name, neg(u128), neg(v)]);
        }
      }
      const got = words(reqs);
      const bad = new Mismatches();
      reqs.forEach(([, a, b], i) => bad.check(`${name}(${fmt(a)}, ${fmt(b)})`, got[i], evalPure(op, [a, b])));
      expect(bad.list).toEqual([]);
    }, 30_000);
  }

  for (const [name, op] of Object.entries(OPS3)) {
    it(`mevmc_w_${name} matches evalPure (257-bit sum / 512-bit product, modulus 0 → 0)`, () => {
      const reqs: [string, bigint, bigint, bigint][] = [];
      const edges = EDGES.filter((_, i) => i % 3 === 0);
      for (const a of edges) for (const b of edges) for (const m of edges) reqs.push([name, a, b, m]);
      const rng = new Rng(0xadd + op);
      for (let i = 0; i < 5000; i++) {
        const m = operand(rng);
        // half the time reduced operands (field arithmetic: the addmod fast path)
        const red = (x: bigint) => (rng.int(2) === 0 && m !== 0n ? x % m : x);
        reqs.push([name, red(operand(rng)), red(operand(rng)), m]);
      }
      for (const [a, b] of ADD_BACK_CASES) reqs.push([name, a, a, b], [name, a, b, b]);
      // the moduli of 512-bit multiplication idioms (mulmod(x, y, not(0)) has a fast path)
      for (let i = 0; i < 1000; i++) reqs.push([name, operand(rng), operand(rng), [MASK, MASK - 1n, 1n << 255n][i % 3]]);
      const got = words(reqs);
      const bad = new Mismatches();
      reqs.forEach(([, a, b, m], i) => bad.check(`${name}(${fmt(a)}, ${fmt(b)}, ${fmt(m)})`, got[i], evalPure(op, [a, b, m])));
      expect(bad.list).toEqual([]);
    }, 30_000);
  }

  it('ADDMOD/MULMOD by moduli >= 2^192 (the Barrett path): field primes, edges of the range, powers of two, more moduli than the cache holds', () => {
    const P = [
      0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n, // bn254 field prime
      0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n, // bn254 group order
      0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn, // secp256k1 prime
      MASK - 158n, MASK, MASK - 1n, (1n << 192n) + 1n, (1n << 193n) - 1n, (1n << 255n) + 1n, (1n << 255n) - 1n,
      1n << 192n, 1n << 255n, (1n << 192n) - 1n, // powers of two and just below the range: not Barrett
    ];
    const rng = new Rng(0xba77);
    const reqs: [string, bigint, bigint, bigint][] = [];
    for (let i = 0; i < 6000; i++) {
      // moduli in turn (more than the four cache slots) and random ones in the range
      const m = i % 4 === 3 ? (1n << 192n) + (rng.word() >> 64n) : P[i % P.length];
      const pick = () => [MASK, m - 1n, m, m + 1n, 0n, 1n, rng.word(), rng.word() % m][rng.int(8)] & MASK;
      reqs.push([i % 2 ? 'mulmod' : 'addmod', pick(), pick(), m]);
    }
    const got = words(reqs);
    const bad = new Mismatches();
    reqs.forEach(([name, a, b, m], i) => bad.check(`${name}(${fmt(a)}, ${fmt(b)}, ${fmt(m)})`, got[i], evalPure(OPS3[name], [a, b, m])));
    expect(bad.list).toEqual([]);
  }, 30_000);

  it('the EVM special cases', () => {
    const min = 1n << 255n;
    const cases: [string, bigint[], bigint][] = [
      ['sdiv', [min, MASK], min], // SDIV(-2^255, -1) = -2^255
      ['sdiv', [TWO_256 - (1n << 63n), MASK], 1n << 63n], // int64 fast path: -2^63 / -1 = +2^63
      ['smod', [min, MASK], 0n],
      ['smod', [TWO_256 - 7n, 3n], MASK], // -7 smod 3 = -1
      ['smod', [7n, TWO_256 - 3n], 1n], // 7 smod -3 = 1
      ['div', [5n, 0n], 0n], ['sdiv', [MASK, 0n], 0n], ['mod', [5n, 0n], 0n], ['smod', [MASK, 0n], 0n],
      ['addmod', [MASK, MASK, 0n], 0n], ['mulmod', [MASK, MASK, 0n], 0n],
      ['addmod', [MASK, MASK, MASK], 0n], ['addmod', [MASK, 1n, 7n], (MASK + 1n) % 7n],
      ['mulmod', [MASK, MASK, MASK - 1n], 1n],
      ['exp', [0n, 0n], 1n], ['exp', [2n, 255n], min], ['exp', [2n, 256n], 0n], ['exp', [MASK, MASK], MASK],
      ['exp', [4n, 127n], 1n << 254n], ['exp', [8n, 85n], 1n << 255n], ['exp', [4n, 128n], 0n], ['exp', [6n, 256n], 0n],
      ['signextend', [0n, 0xffn], MASK], ['signextend', [0n, 0x7fn], 0x7fn], ['signextend', [31n, 0x80n], 0x80n],
      ['signextend', [30n, 1n << 247n], MASK ^ ((1n << 247n) - 1n)], ['signextend', [1n << 64n, 0x80n], 0x80n],
      ['byte', [31n, 0x1234n], 0x34n], ['byte', [0n, min], 0x80n], ['byte', [32n, MASK], 0n],
      ['sar', [256n, min], MASK], ['sar', [255n, min], MASK], ['sar', [1n << 128n, 1n], 0n], ['sar', [0n, min], min],
      ['shl', [255n, 3n], min], ['shl', [256n, 1n], 0n], ['shr', [1n << 64n, MASK], 0n], ['shr', [255n, MASK], 1n],
      ['clz', [0n], 256n], ['clz', [1n], 255n], ['clz', [min], 0n], ['bytelen', [0n], 0n], ['bytelen', [256n], 2n],
    ];
    const got = words(cases.map(([op, xs]) => [op, ...xs] as [string, ...bigint[]]));
    const bad = new Mismatches();
    cases.forEach(([op, xs, want], i) => bad.check(`${op}(${xs.map(fmt).join(', ')})`, got[i], want));
    expect(bad.list).toEqual([]);
  });

  it('mevmc_w_clz and mevmc_w_bytelen', () => {
    const rng = new Rng(42);
    const xs = [...EDGES, ...Array.from({ length: 2000 }, () => rng.word())];
    for (let k = 0; k < 256; k++) xs.push(1n << BigInt(k), (1n << BigInt(k + 1)) - 1n);
    const got = words(xs.flatMap((x) => [['clz', x], ['bytelen', x]] as [string, bigint][]));
    const bad = new Mismatches();
    xs.forEach((x, i) => {
      bad.check(`clz(${fmt(x)})`, got[2 * i], evalPure(Op.CLZ, [x]));
      bad.check(`bytelen(${fmt(x)})`, got[2 * i + 1], BigInt(byteLength(x)));
    });
    expect(bad.list).toEqual([]);
  });

  it('mevmc_w_keccak matches keccak_256: every length 0..300, a few KB, all-0xff inputs', () => {
    const rng = new Rng(1);
    const inputs: Uint8Array[] = [];
    const random = (n: number) => Uint8Array.from({ length: n }, () => Number(rng.u64() & 0xffn));
    for (let len = 0; len <= 300; len++) inputs.push(random(len));
    for (const len of [136 * 8, 136 * 8 - 1, 136 * 8 + 1, 1000, 4096, 5000, 65536]) inputs.push(random(len));
    for (const len of [0, 1, 134, 135, 136, 137, 271, 272]) inputs.push(new Uint8Array(len).fill(0xff));
    const out = run(inputs.map((d) => `keccak ${d.length ? Buffer.from(d).toString('hex') : '-'}`));
    const bad = new Mismatches();
    inputs.forEach((d, i) => bad.check(`keccak of ${d.length} bytes`, out[i], Buffer.from(keccak_256(d)).toString('hex')));
    expect(bad.list).toEqual([]);
    expect(out[0]).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  });

  it('KECCAK256 of 32 and 64 bytes through the memo: repeats, more inputs than slots, a 64-byte input and its 32-byte prefix, inputs one bit apart', () => {
    const rng = new Rng(0x3e30);
    const random = (n: number) => Uint8Array.from({ length: n }, () => Number(rng.u64() & 0xffn));
    const distinct: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const d = random(64);
      distinct.push(d, d.slice(0, 32)); // same first 32 bytes, other length
      const flipped = d.slice();
      flipped[rng.int(64)] ^= 1 << rng.int(8); // one bit apart (same slot or not)
      distinct.push(flipped);
    }
    // a word alone and followed by 32 zero bytes: the same zero-padded input, told apart by its length
    for (let i = 0; i < 4; i++) {
      const w = random(32);
      distinct.push(w, Uint8Array.from([...w, ...new Uint8Array(32)]));
    }
    // a Solidity slot word: 31 zero bytes and the slot number, hashed again and again
    for (let s = 0; s < 4; s++) distinct.push(Uint8Array.from({ length: 32 }, (_, k) => (k === 31 ? s : 0)));
    // each input several times in a shuffled order: hits, misses and evictions (16 slots) interleaved
    const inputs: Uint8Array[] = [];
    for (let r = 0; r < 5; r++) for (const d of distinct) inputs.push(distinct[rng.int(distinct.length)], d);
    const out = run(inputs.map((d) => `keccak ${Buffer.from(d).toString('hex')}`));
    const bad = new Mismatches();
    inputs.forEach((d, i) => bad.check(`keccak of ${d.length} bytes ${Buffer.from(d).toString('hex')}`, out[i], Buffer.from(keccak_256(d)).toString('hex')));
    expect(bad.list).toEqual([]);
  });

  describe('mevmc_w_expand', () => {
    const cost = (w: bigint): bigint => 3n * w + (w * w) / 512n;
    const wordsOf = (end: bigint): bigint => (end + 31n) / 32n;
    const OFF_HI = 2;
    const MAXW = BigInt(MAX_EVM_MEMORY / 32);
    type Req = { gas: bigint; words: bigint; offset: bigint; length: bigint; flags: number };
    type Res = [status: number, gas: bigint, words: bigint];

    function expand(reqs: Req[]): Res[] {
      return run(reqs.map((r) => ['expand', r.gas, r.words, r.offset, r.length, BigInt(r.flags)].map((x) => (typeof x === 'string' ? x : hex(x))).join(' ')))
        .map((l) => {
          const [s, g, w] = l.split(' ');
          return [Number(s), BigInt('0x' + g), BigInt('0x' + w)];
        });
    }
    const one = (gas: bigint, words: bigint, offset: bigint, length: bigint, flags = 0): Res =>
      expand([{ gas, words, offset, length, flags }])[0];

    it('charges C(new) - C(old) and records the new size', () => {
      let gas = 1_000_000n;
      let words = 0n;
      const step = (offset: bigint, length: bigint): bigint[] => {
        const [s, g, w] = one(gas, words, offset, length);
        expect(s).toBe(0);
        [gas, words] = [g, w];
        return [gas, words];
      };
      expect(step(0n, 32n)).toEqual([1_000_000n - 3n, 1n]);
      expect(step(31n, 1n)).toEqual([1_000_000n - 3n, 1n]);
      expect(step(32n, 1n)).toEqual([1_000_000n - 6n, 2n]);
      const w = wordsOf(3000n);
      expect(step(1000n, 2000n)).toEqual([1_000_000n - cost(w), w]);
      expect(step(0n, 64n)).toEqual([1_000_000n - cost(w), w]);
      for (const [from, to] of [[0n, 1n], [1n, 2n], [5n, 1000n], [700n, 5000n], [22n, 100_000n], [1n << 20n, (1n << 20n) + 1n]]) {
        expect(one(10n ** 12n, from, 0n, to * 32n - 5n)).toEqual([0, 10n ** 12n - (cost(to) - cost(from)), to]);
      }
    });

    it('zero length is free whatever the offset; out of gas exactly one below the cost', () => {
      for (const [offset, flags] of [[0n, 0], [1n << 60n, 0], [0xffffffffffffffffn, 0], [0n, OFF_HI]] as const) {
        expect(one(0n, 3n, offset, 0n, flags)).toEqual([0, 0n, 3n]);
      }
      const need = cost(wordsOf(10_000n));
      expect(one(need - 1n, 0n, 0n, 10_000n)).toEqual([Status.OutOfGas, need - 1n, 0n]);
      expect(one(need, 0n, 0n, 10_000n)).toEqual([0, 0n, wordsOf(10_000n)]);
      // end = MAX exactly is an ordinary expansion (nothing is allocated natively)
      expect(one(cost(MAXW) - 1n, 0n, BigInt(MAX_EVM_MEMORY) - 32n, 32n)).toEqual([Status.OutOfGas, cost(MAXW) - 1n, 0n]);
      expect(one(cost(MAXW) + 5n, 0n, BigInt(MAX_EVM_MEMORY) - 32n, 32n)).toEqual([0, 5n, MAXW]);
    });

    it('beyond MAX_EVM_MEMORY: OutOfGas one below the exact cost (even past 2^64), MemoryLimit from it', () => {
      const reqs: Req[] = [];
      for (const words of [0n, 1000n, MAXW]) {
        for (const [, offset, length, flags] of farAccesses(words)) {
          const need = expansionCost(words, offset, length, flags);
          for (const gas of [need - 1n, need, MAX64]) if (gas <= MAX64) reqs.push({ gas, words, offset, length, flags });
        }
      }
      const got = expand(reqs);
      const bad = new Mismatches();
      reqs.forEach((r, i) => bad.check(`expand(gas ${r.gas}, words ${r.words}, ${fmt(r.offset)}, ${fmt(r.length)}, ${r.flags})`,
        got[i].join(' '), expectedExpansion(r.gas, r.words, r.offset, r.length, r.flags).join(' ')));
      expect(bad.list).toEqual([]);
    });

    it('agrees with the wasm builtin mevmc_expand on random accesses', () => {
      const rng = new Rng(99);
      const reqs: Req[] = [];
      for (let i = 0; i < 3000; i++) {
        const words = BigInt(rng.int(4) === 0 ? 0 : rng.int(20_000));
        const small = () => BigInt(rng.int(4) === 0 ? 0 : rng.int(1 << (1 + rng.int(20))));
        const big = () => (rng.int(2) ? rng.u64() : rng.bits(1 + rng.int(40)));
        const offset = rng.int(8) === 0 ? big() : small();
        const length = rng.int(8) === 0 ? big() : small();
        const flags = rng.int(6) === 0 ? 1 + rng.int(3) : 0;
        const gas = rng.int(3) === 0 ? BigInt(rng.int(100_000)) : rng.int(2) ? rng.u64() : BigInt(rng.int(1 << 30));
        reqs.push({ gas, words, offset, length, flags });
      }
      const native = expand(reqs);
      const { memory, fns } = instantiate();
      const bad = new Mismatches();
      reqs.forEach((r, i) => {
        const dv = new DataView(memory.buffer);
        dv.setBigUint64(CTX + Ctx.gas, r.gas, true);
        dv.setBigUint64(CTX + Ctx.memWords, r.words, true);
        const s = fns.mevmc_expand(r.offset, r.length, r.flags);
        const after = new DataView(memory.buffer);
        const wasm = `${s} ${after.getBigUint64(CTX + Ctx.gas, true)} ${after.getBigUint64(CTX + Ctx.memWords, true)}`;
        bad.check(`expand(gas ${r.gas}, words ${r.words}, ${fmt(r.offset)}, ${fmt(r.length)}, ${r.flags})`, native[i].join(' '), wasm);
      });
      expect(bad.list).toEqual([]);
    }, 30_000);
  });
});
