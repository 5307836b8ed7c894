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
import { HISTORY_STORAGE } from '../block/system-calls.ts';
import { opBlockFromRpc } from '../block/op/rpc.ts';
import { blockFromRpc } from '../block/rpc.ts';
import type { BlockResult } from '../block/types.ts';
import type { StateBackend } from '../state/world.ts';
import { type StateDivergence, compareWithNextWitness } from './diagnose.ts';
import { toHex } from './field.ts';
import type { SaltBackend } from './backend.ts';
import { PartialSaltState, WitnessInvalidError, WitnessLacksKeyError } from './stateless.ts';
import { type CodeLookup, StatelessBackend, diffKeys } from './stateless-backend.ts';
import { addrBytes, beToBigint } from './block-overlay.ts';
import { bytesEqual } from './keys.ts';
import type { KeyChange } from './state.ts';
import { L2_TO_L1_MESSAGE_PASSER, MptWitnessError, decodeMptWitness, withdrawalsRootAfter } from './withdrawals.ts';
import { type GasCandidateTx, explainGasGap } from './explain-gas.ts';
import { buildWitness, encodeWitnessFile } from './witness-build.ts';
import { type WitnessFile, checkWitnessRoot, decodeWitnessFile } from './witness.ts';
import { defaultVerifyThread, verifyInBackground } from './verify-async.ts';

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
  /** With `explainGas`: the transaction whose gas alone makes the root the header's (undefined txs: none does). */
  gasExplained?: { txs: number[] | undefined; gasDelta: bigint; tried: number; ms: number };
  /** OP Isthmus: the message passer's storage root from the `.mpt` witness against the header ('n/a' without it). */
  withdrawalsRoot: HeaderCheck;
  /** The computed withdrawals root (0x-hex), or why it could not be (`withdrawalsError`). */
  withdrawalsRootValue?: string;
  withdrawalsError?: string;
  /** The header checks pass (on Ethereum the state root is reported, not checked). */
  ok: boolean;
  /** With a next-block witness: our post-state against the values it proves (issue #18's diagnostic). */
  divergence?: StateDivergence;
  /** Witness size: key/value entries, path commitments, bytes. */
  witness: { kvs: number; commitments: number; bytes: number };
  /** SALT key changes applied to the partial trie. */
  keys: number;
  /** Wall time of the witness verification (for a large witness on another thread, beside execution and update). */
  verifyMs: number;
  execMs: number;
  updateMs: number;
  /** Wall time of the whole validation. */
  totalMs: number;
  result: BlockResult;
}

const hex = (b: Uint8Array): string => '0x' + toHex(b);

/** EIP-2935's ring buffer: the hash of block n sits in slot n % 8191 of the history contract. */
const HISTORY_SERVE_WINDOW = 8191n;

/** The message passer's net storage changes among a block's SALT key changes (absent value = 0). */
function messagePasserChanges(changes: readonly KeyChange[]): Map<bigint, bigint> {
  const prefix = addrBytes(L2_TO_L1_MESSAGE_PASSER);
  const out = new Map<bigint, bigint>();
  for (const c of changes) {
    if (c.key.length !== 52 || !bytesEqual(c.key.subarray(0, 20), prefix)) continue;
    out.set(beToBigint(c.key.subarray(20)), c.value ? beToBigint(c.value) : 0n);
  }
  return out;
}

/**
 * BLOCKHASH as MegaETH's stateless validator answers it (its witness database): the parent's hash from the header,
 * older ones from the EIP-2935 history contract's storage in the witness (the witness of a block whose code asks
 * for 256 hashes carries those 256 slots). Only asked for n in [number − 256, number − 1].
 */
function historyBlockHash(backend: StateBackend, number: bigint, parentHash: string | undefined): (n: bigint) => bigint | undefined {
  return (n) => {
    if (n === number - 1n && parentHash !== undefined) return BigInt(parentHash);
    return backend.getStorage(HISTORY_STORAGE, n % HISTORY_SERVE_WINDOW);
  };
}

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
  extra: {
    nextWitness?: Uint8Array;
    /** OP Isthmus: the `.mpt` witness of the message passer's storage trie, and the parent header's withdrawalsRoot. */
    mptWitness?: Uint8Array;
    parentWithdrawalsRoot?: string;
    /** On an OP chain whose gas and state root fail: find the one transaction whose gas explains the root (slow). */
    explainGas?: boolean;
  } = {},
): Promise<ValidationResult> {
  let w: WitnessFile;
  try {
    w = decodeWitnessFile(witnessBytes);
  } catch (e) {
    throw new WitnessFormatError(`malformed witness: ${(e as Error).message}`);
  }
  const t0 = performance.now();
  // The root check first; the proof check here or, for a large witness, on another thread while the block executes
  // (salt/verify-async.ts). Nothing is returned before its verdict.
  const rootWhy = checkWitnessRoot(w.saltProof, parentRoot);
  if (rootWhy) throw new WitnessInvalidError(rootWhy);
  const bg = verifyInBackground(witnessBytes, parentRoot, defaultVerifyThread(w.saltProof.parentsCommitments.size));
  const verdict = async (): Promise<number> => {
    const v = await bg.verified;
    if (!v.ok) throw new WitnessInvalidError(v.reason ?? 'unknown reason');
    return v.ms;
  };
  if (!bg.thread) await verdict();
  const partial = PartialSaltState.fromWitness(w, parentRoot, { skipVerify: true });
  const backend = new StatelessBackend(partial, code);
  let result: BlockResult;
  let number: bigint;
  try {
    if (opts.chain?.op) {
      const ob = opBlockFromRpc(rpcBlock, opts.chain);
      number = ob.header.number;
      // Hashes given by the caller first; the rest as the validator reads them.
      const history = historyBlockHash(backend, number, ob.header.parentHash);
      const blockHash = (n: bigint): bigint | undefined => opts.blockHash?.(n) ?? history(n);
      result = await executeOpBlock(ob, backend, { ...opts, blockHash });
    } else {
      const { block } = blockFromRpc(rpcBlock, { chain: opts.chain });
      number = block.header.number;
      result = await executeBlock(block, backend, opts);
    }
  } catch (e) {
    await verdict(); // an invalid witness is the error to report
    throw e;
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
  // Before the batch is applied (the partial state then holds post-block values, and no change would show).
  const passer = extra.mptWitness && opts.chain?.op ? messagePasserChanges(backend.keyChanges()) : undefined;
  const preChanges = extra.explainGas && opts.chain?.op ? backend.keyChanges() : undefined;
  const t1 = performance.now();
  partial.useDecoded(await bg.decoded);
  let root: Uint8Array | undefined;
  let keys = 0;
  let applyError: string | undefined;
  try {
    ({ root, keys } = backend.finish());
  } catch (e) {
    // Without the diagnostic this stays an input error; with it, the divergence found so far is the answer.
    if (!(e instanceof WitnessLacksKeyError) || !divergence) {
      await verdict();
      throw e;
    }
    applyError = e.message;
  }
  const updateMs = performance.now() - t1;
  const verifyMs = await verdict();
  const totalMs = performance.now() - t0;
  const header = rpcBlock as { receiptsRoot?: string; logsBloom?: string; gasUsed?: string; stateRoot?: string; withdrawalsRoot?: string };
  const check = (got: string | undefined, want: string | undefined): HeaderCheck =>
    got === undefined || want === undefined ? 'n/a' : got === want.toLowerCase() ? 'ok' : 'FAIL';
  let withdrawalsRoot: HeaderCheck = 'n/a';
  let withdrawalsRootValue: string | undefined;
  let withdrawalsError: string | undefined;
  if (extra.mptWitness && passer) {
    try {
      const mw = decodeMptWitness(extra.mptWitness);
      const pre = hex(mw.storageRoot);
      if (extra.parentWithdrawalsRoot !== undefined && pre !== extra.parentWithdrawalsRoot.toLowerCase()) {
        throw new MptWitnessError(`the witness proves root ${pre}, the parent header says ${extra.parentWithdrawalsRoot}`);
      }
      withdrawalsRootValue = hex(await withdrawalsRootAfter(mw, passer));
      withdrawalsRoot = check(withdrawalsRootValue, header.withdrawalsRoot);
    } catch (e) {
      if (!(e instanceof MptWitnessError)) throw e;
      withdrawalsRoot = 'FAIL';
      withdrawalsError = e.message;
    }
  }
  const receiptsRoot = check(result.receiptsRoot && hex(result.receiptsRoot), header.receiptsRoot);
  const logsBloom = check(hex(result.logsBloom), header.logsBloom);
  const gasUsed = check(String(result.gasUsed), header.gasUsed === undefined ? undefined : String(BigInt(header.gasUsed)));
  const stateRootHeader = !root ? 'FAIL' : opts.chain?.op ? check(hex(root), header.stateRoot) : 'n/a';
  let gasExplained: ValidationResult['gasExplained'];
  if (preChanges && stateRootHeader === 'FAIL' && gasUsed === 'FAIL' && header.stateRoot && header.gasUsed) {
    const t2 = performance.now();
    const gasDelta = BigInt(header.gasUsed) - result.gasUsed;
    const rb = rpcBlock as { transactions?: GasCandidateTx[]; miner?: string; baseFeePerGas?: string };
    const e = explainGasGap(w, parentRoot, preChanges, Array.isArray(rb.transactions) ? rb.transactions : [],
      { baseFee: BigInt(rb.baseFeePerGas ?? '0x0'), coinbase: String(rb.miner ?? '') }, gasDelta, header.stateRoot);
    gasExplained = { ...e, gasDelta, ms: performance.now() - t2 };
  }
  return {
    ...(gasExplained ? { gasExplained } : {}),
    number, stateRoot: root ? hex(root) : 'n/a', ...(applyError ? { applyError } : {}), receiptsRoot, logsBloom, gasUsed, stateRootHeader,
    withdrawalsRoot, ...(withdrawalsRootValue ? { withdrawalsRootValue } : {}), ...(withdrawalsError ? { withdrawalsError } : {}),
    ok: receiptsRoot !== 'FAIL' && logsBloom !== 'FAIL' && gasUsed !== 'FAIL' && stateRootHeader !== 'FAIL' && withdrawalsRoot !== 'FAIL',
    ...(divergence ? { divergence } : {}),
    witness: { kvs: w.kvs.size, commitments: w.saltProof.parentsCommitments.size, bytes: witnessBytes.length },
    keys, verifyMs, execMs: result.execMs, updateMs, totalMs, result,
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
