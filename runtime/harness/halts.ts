/**
 * @file The exceptional halts of the EVM (and the failure classes of CALL/CREATE that are not halts but end a
 * message early), under one fixed name each: the coverage target of `mevmc fuzz`. Light-weight on purpose (no
 * compiler, no reference): the main thread of the fuzzer imports it to print coverage.
 *
 * How the reference run (runtime/reference/ethereumjs.ts `onHalt`) observes each kind, per frame at any depth:
 * - from the frame's result (`afterMessage` event): out of gas, stack underflow/overflow, invalid jump, invalid
 *   opcode, static state change, create collision, code size exceeded (EIP-170), initcode size exceeded (EIP-3860,
 *   the CREATE opcode's own frame halts), invalid 0xEF code (EIP-3541), insufficient balance (top-level value);
 * - return data out of bounds: ethereumjs reports it as 'out of gas' (RETURNDATACOPY's gas handler traps); the
 *   reference run wraps that gas handler to re-label the frame's halt;
 * - call depth exceeded and insufficient balance of CALL/CALLCODE/CREATE/CREATE2 do not halt the caller nor start
 *   a frame (the opcode pushes 0): the reference run wraps those opcode handlers (which only run once the gas
 *   was paid) and checks ethereumjs' own fail-fast conditions (`Interpreter._baseCall`, `Interpreter.create`).
 */

export const HALT_KINDS = [
  'out of gas',
  'stack underflow',
  'stack overflow',
  'invalid jump',
  'invalid opcode',
  'static state change',
  'return data out of bounds',
  'insufficient balance',
  'create collision',
  'code size exceeded',
  'initcode size exceeded',
  'invalid 0xEF code',
  'call depth exceeded',
] as const;

export type HaltKind = (typeof HALT_KINDS)[number];

/** Short labels for the live progress line. */
export const HALT_SHORT: Record<HaltKind, string> = {
  'out of gas': 'oog', 'stack underflow': 'underflow', 'stack overflow': 'overflow', 'invalid jump': 'jump',
  'invalid opcode': 'opcode', 'static state change': 'static', 'return data out of bounds': 'returndata',
  'insufficient balance': 'balance', 'create collision': 'collision', 'code size exceeded': 'codesize',
  'initcode size exceeded': 'initcode', 'invalid 0xEF code': '0xEF', 'call depth exceeded': 'depth',
};

/** Kinds outside the target list (precompile input errors and the like) are counted under this prefix. */
export const OTHER_HALT = 'other: ';

/** The halt kind of an @ethereumjs/evm `exceptionError.error` ('revert' is not a halt: undefined). */
export function haltKindOfError(e: string): string | undefined {
  if (e === 'revert' || e === 'stop') return undefined;
  if (e === 'out of gas' || e === 'code store out of gas') return 'out of gas';
  if (e === 'stack underflow' || e === 'stack overflow' || e === 'invalid opcode' || e === 'static state change' ||
    e === 'insufficient balance' || e === 'create collision') return e;
  if (e.startsWith('invalid JUMP')) return 'invalid jump';
  if (e === 'code size to deposit exceeds maximum code size') return 'code size exceeded';
  if (e === 'initcode exceeds max initcode size') return 'initcode size exceeded';
  if (e === 'invalid bytecode deployed') return 'invalid 0xEF code';
  return OTHER_HALT + e;
}
