/**
 * @file Decoding: bytes → instructions and the JUMPDEST bitset.
 *
 * Never throws: any byte string decodes. PUSH data is skipped for JUMPDEST purposes, and a PUSH
 * truncated by the end of the code reads as if the code were padded with zeros (Yellow Paper §9.4.3;
 * @ethereumjs/evm pads right the same way).
 */
import { Op } from '../evm/traits.ts';
import type { Decoded, InstIdx } from './types.ts';

/** Decode `code` into instructions. */
export function decode(code: Uint8Array): Decoded {
  const n = code.length;
  const ops = new Uint8Array(n);
  const pcs = new Uint32Array(n);
  const jumpdests = new Uint8Array(n);
  const pushValues = new Map<InstIdx, bigint>();
  let count = 0;
  for (let pc = 0; pc < n; ) {
    const op = code[pc];
    ops[count] = op;
    pcs[count] = pc;
    if (op === Op.JUMPDEST) jumpdests[pc] = 1;
    if (op >= Op.PUSH1 && op <= Op.PUSH32) {
      const size = op - Op.PUSH0;
      let v = 0n;
      for (let i = 1; i <= size; i++) v = (v << 8n) | BigInt(pc + i < n ? code[pc + i] : 0);
      pushValues.set(count as InstIdx, v);
      pc += 1 + size;
    } else {
      if (op === Op.PUSH0) pushValues.set(count as InstIdx, 0n);
      pc += 1;
    }
    count++;
  }
  return { code, ops: ops.slice(0, count), pcs: pcs.slice(0, count), pushValues, jumpdests };
}

/** True if `pc` is a valid jump destination. */
export function isJumpdest(d: Decoded, pc: bigint): boolean {
  return pc < BigInt(d.code.length) && d.jumpdests[Number(pc)] === 1;
}
