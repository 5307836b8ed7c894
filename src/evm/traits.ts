/**
 * @file The one opcode table. Every stage (disassembler, analysis, backends, runtime) derives its
 * knowledge of an opcode from `TRAITS`; nothing else spells out arities or immediates.
 *
 * Input: nothing. Output: `TRAITS[256]` (frozen), `Op` (mnemonic → byte). Invariants checked by
 * test/evm/traits.test.ts: PUSHn has n immediate bytes, DUPn pops n / pushes n+1, SWAPn pops and
 * pushes n+1, every defined opcode has a base gas in every fork where it exists, and arity and
 * availability agree with @ethereumjs/evm's own table for every fork.
 */
import { Fork } from './forks.ts';

/**
 * How an opcode is lowered (evmone's instruction signatures / revmc builtins): backends switch on
 * this first, so an implementation cannot quietly reach state it does not declare.
 * - `stack`: PUSH*, DUP*, SWAP*, POP — compile-time moves on the virtual stack
 * - `pure`: arithmetic/bitwise/compare on stack values only (inline or a u256 builtin)
 * - `memory`: reads/writes EVM memory (may expand it)
 * - `env`: reads the call/block environment or other accounts through the host
 * - `gas`: observes exact remaining gas (GAS)
 * - `storage`: storage and transient storage through the host
 * - `log`: LOG0..LOG4
 * - `jump`: JUMP, JUMPI, JUMPDEST
 * - `call`: CALL*, CREATE*, SELFDESTRUCT (nested frames)
 * - `term`: STOP, RETURN, REVERT, INVALID
 */
export type OpKind = 'stack' | 'pure' | 'memory' | 'env' | 'gas' | 'storage' | 'log' | 'jump' | 'call' | 'term';

/** Static facts about one opcode. */
export interface OpTraits {
  readonly name: string;
  /** Immediate bytes following the opcode (PUSHn: n). */
  readonly imm: number;
  readonly pops: number;
  readonly pushes: number;
  readonly kind: OpKind;
  /** Ends the basic block and never falls through (STOP, JUMP, RETURN, REVERT, INVALID, SELFDESTRUCT). */
  readonly terminates: boolean;
  /** First fork where the opcode exists. */
  readonly since: Fork;
}

/** Mnemonic → opcode byte. */
export const Op = {
  STOP: 0x00, ADD: 0x01, MUL: 0x02, SUB: 0x03, DIV: 0x04, SDIV: 0x05, MOD: 0x06, SMOD: 0x07,
  ADDMOD: 0x08, MULMOD: 0x09, EXP: 0x0a, SIGNEXTEND: 0x0b,
  LT: 0x10, GT: 0x11, SLT: 0x12, SGT: 0x13, EQ: 0x14, ISZERO: 0x15, AND: 0x16, OR: 0x17, XOR: 0x18,
  NOT: 0x19, BYTE: 0x1a, SHL: 0x1b, SHR: 0x1c, SAR: 0x1d, CLZ: 0x1e,
  KECCAK256: 0x20,
  ADDRESS: 0x30, BALANCE: 0x31, ORIGIN: 0x32, CALLER: 0x33, CALLVALUE: 0x34, CALLDATALOAD: 0x35,
  CALLDATASIZE: 0x36, CALLDATACOPY: 0x37, CODESIZE: 0x38, CODECOPY: 0x39, GASPRICE: 0x3a,
  EXTCODESIZE: 0x3b, EXTCODECOPY: 0x3c, RETURNDATASIZE: 0x3d, RETURNDATACOPY: 0x3e, EXTCODEHASH: 0x3f,
  BLOCKHASH: 0x40, COINBASE: 0x41, TIMESTAMP: 0x42, NUMBER: 0x43, PREVRANDAO: 0x44, GASLIMIT: 0x45,
  CHAINID: 0x46, SELFBALANCE: 0x47, BASEFEE: 0x48, BLOBHASH: 0x49, BLOBBASEFEE: 0x4a,
  POP: 0x50, MLOAD: 0x51, MSTORE: 0x52, MSTORE8: 0x53, SLOAD: 0x54, SSTORE: 0x55, JUMP: 0x56,
  JUMPI: 0x57, PC: 0x58, MSIZE: 0x59, GAS: 0x5a, JUMPDEST: 0x5b, TLOAD: 0x5c, TSTORE: 0x5d,
  MCOPY: 0x5e, PUSH0: 0x5f, PUSH1: 0x60, PUSH32: 0x7f, DUP1: 0x80, DUP16: 0x8f, SWAP1: 0x90,
  SWAP16: 0x9f, LOG0: 0xa0, LOG4: 0xa4,
  CREATE: 0xf0, CALL: 0xf1, CALLCODE: 0xf2, RETURN: 0xf3, DELEGATECALL: 0xf4, CREATE2: 0xf5,
  STATICCALL: 0xfa, REVERT: 0xfd, INVALID: 0xfe, SELFDESTRUCT: 0xff,
} as const;

type Row = [op: number, name: string, pops: number, pushes: number, kind: OpKind, since?: Fork, terminates?: boolean];

const F = Fork;
const ROWS: Row[] = [
  [0x00, 'STOP', 0, 0, 'term', F.Frontier, true],
  [0x01, 'ADD', 2, 1, 'pure'], [0x02, 'MUL', 2, 1, 'pure'], [0x03, 'SUB', 2, 1, 'pure'],
  [0x04, 'DIV', 2, 1, 'pure'], [0x05, 'SDIV', 2, 1, 'pure'], [0x06, 'MOD', 2, 1, 'pure'],
  [0x07, 'SMOD', 2, 1, 'pure'], [0x08, 'ADDMOD', 3, 1, 'pure'], [0x09, 'MULMOD', 3, 1, 'pure'],
  [0x0a, 'EXP', 2, 1, 'pure'], [0x0b, 'SIGNEXTEND', 2, 1, 'pure'],
  [0x10, 'LT', 2, 1, 'pure'], [0x11, 'GT', 2, 1, 'pure'], [0x12, 'SLT', 2, 1, 'pure'],
  [0x13, 'SGT', 2, 1, 'pure'], [0x14, 'EQ', 2, 1, 'pure'], [0x15, 'ISZERO', 1, 1, 'pure'],
  [0x16, 'AND', 2, 1, 'pure'], [0x17, 'OR', 2, 1, 'pure'], [0x18, 'XOR', 2, 1, 'pure'],
  [0x19, 'NOT', 1, 1, 'pure'], [0x1a, 'BYTE', 2, 1, 'pure'],
  [0x1b, 'SHL', 2, 1, 'pure', F.Constantinople], [0x1c, 'SHR', 2, 1, 'pure', F.Constantinople],
  [0x1d, 'SAR', 2, 1, 'pure', F.Constantinople],
  [0x1e, 'CLZ', 1, 1, 'pure', F.Osaka], // EIP-7939
  [0x20, 'KECCAK256', 2, 1, 'memory'],
  [0x30, 'ADDRESS', 0, 1, 'env'], [0x31, 'BALANCE', 1, 1, 'env'], [0x32, 'ORIGIN', 0, 1, 'env'],
  [0x33, 'CALLER', 0, 1, 'env'], [0x34, 'CALLVALUE', 0, 1, 'env'], [0x35, 'CALLDATALOAD', 1, 1, 'env'],
  [0x36, 'CALLDATASIZE', 0, 1, 'env'], [0x37, 'CALLDATACOPY', 3, 0, 'memory'],
  [0x38, 'CODESIZE', 0, 1, 'env'], [0x39, 'CODECOPY', 3, 0, 'memory'], [0x3a, 'GASPRICE', 0, 1, 'env'],
  [0x3b, 'EXTCODESIZE', 1, 1, 'env'], [0x3c, 'EXTCODECOPY', 4, 0, 'memory'],
  [0x3d, 'RETURNDATASIZE', 0, 1, 'env', F.Byzantium], [0x3e, 'RETURNDATACOPY', 3, 0, 'memory', F.Byzantium],
  [0x3f, 'EXTCODEHASH', 1, 1, 'env', F.Constantinople],
  [0x40, 'BLOCKHASH', 1, 1, 'env'], [0x41, 'COINBASE', 0, 1, 'env'], [0x42, 'TIMESTAMP', 0, 1, 'env'],
  [0x43, 'NUMBER', 0, 1, 'env'], [0x44, 'PREVRANDAO', 0, 1, 'env'], [0x45, 'GASLIMIT', 0, 1, 'env'],
  [0x46, 'CHAINID', 0, 1, 'env', F.Istanbul], [0x47, 'SELFBALANCE', 0, 1, 'env', F.Istanbul],
  [0x48, 'BASEFEE', 0, 1, 'env', F.London], [0x49, 'BLOBHASH', 1, 1, 'env', F.Cancun],
  [0x4a, 'BLOBBASEFEE', 0, 1, 'env', F.Cancun],
  [0x50, 'POP', 1, 0, 'stack'], [0x51, 'MLOAD', 1, 1, 'memory'], [0x52, 'MSTORE', 2, 0, 'memory'],
  [0x53, 'MSTORE8', 2, 0, 'memory'], [0x54, 'SLOAD', 1, 1, 'storage'], [0x55, 'SSTORE', 2, 0, 'storage'],
  [0x56, 'JUMP', 1, 0, 'jump', F.Frontier, true], [0x57, 'JUMPI', 2, 0, 'jump'], [0x58, 'PC', 0, 1, 'pure'],
  [0x59, 'MSIZE', 0, 1, 'memory'], [0x5a, 'GAS', 0, 1, 'gas'], [0x5b, 'JUMPDEST', 0, 0, 'jump'],
  [0x5c, 'TLOAD', 1, 1, 'storage', F.Cancun], [0x5d, 'TSTORE', 2, 0, 'storage', F.Cancun], // EIP-1153
  [0x5e, 'MCOPY', 3, 0, 'memory', F.Cancun], // EIP-5656
  [0x5f, 'PUSH0', 0, 1, 'stack', F.Shanghai], // EIP-3855
  [0xf0, 'CREATE', 3, 1, 'call'], [0xf1, 'CALL', 7, 1, 'call'], [0xf2, 'CALLCODE', 7, 1, 'call'],
  [0xf3, 'RETURN', 2, 0, 'term', F.Frontier, true], [0xf4, 'DELEGATECALL', 6, 1, 'call', F.Homestead],
  [0xf5, 'CREATE2', 4, 1, 'call', F.Constantinople], [0xfa, 'STATICCALL', 6, 1, 'call', F.Byzantium],
  [0xfd, 'REVERT', 2, 0, 'term', F.Byzantium, true], [0xfe, 'INVALID', 0, 0, 'term', F.Frontier, true],
  [0xff, 'SELFDESTRUCT', 1, 0, 'call', F.Frontier, true],
];

function build(): readonly (OpTraits | undefined)[] {
  const t: (OpTraits | undefined)[] = new Array(256).fill(undefined);
  const def = (op: number, r: Omit<OpTraits, 'imm'> & { imm?: number }) =>
    (t[op] = Object.freeze({ imm: 0, ...r }));
  for (const [op, name, pops, pushes, kind, since = F.Frontier, terminates = false] of ROWS)
    def(op, { name, pops, pushes, kind, since, terminates });
  for (let n = 1; n <= 32; n++) def(0x5f + n, { name: `PUSH${n}`, imm: n, pops: 0, pushes: 1, kind: 'stack', since: F.Frontier, terminates: false });
  for (let n = 1; n <= 16; n++) {
    def(0x7f + n, { name: `DUP${n}`, pops: n, pushes: n + 1, kind: 'stack', since: F.Frontier, terminates: false });
    def(0x8f + n, { name: `SWAP${n}`, pops: n + 1, pushes: n + 1, kind: 'stack', since: F.Frontier, terminates: false });
  }
  for (let n = 0; n <= 4; n++) def(0xa0 + n, { name: `LOG${n}`, pops: n + 2, pushes: 0, kind: 'log', since: F.Frontier, terminates: false });
  return Object.freeze(t);
}

/** Opcode traits by byte; `undefined` for bytes that are not opcodes in any fork. */
export const TRAITS: readonly (OpTraits | undefined)[] = build();

/** Traits of `op` if it exists in `fork`, else undefined (an undefined opcode halts like INVALID). */
export function traitsIn(op: number, fork: Fork): OpTraits | undefined {
  const t = TRAITS[op];
  return t !== undefined && fork >= t.since ? t : undefined;
}

/** Mnemonic of any byte (`0x0c` style for undefined bytes). */
export function opName(op: number): string {
  return TRAITS[op]?.name ?? `0x${op.toString(16).padStart(2, '0')}`;
}

/** True for PUSH0..PUSH32. */
export const isPush = (op: number): boolean => op >= Op.PUSH0 && op <= Op.PUSH32;
/** True for CALL, CALLCODE, DELEGATECALL, STATICCALL, CREATE, CREATE2: ops whose gas reading must be exact. */
export const observesGas = (op: number): boolean =>
  op === Op.GAS || op === Op.SSTORE || op === Op.CALL || op === Op.CALLCODE || op === Op.DELEGATECALL ||
  op === Op.STATICCALL || op === Op.CREATE || op === Op.CREATE2;
