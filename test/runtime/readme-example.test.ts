/**
 * @file The README's library example (the ```ts block after `<!-- example: library -->`) runs as written: its
 * `'mevmc'` import pointed at runtime/index.ts, its console output checked against what the comments promise.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** The example's source, exactly as the README shows it. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- example: library -->\n```ts\n([\s\S]*?)\n```/.exec(readme);
  if (!m) throw new Error('README.md: no ```ts block after <!-- example: library -->');
  return m[1];
}

describe('README library example', () => {
  it('runs and prints what its comments say', async () => {
    const src = readmeExample();
    expect(src).toContain("from 'mevmc'");
    // Beside this test so that its bare imports (solc) resolve from the repository's node_modules.
    const file = join(import.meta.dirname, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, src.replace("from 'mevmc'", `from ${JSON.stringify(join(ROOT, 'runtime/index.ts'))}`));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(file);
      expect(log.mock.calls).toEqual([
        [[5n]],
        ['revert', 'TooBig(1000)', 3n],
        ['0x' + '5'.padStart(64, '0')],
      ]);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
    }
  }, 120_000);
});
