/**
 * @file Running one transaction on the journaled world state with compiled code on every frame, as
 * @ethereumjs/vm 10.1.3 `runTx` does (the state tests' reference):
 *
 * 1. Validation — any failure rejects the transaction and changes nothing: gas limit ≤ block gas limit;
 *    gas limit ≥ intrinsic gas and (Prague) the EIP-7623 floor; from London max fee (or gas price) ≥ base fee;
 *    EIP-3607 sender without code (an EIP-7702 delegation is allowed from Prague); balance ≥ gasLimit·price + value
 *    and ≥ value + gasLimit·maxFee + blobGas·maxFeePerBlobGas; blob txs only from Cancun with
 *    maxFeePerBlobGas ≥ blob base fee; nonce equal to the account's. (Decoding has already rejected malformed ones.)
 * 2. Warm sets (Berlin+): precompiles, sender, `to`, coinbase (Shanghai, EIP-3651), the access list.
 * 3. The sender pays gasLimit·effectiveGasPrice (+ blob gas · blob base fee) and its nonce is bumped.
 * 4. EIP-7702 authorizations (Prague) are applied in order; invalid tuples are skipped; an already existing
 *    authority earns a 12500 refund.
 * 5. Execution at depth 0 via the {@link Executor}: a message call (value moved, `to` touched) or a creation
 *    (`Executor.createMessage` at keccak(rlp([sender, nonce])) — warm even if it fails). A failed top frame keeps
 *    nothing but the gas it burnt.
 * 6. Refund = min(refund counter, gasUsed / 2 before London, / 5 from London, EIP-3529); Prague's floor; the
 *    sender gets back the unused gas; the coinbase gets gasUsed · (gas price before London, priority fee after:
 *    the base fee is burnt) — and is touched even when that is 0.
 * 7. SELFDESTRUCTed accounts are deleted (sorted by address; from Cancun only those created in this
 *    transaction, EIP-6780), then (Spurious Dragon+, EIP-161) every touched account that is empty.
 */
import { STATUS_ERROR, Status } from '../../src/abi/context.ts';
import { Fork } from '../../src/evm/forks.ts';
import { Executor, HostFailure, delegateOf } from '../host/call.ts';
import type { BlockContext, FrameResult, Message } from '../host/types.ts';
import type { ContractLoader } from '../loader/types.ts';
import { precompileAddresses, precompileFor } from '../precompiles/index.ts';
import type { Log, WorldState } from '../state/world.ts';
import { keccak256 } from '../state/keccak.ts';
import type { Tx } from './decode.ts';
import { MAX_INITCODE_SIZE, PER_AUTH_BASE_COST, PER_EMPTY_ACCOUNT_COST, floorGas, intrinsicGas } from './intrinsic.ts';

/** EIP-4844 GAS_PER_BLOB. */
export const GAS_PER_BLOB = 131072n;

/** Blobs one transaction may carry: the fork's block limit (EIP-4844: 6, EIP-7691: 9), from Osaka EIP-7594's 6. */
function maxBlobsPerTx(fork: Fork): number {
  return fork >= Fork.Osaka ? 6 : fork >= Fork.Prague ? 9 : 6;
}

/** EIP-7825 (Osaka): a transaction's gas limit cap. */
const MAX_TX_GAS = 1n << 24n;
const SECP256K1_N_DIV_2 = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const MAX_UINT64 = (1n << 64n) - 1n;
const EMPTY = new Uint8Array(0);

/** Outcome of {@link runTransaction}. */
export interface TxResult {
  /** Gas charged to the sender (after refunds and the floor); 0 when rejected. */
  gasUsed: bigint;
  /** Logs of the transaction (empty unless the top frame succeeded). */
  logs: Log[];
  /** 'rejected': invalid, nothing applied. */
  status: 'success' | 'revert' | 'halt' | 'rejected';
  /** Why it was rejected, or the top frame's error. */
  error?: string;
  /** Address of the created contract (creation transactions that succeeded). */
  createdAddress?: string;
  /** The top frame's output: return data, revert data, or a creation's deployed code (empty when rejected or halted). */
  returnData: Uint8Array;
}

/** Optional hooks of {@link runTransaction} (the parallel executor's, and chain rules such as MegaETH's). */
export interface TxHooks {
  /**
   * Gas a chain adds to Ethereum's intrinsic gas and to the EIP-7623 floor (MegaETH: storage gas for every tx and
   * per calldata byte, SALT-scaled account storage gas; runtime/block/op/mega-gas.ts). `world` is the state before
   * the transaction (read only). Absent on Ethereum.
   */
  intrinsicExtra?: (tx: Tx, world: WorldState) => { initial: bigint; floor: bigint };
  /**
   * Called with the coinbase's fee; returning true means the caller pays it (and touches the coinbase) after
   * the transaction, so an execution that never read the coinbase does not depend on its balance (a lazy update).
   */
  deferFee?: (fee: bigint) => boolean;
  /** Called once the transaction has run with the gas it spent before refunds and the floor (intrinsic included). */
  executed?: (gasSpent: bigint) => void;
}

/** The block a transaction runs in (BlockContext without per-transaction fields). */
export type TxEnv = Omit<BlockContext, 'blobHashes'>;

const PRECOMPILE_SETS = new Map<Fork, ReadonlySet<string>>();
/** The precompiles of `fork` as one set per fork: warm from a transaction's start, not journaled (WorldState.prewarm). */
function precompileSet(fork: Fork): ReadonlySet<string> {
  let s = PRECOMPILE_SETS.get(fork);
  if (!s) PRECOMPILE_SETS.set(fork, (s = new Set(precompileAddresses(fork))));
  return s;
}

const blocks = new WeakMap<TxEnv, BlockContext>();
/** The block context of a transaction: one object per `env` when it has no blobs (frames cache its words by identity). */
function blockOf(env: TxEnv, blobHashes: bigint[]): BlockContext {
  if (blobHashes.length > 0) return { ...env, blobHashes };
  let b = blocks.get(env);
  // An env object may have been changed since (a caller's own object): reuse only while every field is the same.
  const same = b !== undefined && b.number === env.number && b.timestamp === env.timestamp && b.coinbase === env.coinbase &&
    b.gasLimit === env.gasLimit && b.baseFee === env.baseFee && b.prevRandao === env.prevRandao && b.chainId === env.chainId &&
    b.blobBaseFee === env.blobBaseFee && b.blockHash === env.blockHash && b.chainRules === env.chainRules &&
    b.precompiles === env.precompiles;
  if (!same) blocks.set(env, (b = { ...env, blobHashes: [] }));
  return b!;
}

/** CREATE address: keccak256(rlp([sender, nonce]))[12:]. */
export function creationAddress(sender: string, nonce: bigint): string {
  let n: number[];
  if (nonce === 0n) n = [0x80];
  else if (nonce < 0x80n) n = [Number(nonce)];
  else {
    const h = nonce.toString(16);
    const b = Buffer.from(h.length % 2 ? '0' + h : h, 'hex');
    n = [0x80 + b.length, ...b];
  }
  const body = [0x94, ...Buffer.from(sender.slice(2), 'hex'), ...n];
  return '0x' + Buffer.from(keccak256(Uint8Array.from([0xc0 + body.length, ...body])).subarray(12)).toString('hex');
}

interface CreateApi {
  createMessage(p: {
    caller: string; address: string; value: bigint; initCode: Uint8Array; gas: bigint; depth: number; origin: string; gasPrice: bigint;
  }): FrameResult;
}

/**
 * Run `tx` on `world` (a fresh WorldState for this transaction). A rejected transaction returns status
 * 'rejected' and leaves `world` unchanged. Throws `HostFailure` for implementation failures.
 */
export function runTransaction(world: WorldState, tx: Tx, env: TxEnv, fork: Fork, loader: ContractLoader, hooks?: TxHooks): TxResult {
  const reject = (error: string): TxResult => ({ gasUsed: 0n, logs: [], status: 'rejected', error, returnData: EMPTY });
  const london = fork >= Fork.London;
  const is1559 = tx.maxFeePerGas !== undefined;

  // --- 1. validation (no state change) ---------------------------------------------------------
  if (tx.type === 1 && fork < Fork.Berlin) return reject('EIP-2930 transactions are not active');
  if (tx.type === 2 && fork < Fork.London) return reject('EIP-1559 transactions are not active');
  if (tx.type === 3 && fork < Fork.Cancun) return reject('blob transactions are not active');
  if (tx.type === 4 && fork < Fork.Prague) return reject('EIP-7702 transactions are not active');
  if (tx.gasLimit > env.gasLimit) return reject('tx gas limit above the block gas limit');
  if (fork >= Fork.Osaka && tx.gasLimit > MAX_TX_GAS) return reject(`gas limit above the ${MAX_TX_GAS} cap of EIP-7825`);
  if (tx.to === undefined && fork >= Fork.Shanghai && tx.data.length > (env.chainRules?.maxInitcodeSize ?? MAX_INITCODE_SIZE)) return reject('init code size above the EIP-3860 limit');
  const extra = hooks?.intrinsicExtra?.(tx, world);
  const intrinsic = intrinsicGas(tx, fork) + (extra?.initial ?? 0n);
  const floor = floorGas(tx, fork) + (extra?.floor ?? 0n);
  if (tx.gasLimit < (intrinsic > floor ? intrinsic : floor)) return reject('INTRINSIC_GAS_TOO_LOW');
  const baseFee = london ? env.baseFee : 0n;
  const maxFee = is1559 ? tx.maxFeePerGas! : tx.gasPrice!;
  if (london && maxFee < baseFee) return reject('max fee per gas below the base fee');
  const sender = world.getAccount(tx.sender);
  const senderCode = sender?.code ?? EMPTY;
  if (senderCode.length > 0 && !(fork >= Fork.Prague && delegateOf(senderCode) !== undefined)) {
    return reject('sender has code (EIP-3607)');
  }
  const balance = sender?.balance ?? 0n;
  let inclusionFee: bigint;
  let gasPrice: bigint;
  if (is1559) {
    const tip = maxFee - baseFee;
    inclusionFee = tx.maxPriorityFeePerGas! < tip ? tx.maxPriorityFeePerGas! : tip;
    gasPrice = inclusionFee + baseFee;
  } else {
    gasPrice = tx.gasPrice!;
    inclusionFee = gasPrice - baseFee;
  }
  const upfront = tx.gasLimit * gasPrice;
  if (balance < upfront + tx.value) return reject('INSUFFICIENT_ACCOUNT_FUNDS');
  let maxCost = tx.value + (is1559 ? tx.gasLimit * maxFee : 0n);
  let blobGas = 0n;
  if (tx.type === 3) {
    // Decoding from RLP already enforces these; RPC JSON and library callers reach here unchecked.
    const n = tx.blobVersionedHashes.length;
    if (tx.to === undefined) return reject('blob transactions cannot create contracts');
    if (n === 0) return reject('blob transaction without blobs');
    if (n > maxBlobsPerTx(fork)) return reject(`${n} blobs above the ${maxBlobsPerTx(fork)} a transaction may carry`);
    if (tx.blobVersionedHashes.some((h) => h >> 248n !== 1n)) return reject('blob versioned hash without the KZG version byte 0x01');
    blobGas = GAS_PER_BLOB * BigInt(n);
    maxCost += blobGas * tx.maxFeePerBlobGas!;
    if (tx.maxFeePerBlobGas! < env.blobBaseFee) return reject('max fee per blob gas below the blob base fee');
  }
  if (balance < maxCost) return reject('INSUFFICIENT_ACCOUNT_FUNDS');
  if ((sender?.nonce ?? 0n) !== tx.nonce) return reject(`nonce mismatch: account ${sender?.nonce ?? 0n}, tx ${tx.nonce}`);

  // A plain transfer (codeless, non-precompile target; no authorizations or blobs; EIP-161 rules; no chain rules)
  // runs no code: nothing can read a warm set or revert, so warming, checkpoints and the Executor are skipped.
  // Every state change and its order stay as below (the same touches, balances and EIP-161 deletions).
  const plain = tx.to !== undefined && tx.authorizationList.length === 0 && tx.type !== 3 && fork >= Fork.SpuriousDragon &&
    env.chainRules === undefined && world.code(tx.to).length === 0 && precompileFor(env.precompiles, fork, tx.to) === undefined;

  // --- 2. warm sets ------------------------------------------------------------------------------
  if (fork >= Fork.Berlin && !plain) {
    // A chain may leave the precompiles and the coinbase cold for calls (HostChainRules.coldPreloadedCalls).
    const preloaded = env.chainRules?.coldPreloadedCalls !== true;
    // Nothing before this transaction's first checkpoint is reverted: these need no journal entries.
    if (preloaded) world.prewarm(env.precompiles?.addresses ?? precompileSet(fork));
    world.warmFromStart(tx.sender);
    if (tx.to !== undefined) world.warmFromStart(tx.to);
    if (fork >= Fork.Shanghai && preloaded) world.warmFromStart(env.coinbase);
    for (const e of tx.accessList) {
      world.warmFromStart(e.address);
      for (const k of e.storageKeys) world.warmSlot(e.address, k);
    }
  }

  // --- 3. up-front payment and nonce -------------------------------------------------------------
  world.setBalanceAndNonce(tx.sender, balance - (blobGas === 0n ? upfront : upfront + blobGas * env.blobBaseFee), (sender?.nonce ?? 0n) + 1n);

  // --- 4. EIP-7702 authorizations ----------------------------------------------------------------
  let authRefund = 0n;
  for (const auth of tx.authorizationList) {
    if (auth.chainId !== 0n && auth.chainId !== env.chainId) continue;
    if (auth.nonce >= MAX_UINT64) continue;
    if (auth.s > SECP256K1_N_DIV_2 || auth.yParity > 1n || auth.authority === undefined) continue;
    const authority = auth.authority;
    const acc = world.getAccount(authority);
    world.warmAddress(authority);
    if (acc !== undefined && acc.code.length > 0 && delegateOf(acc.code) === undefined) continue;
    if ((acc?.nonce ?? 0n) !== auth.nonce) continue;
    if (acc !== undefined) authRefund += PER_EMPTY_ACCOUNT_COST - PER_AUTH_BASE_COST;
    world.bumpNonce(authority);
    const clear = /^0x0{40}$/.test(auth.address);
    world.setCode(authority, clear ? EMPTY : Uint8Array.from([0xef, 0x01, 0x00, ...Buffer.from(auth.address.slice(2), 'hex')]));
    world.touch(authority);
  }

  // --- 5. execution ------------------------------------------------------------------------------
  const gas = tx.gasLimit - intrinsic;
  let frame: FrameResult;
  let createdAddress: string | undefined;
  if (plain) {
    // As Executor.run on empty code: the target touched, the value moved, a STOP with all the gas left.
    const to = tx.to!;
    world.touch(to);
    if (tx.value > 0n) {
      world.setBalance(tx.sender, world.balance(tx.sender) - tx.value);
      world.setBalance(to, world.balance(to) + tx.value);
    }
    frame = { status: Status.Stop, gasLeft: gas, output: EMPTY };
  } else if (tx.to !== undefined) {
    const block = blockOf(env, tx.blobVersionedHashes);
    const executor = new Executor(world, fork, block, loader);
    const to = tx.to;
    if (fork >= Fork.Prague) {
      const delegate = delegateOf(world.code(to));
      if (delegate !== undefined) world.warmAddress(delegate);
    }
    const cp = world.checkpoint();
    world.touch(to);
    const msg: Message = {
      caller: tx.sender, address: to, codeAddress: to, origin: tx.sender, value: tx.value, gasPrice,
      calldata: tx.data, gas, isStatic: false, depth: 0,
    };
    frame = executor.run(msg, true);
    if (frame.status !== Status.Stop && frame.status !== Status.Return) world.revertTo(cp);
  } else {
    const executor = new Executor(world, fork, blockOf(env, tx.blobVersionedHashes), loader);
    const api = executor as unknown as Partial<CreateApi>;
    if (typeof api.createMessage !== 'function') throw new HostFailure('creation transactions: not yet supported');
    createdAddress = creationAddress(tx.sender, tx.nonce);
    frame = api.createMessage.call(executor, {
      caller: tx.sender, address: createdAddress, value: tx.value, initCode: tx.data, gas, depth: 0, origin: tx.sender, gasPrice,
    });
  }
  if (frame.status === Status.Unsupported) throw new HostFailure(`not yet supported${frame.message ? `: ${frame.message}` : ''}`);
  if (frame.status === Status.HostError || frame.status === Status.MemoryLimit) throw new HostFailure(frame.message ?? 'host error');
  const ok = frame.status === Status.Stop || frame.status === Status.Return;

  // --- 6. refunds and fees -----------------------------------------------------------------------
  let gasUsed = gas - frame.gasLeft + intrinsic;
  hooks?.executed?.(gasUsed);
  let refund = authRefund + (ok ? world.refund : 0n);
  if (refund !== 0n) {
    const cap = gasUsed / (london ? 5n : 2n);
    if (refund > cap) refund = cap;
    gasUsed -= refund;
  }
  if (gasUsed < floor) gasUsed = floor;
  world.setBalance(tx.sender, world.balance(tx.sender) + (tx.gasLimit - gasUsed) * gasPrice);
  world.touch(tx.sender);
  const minerValue = london ? gasUsed * inclusionFee : gasUsed * gasPrice;
  if (hooks?.deferFee?.(minerValue) !== true) {
    // A zero fee under EIP-161 only touches: an account it would create is empty and deleted below, an existing one
    // keeps its fields (a write made a record and two journal entries for nothing: the bench's gas-price-0 transactions).
    if (minerValue !== 0n || fork < Fork.SpuriousDragon) world.setBalance(env.coinbase, world.balance(env.coinbase) + minerValue);
    world.touch(env.coinbase);
  }

  // --- 7. deletions ------------------------------------------------------------------------------
  if (world.destructed.size > 0) {
    for (const a of [...world.destructed.keys()].sort()) {
      if (fork >= Fork.Cancun && !world.created.has(a)) continue;
      world.deleteAccount(a);
      world.touch(a);
    }
  }
  if (fork >= Fork.SpuriousDragon) world.deleteEmptyTouched();
  if (ok) {
    const logs = world.logs; // a getter: with the state cache it checks the log buffer's version
    const r: TxResult = { gasUsed, logs: logs.length ? world.logsToKeep() : [], status: 'success', returnData: frame.output };
    if (createdAddress) r.createdAddress = createdAddress;
    return r;
  }
  return {
    gasUsed, logs: [], status: frame.status === Status.Revert ? 'revert' : 'halt',
    error: frame.message ?? STATUS_ERROR[frame.status] ?? Status[frame.status], returnData: frame.output,
  };
}
