/**
 * @file Types of the backend-neutral analysis: decoded instructions and basic blocks.
 *
 * Indices are branded so a pc is never used as an instruction index or a block index. Everything
 * here is plain data: both backends (wasm now, C later), the disassembler and tests read it.
 */
import type { Fork } from '../evm/forks.ts';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };
/** A byte offset in the code. */
export type Pc = Brand<number, 'Pc'>;
/** An index into `Decoded.ops`. */
export type InstIdx = Brand<number, 'InstIdx'>;
/** An index into `Analysis.blocks`. */
export type BlockIdx = Brand<number, 'BlockIdx'>;

/** The code split into instructions. Per-instruction data in parallel typed arrays. */
export interface Decoded {
  readonly code: Uint8Array;
  /** Opcode byte of each instruction. */
  readonly ops: Uint8Array;
  /** Pc of each instruction. */
  readonly pcs: Uint32Array;
  /** PUSHn immediate value (zero-padded on the right when truncated by the end of code), by InstIdx. */
  readonly pushValues: Map<InstIdx, bigint>;
  /** Bitset over pcs: 1 where a JUMPDEST opcode is (not inside PUSH data). */
  readonly jumpdests: Uint8Array;
}

/** How control leaves a block. */
export type Exit =
  /** Falls into the next block (next instruction is a JUMPDEST, or the block was split after GAS/SSTORE/CALL*). */
  | { readonly kind: 'fallthrough'; readonly to: BlockIdx }
  /** PUSH+JUMP fused to a valid JUMPDEST. */
  | { readonly kind: 'jump'; readonly to: BlockIdx }
  /** PUSH+JUMPI fused: taken → `to`, not taken → `next`. */
  | { readonly kind: 'jumpi'; readonly to: BlockIdx; readonly next: BlockIdx }
  /** JUMP to a target known only at run time: to `targets` when resolved, else through the dispatch. */
  | { readonly kind: 'dynamicJump'; readonly targets?: JumpTargets }
  /** JUMPI with a run-time target: taken → `targets` or the dispatch, not taken → `next`. */
  | { readonly kind: 'dynamicJumpi'; readonly next: BlockIdx; readonly targets?: JumpTargets }
  /** PUSH+JUMP to a pc that is not a JUMPDEST: halts with InvalidJump after the block's gas is charged. */
  | { readonly kind: 'badJump' }
  /** PUSH+JUMPI to a non-JUMPDEST: halts with InvalidJump if taken. */
  | { readonly kind: 'badJumpi'; readonly next: BlockIdx }
  /** The last instruction ends execution (STOP, RETURN, REVERT, INVALID, undefined opcode, SELFDESTRUCT). */
  | { readonly kind: 'terminate' }
  /** The code ends without a terminator: an implicit STOP. */
  | { readonly kind: 'codeEnd' };

/**
 * Every value a dynamic jump's target can take, proven at compile time (analysis/jump-targets.ts): the
 * jump goes to one of `blocks` or, when `invalid`, may hit a non-JUMPDEST and halt with InvalidJump.
 */
export interface JumpTargets {
  /** Destination blocks, by ascending pc. */
  readonly blocks: readonly BlockIdx[];
  readonly invalid: boolean;
}

/** A basic block: a straight run of instructions checked for gas and stack once, on entry. */
export interface Block {
  readonly index: BlockIdx;
  /** First instruction. */
  readonly start: InstIdx;
  /** One past the last instruction (includes a fused PUSH+JUMP(I) pair). */
  readonly end: InstIdx;
  readonly startPc: Pc;
  /** Sum of the static gas of all instructions of the block. */
  readonly gas: number;
  /** Stack items that must exist on entry. */
  readonly stackReq: number;
  /** Maximum stack growth above the entry height at any point inside the block. */
  readonly stackMaxGrowth: number;
  /** Net stack change. */
  readonly stackDelta: number;
  /** True if the last two instructions are a PUSH folded into the exit jump (the backend emits neither). */
  readonly fused: boolean;
  /** True when the block starts with a JUMPDEST (a dynamic-jump target). */
  readonly isJumpdest: boolean;
  exit: Exit;
  /** Reachable from the entry (blocks that are not are dropped by the backends). */
  reachable: boolean;
}

/** Result of `analyze`. */
export interface Analysis {
  readonly fork: Fork;
  readonly decoded: Decoded;
  readonly blocks: Block[];
  /** Reachable JUMPDEST blocks, i.e. the targets of the one dynamic-jump dispatch. */
  readonly dispatchTargets: BlockIdx[];
  /** True if any reachable block jumps to a target not resolved at compile time (through the dispatch). */
  readonly hasDynamicJumps: boolean;
  /** Dynamic jumps resolved to a set of targets (`Exit.targets`), reachable or not. */
  readonly resolvedJumps: number;
  /** JUMPDESTs merged into the block before them: no jump can reach them (so they start no block). */
  readonly mergedJumpdests: number;
  /** Block of each JUMPDEST pc. */
  readonly blockAtPc: Map<number, BlockIdx>;
  /** Compiled code marks block-environment reads in `Ctx.volatile` (AnalyzeOptions.volatileEnv). */
  readonly volatileEnv?: boolean;
}
