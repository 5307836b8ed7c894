/**
 * @file `StatelessBackend`: the runtime's `StateBackend` over a witness (a `PartialSaltState`) and code by hash,
 * so `executeBlock` runs a block from its witness alone; plus the code sources `mevmc validate --code` reads.
 *
 * Stage: stateless validation (`mevmc validate`, issue #17 part 4).
 * Input: a verified partial SALT state, a code lookup (directory of `<hash>[.bin|.hex]` files — the layout of a
 * SALT store's `code/` folder — or a stateless-validator `contracts.txt`), the block's transaction diffs.
 * Output: EVM reads (accounts with code, storage); at the end the SALT key changes of the block (the same rule
 * as `SaltBackend.pendingKeyChanges`: union of the diffs, no-op writes dropped, a destroyed or re-created
 * account's old slots deleted) applied to the partial state → the post-state root.
 * Invariants: a read the witness cannot answer throws `WitnessLacksKeyError` (never a default); an account
 * whose code hash has no code throws `MissingCodeError`. SALT cannot enumerate an account's storage: a
 * destroyed account's old slots are the witnessed ones (an honest witness holds all of them, since the full
 * node deletes them in the same batch; completeness itself is not provable — no pre-Cancun
 * SELFDESTRUCT exists on MegaETH).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { keccak256 } from '../state/keccak.ts';
import type { StateDiff } from '../state/world.ts';
import { BlockOverlayBackend, addrBytes, beToBigint, hexOf } from './block-overlay.ts';
import { capacityLookup } from './capacity.ts';
import { KECCAK_EMPTY, bytesEqual, storageKey } from './keys.ts';
import type { KeyChange } from './state.ts';
import type { PartialSaltState } from './stateless.ts';

const EMPTY_CODE = new Uint8Array(0);

/** Code by hash: undefined when unknown. */
export type CodeLookup = (hash: Uint8Array) => Uint8Array | undefined;

/** A code source could not be read. */
export class CodeSourceError extends Error {
  override name = 'CodeSourceError';
}

/**
 * Code by hash from `path`: a directory of files named by code hash (`<hex>`, `<hex>.bin` raw bytes, or
 * `<hex>.hex` hex text; with or without 0x), or a stateless-validator `contracts.txt` (one JSON
 * `[hash, {"LegacyAnalyzed": {bytecode, original_len}}]` or `[hash, {"Eip7702": {raw, …}}]` per line; revm pads
 * analyzed bytecode, cut to original_len).
 * Every code is checked against its hash.
 */
export function loadCodeSource(path: string): CodeLookup {
  if (!existsSync(path)) throw new CodeSourceError(`${path}: no such file or directory`);
  const codes = new Map<string, Uint8Array>();
  const add = (hash: string, code: Uint8Array, where: string): void => {
    const h = hash.toLowerCase().replace(/^0x/, '');
    if (hexOf(keccak256(code)) !== h) throw new CodeSourceError(`${where}: code does not hash to 0x${h}`);
    codes.set(h, code);
  };
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path)) {
      const m = /^(?:0x)?([0-9a-fA-F]{64})(\.bin|\.hex)?$/.exec(name);
      if (!m) continue;
      const raw = readFileSync(join(path, name));
      const code = m[2] === '.hex' ? new Uint8Array(Buffer.from(raw.toString('utf8').trim().replace(/^0x/, ''), 'hex')) : new Uint8Array(raw);
      add(m[1], code, join(path, name));
    }
  } else {
    readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${path}:${i + 1}`;
      let hash: string;
      let code: Uint8Array;
      try {
        const [h, body] = JSON.parse(line) as [string, Record<string, { bytecode?: string; raw?: string; original_len?: number }>];
        // LegacyAnalyzed: padded bytecode + original_len; Eip7702: the 23-byte delegation designator in `raw`.
        const inner = Object.values(body)[0];
        const text = inner.raw ?? inner.bytecode;
        if (typeof text !== 'string') throw new Error('no bytecode or raw field');
        const full = new Uint8Array(Buffer.from(text.replace(/^0x/, ''), 'hex'));
        code = inner.raw === undefined && inner.original_len !== undefined ? full.subarray(0, inner.original_len) : full;
        hash = h;
      } catch (e) {
        throw new CodeSourceError(`${where}: expected [hash, {"LegacyAnalyzed": {"bytecode": …}}]: ${(e as Error).message}`);
      }
      add(hash, code, where);
    });
  }
  return (hash) => (bytesEqual(hash, KECCAK_EMPTY) ? EMPTY_CODE : codes.get(hexOf(hash)));
}

/** The runtime's state backend over a witness. One instance per block. */
export class StatelessBackend extends BlockOverlayBackend {
  protected readonly codeSourceName = 'code source';
  private readonly codeHashes = new WeakMap<Uint8Array, Uint8Array>();

  constructor(readonly partial: PartialSaltState, readonly code: CodeLookup) {
    super();
  }

  protected hashOf(code: Uint8Array): Uint8Array {
    if (code.length === 0) return KECCAK_EMPTY;
    let h = this.codeHashes.get(code);
    if (!h) this.codeHashes.set(code, (h = keccak256(code)));
    return h;
  }

  protected lookup(key: Uint8Array): Uint8Array | undefined {
    return this.partial.get(key);
  }

  protected codeOf(hash: Uint8Array): Uint8Array | undefined {
    const code = this.code(hash);
    if (code) this.codeHashes.set(code, hash);
    return code;
  }

  /** Witnessed pre-block slots of `address` (see the file note on completeness). */
  protected committedSlots(address: string): [bigint, bigint][] {
    const prefix = addrBytes(address);
    const out: [bigint, bigint][] = [];
    for (const e of this.partial.entries()) {
      if (e.key.length === 52 && bytesEqual(e.key.subarray(0, 20), prefix)) out.push([beToBigint(e.key.subarray(20)), beToBigint(e.value)]);
    }
    return out;
  }

  protected *committedAddresses(): Iterable<string> {
    for (const e of this.partial.entries()) if (e.key.length === 20) yield '0x' + hexOf(e.key);
  }

  /** Data buckets whose capacity execution asked for ({@link saltBucketCapacity}). */
  readonly capacityQueries = new Set<number>();
  private capacities?: (key: Uint8Array) => bigint;

  /** Capacity of the SALT bucket `key` hashes to, from the witness's bucket metadata (MegaETH's storage gas). */
  saltBucketCapacity(key: Uint8Array): bigint {
    return (this.capacities ??= capacityLookup(this.partial.witness, this.capacityQueries))(key);
  }

  /** The block's SALT key changes (no-op writes dropped; destroyed accounts' witnessed slots deleted). */
  keyChanges(): KeyChange[] {
    return this.overlayChanges((key) => this.partial.get(key)).map(({ key, value }) => ({ key, value }));
  }

  /** Apply the block's changes to the partial trie; returns the post-state root and the number of key changes. */
  finish(): { root: Uint8Array; keys: number } {
    const changes = this.keyChanges();
    return { root: this.partial.applyBatch(changes), keys: changes.length };
  }
}

/**
 * Every plain key a block's diffs name (accounts and written slots), for the witness recorder: the validator
 * compares each with its pre-block value to drop no-op writes, so each must be witnessed.
 */
export function diffKeys(diffs: Iterable<StateDiff>): Uint8Array[] {
  const out = new Map<string, Uint8Array>();
  for (const diff of diffs) {
    for (const [address, d] of diff) {
      const ab = addrBytes(address);
      out.set(hexOf(ab), ab);
      for (const slot of d.storage.keys()) {
        const k = storageKey(ab, slot);
        out.set(hexOf(k), k);
      }
    }
  }
  return [...out.values()];
}
