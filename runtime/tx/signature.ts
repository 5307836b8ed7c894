/**
 * @file Transaction senders from signatures: the signing payload of each transaction type, hashed, and the signer's
 * address recovered from it (runtime/state/secp256k1.ts). Why not @ethereumjs/tx: building its transaction object
 * and recovering on @noble/curves took ~4.3 ms of CPU per transaction here, 240× a whole plain-transfer block step;
 * this path is ~80 µs, nearly all of it libsecp256k1's recovery.
 *
 * Rules (the ones @ethereumjs/tx applies to a signature; test/tx/signature.test.ts compares both on every type):
 * - legacy: v = 27/28 (recovery id v − 27, six fields signed), or from Spurious Dragon v = 2·chainId + 35/36 with the
 *   chain's id (EIP-155: nine fields, chainId, 0, 0); typed (EIP-2718): yParity 0/1 and a chainId equal to the chain's;
 *   a type only from its fork (1 Berlin, 2 London, 3 Cancun, 4 Prague);
 * - from Homestead s ≤ n/2 (EIP-2); r and s in [1, n); r the x of a curve point.
 * The transaction's other validity rules (intrinsic gas, nonce, init-code size, …) are the executor's.
 */
import { Fork } from '../../src/evm/forks.ts';
import { keccak256 } from '../state/keccak.ts';
import { bytesLength, headerLength, uintLength, writeAddress, writeBytes, writeHeader, writeUint } from '../state/rlp.ts';
import { type Recover, publicKeyAddress, recoverPublicKey } from '../state/secp256k1.ts';
import { word32 } from '../state/state-root.ts';
import type { AccessListEntry, Tx } from './decode.ts';

/** A transaction's signature as a block or the wire carries it. */
export interface TxSignature {
  /** Legacy: v (27/28, or 2·chainId + 35/36 under EIP-155); typed transactions: yParity (0 or 1). */
  v: bigint;
  r: bigint;
  s: bigint;
  /** A typed transaction's chainId field (a legacy one's is in v). */
  chainId?: bigint;
}

/** Why a signature that passed the rules names nobody. */
export const NO_SIGNER = 'no public key recovers from this signature (r or s out of range, or r not on the curve)';

/** A signature that names no sender under the rules above (the message says which). */
export class SignatureError extends Error {
  override name = 'SignatureError';
}

const N_DIV_2 = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const MAX_UINT256 = (1n << 256n) - 1n;
const TYPE_FORK: Record<Tx['type'], Fork> = { 0: Fork.Frontier, 1: Fork.Berlin, 2: Fork.London, 3: Fork.Cancun, 4: Fork.Prague };
const TYPE_FORK_NAME: Record<Tx['type'], string> = { 0: 'Frontier', 1: 'Berlin', 2: 'London', 3: 'Cancun', 4: 'Prague' };

/** An RLP item of a signing payload: an integer, an address, a byte string (words as 32 bytes), or a list. */
type Item = bigint | string | Uint8Array | Item[];

function itemLength(item: Item): number {
  if (typeof item === 'bigint') return uintLength(item);
  if (typeof item === 'string') return 21;
  if (item instanceof Uint8Array) return bytesLength(item);
  let n = 0;
  for (const x of item) n += itemLength(x);
  return headerLength(n) + n;
}

function writeItem(out: Uint8Array, at: number, item: Item): number {
  if (typeof item === 'bigint') return writeUint(out, at, item);
  if (typeof item === 'string') return writeAddress(out, at, item);
  if (item instanceof Uint8Array) return writeBytes(out, at, item);
  let n = 0;
  for (const x of item) n += itemLength(x);
  at = writeHeader(out, at, n, 0xc0);
  for (const x of item) at = writeItem(out, at, x);
  return at;
}

/** keccak256(prefix ‖ rlp(list)) (prefix: the EIP-2718 type byte, or none). */
function hashOf(prefix: number | undefined, list: Item[]): Uint8Array {
  const off = prefix === undefined ? 0 : 1;
  const out = new Uint8Array(off + itemLength(list));
  if (prefix !== undefined) out[0] = prefix;
  writeItem(out, off, list);
  return keccak256(out);
}

const accessItems = (list: readonly AccessListEntry[]): Item[] => list.map((e) => [e.address, e.storageKeys.map(word32)]);

/**
 * The hash a transaction's sender signed and the recovery id, under the rules of `fork` on chain `chainId`.
 * Throws {@link SignatureError} for a signature the rules refuse before recovery.
 */
export function signingHash(tx: Tx, sig: TxSignature, fork: Fork, chainId: bigint): { hash: Uint8Array; recid: number } {
  const { r, s, v } = sig;
  if (r < 0n || r > MAX_UINT256 || s < 0n || s > MAX_UINT256) throw new SignatureError('r or s is not a 256-bit value');
  if (fork >= Fork.Homestead && s > N_DIV_2) throw new SignatureError('s-value greater than secp256k1n/2 (EIP-2)');
  if (fork < TYPE_FORK[tx.type]) throw new SignatureError(`type ${tx.type} transactions are valid from ${TYPE_FORK_NAME[tx.type]}`);
  const to = tx.to ?? new Uint8Array(0);
  if (tx.type === 0) {
    const fields: Item[] = [tx.nonce, tx.gasPrice ?? 0n, tx.gasLimit, to, tx.value, tx.data];
    if (v === 27n || v === 28n) return { hash: hashOf(undefined, fields), recid: Number(v - 27n) };
    if (fork >= Fork.SpuriousDragon && (v === chainId * 2n + 35n || v === chainId * 2n + 36n)) {
      return { hash: hashOf(undefined, [...fields, chainId, 0n, 0n]), recid: Number((v - 35n) & 1n) };
    }
    throw new SignatureError(fork >= Fork.SpuriousDragon
      ? `v = ${v} is neither 27/28 nor 2·${chainId} + 35/36 (EIP-155)`
      : `v = ${v} is not 27/28 (EIP-155 replay protection starts at Spurious Dragon)`);
  }
  if (v !== 0n && v !== 1n) throw new SignatureError(`yParity = ${v} (must be 0 or 1)`);
  const id = sig.chainId ?? chainId;
  if (id !== chainId) throw new SignatureError(`chainId ${id} is not the chain's (${chainId})`);
  const access = accessItems(tx.accessList);
  let fields: Item[];
  if (tx.type === 1) fields = [id, tx.nonce, tx.gasPrice ?? 0n, tx.gasLimit, to, tx.value, tx.data, access];
  else {
    fields = [id, tx.nonce, tx.maxPriorityFeePerGas ?? 0n, tx.maxFeePerGas ?? 0n, tx.gasLimit, to, tx.value, tx.data, access];
    if (tx.type === 3) fields.push(tx.maxFeePerBlobGas ?? 0n, tx.blobVersionedHashes.map(word32));
    if (tx.type === 4) fields.push(tx.authorizationList.map((a) => [a.chainId, a.address, a.nonce, a.yParity, a.r, a.s]));
  }
  return { hash: hashOf(tx.type, fields), recid: Number(v) };
}

/** r ‖ s as 64 big-endian bytes. */
export function signatureBytes(r: bigint, s: bigint): Uint8Array {
  const out = new Uint8Array(64);
  out.set(word32(r));
  out.set(word32(s), 32);
  return out;
}

/** The sender of `tx` signed with `sig` (lowercase `0x` address). Throws {@link SignatureError}. */
export function recoverSender(tx: Tx, sig: TxSignature, fork: Fork, chainId: bigint, recover: Recover = recoverPublicKey): string {
  const { hash, recid } = signingHash(tx, sig, fork, chainId);
  const pub = recover(hash, recid, signatureBytes(sig.r, sig.s));
  if (!pub) throw new SignatureError(NO_SIGNER);
  return publicKeyAddress(pub);
}

/**
 * The authority of an EIP-7702 authorization (keccak256(0x05 ‖ rlp([chainId, address, nonce])) signed), or undefined
 * when it recovers none. The range rules (yParity ≤ 1, low s, nonce < 2^64) are the transaction executor's.
 */
export function recoverAuthority(a: { chainId: bigint; address: string; nonce: bigint; yParity: bigint; r: bigint; s: bigint }, recover: Recover = recoverPublicKey): string | undefined {
  if (a.yParity > 1n || a.r > MAX_UINT256 || a.s > MAX_UINT256) return undefined;
  const pub = recover(hashOf(0x05, [a.chainId, a.address, a.nonce]), Number(a.yParity), signatureBytes(a.r, a.s));
  return pub ? publicKeyAddress(pub) : undefined;
}
