/**
 * @file Message calls between compiled contracts (issue #3, first part), compared with @ethereumjs/evm:
 * CALL / CALLCODE / DELEGATECALL / STATICCALL, value and the stipend, new-account gas, reverts deep in
 * the call stack, return data, recursion, the 63/64 rule, insufficient balance, static violations,
 * EIP-7702 delegated code, and calls to precompiles — on old and new forks.
 */
import { describe, it } from 'vitest';
import { asm } from '../helpers/asm.ts';
import { ALL_FORKS, FORKS, same } from '../helpers/engines.ts';

const T = 240_000;
const A = '0x2000000000000000000000000000000000000002'; // the called contract
const B = '0x00000000000000000000000000000000000000bb';
const C = '0x00000000000000000000000000000000000000cc';
const EMPTY = '0x00000000000000000000000000000000000000ee';
const MID_FORKS = ['homestead', 'tangerineWhistle', 'spuriousDragon', 'byzantium', 'istanbul', 'berlin', 'london', 'shanghai'] as const;

/** B: store CALLVALUE+CALLER-derived data, log, return 64 bytes (its storage slot 1 counts calls). */
const B_CODE = asm(`
  PUSH 1 SLOAD PUSH 1 ADD PUSH 1 SSTORE
  CALLER PUSH 0 MSTORE CALLVALUE PUSH 32 MSTORE
  PUSH 0xbeef PUSH 32 PUSH 0 LOG1
  PUSH 64 PUSH 0 RETURN`);
/** C: revert with 4 bytes of data after writing storage. */
const C_CODE = asm('PUSH 9 PUSH 0 SSTORE PUSH 0xdeadbeef PUSH 0 MSTORE PUSH 4 PUSH 28 REVERT');

const pre = (extra: Record<string, unknown> = {}) => ({
  [A]: { balance: '1000000' },
  [B]: { balance: '5', code: B_CODE },
  [C]: { code: C_CODE },
  ...extra,
});

/** Call `to` with opcode `op` (value only for CALL/CALLCODE), then return success, RETURNDATASIZE and the output. */
function caller(op: string, to: string, value = 0, gas = 'GAS', out = 64): string {
  const v = op === 'CALL' || op === 'CALLCODE' ? `PUSH ${value} ` : '';
  const g = gas === 'GAS' ? 'GAS' : `PUSH ${gas}`;
  return asm(`
    PUSH 0x11223344 PUSH 0 MSTORE
    PUSH ${out} PUSH 0x100 PUSH 32 PUSH 0 ${v}PUSH20 ${to} ${g} ${op}
    PUSH 0x200 MSTORE RETURNDATASIZE PUSH 0x220 MSTORE
    PUSH 0x60 PUSH 0x100 PUSH 0x240 MCOPY
    PUSH 0xa0 PUSH 0x200 RETURN`);
}

describe('CALL family between compiled contracts', () => {
  it('each kind, with and without value, to code, to a reverting contract and to an empty account', async () => {
    for (const f of FORKS) {
      for (const op of ['CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL']) {
        for (const to of [B, C, EMPTY]) {
          for (const value of [0, 7]) {
            if (value && (op === 'DELEGATECALL' || op === 'STATICCALL')) continue;
            await same({ fork: f, code: caller(op, to, value), pre: pre(), gas: '1000000', value: '3', caller: '0x1000000000000000000000000000000000000001', note: `${op} ${to} ${value}` } as never, { note: `${f} ${op} ${to} v=${value}` });
          }
        }
      }
    }
  }, T);

  it('older forks: pre-EIP-150 gas forwarding, new-account rules, stipend', async () => {
    for (const f of [...MID_FORKS, 'chainstart'] as const) {
      for (const op of ['CALL', 'CALLCODE', ...(f === 'chainstart' ? [] : ['DELEGATECALL'])]) {
        for (const [to, value] of [[B, 0], [B, 3], [EMPTY, 0], [EMPTY, 3]] as const) {
          // pre-EIP-150 a request above the gas left is an out-of-gas halt: ask for a fixed amount
          await same({ fork: f, code: caller(op, to, value, '60000'), pre: pre(), gas: '300000' }, { note: `${f} ${op} ${to} v=${value}` });
          await same({ fork: f, code: caller(op, to, value, '60000'), pre: pre(), gas: '61000' }, { note: `${f} tight ${op}` });
        }
      }
    }
  }, T);

  it('insufficient balance, the stipend kept, gas around the call cost', async () => {
    for (const f of FORKS) {
      await same({ fork: f, code: caller('CALL', B, 2_000_000), pre: pre(), gas: '100000' });
      for (const gas of ['1000', '25000', '34000', '40000', '50000']) {
        await same({ fork: f, code: caller('CALL', EMPTY, 1), pre: pre(), gas });
        await same({ fork: f, code: caller('CALL', B, 1, '0'), pre: pre(), gas });
      }
    }
  }, T);

  it('operands beyond 64 bits (gas, value, offsets of empty ranges) and RETURNDATASIZE after a call that returns nothing', async () => {
    // The host reads CALL's operands through 32-bit lanes with a 64-bit fast path (frame-host.ts): every lane counts.
    const BIG = ['0x10000000000000000', '0x10000000000000005', '0x100000000000000000000000000000000', '0x' + 'f'.repeat(64), '0x8' + '0'.repeat(63)];
    for (const f of FORKS) {
      for (const g of BIG) {
        // Requested gas above 2^64: all but 1/64 forwarded; the success word overwrites a word with high lanes set.
        await same({ fork: f, code: asm(`PUSH 64 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${B} PUSH ${g} DELEGATECALL PUSH 0 MSTORE GAS PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN`), pre: pre(), gas: '200000' }, { note: `${f} gas ${g}` });
        // A value above 2^64 (insufficient balance: 0 and the stipend back) and huge offsets of zero-length ranges.
        await same({ fork: f, code: asm(`PUSH 0 PUSH ${g} PUSH 0 PUSH ${g} PUSH ${g} PUSH20 ${B} GAS CALL PUSH 0 MSTORE GAS PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN`), pre: pre(), gas: '200000' }, { note: `${f} value ${g}` });
        await same({ fork: f, code: asm(`PUSH 0 PUSH ${g} PUSH 0 PUSH ${g} PUSH 0 PUSH20 ${B} GAS CALL PUSH 0 MSTORE RETURNDATASIZE PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN`), pre: pre(), gas: '200000' }, { note: `${f} offsets ${g}` });
      }
      // B returns 64 bytes, then a call to an empty account returns none: RETURNDATASIZE must read 0 again.
      await same({ fork: f, code: asm(`PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${B} GAS CALL RETURNDATASIZE
        PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${EMPTY} GAS CALL RETURNDATASIZE
        PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 MSTORE PUSH 96 MSTORE PUSH 128 PUSH 0 RETURN`), pre: pre(), gas: '300000' }, { note: `${f} returndatasize` });
    }
  }, T);

  it('static context: a value CALL and SSTORE/LOG in a STATICCALL halt the callee', async () => {
    const writer = asm('PUSH 1 PUSH 0 SSTORE STOP');
    const logger = asm('PUSH 0 PUSH 0 LOG0 STOP');
    const valueCaller = asm(`PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 1 PUSH20 ${B} GAS CALL PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
    for (const f of FORKS) {
      for (const code of [writer, logger, valueCaller, B_CODE]) {
        await same({ fork: f, code: caller('STATICCALL', C), pre: pre({ [C]: { balance: '10', code } }), gas: '500000' });
      }
    }
  }, T);

  it('reverts deep in the call stack undo only their own frame; return data of the last call', async () => {
    // A → C2 → C3 → C (reverts). Each middle contract writes storage, calls on, and returns the callee's data.
    const mid = (next: string, slot: number) => asm(`
      PUSH ${slot} PUSH ${slot} SSTORE
      PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${next} GAS DELEGATECALL POP
      RETURNDATASIZE PUSH 0 PUSH 0 RETURNDATACOPY RETURNDATASIZE PUSH 0 RETURN`);
    const C2 = '0x00000000000000000000000000000000000000c2';
    const C3 = '0x00000000000000000000000000000000000000c3';
    const extra = { [C2]: { code: mid(C3, 2) }, [C3]: { code: mid(C, 3) } };
    for (const f of FORKS) {
      for (const op of ['CALL', 'DELEGATECALL', 'STATICCALL']) {
        await same({ fork: f, code: caller(op, C2), pre: pre(extra), gas: '1000000' }, { note: op });
      }
    }
  }, T);

  it('recursion: a contract calling itself (re-entrancy into the same module), down to the 63/64 limit', async () => {
    // Counts depth in storage slot 0 (via the address's own storage), recurses while gas lasts.
    const rec = asm(`
      PUSH 0 SLOAD PUSH 1 ADD PUSH 0 SSTORE
      PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 ADDRESS GAS CALL
      PUSH 0 SLOAD PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
    for (const f of ['cancun', 'tangerineWhistle'] as const) {
      for (const gas of ['50000', '3000000', '30000000']) await same({ fork: f, code: rec, gas }, { note: `${f} ${gas}` });
    }
  }, T);

  it('the 1024 depth limit (pre-EIP-150 forwarding lets depth reach it)', async () => {
    const rec = asm(`
      PUSH 0 SLOAD PUSH 1 ADD PUSH 0 SSTORE
      PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH 0 ADDRESS PUSH 0xffff GAS SUB CALL
      PUSH 0 SLOAD PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
    await same({ fork: 'homestead', code: rec, gas: '200000000' });
  }, T);

  it('EIP-7702 delegated code is run for CALL and charged for the delegate access (Prague+)', async () => {
    const D = '0x00000000000000000000000000000000000000dd';
    const extra = { [D]: { balance: '1', code: '0xef0100' + B.slice(2) } };
    for (const f of ['cancun', 'prague', 'osaka'] as const) {
      for (const op of ['CALL', 'STATICCALL', 'DELEGATECALL']) await same({ fork: f, code: caller(op, D), pre: pre(extra), gas: '500000' }, { note: `${f} ${op}` });
    }
  }, T);

  it('calls to precompiles (identity, sha256, ripemd160, ecrecover, modexp) on every fork they exist', async () => {
    const input = asm('PUSH32 0x456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3 PUSH 0 MSTORE PUSH 28 PUSH 32 MSTORE PUSH32 0x9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608 PUSH 64 MSTORE PUSH32 0x4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada PUSH 96 MSTORE');
    for (const f of ALL_FORKS) {
      for (const p of [1, 2, 3, 4, 5, 9]) {
        const code = input + asm(`PUSH 32 PUSH 0x200 PUSH 128 PUSH 0 PUSH 0 PUSH ${p} PUSH 100000 CALL PUSH 0x300 MSTORE PUSH 0x120 PUSH 0x200 RETURN`).slice(2);
        await same({ fork: f, code, gas: '300000' }, { note: `${f} precompile ${p}` });
      }
    }
  }, T);
});
