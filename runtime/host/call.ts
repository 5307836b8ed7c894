/**
 * @file Message calls between frames (issue #3, first part): the `Executor` runs a message — value
 * transfer, then a precompile, empty code or compiled code in a pooled instance — and reverts the
 * message's own state changes when it fails; `chargeCall` is the CALL family's dynamic gas.
 *
 * Semantics mirror @ethereumjs/evm 10 (`callFamilyGas`, `Interpreter._baseCall`, `EVM._executeCall`):
 * - gas: warm/cold access of the target (EIP-2929), 9000 for a value transfer, 25000 for value sent to
 *   an empty account (EIP-161; before Spurious Dragon for any call to a non-existent account), the
 *   EIP-7702 delegate's access; then all but 1/64 of what is left (EIP-150) capped by the request;
 *   the 2300 stipend is added for value transfers and is the caller's to keep if the call cannot start;
 * - depth ≥ 1024 or a balance below the value: the call returns 0 without running and costs nothing
 *   beyond the dynamic gas;
 * - CREATE/CREATE2 (`createMessage`): collision check (nonce, code or storage), nonce 1 from Spurious
 *   Dragon, code deposit 200 gas per byte, EIP-170 size limit, EIP-3541 0xEF rejection, Frontier's
 *   "code store out of gas" success with empty code; the new address stays warm even if creation fails.
 *
 * A host failure (a bug, or the JS stack exhausted by very deep recursion) is never turned into a
 * failed call: it is thrown as `HostFailure` up to the top, so no wrong answer can come out.
 */
import { STATUS_ERROR, Status } from '../../src/abi/context.ts';
import { Fork } from '../../src/evm/forks.ts';
import { callPrecompile, precompileFor } from '../precompiles/index.ts';
import type { ContractLoader } from '../loader/types.ts';
import type { TraceStep } from './trace.ts';
import type { WorldState } from '../state/world.ts';
import { delegateOf } from './call-rules.ts';
import { executeFrame } from './execute.ts';
import { type BlockContext, type CreateParams, type FrameResult, HostFailure, type Message, type MessageRunner } from './types.ts';

export { HostFailure } from './types.ts';
export { delegateOf } from './call-rules.ts';

const EMPTY = new Uint8Array(0);



/** Everything frames of one transaction (or one bare call) share. */
export class Executor implements MessageRunner {
  constructor(
    readonly world: WorldState,
    readonly fork: Fork,
    readonly block: BlockContext,
    /** Any engine's loader (wasm, native, mixed): nested frames may cross engines. */
    readonly loader: ContractLoader,
    /** Receives every step when the loader compiles tracing builds. */
    readonly tracer?: (s: TraceStep) => void,
  ) {}

  /**
   * Run `msg` to completion. `transfer`: move `msg.value` from caller to address first (CALL,
   * CALLCODE; the balance was checked by the caller). Reverts the message's changes unless it succeeds.
   */
  run(msg: Message, transfer: boolean): FrameResult {
    const { world } = this;
    const cp = world.checkpoint();
    // ethereumjs writes (touches) the target of every CALL/STATICCALL, value or not: an empty target is
    // then deleted at the end of the transaction (EIP-161).
    if (transfer) world.touch(msg.address);
    // Before EIP-161 a call creates a missing target even with no value (geth's Call: CreateAccount unless
    // EIP-158 and value 0); the empty account then stays. Inside the checkpoint: a failed call undoes it.
    if (transfer && this.fork < Fork.SpuriousDragon && world.getAccount(msg.address) === undefined) world.setBalance(msg.address, 0n);
    if (transfer && msg.value > 0n) {
      world.setBalance(msg.caller, world.balance(msg.caller) - msg.value);
      world.setBalance(msg.address, world.balance(msg.address) + msg.value);
    }
    const result = this.runCode(msg);
    if (result.status === Status.HostError || result.status === Status.MemoryLimit) {
      throw new HostFailure(result.message ?? STATUS_ERROR[result.status] ?? 'host error');
    }
    if (result.status !== Status.Stop && result.status !== Status.Return) world.revertTo(cp);
    return result;
  }

  /**
   * Run init code at `p.address` (CREATE, CREATE2, creation transactions). The caller has checked
   * depth and balance and bumped its nonce; this moves the value, runs the code and deposits it.
   * On success `output` is the deployed code; `codeStoreOog` marks Frontier's empty-code success.
   */
  createMessage(p: CreateParams): FrameResult & { codeStoreOog?: boolean } {
    const { world, fork } = this;
    // ethereumjs warms the new address before the creation's checkpoint: it stays warm on failure.
    if (fork >= Fork.Berlin) world.warmAddress(p.address);
    const cp = world.checkpoint();
    const fail = (r: FrameResult): FrameResult => {
      world.revertTo(cp);
      return r.status === Status.Revert ? r : { ...r, gasLeft: 0n };
    };
    world.setBalance(p.caller, world.balance(p.caller) - p.value);
    const existing = world.getAccount(p.address);
    if (existing && (existing.nonce > 0n || existing.code.length > 0 || world.storageEntries(p.address).length > 0)) {
      return fail({ status: Status.OutOfGas, gasLeft: 0n, output: EMPTY, message: 'create collision' });
    }
    world.createAccount(p.address, { balance: existing?.balance ?? 0n, nonce: fork >= Fork.SpuriousDragon ? 1n : 0n, code: EMPTY });
    world.setBalance(p.address, world.balance(p.address) + p.value);
    if (p.initCode.length === 0) return { status: Status.Stop, gasLeft: p.gas, output: EMPTY };
    const msg: Message = {
      caller: p.caller, address: p.address, codeAddress: p.address, origin: p.origin, value: p.value,
      gasPrice: p.gasPrice, calldata: EMPTY, gas: p.gas, isStatic: false, depth: p.depth,
    };
    const r = this.runLoaded(msg, p.initCode);
    // MegaETH's data size counts the output of every create frame, a reverted one's too.
    const usage = this.block.chainRules?.resourceUsage;
    if (usage) usage.data += r.output.length;
    if (r.status !== Status.Stop && r.status !== Status.Return) return fail(r);
    const code = r.output;
    // A chain's own per-byte deposit charge (MegaETH storage gas) comes first; failing it is out of gas like the rest.
    const depositFee = (200n + (this.block.chainRules?.codeDepositPerByte ?? 0n)) * BigInt(code.length);
    const used = p.gas - r.gasLeft;
    const sizeOk = !(fork >= Fork.SpuriousDragon && code.length > (this.block.chainRules?.maxCodeSize ?? 24576)); // EIP-170
    if (used + depositFee <= p.gas && sizeOk) {
      if (fork >= Fork.London && code[0] === 0xef) return fail({ status: Status.InvalidOpcode, gasLeft: 0n, output: EMPTY, message: 'invalid bytecode deployed' }); // EIP-3541
      world.setCode(p.address, code);
      const rules = this.block.chainRules;
      if (rules?.codeDepositPerByte) rules.storageCharged?.(rules.codeDepositPerByte * BigInt(code.length));
      return { status: Status.Return, gasLeft: r.gasLeft - depositFee, output: code };
    }
    if (fork >= Fork.Homestead) return fail({ status: Status.OutOfGas, gasLeft: 0n, output: EMPTY, message: sizeOk ? 'code store out of gas' : 'code size exceeds maximum' });
    // Frontier: not enough gas for the deposit leaves an account without code, and succeeds.
    return { status: Status.Return, gasLeft: r.gasLeft, output: EMPTY, codeStoreOog: true };
  }

  private runCode(msg: Message): FrameResult {
    const { world, fork } = this;
    let pre = precompileFor(this.block.precompiles, fork, msg.codeAddress);
    if (pre) {
      // A chain may price or run a precompile differently (MegaETH: ModExp as Osaka, KZG at a flat 100,000).
      const o = this.block.chainRules?.precompile?.(msg.codeAddress);
      if (o?.gas !== undefined) pre = { ...pre, gas: () => o.gas! };
      const r = callPrecompile(pre, msg.calldata, msg.gas, o?.fork ?? fork);
      return r.ok
        ? { status: Status.Return, gasLeft: msg.gas - r.gasUsed, output: r.output }
        : { status: Status.OutOfGas, gasLeft: 0n, output: new Uint8Array(0), message: r.error };
    }
    let code = world.code(msg.codeAddress);
    const delegate = fork >= Fork.Prague ? delegateOf(code) : undefined;
    if (delegate !== undefined) code = world.code(delegate);
    if (code.length === 0) return { status: Status.Stop, gasLeft: msg.gas, output: EMPTY }; // outputs are never written in place
    return this.runLoaded(msg, code);
  }

  private runLoaded(msg: Message, code: Uint8Array): FrameResult {
    const { world, fork } = this;
    const loaded = this.loader.load(code, fork);
    const inst = this.loader.acquire(loaded);
    try {
      return executeFrame(inst, world, fork, msg, code, this.block, this);
    } finally {
      this.loader.release(inst);
    }
  }
}


