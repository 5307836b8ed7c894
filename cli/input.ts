/**
 * @file Reading user input for the CLI: bytecode given as `0x…`, a hex file (e.g. solc's .bin) or a
 * raw binary file. Every problem becomes an `InputError` with one clear line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError, parseHexBytes } from '../runtime/harness/case.ts';
import { type Fork, parseForkName } from '../src/evm/forks.ts';

/** Bytes from a `0x…` string or a file (hex text, or raw bytes when the file is not text). */
export function readCode(arg: string): Uint8Array {
  if (arg.startsWith('0x') || arg.startsWith('0X')) return parseHexBytes(arg, 'code');
  if (!existsSync(arg)) {
    if (/^[0-9a-fA-F]+$/.test(arg)) return parseHexBytes(arg, 'code');
    throw new InputError(`${arg}: no such file (give a file, or hex code starting with 0x)`);
  }
  if (statSync(arg).isDirectory()) throw new InputError(`${arg}: is a directory`);
  const raw = readFileSync(arg);
  const isText = raw.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (!isText) return new Uint8Array(raw);
  return parseHexBytes(raw.toString('utf8').replace(/\s+/g, ''), arg);
}

/** Parse a fork option. */
export function readFork(name: string): Fork {
  const f = parseForkName(name);
  if (f === undefined) throw new InputError(`unknown fork ${JSON.stringify(name)} (e.g. cancun, prague, osaka, berlin, chainstart)`);
  return f;
}
