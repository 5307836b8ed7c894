/**
 * @file Running one frame of compiled code: set up the context area, run, collect the outcome.
 *
 * Outcomes are values (`FrameResult`), never exceptions: a JS exception or a wasm trap inside a
 * frame becomes `Status.HostError` with its message, which the caller reports as an error rather
 * than an EVM result — except a `StateBackendError` (the backend cannot serve the state), which the caller
 * gets as it was thrown.
 */
import { CALLDATA_BASE, CALLDATA_MAX, CTX, Ctx, CtxFlag, ENV, EVM_MEMORY_BASE, isNormalStatus, Status } from '../../src/abi/context.ts';
import { ENV_SLOTS, EnvSlot } from '../../src/abi/host.ts';
import type { Fork } from '../../src/evm/forks.ts';
import { CompilerNotLoadedError, type ContractInstance, type FrameBuffer } from '../loader/types.ts';
import { StateBackendError, type WorldState } from '../state/world.ts';
import { FrameHost, FrameMemory, GAS_LANE } from './frame-host.ts';
import { type BlockContext, type FrameResult, HostFailure, type Message, type MessageRunner } from './types.ts';

const ENV_BYTES = 32 * ENV_SLOTS;
const images = new WeakMap<BlockContext, Uint8Array>();

/** The environment area with the block's words filled in and the message's left zero. */
function envImage(block: BlockContext): Uint8Array {
  let img = images.get(block);
  if (img) return img;
  const buffer = new ArrayBuffer(ENV_BYTES);
  img = new Uint8Array(buffer);
  const mem = new FrameMemory({ buffer });
  const words: [EnvSlot, bigint][] = [
    [EnvSlot.Coinbase, BigInt(block.coinbase)], [EnvSlot.Timestamp, block.timestamp], [EnvSlot.Number, block.number],
    [EnvSlot.PrevRandao, block.prevRandao], [EnvSlot.GasLimit, block.gasLimit], [EnvSlot.ChainId, block.chainId],
    [EnvSlot.BaseFee, block.baseFee], [EnvSlot.BlobBaseFee, block.blobBaseFee],
  ];
  for (const [slot, v] of words) mem.writeWord(32 * slot, v);
  images.set(block, img);
  return img;
}

/** Address words (little-endian, as the compiled code reads them), by address string; bounded. */
const addressWords = new Map<string, Uint8Array>();
function addressWord(a: string): Uint8Array {
  let w = addressWords.get(a);
  if (w) return w;
  if (addressWords.size >= 4096) addressWords.clear();
  w = new Uint8Array(32);
  for (let i = 0; i < 20; i++) w[i] = parseInt(a.substr(40 - 2 * i, 2), 16);
  addressWords.set(a, w);
  return w;
}

/**
 * One FrameMemory per frame memory (a slot's, reused by every frame that runs in it): its three views and the
 * `u32` closure were allocated per frame before, a fifth of a STOP call's time with the GC they caused.
 */
const frameMemories = new WeakMap<FrameBuffer, FrameMemory>();
function frameMemory(b: FrameBuffer): FrameMemory {
  let m = frameMemories.get(b);
  if (m === undefined) frameMemories.set(b, (m = new FrameMemory(b)));
  return m;
}
const EMPTY = new Uint8Array(0);

/**
 * A frame's output, copied out of frame memory `lanes` from byte `from`. Above 64 bytes V8 gives a `new
 * Uint8Array(len)` its own off-heap buffer (calloc, an ArrayBuffer extension the GC sweeps: ~0.5 µs), a fifth of a
 * swap_math call (128-byte output); outputs up to OUTPUT_SHARED bytes are views into a shared chunk instead (each its
 * own range, so a chunk lives as long as any output in it: at most OUTPUT_CHUNK bytes per retained output). Small
 * ones too: a view allocates no buffer object, and its range starts 4-aligned, so a 4-aligned output (the usual
 * return of a word from 0x80) is copied in 32-bit lanes — the byte loop and the new array were ~5% of a tiny
 * call (profile of the bench's steady loop on revmc/airdrop).
 */
const OUTPUT_SHARED = 1024;
const OUTPUT_CHUNK = 16384;
let outputChunk = new ArrayBuffer(0);
let outputLanes = new Uint32Array(0);
let outputUsed = 0;
function copyOutput(mem: FrameMemory, from: number, len: number): Uint8Array<ArrayBuffer> {
  if (len > OUTPUT_SHARED) {
    const out = new Uint8Array(len);
    out.set(mem.u8().subarray(from, from + len));
    return out;
  }
  if (outputUsed + len > outputChunk.byteLength) {
    outputChunk = new ArrayBuffer(OUTPUT_CHUNK);
    outputLanes = new Uint32Array(outputChunk);
    outputUsed = 0;
  }
  const at = outputUsed;
  const out = new Uint8Array(outputChunk, at, len);
  outputUsed = (at + len + 3) & ~3;
  let i = 0;
  if ((from & 3) === 0) {
    const src = mem.u32();
    const d = at >> 2, s = from >> 2, words = len >> 2;
    for (; i < words; i++) outputLanes[d + i] = src[s + i];
    i <<= 2;
  }
  if (i < len) {
    const u8 = mem.u8();
    if (len - i <= 64) for (; i < len; i++) out[i] = u8[from + i];
    else out.set(u8.subarray(from + i, from + len), i);
  }
  return out;
}

// executeFrame writes each context field by name: a field added after memoEpoch must be written there too.
if (Math.max(...Object.values(Ctx)) !== Ctx.memoEpoch) throw new Error('execute.ts: a Ctx field is not initialised per frame');

/** Written into each frame's context: the KECCAK256 memo serves only the frame that filled it (keccak.c). */
let frameSerial = 0;

/** Execute `code` (already compiled into `inst`, of any engine) for message `msg`. */
export function executeFrame(
  inst: ContractInstance, world: WorldState, fork: Fork, msg: Message, code: Uint8Array, block: BlockContext, executor: MessageRunner,
): FrameResult {
  const mem = frameMemory(inst.memory);
  const u8 = mem.u8();
  // Every field of the context written (those the frame starts with at 0 too): `fill` over the area is a runtime
  // call, the largest line of a STOP call's profile; the bytes past the last field are never read. As 32-bit lanes
  // (fields are 4-aligned, the layout little-endian): DataView's setUint32 over a wasm memory was a builtin call each.
  mem.u64()[GAS_LANE] = msg.gas;
  const l = mem.u32();
  l[(CTX + Ctx.memWords) >> 2] = 0;
  l[(CTX + Ctx.memWords + 4) >> 2] = 0;
  l[(CTX + Ctx.retOffset) >> 2] = 0;
  l[(CTX + Ctx.retLength) >> 2] = 0;
  l[(CTX + Ctx.calldataSize) >> 2] = msg.calldata.length;
  l[(CTX + Ctx.returndataSize) >> 2] = 0;
  l[(CTX + Ctx.codeSize) >> 2] = code.length;
  l[(CTX + Ctx.pages) >> 2] = 0;
  // For storage in linear memory (state_host.c): the fork, static flag and the account's state-cache record.
  // A chain mode's host rules (MegaETH) may charge storage ops in FrameHost: its frames keep the JS host path.
  l[(CTX + Ctx.stateAddr) >> 2] = inst.stateCache && block.chainRules === undefined ? world.stateAddr(msg.address) : 0;
  l[(CTX + Ctx.flags) >> 2] = msg.isStatic ? CtxFlag.static : 0;
  l[(CTX + Ctx.fork) >> 2] = fork;
  l[(CTX + Ctx.volatile) >> 2] = 0;
  l[(CTX + Ctx.memoEpoch) >> 2] = frameSerial = (frameSerial + 1) >>> 0;
  const host = mem.host === undefined ? (mem.host = new FrameHost(mem, world, fork, msg, code, block, executor)) : mem.host.begin(world, fork, msg, code, block, executor);
  // The block's words are laid out once per block; the message's few words go on top (sizes < 2^32, and
  // RETURNDATASIZE is 0 in a new frame). What the last frame in this memory left there is kept when it is the same
  // (the memory of a nesting level serves every frame at that level): each typed-array copy is a runtime call.
  if (mem.envBlock !== block) {
    u8.set(envImage(block), ENV);
    mem.envBlock = block;
    mem.envAddress = mem.envOrigin = mem.envCaller = '';
    mem.envValue = mem.envGasPrice = mem.envReturnData = false;
  } else {
    if (mem.envValue && msg.value === 0n) mem.writeU32(ENV + 32 * EnvSlot.CallValue, 0);
    if (mem.envGasPrice && msg.gasPrice === 0n) mem.writeU32(ENV + 32 * EnvSlot.GasPrice, 0);
    if (mem.envReturnData) mem.writeU32(ENV + 32 * EnvSlot.ReturndataSize, 0);
    mem.envValue = mem.envGasPrice = mem.envReturnData = false;
  }
  if (mem.envAddress !== msg.address) u8.set(addressWord((mem.envAddress = msg.address)), ENV + 32 * EnvSlot.Address);
  if (mem.envOrigin !== msg.origin) u8.set(addressWord((mem.envOrigin = msg.origin)), ENV + 32 * EnvSlot.Origin);
  if (mem.envCaller !== msg.caller) u8.set(addressWord((mem.envCaller = msg.caller)), ENV + 32 * EnvSlot.Caller);
  if (msg.value !== 0n) {
    mem.writeWord(ENV + 32 * EnvSlot.CallValue, msg.value);
    mem.envValue = true;
  }
  if (msg.gasPrice !== 0n) {
    mem.writeWord(ENV + 32 * EnvSlot.GasPrice, msg.gasPrice);
    mem.envGasPrice = true;
  }
  l[(ENV + 32 * EnvSlot.CalldataSize) >> 2] = msg.calldata.length;
  l[(ENV + 32 * EnvSlot.CodeSize) >> 2] = code.length;
  // Compiled wasm reads CALLDATALOAD words and CALLDATACOPY ranges from this copy and the 32 zero bytes after it
  // (context.ts CALLDATA_BASE); a few words byte by byte. Of those 32 bytes only the ones an earlier frame in this
  // memory may have left non-zero are cleared (none for a selector-only call after another one).
  const cd = msg.calldata;
  const n = cd.length;
  if (n <= CALLDATA_MAX) {
    if (n <= 64) for (let i = 0; i < n; i++) u8[CALLDATA_BASE + i] = cd[i];
    else u8.set(cd, CALLDATA_BASE);
    const dirty = mem.calldataDirty;
    for (let i = n; i < dirty && i < n + 32; i++) u8[CALLDATA_BASE + i] = 0;
    mem.calldataDirty = dirty > n + 32 ? dirty : n;
  }
  inst.fns = host.imports();
  const rules = block.chainRules;
  if (rules?.volatileAccess && msg.address === rules.volatileContract) rules.volatileAccess('oracle', msg.caller);

  let status: Status;
  let message: string | undefined;
  try {
    status = inst.run() as Status;
  } catch (e) {
    if (e instanceof HostFailure || e instanceof CompilerNotLoadedError || e instanceof StateBackendError) {
      clearEvmMemory(inst, mem); // the instance goes back to the pool: leave it clean
      throw e; // from a nested frame: already final (or the whole run is void)
    }
    status = Status.HostError;
    message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  const l2 = mem.u32(); // the run may have grown the memory
  // Code compiled with `volatileEnv` marked a block-environment read (gas detention).
  if (rules?.volatileAccess && l2[(CTX + Ctx.volatile) >> 2] !== 0) rules.volatileAccess('blockEnv');
  let output = EMPTY; // shared: outputs are never written in place
  if (status === Status.Return || status === Status.Revert) {
    const off = l2[(CTX + Ctx.retOffset) >> 2];
    const len = l2[(CTX + Ctx.retLength) >> 2];
    // Not `slice`: on a typed array over a whole wasm memory it costs ~0.5 µs even for 0 bytes (the largest
    // item of a proxy call's profile): copyOutput.
    if (len !== 0) output = copyOutput(mem, EVM_MEMORY_BASE + off, len);
  }
  const gasLeft = isNormalStatus(status) ? mem.u64()[GAS_LANE] : 0n;
  clearEvmMemory(inst, mem);
  return { status, gasLeft, output, message };
}

/** The next run in this instance must see zeroed EVM memory. */
function clearEvmMemory(inst: ContractInstance, mem: FrameMemory): void {
  // The u64 as two u32 halves: no BigInt allocated per frame (6% of a STOP call's profile with getBigUint64).
  const l = mem.u32();
  const memWords = l[(CTX + Ctx.memWords) >> 2] + l[(CTX + Ctx.memWords + 4) >> 2] * 2 ** 32;
  if (memWords === 0) return;
  if (inst.zero) inst.zero(EVM_MEMORY_BASE, EVM_MEMORY_BASE + memWords * 32);
  else mem.u8().fill(0, EVM_MEMORY_BASE, EVM_MEMORY_BASE + memWords * 32);
}
