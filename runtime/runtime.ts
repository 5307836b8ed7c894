/**
 * @file `Runtime`: an in-memory chain state with a compiled-code cache, for a sequencer or a test harness.
 * Transactions are built as plain {@link Tx} objects (sender given, no signature) and run by
 * {@link runTransaction} on one long-lived {@link WorldState}, committed into the {@link StateBackend} after each
 * one; `call` (eth_call) runs on a throw-away WorldState over the same backend, so nothing is committed.
 *
 * Conventions: addresses and data in as `0x` hex strings or Uint8Array, quantities as bigint (or hex/decimal
 * strings, safe integers); results out as lowercase `0x` hex and bigint. Fees follow the fork: the default base
 * fee is 0 and the default gas price is the base fee, so a test harness needs no ETH. A transaction the chain
 * would refuse (nonce, funds, intrinsic gas, …) throws {@link TxRejectedError} and changes nothing.
 */
import { Fork, parseForkName } from '../src/evm/forks.ts';
import { blobBaseFee } from '../src/evm/gas.ts';
import { type Abi, type RevertReason, decodeRevert } from './abi.ts';
import type { BlockContext } from './host/types.ts';
import { NativeLoader } from './loader/native.ts';
import { CompilerNotLoadedError, type ContractLoader } from './loader/types.ts';
import { WasmLoader, ensureCompiler } from './loader/wasm.ts';
import { topicsHex } from './state/packed-log.ts';
import { type Prestate, backendFromPrestate, prestateOf } from './state/prestate.ts';
import { type Account, MemoryBackend, type StateBackend, WorldState } from './state/world.ts';
import type { Tx } from './tx/decode.ts';
import { type TxEnv, type TxResult, runTransaction } from './tx/run.ts';

/** `0x` hex text or raw bytes. */
export type BytesLike = string | Uint8Array;
/** A quantity: bigint, a safe integer, or a `0x` hex / decimal string. */
export type Quantity = bigint | number | string;

/** Anvil's and Hardhat's first development account (private key public knowledge: never use it on a real chain). */
export const DEV_ACCOUNT = {
  address: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
} as const;

/** Block environment options (defaults: number 1, timestamp 1_700_000_000, coinbase 0x0…0, base fee 0, prevRandao 0, gas limit 30M). */
export interface BlockOptions {
  number?: Quantity;
  timestamp?: Quantity;
  coinbase?: BytesLike;
  baseFee?: Quantity;
  prevRandao?: Quantity;
  gasLimit?: Quantity;
  /** Default: the minimum (1) from Cancun, 0 before. */
  blobBaseFee?: Quantity;
  /** BLOCKHASH for numbers in the 256-block window (default: 0). */
  blockHash?: (n: bigint) => bigint;
}

/** Options of {@link Runtime}. */
export interface RuntimeOptions {
  /** Fork name (default 'cancun'). */
  fork?: string;
  /** 'wasm' (default) or 'native' (clang-built shared objects; Linux x86-64 with clang ≥ 15). */
  engine?: 'wasm' | 'native';
  /** Use this loader instead of creating one (`engine` is then ignored). */
  loader?: ContractLoader;
  /** CHAINID (default 1). */
  chainId?: Quantity;
  block?: BlockOptions;
  /** Committed state (default: a new MemoryBackend). It must implement `applyDiff`. */
  backend?: StateBackend;
  /** On-disk cache of compiled code (default: $MEVMC_CACHE_DIR). */
  cacheDir?: string;
}

/** A log of a result. */
export interface LogEntry {
  address: string;
  /** 32-byte `0x` hex topics. */
  topics: string[];
  data: string;
}

/** Outcome of {@link Runtime.deploy}, {@link Runtime.transact} and {@link Runtime.call}. */
export interface ExecutionResult {
  status: 'success' | 'revert' | 'halt';
  /** The created contract (successful deploys). */
  contractAddress?: string;
  /** Gas charged for the transaction, intrinsic gas included, refunds deducted. */
  gasUsed: bigint;
  /** Logs (empty unless successful). */
  logs: LogEntry[];
  /** Return data, revert data, or a deploy's runtime code (`0x` hex). */
  returnData: string;
  /** The halt ('out of gas', 'invalid opcode', …) or the decoded revert reason. */
  error?: string;
  /** The decoded revert (Error(string), Panic(uint256), a custom error from the ABI). */
  revert?: RevertReason;
}

/** Transaction parameters of {@link Runtime.transact}. */
export interface TransactParams {
  from: BytesLike;
  to: BytesLike;
  data?: BytesLike;
  value?: Quantity;
  /** Gas limit (default: the block gas limit). */
  gas?: Quantity;
  /** Default: the block's base fee. */
  gasPrice?: Quantity;
  /** Default: the sender's nonce. */
  nonce?: Quantity;
  /** ABI of `to` for custom errors (default: the ABI registered for `to`). */
  abi?: Abi;
}

/** Parameters of {@link Runtime.deploy}: `data` is the init code (constructor arguments appended). */
export interface DeployParams extends Omit<TransactParams, 'to'> {
  data: BytesLike;
}

/** Parameters of {@link Runtime.call} (eth_call): `from` defaults to the zero address. */
export interface CallParams extends Omit<TransactParams, 'from' | 'nonce' | 'gasPrice'> {
  from?: BytesLike;
}

/** The chain refused the transaction (bad nonce, insufficient funds, gas below the intrinsic gas, …). */
export class TxRejectedError extends Error {
  override name = 'TxRejectedError';
}

/** A malformed argument (address, hex data, quantity). */
export class RuntimeInputError extends Error {
  override name = 'RuntimeInputError';
}

const ZERO_ADDRESS = '0x' + '0'.repeat(40);
const EMPTY = new Uint8Array(0);
const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const word = (v: bigint): string => '0x' + v.toString(16).padStart(64, '0');

/** Lowercase `0x` + 40 hex. */
export function toAddress(a: BytesLike, what = 'address'): string {
  const s = a instanceof Uint8Array ? hex(a) : a;
  if (typeof s !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(s)) throw new RuntimeInputError(`${what}: expected 0x + 40 hex digits, got ${JSON.stringify(String(a))}`);
  return s.toLowerCase();
}

/** Bytes of `0x` hex text (or the bytes themselves). */
export function toBytes(b: BytesLike | undefined, what = 'data'): Uint8Array {
  if (b === undefined) return EMPTY;
  if (b instanceof Uint8Array) return b;
  if (typeof b !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(b)) throw new RuntimeInputError(`${what}: expected 0x-prefixed hex bytes`);
  return new Uint8Array(Buffer.from(b.slice(2), 'hex'));
}

/** A non-negative quantity below 2^bits. */
export function toQuantity(q: Quantity, what = 'quantity', bits = 256): bigint {
  let v: bigint | undefined;
  if (typeof q === 'bigint') v = q;
  else if (typeof q === 'number' && Number.isSafeInteger(q)) v = BigInt(q);
  else if (typeof q === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(q.trim())) v = BigInt(q.trim());
  if (v === undefined || v < 0n || v >= 1n << BigInt(bits)) throw new RuntimeInputError(`${what}: expected a quantity below 2^${bits}, got ${JSON.stringify(String(q))}`);
  return v;
}

/** An in-memory chain running compiled contracts with full transaction semantics. */
export class Runtime {
  /** The fork every contract is compiled and run for. */
  readonly fork: Fork;
  /** Compiles, caches and instantiates contracts. */
  readonly loader: ContractLoader;
  /** The committed state. */
  readonly backend: StateBackend;
  private readonly world: WorldState;
  private callWorld: WorldState | undefined;
  private env: TxEnv;
  private readonly abis = new Map<string, Abi>();

  constructor(opts: RuntimeOptions = {}) {
    const fork = parseForkName(opts.fork ?? 'cancun');
    if (fork === undefined) throw new RuntimeInputError(`unknown fork ${JSON.stringify(opts.fork)}`);
    this.fork = fork;
    this.loader = opts.loader ?? (opts.engine === 'native' ? new NativeLoader(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}) : new WasmLoader({ cacheDir: opts.cacheDir }));
    this.backend = opts.backend ?? new MemoryBackend();
    if (typeof this.backend.applyDiff !== 'function') throw new RuntimeInputError('backend: a Runtime needs a writable StateBackend (applyDiff)');
    this.world = new WorldState(this.backend);
    this.env = {
      number: 1n, timestamp: 1_700_000_000n, coinbase: ZERO_ADDRESS, gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n,
      chainId: opts.chainId === undefined ? 1n : toQuantity(opts.chainId, 'chainId', 64),
      blobBaseFee: fork >= Fork.Cancun ? blobBaseFee(fork, 0n) : 0n, blockHash: () => 0n,
    };
    if (opts.block) this.setBlock(opts.block);
  }

  /** A Runtime holding the accounts of a prestate JSON (as {@link dumpState} writes it). */
  static fromState(json: Prestate | string, opts: Omit<RuntimeOptions, 'backend'> = {}): Runtime {
    const parsed = typeof json === 'string' ? JSON.parse(json) : json;
    return new Runtime({ ...opts, backend: backendFromPrestate(parsed) });
  }

  /** The block environment transactions run in. */
  get block(): Readonly<Omit<BlockContext, 'blobHashes'>> {
    return this.env;
  }

  /** Change some fields of the block environment (e.g. advance number and timestamp). */
  setBlock(b: BlockOptions): void {
    const e = { ...this.env };
    if (b.number !== undefined) e.number = toQuantity(b.number, 'block.number', 64);
    if (b.timestamp !== undefined) e.timestamp = toQuantity(b.timestamp, 'block.timestamp', 64);
    if (b.coinbase !== undefined) e.coinbase = toAddress(b.coinbase, 'block.coinbase');
    if (b.baseFee !== undefined) e.baseFee = toQuantity(b.baseFee, 'block.baseFee');
    if (b.prevRandao !== undefined) e.prevRandao = toQuantity(b.prevRandao, 'block.prevRandao');
    if (b.gasLimit !== undefined) e.gasLimit = toQuantity(b.gasLimit, 'block.gasLimit', 64);
    if (b.blobBaseFee !== undefined) e.blobBaseFee = toQuantity(b.blobBaseFee, 'block.blobBaseFee');
    if (b.blockHash !== undefined) e.blockHash = b.blockHash;
    this.env = e;
  }

  /** Remember the ABI of a contract: its custom errors are then decoded in results. */
  registerAbi(address: BytesLike, abi: Abi): void {
    this.abis.set(toAddress(address), abi);
  }

  /** Create or overwrite an account; `storage`, when given, replaces all of its storage. */
  setAccount(address: BytesLike, a: { balance?: Quantity; nonce?: Quantity; code?: BytesLike; storage?: Record<string, Quantity> | Map<bigint, bigint> }): void {
    const addr = toAddress(address);
    const before = this.backend.getAccount(addr);
    const after: Account = {
      balance: a.balance !== undefined ? toQuantity(a.balance, 'balance') : before?.balance ?? 0n,
      nonce: a.nonce !== undefined ? toQuantity(a.nonce, 'nonce', 64) : before?.nonce ?? 0n,
      code: a.code !== undefined ? toBytes(a.code, 'code') : before?.code ?? EMPTY,
    };
    const storage = new Map<bigint, bigint>();
    const entries = a.storage instanceof Map ? a.storage : Object.entries(a.storage ?? {});
    for (const [k, v] of entries) storage.set(toQuantity(k, 'storage slot'), toQuantity(v, 'storage value'));
    this.backend.applyDiff!(new Map([[addr, { before, after, storageCleared: a.storage !== undefined, storage }]]));
  }

  /** Committed balance (0 for an absent account). */
  getBalance(address: BytesLike): bigint {
    return this.backend.getAccount(toAddress(address))?.balance ?? 0n;
  }
  /** Committed nonce (0 for an absent account). */
  getNonce(address: BytesLike): bigint {
    return this.backend.getAccount(toAddress(address))?.nonce ?? 0n;
  }
  /** Runtime code (`0x` hex; `0x` for none). */
  getCode(address: BytesLike): string {
    return hex(this.backend.getAccount(toAddress(address))?.code ?? EMPTY);
  }
  /** A storage slot as a 32-byte `0x` word. */
  getStorage(address: BytesLike, slot: Quantity): string {
    return word(this.backend.getStorage(toAddress(address), toQuantity(slot, 'slot')));
  }

  /** The committed state as prestate JSON (geth's prestate shape). */
  dumpState(): Prestate {
    return prestateOf(this.backend);
  }

  /** A contract-creation transaction (committed). */
  async deploy(p: DeployParams): Promise<ExecutionResult> {
    const r = await this.execute({ ...p, to: undefined }, true);
    if (r.contractAddress && p.abi) this.abis.set(r.contractAddress, p.abi);
    return r;
  }

  /** A message-call transaction (committed, with intrinsic gas, nonce and fees). */
  async transact(p: TransactParams): Promise<ExecutionResult> {
    return this.execute(p, true);
  }

  /**
   * eth_call: the same as a transaction at gas price 0 and base fee 0, nothing committed. Unlike geth's eth_call,
   * `from` must not hold code (EIP-3607 applies as in a transaction).
   */
  async call(p: CallParams): Promise<ExecutionResult> {
    return this.execute({ ...p, from: p.from ?? ZERO_ADDRESS, gasPrice: 0n }, false);
  }

  /** Free what the loader holds (native objects and frames). */
  dispose(): void {
    this.loader.dispose?.();
  }

  private async execute(p: Omit<TransactParams, 'to'> & { to: BytesLike | undefined }, commit: boolean): Promise<ExecutionResult> {
    const from = toAddress(p.from, 'from');
    const to = p.to === undefined ? undefined : toAddress(p.to, 'to');
    const tx: Tx = {
      type: 0, sender: from, to, data: toBytes(p.data), value: p.value === undefined ? 0n : toQuantity(p.value, 'value'),
      gasLimit: p.gas === undefined ? this.env.gasLimit : toQuantity(p.gas, 'gas', 64),
      gasPrice: p.gasPrice === undefined ? this.env.baseFee : toQuantity(p.gasPrice, 'gasPrice'),
      nonce: p.nonce === undefined ? this.getNonce(from) : toQuantity(p.nonce, 'nonce', 64),
      accessList: [], blobVersionedHashes: [], authorizationList: [],
    };
    // eth_call runs on its own WorldState over the committed backend and is discarded; a transaction runs on the
    // long-lived one and is committed (a rejected one has changed nothing). The call's WorldState is reused: runs
    // are synchronous and every path below discards it.
    const world = commit ? this.world : (this.callWorld ??= new WorldState(this.backend));
    const env = commit ? this.env : { ...this.env, baseFee: 0n };
    let r: TxResult | undefined;
    for (let attempt = 0; r === undefined; attempt++) {
      try {
        r = runTransaction(world, tx, env, this.fork, this.loader);
      } catch (e) {
        world.discard();
        // The wasm compiler (binaryen) is loaded only when some code is in no cache: load it and run again
        // from the start (the interrupted attempt is void and was discarded).
        if (!(e instanceof CompilerNotLoadedError) || attempt > 0) throw e;
        await ensureCompiler();
      }
    }
    if (r.status === 'rejected') {
      world.discard();
      throw new TxRejectedError(r.error ?? 'transaction rejected');
    }
    if (commit) world.commit();
    else world.discard();
    return this.result(r, p.abi ?? (to ? this.abis.get(to) : undefined));
  }

  private result(r: TxResult, abi: Abi | undefined): ExecutionResult {
    const out: ExecutionResult = {
      status: r.status as ExecutionResult['status'], gasUsed: r.gasUsed, returnData: hex(r.returnData),
      logs: r.logs.map((l) => ({ address: l.address, topics: topicsHex(l), data: hex(l.data) })),
    };
    if (r.createdAddress) out.contractAddress = r.createdAddress;
    if (r.status === 'revert') {
      const reason = decodeRevert(r.returnData, abi);
      if (reason) out.revert = reason;
      out.error = reason?.message ?? 'execution reverted';
    } else if (r.status === 'halt') out.error = r.error;
    return out;
  }
}
