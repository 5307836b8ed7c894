/**
 * @file Static (base) gas of every opcode per fork, built by copying the previous fork's table and
 * overriding what an EIP changed — and the gas constants of the dynamic parts (memory, copies,
 * storage, access lists), shared by the compiler (block costs) and the runtime (host charges).
 *
 * The base costs mirror @ethereumjs/evm's representation: from Berlin (EIP-2929,
 * https://eips.ethereum.org/EIPS/eip-2929) account- and storage-touching opcodes have base 0 and
 * charge warm/cold access dynamically. test/evm/traits.test.ts compares this table with
 * @ethereumjs/evm's for every fork.
 */
import { ALL_FORKS, Fork } from './forks.ts';
import { Op, TRAITS } from './traits.ts';

type Overrides = Partial<Record<keyof typeof Op | string, number>>;

const FRONTIER: Overrides = {
  STOP: 0, ADD: 3, MUL: 5, SUB: 3, DIV: 5, SDIV: 5, MOD: 5, SMOD: 5, ADDMOD: 8, MULMOD: 8, EXP: 10,
  SIGNEXTEND: 5, LT: 3, GT: 3, SLT: 3, SGT: 3, EQ: 3, ISZERO: 3, AND: 3, OR: 3, XOR: 3, NOT: 3, BYTE: 3,
  KECCAK256: 30, ADDRESS: 2, BALANCE: 20, ORIGIN: 2, CALLER: 2, CALLVALUE: 2, CALLDATALOAD: 3,
  CALLDATASIZE: 2, CALLDATACOPY: 3, CODESIZE: 2, CODECOPY: 3, GASPRICE: 2, EXTCODESIZE: 20,
  EXTCODECOPY: 20, BLOCKHASH: 20, COINBASE: 2, TIMESTAMP: 2, NUMBER: 2, PREVRANDAO: 2, GASLIMIT: 2,
  POP: 2, MLOAD: 3, MSTORE: 3, MSTORE8: 3, SLOAD: 50, SSTORE: 0, JUMP: 8, JUMPI: 10, PC: 2, MSIZE: 2,
  GAS: 2, JUMPDEST: 1, CREATE: 32000, CALL: 40, CALLCODE: 40, RETURN: 0, INVALID: 0, SELFDESTRUCT: 0,
  LOG0: 375, LOG1: 750, LOG2: 1125, LOG3: 1500, LOG4: 1875,
};

/** What each fork changed, in order. Forks without entries change no base gas. */
const CHANGES: Partial<Record<Fork, Overrides>> = {
  [Fork.Homestead]: { DELEGATECALL: 40 }, // EIP-7
  // EIP-150: IO-heavy operations repriced
  [Fork.TangerineWhistle]: { BALANCE: 400, EXTCODESIZE: 700, EXTCODECOPY: 700, SLOAD: 200, CALL: 700, CALLCODE: 700, DELEGATECALL: 700, SELFDESTRUCT: 5000 },
  [Fork.Byzantium]: { STATICCALL: 700, REVERT: 0, RETURNDATASIZE: 2, RETURNDATACOPY: 3 }, // EIP-214, 140, 211
  [Fork.Constantinople]: { SHL: 3, SHR: 3, SAR: 3, CREATE2: 32000, EXTCODEHASH: 400 }, // EIP-145, 1014, 1052
  // EIP-1884 repricing; EIP-1344 CHAINID; EIP-1884 SELFBALANCE
  [Fork.Istanbul]: { BALANCE: 700, SLOAD: 800, EXTCODEHASH: 700, CHAINID: 2, SELFBALANCE: 5 },
  // EIP-2929: warm/cold access is charged dynamically
  [Fork.Berlin]: { BALANCE: 0, EXTCODESIZE: 0, EXTCODECOPY: 0, EXTCODEHASH: 0, SLOAD: 0, CALL: 0, CALLCODE: 0, DELEGATECALL: 0, STATICCALL: 0 },
  [Fork.London]: { BASEFEE: 2 }, // EIP-3198
  [Fork.Shanghai]: { PUSH0: 2 }, // EIP-3855
  [Fork.Cancun]: { TLOAD: 100, TSTORE: 100, MCOPY: 3, BLOBHASH: 3, BLOBBASEFEE: 2 }, // EIP-1153, 5656, 4844, 7516
  [Fork.Osaka]: { CLZ: 5 }, // EIP-7939
};

function nameToOp(name: string): number {
  const t = TRAITS.findIndex((x) => x?.name === name);
  if (t < 0) throw new Error(`gas table: unknown opcode ${name}`);
  return t;
}

function buildTables(): readonly Int32Array[] {
  const tables: Int32Array[] = [];
  let cur = new Int32Array(256).fill(-1);
  const apply = (o: Overrides) => {
    for (const [name, g] of Object.entries(o)) cur[nameToOp(name)] = g!;
  };
  apply(FRONTIER);
  for (let n = 0; n <= 32; n++) if (n > 0) cur[0x5f + n] = 3; // PUSHn
  for (let n = 0; n < 16; n++) cur[0x80 + n] = cur[0x90 + n] = 3; // DUPn, SWAPn
  for (const f of ALL_FORKS) {
    cur = Int32Array.from(cur);
    const c = CHANGES[f];
    if (c) apply(c);
    tables.push(cur);
  }
  return Object.freeze(tables);
}

/** BASE_GAS[fork][op]: static gas, or -1 where the opcode does not exist in that fork. */
export const BASE_GAS: readonly Int32Array[] = buildTables();

/** Static gas of `op` in `fork` (undefined if the opcode does not exist there). */
export function baseGas(fork: Fork, op: number): number | undefined {
  const g = BASE_GAS[fork][op];
  const t = TRAITS[op];
  return g < 0 || t === undefined || fork < t.since ? undefined : g;
}

/** Gas constants of the dynamic parts, named as in the specs. */
export const G = {
  memoryWord: 3n,
  quadCoeffDiv: 512n,
  copyWord: 3n,
  keccakWord: 6n,
  logData: 8n,
  /** EXP per exponent byte: 10 before EIP-160 (Spurious Dragon), 50 after. */
  expByte: (fork: Fork) => (fork >= Fork.SpuriousDragon ? 50n : 10n),
  /** EIP-2929 */
  coldSload: 2100n,
  coldAccountAccess: 2600n,
  warmStorageRead: 100n,
  /** EIP-2200 sentry: SSTORE with gasleft ≤ 2300 fails. */
  sstoreSentry: 2300n,
  sstoreSet: 20000n,
  sstoreReset: 5000n,
  sstoreClearRefund: 15000n,
  /** Gas given to the callee of a value-carrying CALL on top of what the caller forwards. */
  callStipend: 2300n,
} as const;

/** Words needed for `bytes` bytes. */
export const words = (bytes: bigint): bigint => (bytes + 31n) / 32n;

/** Total cost of `w` words of memory (Yellow Paper C_mem). */
export const memoryCost = (w: bigint): bigint => G.memoryWord * w + (w * w) / G.quadCoeffDiv;

/** EIP-4844 BLOB_BASE_FEE_UPDATE_FRACTION; raised by EIP-7691 in Prague (https://eips.ethereum.org/EIPS/eip-7691). */
export const blobBaseFeeUpdateFraction = (fork: Fork): bigint => (fork >= Fork.Prague ? 5007716n : 3338477n);

/** `fake_exponential(factor, numerator, denominator)` of https://eips.ethereum.org/EIPS/eip-4844. */
export function fakeExponential(factor: bigint, numerator: bigint, denominator: bigint): bigint {
  let i = 1n;
  let output = 0n;
  let acc = factor * denominator;
  while (acc > 0n) {
    output += acc;
    acc = (acc * numerator) / (denominator * i);
    i++;
  }
  return output / denominator;
}

/** BLOBBASEFEE: fake_exponential(MIN_BASE_FEE_PER_BLOB_GAS = 1, excess, fraction). */
export const blobBaseFee = (fork: Fork, excessBlobGas: bigint): bigint =>
  fakeExponential(1n, excessBlobGas, blobBaseFeeUpdateFraction(fork));

/** Largest excess blob gas whose base fee still fits in 256 bits (checked by input validation). */
export const maxExcessBlobGas = (fork: Fork): bigint => 178n * blobBaseFeeUpdateFraction(fork);
