/**
 * @file JavaScript side of the SALT WebAssembly kernel (`kernel.c`): memory map, fixed-base tables,
 * and conversions between the kernel's word layout and the BigInt `Point`s of `banderwagon.ts`.
 *
 * Stage: hot path of commitment updates (trie.ts) — the BigInt code stays the reference and is
 * used for everything that is not per-key (CRS, defaults, proofs, witness verification).
 * Input: accumulators (extended points, Montgomery form, 36 u32 words), jobs (acc index,
 * generator index, canonical scalar words), points for `map_to_scalar`.
 * Output: updated accumulators, scalars as 8 canonical little-endian u32 words.
 * Invariants: memory map = [stack + data | 256 generator tables | table-build scratch | work area];
 * a generator's table is built the first time a job uses it (`ensureTables`), so an instance that
 * only ever touches a few generators stays small. Results depend only on the inputs, never on
 * which instance (thread) computed them.
 */
import { saltCrs } from '../crs.ts';

export {
  FE_WORDS, JOB_WORDS, POINT_WORDS, SCALAR_WORDS, bigintToLimbs, bigintToWords, frSubWords, kernelModule, limbsToBigint, pointToWords,
  wordsToBigint, wordsToPoint,
} from './words.ts';
import { FE_WORDS, JOB_WORDS, POINT_WORDS, kernelModule, limbsToBigint, pointToWords } from './words.ts';
import { type KernelInstance, type KernelKind, kernelInstance } from './native.ts';

export { type KernelKind, SaltNativeKernelError, kernelKind, nativeKernelUnavailable } from './native.ts';

interface Exports extends KernelInstance {
  salt_fq_to_mont(r: number, a: number): void;
  salt_fq_from_mont(r: number, a: number): void;
  salt_point_add(r: number, p: number, q: number): void;
  salt_point_double(r: number, p: number): void;
  salt_table_build(tbl: number, g: number, w: number, nwin: number, scratch: number): void;
  salt_mul_batch(tables: number, w: number, nwin: number, accs: number, nacc: number, jobs: number, njobs: number, minAffine: number, scratch: number): number;
  salt_mul_batch_scratch(njobs: number, nacc: number, nwin: number): number;
  salt_mul_batch_flagged(): number;
  salt_mul_batch_force_flag(job: number): void;
  salt_map_to_scalar_batch(pts: number, n: number, out: number, scratch: number): void;
  salt_to_affine_batch(pts: number, n: number, out: number, scratch: number): void;
}

/** The wasm-only hashers (hashInstance). */
interface HashExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  salt_kv_hash(data: number, len: number, out: number): number;
  salt_ahash(data: number, len: number): bigint;
}

const PAGE = 65536;
/** Below ~40 jobs the per-window inversion (~380 products) costs more than the affine additions save. */
export const AFFINE_MIN = 64;
const align = (n: number, a = 64): number => Math.ceil(n / a) * a;

/** One kernel instance with its own memory and fixed-base tables. */
export class SaltKernel {
  /** Window width of the fixed-base tables (signed digits, 2^(w−1) entries per window). */
  readonly w: number;
  readonly nwin: number;
  /** Scalar × generator products with a non-zero scalar computed so far. */
  mulCount = 0;
  /**
   * Batches with at least this many non-zero jobs sum their products in affine rounds (one inversion
   * per window for the whole batch); smaller ones add each table entry in extended coordinates.
   * Both give the same accumulator words (tests set 0 / Infinity to compare the two paths).
   */
  affineMin = AFFINE_MIN;
  /** Which build of kernel.c runs this instance (kernel/native.ts). */
  readonly kind: KernelKind;
  private readonly x: Exports;
  private readonly tables: number;
  private readonly tableWords: number;
  private readonly buildScratch: number;
  private readonly work: number;
  private readonly built = new Uint8Array(256);
  private u32: Uint32Array;

  /**
   * @param w window width: 8 is fastest (≈100 MB of tables when all 256 are built), 7 uses ≈58 MB.
   * @param gens the 256 CRS generators as kernel words (worker threads get them from the main
   *   thread instead of re-deriving the CRS); derived from `saltCrs()` when omitted.
   * @param kind `native` or `wasm` (default: `kernelKind()`, i.e. MEVMC_SALT_KERNEL, else native when available).
   */
  constructor(w = 8, gens?: Uint32Array, kind?: KernelKind) {
    if (gens) generatorWords(gens);
    if (w < 2 || w > 10) throw new RangeError(`window ${w} out of range`);
    this.w = w;
    // ⌈254/w⌉ windows: with signed digits the top digit absorbs the final carry since r < 2^253.
    this.nwin = Math.ceil(254 / w);
    this.x = kernelInstance(kind) as Exports;
    this.kind = this.x.kind;
    const half = 1 << (w - 1);
    this.tableWords = 2 * FE_WORDS * this.nwin * half; // Weierstrass affine (X, Y) per entry
    this.tables = align(this.x.__heap_base.value as number);
    this.buildScratch = align(this.tables + 256 * this.tableWords * 4);
    this.work = align(this.buildScratch + this.nwin * half * (POINT_WORDS + FE_WORDS) * 4);
    this.u32 = new Uint32Array(this.x.memory.buffer);
    this.reserve(0);
  }

  /** Make [work, work + bytes) addressable; returns the word view (recreated after growth). */
  private reserve(bytes: number): Uint32Array {
    const need = this.work + bytes;
    const have = this.x.memory.buffer.byteLength;
    if (need > have) {
      this.x.memory.grow(Math.ceil((need - have) / PAGE));
      this.u32 = new Uint32Array(this.x.memory.buffer);
    }
    return this.u32;
  }

  /** Build the tables of the given generators (others stay unbuilt). */
  ensureTables(gens: Iterable<number>): void {
    for (const g of gens) {
      if (this.built[g]) continue;
      const m = this.reserve(POINT_WORDS * 4);
      m.set(generatorWords().subarray(g * POINT_WORDS, (g + 1) * POINT_WORDS), this.work / 4);
      this.x.salt_table_build(this.tables + g * this.tableWords * 4, this.work, this.w, this.nwin, this.buildScratch);
      this.built[g] = 1;
    }
  }

  /** Build all 256 tables now (so that benchmarks do not mix table building into updates). */
  warm(): void {
    this.ensureTables(Array.from({ length: 256 }, (_, i) => i));
  }

  /** A copy of all 256 tables (after `warm`), for other instances with the same window. */
  exportTables(): Uint32Array {
    this.warm();
    return this.u32.slice(this.tables / 4, this.tables / 4 + 256 * this.tableWords);
  }

  /** Adopt tables exported by an instance with the same window (saves rebuilding them). */
  importTables(t: Uint32Array): void {
    if (t.length !== 256 * this.tableWords) throw new RangeError('table size mismatch (different window?)');
    this.u32.set(t, this.tables / 4);
    this.built.fill(1);
  }

  /**
   * accs[job.acc] += job.scalar · G[job.gen] for every job, in order. `accs` (n·36 words) is
   * updated in place; `jobs` holds `njobs` records of 10 words (acc, gen, 8 scalar words).
   */
  mulBatch(accs: Uint32Array, nacc: number, jobs: Uint32Array, njobs: number): number {
    if (njobs === 0) return 0;
    const gens = new Set<number>();
    for (let k = 0; k < njobs; k++) if (!this.built[jobs[JOB_WORDS * k + 1]]) gens.add(jobs[JOB_WORDS * k + 1]);
    if (gens.size) this.ensureTables(gens);
    const accBytes = nacc * POINT_WORDS * 4;
    const a = this.work;
    const j = this.work + accBytes;
    const scratch = align(j + njobs * JOB_WORDS * 4);
    const m = this.reserve(scratch - this.work + this.x.salt_mul_batch_scratch(njobs, nacc, this.nwin));
    m.set(accs.subarray(0, nacc * POINT_WORDS), a / 4);
    m.set(jobs.subarray(0, njobs * JOB_WORDS), j / 4);
    const minAffine = Math.min(this.affineMin, 0xffffffff);
    const n = this.x.salt_mul_batch(this.tables, this.w, this.nwin, a, nacc, j, njobs, minAffine, scratch);
    accs.set(this.u32.subarray(a / 4, a / 4 + nacc * POINT_WORDS));
    this.mulCount += n;
    return n;
  }

  /** Jobs of the last `mulBatch` whose affine sum met ±entry and were recomputed per entry (tests). */
  lastFlagged(): number {
    return this.x.salt_mul_batch_flagged();
  }

  /** Tests: treat job `job` of the following batches as meeting the exceptional case (−1: off). */
  forceFlag(job: number): void {
    this.x.salt_mul_batch_force_flag(job >>> 0);
  }

  /** `map_to_scalar` of n points (n·36 words) → n canonical scalars (n·8 words), one inversion. */
  mapToScalars(pts: Uint32Array, n: number): Uint32Array {
    if (n === 0) return new Uint32Array(0);
    const pb = n * POINT_WORDS * 4;
    const m = this.reserve(pb + n * 8 * 4 + n * 2 * FE_WORDS * 4);
    m.set(pts.subarray(0, n * POINT_WORDS), this.work / 4);
    const out = this.work + pb;
    this.x.salt_map_to_scalar_batch(this.work, n, out, out + n * 32);
    return this.u32.slice(out / 4, out / 4 + n * 8);
  }

  /** p + q on kernel words. */
  add(p: Uint32Array, po: number, q: Uint32Array, qo: number, out: Uint32Array, oo: number): void {
    const P = POINT_WORDS;
    const m = this.reserve(3 * P * 4);
    const w = this.work / 4;
    m.set(p.subarray(po, po + P), w);
    m.set(q.subarray(qo, qo + P), w + P);
    this.x.salt_point_add(this.work + 2 * P * 4, this.work, this.work + P * 4);
    out.set(this.u32.subarray(w + 2 * P, w + 3 * P), oo);
  }

  /** Affine (x, y) of n points as BigInts, one inversion. */
  toAffine(pts: Uint32Array, n: number): { x: bigint; y: bigint }[] {
    const pb = n * POINT_WORDS * 4;
    const ob = n * 2 * FE_WORDS * 4;
    const m = this.reserve(pb + 2 * ob);
    m.set(pts.subarray(0, n * POINT_WORDS), this.work / 4);
    const out = this.work + pb;
    this.x.salt_to_affine_batch(this.work, n, out, out + ob);
    const res: { x: bigint; y: bigint }[] = [];
    for (let i = 0; i < n; i++) {
      const o = out / 4 + 2 * FE_WORDS * i;
      res.push({ x: limbsToBigint(this.u32, o), y: limbsToBigint(this.u32, o + FE_WORDS) });
    }
    return res;
  }

  /** Bytes of wasm memory in use (tables are reserved up front, but pages stay untouched until built). */
  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }
}

/**
 * A small instance (no tables) for hashing slot values; one per thread. Always wasm: a hash is ~1 µs of work,
 * so a call through the FFI would cost more than it saves.
 */
let hasher: { x: HashExports; inp: number; out: number; u8: Uint8Array; u32: Uint32Array; dv: DataView } | undefined;

function hashInstance(): NonNullable<typeof hasher> {
  if (!hasher) {
    const x = new WebAssembly.Instance(kernelModule(), {}).exports as unknown as HashExports;
    const inp = align(x.__heap_base.value as number);
    const need = inp + 1024 + 64 + 64 - x.memory.buffer.byteLength;
    if (need > 0) x.memory.grow(Math.ceil(need / PAGE));
    hasher = {
      x, inp, out: inp + 1024 + 64, u8: new Uint8Array(x.memory.buffer), u32: new Uint32Array(x.memory.buffer), dv: new DataView(x.memory.buffer),
    };
  }
  return hasher;
}

/** Hashes key ‖ value into the hasher's output words (h.out). */
function kvHashInto(key: Uint8Array, value: Uint8Array): ReturnType<typeof hashInstance> {
  const h = hashInstance();
  const len = key.length + value.length;
  if (len > 1024) throw new RangeError(`kv_hash input of ${len} bytes exceeds one BLAKE3 chunk`);
  h.u8.set(key, h.inp);
  h.u8.set(value, h.inp + key.length);
  h.x.salt_kv_hash(h.inp, len, h.out);
  return h;
}

/**
 * `kv_hash`: BLAKE3(key ‖ value) read as a little-endian integer mod r (keys.ts documents the
 * encoding; `@noble/hashes` blake3 is the reference the tests compare against).
 */
export function kvHashKernel(key: Uint8Array, value: Uint8Array): bigint {
  const h = kvHashInto(key, value);
  const d = h.dv;
  const o = h.out;
  return (
    (((d.getBigUint64(o + 24, true) << 64n) | d.getBigUint64(o + 16, true)) << 128n) |
    (d.getBigUint64(o + 8, true) << 64n) |
    d.getBigUint64(o, true)
  );
}

/** `kvHashKernel` as 8 canonical little-endian words written to out[off…off+8) (no BigInt). */
export function kvHashWordsKernel(key: Uint8Array, value: Uint8Array, out: Uint32Array, off: number): void {
  const h = kvHashInto(key, value);
  // The memory never grows after hashInstance(), so the view stays valid; words are LE like the DataView reads above.
  const o = h.out >>> 2;
  for (let i = 0; i < 8; i++) out[off + i] = h.u32[o + i];
}

/** Longest input the kernel hashers take (their input buffer); longer keys use the BigInt code. */
export const KERNEL_HASH_MAX = 1024;

/** SALT's AHash-fallback hash of `data` (≤ KERNEL_HASH_MAX bytes), optionally followed by a u32 LE nonce. */
export function ahashKernel(data: Uint8Array, nonce?: number): bigint {
  const h = hashInstance();
  h.u8.set(data, h.inp);
  let len = data.length;
  if (nonce !== undefined) {
    h.dv.setUint32(h.inp + len, nonce >>> 0, true);
    len += 4;
  }
  return BigInt.asUintN(64, h.x.salt_ahash(h.inp, len));
}

let genWords: Uint32Array | undefined;

/** The 256 CRS generators as kernel words (derived once per thread unless provided). */
export function generatorWords(provided?: Uint32Array): Uint32Array {
  if (provided) genWords = provided;
  if (!genWords) {
    const G = saltCrs().G;
    genWords = new Uint32Array(256 * POINT_WORDS);
    G.forEach((p, i) => pointToWords(p, genWords!, i * POINT_WORDS));
  }
  return genWords;
}

let shared: SaltKernel | undefined;

/** The process-wide kernel (window 8 unless replaced with `setDefaultKernel`). */
export function defaultKernel(): SaltKernel {
  if (!shared) shared = new SaltKernel(8);
  return shared;
}

/** Replace the process-wide kernel (e.g. another window width). */
export function setDefaultKernel(k: SaltKernel): void {
  shared = k;
}
