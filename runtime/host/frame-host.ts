/**
 * @file The host side of one execution frame: the implementations of every host import declared in
 * src/abi/host.ts, over the frame's linear memory and the journaled `WorldState`.
 *
 * Synchronous by design: compiled wasm calls these directly and cannot await. Dynamic gas that
 * depends on state (warm/cold access, SSTORE) is charged here on `Ctx.gas`; a failure is returned as
 * a `Status` the compiled code propagates.
 */
import { keccak256 } from '../state/keccak.ts';
import { CTX, Ctx, ENV, EVM_MEMORY_BASE, STACK_BASE, Status } from '../../src/abi/context.ts';
import { opName } from '../../src/evm/traits.ts';
import { EnvSlot, type HostImportName } from '../../src/abi/host.ts';
import { Fork } from '../../src/evm/forks.ts';
import { G } from '../../src/evm/gas.ts';
import type { FrameBuffer } from '../loader/types.ts';
import { precompileFor } from '../precompiles/index.ts';
import { logArena, PackedLog } from '../state/packed-log.ts';
import { AcctField } from '../state/state-cache.ts';
import type { WorldState } from '../state/world.ts';
import { callAccessCost, type CallKind, create2Address, createAddress, forwardedGas } from './call-rules.ts';
import type { BlockContext, Message, MessageRunner } from './types.ts';
import { sstoreCharge } from './sstore-gas.ts';

const EMPTY = new Uint8Array(0);
const CALL_KINDS: Record<number, CallKind> = { 0xf1: 'CALL', 0xf2: 'CALLCODE', 0xf4: 'DELEGATECALL', 0xfa: 'STATICCALL' };


const MASK64 = (1n << 64n) - 1n;
/** The context's gas word as a u64 lane index. */
export const GAS_LANE = (CTX + Ctx.gas) >>> 3;
const u64View = (b: ArrayBuffer): BigUint64Array => new BigUint64Array(b, 0, b.byteLength >>> 3);

/** A chain's stricter forwarding cap: at most `available − available / divisor` (after EIP-150's own cap). */
function minForwarded(forwarded: bigint, available: bigint, divisor: bigint): bigint {
  const cap = available - available / divisor;
  return forwarded < cap ? forwarded : cap;
}

/**
 * Reads/writes words in the frame memory (re-reading `memory.buffer`, which growth replaces): a
 * WebAssembly.Memory, a native frame (runtime/loader/native.ts) or any fixed `{ buffer }`.
 */
export class FrameMemory {
  private view: DataView;
  private bytes: Uint8Array;
  private lanes: Uint32Array;
  /**
   * The memory as u64 lanes: a BigUint64Array element is read and written inline by optimised code, DataView's
   * get/setBigUint64 are calls (~4× slower in a micro benchmark; the context's gas word was the costliest line of a
   * STOP call).
   */
  private big: BigUint64Array;
  /** A wasm memory: its buffer is replaced only by growing, which detaches the old one (typed arrays read length 0). */
  private readonly detaches: boolean;
  /**
   * What the environment area holds (executeFrame writes only what differs from the last frame in this memory):
   * the block whose image is there, the ADDRESS / ORIGIN / CALLER words' addresses, and whether the CALLVALUE,
   * GASPRICE or RETURNDATASIZE word may be non-zero. Only executeFrame and setReturnData write that area.
   */
  envBlock: object | undefined;
  envAddress = '';
  envOrigin = '';
  envCaller = '';
  envValue = false;
  envGasPrice = false;
  envReturnData = false;
  /** The calldata area (context.ts CALLDATA_BASE) holds zeros from this offset on (executeFrame's calldata copies). */
  calldataDirty = 0;
  /** The host of the frames that run in this memory, one at a time (executeFrame; FrameHost.begin). */
  host: FrameHost | undefined;
  private buf: ArrayBuffer;
  constructor(readonly memory: FrameBuffer) {
    this.buf = memory.buffer;
    this.view = new DataView(memory.buffer);
    this.bytes = new Uint8Array(memory.buffer);
    this.lanes = new Uint32Array(memory.buffer);
    this.big = u64View(memory.buffer);
    this.detaches = memory instanceof WebAssembly.Memory;
  }
  private fresh(): void {
    // The `buffer` getter of a WebAssembly.Memory is a runtime call (~4% of a small call's CPU): a wasm memory is
    // checked by its view's length instead; a native frame's buffer can widen without detaching, so it compares
    // with the buffer kept here (DataView's `buffer` getter is a builtin call, a few % of a native STOP call).
    if (this.detaches ? this.bytes.length === 0 : this.buf !== this.memory.buffer) {
      const b = (this.buf = this.memory.buffer);
      this.view = new DataView(b);
      this.bytes = new Uint8Array(b);
      this.lanes = new Uint32Array(b);
      this.big = u64View(b);
    }
  }
  /** The memory as u64 lanes (index = byte offset / 8). */
  u64(): BigUint64Array {
    this.fresh();
    return this.big;
  }
  /** The memory as 32-bit lanes (for copying words without BigInt). */
  readonly u32 = (): Uint32Array => {
    this.fresh();
    return this.lanes;
  };
  dv(): DataView {
    this.fresh();
    return this.view;
  }
  u8(): Uint8Array {
    this.fresh();
    return this.bytes;
  }
  readWord(p: number): bigint {
    if ((p & 7) === 0) {
      const b = this.u64();
      const i = p >>> 3;
      return b[i] | (b[i + 1] << 64n) | (b[i + 2] << 128n) | (b[i + 3] << 192n);
    }
    const v = this.dv();
    return v.getBigUint64(p, true) | (v.getBigUint64(p + 8, true) << 64n) | (v.getBigUint64(p + 16, true) << 128n) | (v.getBigUint64(p + 24, true) << 192n);
  }
  writeWord(p: number, x: bigint): void {
    if ((p & 7) === 0) {
      const b = this.u64();
      const i = p >>> 3;
      if (x <= MASK64) {
        b[i] = x;
        b[i + 1] = b[i + 2] = b[i + 3] = 0n;
      } else {
        b[i] = x; // the lane keeps x mod 2^64
        b[i + 1] = x >> 64n;
        b[i + 2] = x >> 128n;
        b[i + 3] = x >> 192n;
      }
      return;
    }
    const v = this.dv();
    if (x <= MASK64) {
      // Balances, sizes, counters: one 64-bit limb, no shifts (each would make a BigInt).
      v.setBigUint64(p, x, true);
      v.setBigUint64(p + 8, 0n, true);
      v.setBigUint64(p + 16, 0n, true);
      v.setBigUint64(p + 24, 0n, true);
      return;
    }
    v.setBigUint64(p, x & MASK64, true);
    v.setBigUint64(p + 8, (x >> 64n) & MASK64, true);
    v.setBigUint64(p + 16, (x >> 128n) & MASK64, true);
    v.setBigUint64(p + 24, (x >> 192n) & MASK64, true);
  }
  /**
   * The word at p (4-aligned) modulo 2^53 as a Number, as `Number(BigInt.asUintN(53, readWord(p)))` without a BigInt:
   * CALL's offsets and lengths.
   */
  low53(p: number): number {
    const l = this.u32();
    const i = p >>> 2;
    return l[i] + (l[i + 1] & 0x1fffff) * 4294967296;
  }
  /** readWord for a 4-aligned word that usually fits 64 bits (gas, value): one BigInt instead of seven. */
  readWordSmall(p: number): bigint {
    const l = this.u32();
    const i = p >>> 2;
    if ((l[i + 2] | l[i + 3] | l[i + 4] | l[i + 5] | l[i + 6] | l[i + 7]) !== 0) return this.readWord(p);
    return (p & 7) === 0 ? this.big[p >>> 3] : this.view.getBigUint64(p, true);
  }
  /** Write `n` (0 ≤ n < 2^32) as the word at p: no BigInt. */
  writeU32(p: number, n: number): void {
    const v = this.dv();
    v.setUint32(p, n, true);
    for (let k = 4; k < 32; k += 4) v.setUint32(p + k, 0, true);
  }
  /** The address in the low 20 bytes of the word at p, as lowercase 0x-hex. */
  readAddress(p: number): string {
    if ((p & 3) !== 0) return this.buildAddress(p);
    // Host calls read the same few addresses again and again: a direct-mapped cache from the five 32-bit lanes
    // to the string saves building a new string per call (and hashing it again in the Map/Set lookups after).
    const l = this.u32();
    const i = p >>> 2;
    const a0 = l[i], a1 = l[i + 1], a2 = l[i + 2], a3 = l[i + 3], a4 = l[i + 4];
    const h = Math.imul(a0 ^ a1 ^ a2 ^ a3 ^ a4, 0x9e3779b1) >>> (32 - ADDRESS_CACHE_BITS);
    const k = 5 * h;
    const s = addressStrings[h];
    if (s !== undefined && addressLanes[k] === a0 && addressLanes[k + 1] === a1 && addressLanes[k + 2] === a2 &&
      addressLanes[k + 3] === a3 && addressLanes[k + 4] === a4) return s;
    const fresh = this.buildAddress(p);
    addressLanes[k] = a0; addressLanes[k + 1] = a1; addressLanes[k + 2] = a2; addressLanes[k + 3] = a3; addressLanes[k + 4] = a4;
    addressStrings[h] = fresh;
    return fresh;
  }
  private buildAddress(p: number): string {
    const b = this.u8();
    let s = '0x';
    for (let i = 19; i >= 0; i--) s += HEX[b[p + i]];
    return s;
  }
  gas(): bigint {
    return this.u64()[GAS_LANE];
  }
  setGas(g: bigint): void {
    this.u64()[GAS_LANE] = g;
  }
  /** Charge gas; false (nothing charged) if not enough. */
  charge(cost: bigint): boolean {
    const g = this.gas();
    if (g < cost) return false;
    this.setGas(g - cost);
    return true;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ADDRESS_CACHE_BITS = 8;
const addressLanes = new Uint32Array(5 << ADDRESS_CACHE_BITS);
const addressStrings: (string | undefined)[] = new Array(1 << ADDRESS_CACHE_BITS).fill(undefined);

/** Copy `len` bytes of `src` from `offset` (zero-padded beyond its end) to `dst` in memory. */
function copyPadded(mem: FrameMemory, dst: number, src: Uint8Array, offset: bigint, overflow: number, len: number): void {
  const u8 = mem.u8();
  const start = overflow || offset >= BigInt(src.length) ? src.length : Number(offset);
  const n = Math.min(len, src.length - start);
  // A few words (the usual CODECOPY/CALLDATACOPY) byte by byte: a subarray and set() cost more than such a copy.
  if (n <= 64) for (let i = 0; i < n; i++) u8[dst + i] = src[start + i];
  else u8.set(src.subarray(start, start + n), dst);
  if (n < len) u8.fill(0, dst + n, dst + len);
}

export const bytesToBigint = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex')));

/** Host state of one frame; `imports()` returns the functions compiled code calls. */
export class FrameHost {
  /** Output of the last nested call (RETURNDATA*); empty until nested calls exist. */
  returnData: Uint8Array = EMPTY;
  /** Message set by a host call that failed for a reason other than an EVM halt. */
  hostError: string | undefined;

  /** The executing account's state-cache record (-1: not looked up yet; 0: the cache is off). */
  private stateAddr = -1;

  constructor(
    readonly mem: FrameMemory,
    public world: WorldState,
    public fork: Fork,
    public msg: Message,
    public code: Uint8Array,
    public block: BlockContext,
    public executor: MessageRunner,
  ) {}

  /**
   * Serve the next frame in this host's memory (one FrameHost per frame memory, as one FrameMemory: a new one per frame
   * was an allocation and a young object stored into the long-lived instance, ~3% of a STOP call).
   */
  begin(world: WorldState, fork: Fork, msg: Message, code: Uint8Array, block: BlockContext, executor: MessageRunner): this {
    this.world = world;
    this.fork = fork;
    this.msg = msg;
    this.code = code;
    this.block = block;
    this.executor = executor;
    this.returnData = EMPTY;
    this.hostError = undefined;
    this.stateAddr = -1;
    return this;
  }

  /** Set the return-data buffer and RETURNDATASIZE. */
  private setReturnData(d: Uint8Array): void {
    // RETURNDATASIZE already reads 0 when nothing was returned before (a new frame's is 0).
    if (d.length === 0 && this.returnData.length === 0) {
      this.returnData = d;
      return;
    }
    this.returnData = d;
    this.mem.envReturnData = true;
    if (d.length < 2 ** 32) this.mem.writeU32(ENV + 32 * EnvSlot.ReturndataSize, d.length);
    else this.mem.writeWord(ENV + 32 * EnvSlot.ReturndataSize, BigInt(d.length));
  }

  /**
   * CREATE (0xf0) and CREATE2 (0xf5), as @ethereumjs/evm: EIP-3860 init-code words and size limit,
   * CREATE2's hashing cost, all but 1/64 of the gas left forwarded (EIP-150), depth and balance checks
   * (a failed check returns 0 and costs nothing more), then the creator's nonce is bumped.
   */
  private create(op: number, args: number): number {
    const { mem, world, fork, msg } = this;
    if (msg.isStatic) return Status.StaticViolation;
    const value = mem.readWord(args);
    const len = Number(BigInt.asUintN(53, mem.readWord(args + 64)));
    const off = len === 0 ? 0 : Number(BigInt.asUintN(53, mem.readWord(args + 32)));
    const salt = mem.readWord(args + 96);
    const rules = this.block.chainRules;
    const usage = rules?.resourceUsage;
    if (usage) {
      // MegaETH's counters: creator and created account updates, one new account.
      usage.kv += 2;
      usage.data += 80;
      usage.growth += 1;
    }
    if (rules?.createContract) {
      // The chain's charge comes first and stays even when the creation cannot start (depth, balance).
      const nonce = world.getAccount(msg.address)?.nonce ?? 0n;
      const init = len === 0 ? EMPTY : mem.u8().subarray(EVM_MEMORY_BASE + off, EVM_MEMORY_BASE + off + len);
      const target = op === 0xf5 ? create2Address(msg.address, salt, init) : createAddress(msg.address, nonce);
      const g = rules.createContract(target);
      if (!mem.charge(g)) return Status.OutOfGas;
      rules.storageCharged?.(g);
    }
    if (fork >= Fork.Berlin) world.warmAddress(msg.address);
    const words = BigInt(Math.ceil(len / 32));
    let cost = 0n;
    if (fork >= Fork.Shanghai) cost += 2n * words; // EIP-3860
    if (op === 0xf5) cost += G.keccakWord * words;
    const gas = mem.gas();
    if (cost > gas) return Status.OutOfGas;
    let forwarded = gas - cost;
    if (fork >= Fork.TangerineWhistle) forwarded -= forwarded / 64n;
    const retain = this.block.chainRules?.retainDivisor;
    if (retain !== undefined) forwarded = minForwarded(forwarded, gas - cost, retain);
    const left = gas - cost;
    mem.setGas(left);
    if (fork >= Fork.Shanghai && len > (this.block.chainRules?.maxInitcodeSize ?? 49152)) return Status.OutOfGas; // EIP-3860 init-code size
    this.setReturnData(EMPTY);
    mem.writeWord(args, 0n);
    const initCode = len === 0 ? EMPTY : mem.u8().slice(EVM_MEMORY_BASE + off, EVM_MEMORY_BASE + off + len);
    // ethereumjs refuses EOF-looking init code (0xEF00…) from legacy CREATE before anything else happens.
    if (initCode.length >= 2 && initCode[0] === 0xef && initCode[1] === 0x00) return 0;
    const self = world.getAccount(msg.address);
    const nonce = self?.nonce ?? 0n;
    if (msg.depth >= 1024 || (self?.balance ?? 0n) < value || nonce >= (1n << 64n) - 1n) return 0;
    const address = op === 0xf5 ? create2Address(msg.address, salt, initCode) : createAddress(msg.address, nonce);
    world.setNonce(msg.address, nonce + 1n);
    const r = this.executor.createMessage({
      caller: msg.address, address, value, initCode, gas: forwarded, depth: msg.depth + 1, origin: msg.origin, gasPrice: msg.gasPrice,
    });
    mem.setGas(left - forwarded + r.gasLeft);
    if (r.status === Status.Revert) this.setReturnData(r.output);
    if (r.status === Status.Stop || r.status === Status.Return) mem.writeWord(args, BigInt(address));
    return 0;
  }

  /** SELFDESTRUCT: new-account and cold-access gas, the refund before London, EIP-6780 from Cancun. */
  private selfdestruct(args: number): number {
    const { mem, world, fork, msg } = this;
    if (this.block.chainRules?.selfdestructDisabled) return Status.InvalidOpcode;
    if (msg.isStatic) return Status.StaticViolation;
    const to = mem.readAddress(args);
    const self = msg.address;
    const balance = world.balance(self);
    let cost = 0n;
    const target = world.getAccount(to);
    if (fork >= Fork.SpuriousDragon) {
      const empty = target === undefined || (target.nonce === 0n && target.balance === 0n && target.code.length === 0);
      if (balance > 0n && empty) cost += 25000n;
    } else if (fork >= Fork.TangerineWhistle && target === undefined) cost += 25000n;
    // EIP-2929: a cold beneficiary costs 2600; a warm one nothing extra.
    if (fork >= Fork.Berlin && !world.warmAddress(to)) cost += G.coldAccountAccess;
    if (!mem.charge(cost)) return Status.OutOfGas;
    if (!world.destructed.has(self) && fork < Fork.London) world.addRefund(24000n); // EIP-3529 removed it
    world.markDestructed(self, to);
    if (to !== self) world.setBalance(to, world.balance(to) + balance);
    // EIP-6780: only an account created in this transaction really goes; otherwise only value moves.
    if (fork < Fork.Cancun || world.created.has(self) || to !== self) world.setBalance(self, 0n);
    return 0;
  }

  /** CALL, CALLCODE, DELEGATECALL, STATICCALL (see call.ts for the rules). */
  private call(op: number, args: number): number {
    const { mem, world, fork, msg } = this;
    const kind = CALL_KINDS[op];
    const hasValue = kind === 'CALL' || kind === 'CALLCODE';
    // The operands through 32-bit lanes (a 4-aligned stack pointer, as compiled code passes): few or no BigInts.
    const aligned = (args & 3) === 0;
    const requested = aligned ? mem.readWordSmall(args) : mem.readWord(args);
    const to = mem.readAddress(args + 32);
    const value = !hasValue ? 0n : aligned ? mem.readWordSmall(args + 64) : mem.readWord(args + 64);
    const low = (i: number) => (aligned ? mem.low53(args + 32 * i) : Number(BigInt.asUintN(53, mem.readWord(args + 32 * i))));
    const inOff = low(3), inLen = low(4), outOff = low(5), outLen = low(6);
    const rules = this.block.chainRules;
    // A CALL-like first touch finds it cold (mega-evm inspects the target before revm loads it; see types.ts).
    if (this.coldPreloaded(to)) world.touchPreloaded(to, false);
    const usage = rules?.resourceUsage;
    if (usage && hasValue && value !== 0n) {
      // MegaETH's counters, before any check can fail the call: caller and target updates, growth for an empty target.
      usage.kv += 2;
      usage.data += 80;
      const target = world.getAccount(to);
      if (target === undefined || (target.nonce === 0n && target.balance === 0n && target.code.length === 0)) usage.growth += 1;
    }
    if (rules?.newAccount && hasValue && value !== 0n) {
      const target = world.getAccount(to);
      const empty = target === undefined || (target.nonce === 0n && target.balance === 0n && target.code.length === 0);
      if (empty) {
        const g = rules.newAccount(to);
        if (!mem.charge(g)) return Status.OutOfGas;
        rules.storageCharged?.(g);
      }
    }
    if (msg.isStatic && kind === 'CALL' && value !== 0n) return Status.StaticViolation;
    const cost = callAccessCost(world, fork, kind, to, value);
    const gas = mem.gas();
    if (cost > gas) return Status.OutOfGas;
    let forwarded = forwardedGas(fork, requested, gas - cost);
    if (forwarded === undefined) return Status.OutOfGas;
    const retain = this.block.chainRules?.retainDivisor;
    if (retain !== undefined) forwarded = minForwarded(forwarded, gas - cost, retain);
    let left = gas - cost - forwarded;
    const callGas = forwarded + (value !== 0n ? G.callStipend : 0n);
    this.setReturnData(EMPTY);
    mem.writeU32(args, 0);
    if (msg.depth >= 1024 || (kind !== 'DELEGATECALL' && world.balance(msg.address) < value)) {
      mem.setGas(left + callGas);
      return 0;
    }
    const child: Message = {
      caller: kind === 'DELEGATECALL' ? msg.caller : msg.address,
      address: kind === 'CALL' || kind === 'STATICCALL' ? to : msg.address,
      codeAddress: to,
      origin: msg.origin,
      value: kind === 'DELEGATECALL' ? msg.value : value,
      gasPrice: msg.gasPrice,
      calldata: inLen === 0 ? EMPTY : mem.u8().slice(EVM_MEMORY_BASE + inOff, EVM_MEMORY_BASE + inOff + inLen),
      gas: callGas,
      isStatic: msg.isStatic || kind === 'STATICCALL',
      depth: msg.depth + 1,
    };
    const r = this.executor.run(child, kind !== 'DELEGATECALL');
    left += r.gasLeft;
    mem.setGas(left);
    const ok = r.status === Status.Stop || r.status === Status.Return;
    if (ok || r.status === Status.Revert) this.setReturnData(r.output);
    const n = Math.min(outLen, this.returnData.length);
    if (n > 0) mem.u8().set(this.returnData.subarray(0, n), EVM_MEMORY_BASE + outOff);
    mem.writeU32(args, ok ? 1 : 0);
    return 0;
  }

  /** A precompile or the coinbase under HostChainRules.coldPreloadedCalls (not pre-warmed at the start). */
  private coldPreloaded(address: string): boolean {
    return this.block.chainRules?.coldPreloadedCalls === true && this.fork >= Fork.Berlin &&
      (address === this.block.coinbase || precompileFor(this.block.precompiles, this.fork, address) !== undefined);
  }

  /** An account read (BALANCE, EXTCODE*): the chain's volatile-data note, then EIP-2929 warm/cold and warm it. */
  private accessAccount(address: string): boolean {
    const volatile = this.block.chainRules?.volatileAccess;
    if (volatile !== undefined && address === this.block.coinbase) volatile('beneficiary');
    if (this.fork < Fork.Berlin) return true;
    if (this.coldPreloaded(address) && this.world.touchPreloaded(address, true)) {
      // A read that touches it first finds it warm, for good (see HostChainRules.coldPreloadedCalls).
      return this.mem.charge(G.warmStorageRead);
    }
    const warm = this.world.warmAddress(address);
    return this.mem.charge(warm ? G.warmStorageRead : G.coldAccountAccess);
  }

  /**
   * The host imports: this object, whose `mevmc_*` methods the instance calls as `fns[name](…)` (methods on
   * the prototype, so starting a frame builds no closures).
   */
  imports(): Record<HostImportName, (...args: any[]) => number | void> {
    return this satisfies Record<HostImportName, (...args: any[]) => number | void>; // every import is a method
  }

  mevmc_calldataload(r: number, off: bigint, overflow: number) {
    const { mem, msg } = this;
    const cd = msg.calldata;
    const u8 = mem.u8();
    const start = overflow || BigInt.asUintN(64, off) >= BigInt(cd.length) ? cd.length : Number(BigInt.asUintN(64, off));
    // word bytes are big-endian in calldata, little-endian in the word slot
    for (let i = 0; i < 32; i++) u8[r + 31 - i] = start + i < cd.length ? cd[start + i] : 0;
  }

  mevmc_calldatacopy(dst: number, off: bigint, overflow: number, len: number) {
    const { mem, msg } = this;
    copyPadded(mem, dst, msg.calldata, BigInt.asUintN(64, off), overflow, len);
  }

  mevmc_codecopy(dst: number, off: bigint, overflow: number, len: number) {
    const { mem } = this;
    copyPadded(mem, dst, this.code, BigInt.asUintN(64, off), overflow, len);
  }

  mevmc_returndatacopy(dst: number, off: bigint, offOverflow: number, len: bigint, lenOverflow: number) {
    const { mem } = this;
    const o = BigInt.asUintN(64, off);
    const l = BigInt.asUintN(64, len);
    if (offOverflow || lenOverflow || o + l > BigInt(this.returnData.length)) return Status.ReturnDataOutOfBounds;
    if (l > 0n) mem.u8().set(this.returnData.subarray(Number(o), Number(o + l)), dst);
    return 0;
  }

  mevmc_extcodecopy(a: number, dst: number, off: bigint, overflow: number, len: number) {
    const { mem, world } = this;
    const address = mem.readAddress(a);
    if (!this.accessAccount(address)) return Status.OutOfGas;
    if (len > 0) copyPadded(mem, dst, world.code(address), BigInt.asUintN(64, off), overflow, len);
    return 0;
  }

  mevmc_balance(r: number) {
    const { mem, world } = this;
    const address = mem.readAddress(r);
    if (!this.accessAccount(address)) return Status.OutOfGas;
    const a = this.cacheAddr(r), u = mem.u32(), p = r >> 2;
    const k0 = u[p], k1 = u[p + 1], k2 = u[p + 2], k3 = u[p + 3], k4 = u[p + 4];
    mem.writeWord(r, world.balance(address));
    // The account is warm now: the cache answers the next BALANCE of it (state_host.c / state_native.c).
    if (a !== 0) world.cache!.acctFill(a, AcctField.balance, k0, k1, k2, k3, k4, mem.u32(), r);
    return 0;
  }

  mevmc_extcodesize(r: number) {
    const { mem, world } = this;
    const address = mem.readAddress(r);
    if (!this.accessAccount(address)) return Status.OutOfGas;
    const a = this.cacheAddr(r), u = mem.u32(), p = r >> 2;
    const k0 = u[p], k1 = u[p + 1], k2 = u[p + 2], k3 = u[p + 3], k4 = u[p + 4];
    mem.writeWord(r, BigInt(world.code(address).length));
    if (a !== 0) world.cache!.acctFill(a, AcctField.codeSize, k0, k1, k2, k3, k4, mem.u32(), r);
    return 0;
  }

  mevmc_extcodehash(r: number) {
    const { mem, world } = this;
    const address = mem.readAddress(r);
    if (!this.accessAccount(address)) return Status.OutOfGas;
    const a = this.cacheAddr(r), u = mem.u32(), p = r >> 2;
    const k0 = u[p], k1 = u[p + 1], k2 = u[p + 2], k3 = u[p + 3], k4 = u[p + 4];
    const hash = world.codeHash(address);
    mem.writeWord(r, hash ? bytesToBigint(hash) : 0n);
    if (a !== 0) world.cache!.acctFill(a, AcctField.codeHash, k0, k1, k2, k3, k4, mem.u32(), r);
    return 0;
  }

  mevmc_selfbalance(r: number) {
    const { mem, world, msg } = this;
    if (msg.address === this.block.coinbase) this.block.chainRules?.volatileAccess?.('beneficiary');
    mem.writeWord(r, world.balance(msg.address));
    const a = this.cacheAddr(r);
    if (a !== 0) {
      const u = mem.u32(), p = (ENV + 32 * EnvSlot.Address) >> 2;
      // Not AcctField.balance: SELFBALANCE does not warm the account (a bare message call's target may be cold).
      world.cache!.acctFill(a, AcctField.selfBalance, u[p], u[p + 1], u[p + 2], u[p + 3], u[p + 4], u, r);
    }
  }

  mevmc_blockhash(r: number) {
    const { mem } = this;
    this.block.chainRules?.volatileAccess?.('blockEnv');
    const n = mem.readWord(r);
    const cur = this.block.number;
    // Only the 256 most recent complete blocks are visible (Yellow Paper BLOCKHASH).
    mem.writeWord(r, n < cur && cur - n <= 256n ? this.block.blockHash(n) : 0n);
  }

  mevmc_blobhash(r: number) {
    const { mem } = this;
    this.block.chainRules?.volatileAccess?.('blockEnv');
    const i = mem.readWord(r);
    const hs = this.block.blobHashes;
    mem.writeWord(r, i < BigInt(hs.length) ? hs[Number(i)] : 0n);
  }

  /**
   * The state-cache record for this frame's storage ops, or 0: the cache is off, the operands are not 4-aligned, or a
   * chain mode's host rules may charge storage ops here (they run on the path below).
   */
  private cacheAddr(p: number): number {
    if (this.stateAddr < 0) this.stateAddr = this.block.chainRules === undefined ? this.world.stateAddr(this.msg.address) : 0;
    return p & 3 ? 0 : this.stateAddr;
  }

  mevmc_sload(r: number) {
    const { mem, world, msg } = this;
    const a = this.cacheAddr(r);
    if (a !== 0) return world.cache!.frameOp(0x54, mem.u32, r, 0, CTX + Ctx.gas, a, this.fork);
    const slot = mem.readWord(r);
    if (this.fork >= Fork.Berlin) {
      const warm = world.warmSlot(msg.address, slot);
      if (!mem.charge(warm ? G.warmStorageRead : G.coldSload)) return Status.OutOfGas;
    }
    mem.writeWord(r, world.sload(msg.address, slot));
    return 0;
  }

  mevmc_sstore(k: number, v: number) {
    const { mem, world, msg } = this;
    if (msg.isStatic) return Status.StaticViolation;
    const rules = this.block.chainRules;
    const usage = rules?.resourceUsage;
    if (usage) {
      // MegaETH's counters: a first change of the slot in the tx is a KV update and 40 bytes, 0 -> non-0 one growth.
      const slot = mem.readWord(k), nv = mem.readWord(v);
      const orig = world.originalStorage(msg.address, slot), cur = world.sload(msg.address, slot);
      if (orig === cur && nv !== orig) {
        usage.kv += 1;
        usage.data += 40;
        if (orig === 0n) usage.growth += 1;
      }
    }
    if (rules?.sstoreSet) {
      // The chain's charge for a new non-zero slot comes before the sentry and Ethereum's cost.
      const slot = mem.readWord(k);
      if (mem.readWord(v) !== 0n && world.originalStorage(msg.address, slot) === 0n && world.sload(msg.address, slot) === 0n) {
        const g = rules.sstoreSet(msg.address, slot);
        if (!mem.charge(g)) return Status.OutOfGas;
        rules.storageCharged?.(g);
      }
    }
    // EIP-2200 sentry: fails when gasleft ≤ 2300, before any other charge.
    if (this.fork >= Fork.Istanbul && mem.gas() <= G.sstoreSentry) return Status.OutOfGas;
    const a = this.cacheAddr(k | v);
    if (a !== 0) return world.cache!.frameOp(0x55, mem.u32, k, v, CTX + Ctx.gas, a, this.fork);
    const slot = mem.readWord(k);
    const value = mem.readWord(v);
    const isCold = this.fork >= Fork.Berlin ? !world.warmSlot(msg.address, slot) : false;
    const current = world.sload(msg.address, slot);
    const original = world.originalStorage(msg.address, slot);
    const { gas, refund } = sstoreCharge(this.fork, original, current, value, isCold);
    if (!mem.charge(gas)) return Status.OutOfGas;
    if (refund !== 0n) world.addRefund(refund);
    world.sstore(msg.address, slot, value);
    return 0;
  }

  mevmc_tload(r: number) {
    const { mem, world, msg } = this;
    const a = this.cacheAddr(r);
    if (a !== 0) {
      world.cache!.frameOp(0x5c, mem.u32, r, 0, 0, a, this.fork);
      return;
    }
    mem.writeWord(r, world.tload(msg.address, mem.readWord(r)));
  }

  mevmc_tstore(k: number, v: number) {
    const { mem, world, msg } = this;
    if (msg.isStatic) return Status.StaticViolation;
    const a = this.cacheAddr(k | v);
    if (a !== 0) return world.cache!.frameOp(0x5d, mem.u32, k, v, 0, a, this.fork);
    world.tstore(msg.address, mem.readWord(k), mem.readWord(v));
    return 0;
  }

  mevmc_trace(pc: number, sp: number) {
    const { mem, world, msg } = this;
    const t = this.executor.tracer;
    if (!t) return;
    const stack: bigint[] = [];
    for (let p = STACK_BASE; p < sp; p += 32) stack.push(mem.readWord(p));
    const op = this.code[pc];
    t({
      pc, op, opName: opName(op), gas: mem.gas(), gasCost: 0n, stack, depth: msg.depth + 1, refund: world.refund,
      memSize: Number(mem.dv().getBigUint64(CTX + Ctx.memWords, true)) * 32,
    });
  }

  mevmc_call(op: number, args: number) {
    return this.call(op, args);
  }

  mevmc_create(op: number, args: number) {
    return this.create(op, args);
  }

  mevmc_selfdestruct(args: number) {
    return this.selfdestruct(args);
  }

  mevmc_log(n: number, topicsPtr: number, data: number, len: number) {
    const { mem, world, msg } = this;
    if (msg.isStatic) return Status.StaticViolation;
    const rules = this.block.chainRules;
    if (rules) {
      if (rules.resourceUsage) rules.resourceUsage.data += 32 * n + len;
      const extra = rules.log(n, len);
      if (!mem.charge(extra)) return Status.OutOfGas;
      rules.storageCharged?.(extra);
    }
    // Topics and data go to the log arena as bytes, topics big-endian (a word is 8 little-endian u32 lanes in
    // memory: lane k is big-endian lane 7 − k; topicsPtr is the word-aligned scratch): no BigInt, no typed array per log.
    const tb = 32 * n;
    const at = logArena.take(tb + len);
    const { bytes, view } = logArena;
    const lanes = mem.u32();
    for (let i = 0, src = topicsPtr >>> 2; i < n; i++, src += 8) {
      const dst = at + 32 * i + 28;
      for (let k = 0; k < 8; k++) view.setUint32(dst - 4 * k, lanes[src + k]);
    }
    if (len > 0) bytes.set(mem.u8().subarray(data, data + len), at + tb);
    world.addLog(new PackedLog(msg.address, bytes, at, n, len));
    return 0;
  }

}

/** keccak-256 of bytes as a bigint (code hashes and tests). */
export const keccakBigint = (b: Uint8Array): bigint => bytesToBigint(keccak256(b));
