/**
 * @file Telling init (deployment) code from runtime code, where the bytes allow it.
 *
 * Init code ends by returning the runtime code it carries: solc's constructors end with
 * `PUSH len DUP1 PUSH off PUSH0 CODECOPY PUSH0 RETURN` (with immutables, MSTOREs in between; libraries
 * copy to another address and return it after a JUMPI). So the bytes are init code when a CODECOPY of
 * constants (dst, off, len) in [0, off) is followed by RETURN(dst, len), and the copied tail is itself
 * code: it runs to the end of the bytes, or starts with a solc prologue. A runtime code that copies a
 * child's init code (`new Child()`) CREATEs it instead of returning it, so it does not match.
 *
 * Found by a small abstract interpretation: constants through PUSH/DUP/SWAP, straight-line, with the
 * stack at a constant JUMPI/JUMP target carried to its JUMPDEST (other JUMPDESTs start unknown);
 * everything else is unknown. A miss is
 * harmless (no warning); a match names what to do instead.
 */
import { Op, TRAITS } from '../src/evm/traits.ts';

/** Where init code keeps the runtime code it returns. */
export interface InitCodeShape {
  /** Byte offset of the runtime code in the init code (the end of the constructor). */
  readonly runtimeOffset: number;
  readonly runtimeLength: number;
}

/** Runtime-code openings of solc: `PUSH1 0x80|0xa0|… PUSH1 0x40 MSTORE`, and a library's address guard `PUSH20 …`. */
function startsLikeSolcRuntime(tail: Uint8Array): boolean {
  return (tail[0] === Op.PUSH1 && tail[2] === Op.PUSH1 && tail[3] === 0x40 && tail[4] === Op.MSTORE) || tail[0] === Op.PUSH1 + 19;
}

type Slot = bigint | undefined;

/** The shape of init code, or undefined when the bytes do not show that they are init code. */
export function detectInitCode(code: Uint8Array): InitCodeShape | undefined {
  let stack: Slot[] | null = [];
  const atTarget = new Map<number, Slot[]>();
  const copies: { dst: bigint; off: number; len: number }[] = [];
  const pop = (): Slot => (stack!.length ? stack!.pop() : undefined);
  const limit = () => Math.min(code.length, ...copies.map((c) => c.off));
  for (let pc = 0; pc < limit(); ) {
    const op = code[pc];
    const t = TRAITS[op];
    const imm = t?.imm ?? 0;
    // A jump target starts from what a constant jump to it carried, else from an unknown stack.
    if (op === Op.JUMPDEST) stack ??= atTarget.get(pc) ?? [];
    if (stack === null) {
      pc += 1 + imm; // unreachable by straight-line flow: skip to the next JUMPDEST
      continue;
    }
    if (op >= Op.PUSH0 && op <= Op.PUSH0 + 32) {
      let v = 0n;
      for (let i = 1; i <= imm; i++) v = (v << 8n) | BigInt(code[pc + i] ?? 0);
      stack.push(v);
    } else if (op >= 0x80 && op <= 0x8f) {
      const n = op - 0x7f;
      stack.push(stack.length >= n ? stack[stack.length - n] : undefined);
    } else if (op >= 0x90 && op <= 0x9f) {
      const n = op - 0x8f;
      if (stack.length > n) [stack[stack.length - 1], stack[stack.length - 1 - n]] = [stack[stack.length - 1 - n], stack[stack.length - 1]];
      else stack.length = 0; // swapped with an unknown deeper item: forget what we knew
    } else if (op === Op.CODECOPY) {
      const [dst, off, len] = [pop(), pop(), pop()];
      if (dst !== undefined && off !== undefined && len !== undefined && off > BigInt(pc) && len > 0n && off + len <= BigInt(code.length)) {
        copies.push({ dst, off: Number(off), len: Number(len) });
      }
    } else if (op === Op.RETURN) {
      const [retOff, retLen] = [pop(), pop()];
      for (const c of copies) {
        if (c.dst !== retOff || BigInt(c.len) !== retLen) continue;
        const tail = code.subarray(c.off, c.off + c.len);
        if (c.off + c.len === code.length || startsLikeSolcRuntime(tail)) return { runtimeOffset: c.off, runtimeLength: c.len };
      }
    } else if ((op === Op.JUMP || op === Op.JUMPI) && stack.length && stack[stack.length - 1] !== undefined) {
      const target = Number(stack.pop());
      if (op === Op.JUMPI) pop();
      if (!atTarget.has(target)) atTarget.set(target, [...stack]);
    } else if (t) {
      for (let i = 0; i < t.pops; i++) pop();
      for (let i = 0; i < t.pushes; i++) stack.push(undefined);
    }
    if (!t || t.terminates) stack = null;
    pc += 1 + imm;
  }
  return undefined;
}

/** The sentence a warning or error gives about init code where runtime code is expected. */
export function initCodeAdvice(what: string, s: InitCodeShape): string {
  return `${what} looks like init (deployment) code: a constructor that returns the ${s.runtimeLength}-byte runtime code at offset ${s.runtimeOffset}, ` +
    'so calls would run the constructor. Give the runtime code ' +
    '(solc --bin-runtime, evm.deployedBytecode) or an artifact (Foundry/Hardhat JSON, solc standard-JSON output), ' +
    `or run the constructor as a creation: mevmc deploy ${what} --state s.json`;
}
