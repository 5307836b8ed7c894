/**
 * @file findClang's PATH probe (src/backend/c/clang.ts `probeClang`): only candidates present on PATH are run, and the
 * newest clang ≥ 15 across all PATH directories wins — the result the old run-every-name probe gave. Fake `clang`
 * scripts in temporary directories stand in for real installs.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeClang, whichExecutable } from '../../src/backend/c/clang.ts';

const root = mkdtempSync(join(tmpdir(), 'mevmc-clangfind-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fake compiler in `dir` printing `clang version <v>` (executable unless `exec` is false). */
function fake(dir: string, name: string, version: string, exec = true): void {
  const f = join(dir, name);
  writeFileSync(f, `#!/bin/sh\necho "Debian clang version ${version}"\necho "Target: x86_64-pc-linux-gnu"\n`);
  chmodSync(f, exec ? 0o755 : 0o644);
}

const dirs = ['a', 'b', 'c'].map((d) => mkdtempSync(join(root, d)));
fake(dirs[0], 'clang', '14.0.6'); // too old
fake(dirs[0], 'clang-16', '16.0.6');
fake(dirs[1], 'clang-18', '18.1.8'); // the newest usable one, in the second directory
fake(dirs[2], 'clang-20', '20.1.0', false); // not executable
const CANDS = ['clang', 'clang-22', 'clang-21', 'clang-20', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15'];

describe.skipIf(process.platform === 'win32')('findClang PATH probe (skipped on Windows: sh scripts)', () => {
  it('picks the newest clang >= 15 across every PATH directory', () => {
    expect(probeClang(CANDS, dirs.join(delimiter))).toEqual({ clang: 'clang-18', major: 18 });
  });

  it('skips names that are absent or not executable, and reports none when nothing qualifies', () => {
    expect(whichExecutable('clang-20', dirs.join(delimiter))).toBeNull();
    expect(whichExecutable('clang-16', dirs.join(delimiter))).toBe(join(dirs[0], 'clang-16'));
    expect(probeClang(CANDS, dirs[2])).toBeNull();
    expect(probeClang(['clang'], dirs[0])).toBeNull(); // version 14
    expect(probeClang(CANDS, '')).toBeNull();
  });
});
