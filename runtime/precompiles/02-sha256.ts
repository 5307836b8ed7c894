/** @file SHA256 (0x02, Frontier): SHA-256 of the input; 60 + 12 gas per 32-byte word. */
import { sha256 as sha256Hash } from '@noble/hashes/sha2.js';

import { type Precompile, ok, words } from './types.ts';

export const sha256: Precompile = {
  name: 'SHA256',
  gas: (input) => 60n + 12n * words(input.length),
  run: (input) => ok(sha256Hash(input)),
};
