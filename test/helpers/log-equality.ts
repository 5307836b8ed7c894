/**
 * @file Vitest setup: `toEqual` compares a `PackedLog` (runtime/state/packed-log.ts) by what it holds — address,
 * topics, data — since it keeps them in private fields behind getters, which the default equality does not see.
 */
import { expect } from 'vitest';
import { PackedLog } from '../../runtime/state/packed-log.ts';

const logLike = (x: unknown): x is { address: string; topics: bigint[]; data: Uint8Array } =>
  typeof x === 'object' && x !== null && 'address' in x && 'topics' in x && 'data' in x;

expect.addEqualityTesters([
  function packedLogs(a: unknown, b: unknown) {
    if (!(a instanceof PackedLog) && !(b instanceof PackedLog)) return undefined;
    if (!logLike(a) || !logLike(b)) return undefined;
    return a.address === b.address && a.topics.length === b.topics.length && a.topics.every((t, i) => t === b.topics[i]) &&
      Buffer.from(a.data).equals(Buffer.from(b.data));
  },
]);
