/**
 * @file runtime/state/rlp.ts (the hot encoders' RLP) against @ethereumjs/rlp on the edges of the format: single bytes
 * below and at 0x80, string and list lengths 55/56 and 255/256 (one to two length bytes), integers 0, 127, 128,
 * 2^53 ± 1, 2^256 − 1; and the receipt encoder on the same edges against @ethereumjs/vm's encodeReceipt.
 */
import { RLP } from '@ethereumjs/rlp';
import { encodeReceipt as ejsEncodeReceipt } from '@ethereumjs/vm';
import { describe, expect, it } from 'vitest';
import { encodeReceipt, logsBloom } from '../../runtime/block/receipts.ts';
import { PackedLog } from '../../runtime/state/packed-log.ts';
import { bytesLength, encodeUint, headerLength, uintLength, writeAddress, writeBytes, writeHeader, writeUint } from '../../runtime/state/rlp.ts';
import { bigintToMinimalBytes } from '../../runtime/state/state-root.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 29 + seed * 13) & 0xff);

describe('rlp writers', () => {
  const strings = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0x7f), Uint8Array.of(0x80), Uint8Array.of(0xff),
    ...[2, 55, 56, 255, 256, 1000, 70000].map((n) => bytes(n, n))];
  it.each(strings.map((s) => [s.length, s[0], s] as const))('a %i-byte string (first byte %s) as @ethereumjs/rlp encodes it', (_n, _f, s) => {
    const out = new Uint8Array(bytesLength(s));
    expect(writeBytes(out, 0, s)).toBe(out.length);
    expect(hex(out)).toBe(hex(RLP.encode(s)));
    // A slice of a larger array encodes as the slice alone.
    const big = Uint8Array.of(9, ...s, 9);
    const o2 = new Uint8Array(bytesLength(big, 1, s.length));
    writeBytes(o2, 0, big, 1, s.length);
    expect(hex(o2)).toBe(hex(RLP.encode(s)));
  });
  it.each([0, 1, 55, 56, 255, 256, 65535, 65536])('a list header for a %i-byte payload', (n) => {
    const body = new Uint8Array(n).fill(1); // n one-byte items 0x01
    const out = new Uint8Array(headerLength(n) + n);
    out.set(body, writeHeader(out, 0, n, 0xc0));
    expect(hex(out)).toBe(hex(RLP.encode(Array.from({ length: n }, () => Uint8Array.of(1)))));
  });
  const ints = [0n, 1n, 127n, 128n, 255n, 256n, 21000n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n, 2n ** 256n - 1n];
  it.each(ints)('the integer %s', (x) => {
    const out = new Uint8Array(uintLength(x));
    expect(writeUint(out, 0, x)).toBe(out.length);
    expect(hex(out)).toBe(hex(RLP.encode(bigintToMinimalBytes(x))));
    expect(hex(encodeUint(x))).toBe(hex(RLP.encode(x)));
  });
  it('rejects negative integers and malformed addresses', () => {
    expect(() => uintLength(-1n)).toThrow(RangeError);
    expect(() => writeAddress(new Uint8Array(21), 0, '0x12')).toThrow(/not an address/);
    expect(() => writeAddress(new Uint8Array(21), 0, '0x' + 'g'.repeat(40))).toThrow(/not an address/);
    const a = '0x' + hex(bytes(20, 4));
    const out = new Uint8Array(21);
    writeAddress(out, 0, a.toUpperCase().replace('0X', '0x'));
    expect(hex(out)).toBe(hex(RLP.encode(bytes(20, 4))));
  });
});

describe('receipt encoding on the RLP edges', () => {
  const addr = '0x' + hex(bytes(20, 7));
  const word = (b: bigint) => Uint8Array.from(Buffer.from(b.toString(16).padStart(64, '0'), 'hex'));
  // Data of 1 byte below / at 0x80, 55/56 bytes, 300 bytes; a log whose item passes 55 and 255 bytes.
  const datas = [Uint8Array.of(0x05), Uint8Array.of(0x80), bytes(55, 1), bytes(56, 2), bytes(300, 3)];
  it.each(datas.map((d) => [d.length, d[0], d] as const))('a log with %i data bytes (first %s), gas 2^53 + 1 and 2^64', (_n, _f, data) => {
    for (const gas of [2n ** 53n + 1n, 2n ** 64n]) {
      const logs = [{ address: addr, topics: [1n, 2n ** 255n], data }];
      const r = { type: 2, status: 1 as const, cumulativeGasUsed: gas, logsBloom: logsBloom(logs), logs };
      const want = ejsEncodeReceipt({ status: 1, cumulativeBlockGasUsed: gas, bitvector: r.logsBloom,
        logs: logs.map((l) => [Buffer.from(l.address.slice(2), 'hex'), l.topics.map(word), l.data]) } as never, 2);
      expect(hex(encodeReceipt(r))).toBe(hex(want));
      expect(hex(encodeReceipt({ ...r, logs: logs.map((l) => PackedLog.of(l.address, l.topics, l.data)) }))).toBe(hex(want));
    }
  });
});
