/**
 * @file docs/wasm-abi.md cannot drift from the sources: its tables between `<!-- generated: NAME -->`
 * and `<!-- end generated -->` are regenerated here from HOST_IMPORTS and EnvSlot (src/abi/host.ts),
 * the layout, Ctx and Status (src/abi/context.ts), BUILTINS (src/builtins/table.ts) and the
 * identification constants (src/abi/wasm-meta.ts), and must be equal. `MEVMC_UPDATE_DOCS=1` rewrites
 * them instead. The doc's numbers in prose are checked against a compiled module in artifacts.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/abi/context.ts';
import { BUILTINS_MODULE, ENV_SLOTS, EnvSlot, HOST_IMPORTS, HOST_MODULE } from '../../src/abi/host.ts';
import { ABI_VERSION_EXPORT, CODE_SECTION, META_SECTION, WASM_ABI_VERSION } from '../../src/abi/wasm-meta.ts';
import { BUILTINS } from '../../src/builtins/table.ts';

const DOC = join(import.meta.dirname, '../../docs/wasm-abi.md');

const sig = (params: readonly string[], result: string | null | undefined) => `(${params.join(', ')}) → ${result ?? '—'}`;
const esc = (s: string) => s.replace(/\|/g, '\\|');

/** Every generated block of the doc, by name. */
export function generatedBlocks(): Record<string, string> {
  const layout = [
    ['BUILTIN_STACK_END', L.BUILTIN_STACK_END, 'top of the builtins\' shadow stack [0, it); their static data up to CTX'],
    ['CTX', L.CTX, 'execution context (fields below)'], ['CTX_SIZE', L.CTX_SIZE, 'bytes reserved for it'],
    ['SCRATCH', L.SCRATCH, 'operand words of builtin and host calls'], ['SCRATCH_SIZE', L.SCRATCH_SIZE, '8 words'],
    ['ENV', L.ENV, `environment words: ${ENV_SLOTS} × 32 bytes`], ['STACK_BASE', L.STACK_BASE, 'EVM stack bottom, growing upwards'],
    ['STACK_END', L.STACK_END, `one past its top (${L.STACK_LIMIT} words)`],
    ['CALLDATA_BASE', L.CALLDATA_BASE, 'the frame\'s calldata and 32 zero bytes, written by the host when at most CALLDATA_MAX bytes (wasm CALLDATALOAD and CALLDATACOPY read them)'],
    ['CALLDATA_MAX', L.CALLDATA_MAX, 'longest calldata copied there'], ['EVM_MEMORY_BASE', L.EVM_MEMORY_BASE, 'EVM memory byte 0'],
    ['MAX_EVM_MEMORY', L.MAX_EVM_MEMORY, 'most EVM memory a frame allocates (bytes)'],
  ] as const;
  const ctxDoc: Record<keyof typeof L.Ctx, string> = {
    gas: 'u64 gas left: the host writes the gas before `run`, reads what is left after; callbacks charge here',
    memWords: 'u64 EVM memory size in words (MSIZE / 32)', retOffset: 'u32 output offset in EVM memory (RETURN/REVERT)',
    retLength: 'u32 output length', calldataSize: 'u32 calldata size (host writes)', returndataSize: 'u32 return-data size',
    codeSize: 'u32 code size (host writes)', pages: 'u32 wasm pages committed to EVM memory (builtins bookkeeping)',
    stateAddr: 'u32 state-cache address record of the executing account (host writes; 0 = storage through the JS host)',
    flags: 'u32 frame flags, bit 0 = static (host writes)', fork: 'u32 enum Fork (host writes)',
    volatile: 'u32 set to 1 by `volatileEnv` builds (MegaETH gas detention) when they read a block-environment word',
    memoEpoch: 'u32 frame serial (host writes, any value; 0 is fine): the builtins\' KECCAK256 memo reuses only entries filled under the same value',
  };
  const statuses = Object.entries(L.Status).filter(([, v]) => typeof v === 'number') as [string, L.Status][];
  const slots = Object.entries(EnvSlot).filter(([, v]) => typeof v === 'number') as [string, number][];
  return {
    identification: [
      '| what | name | value |', '|---|---|---|',
      `| exported global (i32, immutable) | \`${ABI_VERSION_EXPORT}\` | ${WASM_ABI_VERSION} |`,
      `| custom section (UTF-8 JSON) | \`${META_SECTION}\` | \`{"abi","fork","codeHash","codeSize","compiler"}\` |`,
      `| custom section (raw bytes) | \`${CODE_SECTION}\` | the EVM code the module was compiled from |`,
    ].join('\n'),
    layout: ['| constant | offset | what |', '|---|---:|---|', ...layout.map(([n, v, d]) => `| \`${n}\` | ${v} | ${d} |`)].join('\n'),
    context: ['| field | offset from CTX | what |', '|---|---:|---|', ...Object.entries(L.Ctx).map(([k, v]) => `| \`${k}\` | ${v} | ${ctxDoc[k as keyof typeof L.Ctx]} |`)].join('\n'),
    statuses: ['| status | value | error reported |', '|---|---:|---|', ...statuses.map(([k, v]) => `| \`${k}\` | ${v} | ${L.STATUS_ERROR[v] ?? '—'} |`)].join('\n'),
    env: ['| slot | word at | opcode |', '|---|---:|---|', ...slots.map(([k, v]) => `| \`${k}\` | ENV + ${32 * v} = ${L.ENV + 32 * v} | ${k.toUpperCase()} |`)].join('\n'),
    host: [`| \`${HOST_MODULE}\` import | signature | touches | what |`, '|---|---|---|---|',
      ...HOST_IMPORTS.map((h) => `| \`${h.name}\` | ${sig(h.params, h.result)} | ${h.touches} | ${esc(h.doc)} |`)].join('\n'),
    builtins: [`| \`${BUILTINS_MODULE}\` import | signature | what |`, '|---|---|---|',
      ...BUILTINS.map((b) => `| \`${b.name}\` | ${sig(b.params.map((p, i) => `${b.args[i]}: ${p}`), b.results[0])} | ${esc(b.doc)} |`)].join('\n'),
  };
}

const BLOCK = /<!-- generated: (\w+) -->\n([\s\S]*?)<!-- end generated -->/g;

describe('docs/wasm-abi.md', () => {
  it('its generated tables equal the ones built from the sources', () => {
    const want = generatedBlocks();
    let doc = readFileSync(DOC, 'utf8');
    if (process.env.MEVMC_UPDATE_DOCS) {
      doc = doc.replace(BLOCK, (_m, name: string) => `<!-- generated: ${name} -->\n${want[name] ?? ''}\n<!-- end generated -->`);
      writeFileSync(DOC, doc);
    }
    const found = Object.fromEntries([...doc.matchAll(BLOCK)].map((m) => [m[1], m[2].replace(/\n$/, '')]));
    expect(Object.keys(found).sort()).toEqual(Object.keys(want).sort());
    for (const name of Object.keys(want)) expect(found[name], `block ${name} (MEVMC_UPDATE_DOCS=1 regenerates it)`).toBe(want[name]);
  });
  it('a changed source list is caught (a host import renamed)', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(doc).toContain('`mevmc_sload`');
    const planted = generatedBlocks().host.replace('mevmc_sload', 'mevmc_sload2');
    expect(doc.includes(planted)).toBe(false);
  });
});
