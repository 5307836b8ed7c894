/** @file The deterministic batches of the store crash test (shared by the test and its child process). */
import { createHash } from 'node:crypto';
import type { StateChange } from '../../runtime/salt/index.ts';

/** Batch i: 200 raw keys; every third one of batch i − 1 deleted, the rest inserted or overwritten. */
export function crashBatch(i: number): StateChange[] {
  const h = (s: string) => Uint8Array.from(createHash('sha256').update(s).digest());
  const out: StateChange[] = [];
  for (let j = 0; j < 200; j++) out.push({ kind: 'raw', key: h(`k${i}.${j}`).subarray(0, 20), value: h(`v${i}.${j}`) });
  if (i > 1) for (let j = 0; j < 200; j += 3) out.push({ kind: 'raw', key: h(`k${i - 1}.${j}`).subarray(0, 20), value: undefined });
  return out;
}
