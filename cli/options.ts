/**
 * @file Validation of command-line option values shared by every command: counts, regexes and output paths.
 * Each problem becomes one `InputError` naming the option (one `mevmc: error:` line, exit 2), never a
 * TypeError, a raw regex message or an errno dump.
 */
import { closeSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../runtime/harness/case.ts';

/**
 * An integer option ≥ `min` (1 by default). yargs turns `--repeat abc` into NaN and keeps `-5` or `2.5` as given,
 * so the raw value is checked here; `undefined` (option absent) passes through.
 */
export function intOption<T extends number | undefined>(name: string, v: T, min = 1): T {
  if (v === undefined) return v;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    const want = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    // yargs has already turned a word into NaN: the original text is gone, say what it was not.
    throw new InputError(`--${name}: expected ${want}, got ${typeof v === 'number' && Number.isNaN(v) ? 'a non-number' : JSON.stringify(v)}`);
  }
  return v;
}

/** A positive finite number option (e.g. milliseconds). */
export function positiveNumberOption(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InputError(`--${name}: expected a positive number, got ${Number.isNaN(v) ? 'a non-number' : JSON.stringify(v)}`);
  return v;
}

/** A regex option; a syntax error names the option and the pattern. */
export function regexOption(name: string, src: string | undefined): RegExp | undefined {
  if (src === undefined) return undefined;
  try {
    return new RegExp(src);
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
    throw new InputError(`--${name}: not a valid regular expression: ${why}`);
  }
}

/** Why writing to `path` fails, in words (errno codes → what the user can fix). */
function writeProblem(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const dir = dirname(resolve(path));
  switch (code) {
    case 'ENOENT': return `no such directory ${dir}`;
    case 'ENOTDIR': return `${dir} is not a directory`;
    case 'EISDIR': return 'is a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'read-only file system';
    case 'ENOSPC': return 'no space left on device';
    default: return code ? `cannot write (${code})` : `cannot write (${e instanceof Error ? e.message : String(e)})`;
  }
}

/**
 * Check before long work that an output file can be created: its folder exists, `path` is not a folder, and a file
 * can be created next to it (a probe, created and removed: root passes access checks on read-only places).
 */
export function checkOutputFile(option: string, path: string): void {
  const dir = dirname(resolve(path));
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new InputError(`${option} ${path}: ${writeProblem(path, e)}`);
  }
  if (!st.isDirectory()) throw new InputError(`${option} ${path}: ${dir} is not a directory`);
  try {
    if (statSync(path).isDirectory()) throw new InputError(`${option} ${path}: is a directory`);
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
  probeDir(option, path, dir);
}

/** Create and remove a file in `dir`: the one check that also holds for root on read-only places. */
function probeDir(option: string, shown: string, dir: string): void {
  const probe = join(dir, `.mevmc-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    rmSync(probe, { force: true });
  } catch (e) {
    throw new InputError(`${option} ${shown}: ${writeProblem(probe, e)}`);
  }
}

/** Write an output file; any failure is one `InputError` naming the option and the path. */
export function writeOutputFile(option: string, path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new InputError(`${option} ${path}: ${writeProblem(path, e)}`);
  }
}

/**
 * Check that an output folder is usable without creating it yet (it is made when the first file is written): if it
 * exists it is a folder, else its nearest existing ancestor is a folder in which a file can be created.
 */
export function checkOutputDir(option: string, path: string): string {
  const abs = resolve(path);
  let d = abs;
  for (;;) {
    let st;
    try {
      st = statSync(d);
    } catch {
      const up = dirname(d);
      if (up === d) throw new InputError(`${option} ${path}: no such directory`);
      d = up;
      continue;
    }
    if (!st.isDirectory()) throw new InputError(`${option} ${path}: ${d === abs ? 'exists and is not a directory' : `${d} is not a directory`}`);
    break;
  }
  probeDir(option, path, d);
  return abs;
}
