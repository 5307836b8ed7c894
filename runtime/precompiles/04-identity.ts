/** @file IDENTITY (0x04, Frontier): returns a copy of the input; 15 + 3 gas per 32-byte word. */
import { type Precompile, ok, words } from './types.ts';

export const identity: Precompile = {
  name: 'IDENTITY',
  gas: (input) => 15n + 3n * words(input.length),
  run: (input) => ok(input.slice()),
};
