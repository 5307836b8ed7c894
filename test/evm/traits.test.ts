/**
 * @file The opcode table (src/evm/traits.ts) and the per-fork base gas (src/evm/gas.ts):
 * - internal invariants of TRAITS (PUSHn immediates, DUP/SWAP/LOG arities, terminators, Op ↔ names);
 * - for every fork and all 256 bytes, availability and base gas equal @ethereumjs/evm's own opcode table
 *   (`opcodeAvailable` / `baseGasOf` of the reference runner);
 * - arities (pops/pushes) agree with what @ethereumjs/evm actually does: with one item too few the
 *   opcode underflows, with exactly `pops` items it does not, and it leaves exactly `pushes` items.
 */
import { describe, expect, it } from 'vitest';
import { parseCase } from '../../runtime/harness/case.ts';
import { baseGasOf, ethereumjsOpcodeTable, opcodeAvailable, runReference } from '../../runtime/harness/reference/ethereumjs.ts';
import { BASE_GAS } from '../../src/evm/gas.ts';
import { isPush, observesGas } from '../../src/evm/traits.ts';
import { ALL_FORKS, FORK_COMMON_NAMES, Fork, Op, TRAITS, baseGas, forkName, opName, parseForkName, traitsIn } from '../../src/index.ts';

const bytes = Array.from({ length: 256 }, (_, i) => i);
const hex2 = (b: number) => b.toString(16).padStart(2, '0');

describe('TRAITS: internal invariants', () => {
  it('PUSH0..PUSH32 have n immediate bytes, pop nothing, push one', () => {
    expect(TRAITS[0x5f]).toMatchObject({ name: 'PUSH0', imm: 0, pops: 0, pushes: 1, since: Fork.Shanghai });
    for (let n = 1; n <= 32; n++) {
      const t = TRAITS[0x5f + n]!;
      expect(t, `PUSH${n}`).toMatchObject({ name: `PUSH${n}`, imm: n, pops: 0, pushes: 1, terminates: false, since: Fork.Frontier });
      expect(isPush(0x5f + n)).toBe(true);
    }
    expect(isPush(0x5e)).toBe(false);
    expect(isPush(0x80)).toBe(false);
  });

  it('only PUSH1..PUSH32 have immediates', () => {
    for (const b of bytes) {
      const t = TRAITS[b];
      if (t && !(b >= 0x60 && b <= 0x7f)) expect(t.imm, opName(b)).toBe(0);
    }
  });

  it('DUPn pops n and pushes n+1; SWAPn pops and pushes n+1; LOGn pops n+2', () => {
    for (let n = 1; n <= 16; n++) {
      expect(TRAITS[0x7f + n], `DUP${n}`).toMatchObject({ name: `DUP${n}`, pops: n, pushes: n + 1, imm: 0, terminates: false });
      expect(TRAITS[0x8f + n], `SWAP${n}`).toMatchObject({ name: `SWAP${n}`, pops: n + 1, pushes: n + 1, imm: 0, terminates: false });
    }
    for (let n = 0; n <= 4; n++) {
      expect(TRAITS[0xa0 + n], `LOG${n}`).toMatchObject({ name: `LOG${n}`, pops: n + 2, pushes: 0, kind: 'log', terminates: false });
    }
  });

  it('terminators are exactly STOP, JUMP, RETURN, REVERT, INVALID, SELFDESTRUCT', () => {
    const term = bytes.filter((b) => TRAITS[b]?.terminates).map(opName).sort();
    expect(term).toEqual(['INVALID', 'JUMP', 'RETURN', 'REVERT', 'SELFDESTRUCT', 'STOP']);
    // A terminator never pushes (nothing runs after it in the frame).
    for (const b of bytes) if (TRAITS[b]?.terminates) expect(TRAITS[b]!.pushes, opName(b)).toBe(0);
    expect(TRAITS[Op.JUMPI]!.terminates).toBe(false);
  });

  it('Op mnemonics agree with TRAITS names; names are unique; opName of undefined bytes is hex', () => {
    for (const [name, b] of Object.entries(Op)) expect(TRAITS[b]?.name, name).toBe(name);
    const names = bytes.filter((b) => TRAITS[b]).map((b) => TRAITS[b]!.name);
    expect(new Set(names).size).toBe(names.length);
    expect(opName(0x0c)).toBe('0x0c');
    expect(opName(0xef)).toBe('0xef');
  });

  it('kinds are consistent with what the opcodes do', () => {
    for (const b of bytes) {
      const t = TRAITS[b];
      if (!t) continue;
      if (b >= 0x5f && b <= 0x9f) expect(t.kind, opName(b)).toBe('stack');
      if (b >= 0x01 && b <= 0x1e) expect(t.kind, opName(b)).toBe('pure');
    }
    for (const b of [Op.CALL, Op.CALLCODE, Op.DELEGATECALL, Op.STATICCALL, Op.CREATE, Op.CREATE2, Op.SELFDESTRUCT]) {
      expect(TRAITS[b]!.kind).toBe('call');
    }
    // Opcodes whose result depends on the exact gas left must end a block.
    for (const b of [Op.GAS, Op.SSTORE, Op.CALL, Op.CALLCODE, Op.DELEGATECALL, Op.STATICCALL, Op.CREATE, Op.CREATE2]) {
      expect(observesGas(b), opName(b)).toBe(true);
    }
    expect(observesGas(Op.ADD)).toBe(false);
  });

  it('traitsIn respects `since`; baseGas is undefined exactly where the opcode is', () => {
    for (const f of ALL_FORKS) {
      for (const b of bytes) {
        const t = TRAITS[b];
        expect(traitsIn(b, f), `${forkName(f)} ${opName(b)}`).toBe(t !== undefined && f >= t.since ? t : undefined);
        const g = baseGas(f, b);
        expect(g === undefined, `${forkName(f)} ${opName(b)}`).toBe(traitsIn(b, f) === undefined);
        if (g !== undefined) {
          expect(g).toBeGreaterThanOrEqual(0);
          expect(BASE_GAS[f][b]).toBe(g);
        }
      }
    }
  });

  it('fork names round-trip', () => {
    FORK_COMMON_NAMES.forEach((n, i) => {
      expect(parseForkName(n)).toBe(i);
      expect(forkName(i as Fork)).toBe(n);
    });
    expect(parseForkName('frontier')).toBe(Fork.Frontier);
    expect(parseForkName('merge')).toBe(Fork.Paris);
    expect(parseForkName('nope')).toBeUndefined();
  });
});

/** ethereumjs' generic names for families of opcodes, and the 0x44 name before the merge. */
function ejsName(name: string): string {
  return name.replace(/^(PUSH|DUP|SWAP|LOG)\d+$/, '$1').replace(/^PREVRANDAO$/, 'DIFFICULTY');
}

describe('TRAITS and BASE_GAS against @ethereumjs/evm, every fork, all 256 bytes', () => {
  for (const f of ALL_FORKS) {
    const name = forkName(f);
    it(`${name}: availability, names and base gas`, () => {
      const table = ethereumjsOpcodeTable(name);
      for (const b of bytes) {
        const what = `${name} 0x${hex2(b)} ${opName(b)}`;
        // 0xFE is the designated INVALID: a defined instruction for us (it terminates), "undefined" for the helper.
        if (b === Op.INVALID) {
          expect(traitsIn(b, f)?.name, what).toBe('INVALID');
          expect(table.get(b)?.name, what).toBe('INVALID');
          expect(opcodeAvailable(name, b), what).toBe(false);
          continue;
        }
        const ours = traitsIn(b, f);
        expect(ours !== undefined, `${what}: availability`).toBe(opcodeAvailable(name, b));
        if (!ours) {
          expect(baseGas(f, b), what).toBeUndefined();
          expect(baseGasOf(name, b), what).toBeUndefined();
          continue;
        }
        const e = table.get(b)!;
        const ejs = ejsName(ours.name);
        // ethereumjs calls 0x44 PREVRANDAO from the merge on, DIFFICULTY before.
        expect([ejs, ours.name], what).toContain(e.name);
        // ethereumjs' LOGn static fee is LOG0's 375; the 375 per topic is charged in its dynamic-gas handler
        // (opcodes/gas.js: `logTopicGas * topicsCount`). Our block gas includes the topics: same total.
        const topics = b >= 0xa0 && b <= 0xa4 ? b - 0xa0 : 0;
        expect(baseGas(f, b), `${what}: base gas`).toBe(baseGasOf(name, b)! + 375 * topics);
      }
      // Nothing in ethereumjs' table that we do not know about.
      for (const b of table.keys()) expect(TRAITS[b], `${name} 0x${hex2(b)} ${table.get(b)!.name}`).toBeDefined();
    });
  }
});

describe('arities agree with what @ethereumjs/evm executes (osaka: every opcode exists)', () => {
  const fork = 'osaka';
  const P0 = '6000'; // PUSH1 0 (fork-neutral)
  const run = async (code: string) => runReference(parseCase({ fork, code: '0x' + code, gas: '1000000' }));
  for (const b of bytes) {
    const t = traitsIn(b, Fork.Osaka);
    if (!t || b === Op.INVALID) continue;
    it(`${t.name}: pops ${t.pops}, pushes ${t.pushes}`, async () => {
      const op = hex2(b) + '00'.repeat(t.imm);
      if (t.pops > 0) {
        const short = await run(P0.repeat(t.pops - 1) + op);
        expect(short.error, 'one item too few').toBe('stack underflow');
      }
      const exact = await run(P0.repeat(t.pops) + op);
      expect(exact.error, 'exactly enough items').not.toBe('stack underflow');
      if (!t.terminates) {
        expect(exact.status, `${t.name} with zero operands runs`).toBe('success');
        const pops = '50'.repeat(t.pushes);
        expect((await run(P0.repeat(t.pops) + op + pops + '00')).status, 'pops exactly what it pushed').toBe('success');
        expect((await run(P0.repeat(t.pops) + op + pops + '50')).error, 'one pop too many').toBe('stack underflow');
      }
    }, 20_000);
  }
});
