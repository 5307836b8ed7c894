/**
 * @file The synthetic block workloads of `mevmc block gen` (issue #16 item 4), as unsigned transactions plus the
 * pre-state they run on. Everything — keys, addresses, amounts, fees — is derived from the seed by keccak256, so
 * one seed gives one block.
 *
 *   raw        W1  plain transfers, distinct senders to distinct (existing) recipients
 *   raw-chain  W1  one sender's nonce chain to distinct recipients
 *   raw-hot    W1  distinct senders to one hot recipient
 *   erc20      W2  Token.transfer between distinct holders of one token
 *   swap       W3  Pair.swap, each transaction on its own pair with its own two tokens
 *   chain      W4  Counter.increment from distinct senders: every transaction reads and writes one slot
 *   hot10/30   W5  erc20 with 10 % / 30 % of the transfers sent to one hot holder
 *
 * The contracts are the project's own Solidity: Token (corpus/contracts/Token.sol) and Pair, Counter
 * (corpus/contracts/workloads/), read as committed runtime code from corpus/build (built by corpus/build.ts), so
 * generating needs no solc. Their storage is written directly (no constructor runs): layouts are in the sources.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { privateToAddress } from '@ethereumjs/util';
import { PACKAGE_ROOT } from '../../package-root.ts';

export const WORKLOADS = ['raw', 'raw-chain', 'raw-hot', 'erc20', 'swap', 'chain', 'hot10', 'hot30'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Gas one transaction of each workload uses (measured with the oracle), to size a ~30 Mgas block by default. */
export const GAS_PER_TX: Record<Workload, number> = {
  raw: 21_000, 'raw-chain': 21_000, 'raw-hot': 21_000, erc20: 34_308, swap: 73_403, chain: 27_765, hot10: 34_308, hot30: 34_308,
};

/** Block gas the default transaction count aims at (mainnet's 30 M limit, a little room left). */
export const TARGET_GAS = 29_900_000;

/** Transactions of a ~30 Mgas block of `w`. */
export const defaultTxCount = (w: Workload): number => Math.floor(TARGET_GAS / GAS_PER_TX[w]);

/** An account of the generated pre-state. */
export interface GenAccount {
  balance: bigint;
  nonce: bigint;
  code?: string;
  storage: Map<bigint, bigint>;
}

/** A transaction before signing (type 2; fees are set by the block writer). */
export interface GenTx {
  /** Index into {@link GenWorkload.keys}. */
  key: number;
  nonce: bigint;
  to: string;
  value: bigint;
  data: Uint8Array;
  gasLimit: bigint;
}

/** A workload: the signing keys, the pre-state and the transactions in block order. */
export interface GenWorkload {
  keys: Uint8Array[];
  /** The address of each key. */
  addresses: string[];
  pre: Map<string, GenAccount>;
  txs: GenTx[];
}

const enc = new TextEncoder();
const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const big = (b: Uint8Array): bigint => BigInt(hex(b));
const word = (x: bigint): Uint8Array => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ETHER = 10n ** 18n;
const MAX_U256 = (1n << 256n) - 1n;

/** Deterministic values from the seed: keccak256("mevmc-gen/<seed>/<label>/<i>"). */
class Derive {
  constructor(private readonly seed: string) {}
  bytes(label: string, i: number): Uint8Array {
    return keccak_256(enc.encode(`mevmc-gen/${this.seed}/${label}/${i}`));
  }
  /** A number in [0, n). */
  below(label: string, i: number, n: bigint): bigint {
    return big(this.bytes(label, i)) % n;
  }
  address(label: string, i: number): string {
    return hex(this.bytes(label, i).slice(12));
  }
  /** A valid secp256k1 private key. */
  key(label: string, i: number): Uint8Array {
    for (let k = this.bytes(label, i), j = 0; ; k = keccak_256(cat(k, Uint8Array.of(j++)))) {
      const x = big(k);
      if (x > 0n && x < SECP256K1_N) return k;
    }
  }
}

/** Solidity mapping element slot: keccak256(abi.encode(key, slot)). */
export const mappingSlot = (slot: bigint, key: bigint): bigint => big(keccak_256(cat(word(key), word(slot))));

const selector = (sig: string): Uint8Array => keccak_256(enc.encode(sig)).slice(0, 4);
const call = (sig: string, ...args: bigint[]): Uint8Array => cat(selector(sig), ...args.map(word));

function runtimeCode(path: string): string {
  return '0x' + readFileSync(join(PACKAGE_ROOT, 'corpus/build', path), 'utf8').trim();
}

/** Uniswap V2's output for an input (0.3 % fee), as Pair.swap computes it. */
export function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const inWithFee = amountIn * 997n;
  return (inWithFee * reserveOut) / (reserveIn * 1000n + inWithFee);
}

/** Build workload `w` with `n` transactions from `seed`. */
export function buildWorkload(w: Workload, n: number, seed: string): GenWorkload {
  const d = new Derive(seed);
  const keys: Uint8Array[] = [];
  const addresses: string[] = [];
  const pre = new Map<string, GenAccount>();
  const txs: GenTx[] = [];
  const account = (a: string): GenAccount => {
    let acc = pre.get(a);
    if (!acc) pre.set(a, (acc = { balance: 0n, nonce: 0n, storage: new Map() }));
    return acc;
  };
  /** A funded externally owned account; returns its key index and address. */
  const sender = (i: number): [number, string] => {
    const k = d.key('sender', i);
    const addr = hex(privateToAddress(k));
    keys.push(k);
    addresses.push(addr);
    account(addr).balance = 10_000n * ETHER;
    return [keys.length - 1, addr];
  };
  /** An existing account (so a transfer to it creates nothing) that holds 1 ether. */
  const recipient = (label: string, i: number): string => {
    const a = d.address(label, i);
    account(a).balance = ETHER;
    return a;
  };
  const contract = (label: string, i: number, code: string): GenAccount & { address: string } => {
    const address = d.address(label, i);
    const acc = account(address);
    acc.code = code;
    acc.nonce = 1n; // EIP-161: contracts start at nonce 1
    return Object.assign(acc, { address });
  };

  switch (w) {
    case 'raw': case 'raw-chain': case 'raw-hot': {
      const hot = w === 'raw-hot' ? recipient('hot', 0) : undefined;
      const [chainKey] = w === 'raw-chain' ? sender(0) : [0];
      for (let i = 0; i < n; i++) {
        const key = w === 'raw-chain' ? chainKey : sender(i)[0];
        txs.push({ key, nonce: w === 'raw-chain' ? BigInt(i) : 0n, to: hot ?? recipient('to', i), value: 1n + d.below('value', i, ETHER),
          data: new Uint8Array(), gasLimit: 21_000n });
      }
      break;
    }
    case 'erc20': case 'hot10': case 'hot30': {
      // Token.sol: slot 0 balanceOf, slot 2 totalSupply, slot 3 owner.
      const token = contract('token', 0, runtimeCode('Token.bin'));
      const hotShare = w === 'hot10' ? 0.1 : w === 'hot30' ? 0.3 : 0;
      const hot = hotShare ? d.address('hot', 0) : undefined;
      const hotTxs = new Set(pick(d, n, Math.round(n * hotShare)));
      let supply = 0n;
      const give = (holder: string, amount: bigint): void => {
        const slot = mappingSlot(0n, BigInt(holder));
        token.storage.set(slot, (token.storage.get(slot) ?? 0n) + amount);
        supply += amount;
      };
      if (hot) give(hot, ETHER);
      for (let i = 0; i < n; i++) {
        const [key, from] = sender(i);
        give(from, 1_000_000n * ETHER);
        // Recipients already hold tokens: every transfer writes two non-zero slots, as most mainnet transfers do.
        const to = hotTxs.has(i) ? hot! : d.address('holder', i);
        if (to !== hot) give(to, ETHER);
        txs.push({ key, nonce: 0n, to: token.address, value: 0n,
          data: call('transfer(address,uint256)', BigInt(to), 1n + d.below('amount', i, 1000n * ETHER)), gasLimit: 60_000n });
      }
      token.storage.set(2n, supply);
      token.storage.set(3n, BigInt(d.address('owner', 0)));
      break;
    }
    case 'swap': {
      // Pair.sol: slot 0 token0, 1 token1, 2 reserve0, 3 reserve1; Token.sol: slot 0 balanceOf, 1 allowance, 2 totalSupply.
      const tokenCode = runtimeCode('Token.bin');
      const pairCode = runtimeCode('workloads/Pair.bin');
      for (let i = 0; i < n; i++) {
        const [key, trader] = sender(i);
        const pair = contract('pair', i, pairCode);
        const tokens = [contract('token0', i, tokenCode), contract('token1', i, tokenCode)];
        const reserves = [1_000_000n * ETHER, (1n + d.below('price', i, 4n)) * 1_000_000n * ETHER];
        const held = 1_000n * ETHER;
        tokens.forEach((t, j) => {
          t.storage.set(mappingSlot(0n, BigInt(pair.address)), reserves[j]);
          t.storage.set(mappingSlot(0n, BigInt(trader)), held);
          // An unlimited allowance (Token does not decrement it), as routers are usually approved.
          t.storage.set(mappingSlot(mappingSlot(1n, BigInt(trader)), BigInt(pair.address)), MAX_U256);
          t.storage.set(2n, reserves[j] + held);
          pair.storage.set(BigInt(j), BigInt(t.address));
          pair.storage.set(2n + BigInt(j), reserves[j]);
        });
        const zeroForOne = d.below('direction', i, 2n) === 0n;
        const amountIn = ETHER + d.below('amountIn', i, 100n * ETHER);
        const [rIn, rOut] = zeroForOne ? reserves : [reserves[1], reserves[0]];
        // minOut is the exact expected output: a pair computing anything else reverts, which the generator rejects.
        txs.push({ key, nonce: 0n, to: pair.address, value: 0n,
          data: call('swap(bool,uint256,uint256,address)', zeroForOne ? 1n : 0n, amountIn, amountOut(amountIn, rIn, rOut), BigInt(trader)),
          gasLimit: 150_000n });
      }
      break;
    }
    case 'chain': {
      const counter = contract('counter', 0, runtimeCode('workloads/Counter.bin'));
      counter.storage.set(0n, 1n); // non-zero: every increment costs the same
      for (let i = 0; i < n; i++) {
        const [key] = sender(i);
        txs.push({ key, nonce: 0n, to: counter.address, value: 0n, data: call('increment()'), gasLimit: 60_000n });
      }
      break;
    }
  }
  return { keys, addresses, pre, txs };
}

/** `k` distinct indices of [0, n), chosen by the seed (a partial Fisher–Yates shuffle). */
function pick(d: Derive, n: number, k: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Number(d.below('pick', i, BigInt(n - i)));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k);
}
