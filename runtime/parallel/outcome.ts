/**
 * @file A transaction committed from a worker's result, as `BlockResult.txs[i]` holds it: the result record's bytes
 * (in the worker's shared area during the block, then in the coordinator's copy of it) and the accounts it committed,
 * with `result`, `receipt` and `diff` built on first access. The coordinator's commit of a plain transfer then makes
 * no TxResult, logs, receipt, bloom or StateDiff objects — building them cost it more than executing the transfer
 * (issue #16; the README's parallel section has the figures). Equal by value to what the sequential executor returns.
 */
import type { Receipt, ReceiptParts, ReceiptScratch } from '../block/receipts.ts';
import type { TxOutcome } from '../block/types.ts';
import { BLOOM_BYTES, ZERO_BLOOM, encodeReceiptInto } from '../block/receipts.ts';
import type { Account, AccountDiff, StateDiff } from '../state/world.ts';
import type { TxResult } from '../tx/index.ts';
import { ByteReader, readDiffWith, readLogs } from './codec.ts';

const STATUSES = ['success', 'revert', 'halt', 'rejected'] as const;
const EMPTY = new Uint8Array(0);

/** The coinbase's account after adding `add` to `base` (undefined: it did not exist). */
const plus = (base: Account | undefined, add: bigint): Account => ({ balance: (base ? base.balance : 0n) + add, nonce: base ? base.nonce : 0n, code: base ? base.code : EMPTY });

/** One committed worker result (see the file comment); the block executor sets its receipt fields at commit. */
export class RecordOutcome implements TxOutcome {
  /** Receipt fields the block executor knows: cumulative gas, transaction type, and whether a status is kept (Byzantium on). */
  cumulative = 0n;
  type = 0;
  withStatus = true;
  /** The coinbase's fee entry of the diff: eager (an AccountDiff, or none) … */
  cbDiff?: AccountDiff;
  /** … or lazy: fee `fee` on top of `cbBase` (the coinbase when the coordinator last wrote it) + `cbPrior` (fees pending before). */
  fee?: bigint;
  cbBase?: Account;
  cbPrior = 0n;
  private res?: TxResult;
  private rec?: Receipt;
  private d?: StateDiff;
  constructor(
    readonly kind: TxOutcome['kind'],
    readonly execMs: number,
    readonly gasUsed: bigint,
    /** The bytes holding the record (a worker's area, then its copy), where the record and its write set start, and the block's address table (coinbase first). */
    private readonly arena: { readonly buf: Uint8Array },
    private readonly at: number,
    private readonly ws: number,
    private readonly names: readonly string[],
    /** The committed accounts, before and after, two per written account from `refAt`. */
    private readonly refs: readonly (Account | undefined)[],
    private readonly refAt: number,
    /** Where the receipt's bloom is in those bytes (-1: no logs). */
    private readonly bloomAt: number,
    /** Where the logs' RLP list is (its length is the u32 before it). */
    private readonly logsAt: number,
  ) {}

  private reader(pos: number): ByteReader {
    const r = new ByteReader(this.arena.buf, pos);
    r.names = this.names;
    return r;
  }

  get result(): TxResult {
    if (this.res) return this.res;
    const r = this.reader(this.at + 9); // u32 index, u32 seen, u8 ok
    const status = STATUSES[r.u8()];
    r.u8(); // kind
    r.skipWord(); // gasUsed (kept)
    if (r.u8() === 1) r.skipWord(); // fee
    const error = r.u8() === 1 ? r.string() : undefined;
    const createdAddress = r.u8() === 1 ? r.address() : undefined;
    const returnData = r.bytes();
    const logs = readLogs(r);
    const gasUsed = this.gasUsed;
    // The same shapes (and key order) as runTransaction's results.
    this.res = status === 'success'
      ? { gasUsed, logs, status, returnData, ...(createdAddress ? { createdAddress } : {}) }
      : { gasUsed, logs, status, ...(error !== undefined ? { error } : {}), returnData };
    return this.res;
  }

  get receipt(): Receipt {
    // The worker's bloom (sent when there are logs; else all zero).
    return (this.rec ??= this.make(this.bloomAt < 0 ? new Uint8Array(BLOOM_BYTES) : this.arena.buf.slice(this.bloomAt, this.bloomAt + BLOOM_BYTES)));
  }
  receiptParts(): ReceiptParts {
    // From the bytes: building the result (its logs decoded) only to publish them encoded again was most of a publish.
    const b = this.arena.buf;
    const len = b[this.logsAt - 4] | (b[this.logsAt - 3] << 8) | (b[this.logsAt - 2] << 16) | (b[this.logsAt - 1] << 24);
    return { type: this.type, status: b[this.at + 9] === 0 ? 1 : 0, cumulative: this.cumulative, bloom: this.bloomAt < 0 ? undefined : b, bloomAt: this.bloomAt, logsRlp: b.subarray(this.logsAt, this.logsAt + len) };
  }
  /** The receipt's consensus encoding, without building the receipt (nor copying its bloom) when nobody read it. */
  encodedReceipt(s: ReceiptScratch): Uint8Array {
    return encodeReceiptInto(s, this.rec ?? this.make(this.bloomAt < 0 ? ZERO_BLOOM : this.arena.buf.subarray(this.bloomAt, this.bloomAt + BLOOM_BYTES)));
  }
  private make(logsBloom: Uint8Array): Receipt {
    const rec: Receipt = { type: this.type, cumulativeGasUsed: this.cumulative, logsBloom, logs: this.result.logs };
    if (this.withStatus) rec.status = this.result.status === 'success' ? 1 : 0;
    return rec;
  }

  get diff(): StateDiff {
    if (this.d) return this.d;
    const d = readDiffWith(this.reader(this.ws), this.refs, this.refAt);
    if (this.fee !== undefined) {
      const before = this.cbPrior === 0n ? this.cbBase : plus(this.cbBase, this.cbPrior);
      d.set(this.names[0], { before, after: plus(this.cbBase, this.cbPrior + this.fee), storageCleared: false, storage: new Map() });
    } else if (this.cbDiff) d.set(this.names[0], this.cbDiff);
    return (this.d = d);
  }
}
