/**
 * @file The host-import ABI: one declarative list from which the wasm import section (compiler) and
 * the import object (runtime) are both produced, so the two can never disagree.
 *
 * Conventions: pointers are i32 addresses in the frame's linear memory; words are 32 bytes
 * little-endian (see context.ts). A `u64 + overflow` pair passes a 256-bit offset: `overflow` is 1
 * when any bit above 63 is set. Imports returning i32 return a `Status` (0 = continue); they charge
 * their dynamic gas themselves through `Ctx.gas`, so compiled code only charges static block gas.
 */

export type WasmType = 'i32' | 'i64';

export interface HostImport {
  readonly name: string;
  readonly params: readonly WasmType[];
  /** `i32` = a Status the compiled code must check; none = cannot fail. */
  readonly result: 'i32' | null;
  /** What it may touch — documentation and a review aid. */
  readonly touches: 'env' | 'state' | 'memory';
  readonly doc: string;
}

/** Every host import, in a fixed order. Module name: `host`. */
export const HOST_IMPORTS = [
  { name: 'mevmc_calldataload', params: ['i32', 'i64', 'i32'], result: null, touches: 'env', doc: '(r, offset, overflow): word of calldata at offset, zero-padded' },
  { name: 'mevmc_calldatacopy', params: ['i32', 'i64', 'i32', 'i32'], result: null, touches: 'memory', doc: '(dst, offset, overflow, len): copy calldata, zero-padded' },
  { name: 'mevmc_codecopy', params: ['i32', 'i64', 'i32', 'i32'], result: null, touches: 'memory', doc: '(dst, offset, overflow, len): copy own code, zero-padded' },
  { name: 'mevmc_returndatacopy', params: ['i32', 'i64', 'i32', 'i64', 'i32'], result: 'i32', touches: 'memory', doc: '(dst, offset, offOverflow, len, lenOverflow): copy return data; out of bounds → ReturnDataOutOfBounds' },
  { name: 'mevmc_extcodecopy', params: ['i32', 'i32', 'i64', 'i32', 'i32'], result: 'i32', touches: 'state', doc: '(addrWord, dst, offset, overflow, len): access gas then copy code of another account' },
  { name: 'mevmc_balance', params: ['i32'], result: 'i32', touches: 'state', doc: '(r): r holds an address word; replaced by its balance (access gas)' },
  { name: 'mevmc_extcodesize', params: ['i32'], result: 'i32', touches: 'state', doc: '(r): address → code size (access gas)' },
  { name: 'mevmc_extcodehash', params: ['i32'], result: 'i32', touches: 'state', doc: '(r): address → code hash, 0 for empty accounts (access gas)' },
  { name: 'mevmc_selfbalance', params: ['i32'], result: null, touches: 'state', doc: '(r): balance of the executing account' },
  { name: 'mevmc_blockhash', params: ['i32'], result: null, touches: 'env', doc: '(r): block number → hash (0 outside the last 256)' },
  { name: 'mevmc_blobhash', params: ['i32'], result: null, touches: 'env', doc: '(r): index → versioned blob hash of the transaction, 0 if none' },
  { name: 'mevmc_sload', params: ['i32'], result: 'i32', touches: 'state', doc: '(r): key → value (EIP-2929 warm/cold gas)' },
  { name: 'mevmc_sstore', params: ['i32', 'i32'], result: 'i32', touches: 'state', doc: '(key, value): EIP-2200/2929/3529 gas and refunds, sentry, static check' },
  { name: 'mevmc_tload', params: ['i32'], result: null, touches: 'state', doc: '(r): transient key → value (EIP-1153)' },
  { name: 'mevmc_tstore', params: ['i32', 'i32'], result: 'i32', touches: 'state', doc: '(key, value): transient store, static check' },
  { name: 'mevmc_call', params: ['i32', 'i32'], result: 'i32', touches: 'state', doc: '(opcode, args): CALL-family; args = words gas, to, value, inOff, inLen, outOff, outLen; word 0 ← 1/0' },
  { name: 'mevmc_create', params: ['i32', 'i32'], result: 'i32', touches: 'state', doc: '(opcode, args): CREATE/CREATE2; args = words value, offset, length, salt; word 0 ← address or 0' },
  { name: 'mevmc_selfdestruct', params: ['i32'], result: 'i32', touches: 'state', doc: '(beneficiaryWord): SELFDESTRUCT gas, refund, balance move (EIP-6780); the frame then stops' },
  { name: 'mevmc_trace', params: ['i32', 'i32'], result: null, touches: 'env', doc: '(pc, sp): tracing builds only, before every instruction (EIP-3155)' },
  { name: 'mevmc_log', params: ['i32', 'i32', 'i32', 'i32'], result: 'i32', touches: 'state', doc: '(topicCount, topicsPtr, dataAddr, dataLen): emit a log (topics are words at topicsPtr), static check' },
] as const satisfies readonly HostImport[];

export type HostImportName = (typeof HOST_IMPORTS)[number]['name'];

/** Module name of host imports in compiled wasm. */
export const HOST_MODULE = 'host';
/** Module name of the builtins (src/builtins) in compiled wasm. */
export const BUILTINS_MODULE = 'builtins';

/**
 * Environment words the runtime writes once per call at `ENV + 32 * slot`, so that compiled code
 * reads them with plain loads instead of host calls (they cannot change during a frame).
 */
export enum EnvSlot {
  Address = 0,
  Origin,
  Caller,
  CallValue,
  GasPrice,
  Coinbase,
  Timestamp,
  Number,
  PrevRandao,
  GasLimit,
  ChainId,
  BaseFee,
  BlobBaseFee,
  CalldataSize,
  CodeSize,
  ReturndataSize,
}
export const ENV_SLOTS = 16;

/** Opcodes that read an environment word (both backends lower them to a plain load of it). */
/**
 * Block-environment opcodes whose read a chain with gas detention must see (MegaETH: COINBASE, TIMESTAMP, NUMBER,
 * PREVRANDAO, GASLIMIT, BASEFEE, BLOBBASEFEE; BLOCKHASH and BLOBHASH reach the host anyway).
 */
export const VOLATILE_ENV_OPCODES: ReadonlySet<number> = new Set([0x41, 0x42, 0x43, 0x44, 0x45, 0x48, 0x4a]);

export const ENV_OPCODES: Readonly<Partial<Record<number, EnvSlot>>> = {
  0x30: EnvSlot.Address, 0x32: EnvSlot.Origin, 0x33: EnvSlot.Caller, 0x34: EnvSlot.CallValue, 0x3a: EnvSlot.GasPrice,
  0x41: EnvSlot.Coinbase, 0x42: EnvSlot.Timestamp, 0x43: EnvSlot.Number, 0x44: EnvSlot.PrevRandao, 0x45: EnvSlot.GasLimit,
  0x46: EnvSlot.ChainId, 0x48: EnvSlot.BaseFee, 0x4a: EnvSlot.BlobBaseFee, 0x36: EnvSlot.CalldataSize, 0x38: EnvSlot.CodeSize,
  0x3d: EnvSlot.ReturndataSize,
};
