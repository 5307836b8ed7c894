/**
 * @file The library entry point (`import { … } from 'mevmc'`): what an embedder needs to compile EVM code and run
 * it with full Ethereum semantics.
 *
 * - High level: {@link compile} (artifact bytes, as `mevmc compile`), {@link Runtime} (an in-memory chain:
 *   deploy / transact / call, balances and storage, prestate JSON in and out) and the ABI helpers.
 * - Lower layers, for a sequencer that brings its own state: {@link StateBackend} (implement it),
 *   {@link WorldState} (journal with checkpoints, `diff()` and `commit()`), {@link runTransaction} over a
 *   {@link Tx}, and the contract loaders.
 *
 * Nothing here reaches repository-only files (tests, corpus, harness): only the compiler, the runtime core and
 * their dependencies. binaryen is imported lazily, the first time something must be compiled to wasm.
 */
import type { Fork } from '../src/evm/forks.ts';
import { parseForkName } from '../src/evm/forks.ts';
import { RuntimeInputError, toBytes, type BytesLike } from './runtime.ts';

export {
  DEV_ACCOUNT, Runtime, RuntimeInputError, TxRejectedError, toAddress, toBytes, toQuantity,
  type BlockOptions, type BytesLike, type CallParams, type DeployParams, type ExecutionResult, type LogEntry,
  type Quantity, type RuntimeOptions, type TransactParams,
} from './runtime.ts';
export {
  AbiError, PANIC_CODES, canonicalSignature, canonicalType, checksumAddress, constructorInputs, decodeArgs, decodeResult,
  decodeRevert, encodeArgs, encodeCall, formatValue, jsonValue, parseSignature, selectorOf, toAbiValue,
  type Abi, type AbiItem, type AbiParam, type RevertReason, type Signature,
} from './abi.ts';
export {
  MemoryBackend, StateBackendError, WorldState, type Account, type AccountDiff, type Log, type StateBackend, type StateDiff,
} from './state/world.ts';
export { StateFormatError, backendFromPrestate, prestateOf, type Prestate, type PrestateAccount } from './state/prestate.ts';
export { PackedLog, packedTopics, topicWords, topicsHex } from './state/packed-log.ts';
export { stateRoot } from './state/state-root.ts';
export {
  GAS_PER_BLOB, SignatureError, TxDecodeError, creationAddress, decodeTx, floorGas, intrinsicGas, recoverAuthority, recoverSender, runTransaction,
  signingHash, type AccessListEntry, type Authorization, type Tx, type TxEnv, type TxResult, type TxSignature,
} from './tx/index.ts';
export type { BlockContext } from './host/types.ts';
export { HostFailure } from './host/types.ts';
export { CompilerNotLoadedError, type ContractInstance, type ContractLoader, type EngineKind, type LoadedCode } from './loader/types.ts';
export { WasmLoader, compilerLoaded, ensureCompiler, withCompiler, type LoaderOptions } from './loader/wasm.ts';
export { NativeLoader, nativeUnavailableReason, type NativeLoaderOptions } from './loader/native.ts';
export { MixedLoader } from './loader/mixed.ts';
export { Fork, forkName, parseForkName } from '../src/evm/forks.ts';
/**
 * Whole blocks: {@link executeBlock}(block, state, opts) runs system calls, transactions (each committed, its
 * state diff kept), withdrawals and rewards, and returns receipts, logs bloom, receipts root and gas used;
 * {@link blockFromRpc} turns `eth_getBlockByNumber(n, true)` JSON into a block (senders trusted or recovered);
 * {@link recoverSendersOn} recovers a block's senders on a {@link ParallelPool}'s threads and this one.
 */
export {
  BlockFormatError, CHAINS, ChainConfigError, InvalidBlockError, MAINNET, blobParamsAt, blockFromRpc, blockReward,
  chainFromGethConfig, checkFrom, encodeReceipt, executeBlock, forkAt, logsBloom, receiptsRoot, recoverSenders, recoverSendersOn, signatureFromRpc, txFromRpc,
  type BlobParams, type Block, type BlockHeader, type BlockResult, type ChainConfig, type ExecuteBlockOptions, type ParallelTuning, type ForkActivation, type Receipt,
  type RpcBlockOptions, type TxOutcome, type Uncle, type Withdrawal,
} from './block/index.ts';

/**
 * State on SALT (MegaETH's authenticated store): {@link SaltBackend} is a `StateBackend` (durable in a directory, or in
 * memory); `loadGenesis(backend)` inserts a pre-state as one batch, `executeBlock(block, salt)` runs a block on it and
 * `commitBlock()` writes the block's diff as one SALT batch and returns the new state root.
 */
export { type BlockCommit, CodeStore, MissingCodeError, SaltBackend, type SaltBackendOptions } from './salt/backend.ts';
export { EMPTY_STATE_ROOT_HEX } from './salt/index.ts';

/**
 * Stateless validation on SALT: {@link validateBlock} verifies a block's witness against the parent SALT root,
 * executes the block from the witnessed key/values alone and returns the post-state root and header checks;
 * {@link blockWitness} builds that witness for a block executed on a SaltBackend (before `commitBlock`).
 */
export {
  PartialSaltState, WitnessInvalidError, WitnessLacksKeyError, type PartialStateOptions,
} from './salt/stateless.ts';
export { CodeSourceError, StatelessBackend, diffKeys, loadCodeSource, type CodeLookup } from './salt/stateless-backend.ts';
export { WitnessFormatError, blockWitness, validateBlock, type HeaderCheck, type ValidationResult } from './salt/validate.ts';
export { type BackgroundVerification, type BackgroundVerdict, defaultVerifyThread, verifyInBackground } from './salt/verify-async.ts';
export { checkWitnessRoot } from './salt/witness.ts';
export { type CachedTables, type TableSource, loadTableKernel, tableCacheDir } from './salt/table-cache.ts';
export { type KernelKind, SaltNativeKernelError, kernelKind as saltKernelKind, nativeKernelUnavailable as saltNativeKernelUnavailable } from './salt/kernel/index.ts';
export { buildWitness, encodeWitnessFile, witnessKeys, type WitnessMeta } from './salt/witness-build.ts';

/**
 * OP-stack / MegaETH chain mode (docs/megaeth.md): `CHAINS.megaeth` carries `op` rules; {@link opBlockFromRpc} reads
 * an OP block (deposits 0x7e included), {@link executeOpBlock} runs it (deposits, L1 data fee, fee vaults);
 * `validateBlock(…, { chain: CHAINS.megaeth }, { nextWitness, mptWitness })` does both statelessly and, with the next
 * block's witness, {@link compareWithNextWitness} tells where our post-state first differs from the chain's; the `.mpt`
 * witness gives the withdrawalsRoot ({@link withdrawalsRootAfter}); `explainGas` names the one transaction whose gas
 * explains a wrong root ({@link explainGasGap}). MegaETH REX's execution rules are a {@link HostChainRules}
 * ({@link rexHostRules}, with SALT-scaled storage gas from bucket capacities: {@link SaltStorageGas}). An OP chain's
 * precompile set per upgrade (P256VERIFY at 0x100, input limits) is {@link opPrecompiles}, a BlockContext.precompiles.
 */
export { MEGAETH_REX, type OpRules } from './block/op/rules.ts';
export { type DepositReceipt, type DepositTx, depositFromRpc, depositHash, encodeDeposit, encodeDepositReceipt } from './block/op/deposit.ts';
export { type L1BlockInfo, flzCompressLen, l1Cost, operatorFee, readL1BlockInfo } from './block/op/l1fee.ts';
export { type OpBlock, type OpItem, opBlockFromRpc } from './block/op/rpc.ts';
export { type OpBlockOptions, type OpBlockResult, type OpTxFees, VolatileEnvLoaderError, executeOpBlock } from './block/op/execute.ts';
export { type BucketCapacityOf, SaltStorageGas, rexHostRules, rexIntrinsicStorageGas, rexTxHooks } from './block/op/mega-gas.ts';
export {
  ComputeGasLimitError, DataSizeLimitError, KvUpdateLimitError, REX_TX_COMPUTE_GAS_LIMIT, REX_TX_DATA_LIMIT, REX_TX_KV_UPDATE_LIMIT,
  REX_TX_STATE_GROWTH_LIMIT, RexComputeLimit, StateGrowthLimitError, type ResourceLimits, type ResourceUsage, type VolatileKind,
} from './block/op/mega-limits.ts';
export type { HostChainRules } from './host/types.ts';
export {
  GRANITE_BN254_PAIRING_MAX_INPUT, ISTHMUS_BLS_G1_MSM_MAX_INPUT, ISTHMUS_BLS_G2_MSM_MAX_INPUT, ISTHMUS_BLS_PAIRING_MAX_INPUT,
  type OpPrecompileUpgrade, opPrecompiles,
} from './precompiles/op.ts';
export type { Precompile, PrecompileTable } from './precompiles/types.ts';
export { capacityLookup, witnessBucketCapacities } from './salt/capacity.ts';
export { type KeyDivergence, type StateDivergence, compareWithNextWitness } from './salt/diagnose.ts';
export { L2_TO_L1_MESSAGE_PASSER, MptWitnessError, type MptWitness, decodeMptWitness, withdrawalsRootAfter } from './salt/withdrawals.ts';
export { type GasCandidateTx, explainGasGap } from './salt/explain-gas.ts';

/**
 * Parallel blocks: `executeBlock(block, state, { workers: N })` or, across blocks, `{ pool: new ParallelPool(N) }`
 * (close it after); results equal the sequential executor's, `BlockResult.parallel` says what ran where.
 */
export { MIN_DISPATCHED_GAS, ParallelPool, defaultWorkers, type ConflictKind, type LoaderSpec, type ParallelStats } from './parallel/index.ts';

/** Options of {@link compile}. */
export interface CompileOptions {
  /** Fork name (default 'cancun'). */
  fork?: string;
  /** 'wasm' (default): a WebAssembly module; 'c': one self-contained C file; 'so': a shared object built by clang. */
  target?: 'wasm' | 'c' | 'so';
  /** binaryen or clang optimisation level (default 2). */
  optimize?: 0 | 1 | 2 | 3;
}

/**
 * Compile EVM runtime bytecode, as `mevmc compile` does: wasm module bytes, C source text (`target: 'c'`) or the
 * bytes of a shared object implementing runtime/include/mevmc.h (`target: 'so'`, needs clang ≥ 15).
 */
export async function compile(code: BytesLike, opts: CompileOptions & { target: 'c' }): Promise<string>;
export async function compile(code: BytesLike, opts?: CompileOptions & { target?: 'wasm' | 'so' }): Promise<Uint8Array>;
export async function compile(code: BytesLike, opts: CompileOptions = {}): Promise<Uint8Array | string> {
  const bytes = toBytes(code, 'code');
  const fork: Fork | undefined = parseForkName(opts.fork ?? 'cancun');
  if (fork === undefined) throw new RuntimeInputError(`unknown fork ${JSON.stringify(opts.fork)}`);
  const optimize = opts.optimize ?? 2;
  const { analyze } = await import('../src/analysis/index.ts');
  const target = opts.target ?? 'wasm';
  if (target === 'wasm') {
    const { compileToWasm } = await import('../src/backend/wasm/index.ts'); // binaryen: loaded only here
    return compileToWasm(analyze(bytes, fork), { optimize }).binary;
  }
  const { compileToC } = await import('../src/backend/c/index.ts');
  const { source } = compileToC(analyze(bytes, fork));
  if (target === 'c') return source;
  const [{ buildSharedObject }, fs, os, path] = await Promise.all([
    import('../src/backend/c/clang.ts'), import('node:fs'), import('node:os'), import('node:path'),
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mevmc-so-'));
  try {
    const out = path.join(dir, 'contract.so');
    buildSharedObject(source, out, { optimize });
    return new Uint8Array(fs.readFileSync(out));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
