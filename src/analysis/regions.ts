/**
 * @file Static stack regions: the reachable blocks grouped by the edges that do not go through the
 * dynamic-jump dispatch (fallthroughs and fused jumps), each block with its entry stack height
 * relative to its region's base.
 *
 * Inside a region every stack slot a block touches is at a compile-time-constant offset from one
 * base, so a backend may keep the region's slots in named variables (registers) instead of an
 * in-memory stack indexed by a run-time pointer: loop-carried items then never go through memory.
 * The memory stack only has to be right where control crosses the dispatch, so a backend loads the
 * region's slots when the dispatch enters it and writes them back when it leaves through the
 * dispatch. Halting exits discard the stack.
 *
 * Heights are consistent when every static edge agrees (EVM code may loop while pushing; such a
 * region keeps the memory stack). Backend-neutral: plain data computed from `Analysis`.
 */
import { successors } from './blocks.ts';
import type { Analysis, BlockIdx } from './types.ts';

export interface StackRegion {
  readonly blocks: readonly BlockIdx[];
  /** Lowest slot any of its blocks may read, relative to the base (≤ 0 when a block needs items from below). */
  readonly low: number;
  /** One past the highest slot any of its blocks may write. */
  readonly high: number;
  /** Every static edge agrees on the heights (otherwise `entryHeight` of its blocks is meaningless). */
  readonly consistent: boolean;
  /** The static edges form a cycle: a loop that runs without the dispatch. */
  readonly loops: boolean;
}

export interface StackRegions {
  readonly regions: readonly StackRegion[];
  /** Region index of each block, −1 when unreachable. */
  readonly regionOf: Int32Array;
  /** Entry stack height of each block relative to its region's base, in items. */
  readonly entryHeight: Int32Array;
}

/** Group the reachable blocks of `a` into static stack regions. Linear in blocks + edges. */
export function stackRegions(a: Analysis): StackRegions {
  const n = a.blocks.length;
  const regionOf = new Int32Array(n).fill(-1);
  const entryHeight = new Int32Array(n);
  // Undirected adjacency with the height change along each direction.
  const adj: { to: number; dh: number }[][] = a.blocks.map(() => []);
  for (const b of a.blocks) {
    if (!b.reachable) continue;
    for (const s of successors(b.exit)) {
      if (s < 0) continue;
      adj[b.index].push({ to: s, dh: b.stackDelta });
      adj[s].push({ to: b.index, dh: -b.stackDelta });
    }
  }
  const regions: StackRegion[] = [];
  for (const root of a.blocks) {
    if (!root.reachable || regionOf[root.index] >= 0) continue;
    const r = regions.length;
    const members: BlockIdx[] = [];
    let consistent = true;
    regionOf[root.index] = r;
    entryHeight[root.index] = 0;
    const work = [root.index as number];
    while (work.length > 0) {
      const i = work.pop()!;
      members.push(i as BlockIdx);
      for (const { to, dh } of adj[i]) {
        const h = entryHeight[i] + dh;
        if (regionOf[to] < 0) {
          regionOf[to] = r;
          entryHeight[to] = h;
          work.push(to);
        } else if (entryHeight[to] !== h) consistent = false;
      }
    }
    members.sort((x, y) => x - y);
    let low = 0;
    let high = 0;
    for (const i of members) {
      const b = a.blocks[i];
      low = Math.min(low, entryHeight[i] - b.stackReq);
      high = Math.max(high, entryHeight[i] + b.stackMaxGrowth, entryHeight[i]);
    }
    regions.push({ blocks: members, low, high, consistent, loops: hasCycle(a, members, regionOf, r) });
  }
  return { regions, regionOf, entryHeight };
}

/** Whether the static edges among `members` contain a directed cycle (iterative DFS, three colours). */
function hasCycle(a: Analysis, members: readonly BlockIdx[], regionOf: Int32Array, r: number): boolean {
  const colour = new Map<number, 1 | 2>(); // 1 on the DFS path, 2 finished
  for (const start of members) {
    if (colour.has(start)) continue;
    const stack: { b: number; next: number }[] = [{ b: start, next: 0 }];
    colour.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const succ = successors(a.blocks[top.b].exit).filter((s) => s >= 0 && regionOf[s] === r);
      if (top.next >= succ.length) {
        colour.set(top.b, 2);
        stack.pop();
        continue;
      }
      const s = succ[top.next++];
      const c = colour.get(s);
      if (c === 1) return true;
      if (c === undefined) {
        colour.set(s, 1);
        stack.push({ b: s, next: 0 });
      }
    }
  }
  return false;
}
