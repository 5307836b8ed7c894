/**
 * @file `mevmc block gen`: a synthetic workload ({@link buildWorkload}) made into a Cancun block in pevm's fixture
 * layout (`block.json` as `eth_getBlockByNumber(n, true)`, `pre_state.json`, `block_hashes.json`), which
 * `mevmc block` reads like a mainnet fixture.
 *
 * Transactions are type 2 with priority fees, signed with the workload's keys (RFC 6979, no extra entropy: same
 * seed, same bytes), so senders are recoverable. The header's gasUsed, receiptsRoot, logsBloom and stateRoot come
 * from the @ethereumjs/vm oracle (runtime/harness/blocks/oracle.ts), never from mevmc's executor, so running the
 * block on mevmc checks mevmc; the transaction and withdrawal roots and the block hash from @ethereumjs/block.
 * A workload transaction that does not succeed on the oracle is a generator bug: {@link GenerateError}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBlockFromRPC, genTransactionsTrieRoot, genWithdrawalsTrieRoot } from '@ethereumjs/block';
import { Common, Mainnet } from '@ethereumjs/common';
import { createFeeMarket1559Tx, type FeeMarket1559Tx } from '@ethereumjs/tx';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Fork } from '../../../../src/evm/forks.ts';
import type { Prestate } from '../../../state/prestate.ts';
import type { BlockFixture } from '../fixture.ts';
import { runBlockReference } from '../oracle.ts';
import { buildWorkload, defaultTxCount, type GenAccount, type Workload } from './workloads.ts';

/** The generated block is not what the workload meant (a transaction failed on the oracle). */
export class GenerateError extends Error {
  override name = 'GenerateError';
}

/** What {@link generateBlock} is told. */
export interface GenerateOptions {
  workload: Workload;
  /** Transactions (default: a ~30 Mgas block, {@link defaultTxCount}). */
  txs?: number;
  /** Any text; default '1'. */
  seed?: string;
}

/** A generated block: the three fixture files' contents and a summary. */
export interface GeneratedBlock {
  block: Record<string, unknown>;
  preState: Record<string, unknown>;
  blockHashes: Record<string, string>;
  /** Header gasUsed (oracle), transactions. */
  gasUsed: bigint;
  txs: number;
}

// A Cancun block on mainnet's schedule (before Prague's timestamp), so fork rules come from the number and time.
const NUMBER = 20_000_000n;
const TIMESTAMP = 1_720_000_000n;
const BASE_FEE = 7_000_000_000n;
const GWEI = 1_000_000_000n;
const MIN_GAS_LIMIT = 30_000_000n;
const EMPTY_UNCLES = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';

const enc = new TextEncoder();
const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const q = (x: bigint): string => '0x' + x.toString(16);
const word = (x: bigint): string => '0x' + x.toString(16).padStart(64, '0');
const seeded = (seed: string, label: string): string => hex(keccak_256(enc.encode(`mevmc-gen/${seed}/${label}`)));

/** The pre-state as geth's prestate shape (the oracle's input). */
function gethPrestate(pre: Map<string, GenAccount>): Prestate {
  const out: Prestate = {};
  for (const [a, acc] of [...pre].sort(([x], [y]) => (x < y ? -1 : 1))) {
    out[a] = { balance: q(acc.balance), nonce: Number(acc.nonce), ...(acc.code ? { code: acc.code } : {}),
      storage: Object.fromEntries([...acc.storage].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [word(k), word(v)])) };
  }
  return out;
}

/** geth's prestate into pevm's pre_state.json shape (code as {bytecode, original_len}, unpadded). */
function pevmPreState(pre: Prestate): Record<string, unknown> {
  return Object.fromEntries(Object.entries(pre).map(([a, acc]) => {
    const code = acc.code ? String(acc.code) : undefined;
    return [a, {
      basic: { balance: acc.balance, nonce: Number(acc.nonce) },
      code_hash: code ? hex(keccak_256(Buffer.from(code.slice(2), 'hex'))) : null,
      code: code ? { bytecode: code, original_len: (code.length - 2) / 2 } : null,
      storage: acc.storage ?? {},
    }];
  }));
}

/** Generate the block of `opts` (deterministic: same options, same result). Throws {@link GenerateError}. */
export async function generateBlock(opts: GenerateOptions): Promise<GeneratedBlock> {
  const seed = opts.seed ?? '1';
  const n = opts.txs ?? defaultTxCount(opts.workload);
  const w = buildWorkload(opts.workload, n, seed);
  const common = new Common({ chain: Mainnet, hardfork: 'cancun' });

  const signed: FeeMarket1559Tx[] = w.txs.map((t, i) => {
    // Priority fees of 1 to 3 gwei (varied, so the coinbase's income is not a multiple of one price).
    const tip = GWEI + (BigInt(seeded(seed, `tip/${i}`)) % (2n * GWEI));
    return createFeeMarket1559Tx({
      chainId: 1n, nonce: t.nonce, maxPriorityFeePerGas: tip, maxFeePerGas: 2n * BASE_FEE + tip, gasLimit: t.gasLimit,
      to: t.to as `0x${string}`, value: t.value, data: t.data, accessList: [],
    }, { common }).sign(w.keys[t.key], false);
  });

  const coinbase = '0x' + seeded(seed, 'coinbase').slice(26);
  const header: Record<string, unknown> = {
    parentHash: seeded(seed, 'parent'), sha3Uncles: EMPTY_UNCLES, miner: coinbase,
    stateRoot: undefined, transactionsRoot: hex(await genTransactionsTrieRoot(signed)), receiptsRoot: undefined, logsBloom: undefined,
    difficulty: '0x0', number: q(NUMBER),
    // For the oracle run: room for every transaction's limit; the final limit is set from the gas used below.
    gasLimit: q(signed.reduce((s, t) => s + t.gasLimit, MIN_GAS_LIMIT)),
    gasUsed: undefined, timestamp: q(TIMESTAMP), extraData: hex(enc.encode(`mevmc gen ${opts.workload}`)),
    mixHash: seeded(seed, 'prevrandao'), nonce: '0x0000000000000000', baseFeePerGas: q(BASE_FEE),
    withdrawalsRoot: hex(await genWithdrawalsTrieRoot([])), blobGasUsed: '0x0', excessBlobGas: '0x0',
    parentBeaconBlockRoot: seeded(seed, 'beacon'),
  };
  const rpcTxs = signed.map((t, i) => {
    const j = t.toJSON();
    return {
      hash: hex(t.hash()), nonce: j.nonce, blockHash: undefined as string | undefined, blockNumber: q(NUMBER), transactionIndex: q(BigInt(i)),
      // `from` is the key's address (recovering it from the signature again would cost ~3 ms a transaction).
      from: w.addresses[w.txs[i].key], to: j.to, value: j.value,
      gasPrice: q(BASE_FEE + t.maxPriorityFeePerGas), gas: j.gasLimit,
      maxFeePerGas: j.maxFeePerGas, maxPriorityFeePerGas: j.maxPriorityFeePerGas, input: j.data,
      r: j.r, s: j.s, v: j.v, yParity: j.v, chainId: j.chainId, accessList: [], type: '0x2',
    };
  });
  const pre = gethPrestate(w.pre);
  const blockHashes: Record<string, string> = { [String(NUMBER - 1n)]: header.parentHash as string };

  const draft = { ...header, transactions: rpcTxs, uncles: [], withdrawals: [] };
  const fixture: BlockFixture = { name: `gen-${opts.workload}`, block: draft, pre, blockHashes: new Map([[NUMBER - 1n, BigInt(header.parentHash as string)]]) };
  const ref = await runBlockReference(fixture, Fork.Cancun);
  ref.txs.forEach((t, i) => {
    if (t.status !== 'success') throw new GenerateError(`${opts.workload}: transaction ${i} ended ${t.status} on the oracle (a generator bug)`);
  });

  // The smallest limit every transaction fits under (what a block builder needs), at least mainnet's 30 M.
  let [cum, need] = [0n, 0n];
  ref.txs.forEach((t, i) => {
    need = need > cum + signed[i].gasLimit ? need : cum + signed[i].gasLimit;
    cum += t.gasUsed;
  });
  Object.assign(header, {
    stateRoot: ref.stateRoot, receiptsRoot: ref.receiptsRoot, logsBloom: ref.logsBloom, gasUsed: q(ref.gasUsed),
    gasLimit: q(need > MIN_GAS_LIMIT ? need : MIN_GAS_LIMIT),
  });
  const hash = hex(createBlockFromRPC({ ...header, transactions: rpcTxs, uncles: [], withdrawals: [] } as never, [], { common, setHardfork: true } as never).hash());
  for (const t of rpcTxs) t.blockHash = hash;
  const block = { hash, ...header, totalDifficulty: '0x0', uncles: [], transactions: rpcTxs, withdrawals: [] };
  return { block, preState: pevmPreState(pre), blockHashes, gasUsed: ref.gasUsed, txs: n };
}

/** Write a generated block into `dir` (created): block.json, pre_state.json, block_hashes.json. */
export function writeGenerated(dir: string, g: GeneratedBlock): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'block.json'), JSON.stringify(g.block) + '\n');
  writeFileSync(join(dir, 'pre_state.json'), JSON.stringify(g.preState) + '\n');
  writeFileSync(join(dir, 'block_hashes.json'), JSON.stringify(g.blockHashes) + '\n');
}
