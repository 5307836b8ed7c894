/**
 * @file The README's SALT example (the ```ts block after `<!-- example: salt -->`) runs as written on block 19426587
 * of ../shared/blocks in the plain layout, on a durable store in a temporary directory: its `'mevmc'` import pointed
 * at runtime/index.ts. Checked independently: the parent root is the pre-state's SALT root and the post root the
 * in-process MemoryBackend replay's, both built from scratch in one batch (salt-roots.ts); the key count is the number
 * of SALT key/values that differ between the two states; gasUsed is the header's. Skipped visibly without the data.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { blockFromRpc } from '../../runtime/block/rpc.ts';
import { executeBlock } from '../../runtime/block/execute.ts';
import { freshState, loadFixture, prestateFromPevm } from '../../runtime/harness/blocks/fixture.ts';
import { independentRoot, keysChanged } from './salt-roots.ts';

const ROOT = join(import.meta.dirname, '../..');
const BLOCKS = join(ROOT, '../shared/blocks');

if (!existsSync(BLOCKS)) {
  it.skip(`README SALT example (${BLOCKS} not found)`, () => undefined);
} else {
  it('README SALT example runs; its roots and key count match an independent rebuild', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /<!-- example: salt -->\n```ts\n([\s\S]*?)\n```/.exec(readme);
    expect(m, 'README.md: no ```ts block after <!-- example: salt -->').not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-readme-salt-'));
    const src = join(BLOCKS, 'blocks/19426587');
    cpSync(join(src, 'block.json'), join(dir, 'block.json'));
    cpSync(join(BLOCKS, 'block_hashes.json'), join(dir, 'block_hashes.json'));
    writeFileSync(join(dir, 'prestate.json'), JSON.stringify(prestateFromPevm(JSON.parse(readFileSync(join(src, 'pre_state.json'), 'utf8')), 'pre')));
    const file = join(import.meta.dirname, `.readme-salt-example-${process.pid}.ts`);
    writeFileSync(file, m![1].replace("from 'mevmc'", `from ${JSON.stringify(join(ROOT, 'runtime/index.ts'))}`));
    process.env.BLOCK_DIR = dir;
    process.env.SALT_DIR = join(dir, 'salt');
    const f = loadFixture(src);
    const mem = freshState(f);
    const r = await executeBlock(blockFromRpc(f.block).block, mem, { blockHash: (n) => f.blockHashes.get(n) });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(file);
      expect(log.mock.calls).toEqual([['0x' + independentRoot(freshState(f)), '0x' + independentRoot(mem), keysChanged(freshState(f), mem), r.gasUsed]]);
      expect(r.gasUsed).toBe(BigInt((f.block as { gasUsed: string }).gasUsed));
      expect(existsSync(join(dir, 'salt', 'salt.log'))).toBe(true);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
}
