/**
 * @file `analyze(code, fork)`: the ordered pass list, nothing else.
 *
 * decode → split into blocks (gas + stack bounds) → resolve exits (jump fusion) → reachability.
 * Total on every byte string: never throws, no cap on code size or JUMPDEST count.
 */
import type { Fork } from '../evm/forks.ts';
import { markReachable, resolveExits, splitBlocks } from './blocks.ts';
import { decode } from './decode.ts';
import type { Analysis } from './types.ts';

export type { Analysis, Block, BlockIdx, Decoded, Exit, InstIdx, Pc } from './types.ts';
export { decode, isJumpdest } from './decode.ts';
export { bodyEnd } from './blocks.ts';

export interface AnalyzeOptions {
  /**
   * One instruction per block (tracing builds): gas and stack are then checked per instruction, so
   * a trace sees exactly the interpreter's gas before every step. No jump fusion happens.
   */
  singleStep?: boolean;
}

/** Analyse runtime bytecode for one fork. */
export function analyze(code: Uint8Array, fork: Fork, opts: AnalyzeOptions = {}): Analysis {
  const decoded = decode(code);
  const blocks = splitBlocks(decoded, fork, opts.singleStep ?? false);
  const blockAtPc = resolveExits(decoded, fork, blocks);
  const { hasDynamicJumps, dispatchTargets } = markReachable(blocks);
  return { fork, decoded, blocks, blockAtPc, hasDynamicJumps, dispatchTargets };
}
