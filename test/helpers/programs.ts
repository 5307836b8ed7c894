/**
 * @file EVM programs several test files run on different engines (assembled with test/helpers/asm.ts).
 */
import { asmBytes } from './asm.ts';

/**
 * A Solidity-shaped internal function with a static loop (fib-like), called twice through the dispatch with
 * calldata words 0 and 1 as n; a deep item (0x1111) survives both calls; returns the five words left. `pad`: code
 * run once first (to move the program to another layout).
 */
export const fibCalledTwice = (pad = ''): Uint8Array => asmBytes(`
  ${pad}
  PUSH 0x1111
  PUSH :ret1 PUSH 0 CALLDATALOAD PUSH :f JUMP
ret1: JUMPDEST
  PUSH :ret2 PUSH 32 CALLDATALOAD PUSH :f JUMP
ret2: JUMPDEST
  PUSH 0 MSTORE PUSH 32 MSTORE PUSH 64 MSTORE PUSH 96 MSTORE PUSH 128 MSTORE
  PUSH 160 PUSH 0 RETURN
f: JUMPDEST                         // .. ret n
  PUSH 0 PUSH 1                     // .. ret n a b
loop: JUMPDEST
  DUP3 ISZERO PUSH :done JUMPI
  DUP2 DUP2 ADD SWAP2 POP SWAP1     // .. ret n b a+b
  SWAP2 PUSH 1 SWAP1 SUB SWAP2      // .. ret n-1 b a+b
  PUSH :loop JUMP
done: JUMPDEST                      // .. ret 0 a b
  SWAP2 POP SWAP2 JUMP              // .. b a → ret
`);
