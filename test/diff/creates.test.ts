/**
 * @file CREATE, CREATE2 and SELFDESTRUCT compared with @ethereumjs/evm: deploy then call, collisions,
 * reverting and failing init code, EIP-170/3541/3860 limits, code deposit out of gas (Frontier's
 * empty-code success), value and balance, static context, SELFDESTRUCT before and after EIP-6780,
 * refunds before London, cold beneficiaries — on old and new forks.
 */
import { describe, it } from 'vitest';
import { asm } from '../helpers/asm.ts';
import { ALL_FORKS, FORKS, same } from '../helpers/engines.ts';

const T = 240_000;
const A = '0x2000000000000000000000000000000000000002';
const OTHER = '0x00000000000000000000000000000000000000bb';

/** Init code that stores `runtime` (≤ 32 bytes) in memory and returns it; optionally writes storage first. */
function initReturning(runtime: string, store = true): string {
  const hex = runtime.replace(/^0x/, '');
  const n = hex.length / 2;
  return asm(`${store ? 'PUSH 7 PUSH 3 SSTORE ' : ''}PUSH32 0x${hex.padEnd(64, '0')} PUSH 0 MSTORE PUSH ${n} PUSH 0 RETURN`);
}

/** The deployed contract returns 42 and its own storage slot 3. */
const RUNTIME = asm('PUSH 42 PUSH 0 MSTORE PUSH 3 SLOAD PUSH 32 MSTORE PUSH 64 PUSH 0 RETURN');

/**
 * Put `init` in memory at 0x100 (as PUSH32 chunks), run CREATE or CREATE2 (with `value`, `salt`), then call the
 * result and return [address, success, returndata size, 64 bytes of output, balance of the new account].
 */
function deployer(init: string, op: 'CREATE' | 'CREATE2', opts: { value?: number; salt?: number; twice?: boolean; gas?: string } = {}): string {
  const hex = init.replace(/^0x/, '');
  const chunks: string[] = [];
  for (let i = 0; i < hex.length; i += 64) chunks.push(`PUSH32 0x${hex.slice(i, i + 64).padEnd(64, '0')} PUSH ${0x100 + i / 2} MSTORE`);
  const len = hex.length / 2;
  const create = op === 'CREATE2'
    ? `PUSH ${opts.salt ?? 1} PUSH ${len} PUSH 0x100 PUSH ${opts.value ?? 0} CREATE2`
    : `PUSH ${len} PUSH 0x100 PUSH ${opts.value ?? 0} CREATE`;
  const g = opts.gas ? `PUSH ${opts.gas}` : 'GAS';
  return asm(`
    ${chunks.join(' ')}
    ${opts.twice ? `${create} PUSH 0x40 MSTORE` : ''}
    ${create} DUP1 PUSH 0 MSTORE
    RETURNDATASIZE PUSH 0x20 MSTORE
    DUP1 BALANCE PUSH 0x60 MSTORE
    PUSH 64 PUSH 0x80 PUSH 0 PUSH 0 PUSH 0 DUP6 ${g} CALL PUSH 0xc0 MSTORE
    POP PUSH 0xe0 PUSH 0 RETURN`);
}

describe('CREATE and CREATE2', () => {
  it('deploy, then call the new contract (all forks that have the opcode)', async () => {
    for (const f of ALL_FORKS) {
      await same({ fork: f, code: deployer(initReturning(RUNTIME), 'CREATE'), gas: '1000000', pre: { [A]: { balance: '1000', nonce: '5' } } }, { note: `${f} CREATE` });
      if (['chainstart', 'homestead', 'dao', 'tangerineWhistle', 'spuriousDragon', 'byzantium'].includes(f)) continue;
      await same({ fork: f, code: deployer(initReturning(RUNTIME), 'CREATE2', { salt: 99 }), gas: '1000000' }, { note: `${f} CREATE2` });
      await same({ fork: f, code: deployer(initReturning(RUNTIME), 'CREATE2', { salt: 5, twice: true }), gas: '1000000' }, { note: `${f} CREATE2 collision` });
    }
  }, T);

  it('value, insufficient balance, empty init code, reverting and halting init code', async () => {
    const reverting = asm('PUSH 1 PUSH 1 SSTORE PUSH 0xabcd PUSH 0 MSTORE PUSH 2 PUSH 30 REVERT');
    const halting = asm('PUSH 1 PUSH 1 SSTORE INVALID');
    for (const f of FORKS) {
      const pre = { [A]: { balance: '1000' } };
      await same({ fork: f, code: deployer(initReturning(RUNTIME), 'CREATE', { value: 10 }), pre, gas: '1000000' });
      await same({ fork: f, code: deployer(initReturning(RUNTIME), 'CREATE', { value: 5000 }), pre, gas: '1000000' });
      await same({ fork: f, code: deployer('0x', 'CREATE', { value: 3 }), pre, gas: '1000000' });
      await same({ fork: f, code: deployer(reverting, 'CREATE'), pre, gas: '1000000' });
      await same({ fork: f, code: deployer(halting, 'CREATE2'), pre, gas: '1000000' });
    }
  }, T);

  it('code rules: 0xEF prefix (EIP-3541), size limit (EIP-170), deposit out of gas, init-code size (EIP-3860)', async () => {
    const ef = initReturning('0xef00112233', false);
    // returns 24577 bytes of zero memory
    const big = asm('PUSH 24577 PUSH 0 RETURN');
    const ok = asm('PUSH 24576 PUSH 0 RETURN');
    const forks = ['chainstart', 'homestead', 'spuriousDragon', 'berlin', 'london', 'shanghai', 'cancun', 'prague', 'osaka'] as const;
    for (const f of forks) {
      await same({ fork: f, code: deployer(ef, 'CREATE'), gas: '1000000' }, { note: `${f} 0xEF` });
      await same({ fork: f, code: deployer(big, 'CREATE'), gas: '30000000' }, { note: `${f} size` });
      await same({ fork: f, code: deployer(ok, 'CREATE'), gas: '30000000' }, { note: `${f} max size` });
      // Enough to run the init code but not to pay the 200 gas per byte deposit.
      for (const gas of ['60000', '80000', '120000']) await same({ fork: f, code: deployer(initReturning(RUNTIME), 'CREATE'), gas }, { note: `${f} deposit ${gas}` });
    }
    const huge = (n: number) => asm(`PUSH ${n} PUSH 0 PUSH 0 CREATE PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
    for (const f of ['london', 'shanghai', 'cancun'] as const) for (const n of [49152, 49153]) await same({ fork: f, code: huge(n), gas: '30000000' }, { note: `${f} initcode ${n}` });
  }, T);

  it('CREATE in a static context halts; nested creation from a created contract', async () => {
    const creator = asm(`PUSH 0 PUSH 0 PUSH 0 CREATE PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`);
    for (const f of FORKS) {
      const pre = { [OTHER]: { code: creator } };
      await same({ fork: f, code: asm(`PUSH 32 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${OTHER} GAS STATICCALL PUSH 0x40 MSTORE PUSH 96 PUSH 0 RETURN`), pre, gas: '500000' });
      // init code that itself creates (nonce of the new contract starts at 1 from Spurious Dragon)
      const inner = initReturning(RUNTIME);
      const outerInit = deployer(inner, 'CREATE');
      await same({ fork: f, code: deployer(outerInit, 'CREATE'), gas: '3000000' });
    }
  }, T);
});

describe('SELFDESTRUCT', () => {
  const destroyer = (to: string) => asm(`PUSH 1 PUSH 1 SSTORE PUSH20 ${to} SELFDESTRUCT`);
  it('to another account, to itself, to a new account; before and after EIP-6780; refunds before London', async () => {
    const NEW = '0x00000000000000000000000000000000000000ee';
    for (const f of ALL_FORKS) {
      for (const to of [OTHER, A, NEW]) {
        await same({ fork: f, code: destroyer(to), gas: '200000', pre: { [A]: { balance: '77' }, [OTHER]: { balance: '1' } } }, { note: `${f} → ${to}` });
        await same({ fork: f, code: destroyer(to), gas: '200000' }, { note: `${f} → ${to} (no balance)` });
      }
    }
  }, T);

  it('a contract created and destroyed in the same call (EIP-6780 allows it), then called', async () => {
    const dying = asm(`PUSH20 ${OTHER} SELFDESTRUCT`);
    // init code deploys `dying`; the deployer then calls it twice
    const init = initReturning(dying.length <= 66 ? dying : '0x00');
    for (const f of FORKS) {
      await same({ fork: f, code: deployer(init, 'CREATE', { value: 9 }), pre: { [A]: { balance: '100' } }, gas: '1000000' });
    }
  }, T);

  it('in a static context, and with gas just around the new-account and cold costs', async () => {
    for (const f of FORKS) {
      const pre = { [OTHER]: { code: destroyer(A) }, [A]: { balance: '5' } };
      await same({ fork: f, code: asm(`PUSH 0 PUSH 0 PUSH 0 PUSH 0 PUSH20 ${OTHER} GAS STATICCALL PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN`), pre, gas: '300000' });
      for (const gas of ['5002', '7610', '27600', '32620', '32621', '40000']) {
        await same({ fork: f, code: asm('PUSH 0xee SELFDESTRUCT'), pre: { [A]: { balance: '5' } }, gas }, { note: `${f} gas ${gas}` });
      }
    }
  }, T);
});
