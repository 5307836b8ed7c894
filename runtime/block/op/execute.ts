/**
 * @file The OP-stack block executor (`chain.op`, e.g. `--chain megaeth`): Ethereum's transaction rules through
 * `runTransaction`, with the OP differences around them (docs/megaeth.md §2):
 *
 * - Before the transactions: EIP-4788 and EIP-2935 system calls as on Ethereum Prague (OP Ecotone / Isthmus); no
 *   request contracts after them, no withdrawals, no block reward.
 * - Deposits (0x7e): `mint` credited to the sender first and kept whatever happens; no signature, nonce check or
 *   fee (gas price 0, no base fee, nothing to the vaults); the sender's nonce bumps; a deposit that cannot run
 *   (e.g. value above the balance) is included as failed with its whole gas limit used, mint and nonce bump kept.
 *   Receipts carry `depositNonce` (the nonce before) and `depositReceiptVersion`.
 * - Mega system transactions (legacy, from the Mega system address to a whitelisted contract): fee-less like
 *   deposits, ordinary receipt.
 * - Other transactions: the L1 data fee (Fjord, over the raw signed bytes, L1Block's parameters as the storage
 *   holds them when the tx starts) and the Isthmus operator fee are taken from the sender before the gas purchase
 *   and credited to their vaults after it; the base fee goes to BaseFeeVault instead of being burnt; the coinbase
 *   (SequencerFeeVault) gets the priority fee as on Ethereum.
 *
 * MegaETH REX (mega-gas.ts): the state-independent storage gas (39,000 per tx, calldata), LOG and code-deposit storage
 * gas, SALT-scaled SSTORE / new-account / contract-creation storage gas (bucket capacities from `opts.saltCapacity` or
 * the backend), 98/100 forwarding, cold first CALLs to the precompiles and the coinbase. Not modelled yet (docs/megaeth.md §3): limits, detention, SELFDESTRUCT disabled,
 * precompile prices. Fee-less transactions run with BASEFEE reading 0 (their gas price is 0
 * and `runTransaction` requires price ≥ base fee).
 */
import { RLP } from '@ethereumjs/rlp';
import { Fork } from '../../../src/evm/forks.ts';
import type { BlockContext } from '../../host/types.ts';
import type { ContractLoader } from '../../loader/types.ts';
import { WasmLoader, ensureCompiler } from '../../loader/wasm.ts';
import { opPrecompiles } from '../../precompiles/op.ts';
import { trieRoot } from '../../state/state-root.ts';
import { type StateBackend, WorldState } from '../../state/world.ts';
import { type Tx, type TxEnv, type TxHooks, type TxResult, runTransaction } from '../../tx/index.ts';
import { forkAt } from '../chain.ts';
import type { ExecuteBlockOptions } from '../execute.ts';
import { BLOOM_BYTES, type Receipt, encodeReceipt, logsBloom } from '../receipts.ts';
import { BEACON_ROOTS, HISTORY_STORAGE, systemCall as runSystemCall } from '../system-calls.ts';
import { type BlockResult, InvalidBlockError, type TxOutcome } from '../types.ts';
import { type DepositReceipt, type DepositTx, encodeDepositReceipt } from './deposit.ts';
import { type L1BlockInfo, l1Cost, operatorFee, readL1BlockInfo } from './l1fee.ts';
import { type BucketCapacityOf, SaltStorageGas, rexHostRules, rexTxHooks } from './mega-gas.ts';
import { RexComputeLimit } from './mega-limits.ts';
import { BASE_FEE_VAULT, L1_BLOCK, L1_FEE_VAULT, MEGA_ORACLE, OPERATOR_FEE_VAULT } from './rules.ts';
import type { OpBlock } from './rpc.ts';

const EMPTY = new Uint8Array(0);

/** What one OP transaction cost beyond gas (for the diagnostic and tests). */
export interface OpTxFees {
  l1Fee: bigint;
  operatorFee: bigint;
  baseFee: bigint;
}

/** {@link BlockResult} of an OP block: receipts may be deposit receipts; fees per transaction. */
export interface OpBlockResult extends BlockResult {
  fees: OpTxFees[];
}

const hexBytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.slice(2), 'hex'));

/** Options of {@link executeOpBlock}. */
/** MegaETH REX needs a loader whose code marks block-environment reads (gas detention). */
export class VolatileEnvLoaderError extends Error {
  override name = 'VolatileEnvLoaderError';
  constructor() {
    super('MegaETH REX: the loader must be created with { volatileEnv: true } (gas detention sees block-environment reads)');
  }
}

export interface OpBlockOptions extends ExecuteBlockOptions {
  /**
   * MegaETH: SALT bucket capacities of the parent state, for the SALT-scaled storage gas. Default: the state
   * backend's `saltBucketCapacity` when it has one (a SALT or witness backend), else every bucket minimal.
   */
  saltCapacity?: BucketCapacityOf;
}

/** A state backend that knows SALT bucket capacities (runtime/salt's backends). */
interface CapacityAware {
  saltBucketCapacity(key: Uint8Array): bigint;
}
const capacityAware = (s: unknown): s is CapacityAware => typeof (s as Partial<CapacityAware>)?.saltBucketCapacity === 'function';

/** Execute an OP block on `state` (see the file note). `opts.chain` must carry `op` rules. */
export async function executeOpBlock(block: OpBlock, state: StateBackend | WorldState, opts: OpBlockOptions): Promise<OpBlockResult> {
  const chain = opts.chain;
  if (!chain?.op) throw new Error('executeOpBlock: the chain has no OP rules');
  const h = block.header;
  const fork = opts.fork ?? forkAt(chain, h.number, h.timestamp);
  const rex = chain.op.megaSpec === 'rex';
  const loader: ContractLoader = opts.loader ?? new WasmLoader({ volatileEnv: rex });
  // Gas detention must see TIMESTAMP & co., which compiled code reads without the host unless built to mark them.
  if (rex && loader.volatileEnv !== true) throw new VolatileEnvLoaderError();
  if (loader.engine !== 'native') await ensureCompiler();
  const world = state instanceof WorldState ? state : new WorldState(state);
  const source = opts.blockHash;
  const env: TxEnv = {
    number: h.number, timestamp: h.timestamp, coinbase: h.coinbase, gasLimit: h.gasLimit, baseFee: h.baseFee ?? 0n,
    prevRandao: h.mixHash, chainId: chain.chainId,
    // OP chains post no blobs: the header's excess is 0 and the blob base fee its minimum.
    blobBaseFee: 1n,
    blockHash: (n) => (n < h.number && n + 256n >= h.number ? (source?.(n) ?? 0n) : 0n),
    // The OP upgrade's precompile set (P256VERIFY at 0x100, input limits), not Ethereum's.
    precompiles: opPrecompiles(chain.op.upgrade),
  };
  // MegaETH REX: the host's rules inside frames (storage gas of LOG, code deposit and SALT-scaled writes, 98/100
  // forwarding), and the transaction's own storage gas.
  const capacity = opts.saltCapacity ?? (capacityAware(state) ? (k: Uint8Array) => state.saltBucketCapacity(k) : undefined);
  const salt = new SaltStorageGas(capacity);
  // MegaETH REX: the compute-gas limit and the volatile reads detention is keyed on, one state per block.
  const limits = rex ? new RexComputeLimit(MEGA_ORACLE, chain.op.megaSystemAddress) : undefined;
  if (rex) env.chainRules = rexHostRules(salt, limits);
  const feeless: TxEnv = { ...env, baseFee: 0n };
  let txIndex = 0;
  // MegaETH REX: storage gas on top of the intrinsic gas of every transaction, the compute-gas bound of each.
  const hooks: TxHooks | undefined = rex ? rexTxHooks(salt, limits, env.coinbase, () => txIndex) : undefined;
  const context: BlockContext = { ...env, blobHashes: [] };
  const t0 = performance.now();

  const systemCall = (to: string, data: Uint8Array): void => runSystemCall(world, fork, context, loader, to, data);
  if (fork >= Fork.Cancun && h.parentBeaconBlockRoot !== undefined) systemCall(BEACON_ROOTS, hexBytes(h.parentBeaconBlockRoot));
  if (fork >= Fork.Prague && h.parentHash !== undefined) systemCall(HISTORY_STORAGE, hexBytes(h.parentHash));
  const systemDiff = world.commit();

  const txs: TxOutcome[] = [];
  const fees: OpTxFees[] = [];
  const encoded: Uint8Array[] = [];
  const bloom = new Uint8Array(BLOOM_BYTES);
  let cumulative = 0n;
  let info: L1BlockInfo | undefined;
  const credit = (to: string, amount: bigint): void => {
    if (amount === 0n) return;
    world.setBalance(to, world.balance(to) + amount);
    world.touch(to);
  };

  for (let i = 0; i < block.items.length; i++) {
    const item = block.items[i];
    txIndex = i;
    const gasLimit = item.kind === 'deposit' ? item.deposit.gasLimit : item.tx.gasLimit;
    if (gasLimit > h.gasLimit - cumulative) throw new InvalidBlockError(i, `gas limit ${gasLimit} above the ${h.gasLimit - cumulative} left in the block`);
    const tx0 = performance.now();
    let result: TxResult;
    let kind: TxOutcome['kind'];
    const fee: OpTxFees = { l1Fee: 0n, operatorFee: 0n, baseFee: 0n };
    let depositNonce: bigint | undefined;
    let deposit: DepositTx | undefined;
    if (item.kind === 'deposit') {
      deposit = item.deposit;
      if (deposit.isSystemTx) throw new InvalidBlockError(i, 'system deposits are invalid from Regolith on');
      depositNonce = world.getAccount(deposit.from)?.nonce ?? 0n;
      kind = deposit.to === undefined ? 'create' : world.code(deposit.to).length === 0 ? 'transfer' : 'call';
      // The mint is outside the transaction's own state changes: it stays when the deposit fails.
      credit(deposit.from, deposit.mint);
      const tx: Tx = {
        type: 0, sender: deposit.from, nonce: depositNonce, gasLimit: deposit.gasLimit, to: deposit.to, value: deposit.value,
        data: deposit.data, gasPrice: 0n, accessList: [], blobVersionedHashes: [], authorizationList: [],
      };
      result = runTransaction(world, tx, feeless, fork, loader, hooks);
      if (result.status === 'rejected') {
        // Included anyway: failed, all gas used, the nonce bumped (the mint is already in).
        world.bumpNonce(deposit.from);
        world.touch(deposit.from);
        result = { gasUsed: deposit.gasLimit, logs: [], status: 'halt', error: `failed deposit: ${result.error}`, returnData: EMPTY };
      }
    } else {
      const tx = item.tx;
      kind = tx.to === undefined ? 'create' : world.code(tx.to).length === 0 ? 'transfer' : 'call';
      if (item.megaSystem) {
        result = runTransaction(world, { ...tx, nonce: world.getAccount(tx.sender)?.nonce ?? 0n, gasPrice: 0n, maxFeePerGas: undefined, maxPriorityFeePerGas: undefined }, feeless, fork, loader, hooks);
      } else {
        // L1Block's parameters as the L1-attributes deposit left them (read once per block, as op-revm caches them).
        info ??= readL1BlockInfo((slot) => world.sload(L1_BLOCK, slot));
        fee.l1Fee = l1Cost(item.raw, info);
        const opCharge = operatorFee(tx.gasLimit, info);
        const upfront = fee.l1Fee + opCharge;
        const balance = world.balance(tx.sender);
        if (balance < upfront) throw new InvalidBlockError(i, `sender cannot pay the L1 fee ${fee.l1Fee} + operator fee ${opCharge}`);
        if (upfront > 0n) world.setBalance(tx.sender, balance - upfront);
        result = runTransaction(world, tx, env, fork, loader, hooks);
        if (result.status !== 'rejected') {
          // The operator fee of the unused gas goes back to the sender.
          fee.operatorFee = opCharge === 0n ? 0n : operatorFee(result.gasUsed, info);
          credit(tx.sender, opCharge - fee.operatorFee);
          fee.baseFee = result.gasUsed * env.baseFee;
          credit(BASE_FEE_VAULT, fee.baseFee);
          credit(L1_FEE_VAULT, fee.l1Fee);
          credit(OPERATOR_FEE_VAULT, fee.operatorFee);
        }
      }
      if (result.status === 'rejected') throw new InvalidBlockError(i, `rejected: ${result.error}`);
    }
    const diff = world.commit();
    cumulative += result.gasUsed;
    const receipt: DepositReceipt = {
      type: item.kind === 'deposit' ? 0x7e : item.tx.type, status: result.status === 'success' ? 1 : 0,
      cumulativeGasUsed: cumulative, logsBloom: logsBloom(result.logs, bloom), logs: result.logs,
    };
    if (deposit) {
      receipt.depositNonce = depositNonce;
      receipt.depositReceiptVersion = deposit.receiptVersion ?? 1n;
    }
    encoded.push(deposit ? encodeDepositReceipt(receipt) : encodeReceipt(receipt as Receipt));
    txs.push({ result, receipt, diff, kind, execMs: performance.now() - tx0 });
    fees.push(fee);
  }
  const finalDiff = world.commit();
  return {
    fork, gasUsed: cumulative, blobGasUsed: 0n, logsBloom: bloom,
    receiptsRoot: trieRoot(encoded.map((e, i) => [RLP.encode(i), e])),
    txs, systemDiff, finalDiff, execMs: performance.now() - t0, compileMs: 0, contracts: { compiled: 0, fromDisk: 0 }, fees,
  };
}
