/**
 * @file The linear-memory layout and status codes shared by compiled contracts, the C builtins
 * (src/builtins/*.c) and the runtime. This file is the single owner of every offset: the builtins'
 * header `src/builtins/mevmc_abi.h` repeats them and a test checks both agree.
 *
 * Layout of one execution frame's memory (all addresses are byte offsets, little-endian):
 *
 *   [0, BUILTIN_STACK_END)             shadow stack of the clang-compiled builtins (--stack-first)
 *   [BUILTIN_STACK_END, CTX)           static data of the builtins (keccak round constants …)
 *   [CTX, CTX + CTX_SIZE)              ExecutionContext (see `Ctx` below)
 *   [SCRATCH, SCRATCH + SCRATCH_SIZE)  operand slots for builtin and host calls (8 words)
 *   [ENV, ENV + 512)                   environment words (address, caller, block fields …)
 *   [STACK_BASE, STACK_END)            EVM stack, 1024 words of 32 bytes, growing upwards
 *   [CALLDATA_BASE, EVM_MEMORY_BASE)   the frame's calldata and 32 zero bytes when it fits (the host copies it)
 *   [EVM_MEMORY_BASE, …)               EVM memory, grown by `mevmc_expand`
 *
 * A 256-bit word is stored as 32 bytes little-endian (limb 0 = least significant u64), so a
 * word is four consecutive i64 loads — the natural shape for wasm and for C's `_BitInt(256)`.
 */

/** Top of the builtins' shadow stack (clang `-z stack-size`). */
export const BUILTIN_STACK_END = 16384;
/** The execution context struct. */
export const CTX = 20480;
/** Size reserved for the context struct. */
export const CTX_SIZE = 256;
/** Scratch words used to pass operands to builtins and host imports. */
export const SCRATCH = CTX + CTX_SIZE;
/** Scratch size: 8 words. */
export const SCRATCH_SIZE = 8 * 32;
/** Environment words written by the runtime once per call (see `EnvSlot` in host.ts): 16 words. */
export const ENV = SCRATCH + SCRATCH_SIZE;
/** Bottom of the EVM stack. */
export const STACK_BASE = 24576;
/** The EVM stack limit (items). */
export const STACK_LIMIT = 1024;
/** One past the top of the EVM stack area. */
export const STACK_END = STACK_BASE + STACK_LIMIT * 32;
/**
 * A copy of the frame's calldata when it has at most CALLDATA_MAX bytes, followed by 32 zero bytes (the host writes
 * them before `run`, else nothing): wasm code reads CALLDATALOAD words (a word past the end from the zeros) and
 * copies CALLDATACOPY ranges inside the calldata from here instead of calling the host. Bytes past those 32 are
 * stale (an earlier frame's).
 */
export const CALLDATA_BASE = STACK_END;
/**
 * Address of EVM memory byte 0. Two pages: room for 72 KiB of calldata below it (burntpix's inner calls take 12 KiB,
 * which at 8 KiB cost a JS host call per CALLDATALOAD/CALLDATACOPY).
 */
export const EVM_MEMORY_BASE = 131072;
/** Longest calldata copied to CALLDATA_BASE (its 32 zero bytes after it end at EVM_MEMORY_BASE). */
export const CALLDATA_MAX = EVM_MEMORY_BASE - CALLDATA_BASE - 32;
/**
 * Largest EVM memory mevmc will allocate (bytes). An access beyond it halts with out-of-gas when
 * the gas could not pay for this much memory anyway (exact EVM behaviour, since memory cost is
 * monotonic), and otherwise fails with `Status.MemoryLimit`, a clear resource error rather than a
 * wrong answer. 1 GiB costs about 2.1e12 gas, far above any block gas limit.
 */
export const MAX_EVM_MEMORY = 1 << 30;

/** Field offsets of the ExecutionContext, relative to `CTX`. */
export const Ctx = {
  /** u64: gas left. Compiled code charges block gas here; builtins and host charge dynamic gas. */
  gas: 0,
  /** u64: size of EVM memory in 32-byte words (msize / 32). */
  memWords: 8,
  /** u32: offset of the output (RETURN/REVERT) in EVM memory. */
  retOffset: 16,
  /** u32: length of the output. */
  retLength: 20,
  /** u32: calldata size in bytes (CALLDATASIZE). */
  calldataSize: 24,
  /** u32: return-data size in bytes (RETURNDATASIZE). */
  returndataSize: 28,
  /** u32: code size in bytes (CODESIZE). */
  codeSize: 32,
  /** u32: wasm pages currently committed to EVM memory bookkeeping (set by the builtins). */
  pages: 36,
  /** u32: state-cache address record of the executing account (runtime/state/state-cache.ts); 0 = cache off. */
  stateAddr: 40,
  /** u32: frame flags (`CtxFlag`). */
  flags: 44,
  /** u32: the fork (enum Fork), for the storage gas computed in linear memory. */
  fork: 48,
  /**
   * u32: set to 1 by code compiled with `volatileEnv` when it reads a block-environment word (COINBASE, TIMESTAMP,
   * NUMBER, PREVRANDAO, GASLIMIT, BASEFEE, BLOBBASEFEE), so a chain with gas detention (MegaETH) learns of the read.
   */
  volatile: 52,
  /**
   * u32: a serial number the runtime writes per frame. The KECCAK256 memo (src/builtins/keccak.c) reuses only
   * entries of the same serial, so a call never runs faster because an earlier call hashed the same words
   * (a benchmark repeating one call would otherwise measure a warm memo no real block sees).
   */
  memoEpoch: 56,
} as const;

/** Bits of `Ctx.flags`. */
export const CtxFlag = {
  /** A static frame (STATICCALL): state changes fail. */
  static: 1,
} as const;

/**
 * Outcome of running compiled code. `Stop`, `Return` and `Revert` are normal endings; every other
 * value is an exceptional halt that consumes all gas (except `MemoryLimit`, a mevmc resource error).
 */
export enum Status {
  Stop = 0,
  Return = 1,
  Revert = 2,
  OutOfGas = 3,
  StackUnderflow = 4,
  StackOverflow = 5,
  InvalidJump = 6,
  InvalidOpcode = 7,
  StaticViolation = 8,
  ReturnDataOutOfBounds = 9,
  /** Memory beyond MAX_EVM_MEMORY with enough gas to pay for it: a limit of this implementation. */
  MemoryLimit = 10,
  /** CALL*, CREATE*, SELFDESTRUCT before the runtime supports nested frames. */
  Unsupported = 11,
  /** The host failed (a bug, or a state backend error); the message is kept by the runtime. */
  HostError = 12,
}

/** True for the statuses that end a call normally (gas left is kept). */
export function isNormalStatus(s: Status): boolean {
  return s === Status.Stop || s === Status.Return || s === Status.Revert;
}

/** The error string reported for each exceptional status (mirrors @ethereumjs/evm's wording). */
export const STATUS_ERROR: Record<Status, string | null> = {
  [Status.Stop]: null,
  [Status.Return]: null,
  [Status.Revert]: 'revert',
  [Status.OutOfGas]: 'out of gas',
  [Status.StackUnderflow]: 'stack underflow',
  [Status.StackOverflow]: 'stack overflow',
  [Status.InvalidJump]: 'invalid JUMP',
  [Status.InvalidOpcode]: 'invalid opcode',
  [Status.StaticViolation]: 'static state change',
  [Status.ReturnDataOutOfBounds]: 'return data out of bounds',
  [Status.MemoryLimit]: 'memory limit exceeded (mevmc allocates at most 1 GiB of EVM memory)',
  [Status.Unsupported]: 'not yet supported',
  [Status.HostError]: 'host error',
};
