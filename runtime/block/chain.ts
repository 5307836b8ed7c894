/**
 * @file Chain configuration for block execution: the chain id and the fork schedule (by block number up to
 * Paris, by timestamp from Shanghai, as the networks define them), with mainnet's as the default, and the
 * pre-Merge block rewards.
 */
import { Fork, forkName } from '../../src/evm/forks.ts';
import { MEGAETH_REX, type OpRules } from './op/rules.ts';

/** A fork and when it activates: at a block number, or (Shanghai onwards) at a timestamp. */
export interface ForkActivation {
  fork: Fork;
  block?: bigint;
  timestamp?: bigint;
}

/** EIP-4844 blob parameters from a timestamp on (EIP-7892 "blob parameter only" forks change only these). */
export interface BlobParams {
  timestamp: bigint;
  /** Blobs per block. */
  max: number;
  /** BLOB_BASE_FEE_UPDATE_FRACTION. */
  updateFraction: bigint;
}

/** What {@link forkAt} needs to know about a chain. */
export interface ChainConfig {
  chainId: bigint;
  /** Activations in fork order; the last one reached by a block wins. */
  forks: readonly ForkActivation[];
  /** Blob parameters that differ from the forks' own (Cancun 6 / 3338477, Prague 9 / 5007716), by timestamp. */
  blobSchedule?: readonly BlobParams[];
  /** An OP-stack chain (MegaETH included): deposits, L1 fee, fee vaults (runtime/block/op; docs/megaeth.md). */
  op?: OpRules;
}

/** Ethereum mainnet (Paris is pinned to its first block, 15,537,394; the terminal difficulty chose it). */
export const MAINNET: ChainConfig = {
  chainId: 1n,
  forks: [
    { fork: Fork.Frontier, block: 0n },
    { fork: Fork.Homestead, block: 1_150_000n },
    { fork: Fork.Dao, block: 1_920_000n },
    { fork: Fork.TangerineWhistle, block: 2_463_000n },
    { fork: Fork.SpuriousDragon, block: 2_675_000n },
    { fork: Fork.Byzantium, block: 4_370_000n },
    { fork: Fork.Constantinople, block: 7_280_000n },
    { fork: Fork.Petersburg, block: 7_280_000n },
    { fork: Fork.Istanbul, block: 9_069_000n },
    { fork: Fork.MuirGlacier, block: 9_200_000n },
    { fork: Fork.Berlin, block: 12_244_000n },
    { fork: Fork.London, block: 12_965_000n },
    { fork: Fork.ArrowGlacier, block: 13_773_000n },
    { fork: Fork.GrayGlacier, block: 15_050_000n },
    { fork: Fork.Paris, block: 15_537_394n },
    { fork: Fork.Shanghai, timestamp: 1_681_338_455n },
    { fork: Fork.Cancun, timestamp: 1_710_338_135n },
    { fork: Fork.Prague, timestamp: 1_746_612_311n },
    { fork: Fork.Osaka, timestamp: 1_764_798_551n },
  ],
  blobSchedule: [
    { timestamp: 1_765_290_071n, max: 15, updateFraction: 8_346_193n }, // BPO1
    { timestamp: 1_767_747_671n, max: 21, updateFraction: 11_684_671n }, // BPO2
  ],
};

/** Every fork up to London at genesis, as the post-2020 testnets start. */
const GENESIS_TO_LONDON: ForkActivation[] = [
  Fork.Frontier, Fork.Homestead, Fork.TangerineWhistle, Fork.SpuriousDragon, Fork.Byzantium, Fork.Constantinople,
  Fork.Petersburg, Fork.Istanbul, Fork.MuirGlacier, Fork.Berlin, Fork.London,
].map((fork) => ({ fork, block: 0n }));

const testnet = (chainId: bigint, paris: bigint, t: bigint[], bpo: [bigint, number, bigint][]): ChainConfig => ({
  chainId,
  forks: [
    ...GENESIS_TO_LONDON, { fork: Fork.Paris, block: paris },
    ...[Fork.Shanghai, Fork.Cancun, Fork.Prague, Fork.Osaka].map((fork, i) => ({ fork, timestamp: t[i] })),
  ],
  blobSchedule: bpo.map(([timestamp, max, updateFraction]) => ({ timestamp, max, updateFraction })),
});

/** Named chains `--chain` accepts (checked against @ethereumjs/common's definitions in the tests). */
export const CHAINS: Readonly<Record<string, ChainConfig>> = {
  mainnet: MAINNET,
  sepolia: testnet(11_155_111n, 1_450_409n, [1_677_557_088n, 1_706_655_072n, 1_741_159_776n, 1_760_427_360n],
    [[1_761_017_184n, 15, 8_346_193n], [1_761_607_008n, 21, 11_684_671n]]),
  holesky: testnet(17_000n, 0n, [1_696_000_704n, 1_707_305_664n, 1_740_434_112n, 1_759_308_480n],
    [[1_759_800_000n, 15, 8_346_193n], [1_760_389_824n, 21, 11_684_671n]]),
  hoodi: testnet(560_048n, 0n, [0n, 0n, 1_742_999_832n, 1_761_677_592n],
    [[1_762_365_720n, 15, 8_346_193n], [1_762_955_544n, 21, 11_684_671n]]),
  // MegaETH testnet (chain 6342) as the shared blocks 1139–1154 ran: every fork at genesis up to Prague (OP
  // Isthmus), MegaETH spec REX (docs/megaeth.md §1).
  megaeth: {
    chainId: 6_342n,
    forks: [...GENESIS_TO_LONDON, { fork: Fork.Paris, block: 0n }, ...[Fork.Shanghai, Fork.Cancun, Fork.Prague].map((fork) => ({ fork, timestamp: 0n }))],
    op: MEGAETH_REX,
  },
};

/** Blob parameters of a block (undefined before Cancun). */
export function blobParamsAt(chain: ChainConfig, fork: Fork, timestamp: bigint): BlobParams | undefined {
  if (fork < Fork.Cancun) return undefined;
  let p: BlobParams = fork >= Fork.Prague ? { timestamp: 0n, max: 9, updateFraction: 5_007_716n } : { timestamp: 0n, max: 6, updateFraction: 3_338_477n };
  for (const b of chain.blobSchedule ?? []) if (timestamp >= b.timestamp && b.timestamp >= p.timestamp) p = b;
  return p;
}

/** A chain configuration the caller's file does not describe consistently (the message names the field). */
export class ChainConfigError extends Error {
  override name = 'ChainConfigError';
}

/** geth's block-numbered fork fields, in fork order (`eip155Block` is Spurious Dragon's other half: same block). */
const GETH_BLOCK_FIELDS: [string, Fork][] = [
  ['homesteadBlock', Fork.Homestead], ['daoForkBlock', Fork.Dao], ['eip150Block', Fork.TangerineWhistle],
  ['eip158Block', Fork.SpuriousDragon], ['byzantiumBlock', Fork.Byzantium], ['constantinopleBlock', Fork.Constantinople],
  ['petersburgBlock', Fork.Petersburg], ['istanbulBlock', Fork.Istanbul], ['muirGlacierBlock', Fork.MuirGlacier],
  ['berlinBlock', Fork.Berlin], ['londonBlock', Fork.London], ['arrowGlacierBlock', Fork.ArrowGlacier],
  ['grayGlacierBlock', Fork.GrayGlacier], ['mergeNetsplitBlock', Fork.Paris],
];
const GETH_TIME_FIELDS: [string, Fork][] = [
  ['shanghaiTime', Fork.Shanghai], ['cancunTime', Fork.Cancun], ['pragueTime', Fork.Prague], ['osakaTime', Fork.Osaka],
];

/**
 * A chain from geth's chain config (the `config` object of a genesis file, or the genesis file itself):
 * `chainId`, the `…Block` / `…Time` fork fields, `daoForkSupport`, and `blobSchedule` with `bpoNTime`. Paris
 * needs a block: `mergeNetsplitBlock`, or `terminalTotalDifficulty: 0` (merged at genesis). Throws
 * {@link ChainConfigError}.
 */
export function chainFromGethConfig(json: unknown): ChainConfig {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(json)) throw new ChainConfigError('chain config: expected a JSON object');
  const c = isObj(json.config) ? json.config : json;
  const num = (k: string): bigint | undefined => {
    const v = c[k];
    if (v === undefined || v === null) return undefined;
    // Integers beyond 2^53 (a terminal total difficulty) lose precision in JSON.parse; only whether they are 0 counts.
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) return BigInt(v);
    throw new ChainConfigError(`chain config: ${k}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  };
  const chainId = num('chainId');
  if (chainId === undefined) throw new ChainConfigError('chain config: chainId: missing');
  const forks: ForkActivation[] = [{ fork: Fork.Frontier, block: 0n }];
  for (const [k, fork] of GETH_BLOCK_FIELDS) {
    let block = num(k);
    if (fork === Fork.Dao && c.daoForkSupport === false) block = undefined;
    if (fork === Fork.Paris && block === undefined && num('terminalTotalDifficulty') === 0n) block = 0n;
    if (block !== undefined) forks.push({ fork, block });
  }
  if (num('terminalTotalDifficulty') !== undefined && !forks.some((f) => f.fork === Fork.Paris)) {
    throw new ChainConfigError('chain config: terminalTotalDifficulty without mergeNetsplitBlock: give the block Paris activated at as mergeNetsplitBlock');
  }
  const times = new Map<string, bigint>();
  for (const [k, fork] of GETH_TIME_FIELDS) {
    const timestamp = num(k);
    if (timestamp === undefined) continue;
    forks.push({ fork, timestamp });
    times.set(k.replace(/Time$/, ''), timestamp);
  }
  for (const k of Object.keys(c)) {
    const m = /^(bpo\d+)Time$/.exec(k);
    if (m) times.set(m[1], num(k)!);
  }
  for (let i = 1; i < forks.length; i++) {
    const [a, b] = [forks[i - 1], forks[i]];
    if (a.block !== undefined && b.block !== undefined && b.block < a.block) {
      throw new ChainConfigError(`chain config: ${forkName(b.fork)} at block ${b.block} is before ${forkName(a.fork)} at ${a.block}`);
    }
  }
  const blobSchedule: BlobParams[] = [];
  if (c.blobSchedule !== undefined) {
    if (!isObj(c.blobSchedule)) throw new ChainConfigError('chain config: blobSchedule: expected an object');
    for (const [name, v] of Object.entries(c.blobSchedule)) {
      const timestamp = times.get(name);
      if (timestamp === undefined) throw new ChainConfigError(`chain config: blobSchedule.${name}: no ${name}Time in the config`);
      if (!isObj(v) || !Number.isSafeInteger(v.max) || (v.max as number) < 0) throw new ChainConfigError(`chain config: blobSchedule.${name}.max: expected a non-negative integer`);
      const f = v.baseFeeUpdateFraction;
      if (!Number.isSafeInteger(f) || (f as number) <= 0) throw new ChainConfigError(`chain config: blobSchedule.${name}.baseFeeUpdateFraction: expected a positive integer`);
      blobSchedule.push({ timestamp, max: v.max as number, updateFraction: BigInt(f as number) });
    }
  }
  return { chainId, forks, ...(blobSchedule.length ? { blobSchedule: blobSchedule.sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1)) } : {}) };
}

/** The fork of a block: the last activation whose block number or timestamp it has reached. */
export function forkAt(chain: ChainConfig, number: bigint, timestamp: bigint): Fork {
  let fork: Fork | undefined;
  for (const a of chain.forks) {
    const reached = a.block !== undefined ? number >= a.block : a.timestamp !== undefined && timestamp >= a.timestamp;
    if (reached && (fork === undefined || a.fork > fork)) fork = a.fork;
  }
  if (fork === undefined) throw new Error(`chain config: no fork active at block ${number}`);
  return fork;
}

const ETHER = 10n ** 18n;

/** The miner's base reward before the Merge (EIP-649, EIP-1234 lowered it), 0 from Paris. */
export function blockReward(fork: Fork): bigint {
  if (fork >= Fork.Paris) return 0n;
  if (fork >= Fork.Constantinople) return 2n * ETHER;
  if (fork >= Fork.Byzantium) return 3n * ETHER;
  return 5n * ETHER;
}
