/**
 * @file Code far beyond deployable sizes still compiles and runs like the interpreter: more than 65,520
 * reachable blocks (the linear layout's state switch must be split under V8's br_table limit) and
 * dynamic jumps to JUMPDESTs beyond 64 KiB.
 */
import { describe, it } from 'vitest';
import { expectSame, mkCase } from '../helpers/engines.ts';

const N = 70_000;
const hex = (n: number, bytes: number) => n.toString(16).padStart(2 * bytes, '0');

describe('huge code', () => {
  it(`${N} JUMPDESTs: fall through until out of gas, and a dynamic jump to the last one`, async () => {
    const jumpdests = '5b'.repeat(N);
    await expectSame(mkCase({ fork: 'cancun', code: '0x' + jumpdests + '00', gas: '50000' }));
    // PUSH3 target PUSH1 0 ADD JUMP (dynamic: not fused), then N JUMPDESTs, then PUSH1 1 PUSH1 0 SSTORE STOP
    const target = 7 + N - 1;
    const code = '0x62' + hex(target, 3) + '600001' + '56' + jumpdests + '600160005500';
    await expectSame(mkCase({ fork: 'cancun', code, gas: '100000' }));
  }, 300_000);
});
