/**
 * @file Instruction lowering for the C backend: the same shape as backend/wasm/lower.ts — a switch
 * on the opcode's kind from the traits table. Pure ops are folded when constant and otherwise
 * written as `unsigned _BitInt(256)` arithmetic or a call of the native prelude
 * (src/builtins/mevmc_native.h, which shares its algorithms with the wasm builtins); anything that
 * touches the environment or state calls the host table with the scratch-word protocol of
 * src/abi/host.ts, so the runtime serves both backends with one implementation.
 */
import { CALLDATA_BASE, CALLDATA_MAX, Ctx, ENV, EVM_MEMORY_BASE, SCRATCH, Status } from '../../abi/context.ts';
import { ENV_OPCODES, VOLATILE_ENV_OPCODES } from '../../abi/host.ts';
import { evalPure } from '../../evm/arith.ts';
import type { Fork } from '../../evm/forks.ts';
import { G } from '../../evm/gas.ts';
import { Op, type OpTraits } from '../../evm/traits.ts';
import { type BlockBuilder, constValue, ctx32, ctx64, GAS_FROM_CTX, GAS_TO_CTX, type MemRun, u64, type Value } from './frame.ts';

export interface LowerContext {
  readonly fork: Fork;
  readonly pc: number;
  /** Mark block-environment reads in `Ctx.volatile` (chain modes with gas detention). */
  readonly volatileEnv?: boolean;
}

/** False when the instruction ended the frame (no code may follow). */
export type Continues = boolean;

/** Pure opcodes computed by a prelude function of the same operands, top of stack first. */
const PRELUDE: Partial<Record<number, string>> = {
  [Op.MUL]: 'mevmc_w_mul', [Op.DIV]: 'mevmc_w_div', [Op.SDIV]: 'mevmc_w_sdiv', [Op.MOD]: 'mevmc_w_mod',
  [Op.SMOD]: 'mevmc_w_smod', [Op.SIGNEXTEND]: 'mevmc_w_signextend', [Op.BYTE]: 'mevmc_w_byte',
  [Op.SHL]: 'mevmc_w_shl', [Op.SHR]: 'mevmc_w_shr', [Op.SAR]: 'mevmc_w_sar', [Op.EXP]: 'mevmc_w_exp',
  [Op.ADDMOD]: 'mevmc_w_addmod', [Op.MULMOD]: 'mevmc_w_mulmod', [Op.CLZ]: 'mevmc_w_clz',
};

/** Binary ops written inline, `a` = top of stack. */
const INLINE: Partial<Record<number, (a: string, b: string) => string>> = {
  [Op.ADD]: (a, b) => `${a} + ${b}`,
  [Op.SUB]: (a, b) => `${a} - ${b}`,
  [Op.LT]: (a, b) => `(w256)(${a} < ${b})`,
  [Op.GT]: (a, b) => `(w256)(${a} > ${b})`,
  [Op.SLT]: (a, b) => `(w256)((s256)${a} < (s256)${b})`,
  [Op.SGT]: (a, b) => `(w256)((s256)${a} > (s256)${b})`,
  [Op.EQ]: (a, b) => `(w256)(${a} == ${b})`,
  [Op.AND]: (a, b) => `${a} & ${b}`,
  [Op.OR]: (a, b) => `${a} | ${b}`,
  [Op.XOR]: (a, b) => `${a} ^ ${b}`,
};

export function compileInst(bb: BlockBuilder, cx: LowerContext, op: number, t: OpTraits, pushValue: bigint | undefined): Continues {
  // Between the accesses of a memory run only pure and stack instructions and word accesses run: nothing there reads
  // gas or memory size, and any halt in it is exceptional (all gas gone, memory dropped) whichever access it hits.
  if (!(t.kind === 'stack' || t.kind === 'pure' || op === Op.MLOAD || op === Op.MSTORE || op === Op.MSTORE8)) bb.endMemRuns();
  switch (t.kind) {
    case 'stack': return compileStack(bb, op, pushValue);
    case 'pure': return compilePure(bb, cx, op, t);
    case 'memory': return compileMemoryOp(bb, op);
    case 'env': return compileEnv(bb, op, cx);
    case 'gas': bb.push(bb.temp('(w256)gas')); return true;
    case 'storage': return compileStorage(bb, op);
    case 'log': return compileLog(bb, op - Op.LOG0);
    case 'jump': return true; // JUMPDEST: nothing; JUMP/JUMPI are block exits
    case 'call': return compileCall(bb, op);
    case 'term': return compileTerm(bb, op);
    default: { const never: never = t.kind; throw new Error(`unhandled kind ${never}`); }
  }
}

function compileStack(bb: BlockBuilder, op: number, pushValue: bigint | undefined): Continues {
  if (op === Op.POP) bb.pop();
  else if (op >= Op.PUSH0 && op <= Op.PUSH32) bb.push(constValue(pushValue ?? 0n));
  else if (op >= Op.DUP1 && op <= Op.DUP16) bb.dup(op - Op.DUP1 + 1);
  else bb.swap(op - Op.SWAP1 + 1);
  return true;
}

function compilePure(bb: BlockBuilder, cx: LowerContext, op: number, t: OpTraits): Continues {
  if (op === Op.PC) { bb.push(constValue(BigInt(cx.pc))); return true; }
  const args: Value[] = [];
  for (let i = 0; i < t.pops; i++) args.push(bb.pop());
  const consts = args.map((v) => v.k);
  if (op !== Op.EXP && consts.every((c) => c !== undefined)) {
    bb.push(constValue(evalPure(op, consts as bigint[])!));
    return true;
  }
  const [a, b] = args;
  const inline = INLINE[op];
  if (op === Op.ADD && (consts[0] === undefined) !== (consts[1] === undefined)) {
    // A temp plus a small constant keeps its base, so accesses at base + k join one memory run.
    const [x, k] = consts[0] !== undefined ? [b, consts[0]] : [a, consts[1]!];
    const p = offsetParts(x);
    const off = p === undefined ? undefined : p.off + k;
    if (p !== undefined && off! < RUN_SPAN) { bb.push({ ...bb.temp(inline!(a.c, b.c)), base: p.base, off }); return true; }
  }
  if (inline) { bb.push(bb.temp(inline(a.c, b.c))); return true; }
  if (op === Op.ISZERO) { bb.push(bb.temp(`(w256)(${a.c} == 0)`)); return true; }
  if (op === Op.NOT) { bb.push(bb.temp(`~${a.c}`)); return true; }
  // Shifts by a constant amount (selector extraction, masks) are plain C shifts.
  const shift = consts[0];
  if ((op === Op.SHL || op === Op.SHR) && shift !== undefined) {
    if (shift >= 256n) bb.push(constValue(0n));
    else bb.push(bb.temp(`${b.c} ${op === Op.SHL ? '<<' : '>>'} ${shift}`));
    return true;
  }
  // SIGNEXTEND by a constant byte index: a shift pair, which clang folds to a sign extension of the low 8b + 8 bits.
  // The prelude's general form inlined ~24,000 times (evm-benchmarks signextend/zero) took 48 CPU-seconds of clang.
  if (op === Op.SIGNEXTEND && consts[0] !== undefined) {
    if (consts[0] >= 31n) bb.push(b);
    else { const s = 248n - 8n * consts[0]; bb.push(bb.temp(`(w256)((s256)(${b.c} << ${s}) >> ${s})`)); }
    return true;
  }
  // MUL, DIV, MOD by a constant power of two (or DIV/MOD by zero): shifts and masks instead of the prelude's general
  // paths (sha1_divs divides by 2^k for its rotations: each DIV went through Knuth D).
  const pow2 = (c: bigint | undefined): number | undefined => (c !== undefined && c !== 0n && (c & (c - 1n)) === 0n ? c.toString(2).length - 1 : undefined);
  if (op === Op.MUL && (consts[0] === 0n || consts[1] === 0n)) { bb.push(constValue(0n)); return true; }
  if (op === Op.MUL && (pow2(consts[0]) !== undefined || pow2(consts[1]) !== undefined)) {
    const [k, x] = pow2(consts[1]) !== undefined ? [pow2(consts[1])!, a] : [pow2(consts[0])!, b];
    bb.push(k === 0 ? x : bb.temp(`${x.c} << ${k}`));
    return true;
  }
  if ((op === Op.DIV || op === Op.MOD) && consts[1] !== undefined && (consts[1] === 0n || pow2(consts[1]) !== undefined)) {
    const k = pow2(consts[1]);
    if (k === undefined) bb.push(constValue(0n)); // EVM: x / 0 = x % 0 = 0
    else if (op === Op.DIV) bb.push(k === 0 ? a : bb.temp(`${a.c} >> ${k}`));
    else bb.push(k === 0 ? constValue(0n) : bb.temp(`${a.c} & ${constValue(consts[1] - 1n).c}`));
    return true;
  }
  // ADDMOD/MULMOD by a constant 2^k: the low k bits of the 257-bit sum or 512-bit product are those of the wrapped
  // 256-bit one (blake2b_shifts adds modulo 2^64; each went through Knuth D: power-of-two moduli skip Barrett).
  if ((op === Op.ADDMOD || op === Op.MULMOD) && pow2(consts[2]) !== undefined) {
    const mask = constValue(consts[2]! - 1n);
    if (mask.k === 0n) bb.push(constValue(0n));
    else bb.push(bb.temp(`(${a.c} ${op === Op.ADDMOD ? '+' : '*'} ${b.c}) & ${mask.c}`));
    return true;
  }
  if (op === Op.EXP) chargeExp(bb, cx, b);
  // MULMOD by a run-time modulus: one out-of-line call, m = 2^256 − 1 included (tested there). The prelude's inline
  // 512-bit fast path copied at each of weierstrudel's 1,401 sites made clang's register allocation take most of a
  // minute; an inline test for it with two calls still cost half of the clang time of the functions holding them.
  if (op === Op.MULMOD && args[2].k === undefined) {
    const [x, y, m] = args.map((v) => v.c);
    bb.push(bb.temp(`mevmc_w_mulmod_slow(${x}, ${y}, ${m})`));
    return true;
  }
  const fn = PRELUDE[op];
  if (fn === undefined) throw new Error(`no C lowering for pure opcode 0x${op.toString(16)}`);
  bb.push(bb.temp(`${fn}(${args.map((v) => v.c).join(', ')})`));
  return true;
}

/** EXP's dynamic gas: per significant byte of the exponent (EIP-160). */
function chargeExp(bb: BlockBuilder, cx: LowerContext, exponent: Value): void {
  const perByte = G.expByte(cx.fork);
  if (exponent.k !== undefined) {
    const bytes = exponent.k === 0n ? 0 : Math.ceil(exponent.k.toString(16).length / 2);
    if (bytes > 0) bb.charge(u64(BigInt(bytes) * perByte));
    return;
  }
  bb.charge(bb.scalar('uint64_t', `(uint64_t)mevmc_w_bytelen(${exponent.c}) * ${perByte}`));
}

/** Low 64 bits of a value. */
const lo = (v: Value): string => (v.k !== undefined ? u64(v.k) : `(uint64_t)${v.c}`);
/** C int: 1 if any bit above 63 is set. */
const high = (v: Value): string => (v.k !== undefined ? (v.k >> 64n !== 0n ? '1' : '0') : `(uint32_t)((${v.c} >> 64) != 0)`);
/** Frame offset of EVM memory byte `off` (valid only after a successful expansion). */
const memOff = (v: Value): string => `(${EVM_MEMORY_BASE}u + (uint32_t)${lo(v)})`;
/** Frame offset of the data of a `len`-byte access at `off`, EVM_MEMORY_BASE when empty (the offset may be huge then). */
const dataOff = (off: Value, len: Value): string =>
  len.k === 0n ? `${EVM_MEMORY_BASE}u` : len.k !== undefined ? memOff(off) : `(${len.c} == 0 ? ${EVM_MEMORY_BASE}u : ${memOff(off)})`;
/** uint32 length of a non-empty access (0 when empty). */
const len32 = (len: Value): string => (len.k !== undefined ? `${Number(len.k & 0xffffffffn)}u` : `(uint32_t)${lo(len)}`);

/**
 * Memory expansion for an access of `len` bytes at `off` (nothing when len is 0): accesses inside
 * the current memory are checked inline, growth calls the prelude's `mevmc_w_expand`, which charges
 * gas and halts exactly as the wasm builtin `mevmc_expand` does (they share memory_core.h).
 */
function expandMemory(bb: BlockBuilder, off: Value, len: Value): void {
  if (len.k === 0n) return;
  const overflow = `(${high(len)} | (${high(off)} << 1))`;
  const call = `mevmc_w_expand(M, ${lo(off)}, ${lo(len)}, ${overflow})`;
  const memBytes = `(${ctx64(Ctx.memWords)} << 5)`;
  if (len.k !== undefined && len.k <= 32n) {
    const p = offsetParts(off);
    if (p !== undefined) { bb.memRun(p.base, p.off, p.off + len.k, runCheck); return; }
    // off < 2^32 first, so that off + len cannot wrap around 2^64 and pass for a small address.
    const inside = off.k !== undefined
      ? (off.k < 1n << 32n ? `${u64(off.k + len.k)} <= ${memBytes}` : '0')
      : `(${off.c} >> 32) == 0 && (uint64_t)${off.c} + ${len.k} <= ${memBytes}`;
    bb.emit(`if (!(${inside})) {`);
    bb.syncedCheck(call);
    bb.emit('}');
    return;
  }
  if (len.k !== undefined) { bb.syncedCheck(call); return; }
  bb.emit(`if (${len.c} != 0) {`);
  bb.syncedCheck(call);
  bb.emit('}');
}

/** Offsets that join memory runs: a constant or a temp, plus a constant below this. */
const RUN_SPAN = 1n << 32n;

/** An offset as a run's base and distance: '' for a constant below RUN_SPAN, a temp (`tN`, const: never reassigned). */
function offsetParts(v: Value): { base: string; off: bigint } | undefined {
  if (v.k !== undefined) return v.k < RUN_SPAN ? { base: '', off: v.k } : undefined;
  if (v.base !== undefined) return { base: v.base, off: v.off ?? 0n };
  return /^t\d+$/.test(v.c) ? { base: v.c, off: 0n } : undefined;
}

/**
 * A run's expansion check: memory up to base + end inside, else one expansion of [base + start, base + end). Its end
 * is the run's last access's or beyond, so memory and gas after the run are exactly as after the accesses one by one;
 * the gas runs out (or the 1 GiB limit is hit) exactly when it would at one of them. base + start wraps as the
 * accesses' offsets do; a base ≥ 2^32 goes to mevmc_w_expand, which halts as for the access itself.
 */
function runCheck(r: MemRun): string {
  const memBytes = `(${ctx64(Ctx.memWords)} << 5)`;
  const len = u64(r.end - r.start);
  if (r.base === '') {
    return `if (!(${u64(r.end)} <= ${memBytes})) { ${GAS_TO_CTX} st = mevmc_w_expand(M, ${u64(r.start)}, ${len}, 0); if (st) return st; ${GAS_FROM_CTX} }`;
  }
  const at = r.start === 0n ? r.base : `(${r.base} + (w256)${u64(r.start)})`;
  const inside = `(${r.base} >> 32) == 0 && (uint64_t)${r.base} + ${u64(r.end)} <= ${memBytes}`;
  return `if (!(${inside})) { ${GAS_TO_CTX} st = mevmc_w_expand(M, (uint64_t)${at}, ${len}, (uint32_t)((${at} >> 64) != 0) << 1); if (st) return st; ${GAS_FROM_CTX} }`;
}

/** Charge `perWord` × words(len) for copies and hashing (len already bounded by the expansion). */
function chargeWords(bb: BlockBuilder, len: Value, perWord: bigint): void {
  if (len.k !== undefined) {
    if (len.k !== 0n) bb.charge(u64(((len.k + 31n) / 32n) * perWord));
    return;
  }
  bb.charge(bb.scalar('uint64_t', `(((uint64_t)${len.c} + 31) >> 5) * ${perWord}`));
}

/** Run `line` only when `len` is non-zero (memory offsets are only valid then). */
function whenNonZero(bb: BlockBuilder, len: Value, emit: () => void): void {
  if (len.k === 0n) return;
  if (len.k !== undefined) { emit(); return; }
  bb.emit(`if (${len.c} != 0) {`);
  emit();
  bb.emit('}');
}

const SCR = (i: number) => SCRATCH + 32 * i;

function compileMemoryOp(bb: BlockBuilder, op: number): Continues {
  switch (op) {
    case Op.MLOAD: {
      const off = bb.pop();
      expandMemory(bb, off, constValue(32n));
      bb.push(bb.temp(`mevmc_w_load_be(M + ${memOff(off)})`));
      return true;
    }
    case Op.MSTORE: {
      const off = bb.pop();
      const v = bb.pop();
      expandMemory(bb, off, constValue(32n));
      bb.emit(`mevmc_w_store_be(M + ${memOff(off)}, ${v.c});`);
      return true;
    }
    case Op.MSTORE8: {
      const off = bb.pop();
      const v = bb.pop();
      expandMemory(bb, off, constValue(1n));
      bb.emit(`M[${memOff(off)}] = (uint8_t)${v.c};`);
      return true;
    }
    case Op.MSIZE:
      bb.push(bb.temp(`(w256)(${ctx64(Ctx.memWords)} << 5)`));
      return true;
    case Op.KECCAK256: {
      const off = bb.pop();
      const len = bb.pop();
      expandMemory(bb, off, len);
      chargeWords(bb, len, G.keccakWord);
      bb.push(bb.temp(`mevmc_w_keccak(M + ${dataOff(off, len)}, ${len.k === 0n ? '0' : lo(len)})`));
      return true;
    }
    case Op.CALLDATACOPY: case Op.CODECOPY: {
      const [dst, off, len] = [bb.pop(), bb.pop(), bb.pop()];
      expandMemory(bb, dst, len);
      chargeWords(bb, len, G.copyWord);
      // From the frame's calldata copy (context.ts CALLDATA_BASE) and the code embedded in the object (compileToC's
      // mevmc_code): a koffi callback per copy cost more than the rest of a small call. The host only for calldata
      // too long to copy.
      if (op === Op.CODECOPY) {
        whenNonZero(bb, len, () => bb.emit(`mevmc_copy_padded(M + ${memOff(dst)}, mevmc_code, sizeof mevmc_code, ${lo(off)}, ${high(off)}, ${len32(len)});`));
        return true;
      }
      const n = ctx32(Ctx.calldataSize);
      whenNonZero(bb, len, () => {
        bb.emit(`if (${n} <= ${CALLDATA_MAX}u) mevmc_copy_padded(M + ${memOff(dst)}, M + ${CALLDATA_BASE}, ${n}, ${lo(off)}, ${high(off)}, ${len32(len)}); else {`);
        bb.synced(`H->calldatacopy(U, ${memOff(dst)}, ${lo(off)}, ${high(off)}, ${len32(len)})`);
        bb.emit('}');
      });
      return true;
    }
    case Op.RETURNDATACOPY: {
      const [dst, off, len] = [bb.pop(), bb.pop(), bb.pop()];
      // EIP-211: reading past the return data halts even for a zero length; the host checks bounds.
      expandMemory(bb, dst, len);
      chargeWords(bb, len, G.copyWord);
      bb.syncedCheck(`H->returndatacopy(U, ${dataOff(dst, len)}, ${lo(off)}, ${high(off)}, ${lo(len)}, ${high(len)})`);
      return true;
    }
    case Op.EXTCODECOPY: {
      const [address, dst, off, len] = [bb.pop(), bb.pop(), bb.pop(), bb.pop()];
      bb.storeWord(SCR(0), address);
      expandMemory(bb, dst, len);
      chargeWords(bb, len, G.copyWord);
      const n = len.k === 0n ? '0u' : len.k !== undefined ? len32(len) : `(${len.c} == 0 ? 0u : ${len32(len)})`;
      bb.syncedCheck(`H->extcodecopy(U, ${SCR(0)}, ${dataOff(dst, len)}, ${lo(off)}, ${high(off)}, ${n})`);
      return true;
    }
    case Op.MCOPY: {
      const [dst, src, len] = [bb.pop(), bb.pop(), bb.pop()];
      expandMemory(bb, src, len);
      expandMemory(bb, dst, len);
      chargeWords(bb, len, G.copyWord);
      whenNonZero(bb, len, () => bb.emit(`__builtin_memmove(M + ${memOff(dst)}, M + ${memOff(src)}, ${len32(len)});`));
      return true;
    }
    default:
      throw new Error(`no C lowering for memory opcode 0x${op.toString(16)}`);
  }
}

/** Host callbacks that replace the word at scratch 0 in place: name and whether it may fail. */
const IN_PLACE: Partial<Record<number, [string, boolean]>> = {
  [Op.BALANCE]: ['balance', true], [Op.EXTCODESIZE]: ['extcodesize', true], [Op.EXTCODEHASH]: ['extcodehash', true],
  [Op.BLOCKHASH]: ['blockhash', false], [Op.BLOBHASH]: ['blobhash', false],
};

function compileEnv(bb: BlockBuilder, op: number, cx: LowerContext): Continues {
  const slot = ENV_OPCODES[op];
  if (slot !== undefined) {
    if (cx.volatileEnv && VOLATILE_ENV_OPCODES.has(op)) bb.emit(`${ctx32(Ctx.volatile)} = 1;`);
    bb.push(bb.loadWord(ENV + 32 * slot));
    return true;
  }
  const inPlace = IN_PLACE[op];
  if (inPlace) {
    const [fn, mayFail] = inPlace;
    bb.storeWord(SCR(0), bb.pop());
    if (mayFail) bb.syncedCheck(`H->${fn}(U, ${SCR(0)})`);
    else bb.synced(`H->${fn}(U, ${SCR(0)})`);
    bb.push(bb.loadWord(SCR(0)));
    return true;
  }
  switch (op) {
    case Op.CALLDATALOAD: {
      // The word at the offset in the frame's calldata copy when it starts inside the calldata, else the 32 zero bytes
      // after it (as wasm reads it); the host only for calldata too long to copy.
      const off = bb.pop();
      const n = bb.scalar('uint32_t', ctx32(Ctx.calldataSize));
      const at = bb.scalar('uint64_t', `(${high(off)} == 0 && ${lo(off)} < ${n} ? ${lo(off)} : (uint64_t)${n})`);
      const v = bb.variable();
      bb.emit(`if (${n} <= ${CALLDATA_MAX}u) ${v.c} = mevmc_w_load_be(M + ${CALLDATA_BASE} + ${at}); else {`);
      bb.synced(`H->calldataload(U, ${SCR(0)}, ${lo(off)}, ${high(off)})`);
      bb.emit(`${v.c} = mevmc_w_load(M + ${SCR(0)}); }`);
      bb.push(v);
      return true;
    }
    case Op.SELFBALANCE:
      bb.synced(`H->selfbalance(U, ${SCR(0)})`);
      bb.push(bb.loadWord(SCR(0)));
      return true;
    default:
      throw new Error(`no C lowering for env opcode 0x${op.toString(16)}`);
  }
}

function compileStorage(bb: BlockBuilder, op: number): Continues {
  bb.storeWord(SCR(0), bb.pop());
  if (op === Op.SLOAD) { bb.syncedCheck(`H->sload(U, ${SCR(0)})`); bb.push(bb.loadWord(SCR(0))); return true; }
  if (op === Op.TLOAD) { bb.synced(`H->tload(U, ${SCR(0)})`); bb.push(bb.loadWord(SCR(0))); return true; }
  bb.storeWord(SCR(1), bb.pop());
  bb.syncedCheck(`H->${op === Op.SSTORE ? 'sstore' : 'tstore'}(U, ${SCR(0)}, ${SCR(1)})`);
  return true;
}

function compileLog(bb: BlockBuilder, topics: number): Continues {
  const off = bb.pop();
  const len = bb.pop();
  for (let i = 0; i < topics; i++) bb.storeWord(SCR(i), bb.pop());
  expandMemory(bb, off, len);
  // LOG data gas is per byte, not per word.
  if (len.k !== undefined) { if (len.k !== 0n) bb.charge(u64(len.k * G.logData)); }
  else bb.charge(bb.scalar('uint64_t', `(uint64_t)${len.c} * ${G.logData}`));
  bb.syncedCheck(`H->log(U, ${topics}, ${SCR(0)}, ${dataOff(off, len)}, ${len.k === 0n ? '0u' : len32(len)})`);
  return true;
}

/** CALL family, CREATE/CREATE2 and SELFDESTRUCT, with the operand words of src/abi/host.ts. */
function compileCall(bb: BlockBuilder, op: number): Continues {
  if (op === Op.CREATE || op === Op.CREATE2) {
    const value = bb.pop();
    const off = bb.pop();
    const len = bb.pop();
    const salt = op === Op.CREATE2 ? bb.pop() : constValue(0n);
    expandMemory(bb, off, len);
    [value, off, len, salt].forEach((v, i) => bb.storeWord(SCR(i), v));
    bb.syncedCheck(`H->create(U, ${op}, ${SCR(0)})`);
    bb.push(bb.loadWord(SCR(0)));
    return true;
  }
  if (op === Op.SELFDESTRUCT) {
    bb.storeWord(SCR(0), bb.pop());
    bb.syncedCheck(`H->selfdestruct(U, ${SCR(0)})`);
    bb.exit(Status.Stop);
    return false;
  }
  const hasValue = op === Op.CALL || op === Op.CALLCODE;
  const gas = bb.pop();
  const to = bb.pop();
  const value = hasValue ? bb.pop() : constValue(0n);
  const [inOff, inLen, outOff, outLen] = [bb.pop(), bb.pop(), bb.pop(), bb.pop()];
  expandMemory(bb, inOff, inLen);
  expandMemory(bb, outOff, outLen);
  [gas, to, value, inOff, inLen, outOff, outLen].forEach((v, i) => bb.storeWord(SCR(i), v));
  bb.syncedCheck(`H->call(U, ${op}, ${SCR(0)})`);
  bb.push(bb.loadWord(SCR(0)));
  return true;
}

function compileTerm(bb: BlockBuilder, op: number): Continues {
  if (op === Op.STOP) { bb.exit(Status.Stop); return false; }
  if (op === Op.INVALID) { bb.exit(Status.InvalidOpcode); return false; }
  // RETURN / REVERT
  const off = bb.pop();
  const len = bb.pop();
  expandMemory(bb, off, len);
  const empty = len.k === 0n ? '1' : len.k !== undefined ? '0' : `(${len.c} == 0)`;
  bb.emit(`${ctx32(Ctx.retOffset)} = ${empty} ? 0u : (uint32_t)${lo(off)};`);
  bb.emit(`${ctx32(Ctx.retLength)} = ${empty} ? 0u : (uint32_t)${lo(len)};`);
  bb.exit(op === Op.RETURN ? Status.Return : Status.Revert);
  return false;
}

