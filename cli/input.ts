/**
 * @file Reading user input for the CLI: bytecode given as `0x…`, a hex file (e.g. solc's .bin) or a
 * raw binary file (`--raw` to force it). Every problem becomes an `InputError` with one clear line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError, parseHexBytes } from '../runtime/harness/case.ts';
import { type Fork, parseForkName } from '../src/evm/forks.ts';

/** How a code file is read: `auto` (hex text, else raw bytes), or forced with `--raw`. */
export interface ReadCodeOptions {
  /** Take the file's bytes as the code, even when they look like hex text. */
  raw?: boolean;
}

/**
 * Bytes from a `0x…` string or a file: hex text (solc's .bin, optional 0x, whitespace anywhere, a UTF-8/UTF-16 BOM
 * dropped), else raw bytes. `--raw` forces raw bytes.
 */
export function readCode(arg: string, opts: ReadCodeOptions = {}): Uint8Array {
  if (!opts.raw && (arg.startsWith('0x') || arg.startsWith('0X'))) return parseHexBytes(arg, 'code');
  if (!existsSync(arg)) {
    if (!opts.raw && /^[0-9a-fA-F]+$/.test(arg)) return parseHexBytes(arg, 'code');
    throw new InputError(`${arg}: no such file (give a file, or hex code starting with 0x)`);
  }
  if (statSync(arg).isDirectory()) throw new InputError(`${arg}: is a directory`);
  const raw = readFileSync(arg);
  return opts.raw ? new Uint8Array(raw) : decodeCodeFile(raw, arg);
}

const isHexDigit = (b: number) => (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102);
const isSpace = (b: number) => b === 9 || b === 10 || b === 11 || b === 12 || b === 13 || b === 32;
const isPrintable = (b: number) => isSpace(b) || (b >= 32 && b < 127);

/** A file's text units after its byte-order mark (bytes, or UTF-16 code units), and how to map a unit index to a file offset. */
function dropBom(raw: Uint8Array): { units: ArrayLike<number>; bom?: string; offset: (i: number) => number } {
  if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) return { units: raw.subarray(3), bom: 'UTF-8', offset: (i) => 3 + i };
  const le = raw[0] === 0xff && raw[1] === 0xfe;
  if (le || (raw[0] === 0xfe && raw[1] === 0xff)) {
    const units = new Uint16Array((raw.length - 2) >> 1);
    for (let i = 0; i < units.length; i++) units[i] = le ? raw[2 + 2 * i] | (raw[3 + 2 * i] << 8) : (raw[2 + 2 * i] << 8) | raw[3 + 2 * i];
    return { units, bom: le ? 'UTF-16LE' : 'UTF-16BE', offset: (i) => 2 + 2 * i };
  }
  return { units: raw, offset: (i) => i };
}

const describeUnit = (u: number, bom?: string): string => {
  const hex = u.toString(16).padStart(bom?.startsWith('UTF-16') ? 4 : 2, '0');
  return u >= 33 && u < 127 ? `${JSON.stringify(String.fromCharCode(u))} (0x${hex})` : bom?.startsWith('UTF-16') ? `U+${hex.toUpperCase()}` : `0x${hex}`;
};

/**
 * A code file's bytes → EVM code. After a BOM (dropped), text that is all printable ASCII or mostly hex digits and
 * whitespace (e.g. a stray non-ASCII byte) is hex and must be clean: the first offending byte is reported with its
 * file offset. Anything else is raw bytes (compiled code is far from hex-only: PUSH1 0x60 is not a hex digit).
 */
export function decodeCodeFile(raw: Uint8Array, name: string): Uint8Array {
  const { units, bom, offset } = dropBom(raw);
  const n = units.length;
  let hexLike = 0, printable = 0, strays = 0;
  for (let i = 0; i < n; i++) {
    const u = units[i];
    const ok = isHexDigit(u) || isSpace(u);
    if (ok) hexLike++;
    else if (i === 0 || isHexDigit(units[i - 1]) || isSpace(units[i - 1])) strays++; // a multi-byte character counts once
    if (isPrintable(u)) printable++;
  }
  // "Almost hex": at least 4 hex-like units and at most one stray run per 40 of them (at least one allowed).
  const looksHex = printable === n || (hexLike >= 4 && strays <= Math.max(1, Math.floor(hexLike / 40)));
  if (!looksHex) return new Uint8Array(raw);
  let i = 0;
  while (i < n && isSpace(units[i])) i++;
  if (units[i] === 48 && (units[i + 1] === 120 || units[i + 1] === 88)) i += 2;
  const digits: number[] = [];
  for (; i < n; i++) {
    const u = units[i];
    if (isSpace(u)) continue;
    if (!isHexDigit(u)) {
      throw new InputError(`${name}: not hex: ${describeUnit(u, bom)} at byte offset ${offset(i)}${bom ? ` (${bom} text)` : ''}; read a binary code file with --raw`);
    }
    digits.push(u);
  }
  if (digits.length % 2 !== 0) throw new InputError(`${name}: odd-length hex (${digits.length} digits)`);
  const out = new Uint8Array(digits.length / 2);
  const nib = (b: number) => (b <= 57 ? b - 48 : (b | 32) - 87);
  for (let k = 0; k < out.length; k++) out[k] = (nib(digits[2 * k]) << 4) | nib(digits[2 * k + 1]);
  return out;
}

/** Parse a fork option. */
export function readFork(name: string): Fork {
  const f = parseForkName(name);
  if (f === undefined) throw new InputError(`unknown fork ${JSON.stringify(name)} (e.g. cancun, prague, osaka, berlin, chainstart)`);
  return f;
}
