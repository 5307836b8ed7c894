/**
 * @file Logs whose topics stay bytes (issue #14 part 2): LOG0–LOG4 in compiled frames copy their topic words out of
 * linear memory as packed 32-byte big-endian words, and the consumers that need bytes (bloom, receipt RLP, logs hash,
 * the parallel codec) read them as such; the `topics` bigints of the `Log` interface are built only when read.
 */
/** One LOG0–LOG4 entry: emitting address, topics as words, data. Compiled frames emit `PackedLog`s (topics kept as bytes). */
export interface Log {
  address: string;
  topics: bigint[];
  data: Uint8Array;
}

// Not state-root's word32: state-root reads logs through this file.
const EMPTY = new Uint8Array(0);
const word32 = (x: bigint): Uint8Array => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');

/**
 * A log whose topics (`32 × n` big-endian bytes) and data sit in a log arena chunk. It holds only the chunk and
 * offsets: `topicBytes`, `data` and `topics` are views/values built on first read. Why not views made at LOG time:
 * a retained typed array per log (a view or a small buffer) costs V8 ~0.2–0.6 µs to make and keep (GC), more than
 * the rest of a LOG. Private fields keep the chunk out of `Object.keys` (`toEqual`); `toJSON` gives hex.
 */
export class PackedLog implements Log {
  readonly #chunk: Uint8Array;
  readonly #at: number;
  readonly #n: number;
  readonly #len: number;
  #topics: bigint[] | undefined;
  #topicBytes: Uint8Array | undefined;
  #data: Uint8Array | undefined;
  constructor(readonly address: string, chunk: Uint8Array, at: number, topicCount: number, dataLength: number) {
    this.#chunk = chunk;
    this.#at = at;
    this.#n = topicCount;
    this.#len = dataLength;
  }
  /** A log from topic words and data (copied into the arena). */
  static of(address: string, topics: readonly bigint[], data: Uint8Array): PackedLog {
    const packed = new Uint8Array(32 * topics.length);
    topics.forEach((t, i) => packed.set(word32(t), 32 * i));
    return PackedLog.fromBytes(address, packed, data);
  }
  /** A log from packed big-endian topic words and data (both copied into the arena). */
  static fromBytes(address: string, topicBytes: Uint8Array, data: Uint8Array): PackedLog {
    const at = logArena.take(topicBytes.length + data.length);
    const { bytes } = logArena;
    bytes.set(topicBytes, at);
    bytes.set(data, at + topicBytes.length);
    return new PackedLog(address, bytes, at, topicBytes.length >> 5, data.length);
  }
  get topicCount(): number {
    return this.#n;
  }
  /** The topics as `32 × n` big-endian bytes. */
  get topicBytes(): Uint8Array {
    return (this.#topicBytes ??= this.#chunk.subarray(this.#at, this.#at + 32 * this.#n));
  }
  get data(): Uint8Array {
    const p = this.#at + 32 * this.#n;
    return (this.#data ??= this.#len === 0 ? EMPTY : this.#chunk.subarray(p, p + this.#len));
  }
  get topics(): bigint[] {
    if (this.#topics === undefined) {
      const c = this.#chunk;
      const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
      const out: bigint[] = new Array(this.#n);
      for (let i = 0; i < out.length; i++) {
        const p = this.#at + 32 * i;
        out[i] = (v.getBigUint64(p) << 192n) | (v.getBigUint64(p + 8) << 128n) | (v.getBigUint64(p + 16) << 64n) | v.getBigUint64(p + 24);
      }
      this.#topics = out;
    }
    return this.#topics;
  }
  toJSON(): { address: string; topics: string[]; data: string } {
    return { address: this.address, topics: topicsHex(this), data: '0x' + Buffer.from(this.data).toString('hex') };
  }
}

/**
 * Where packed logs keep their bytes: chunks that are appended to and never rewritten, so a log's bytes stay valid
 * for as long as the log lives (a chunk is freed with its last log; a reverted log's bytes are simply not reused).
 */
export class LogArena {
  static readonly CHUNK = 1 << 16;
  bytes = new Uint8Array(LogArena.CHUNK);
  view = new DataView(this.bytes.buffer);
  private at = 0;
  /** The offset of `n` fresh bytes in `bytes` (read `bytes`/`view` after the call: a new chunk may start). */
  take(n: number): number {
    if (this.at + n > this.bytes.length) {
      this.bytes = new Uint8Array(Math.max(LogArena.CHUNK, n));
      this.view = new DataView(this.bytes.buffer);
      this.at = 0;
    }
    const at = this.at;
    this.at += n;
    return at;
  }
}

/** The process's log arena (logs of every transaction). */
export const logArena = new LogArena();

/** The topics of any log as 32-byte big-endian words (views into a packed log's bytes, no copy). */
export function topicWords(l: Log): Uint8Array[] {
  if (!(l instanceof PackedLog)) return l.topics.map(word32);
  const b = l.topicBytes;
  const out: Uint8Array[] = new Array(b.length >> 5);
  for (let i = 0; i < out.length; i++) out[i] = b.subarray(32 * i, 32 * i + 32);
  return out;
}

/** The topics of any log packed as `32 × n` big-endian bytes. */
export function packedTopics(l: Log): Uint8Array {
  if (l instanceof PackedLog) return l.topicBytes;
  const out = new Uint8Array(32 * l.topics.length);
  l.topics.forEach((t, i) => out.set(word32(t), 32 * i));
  return out;
}

/** The topics of any log as 0x + 64 hex (JSON results). */
export const topicsHex = (l: Log): string[] => topicWords(l).map((w) => '0x' + Buffer.from(w.buffer, w.byteOffset, 32).toString('hex'));
