/**
 * @file Transaction-level differential tests: synthetic state-test cases run on the compiled engine
 * (`runStateTest`) and on @ethereumjs/vm `runTx` (`runStateTestReference`); the post-state roots, logs hashes and
 * rejection must be identical. Covers what ../shared/statetests (Cancun-filled) cannot: Prague (EIP-7702
 * authorizations, EIP-7623 floor), older forks' fee and refund rules, and EIP-161 touches of empty accounts.
 *
 * Regression: a zero-value CALL or STATICCALL to an empty account touches it in @ethereumjs/evm (it writes the
 * target even for value 0), so EIP-161 deletes it at the end of the transaction; `Executor.run` now touches it too.
 */
import { createEOACode7702Tx, createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx';
import { bytesToHex, eoaCode7702SignAuthorization, hexToBytes, privateToAddress } from '@ethereumjs/util';
import { describe, expect, it } from 'vitest';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { commonFor } from '../../runtime/tx/decode.ts';
import { runStateTestReference } from '../../runtime/harness/reference/statetest.ts';
import { type PreAccountJson, type StateTestCase, STATETEST_FORKS, runStateTest } from '../../runtime/harness/statetest.ts';

const KEY = hexToBytes('0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8');
const SENDER = '0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b';
const KEY2 = hexToBytes(`0x${'11'.repeat(32)}`);
const AUTHORITY = bytesToHex(privateToAddress(KEY2));
const CONTRACT: `0x${string}` = `0x${'cc'.repeat(20)}`;
const EMPTY_ACC = '0x' + 'dead'.padStart(40, '0');
const RIPEMD = '0x' + '03'.padStart(40, '0');
const a20 = (a: string) => a.slice(2);
const ENV = {
  currentCoinbase: '0x' + 'ba'.repeat(20), currentGasLimit: '0x10000000', currentNumber: '0x01', currentTimestamp: '0x03e8',
  currentDifficulty: '0x020000', currentRandom: '0x' + '01'.repeat(32), currentBaseFee: '0x0a', currentExcessBlobGas: '0x00',
};

interface Synthetic {
  name: string;
  code: string;
  forks: string[];
  tx?: 'legacy' | '1559' | '7702' | 'create' | 'floor';
  value?: bigint;
  pre?: Record<string, PreAccountJson>;
}

const acc = (code = '0x', balance = '0x00', nonce = '0x00', storage: Record<string, string> = {}): PreAccountJson => ({ balance, nonce, code, storage });

function build(s: Synthetic, forkName: string): StateTestCase {
  const fork = STATETEST_FORKS[forkName];
  const common = commonFor(fork);
  const base = { nonce: 0, gasLimit: 300000, value: s.value ?? 0n };
  let tx;
  if (s.tx === '1559') tx = createFeeMarket1559Tx({ ...base, to: CONTRACT, maxFeePerGas: 30, maxPriorityFeePerGas: 2, data: '0x' }, { common });
  else if (s.tx === 'create') tx = createLegacyTx({ ...base, gasPrice: 10, data: `0x${s.code}` }, { common });
  else if (s.tx === 'floor') tx = createLegacyTx({ ...base, gasPrice: 10, to: CONTRACT, data: `0x${'ff'.repeat(2000)}` }, { common });
  else if (s.tx === '7702') {
    const auth = eoaCode7702SignAuthorization({ chainId: '0x1', address: CONTRACT, nonce: '0x0' }, KEY2);
    const bad = eoaCode7702SignAuthorization({ chainId: '0x2', address: CONTRACT, nonce: '0x0' }, KEY2);
    tx = createEOACode7702Tx({ ...base, to: AUTHORITY as `0x${string}`, maxFeePerGas: 30, maxPriorityFeePerGas: 2, data: '0x', authorizationList: [bad, auth] as never }, { common });
  } else tx = createLegacyTx({ ...base, gasPrice: 10, to: CONTRACT, data: '0x' }, { common });
  tx = tx.sign(KEY);
  return {
    file: 'synthetic', test: s.name, forkName, fork, index: 0, indexes: { data: 0, gas: 0, value: 0 }, env: ENV,
    pre: {
      [SENDER]: acc('0x', '0x0de0b6b3a7640000'),
      [CONTRACT]: acc(s.tx === 'create' ? '0x' : '0x' + s.code, '0x64', '0x01', { '0x01': '0x01' }),
      [EMPTY_ACC]: acc(),
      [RIPEMD]: acc(),
      ...s.pre,
    },
    txbytes: bytesToHex(tx.serialize()), hash: '0x', logs: '0x',
  };
}

const CALL = (op: string, to: string, value = '00', gas = '5a') =>
  op === 'f1' || op === 'f2' ? `600060006000600060${value}73${a20(to)}${gas}${op}00` : `6000600060006000 73${a20(to)}${gas}${op}00`.replace(' ', '');

const ALL = ['EIP158', 'Byzantium', 'Istanbul', 'Berlin', 'London', 'Shanghai', 'Cancun', 'Prague'];
const CASES: Synthetic[] = [
  { name: 'SSTORE clear refund', code: '600060015500', forks: ALL },
  { name: 'SSTORE set + LOG1', code: '602a6002556001600052602060006000a100', forks: ALL },
  { name: 'value transfer to empty CALL', code: CALL('f1', EMPTY_ACC, '01'), forks: ALL },
  { name: 'zero-value CALL to empty', code: CALL('f1', EMPTY_ACC), forks: ALL },
  { name: 'STATICCALL to empty', code: CALL('fa', EMPTY_ACC), forks: ['Byzantium', 'Berlin', 'Cancun', 'Prague'] },
  { name: 'zero-value CALL to RIPEMD, out of gas', code: CALL('f1', RIPEMD, '00', '6001'), forks: ALL },
  { name: 'SELFDESTRUCT to empty', code: `73${a20(EMPTY_ACC)}ff`, forks: ALL },
  { name: 'SELFDESTRUCT to self', code: '30ff', forks: ['Berlin', 'London', 'Cancun', 'Prague'] },
  { name: 'REVERT', code: '600160015560006000fd', forks: ALL },
  { name: '1559 tx', code: '3a600055484601600155', tx: '1559', forks: ['London', 'Cancun', 'Prague'] },
  { name: 'creation tx', code: '600a600c600039600a6000f3602a60005260206000f3', tx: 'create', value: 5n, forks: ALL },
  { name: 'creation tx, SELFDESTRUCT in init code', code: `73${a20(EMPTY_ACC)}ff`, tx: 'create', value: 5n, forks: ['London', 'Cancun', 'Prague'] },
  { name: 'calldata floor (EIP-7623)', code: '00', tx: 'floor', forks: ['Cancun', 'Prague'] },
  { name: 'EIP-7702 authorization then call', code: '600160005500', tx: '7702', forks: ['Prague'] },
];

describe('transactions: compiled engine vs @ethereumjs/vm runTx', () => {
  const loader = new WasmLoader();
  for (const s of CASES) {
    for (const f of s.forks) {
      const label = `${s.name} ${f}`;
      it(label, async () => {
        const c = build(s, f);
        const ours = runStateTest(c, loader);
        const ref = await runStateTestReference(c);
        expect(ours.failure).toBeUndefined();
        expect({ root: ours.gotHash, logs: ours.gotLogs, rejected: ours.rejected }).toEqual({ root: ref.gotHash, logs: ref.gotLogs, rejected: ref.rejected });
      }, 60_000);
    }
  }
});
