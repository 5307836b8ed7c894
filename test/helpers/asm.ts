/**
 * @file A tiny EVM assembler for tests: readable programs with labels, independent of the compiler's
 * analysis (only mnemonic → byte comes from TRAITS, whose byte values are themselves checked
 * against @ethereumjs/evm in test/evm/traits.test.ts).
 *
 * Syntax of `asm(src)` (whitespace-separated tokens, `//` comments to end of line):
 *   ADD, SSTORE, JUMPDEST ...     an opcode by mnemonic (KECCAK256 also as SHA3)
 *   PUSH1 0x2a  / PUSH32 5        explicit width, value in decimal or 0x-hex
 *   PUSH 1234                     minimal width (at least PUSH1, so it never emits the Shanghai-only PUSH0)
 *   PUSH :loop                    a label's pc (PUSH2; PUSHn :label works too)
 *   loop:                         define a label at the current pc (emits nothing)
 *   #fe / #6001                   raw bytes, copied as is
 * Values may also be given as `${bigint}` interpolations in template strings.
 */
import { TRAITS } from '../../src/index.ts';

const BY_NAME = new Map<string, number>();
for (let i = 0; i < 256; i++) {
  const t = TRAITS[i];
  if (t) BY_NAME.set(t.name, i);
}
BY_NAME.set('SHA3', 0x20);
BY_NAME.set('DIFFICULTY', 0x44);

/** Opcode byte of a mnemonic (throws on unknown names: a typo in a test must not become a byte). */
export function opcode(name: string): number {
  const b = BY_NAME.get(name.toUpperCase());
  if (b === undefined) throw new Error(`asm: unknown mnemonic ${name}`);
  return b;
}

/** Minimal number of bytes to hold `v` (at least 1). */
export function byteWidth(v: bigint): number {
  let n = 1;
  while (v >> BigInt(8 * n) !== 0n) n++;
  return n;
}

const M256 = 1n << 256n;

/** `PUSHn v` as hex (n minimal unless given). Negative numbers are taken mod 2^256. */
export function push(v: bigint | number, width?: number): string {
  let x = BigInt(v);
  if (x < 0n) x = ((x % M256) + M256) % M256;
  const n = width ?? byteWidth(x);
  if (n < 1 || n > 32 || byteWidth(x) > n) throw new Error(`asm: ${x} does not fit PUSH${n}`);
  return (0x5f + n).toString(16) + x.toString(16).padStart(2 * n, '0');
}

/** `PUSH32 v` as hex. */
export const push32 = (v: bigint | number): string => push(v, 32);

/** One opcode as hex. */
export const op = (name: string): string => opcode(name).toString(16).padStart(2, '0');

function parseValue(tok: string): bigint {
  if (/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(tok)) {
    const neg = tok.startsWith('-');
    const v = BigInt(neg ? tok.slice(1) : tok);
    return neg ? (M256 - v) % M256 : v;
  }
  throw new Error(`asm: bad value ${tok}`);
}

/** Assemble `src` to bytes. */
export function asmBytes(src: string): Uint8Array {
  const toks = src.replace(/\/\/[^\n]*/g, ' ').split(/\s+/).filter((t) => t !== '');
  type Piece = { hex: string } | { labelRef: string; width: number };
  const pieces: Piece[] = [];
  const labels = new Map<string, number>();
  let pc = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.endsWith(':') && t.length > 1) {
      const name = t.slice(0, -1);
      if (labels.has(name)) throw new Error(`asm: duplicate label ${name}`);
      labels.set(name, pc);
      continue;
    }
    if (t.startsWith('#')) {
      const h = t.slice(1);
      if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new Error(`asm: bad raw bytes ${t}`);
      pieces.push({ hex: h });
      pc += h.length / 2;
      continue;
    }
    const m = /^PUSH(\d*)$/i.exec(t);
    if (m && m[1] !== '0') {
      const arg = toks[++i];
      if (arg === undefined) throw new Error(`asm: ${t} without a value`);
      if (arg.startsWith(':')) {
        const width = m[1] === '' ? 2 : Number(m[1]);
        pieces.push({ labelRef: arg.slice(1), width });
        pc += 1 + width;
      } else {
        const h = push(parseValue(arg), m[1] === '' ? undefined : Number(m[1]));
        pieces.push({ hex: h });
        pc += h.length / 2;
      }
      continue;
    }
    pieces.push({ hex: op(t) });
    pc += 1;
  }
  let hex = '';
  for (const p of pieces) {
    if ('hex' in p) hex += p.hex;
    else {
      const at = labels.get(p.labelRef);
      if (at === undefined) throw new Error(`asm: undefined label ${p.labelRef}`);
      hex += push(at, p.width);
    }
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Assemble `src` to a 0x-hex string. */
export const asm = (src: string): string => '0x' + Buffer.from(asmBytes(src)).toString('hex');

/** Epilogue returning memory [0, n). */
export const RETURN_MEM = (n: number | bigint): string => ` PUSH ${n} PUSH 0 RETURN `;

/** Epilogue storing the top of stack at memory 0 and returning that word. */
export const RETURN_TOP = ' PUSH 0 MSTORE PUSH 32 PUSH 0 RETURN ';
