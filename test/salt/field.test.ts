/**
 * @file Field helpers against their definitions: `isSquare` (Jacobi symbol by reciprocity) equals Euler's criterion
 * a^((m−1)/2) == 1 for both SALT fields (q: base field, r: scalar field) on random values, squares, zero and
 * small values; `sqrtQ` returns a root exactly for the squares.
 */
import { describe, expect, it } from 'vitest';
import { Q, R, isSquare, mod, pow, sqrtQ } from '../../runtime/salt/field.ts';

function rng(seed: number): () => bigint {
  let s = BigInt(seed);
  return () => {
    // 64-bit LCG steps, four per 256-bit value.
    let v = 0n;
    for (let i = 0; i < 4; i++) {
      s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      v = (v << 64n) | s;
    }
    return v;
  };
}

const euler = (a: bigint, m: bigint): boolean => mod(a, m) === 0n || pow(a, (m - 1n) >> 1n, m) === 1n;

describe('SALT field helpers', () => {
  it('isSquare equals Euler\'s criterion on q and r (random, squares, zero, small, negative)', () => {
    for (const m of [Q, R]) {
      const next = rng(m === Q ? 1 : 2);
      const cases = [0n, 1n, 2n, 3n, 5n, 7n, m - 1n, m - 2n, -3n, m + 4n];
      for (let i = 0; i < 300; i++) cases.push(next(), mod(next() * next(), m), mod(next() ** 2n, m));
      let squares = 0;
      for (const a of cases) {
        expect(isSquare(a, m), `${a} mod ${m === Q ? 'q' : 'r'}`).toBe(euler(a, m));
        if (isSquare(a, m)) squares++;
      }
      // About half of the random values and every x² are squares: the check is not constant.
      expect(squares).toBeGreaterThan(cases.length / 2);
      expect(squares).toBeLessThan(cases.length);
    }
  });

  it('sqrtQ finds a root of every square and none of a non-square', () => {
    const next = rng(3);
    for (let i = 0; i < 100; i++) {
      const a = mod(next(), Q);
      const r = sqrtQ(a);
      if (isSquare(a, Q)) expect(mod(r! * r!, Q)).toBe(a);
      else expect(r).toBeUndefined();
    }
  });
});
