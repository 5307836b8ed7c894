/**
 * @file Seeded program generator of `mevmc fuzz` (modes `gen` and `raw`; `mutate` is in mutate.ts).
 *
 * `gen` builds stack-balanced programs from snippets: arithmetic over interesting values (0, 1, 2^255, 2^256−1,
 * small negatives, random words) from immediates, calldata or the environment; DUP/SWAP shuffles; memory at near
 * and far offsets (far ones end out of gas in the middle of memory expansion); copies, KECCAK256, storage and
 * transient storage, logs, environment and account reads; bounded loops; PUSH+JUMPI skips with static and dynamic
 * targets; dynamic jumps to valid and invalid targets; every kind of exceptional halt. Most programs come with
 * 1–3 callee contracts in `pre` (ids 0xc0de…), and all of them use CALL, CALLCODE, DELEGATECALL, STATICCALL,
 * CREATE, CREATE2 (init code written to memory, deploying another generated contract, reverting, or rejected) and
 * SELFDESTRUCT. `raw` is arbitrary bytes biased towards the fork's opcodes. The same (seed, index) always gives
 * the same program (runtime/fuzz/program.ts `programRng`).
 *
 * Every exceptional halt of runtime/halts.ts is aimed at (a 60 s campaign reaches them all, test/fuzz/halts.test.ts):
 * out of gas (little gas, far memory), stack underflow/overflow and invalid jumps/opcodes (`broken` endings), static
 * state change (callees reached through STATICCALL), return data out of bounds, insufficient balance (CALL/CREATE
 * of 10^30 wei), create collision (the same CREATE2 twice), code size exceeded (init code returning 24577 bytes),
 * initcode size exceeded (CREATE of more than 49152 bytes), invalid 0xEF code (init code returning 0xEF…), and call
 * depth exceeded (`deepProgram`: a self-recursion with 2^37+ gas).
 */
import { Fork, parseForkName, TRAITS } from '../../../src/index.ts';
import { type ContractSpec, type Ins, type Program, type Unit, assemble, CALLER, FORKS, MAIN, MAX256, opByte, pushIns, Rng } from './program.ts';

const O = (name: string): Ins => ({ b: [opByte(name)] });
const P = (v: bigint | number, width?: number): Ins => pushIns(BigInt(v), width);
const ops = (s: string): Ins[] => s.split(/\s+/).filter(Boolean).map(O);

export const CALLEES = ['0xc0de000000000000000000000000000000000001', '0xc0de000000000000000000000000000000000002', '0xc0de000000000000000000000000000000000003'];

const INTERESTING: bigint[] = [
  0n, 1n, 2n, 3n, 7n, 8n, 31n, 32n, 33n, 255n, 256n, 257n, (1n << 64n) - 1n, 1n << 64n, 1n << 128n, (1n << 255n) - 1n, 1n << 255n,
  (1n << 255n) + 1n, MAX256, MAX256 - 1n, MAX256 - 2n, MAX256 - 31n, 0xffn << 248n,
];
const BIN = ['ADD', 'MUL', 'SUB', 'DIV', 'SDIV', 'MOD', 'SMOD', 'EXP', 'SIGNEXTEND', 'LT', 'GT', 'SLT', 'SGT', 'EQ', 'AND', 'OR', 'XOR', 'BYTE', 'SHL', 'SHR', 'SAR'];
const UN = ['ISZERO', 'NOT', 'ISZERO', 'NOT', 'CLZ'];
const ENV = ['GAS', 'PC', 'MSIZE', 'ADDRESS', 'CALLER', 'ORIGIN', 'CALLVALUE', 'CALLDATASIZE', 'CODESIZE', 'SELFBALANCE', 'TIMESTAMP', 'NUMBER',
  'CHAINID', 'BASEFEE', 'BLOBBASEFEE', 'RETURNDATASIZE', 'GASPRICE', 'COINBASE', 'PREVRANDAO', 'GASLIMIT'];
const NEAR = [0, 1, 31, 32, 33, 63, 64, 100, 255, 256, 1000, 1024, 4096, 30000];
const FAR: bigint[] = [1n << 16n, (1n << 20n) + 5n, 1n << 24n, 1n << 32n, (1n << 32n) - 32n, 1n << 64n, MAX256, MAX256 - 31n];
const PRECOMPILES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0b, 0x0e, 0x100];
const MAX_INITCODE = 49152; // EIP-3860

/** Generator state for one program. */
class Gen {
  private label = 0;
  constructor(readonly r: Rng, readonly fork: Fork, readonly contracts: number, private prefix: string) {}

  fresh(): string { return `${this.prefix}${this.label++}`; }

  value(): bigint {
    return this.r.weighted<() => bigint>([
      [5, () => this.r.pick(INTERESTING)],
      [2, () => BigInt(-this.r.range(1, 5))],
      [3, () => this.r.bits(256)],
      [3, () => BigInt(this.r.range(0, 300))],
    ])();
  }
  /** PUSHn v: minimal width, PUSH32, or any width that holds v (every PUSHn gets exercised). */
  push(v: bigint): Ins {
    const x = ((v % (MAX256 + 1n)) + MAX256 + 1n) % (MAX256 + 1n);
    let min = 1;
    while (x >> BigInt(8 * min) !== 0n) min++;
    return P(x, this.r.weighted<number>([[6, min], [1, 32], [3, this.r.range(min, 32)]]));
  }
  /** An instruction sequence pushing one word. */
  operand(): Ins[] {
    return this.r.weighted<() => Ins[]>([
      [6, () => [this.push(this.value())]],
      [1, () => [O('PUSH0')]],
      [2, () => [P(this.r.range(0, 100)), O('CALLDATALOAD')]],
      [1, () => [O(this.r.pick(['GAS', 'PC', 'MSIZE', 'CALLDATASIZE', 'CALLVALUE', 'RETURNDATASIZE', 'ADDRESS', 'CALLER']))]],
    ])();
  }
  /** Consume the top of stack. */
  sink(): Ins[] {
    return this.r.weighted<() => Ins[]>([
      [5, () => [O('PUSH0'), O('MLOAD'), O('XOR'), O('PUSH0'), O('MSTORE')]],
      [2, () => [P(32 * this.r.range(1, 40)), O('MSTORE')]],
      [1, () => [P(this.r.range(0, 5)), O('SSTORE')]],
      [1, () => [P(this.r.range(0, 3)), O('TSTORE')]],
      [1, () => [O('POP')]],
    ])();
  }
  offset(): Ins[] {
    return this.r.chance(0.06) ? [P(this.r.pick(FAR))] : [P(this.r.chance(0.7) ? this.r.pick(NEAR) : this.r.range(0, 2000))];
  }
  address(): Ins[] {
    return this.r.weighted<() => Ins[]>([
      [4, () => [P(BigInt(this.r.pick(CALLEES.slice(0, Math.max(1, this.contracts - 1)))))]],
      [2, () => [O('ADDRESS')]],
      [1, () => [P(BigInt(MAIN))]],
      [2, () => [P(this.r.pick(PRECOMPILES))]],
      [1, () => [P(BigInt(CALLER))]],
      [1, () => [O('CALLER')]],
      [1, () => [P(this.r.bits(160))]],
    ])();
  }
  args(n: number): Ins[] {
    const out: Ins[][] = [];
    for (let i = 0; i < n; i++) out.push(this.operand());
    return out.reverse().flat();
  }

  /** One stack-balanced snippet (nested loops/skips up to `depth`). */
  snippet(depth: number): Unit {
    const r = this.r;
    const kinds: Array<readonly [number, () => Ins[]]> = [
      [10, () => [...this.args(2), O(r.pick(BIN)), ...this.sink()]],
      [2, () => [...this.args(1), O(r.pick(UN)), ...this.sink()]],
      [2, () => [...this.args(3), O(r.pick(['ADDMOD', 'MULMOD'])), ...this.sink()]],
      [2, () => this.shuffle()],
      [3, () => [...this.operand(), ...this.offset(), O(r.pick(['MSTORE', 'MSTORE8']))]],
      [2, () => [...this.offset(), O('MLOAD'), ...this.sink()]],
      [2, () => [P(r.range(0, 300)), ...(r.chance(0.8) ? [P(r.pick(NEAR))] : this.operand()), ...this.offset(), O(r.pick(['CALLDATACOPY', 'CODECOPY', 'MCOPY']))]],
      [2, () => [P(r.range(0, 400)), ...this.offset(), O('KECCAK256'), ...this.sink()]],
      [3, () => [...(r.chance(0.4) ? [P(r.range(0, 2))] : this.operand()), P(r.range(0, 5)), O('SSTORE')]],
      [2, () => [...(r.chance(0.5) ? [P(r.range(0, 7))] : this.operand()), O('SLOAD'), ...this.sink()]],
      [2, () => [...this.operand(), P(r.range(0, 3)), O('TSTORE')]],
      [2, () => [P(r.range(0, 3)), O('TLOAD'), ...this.sink()]],
      [2, () => { const n = r.range(0, 4); return [...this.args(n), P(r.range(0, 200)), ...this.offset(), O(`LOG${n}`)]; }],
      [3, () => [O(r.pick(ENV)), ...this.sink()]],
      [2, () => [...this.address(), O(r.pick(['BALANCE', 'EXTCODESIZE', 'EXTCODEHASH'])), ...this.sink()]],
      [1, () => [P(r.range(0, 100)), P(r.range(0, 40)), P(r.pick(NEAR)), ...this.address(), O('EXTCODECOPY')]],
      [1, () => [...(r.chance(0.5) ? [P(r.range(0, 3))] : this.operand()), O(r.pick(['BLOCKHASH', 'BLOBHASH'])), ...this.sink()]],
      [2, () => this.djump()],
      [this.contracts > 1 ? 6 : 2, () => this.call()],
      [depth < 2 ? 2 : 0, () => this.create()],
    ];
    if (depth < 2) {
      kinds.push([3, () => this.loop(depth)], [3, () => this.skip(depth)]);
    }
    return r.weighted(kinds)();
  }

  /** Push k words, SWAPn/DUPm, fold everything back with XOR. */
  shuffle(): Ins[] {
    const n = this.r.range(1, 16);
    const m = this.r.chance(0.4) ? Math.min(16, n + 1) : this.r.range(1, Math.min(16, n + 1)); // deep DUPs too
    const out: Ins[] = [];
    for (let i = 0; i <= n; i++) out.push(this.push(this.value()));
    out.push(O(`SWAP${n}`), O(`DUP${m}`));
    for (let i = 0; i <= n; i++) out.push(O(this.r.pick(['XOR', 'ADD', 'SUB'])));
    return [...out, ...this.sink()];
  }
  loop(depth: number): Ins[] {
    const l = this.fresh();
    const body = Array.from({ length: this.r.range(1, 4) }, () => this.snippet(depth + 1)).flat();
    return [P(this.r.range(1, 6)), { def: l }, O('JUMPDEST'), ...body, P(1), O('SWAP1'), O('SUB'), O('DUP1'), { ref: l }, O('JUMPI'), O('POP')];
  }
  skip(depth: number): Ins[] {
    const l = this.fresh();
    const cond = this.r.chance(0.5) ? [P(this.r.pick([0n, 1n, 1n << 255n]))] : this.operand();
    const target: Ins[] = this.r.chance(0.5) ? [{ ref: l }] : [{ ref: l }, ...ops('CALLDATASIZE PUSH0 MUL ADD')];
    const body = Array.from({ length: this.r.range(1, 3) }, () => this.snippet(depth + 1)).flat();
    return [...cond, ...target, O('JUMPI'), ...body, { def: l }, O('JUMPDEST')];
  }
  djump(): Ins[] {
    const l = this.fresh();
    const valid = this.r.chance(0.85);
    const t: Ins = valid ? { ref: l } : P(this.r.pick([0n, 1n, 2n, 1n << 32n, 1n << 64n, MAX256, BigInt(this.r.range(0, 3000))]));
    const via = this.r.weighted<Ins[]>([
      [2, [t, ...ops('CALLDATASIZE PUSH0 MUL ADD')]],
      [2, [O('PUSH0'), t, O('ADD')]],
      [1, [t, P(0x3000), O('MSTORE'), P(0x3000), O('MLOAD')]],
    ]);
    return [...via, O('JUMP'), P(0xdead), P(9), O('SSTORE'), { def: l }, O('JUMPDEST')];
  }
  call(): Ins[] {
    const r = this.r;
    const kind = r.pick(['CALL', 'CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL']);
    const gas = r.weighted<Ins[]>([[3, [O('GAS')]], [4, [P(r.pick([0, 100, 2300, 5000, 30000, 100000, 300000]))]], [1, [P(MAX256)]]]);
    const value = kind === 'CALL' || kind === 'CALLCODE' ? [P(r.weighted<bigint>([[6, 0n], [3, 1n], [1, 10n ** 30n]]))] : [];
    const out: Ins[] = [P(r.pick([0, 32, 64, 100])), P(r.pick([0, 64, 0x200])), P(r.pick([0, 4, 32, 68, 200])), P(r.pick([0, 32, 0x100])), ...value, ...this.address(), ...gas, O(kind), ...this.sink()];
    if (r.chance(0.4)) out.push(...ops('RETURNDATASIZE PUSH0'), P(0x400), O('RETURNDATACOPY'));
    if (r.chance(0.05)) out.push(O('RETURNDATASIZE'), P(1), P(0x400), O('RETURNDATACOPY')); // out of bounds
    return out;
  }
  create(): Ins[] {
    const r = this.r;
    const init = this.initCode();
    const out: Ins[] = [];
    const base = 0x800;
    for (let i = 0; i < init.length; i += 32) {
      let w = 0n;
      for (let j = 0; j < 32; j++) w = (w << 8n) | BigInt(init[i + j] ?? 0);
      out.push(P(w, 32), P(base + i), O('MSTORE'));
    }
    const value = P(r.weighted<bigint>([[6, 0n], [2, 1n], [1, 10n ** 30n]]));
    // EIP-3860: init code above 49152 bytes (or exactly at the limit), read from (zeroed) memory.
    const len = r.chance(0.05) ? P(r.pick([MAX_INITCODE + 1, MAX_INITCODE + 32, MAX_INITCODE, 1 << 16])) : P(init.length);
    if (r.chance(0.5)) out.push(len, P(base), value, O('CREATE'));
    else {
      const salt = P(r.chance(0.5) ? 0n : this.value());
      out.push(salt, len, P(base), value, O('CREATE2'));
      // The same CREATE2 again (same sender, salt and init code): a collision when the first one succeeded.
      if (r.chance(0.25)) out.push(O('POP'), salt, len, P(base), value, O('CREATE2'));
    }
    if (r.chance(0.5)) out.push(...ops('PUSH0 PUSH0 PUSH0 PUSH0 PUSH0 DUP6'), P(r.pick([0, 50000, 200000])), O('CALL'), O('XOR'));
    return [...out, ...this.sink()];
  }
  /** Init code: deploys a small generated contract, reverts, deploys 0xEF…, oversize code, or runs snippets. */
  initCode(): number[] {
    const r = this.r;
    const kind = r.weighted<string>([[5, 'deploy'], [1, 'revert'], [1, 'ef'], [1, 'run'], [1, 'huge']]);
    if (kind === 'revert') return [0x60, 0x20, 0x5f, 0xfd];
    if (kind === 'ef') return [0x60, 0xef, 0x5f, 0x53, 0x60, 0x01, 0x5f, 0xf3];
    if (kind === 'huge') return [0x61, 0x60, 0x01, 0x5f, 0xf3]; // RETURN 24577 bytes: above the code size limit
    const sub = new Gen(r, this.fork, this.contracts, `${this.prefix}c${this.label++}_`);
    const units = Array.from({ length: r.range(1, 4) }, () => sub.snippet(2));
    if (kind === 'run') return [...assemble([...units, [P(r.range(0, 40)), O('PUSH0'), O('RETURN')]])];
    const runtime = [...assemble([...units, sub.ending(true)])];
    const head = [0x61, (runtime.length >> 8) & 0xff, runtime.length & 0xff, 0x80, 0x60, 11, 0x5f, 0x39, 0x5f, 0xf3, 0x00];
    return [...head, ...runtime];
  }
  ending(callee = false): Unit {
    const r = this.r;
    return r.weighted<() => Unit>([
      [5, () => [P(r.pick([0, 32, 64, 200, 1000])), O('PUSH0'), O('RETURN')]],
      [2, () => [P(r.pick([0, 32, 64])), O('PUSH0'), O('REVERT')]],
      [2, () => [O('STOP')]],
      [2, () => []],
      [callee ? 3 : 1, () => [...this.address(), O('SELFDESTRUCT')]],
      [2, () => this.broken()],
    ])();
  }
  /** Every kind of exceptional halt. */
  broken(): Unit {
    const l = this.fresh();
    return this.r.weighted<() => Unit>([
      [1, () => [O('POP')]], // stack underflow (snippets leave the stack empty)
      [1, () => [P(this.r.range(0, 3)), O(this.r.pick(['ADD', 'DUP2', 'SWAP1', 'MSTORE', 'SSTORE']))]], // underflow by one
      [1, () => [O('INVALID')]],
      [1, () => [{ b: [this.r.pick([0x0c, 0x21, 0x4b, 0xa5, 0xef, 0xf6, 0xfc])] }]],
      [1, () => [P(1), O('PUSH0'), O('PUSH0'), O('RETURNDATACOPY')]],
      [1, () => [P(2), O('JUMP')]],
      [2, () => [{ def: l }, O('JUMPDEST'), O('PUSH0'), { ref: l }, O('JUMP')]], // stack overflow
      [1, () => [P(1), P(0), O('SSTORE'), O('STOP')]], // static-call write protection when reached through STATICCALL
      [1, () => [P(1n << 40n), O('PUSH0'), O('RETURN')]], // out of gas in memory expansion
    ])();
  }
  contract(address: string, n: number, callee: boolean): ContractSpec {
    const units = Array.from({ length: n }, () => this.snippet(0));
    units.push(this.ending(callee));
    const storage: Array<[bigint, bigint]> = [];
    for (let i = this.r.range(0, 4); i > 0; i--) storage.push([BigInt(this.r.range(0, 5)), this.r.chance(0.5) ? BigInt(this.r.range(1, 2)) : this.r.bits(256)]);
    return { address, units, balance: this.r.pick([0n, 5n, 10n ** 18n]), storage };
  }
}

/** Random gas limit: plenty, little (ends at a random point), or in between. */
function gasLimit(r: Rng): bigint {
  return r.weighted<() => bigint>([[3, () => 1_000_000n], [2, () => 3_000_000n], [1, () => (r.chance(0.2) ? 10_000_000n : 300_000n)], [3, () => BigInt(r.range(0, 150_000))], [1, () => BigInt(r.range(21_000, 3_000_000))]])();
}

function calldata(r: Rng): Uint8Array {
  return r.weighted<() => Uint8Array>([[1, () => new Uint8Array(0)], [3, () => r.bytes(r.range(1, 128))], [1, () => r.bytes(4)]])();
}

/**
 * A deep self-recursion (call depth 1024): the called contract calls CALLEES[0], which calls itself (CALL, CALLCODE,
 * DELEGATECALL or STATICCALL with all its gas) before anything else, so that with a large enough gas limit (the 63/64
 * rule leaves (63/64)^1024 ≈ 1e-7 of it at depth 1024) the deepest frame's call fails for depth; each frame then
 * records the outcome cheaply (no far memory: shallow frames keep billions of gas) and ends.
 */
function deepProgram(r: Rng, id: string): Program {
  const fork = r.pick(FORKS);
  const kind = r.pick(['CALL', 'CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL']);
  // A value of 1 costs 9000 more per level: such a recursion runs out of gas on the way down.
  const value = kind === 'CALL' || kind === 'CALLCODE' ? [P(r.chance(0.9) ? 0 : 1)] : [];
  const recurse: Ins[] = [O('PUSH0'), O('PUSH0'), O('PUSH0'), O('PUSH0'), ...value, O('ADDRESS'), O('GAS'), O(kind)];
  const after = r.weighted<Ins[]>([
    [2, [O('POP')]],
    [2, [O('CALLDATASIZE'), O('SSTORE')]], // static frames halt here (static state change), deep frames run out of gas
    [1, [O('PUSH0'), O('TSTORE')]],
    [1, [O('PUSH0'), O('MSTORE'), P(32), O('PUSH0'), O('LOG0')]],
    [1, [O('POP'), O('RETURNDATASIZE'), O('PUSH0'), O('PUSH0'), O('RETURNDATACOPY')]],
  ]);
  const ending = r.weighted<Ins[]>([[3, [P(32), O('PUSH0'), O('RETURN')]], [2, [O('STOP')]], [1, [P(r.pick([0, 32])), O('PUSH0'), O('REVERT')]]]);
  const callee: ContractSpec = { address: CALLEES[0], units: [recurse, after, ending], balance: r.pick([0n, 5n]), storage: [] };
  const g = new Gen(r, parseForkName(fork)!, 2, 'D');
  const main: ContractSpec = {
    address: MAIN,
    units: [[O('PUSH0'), O('PUSH0'), O('PUSH0'), O('PUSH0'), O('PUSH0'), P(BigInt(CALLEES[0])), O('GAS'), O('CALL')], g.sink(), [O('STOP')]],
    balance: 0n, storage: [],
  };
  // 2^37..2^40 reaches depth 1024 (each level also spends ~110 gas before passing 63/64 on: 8e10 are needed);
  // 2^30 runs out of gas on the way down.
  const gas = r.weighted<bigint>([[4, 1n << BigInt(r.range(37, 40))], [1, 1n << 30n]]);
  return { id, fork, contracts: [main, callee], calldata: calldata(r), gas, value: 0n };
}

/** A `gen`-mode program. */
export function generateProgram(r: Rng, id: string): Program {
  if (r.chance(0.03)) return deepProgram(r, id);
  const fork = r.pick(FORKS);
  const f = parseForkName(fork)!;
  const nContracts = r.weighted<number>([[3, 1], [3, 2], [2, 3], [2, 4]]);
  const g = new Gen(r, f, nContracts, 'L');
  const contracts = [g.contract(MAIN, r.range(1, 24), false)];
  for (let i = 1; i < nContracts; i++) contracts.push(g.contract(CALLEES[i - 1], r.range(1, 8), true));
  return { id, fork, contracts, calldata: calldata(r), gas: gasLimit(r), value: r.weighted<bigint>([[3, 0n], [1, BigInt(r.range(1, 1000))]]) };
}

/** A `raw`-mode program: arbitrary bytes, mostly the fork's opcodes with random immediates. */
export function rawProgram(r: Rng, id: string): Program {
  const fork = r.pick(FORKS);
  const f = parseForkName(fork)!;
  const valid: number[] = [];
  for (let i = 0; i < 256; i++) if (TRAITS[i] && f >= TRAITS[i]!.since) valid.push(i);
  const units: Unit[] = [];
  const n = r.range(1, 200);
  for (let i = 0; i < n; i++) {
    if (r.chance(0.15)) { units.push([{ b: [r.int(256)] }]); continue; }
    const op = r.chance(0.25) ? r.range(0x5f, 0x7f) : r.pick(valid);
    const imm = op >= 0x60 && op <= 0x7f ? op - 0x5f : 0;
    const bytes = [op];
    const small = r.chance(0.6);
    for (let k = 0; k < imm; k++) bytes.push(small && k < imm - 1 ? 0 : r.int(256));
    units.push([{ b: bytes }]);
  }
  const main: ContractSpec = { address: MAIN, units, balance: 5n, storage: [[0n, 1n], [1n, BigInt(r.range(0, 2))]] };
  return { id, fork, contracts: [main], calldata: calldata(r), gas: gasLimit(r), value: r.chance(0.2) ? 1n : 0n };
}
