/**
 * @file The host's shared vocabulary, kept in a leaf module so that host/ has no import cycle: the block a frame
 * sees, a message, a frame's outcome, and the interface through which a frame starts nested messages.
 */
import type { Status } from '../../src/abi/context.ts';
import type { Fork } from '../../src/evm/forks.ts';
import type { PrecompileTable } from '../precompiles/types.ts';
import type { TraceStep } from './trace.ts';

/** A failure of the implementation (not an EVM outcome): aborts the whole run. */
export class HostFailure extends Error {
  override name = 'HostFailure';
}

/** The block environment a frame sees. */
export interface BlockContext {
  number: bigint;
  timestamp: bigint;
  coinbase: string;
  gasLimit: bigint;
  baseFee: bigint;
  prevRandao: bigint;
  chainId: bigint;
  blobBaseFee: bigint;
  /** Versioned blob hashes of the transaction (BLOBHASH). */
  blobHashes: bigint[];
  /** Block hashes by number (BLOCKHASH); absent numbers in the 256-block window read as zero. */
  blockHash(n: bigint): bigint;
  /** A chain's own rules inside frames (MegaETH's storage gas); absent on Ethereum, whose path stays as it is. */
  chainRules?: HostChainRules;
  /** A chain's own precompile set (the OP stack's per upgrade); absent: Ethereum's for the fork. */
  precompiles?: PrecompileTable;
}

/**
 * Host-side rules of a chain mode. Extra gas is charged from the frame's gas: when it does not fit, the operation
 * halts out of gas (all the frame's gas is gone), and what was charged stays charged when the frame later reverts.
 */
export interface HostChainRules {
  /** Charged at LOGn before the log is recorded (`dataLen` bytes of data). */
  log(topics: number, dataLen: number): bigint;
  /** Charged per byte of code a successful creation deposits, before Ethereum's 200 per byte. */
  codeDepositPerByte: bigint;
  /**
   * CALL*, CREATE*: the caller keeps at least `available / retainDivisor` of the gas left after the operation's own
   * cost (MegaETH's 98/100 rule: 50), on top of EIP-150's 1/64.
   */
  retainDivisor?: bigint;
  /** SSTORE of a non-zero value into a slot whose original and current values are 0: charged before Ethereum's cost. */
  sstoreSet?(address: string, slot: bigint): bigint;
  /** CALL / CALLCODE moving value to an empty account: charged before the call's own cost. */
  newAccount?(address: string): bigint;
  /** CREATE / CREATE2 of `address`: charged before anything else of the opcode, whether or not the creation runs. */
  createContract?(address: string): bigint;
  /**
   * MegaETH REX (mega-evm on revm 27, docs/megaeth.md §3.4): the precompiles and the coinbase are warm only until
   * a CALL-like opcode touches them first. CALL/CALLCODE/DELEGATECALL/STATICCALL inspect the target before revm
   * loads it, which leaves it loaded-but-cold, and revm prices a loaded account from its own flag: that first
   * access pays 2,600, and from then on it is an ordinary account (warm, cooled again by a revert). A BALANCE /
   * EXTCODE* touching it first finds it warm (100) for the rest of the transaction, reverts included.
   */
  coldPreloadedCalls?: boolean;
  /** SELFDESTRUCT halts like an invalid opcode (MegaETH MiniRex…Rex1). */
  selfdestructDisabled?: boolean;
  /** Largest deployed code (Ethereum: EIP-170's 24,576) and init code (EIP-3860's 49,152). */
  maxCodeSize?: number;
  maxInitcodeSize?: number;
  /** A precompile priced or run differently: by the rules of another fork, or at a flat gas cost. */
  precompile?(address: string): { fork?: Fork; gas?: bigint } | undefined;
  /**
   * Gas detention (MegaETH): told of each read of volatile data — a block-environment word ('blockEnv': the
   * compiled code's `Ctx.volatile` mark, BLOCKHASH, BLOBHASH), the coinbase's account ('beneficiary': BALANCE,
   * EXTCODE*, SELFBALANCE in it) or a frame of {@link volatileContract} ('oracle', with the frame's caller). Needs
   * code compiled with `volatileEnv` (the loader's option).
   */
  volatileAccess?(kind: 'blockEnv' | 'beneficiary' | 'oracle', caller?: string): void;
  /** The contract whose frames (CALL/STATICCALL into it) count as oracle reads (MegaETH's Oracle). */
  volatileContract?: string;
  /** Told of each chain charge above (storage gas) once it has been taken from the frame's gas. */
  storageCharged?(gas: bigint): void;
  /**
   * MegaETH's data-size / KV-update / state-growth counters (runtime/block/op/mega-limits.ts): the host adds every
   * SSTORE that changes a slot from its original value, value CALL, CREATE, deposited code and LOG, reverted or not.
   */
  resourceUsage?: { data: number; kv: number; growth: number };
}

/** One message call. */
export interface Message {
  caller: string;
  address: string;
  /** Address whose code runs (differs from `address` for DELEGATECALL/CALLCODE). */
  codeAddress: string;
  origin: string;
  value: bigint;
  gasPrice: bigint;
  calldata: Uint8Array;
  gas: bigint;
  isStatic: boolean;
  depth: number;
}

export interface FrameResult {
  status: Status;
  gasLeft: bigint;
  output: Uint8Array;
  /** Detail for HostError / Unsupported. */
  message?: string;
  /** True when the code never ran (e.g. the value transfer failed): no gas is used. */
  notRun?: boolean;
}

export interface CreateParams {
  caller: string;
  address: string;
  value: bigint;
  initCode: Uint8Array;
  gas: bigint;
  depth: number;
  origin: string;
  gasPrice: bigint;
}

/** What a frame needs to start nested messages (implemented by `Executor`, runtime/host/call.ts). */
export interface MessageRunner {
  run(msg: Message, transfer: boolean): FrameResult;
  createMessage(p: CreateParams): FrameResult & { codeStoreOog?: boolean };
  /** Receives every step when the loader compiles tracing builds. */
  readonly tracer?: (s: TraceStep) => void;
}
