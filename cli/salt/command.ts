/**
 * @file `mevmc salt …` subcommands, as a function the main CLI dispatches to (wiring by the lead).
 *
 * Input: argv after `salt`: `root <changes.jsonl> [--store <dir>]` or
 * `verify-witness <file.salt>… --parent-root 0x…`.
 * Output: stdout lines; returns the process exit code (0 ok, 1 verification failure, 2 usage/input error).
 * Invariants: `verify-witness` prints one line per file (`<file>: ok` / `<file>: FAIL <reason>`) and
 * returns 0 only if every file verifies.
 */
import { readFileSync } from 'node:fs';
import { fromHex, saltRootFromChangesJsonl, verifyWitnessFile } from '../../runtime/salt/index.ts';

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
      if (positional.length !== 1) throw new Error('usage: mevmc salt root <changes.jsonl> [--store <dir>]');
      out(saltRootFromChangesJsonl(readFileSync(positional[0], 'utf8'), flag('--store')));
      return 0;
    }
    if (sub === 'verify-witness') {
      const root = flag('--parent-root');
      if (!root || positional.length === 0) throw new Error('usage: mevmc salt verify-witness <file.salt>… --parent-root 0x…');
      const parentRoot = fromHex(root);
      if (parentRoot.length !== 32) throw new Error('--parent-root must be 32 bytes');
      let ok = true;
      for (const f of positional) {
        const r = verifyWitnessFile(readFileSync(f), parentRoot);
        out(r.ok ? `${f}: ok` : `${f}: FAIL ${r.reason}`);
        ok &&= r.ok;
      }
      return ok ? 0 : 1;
    }
    throw new Error('usage: mevmc salt root|verify-witness …');
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
}
