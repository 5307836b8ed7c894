/**
 * @file Blocks on cycles: the strongly connected components of a subgraph of the CFG that hold a cycle (more than one
 * block, or a block with an edge to itself). Tarjan's algorithm, iterative (a 24,576-block contract would overflow a
 * recursive one). Both backends keep loops whole with it: the wasm backend's register loops, the C backend's cuts.
 */
import type { Analysis, Block, BlockIdx } from './types.ts';

/** The cyclic components of the graph over the blocks `include` admits, with the successors `succ` gives. */
export function cyclesOf(a: Analysis, include: (b: Block) => boolean, succ: (b: Block) => readonly number[]): BlockIdx[][] {
  const n = a.blocks.length;
  const index = new Int32Array(n).fill(-1);
  const lowLink = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: BlockIdx[][] = [];
  let next = 0;
  for (const root of a.blocks) {
    if (index[root.index] >= 0 || !include(root)) continue;
    const frames: { b: number; s: readonly number[]; i: number }[] = [];
    const open = (b: number) => {
      index[b] = lowLink[b] = next++;
      stack.push(b);
      onStack[b] = 1;
      frames.push({ b, s: succ(a.blocks[b]), i: 0 });
    };
    open(root.index);
    while (frames.length > 0) {
      const f = frames[frames.length - 1];
      if (f.i < f.s.length) {
        const w = f.s[f.i++];
        if (index[w] < 0) open(w);
        else if (onStack[w]) lowLink[f.b] = Math.min(lowLink[f.b], index[w]);
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const p = frames[frames.length - 1].b;
        lowLink[p] = Math.min(lowLink[p], lowLink[f.b]);
      }
      if (lowLink[f.b] !== index[f.b]) continue;
      const members: BlockIdx[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        members.push(w as BlockIdx);
      } while (w !== f.b);
      if (members.length > 1 || f.s.includes(f.b)) out.push(members);
    }
  }
  return out;
}
