/**
 * @file Public API of the SALT storage engine (issue #6).
 *
 * Stage: runtime state backend (accounts, storage slots, batches of changes, a root) and the
 * functions behind the CLI commands `mevmc salt root` and `mevmc salt verify-witness`.
 * Input: EVM-level or raw key/value changes; witness files; changes.jsonl text.
 * Output: 32-byte state roots (little-endian `map_to_scalar` of the root commitment — the MegaETH
 * header `stateRoot`), witness verdicts.
 *
 * changes.jsonl format (one JSON object per line; blank lines and lines starting with `#` ignored):
 *   {"key":"0x<hex>","value":"0x<hex>"}            raw SALT plain key/value (value null or "" = delete)
 *   {"address":"0x<20 bytes>","nonce":"1","balance":"0x10","codeHash":"0x<32 bytes>"}
 *                                                   account (codeHash optional; empty account = delete)
 *   {"address":"0x<20 bytes>","slot":"0x<u256>","value":"0x<u256>"}
 *                                                   storage slot (zero value = delete)
 *   {"commit":true}                                 ends a batch (the remaining lines form the last batch)
 * Numbers may be decimal strings, 0x-hex strings, or JSON integers. Within a batch the last change of
 * a key wins.
 */
import { bigintToLe32, fromHex, toHex } from './field.ts';
import { DurableState } from './store.ts';
import type { KeyChange } from './state.ts';
import { type Account, type BucketMeta, accountKey, accountValue, decodeAccountValue, storageKey, storageValue } from './keys.ts';
import { bucketId } from './hasher.ts';
import type { CommitEngine } from './trie.ts';
import { verifyWitnessFile as verifyWitnessBytes, type VerifyResult } from './witness.ts';
import { mapToScalar } from './banderwagon.ts';
import { proveKeys, type GeneratedProof } from './prover.ts';

export type { Account, BucketMeta, KeyChange, VerifyResult };
export { bucketId, toHex, fromHex };
export { decodeWitnessFile, verifySaltProof } from './witness.ts';
export { SaltState } from './state.ts';
export { type BlockCommit, CodeStore, MissingCodeError, SaltBackend, type SaltBackendOptions } from './backend.ts';
export { Committer } from './committer.ts';
export { proveKeys, createMultiProof, type GeneratedProof } from './prover.ts';
export { type KernelKind, SaltKernel, SaltNativeKernelError, kernelKind, nativeKernelUnavailable } from './kernel/index.ts';
export { AutoKernel, ParallelKernel, defaultEngine, defaultThreads } from './kernel/parallel.ts';
export { runSaltBench, formatSaltBench, type SaltBenchResult, type SaltBenchRow } from './bench.ts';

/** The empty-state root (SPEC §3.4), as hex. */
export const EMPTY_STATE_ROOT_HEX = '0x9d7218471640948ac51ad7ea7f589af28c19605bd96faaaf1204b5da36a09201';

/** A change in the runtime's state vocabulary. */
export type StateChange =
  | { readonly kind: 'account'; readonly address: Uint8Array; readonly account: Account | undefined }
  | { readonly kind: 'storage'; readonly address: Uint8Array; readonly slot: bigint; readonly value: bigint }
  | { readonly kind: 'raw'; readonly key: Uint8Array; readonly value: Uint8Array | undefined };

/** Map a state change to its SALT plain key/value (deletions for zero storage and empty accounts). */
export function toKeyChange(c: StateChange): KeyChange {
  switch (c.kind) {
    case 'account':
      return { key: accountKey(c.address), value: c.account ? accountValue(c.account) : undefined };
    case 'storage':
      return { key: storageKey(c.address, c.slot), value: storageValue(c.value) };
    case 'raw':
      return { key: c.key, value: c.value };
  }
}

/** A SALT state store (durable when opened with a directory). */
export class SaltStore {
  private constructor(private readonly inner: DurableState) {}

  /** Open a store; without `dir` it lives in memory only. Throws `StoreCorruptError` if data and root disagree. */
  static open(dir?: string, engine?: CommitEngine): SaltStore {
    return new SaltStore(DurableState.open(dir, engine));
  }

  /** Apply one atomic batch of changes; returns the new 32-byte state root. */
  applyBatch(changes: Iterable<StateChange>): Uint8Array {
    const grouped = new Map<number, Map<string, KeyChange>>();
    for (const c of changes) {
      const kc = toKeyChange(c);
      const b = bucketId(kc.key);
      let m = grouped.get(b);
      if (!m) grouped.set(b, (m = new Map()));
      m.set(toHex(kc.key), kc);
    }
    return this.inner.applyGrouped(new Map([...grouped].map(([b, m]) => [b, [...m.values()]])));
  }

  /** Change a data bucket's metadata (nonce / capacity ≥ used): the bucket is rehashed. */
  setBucketMeta(bucket: number, meta: BucketMeta): Uint8Array {
    return this.inner.applyGrouped(new Map(), new Map([[bucket, meta]]));
  }

  /** Current state root (32 bytes, header `stateRoot` byte order). */
  root(): Uint8Array {
    return this.inner.state.root();
  }

  /** Raw value under a plain key. */
  get(key: Uint8Array): Uint8Array | undefined {
    return this.inner.state.get(key);
  }

  /** Account at `address`, if present. */
  getAccount(address: Uint8Array): Account | undefined {
    const v = this.inner.state.get(accountKey(address));
    return v ? decodeAccountValue(v) : undefined;
  }

  /** Storage value (0 when absent). */
  getStorage(address: Uint8Array, slot: bigint): bigint {
    const v = this.inner.state.get(storageKey(address, slot));
    let x = 0n;
    if (v) for (const b of v) x = (x << 8n) | BigInt(b);
    return x;
  }

  /** Root recomputed from the data alone (slow; a consistency check). */
  rootFromScratch(): Uint8Array {
    return this.inner.state.rootFromScratch();
  }

  /** Snapshot the data and truncate the log. */
  compact(): void {
    this.inner.compact();
  }

  /** Release the log file. */
  close(): void {
    this.inner.close();
  }

  /**
   * A witness for SaltKeys (bucket << 40 | slot) against the current root, in the format
   * `verifySaltProof` checks; `locate(key)` gives the SaltKey of a stored plain key.
   */
  prove(keys: readonly bigint[]): GeneratedProof {
    return proveKeys(this.inner.state, keys);
  }

  /** SaltKey of a stored plain key, if present. */
  locate(key: Uint8Array): bigint | undefined {
    const l = this.inner.state.locate(key);
    return l && (BigInt(l.bucket) << 40n) | BigInt(l.slot);
  }

  /** Number of key/value pairs. */
  size(): number {
    return this.inner.state.size();
  }

  /** Statistics of the last batch (keys, slot deltas, EC multiplications). */
  lastStats(): { keys: number; slotDeltas: number; rebuiltBuckets: number; mults: number } {
    return this.inner.state.lastStats;
  }
}

/** Verify a stateless-validator `.salt` witness file against the parent block's state root. */
export function verifyWitnessFile(bytes: Uint8Array, parentRoot: Uint8Array): VerifyResult {
  return verifyWitnessBytes(bytes, parentRoot);
}

function num(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) return BigInt(v);
  throw new Error(`${what}: expected a non-negative integer, got ${JSON.stringify(v)}`);
}

/** Parse changes.jsonl text (format in the file header) into batches; throws `Error("line N: …")`. */
export function parseChangesJsonl(text: string): StateChange[][] {
  const batches: StateChange[][] = [[]];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o.commit === true) {
        batches.push([]);
        return;
      }
      const cur = batches[batches.length - 1];
      if (typeof o.key === 'string') {
        const value = o.value === null || o.value === undefined || o.value === '' || o.value === '0x' ? undefined : fromHex(String(o.value));
        cur.push({ kind: 'raw', key: fromHex(o.key), value });
      } else if (typeof o.address === 'string' && 'slot' in o) {
        cur.push({ kind: 'storage', address: fromHex(o.address), slot: num(o.slot, 'slot'), value: num(o.value ?? 0, 'value') });
      } else if (typeof o.address === 'string') {
        const account: Account = {
          nonce: num(o.nonce ?? 0, 'nonce'),
          balance: num(o.balance ?? 0, 'balance'),
          codeHash: typeof o.codeHash === 'string' ? fromHex(o.codeHash) : undefined,
        };
        cur.push({ kind: 'account', address: fromHex(o.address), account });
      } else throw new Error('expected "key", or "address" (+ "slot")');
    } catch (e) {
      throw new Error(`line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return batches.filter((b, i) => b.length > 0 || i === 0);
}

/**
 * `mevmc salt root`: apply the batches of a changes.jsonl text to a store (in memory, or the
 * persistent store in `dir`) and return the final root as 0x-hex.
 */
export function saltRootFromChangesJsonl(text: string, dir?: string): string {
  const store = SaltStore.open(dir);
  try {
    for (const batch of parseChangesJsonl(text)) if (batch.length > 0) store.applyBatch(batch);
    return '0x' + toHex(store.root());
  } finally {
    store.close();
  }
}

/** Hash a commitment's root bytes helper for callers holding a root commitment point. */
export const stateRootOf = (p: Parameters<typeof mapToScalar>[0]): Uint8Array => bigintToLe32(mapToScalar(p));
