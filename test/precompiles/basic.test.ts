/**
 * @file ECRECOVER, SHA256, RIPEMD160, IDENTITY (0x01–0x04) against @ethereumjs/evm on every fork: valid and invalid
 * signatures (v, r, s out of range, high s, no point for r), short/long inputs, empty input, gas exactly at the price.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';

import { ALL_FORKS, Fork, forkName } from '../../src/evm/forks.ts';
import { ecrecover, ecrecoverBackend, ecrecoverNoble } from '../../runtime/precompiles/01-ecrecover.ts';
import { be, cat, rand, reference, same } from './reference.ts';

const N = secp256k1.Point.CURVE().n;
const P = secp256k1.Point.CURVE().p;

function signed(seed: number): { hash: Uint8Array; v: bigint; r: bigint; s: bigint } {
  const hash = rand(seed, 32);
  const key = secp256k1.utils.randomSecretKey(rand(seed + 1, 48));
  const sig = secp256k1.Signature.fromBytes(secp256k1.sign(hash, key, { prehash: false, format: 'recovered' }), 'recovered');
  return { hash, v: 27n + BigInt(sig.recovery!), r: sig.r, s: sig.s };
}

const ecInput = (h: Uint8Array, v: bigint, r: bigint, s: bigint): Uint8Array => cat(h, be(v), be(r), be(s));

const ecrecoverInputs = (): Uint8Array[] => {
  const out: Uint8Array[] = [new Uint8Array(0), rand(3, 17)];
  for (let i = 0; i < 4; i++) {
    const { hash, v, r, s } = signed(100 + 7 * i);
    out.push(ecInput(hash, v, r, s)); // valid
    out.push(ecInput(hash, v ^ 3n, r, s)); // other recovery id
    out.push(ecInput(hash, 55n - v, r, N - s)); // the high-s twin (accepted: EIP-2 only restricts transactions)
    out.push(cat(ecInput(hash, v, r, s), rand(i, 40))); // trailing bytes ignored
    out.push(ecInput(hash, v, r, s).subarray(0, 100)); // truncated: s right-padded
  }
  const { hash, r, s } = signed(5);
  for (const v of [0n, 1n, 26n, 29n, 27n + (1n << 255n)]) out.push(ecInput(hash, v, r, s));
  for (const [rr, ss] of [[0n, s], [r, 0n], [N, s], [r, N], [N + 1n, s], [P - 1n, s], [r, (1n << 256n) - 1n]]) {
    out.push(ecInput(hash, 27n, rr, ss));
  }
  out.push(ecInput(hash, 27n, 5n, s), ecInput(hash, 28n, 5n, s)); // small r: recovery may or may not find a point
  return out;
};

const hashInputs = [0, 1, 31, 32, 33, 64, 65, 200, 1000].map((n, i) => rand(i + 9, n));

describe('0x01-0x04 against @ethereumjs/evm', () => {
  it.each(ALL_FORKS.map((f) => [forkName(f), f] as const))('%s', async (_n, fork) => {
    const ec = ecrecoverInputs();
    let recovered = 0;
    for (const input of ec) if ((await same(fork, 1, input)).output.length === 66) recovered++;
    expect(recovered).toBeGreaterThanOrEqual(12);
    for (const n of [2, 3, 4]) for (const input of hashInputs) await same(fork, n, input);
  });

  it('known values', async () => {
    const { hash, v, r, s } = signed(42);
    const key = secp256k1.utils.randomSecretKey(rand(43, 48));
    const { keccak_256 } = await import('@noble/hashes/sha3.js');
    const addr = keccak_256(secp256k1.getPublicKey(key, false).subarray(1)).subarray(12);
    const out = await same(ALL_FORKS[0], 1, ecInput(hash, v, r, s));
    expect(out.output).toBe('0x' + '00'.repeat(12) + Buffer.from(addr).toString('hex'));
    expect((await same(ALL_FORKS[0], 2, new Uint8Array(0))).output).toBe('0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect((await same(ALL_FORKS[0], 3, new Uint8Array(0))).output).toBe('0x0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31');
  });
});

describe('ECRECOVER backends', () => {
  // libsecp256k1 ships prebuilt for linux-x64 (glibc, musl), darwin-arm64 and win32-x64: a silent fallback there is a regression.
  const prebuilt = ['linux-x64', 'darwin-arm64', 'win32-x64'].includes(`${process.platform}-${process.arch}`);
  it.skipIf(!prebuilt)('libsecp256k1 is loaded where the secp256k1 package ships a prebuilt addon', () => {
    expect(ecrecoverBackend).toBe('libsecp256k1');
  });

  it('libsecp256k1 and @noble/curves each agree with @ethereumjs/evm on valid, edge and random signatures', async () => {
    const inputs = ecrecoverInputs();
    for (let i = 0; i < 60; i++) {
      const { hash, v, r, s } = signed(1000 + 3 * i);
      inputs.push(ecInput(hash, v, r, s), ecInput(hash, 55n - v, r, N - s));
      inputs.push(ecInput(rand(2000 + i, 32), 27n + BigInt(i & 1), r, s)); // another hash: another signer
      inputs.push(cat(rand(3000 + i, 32), be(27n + BigInt(i & 1)), rand(4000 + i, 64))); // random r, s (often no point)
    }
    let recovered = 0;
    for (const input of inputs) {
      const want = await reference(Fork.Cancun, 1, input, 10_000n);
      for (const p of [ecrecover, ecrecoverNoble]) {
        const got = p.run(input, Fork.Cancun);
        expect(got.ok).toBe(true);
        expect('0x' + Buffer.from(got.ok ? got.output : []).toString('hex'), p === ecrecover ? ecrecoverBackend : 'noble').toBe(want.output);
      }
      if (want.output.length === 66) recovered++;
    }
    expect(recovered).toBeGreaterThan(150);
  });
});

