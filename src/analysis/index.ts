/**
 * @file `analyze(code, fork)`: the ordered pass list, nothing else.
 *
 * decode → split into blocks (gas + stack bounds) → resolve exits (jump fusion) → resolve dynamic jumps
 * (constant return addresses) → reachability; when no jump is left to the dispatch, JUMPDESTs no jump reaches
 * are merged into the block before and the blocks are split again.
 * Total on every byte string: never throws, no cap on code size or JUMPDEST count.
 */
import type { Fork } from '../evm/forks.ts';
import { markReachable, mergeableJumpdests, resolveExits, splitBlocks } from './blocks.ts';
import { decode } from './decode.ts';
import { resolveDynamicJumps } from './jump-targets.ts';
import type { Analysis, Block, BlockIdx, Exit, JumpTargets } from './types.ts';

export type { Analysis, Block, BlockIdx, Decoded, Exit, InstIdx, JumpTargets, Pc } from './types.ts';
export { decode, isJumpdest } from './decode.ts';
export { bodyEnd } from './blocks.ts';

export interface AnalyzeOptions {
  /**
   * One instruction per block (tracing builds): gas and stack are then checked per instruction, so
   * a trace sees exactly the interpreter's gas before every step. No jump fusion happens.
   */
  singleStep?: boolean;
  /**
   * Chain modes with gas detention (MegaETH): block-environment opcodes also set `Ctx.volatile`. Off on Ethereum,
   * whose code stays as it is; loaders key their caches by it.
   */
  volatileEnv?: boolean;
}

/** Analyse runtime bytecode for one fork. */
export function analyze(code: Uint8Array, fork: Fork, opts: AnalyzeOptions = {}): Analysis {
  const decoded = decode(code);
  const single = opts.singleStep ?? false;
  let blocks = splitBlocks(decoded, fork, single);
  let blockAtPc = resolveExits(decoded, fork, blocks);
  // Tracing builds keep every jump dynamic: one instruction per block, as the interpreter steps.
  const resolvedJumps = single ? 0 : resolveDynamicJumps(decoded, fork, blocks, blockAtPc);
  let reach = markReachable(blocks);
  let mergedJumpdests = 0;
  if (!single && !reach.hasDynamicJumps) {
    const merged = mergeableJumpdests(decoded, fork, blocks);
    if (merged.size > 0) {
      // Same instructions, fewer block starts: the resolved targets carry over by the jump's instruction and pcs.
      const byJump = new Map<number, { pcs: number[]; invalid: boolean }>();
      for (const b of blocks) {
        const t = resolvedOf(b);
        if (t) byJump.set(b.end - 1, { pcs: t.blocks.map((x) => blocks[x].startPc), invalid: t.invalid });
      }
      blocks = splitBlocks(decoded, fork, false, merged);
      blockAtPc = resolveExits(decoded, fork, blocks);
      for (const b of blocks) {
        const r = byJump.get(b.end - 1);
        if (r === undefined || (b.exit.kind !== 'dynamicJump' && b.exit.kind !== 'dynamicJumpi')) continue;
        const targets: JumpTargets = { blocks: r.pcs.map((pc) => blockAtPc.get(pc)! as BlockIdx), invalid: r.invalid };
        b.exit = { ...b.exit, targets } as Exit;
      }
      reach = markReachable(blocks);
      mergedJumpdests = merged.size;
    }
  }
  const { hasDynamicJumps, dispatchTargets } = reach;
  const a: Analysis = { fork, decoded, blocks, blockAtPc, hasDynamicJumps, dispatchTargets, resolvedJumps, mergedJumpdests };
  return opts.volatileEnv ? { ...a, volatileEnv: true } : a;
}

function resolvedOf(b: Block): JumpTargets | undefined {
  return b.exit.kind === 'dynamicJump' || b.exit.kind === 'dynamicJumpi' ? b.exit.targets : undefined;
}
