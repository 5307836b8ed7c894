/**
 * @file `mevmc salt …` subcommands, as a function the main CLI dispatches to (wiring by the lead).
 *
 * Input: argv after `salt`: `root <changes.jsonl> [--store <dir>]` or
 * `verify-witness <file.salt>… --parent-root 0x…`.
 * Output: stdout lines; returns the process exit code (0 ok, 1 verification failure, 2 usage/input error, reported as
 * one `mevmc: error:` line). Invariants: `verify-witness` prints one line per file (`<file>: ok` / `<file>: FAIL
 * <reason>` / `<file>: ERROR <why it cannot be read>`), goes on past unreadable files, and returns 0 only if every
 * file verifies (2 if any could not be read).
 */
import { readFileSync } from 'node:fs';
import { fromHex, saltRootFromChangesJsonl, verifyWitnessFile } from '../../runtime/salt/index.ts';

/** A usage or input problem of a salt subcommand: one `mevmc: error:` line, exit 2. */
class SaltInputError extends Error {}

/** A file's bytes, or why it cannot be read (in words). */
function readInput(path: string): { bytes: Buffer } | { problem: string } {
  try {
    return { bytes: readFileSync(path) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : `cannot read (${code ?? (e as Error).message})` };
  }
}

/** Run a `salt` subcommand; `out`/`err` default to the console. */
export function runSaltCommand(
  argv: readonly string[],
  out: (s: string) => void = console.log,
  err: (s: string) => void = console.error,
): number {
  const [sub, ...rest] = argv;
  const flag = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const positional = rest.filter((a, i) => !a.startsWith('--') && !(i > 0 && rest[i - 1].startsWith('--')));
  try {
    if (sub === 'root') {
      if (positional.length !== 1) throw new SaltInputError('usage: mevmc salt root <changes.jsonl> [--store <dir>]');
      const r = readInput(positional[0]);
      if ('problem' in r) throw new SaltInputError(`${positional[0]}: ${r.problem}`);
      let root: string;
      try {
        root = saltRootFromChangesJsonl(r.bytes.toString('utf8'), flag('--store'));
      } catch (e) {
        // The changes file's own problems ("line N: …") and an unusable store are the user's to fix.
        throw new SaltInputError(`${positional[0]}: ${(e as Error).message}`);
      }
      out(root);
      return 0;
    }
    if (sub === 'verify-witness') {
      const root = flag('--parent-root');
      if (!root || positional.length === 0) throw new SaltInputError('usage: mevmc salt verify-witness <file.salt>… --parent-root 0x…');
      let parentRoot: Uint8Array;
      try {
        parentRoot = fromHex(root);
      } catch {
        throw new SaltInputError(`--parent-root: not hex: ${JSON.stringify(root.slice(0, 20))}`);
      }
      if (parentRoot.length !== 32) throw new SaltInputError('--parent-root must be 32 bytes');
      // Every file is tried: one unreadable file does not hide the verdicts of the others.
      let ok = true;
      const unreadable: string[] = [];
      for (const f of positional) {
        const r = readInput(f);
        if ('problem' in r) {
          unreadable.push(f);
          out(`${f}: ERROR ${r.problem}`);
          continue;
        }
        const v = verifyWitnessFile(r.bytes, parentRoot);
        out(v.ok ? `${f}: ok` : `${f}: FAIL ${v.reason}`);
        ok &&= v.ok;
      }
      if (unreadable.length) throw new SaltInputError(`${unreadable.length} of ${positional.length} witness files could not be read (${unreadable.join(', ')})`);
      return ok ? 0 : 1;
    }
    throw new SaltInputError(sub === undefined ? 'usage: mevmc salt root|verify-witness …' : `unknown salt subcommand ${JSON.stringify(sub)} (root, verify-witness)`);
  } catch (e) {
    if (!(e instanceof SaltInputError)) throw e;
    err(`mevmc: error: ${e.message}`);
    return 2;
  }
}
