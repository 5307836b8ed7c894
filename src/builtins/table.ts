/**
 * @file The declarative list of functions exported by `builtins.wasm` (the C helpers under
 * src/builtins/*.c), so the compiler can declare matching imports and the build can check the
 * module exports exactly these. Kept apart from `index.ts` because the build imports it before
 * `builtins.wasm` exists.
 *
 * Conventions shared by every entry: a "word" parameter is the i32 byte address of a 32-byte
 * little-endian 256-bit value in the shared memory; `r` is where the result word is stored and
 * may alias any operand. Operand order follows the EVM stack (top first).
 */

/** A wasm value type used by the builtins' signatures. */
export type BuiltinType = 'i32' | 'i64';

/** One exported builtin. */
export interface BuiltinSpec {
  /** Export name in builtins.wasm (module `env`-independent: the importer picks the module name). */
  readonly name: string;
  readonly params: readonly BuiltinType[];
  readonly results: readonly BuiltinType[];
  /** Parameter names, for documentation and generated code. */
  readonly args: readonly string[];
  /** What it computes. */
  readonly doc: string;
}

const W3 = ['i32', 'i32', 'i32'] as const;
const W4 = ['i32', 'i32', 'i32', 'i32'] as const;

/** Every export of builtins.wasm, in a stable order. */
export const BUILTINS: readonly BuiltinSpec[] = [
  { name: 'mevmc_mul', params: W3, results: [], args: ['r', 'a', 'b'], doc: 'r = a * b mod 2^256' },
  { name: 'mevmc_div', params: W3, results: [], args: ['r', 'a', 'b'], doc: 'r = a / b (0 if b = 0)' },
  { name: 'mevmc_sdiv', params: W3, results: [], args: ['r', 'a', 'b'], doc: 'signed a / b, truncating (0 if b = 0)' },
  { name: 'mevmc_mod', params: W3, results: [], args: ['r', 'a', 'b'], doc: 'r = a mod b (0 if b = 0)' },
  { name: 'mevmc_smod', params: W3, results: [], args: ['r', 'a', 'b'], doc: 'signed a mod b, sign of a (0 if b = 0)' },
  { name: 'mevmc_exp', params: W3, results: [], args: ['r', 'base', 'exponent'], doc: 'r = base ** exponent mod 2^256' },
  { name: 'mevmc_addmod', params: W4, results: [], args: ['r', 'a', 'b', 'm'], doc: 'r = (a + b) mod m, 257-bit sum (0 if m = 0)' },
  { name: 'mevmc_mulmod', params: W4, results: [], args: ['r', 'a', 'b', 'm'], doc: 'r = (a * b) mod m, 512-bit product (0 if m = 0)' },
  { name: 'mevmc_signextend', params: W3, results: [], args: ['r', 'b', 'x'], doc: 'SIGNEXTEND from byte b of x' },
  { name: 'mevmc_byte', params: W3, results: [], args: ['r', 'i', 'x'], doc: 'BYTE i of x, big-endian index (0 if i ≥ 32)' },
  { name: 'mevmc_shl', params: W3, results: [], args: ['r', 'shift', 'value'], doc: 'value << shift (0 if shift ≥ 256)' },
  { name: 'mevmc_shr', params: W3, results: [], args: ['r', 'shift', 'value'], doc: 'value >> shift, logical' },
  { name: 'mevmc_sar', params: W3, results: [], args: ['r', 'shift', 'value'], doc: 'value >> shift, arithmetic' },
  { name: 'mevmc_clz', params: ['i32', 'i32'], results: [], args: ['r', 'x'], doc: 'EIP-7939 CLZ: leading zero bits (256 for 0)' },
  { name: 'mevmc_bytelen', params: ['i32'], results: ['i32'], args: ['x'], doc: 'significant bytes of x (EXP gas)' },
  {
    name: 'mevmc_keccak256',
    params: W3,
    results: [],
    args: ['r', 'in', 'len'],
    doc: 'r = keccak256 of len bytes at address in, digest read as a big-endian number',
  },
  {
    name: 'mevmc_expand',
    params: ['i64', 'i64', 'i32'],
    results: ['i32'],
    args: ['offset', 'length', 'overflow'],
    doc:
      'EVM memory expansion for [offset, offset+length): charges gas, updates memWords/pages, grows memory; ' +
      'overflow = (length ≥ 2^64 ? 1 : 0) | (offset ≥ 2^64 ? 2 : 0); returns 0, Status.OutOfGas or Status.MemoryLimit',
  },
];

/** Look up a builtin by export name (throws on a typo, which is a compiler bug). */
export function builtin(name: string): BuiltinSpec {
  const b = BUILTINS.find((x) => x.name === name);
  if (!b) throw new Error(`unknown builtin ${name}`);
  return b;
}
