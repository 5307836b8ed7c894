/**
 * @file What a call reuses instead of allocating (issue #14 part 1) still gives each call its own answers: slot keys
 * read through the state cache's key memo (many keys, some sharing their low or high limbs), the touched set with its
 * first address kept apart and touches undone by a revert as journal strings, and the context fields of a frame that
 * runs in a memory an earlier frame used (written per field now, not cleared as a block).
 */
import { describe, expect, it } from 'vitest';
import { Executor } from '../../runtime/host/call.ts';
import type { BlockContext, Message } from '../../runtime/host/types.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { Fork } from '../../src/evm/forks.ts';
import { ADDRESS, CALLER, freshLoader } from '../helpers/engines.ts';

const BLOCK: BlockContext = {
  number: 1n, timestamp: 1_700_000_000n, coinbase: '0x' + '33'.repeat(20), gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 1n, blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n,
};
const RIPEMD = '0x0000000000000000000000000000000000000003';
const addr = (n: number): string => '0x' + n.toString(16).padStart(40, '0');

/** A deterministic 256-bit sequence (xorshift on BigInt): keys with every limb in use. */
function* keys256(seed: bigint): Generator<bigint> {
  let x = seed;
  const M = (1n << 256n) - 1n;
  for (;;) {
    x ^= (x << 13n) & M;
    x ^= x >> 7n;
    x ^= (x << 17n) & M;
    yield x;
  }
}

describe('per-call reuse', () => {
  it('SLOAD misses of 4,500 keys (random, and ones equal in their low or high limbs) read the backend value of each', () => {
    const backend = new MemoryBackend();
    const storage = new Map<bigint, bigint>();
    const gen = keys256(0x9e3779b97f4a7c15f39cc0605cedc834n);
    for (let i = 0; i < 1500; i++) {
      const r = gen.next().value;
      // Three keys per round: random, the same low 128 bits with another high half, a small key's high-limb twin.
      for (const k of [r, (r & ((1n << 128n) - 1n)) | (BigInt(i + 1) << 200n), BigInt(i) | (1n << 255n)]) storage.set(k, BigInt(storage.size + 1) * 0x1000000000000000001n);
    }
    backend.setAccount(ADDRESS, { balance: 0n, nonce: 1n, code: Uint8Array.of(0) }, storage);
    const world = new WorldState(backend);
    for (let round = 0; round < 2; round++) {
      let wrong = 0;
      for (const [k, v] of storage) if (world.sload(ADDRESS, k) !== v) wrong++;
      expect(wrong).toBe(0);
      world.discard(); // a fresh cache context: every key misses again (and meets the memo)
    }
  });

  it('touched accounts: in order, a revert undoes the touches after its checkpoint, RIPEMD-160 stays (EIP-161)', () => {
    const world = new WorldState(new MemoryBackend());
    const [a, b, c] = [addr(0xa1), addr(0xb2), addr(0xc3)];
    const cp0 = world.checkpoint();
    world.touch(a);
    const cp1 = world.checkpoint();
    world.touch(b);
    world.touch(a);
    world.touch(RIPEMD);
    world.revertTo(cp1);
    expect([...world.touched]).toEqual([a, RIPEMD]);
    world.touch(c);
    expect([...world.touched]).toEqual([a, RIPEMD, c]);
    world.revertTo(cp0);
    expect([...world.touched]).toEqual([RIPEMD]);
    world.discard();
    expect([...world.touched]).toEqual([]);
    const cp2 = world.checkpoint();
    world.touch(b);
    world.revertTo(cp2);
    world.touch(c);
    world.touch(a);
    expect([...world.touched]).toEqual([c, a]);
  });

  it('a frame in a memory an earlier frame used starts from its own context: MSIZE 0, gas as charged', () => {
    // First: MSTORE at 0x120 (memory of 10 words), RETURN 64 bytes from 0x100. Second: MSIZE PUSH0 MSTORE, RETURN 32
    // bytes from 0: its word is 0 (memory starts empty) and it uses 2+2+3+3 (one word) +3+2 = 15 gas.
    const first = Buffer.from('6001610120526040610100f3', 'hex');
    const second = Buffer.from('595f5260205ff3', 'hex');
    const other = addr(0x77);
    const backend = new MemoryBackend();
    backend.setAccount(ADDRESS, { balance: 0n, nonce: 1n, code: first });
    backend.setAccount(other, { balance: 0n, nonce: 1n, code: second });
    const world = new WorldState(backend);
    const loader = freshLoader();
    const msg = (to: string, gas: bigint): Message => ({
      caller: CALLER, address: to, codeAddress: to, origin: CALLER, value: 0n, gasPrice: 0n, calldata: new Uint8Array(0), gas, isStatic: false, depth: 0,
    });
    for (let i = 0; i < 3; i++) {
      const r1 = new Executor(world, Fork.Cancun, BLOCK, loader).run(msg(ADDRESS, 100_000n), true);
      world.discard();
      expect(r1.output.length).toBe(64);
      const r2 = new Executor(world, Fork.Cancun, BLOCK, loader).run(msg(other, 1_000n), true);
      world.discard();
      expect({ status: r2.status, output: Buffer.from(r2.output).toString('hex'), used: 1_000n - r2.gasLeft })
        .toEqual({ status: 1, output: '00'.repeat(32), used: 15n });
    }
  });
});
