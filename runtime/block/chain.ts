/**
 * @file Chain configuration for block execution: the chain id and the fork schedule (by block number up to
 * Paris, by timestamp from Shanghai, as the networks define them), with mainnet's as the default, and the
 * pre-Merge block rewards.
 */
import { Fork } from '../../src/evm/forks.ts';

/** A fork and when it activates: at a block number, or (Shanghai onwards) at a timestamp. */
export interface ForkActivation {
  fork: Fork;
  block?: bigint;
  timestamp?: bigint;
}

/** What {@link forkAt} needs to know about a chain. */
export interface ChainConfig {
  chainId: bigint;
  /** Activations in fork order; the last one reached by a block wins. */
  forks: readonly ForkActivation[];
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
};

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
