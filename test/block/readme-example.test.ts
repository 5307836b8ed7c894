/**
 * @file The README's block example (the ```ts block after `<!-- example: blocks -->`) runs as written on block
 * 19426587 of ../shared/blocks in the plain layout (its pevm pre-state turned into geth's prestate shape): its
 * `'mevmc'` import pointed at runtime/index.ts, its output checked against the header. Skipped visibly when
 * ../shared/blocks is absent.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { prestateFromPevm } from '../../runtime/harness/blocks/fixture.ts';

const ROOT = join(import.meta.dirname, '../..');
const BLOCKS = join(ROOT, '../shared/blocks');

if (!existsSync(BLOCKS)) {
  it.skip(`README block example (${BLOCKS} not found)`, () => undefined);
} else {
  it('README block example runs and matches the header', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /<!-- example: blocks -->\n```ts\n([\s\S]*?)\n```/.exec(readme);
    expect(m, 'README.md: no ```ts block after <!-- example: blocks -->').not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-readme-block-'));
    const src = join(BLOCKS, 'blocks/19426587');
    cpSync(join(src, 'block.json'), join(dir, 'block.json'));
    cpSync(join(BLOCKS, 'block_hashes.json'), join(dir, 'block_hashes.json'));
    writeFileSync(join(dir, 'prestate.json'), JSON.stringify(prestateFromPevm(JSON.parse(readFileSync(join(src, 'pre_state.json'), 'utf8')), 'pre')));
    const file = join(import.meta.dirname, `.readme-block-example-${process.pid}.ts`);
    writeFileSync(file, m![1].replace("from 'mevmc'", `from ${JSON.stringify(join(ROOT, 'runtime/index.ts'))}`));
    process.env.BLOCK_DIR = dir;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(file);
      expect(log.mock.calls).toEqual([[true, true, true], [37, true]]);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
}
