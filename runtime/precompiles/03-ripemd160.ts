/** @file RIPEMD160 (0x03, Frontier): RIPEMD-160 of the input, left-padded to 32 bytes; 600 + 120 gas per word. */
import { ripemd160 as ripemdHash } from '@noble/hashes/legacy.js';

import { type Precompile, ok, words } from './types.ts';

export const ripemd160: Precompile = {
  name: 'RIPEMD160',
  gas: (input) => 600n + 120n * words(input.length),
  run(input) {
    const out = new Uint8Array(32);
    out.set(ripemdHash(input), 12);
    return ok(out);
  },
};
