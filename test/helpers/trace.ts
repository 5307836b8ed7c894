/**
 * @file Gas trace of a case on @ethereumjs/evm: the gas left before every top-level instruction, used only
 * to choose interesting gas limits (block boundaries, just-enough/one-short for each instruction). Expected
 * results never come from here: tests compare against `runReference`. The setup copies the conventions of
 * runtime/reference/ethereumjs.ts (fresh SimpleStateManager with the pre-state, Common per fork and chain id,
 * bare runCall); `traceGas` returns the final executionGasUsed so callers can check both setups agree.
 */
import { Mainnet, createCustomCommon } from '@ethereumjs/common';
import { createEVM, paramsEVM } from '@ethereumjs/evm';
import { SimpleStateManager } from '@ethereumjs/statemanager';
import { Account, Address, bigIntToBytes, bytesToBigInt, setLengthLeft } from '@ethereumjs/util';
import { type Case, addrKey, calledAccount, parseHexBytes } from '../../runtime/harness/case.ts';
import { blobBaseFee } from '../../runtime/harness/reference/ethereumjs.ts';

export interface Step {
  pc: number;
  /** Gas left before the instruction's charges. */
  gasLeft: bigint;
  op: number;
}

export interface Trace {
  steps: Step[];
  gasUsed: bigint;
  error: string | undefined;
}

/** Trace the top-level frame of `c` (at most `maxSteps` steps are kept). */
export async function traceGas(c: Case, maxSteps = 200_000): Promise<Trace> {
  const common = createCustomCommon({ chainId: c.block.chainId.toString() }, Mainnet, { hardfork: c.fork, params: paramsEVM });
  const sm = new SimpleStateManager();
  const accounts = new Map(c.pre);
  accounts.set(addrKey(c.address), calledAccount(c));
  for (const [key, a] of accounts) {
    const addr = new Address(parseHexBytes(key));
    await sm.putAccount(addr, new Account(a.nonce, a.balance));
    if (a.code.length > 0) await sm.putCode(addr, a.code);
    for (const [k, v] of a.storage) if (v !== 0n) await sm.putStorage(addr, setLengthLeft(bigIntToBytes(k), 32), bigIntToBytes(v));
  }
  const evm = await createEVM({ common, stateManager: sm });
  const steps: Step[] = [];
  let lastKey = '';
  evm.events.on('step', (e: { pc: number; gasLeft: bigint; depth: number; opcode: { code: number } }, resolve?: () => void) => {
    // The hook also fires a second time for a failing step: keep one entry per (pc, gasLeft).
    const key = `${e.pc}:${e.gasLeft}`;
    if (e.depth === 0 && key !== lastKey && steps.length < maxSteps) steps.push({ pc: e.pc, gasLeft: e.gasLeft, op: e.opcode.code });
    lastKey = key;
    resolve?.();
  });
  const b = c.block;
  const caller = new Address(c.caller);
  const res = await evm.runCall({
    caller, origin: caller, to: new Address(c.address), data: c.calldata, value: c.value, gasLimit: c.gas, gasPrice: c.gasPrice ?? 0n,
    block: {
      header: {
        number: b.number, coinbase: new Address(b.coinbase), timestamp: b.timestamp, difficulty: bytesToBigInt(b.prevRandao),
        prevRandao: b.prevRandao, gasLimit: b.gasLimit, baseFeePerGas: b.baseFee, slotNumber: 0n,
        getBlobGasPrice: () => blobBaseFee(c.fork, b.excessBlobGas),
      },
    } as never,
  });
  return { steps, gasUsed: res.execResult.executionGasUsed, error: res.execResult.exceptionError?.error };
}
