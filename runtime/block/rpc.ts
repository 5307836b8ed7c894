/**
 * @file Blocks from Ethereum JSON-RPC: the object `eth_getBlockByNumber(n, true)` returns (full transaction
 * objects) into a {@link Block}. Senders are either trusted from each transaction's `from` or recovered from its
 * signature ({@link recoverSenders}: one call for a whole list, so it can be timed apart; {@link recoverSendersOn}
 * spreads it over a pool's threads).
 */
import type { Fork } from '../../src/evm/forks.ts';
import type { AccessListEntry, Tx } from '../tx/index.ts';
import { NO_SIGNER, SignatureError, type TxSignature, recoverAuthority, recoverSender, signatureBytes, signingHash } from '../tx/signature.ts';
import type { ParallelPool } from '../parallel/pool.ts';
import { recoverOnPool } from '../parallel/sender-recovery.ts';
import { type ChainConfig, MAINNET, forkAt } from './chain.ts';
import type { Block, Uncle } from './types.ts';

/** Malformed block JSON (the message names the field). */
export class BlockFormatError extends Error {
  override name = 'BlockFormatError';
}

type Json = Record<string, unknown>;

function qty(o: Json, key: string, where: string, optional = false): bigint | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (optional) return undefined;
    throw new BlockFormatError(`${where}.${key}: missing`);
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]*$/.test(v)) throw new BlockFormatError(`${where}.${key}: expected a 0x quantity, got ${JSON.stringify(v)}`);
  return v === '0x' ? 0n : BigInt(v);
}
const need = (o: Json, key: string, where: string): bigint => qty(o, key, where)!;

function address(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new BlockFormatError(`${where}: expected an address, got ${JSON.stringify(v)}`);
  return v.toLowerCase();
}
function hash(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new BlockFormatError(`${where}: expected a 32-byte hash, got ${JSON.stringify(v)}`);
  return v.toLowerCase();
}
function bytes(v: unknown, where: string): Uint8Array {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) throw new BlockFormatError(`${where}: expected 0x hex bytes`);
  return new Uint8Array(Buffer.from(v.slice(2), 'hex'));
}

/** The transaction objects of an RPC block (full objects, not hashes). */
function rpcTxs(json: Json): Json[] {
  const txs = json.transactions ?? [];
  if (!Array.isArray(txs)) throw new BlockFormatError('block.transactions: expected an array');
  return txs.map((t, i) => {
    if (!t || typeof t !== 'object') throw new BlockFormatError(`block.transactions[${i}]: expected a transaction object (eth_getBlockByNumber(n, true))`);
    return t as Json;
  });
}

/**
 * One RPC transaction as a {@link Tx} whose sender is its `from` field (`requireFrom` false: an absent `from` leaves
 * the sender empty, for a caller that recovers it).
 */
export function txFromRpc(t: Json, where = 'tx', requireFrom = true): Tx {
  const type = Number(qty(t, 'type', where, true) ?? 0n);
  if (![0, 1, 2, 3, 4].includes(type)) throw new BlockFormatError(`${where}.type: unknown transaction type ${type}`);
  const accessList: AccessListEntry[] = [];
  if (t.accessList !== undefined && t.accessList !== null) {
    if (!Array.isArray(t.accessList)) throw new BlockFormatError(`${where}.accessList: expected an array`);
    for (const [j, e] of (t.accessList as Json[]).entries()) {
      const keys = e?.storageKeys;
      if (!Array.isArray(keys)) throw new BlockFormatError(`${where}.accessList[${j}].storageKeys: expected an array`);
      accessList.push({ address: address(e.address, `${where}.accessList[${j}].address`), storageKeys: keys.map((k, n) => BigInt(hash(k, `${where}.accessList[${j}].storageKeys[${n}]`))) });
    }
  }
  const tx: Tx = {
    type: type as Tx['type'],
    sender: requireFrom || (t.from !== undefined && t.from !== null) ? address(t.from, `${where}.from`) : '',
    nonce: need(t, 'nonce', where),
    gasLimit: need(t, 'gas', where),
    to: t.to === null || t.to === undefined ? undefined : address(t.to, `${where}.to`),
    value: need(t, 'value', where),
    data: bytes(t.input ?? t.data ?? '0x', `${where}.input`),
    accessList,
    blobVersionedHashes: [],
    authorizationList: [],
  };
  if (type === 0 || type === 1) tx.gasPrice = need(t, 'gasPrice', where);
  else {
    tx.maxFeePerGas = need(t, 'maxFeePerGas', where);
    tx.maxPriorityFeePerGas = need(t, 'maxPriorityFeePerGas', where);
  }
  if (type === 3) {
    tx.maxFeePerBlobGas = need(t, 'maxFeePerBlobGas', where);
    const hs = t.blobVersionedHashes;
    if (!Array.isArray(hs)) throw new BlockFormatError(`${where}.blobVersionedHashes: expected an array`);
    tx.blobVersionedHashes = hs.map((h, j) => BigInt(hash(h, `${where}.blobVersionedHashes[${j}]`)));
  }
  if (type === 4) {
    const list = t.authorizationList;
    if (!Array.isArray(list)) throw new BlockFormatError(`${where}.authorizationList: expected an array`);
    tx.authorizationList = list.map((a, j) => authorization(a, `${where}.authorizationList[${j}]`));
  }
  return tx;
}

const MAX_UINT256 = (1n << 256n) - 1n;

/**
 * One RPC authorization tuple (`{chainId, address, nonce, yParity, r, s}`; geth also writes `v`), its authority
 * recovered from the signature. Values out of range are kept as they are: the transaction rules skip such a tuple
 * (EIP-7702), so the block stays valid; a signature that does not recover leaves the authority undefined.
 */
function authorization(v: unknown, where: string): Tx['authorizationList'][number] {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BlockFormatError(`${where}: expected an authorization object`);
  const a = v as Json;
  const chainId = need(a, 'chainId', where);
  const nonce = need(a, 'nonce', where);
  const yParity = qty(a, 'yParity', where, true) ?? need(a, 'v', where);
  const r = need(a, 'r', where);
  const s = need(a, 's', where);
  const target = address(a.address, `${where}.address`);
  let authority: string | undefined;
  if (chainId <= MAX_UINT256 && nonce < 1n << 64n && yParity <= 1n && r > 0n && r <= MAX_UINT256 && s > 0n && s <= MAX_UINT256) {
    authority = recoverAuthority({ chainId, address: target, nonce, yParity, r, s });
  }
  return { chainId, address: target, nonce, yParity, r, s, authority };
}

/** What {@link blockFromRpc} is told. */
export interface RpcBlockOptions {
  chain?: ChainConfig;
  /**
   * Take each sender from `from` (default); false: recover it from the signature (then `recoverMs` is set; a `from`
   * that differs from the recovered sender is a BlockFormatError, an absent one is fine).
   */
  trustFrom?: boolean;
}

/** Parse an `eth_getBlockByNumber(n, true)` object. */
export function blockFromRpc(json: unknown, opts: RpcBlockOptions = {}): { block: Block; fork: Fork; recoverMs?: number } {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new BlockFormatError('block: expected a JSON-RPC block object');
  const j = json as Json;
  const chain = opts.chain ?? MAINNET;
  const number = need(j, 'number', 'block');
  const timestamp = need(j, 'timestamp', 'block');
  const fork = forkAt(chain, number, timestamp);
  const header: Block['header'] = {
    number, timestamp,
    coinbase: address(j.miner ?? j.coinbase, 'block.miner'),
    gasLimit: need(j, 'gasLimit', 'block'),
    baseFee: qty(j, 'baseFeePerGas', 'block', true),
    difficulty: qty(j, 'difficulty', 'block', true) ?? 0n,
    mixHash: j.mixHash === undefined ? 0n : BigInt(hash(j.mixHash, 'block.mixHash')),
    parentHash: j.parentHash === undefined ? undefined : hash(j.parentHash, 'block.parentHash'),
    parentBeaconBlockRoot: j.parentBeaconBlockRoot === undefined || j.parentBeaconBlockRoot === null ? undefined : hash(j.parentBeaconBlockRoot, 'block.parentBeaconBlockRoot'),
    excessBlobGas: qty(j, 'excessBlobGas', 'block', true),
    blobGasUsed: qty(j, 'blobGasUsed', 'block', true),
    gasUsed: qty(j, 'gasUsed', 'block', true),
  };
  const raw = rpcTxs(j);
  const recover = opts.trustFrom === false;
  const transactions = raw.map((t, i) => txFromRpc(t, `block.transactions[${i}]`, !recover));
  let recoverMs: number | undefined;
  if (recover) {
    const t0 = performance.now();
    const senders = recoverSenders(raw, fork, chain.chainId, transactions);
    recoverMs = performance.now() - t0;
    checkFrom(raw, senders);
    senders.forEach((s, i) => (transactions[i].sender = s));
  }
  const withdrawals = j.withdrawals === undefined || j.withdrawals === null ? undefined : (() => {
    if (!Array.isArray(j.withdrawals)) throw new BlockFormatError('block.withdrawals: expected an array');
    return (j.withdrawals as Json[]).map((w, i) => ({
      index: need(w, 'index', `block.withdrawals[${i}]`), validatorIndex: need(w, 'validatorIndex', `block.withdrawals[${i}]`),
      address: address(w.address, `block.withdrawals[${i}].address`), amount: need(w, 'amount', `block.withdrawals[${i}]`),
    }));
  })();
  const uncles = parseUncles(j.uncleHeaders ?? j.uncles);
  return { block: { header, transactions, withdrawals, ...(uncles ? { uncles } : {}) }, fork, recoverMs };
}

/** Uncle headers when given as objects (RPC blocks list only uncle hashes: then the caller must supply them). */
function parseUncles(v: unknown): Uncle[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return v === undefined ? undefined : [];
  if (typeof v[0] === 'string') return undefined;
  return (v as Json[]).map((u, i) => ({ number: need(u, 'number', `block.uncles[${i}]`), coinbase: address(u.miner ?? u.coinbase, `block.uncles[${i}].miner`) }));
}

/** The signature of an RPC transaction object: v (legacy) or yParity (typed; v where absent), r, s, a typed one's chainId. */
export function signatureFromRpc(t: Json, where = 'tx'): TxSignature {
  const typed = Number(qty(t, 'type', where, true) ?? 0n) !== 0;
  const v = typed ? qty(t, 'yParity', where, true) ?? need(t, 'v', where) : need(t, 'v', where);
  return { v, r: need(t, 'r', where), s: need(t, 's', where), ...(typed ? { chainId: qty(t, 'chainId', where, true) } : {}) };
}

const unrecoverable = (where: string, e: unknown): BlockFormatError =>
  new BlockFormatError(`${where}: sender not recoverable: ${e instanceof Error ? e.message : String(e)}`);
const at = (i: number): string => `block.transactions[${i}]`;

/** The sender of RPC transaction `t` (read as `tx`) from its signature; throws {@link BlockFormatError} at `where`. */
export function recoverSenderFromRpc(t: Json, tx: Tx, where: string, fork: Fork, chainId: bigint): string {
  try {
    return recoverSender(tx, signatureFromRpc(t, where), fork, chainId);
  } catch (e) {
    if (e instanceof SignatureError) throw unrecoverable(where, e);
    throw e;
  }
}

/**
 * Recover the senders of RPC transaction objects from their signatures at `fork` on chain `chainId`
 * (tx/signature.ts: EIP-155 chain id, low s from Homestead, typed transactions from their forks). Throws
 * {@link BlockFormatError} naming the first transaction whose signature does not recover. `from` is not read.
 * `parsed`: the same transactions as {@link txFromRpc} read them (not parsed again).
 */
export function recoverSenders(txs: readonly Json[], fork: Fork, chainId: bigint, parsed?: readonly Tx[]): string[] {
  return txs.map((t, i) => recoverSenderFromRpc(t, parsed?.[i] ?? txFromRpc(t, at(i), false), at(i), fork, chainId));
}

/**
 * {@link recoverSenders} with the recoveries spread over `pool`'s threads and this one (parallel/sender-recovery.ts;
 * no pool, or one of size 1: this thread alone). Same results and errors.
 */
export async function recoverSendersOn(pool: ParallelPool | undefined, txs: readonly Json[], fork: Fork, chainId: bigint, parsed?: readonly Tx[]): Promise<string[]> {
  const jobs = txs.map((t, i) => {
    const sig = signatureFromRpc(t, at(i));
    try {
      const { hash, recid } = signingHash(parsed?.[i] ?? txFromRpc(t, at(i), false), sig, fork, chainId);
      return { hash, recid, rs: signatureBytes(sig.r, sig.s) };
    } catch (e) {
      if (e instanceof SignatureError) throw unrecoverable(at(i), e);
      throw e;
    }
  });
  const senders = await recoverOnPool(pool && pool.size > 1 ? pool : undefined, jobs);
  return senders.map((s, i) => {
    if (s === undefined) throw unrecoverable(at(i), NO_SIGNER);
    return s;
  });
}

/** The error for a `from` that is not the signature's `signer`. */
export const fromMismatch = (where: string, from: string, signer: string): BlockFormatError =>
  new BlockFormatError(`${where}.from: ${from}, but the signature recovers ${signer}`);

/** Throw when an RPC transaction's `from` is given and is not `sender` (the provider's field against the signature). */
export function checkFrom(txs: readonly Json[], senders: readonly string[]): void {
  txs.forEach((t, i) => {
    if (t.from === undefined || t.from === null) return;
    const from = address(t.from, `block.transactions[${i}].from`);
    if (from !== senders[i]) throw fromMismatch(at(i), from, senders[i]);
  });
}
