/**
 * @file The fuzzer's program representation: each contract is a list of *units* (a generated snippet, or one
 * instruction of raw/mutated bytecode), each unit a list of instructions whose jump targets may be symbolic
 * labels. The minimiser deletes units, then single instructions, and re-assembles: a reference to a label that
 * was deleted becomes PUSH2 0 (an invalid jump target), so every candidate is still a well-formed program.
 * Also: a small seeded PRNG (sfc32) so that a (campaign seed, program index) pair always gives the same program.
 */
import { type Case, type ForkName, DEFAULT_ADDRESS, DEFAULT_CALLER, parseCase, toHex } from '../case.ts';
import { TRAITS } from '../../../src/index.ts';

/** One instruction: raw bytes (opcode + immediate), a label definition (emits nothing) or PUSH2 <label>. */
export type Ins = { b: number[] } | { def: string } | { ref: string };
export type Unit = Ins[];

export interface ContractSpec {
  /** Lowercase 0x address. */
  address: string;
  units: Unit[];
  balance: bigint;
  storage: Array<[bigint, bigint]>;
}

/** A generated message call: `contracts[0]` is the called account; the others are in `pre`. */
export interface Program {
  id: string;
  fork: ForkName;
  contracts: ContractSpec[];
  calldata: Uint8Array;
  gas: bigint;
  value: bigint;
  /** Extra accounts of the pre-state (e.g. mutated benchmarks' deployed state), kept as is. */
  extraPre?: Record<string, unknown>;
  /** Caller of the call (default: the batch default caller). */
  caller?: string;
}

export const FORKS = ['cancun', 'prague', 'osaka'] as const satisfies readonly ForkName[];
export const CALLER = DEFAULT_CALLER;
export const MAIN = DEFAULT_ADDRESS;
export const M256 = 1n << 256n;
export const MAX256 = M256 - 1n;

const BY_NAME = new Map<string, number>();
for (let i = 0; i < 256; i++) if (TRAITS[i]) BY_NAME.set(TRAITS[i]!.name, i);

/** Opcode byte of a mnemonic (throws on typos). */
export function opByte(name: string): number {
  const b = BY_NAME.get(name);
  if (b === undefined) throw new Error(`fuzz: unknown mnemonic ${name}`);
  return b;
}

/** PUSHn v (n minimal, at least 1, unless given); negative values wrap mod 2^256. */
export function pushIns(v: bigint, width?: number): Ins {
  const x = ((v % M256) + M256) % M256;
  let n = 1;
  while (x >> BigInt(8 * n) !== 0n) n++;
  n = width ?? n;
  const bytes: number[] = [0x5f + n];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((x >> BigInt(8 * i)) & 0xffn));
  return { b: bytes };
}

/** Assemble units to bytes (labels resolved; a label that no longer exists becomes 0). */
export function assemble(units: readonly Unit[]): Uint8Array {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const u of units) for (const i of u) {
    if ('def' in i) labels.set(i.def, pc);
    else pc += 'b' in i ? i.b.length : 3;
  }
  const out = new Uint8Array(pc);
  pc = 0;
  for (const u of units) for (const i of u) {
    if ('b' in i) { out.set(i.b, pc); pc += i.b.length; }
    else if ('ref' in i) {
      const t = labels.get(i.ref) ?? 0;
      out[pc] = 0x61; out[pc + 1] = (t >> 8) & 0xff; out[pc + 2] = t & 0xff;
      pc += 3;
    }
  }
  return out;
}

/** Decode raw bytecode into one unit per instruction (a truncated trailing PUSH keeps its short immediate). */
export function decodeUnits(code: Uint8Array): Unit[] {
  const units: Unit[] = [];
  for (let pc = 0; pc < code.length;) {
    const op = code[pc];
    const n = op >= 0x60 && op <= 0x7f ? op - 0x5f : 0;
    units.push([{ b: [...code.subarray(pc, Math.min(code.length, pc + 1 + n))] }]);
    pc += 1 + n;
  }
  return units;
}

/** Number of instructions (not labels) of a contract. */
export const insCount = (units: readonly Unit[]): number => units.reduce((n, u) => n + u.filter((i) => !('def' in i)).length, 0);

/** The batch case of a program. */
export function programToCase(p: Program): Case {
  const pre: Record<string, unknown> = { ...(p.extraPre ?? {}) };
  const caller = p.caller ?? CALLER;
  if (!(caller in pre)) pre[caller] = { balance: (10n ** 20n).toString() };
  for (const c of p.contracts) {
    const storage: Record<string, string> = {};
    for (const [k, v] of c.storage) storage['0x' + k.toString(16)] = '0x' + v.toString(16);
    pre[c.address] = { balance: c.balance.toString(), code: toHex(assemble(c.units)), storage };
  }
  return parseCase({
    id: p.id, fork: p.fork, code: toHex(assemble(p.contracts[0].units)), calldata: toHex(p.calldata), gas: p.gas.toString(),
    value: p.value.toString(), caller, address: p.contracts[0].address, pre,
  });
}

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

/** splitmix32 step, to spread (seed, index) into well-mixed sfc32 state. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** A small, fast, seeded PRNG (sfc32). */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number, stream = 0) {
    this.a = mix32(seed); this.b = mix32(this.a ^ stream); this.c = mix32(this.b + 0x6a09e667); this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number { return n <= 1 ? 0 : Math.floor((this.u32() / 4294967296) * n); }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.u32() / 4294967296 < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  /** Pick by weight: [[weight, value], …]. */
  weighted<T>(xs: ReadonlyArray<readonly [number, T]>): T {
    let total = 0;
    for (const [w] of xs) total += w;
    let r = this.int(total);
    for (const [w, v] of xs) { if (r < w) return v; r -= w; }
    return xs[xs.length - 1][1];
  }
  /** Uniform value below 2^bits. */
  bits(bits: number): bigint {
    let x = 0n;
    for (let i = 0; i < bits; i += 32) x = (x << 32n) | BigInt(this.u32());
    return x & ((1n << BigInt(bits)) - 1n);
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** The seed of program `index` of a campaign: disjoint streams per index. */
export const programRng = (seed: number, index: number): Rng => new Rng(seed ^ Math.imul(index, 0x9e3779b1), index);
