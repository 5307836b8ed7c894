/** @file Which addresses are precompiles in which fork: equal to @ethereumjs/evm's getActivePrecompiles. */
import { getActivePrecompiles } from '@ethereumjs/evm';
import { describe, expect, it } from 'vitest';

import { ALL_FORKS, Fork, forkName } from '../../src/evm/forks.ts';
import { PRECOMPILES, precompileAddresses, precompileAt } from '../../runtime/precompiles/index.ts';
import { commonAt } from './reference.ts';

describe('precompile availability', () => {
  it.each(ALL_FORKS.map((f) => [forkName(f), f] as const))('%s', async (_name, fork) => {
    const active = [...getActivePrecompiles(await commonAt(fork)).keys()].map((a) => '0x' + a).sort();
    expect(precompileAddresses(fork)).toEqual(active);
    for (const { address } of PRECOMPILES) expect(precompileAt(fork, address) !== undefined).toBe(active.includes(address));
  });

  it('ordinary addresses are not precompiles', () => {
    for (const a of ['0x' + '0'.repeat(40), '0x' + '0'.repeat(38) + '12', '0x' + '0'.repeat(37) + '101', '0x' + 'f'.repeat(40)]) {
      expect(precompileAt(Fork.Osaka, a)).toBeUndefined();
    }
  });
});
