/**
 * @file OP deposit transactions (type 0x7e) and deposit receipts (OP specs `protocol/deposits.md`).
 *
 * A deposit has no signature, no nonce field and no fee fields; its hash is keccak256 of
 * `0x7e ‖ rlp([sourceHash, from, to, mint, value, gas, isSystemTx, data])`. Its receipt carries two more fields
 * than an Ethereum receipt: `depositNonce` (the sender's nonce before the tx, Regolith) and
 * `depositReceiptVersion` (1, Canyon), appended to the RLP list in that order when present.
 */
import { RLP } from '@ethereumjs/rlp';
import { keccak256 } from '../../state/keccak.ts';
import { topicWords } from '../../state/packed-log.ts';
import { bigintToMinimalBytes } from '../../state/state-root.ts';
import type { Receipt } from '../receipts.ts';

/** The deposit envelope type. */
export const DEPOSIT_TX_TYPE = 0x7e;

/** A deposit transaction as the block carries it. Addresses lowercase 0x + 40 hex. */
export interface DepositTx {
  sourceHash: Uint8Array;
  from: string;
  /** undefined: a contract creation. */
  to: string | undefined;
  mint: bigint;
  value: bigint;
  gasLimit: bigint;
  isSystemTx: boolean;
  data: Uint8Array;
  /** RPC `depositReceiptVersion` (1 from Canyon), if given. */
  receiptVersion?: bigint;
}

/** A deposit the block JSON does not describe correctly (the message names the field). */
export class DepositFormatError extends Error {
  override name = 'DepositFormatError';
}

type Json = Record<string, unknown>;

function quantity(o: Json, k: string, where: string, dflt?: bigint): bigint {
  const v = o[k];
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw new DepositFormatError(`${where}.${k}: missing`);
  }
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]*$/.test(v)) throw new DepositFormatError(`${where}.${k}: expected a 0x quantity`);
  return v === '0x' ? 0n : BigInt(v);
}
function addr(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new DepositFormatError(`${where}: expected an address`);
  return v.toLowerCase();
}
function hexBytes(v: unknown, where: string): Uint8Array {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) throw new DepositFormatError(`${where}: expected 0x hex bytes`);
  return new Uint8Array(Buffer.from(v.slice(2), 'hex'));
}

/** One RPC transaction object of type 0x7e. */
export function depositFromRpc(t: Json, where = 'tx'): DepositTx {
  const sourceHash = hexBytes(t.sourceHash, `${where}.sourceHash`);
  if (sourceHash.length !== 32) throw new DepositFormatError(`${where}.sourceHash: expected 32 bytes`);
  const sys = t.isSystemTx;
  if (sys !== undefined && sys !== null && typeof sys !== 'boolean') throw new DepositFormatError(`${where}.isSystemTx: expected a boolean`);
  return {
    sourceHash,
    from: addr(t.from, `${where}.from`),
    to: t.to === undefined || t.to === null ? undefined : addr(t.to, `${where}.to`),
    mint: quantity(t, 'mint', where, 0n),
    value: quantity(t, 'value', where),
    gasLimit: quantity(t, 'gas', where),
    isSystemTx: sys === true,
    data: hexBytes(t.input ?? t.data ?? '0x', `${where}.input`),
    receiptVersion: t.depositReceiptVersion === undefined || t.depositReceiptVersion === null ? undefined : quantity(t, 'depositReceiptVersion', where),
  };
}

/** The EIP-2718 encoding of a deposit (what the transactions trie stores and its hash covers). */
export function encodeDeposit(d: DepositTx): Uint8Array {
  const a = (s: string | undefined): Uint8Array => (s === undefined ? new Uint8Array(0) : Buffer.from(s.slice(2), 'hex'));
  const body = RLP.encode([
    d.sourceHash, a(d.from), a(d.to), bigintToMinimalBytes(d.mint), bigintToMinimalBytes(d.value),
    bigintToMinimalBytes(d.gasLimit), d.isSystemTx ? Uint8Array.of(1) : new Uint8Array(0), d.data,
  ]);
  const out = new Uint8Array(body.length + 1);
  out[0] = DEPOSIT_TX_TYPE;
  out.set(body, 1);
  return out;
}

/** keccak256 of {@link encodeDeposit}. */
export function depositHash(d: DepositTx): Uint8Array {
  return keccak256(encodeDeposit(d));
}

/** A deposit's receipt: an Ethereum receipt plus the deposit fields. */
export interface DepositReceipt extends Receipt {
  depositNonce?: bigint;
  depositReceiptVersion?: bigint;
}

/** Consensus encoding of a deposit receipt: `0x7e ‖ rlp([status, cumulativeGas, bloom, logs, depositNonce?, version?])`. */
export function encodeDepositReceipt(r: DepositReceipt): Uint8Array {
  if (r.status === undefined) throw new Error('deposit receipt: no status');
  const logs = r.logs.map((l) => [Buffer.from(l.address.slice(2), 'hex'), topicWords(l), l.data]);
  const fields: (Uint8Array | unknown[])[] = [r.status === 1 ? Uint8Array.of(1) : new Uint8Array(0), bigintToMinimalBytes(r.cumulativeGasUsed), r.logsBloom, logs];
  // The version field only exists after the nonce (Canyon adds it to Regolith's nonce).
  if (r.depositNonce !== undefined) {
    fields.push(bigintToMinimalBytes(r.depositNonce));
    if (r.depositReceiptVersion !== undefined) fields.push(bigintToMinimalBytes(r.depositReceiptVersion));
  }
  const body = RLP.encode(fields as never);
  const out = new Uint8Array(body.length + 1);
  out[0] = DEPOSIT_TX_TYPE;
  out.set(body, 1);
  return out;
}
