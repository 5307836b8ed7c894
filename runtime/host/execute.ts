/**
 * @file Running one frame of compiled code: set up the context area, run, collect the outcome.
 *
 * Outcomes are values (`FrameResult`), never exceptions: a JS exception or a wasm trap inside a
 * frame becomes `Status.HostError` with its message, which the caller reports as an error rather
 * than an EVM result.
 */
import { CTX, CTX_SIZE, Ctx, ENV, EVM_MEMORY_BASE, isNormalStatus, Status } from '../../src/abi/context.ts';
import { EnvSlot } from '../../src/abi/host.ts';
import type { Fork } from '../../src/evm/forks.ts';
import { CompilerNotLoadedError, type ContractInstance } from '../loader/types.ts';
import type { WorldState } from '../state/world.ts';
import { FrameHost, FrameMemory } from './frame-host.ts';
import { type BlockContext, type FrameResult, HostFailure, type Message, type MessageRunner } from './types.ts';

const addr = (a: string): bigint => BigInt(a);

/** Execute `code` (already compiled into `inst`, of any engine) for message `msg`. */
export function executeFrame(
  inst: ContractInstance, world: WorldState, fork: Fork, msg: Message, code: Uint8Array, block: BlockContext, executor: MessageRunner,
): FrameResult {
  const mem = new FrameMemory(inst.memory);
  const dv = mem.dv();
  new Uint8Array(inst.memory.buffer, CTX, CTX_SIZE).fill(0);
  dv.setBigUint64(CTX + Ctx.gas, msg.gas, true);
  dv.setUint32(CTX + Ctx.calldataSize, msg.calldata.length, true);
  dv.setUint32(CTX + Ctx.codeSize, code.length, true);
  const host = new FrameHost(mem, world, fork, msg, code, block, executor);
  const env: [EnvSlot, bigint][] = [
    [EnvSlot.Address, addr(msg.address)], [EnvSlot.Origin, addr(msg.origin)], [EnvSlot.Caller, addr(msg.caller)],
    [EnvSlot.CallValue, msg.value], [EnvSlot.GasPrice, msg.gasPrice], [EnvSlot.Coinbase, addr(block.coinbase)],
    [EnvSlot.Timestamp, block.timestamp], [EnvSlot.Number, block.number], [EnvSlot.PrevRandao, block.prevRandao],
    [EnvSlot.GasLimit, block.gasLimit], [EnvSlot.ChainId, block.chainId], [EnvSlot.BaseFee, block.baseFee],
    [EnvSlot.BlobBaseFee, block.blobBaseFee], [EnvSlot.CalldataSize, BigInt(msg.calldata.length)],
    [EnvSlot.CodeSize, BigInt(code.length)], [EnvSlot.ReturndataSize, BigInt(host.returnData.length)],
  ];
  for (const [slot, v] of env) mem.writeWord(ENV + 32 * slot, v);
  inst.fns = host.imports();

  let status: Status;
  let message: string | undefined;
  try {
    status = inst.run() as Status;
  } catch (e) {
    if (e instanceof HostFailure || e instanceof CompilerNotLoadedError) {
      clearEvmMemory(inst, mem); // the instance goes back to the pool: leave it clean
      throw e; // from a nested frame: already final (or the whole run is void)
    }
    status = Status.HostError;
    message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  const dv2 = mem.dv();
  let output: Uint8Array = new Uint8Array(0);
  if (status === Status.Return || status === Status.Revert) {
    const off = dv2.getUint32(CTX + Ctx.retOffset, true);
    const len = dv2.getUint32(CTX + Ctx.retLength, true);
    output = mem.u8().slice(EVM_MEMORY_BASE + off, EVM_MEMORY_BASE + off + len);
  }
  const gasLeft = isNormalStatus(status) ? dv2.getBigUint64(CTX + Ctx.gas, true) : 0n;
  clearEvmMemory(inst, mem);
  return { status, gasLeft, output, message };
}

/** The next run in this instance must see zeroed EVM memory. */
function clearEvmMemory(inst: ContractInstance, mem: FrameMemory): void {
  const memWords = Number(mem.dv().getBigUint64(CTX + Ctx.memWords, true));
  if (inst.zero) inst.zero(EVM_MEMORY_BASE, EVM_MEMORY_BASE + memWords * 32);
  else mem.u8().fill(0, EVM_MEMORY_BASE, EVM_MEMORY_BASE + memWords * 32);
}
