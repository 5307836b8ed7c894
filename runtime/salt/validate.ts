/**
 * @file Stateless block validation and the full node's witness for a block (issue #17 parts 3–4).
 *
 * Stage: `mevmc validate` (verify a witness, execute the block from it alone, apply the updates to the witnessed
 * partial trie, report the post-state root and the header checks) and `mevmc block --state salt:DIR
 * --witness-out DIR` (the witness of a block executed on a `SaltBackend`, before its batch is committed).
 * Input: an RPC block, a witness file, the parent SALT root, code by hash; or a `SaltBackend` with the block's
 * diffs pending.
 * Output: `ValidationResult` (root, checks, figures); a `WitnessFile` + bytes.
 * Invariants: the witness of a block covers what a validator reads — every plain key the execution read from
 * SALT, every key the block's diffs name (the validator compares each with its pre-block value) and what the
 * batch's SHI updates walk — so `validateBlock` over it never lacks a key; op_attributes_hash is zero for
 * Ethereum blocks (they have no OP payload attributes).
 */
import { executeBlock, type ExecuteBlockOptions } from '../block/execute.ts';
import { executeOpBlock } from '../block/op/execute.ts';
import { opBlockFromRpc } from '../block/op/rpc.ts';
import { blockFromRpc } from '../block/rpc.ts';
import type { BlockResult } from '../block/types.ts';
import { type StateDivergence, compareWithNextWitness } from './diagnose.ts';
import { toHex } from './field.ts';
import type { SaltBackend } from './backend.ts';
import { PartialSaltState, WitnessLacksKeyError } from './stateless.ts';
import { type CodeLookup, StatelessBackend, diffKeys } from './stateless-backend.ts';
import { buildWitness, encodeWitnessFile } from './witness-build.ts';
import { type WitnessFile, decodeWitnessFile } from './witness.ts';

/** A malformed witness file. */
export class WitnessFormatError extends Error {
  override name = 'WitnessFormatError';
}

/** Outcome of one header check. */
export type HeaderCheck = 'ok' | 'FAIL' | 'n/a';

/** What {@link validateBlock} found. */
export interface ValidationResult {
  number: bigint;
  /** Post-state SALT root, 0x-hex ('n/a' when the batch could not be applied, see `applyError`). */
  stateRoot: string;
  /**
   * With the diagnostic on: why our key changes could not be applied to the witnessed trie (a key the batch must
   * probe is not in the witness — the chain made no such insert/delete, so our run wrote what it did not).
   */
  applyError?: string;
  receiptsRoot: HeaderCheck;
  logsBloom: HeaderCheck;
  gasUsed: HeaderCheck;
  /** On an OP/MegaETH chain the header's stateRoot is the SALT root: checked; 'n/a' on Ethereum (an MPT root). */
  stateRootHeader: HeaderCheck;
  /** The header checks pass (on Ethereum the state root is reported, not checked). */
  ok: boolean;
  /** With a next-block witness: our post-state against the values it proves (issue #18's diagnostic). */
  divergence?: StateDivergence;
  /** Witness size: key/value entries, path commitments, bytes. */
  witness: { kvs: number; commitments: number; bytes: number };
  /** SALT key changes applied to the partial trie. */
  keys: number;
  verifyMs: number;
  execMs: number;
  updateMs: number;
  result: BlockResult;
}

const hex = (b: Uint8Array): string => '0x' + toHex(b);

/**
 * Validate `rpcBlock` statelessly: verify `witnessBytes` against `parentRoot`, execute from it with code from
 * `code`, apply the block's changes to the partial trie. Throws `WitnessFormatError`, `WitnessInvalidError`,
 * `WitnessLacksKeyError`, `MissingCodeError` or `InvalidBlockError`.
 */
export async function validateBlock(
  rpcBlock: Record<string, unknown>,
  witnessBytes: Uint8Array,
  parentRoot: Uint8Array,
  code: CodeLookup,
  opts: ExecuteBlockOptions = {},
  extra: { nextWitness?: Uint8Array } = {},
): Promise<ValidationResult> {
  let w: WitnessFile;
  try {
    w = decodeWitnessFile(witnessBytes);
  } catch (e) {
    throw new WitnessFormatError(`malformed witness: ${(e as Error).message}`);
  }
  const t0 = performance.now();
  const partial = PartialSaltState.fromWitness(w, parentRoot);
  const verifyMs = performance.now() - t0;
  const backend = new StatelessBackend(partial, code);
  let result: BlockResult;
  let number: bigint;
  if (opts.chain?.op) {
    const ob = opBlockFromRpc(rpcBlock, opts.chain);
    number = ob.header.number;
    result = await executeOpBlock(ob, backend, opts);
  } else {
    const { block } = blockFromRpc(rpcBlock, { chain: opts.chain });
    number = block.header.number;
    result = await executeBlock(block, backend, opts);
  }
  let divergence: StateDivergence | undefined;
  if (extra.nextWitness) {
    let next: WitnessFile;
    try {
      next = decodeWitnessFile(extra.nextWitness);
    } catch (e) {
      throw new WitnessFormatError(`malformed next-block witness: ${(e as Error).message}`);
    }
    divergence = compareWithNextWitness(partial, backend.keyChanges(), result.systemDiff, result.txs.map((t) => t.diff), result.finalDiff, next);
  }
  const t1 = performance.now();
  let root: Uint8Array | undefined;
  let keys = 0;
  let applyError: string | undefined;
  try {
    ({ root, keys } = backend.finish());
  } catch (e) {
    // Without the diagnostic this stays an input error; with it, the divergence found so far is the answer.
    if (!(e instanceof WitnessLacksKeyError) || !divergence) throw e;
    applyError = e.message;
  }
  const updateMs = performance.now() - t1;
  const header = rpcBlock as { receiptsRoot?: string; logsBloom?: string; gasUsed?: string; stateRoot?: string };
  const check = (got: string | undefined, want: string | undefined): HeaderCheck =>
    got === undefined || want === undefined ? 'n/a' : got === want.toLowerCase() ? 'ok' : 'FAIL';
  const receiptsRoot = check(result.receiptsRoot && hex(result.receiptsRoot), header.receiptsRoot);
  const logsBloom = check(hex(result.logsBloom), header.logsBloom);
  const gasUsed = check(String(result.gasUsed), header.gasUsed === undefined ? undefined : String(BigInt(header.gasUsed)));
  const stateRootHeader = !root ? 'FAIL' : opts.chain?.op ? check(hex(root), header.stateRoot) : 'n/a';
  return {
    number, stateRoot: root ? hex(root) : 'n/a', ...(applyError ? { applyError } : {}), receiptsRoot, logsBloom, gasUsed, stateRootHeader,
    ok: receiptsRoot !== 'FAIL' && logsBloom !== 'FAIL' && gasUsed !== 'FAIL' && stateRootHeader !== 'FAIL',
    ...(divergence ? { divergence } : {}),
    witness: { kvs: w.kvs.size, commitments: w.saltProof.parentsCommitments.size, bytes: witnessBytes.length },
    keys, verifyMs, execMs: result.execMs, updateMs, result,
  };
}

/**
 * The witness of a block executed on `backend` (reads tracked with `trackReads()` before execution, diffs still
 * pending: call before `commitBlock()`), proved against the pre-block state. `parentHash` = the block's.
 */
export function blockWitness(backend: SaltBackend, result: BlockResult, parentHash: Uint8Array): { witness: WitnessFile; bytes: Uint8Array } {
  const reads = [...backend.readKeys(), ...diffKeys([result.systemDiff, ...result.txs.map((t) => t.diff), result.finalDiff])];
  const witness = buildWitness(backend.state, reads, backend.pendingKeyChanges(), { parentHash });
  return { witness, bytes: encodeWitnessFile(witness) };
}
