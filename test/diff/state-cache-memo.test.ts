/**
 * @file What the state cache remembers per address record instead of asking JS again (src/builtins/state_cache_core.h),
 * compared with @ethereumjs/evm: that the backend holds no slot of an address (later misses read 0 in C), and that JS
 * warmed the account when a slot turned warm (later cold slots do not call JS until a revert, which may cool it).
 * Under `run` conventions the called account starts cold, so BALANCE(ADDRESS) shows whether it is warm.
 */
import { describe, it } from 'vitest';
import { asm } from '../helpers/asm.ts';
import { ADDRESS, FORKS, same } from '../helpers/engines.ts';

const T = 120_000;
const Y = '0x00000000000000000000000000000000000000bb';

describe('state cache: per-address memos', () => {
  it('a revert cools the account a reverted frame warmed through a slot: a later cold slot warms it again', async () => {
    // Y (delegate-called, so its slots are ADDRESS's): SLOAD 1, revert. Then ADDRESS reads cold slot 2 and
    // BALANCE(ADDRESS): 100 gas when slot 2 warmed the account again, 2600 if the account stayed cold.
    const y = asm('PUSH 1 SLOAD POP PUSH 0 PUSH 0 REVERT');
    const code = asm(`
      PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${Y} GAS DELEGATECALL POP
      PUSH 2 SLOAD POP
      ADDRESS BALANCE POP
      GAS PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
    for (const f of FORKS) {
      for (const storage of [undefined, { '0x5': '0x7' }]) {
        const pre = { [Y]: { code: y }, ...(storage ? { [ADDRESS]: { storage } } : {}) };
        await same({ fork: f, code, pre, gas: '200000' }, { note: `${f} storage ${storage ? 'some' : 'none'}` });
      }
    }
  }, T);

  it('misses of an address with slots keep asking the backend after one that read 0', async () => {
    // SLOAD 0 (unset) first, then the set slots 9 and 10; SSTOREs show the original values in their gas.
    const code = asm(`
      PUSH 0 SLOAD PUSH 0 MSTORE PUSH 9 SLOAD PUSH 32 MSTORE PUSH 10 SLOAD PUSH 64 MSTORE
      PUSH 1 PUSH 11 SSTORE PUSH 0 PUSH 10 SSTORE
      PUSH 96 PUSH 0 RETURN`);
    for (const f of FORKS) {
      for (const storage of [undefined, { '0x9': '0x7', '0xa': '0x1234567890abcdef1234567890abcdef12' }]) {
        const pre = storage ? { [ADDRESS]: { storage } } : {};
        await same({ fork: f, code, pre, gas: '200000' }, { note: `${f} storage ${storage ? 'some' : 'none'}` });
      }
    }
  }, T);
});
