/**
 * @file runtime/include/mevmc.h (the native backend's C ABI) agrees with the TypeScript owners of
 * the ABI: the `mevmc_host` callback table lists exactly HOST_IMPORTS (src/abi/host.ts) in order,
 * with `uint64_t user` first and i32 → uint32_t, i64 → uint64_t, result i32 → int32_t, none → void;
 * the layout macros match src/abi/context.ts; the status and environment-slot enums match `Status`
 * and `EnvSlot`; MEVMC_ABI_VERSION is the version the native loader accepts. Parsed from the header
 * text, so no compiler is needed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/abi/context.ts';
import { ENV_SLOTS, EnvSlot, HOST_IMPORTS } from '../../src/abi/host.ts';
import { FRAME_BYTES, NATIVE_ABI_VERSION } from '../../runtime/loader/native.ts';

const HEADER = readFileSync(join(import.meta.dirname, '../../runtime/include/mevmc.h'), 'utf8');
/** The header without comments, whitespace runs collapsed. */
const CODE = HEADER.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');

function block(open: RegExp, close: RegExp): string {
  const m = open.exec(CODE);
  expect(m, `${open} in mevmc.h`).not.toBeNull();
  const rest = CODE.slice(m!.index + m![0].length);
  const end = close.exec(rest);
  expect(end, `${close} in mevmc.h`).not.toBeNull();
  return rest.slice(0, end!.index);
}

/** `#define NAME value` → value (numbers only; parenthesised sums of known macros evaluated). */
function defines(): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of CODE.matchAll(/^#define\s+(MEVMC_\w+)\s+(.+?)\s*$/gm)) {
    const expr = m[2].replace(/MEVMC_\w+/g, (n) => String(out.get(n) ?? NaN));
    if (/^[\d\s()+*x a-fA-F-]+$/.test(expr)) out.set(m[1], Function(`return (${expr});`)() as number);
  }
  return out;
}

/** Enumerators of `enum name { … }` with their values (implicit values counted). */
function enumValues(name: string): [string, number][] {
  const body = block(new RegExp(`enum\\s+${name}\\s*\\{`), /\}/);
  let next = 0;
  return body.split(',').map((s) => s.trim()).filter(Boolean).map((e) => {
    const m = /^(\w+)(?:\s*=\s*(\d+))?$/.exec(e);
    expect(m, `enumerator ${JSON.stringify(e)}`).not.toBeNull();
    const v = m![2] !== undefined ? Number(m![2]) : next;
    next = v + 1;
    return [m![1], v] as [string, number];
  });
}

describe('mevmc.h ↔ src/abi', () => {
  it('mevmc_host lists exactly HOST_IMPORTS, in order, with matching C types', () => {
    const body = block(/typedef\s+struct\s+mevmc_host\s*\{/, /\}\s*mevmc_host\s*;/);
    const members = body.split(';').map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean);
    const parsed = members.map((m) => {
      const r = /^(void|int32_t) \(\*(\w+)\)\((.*)\)$/.exec(m);
      expect(r, `not a callback pointer: ${m}`).not.toBeNull();
      const params = r![3].split(',').map((p) => p.trim());
      return { ret: r![1], name: r![2], params };
    });
    expect(parsed.map((p) => p.name)).toEqual(HOST_IMPORTS.map((h) => h.name.replace(/^mevmc_/, '')));
    for (const [i, h] of HOST_IMPORTS.entries()) {
      const p = parsed[i];
      expect(p.ret, `${p.name} result`).toBe(h.result === 'i32' ? 'int32_t' : 'void');
      expect(p.params[0], `${p.name}: first parameter`).toBe('uint64_t user');
      const types = p.params.slice(1).map((x) => /^(\w+) \w+$/.exec(x)?.[1] ?? `?${x}`);
      expect(types, `${p.name} parameters`).toEqual(h.params.map((t) => (t === 'i64' ? 'uint64_t' : 'uint32_t')));
    }
  });

  it('mevmc_frame is { mem, host, user } (what the native loader writes)', () => {
    const body = block(/typedef\s+struct\s+mevmc_frame\s*\{/, /\}\s*mevmc_frame\s*;/).replace(/\s+/g, ' ');
    expect(body.split(';').map((s) => s.trim()).filter(Boolean)).toEqual(['uint8_t *mem', 'const mevmc_host *host', 'uint64_t user']);
  });

  it('layout macros match src/abi/context.ts; ABI version is the one the loader accepts', () => {
    const d = defines();
    const want: Record<string, number> = {
      MEVMC_ABI_VERSION: NATIVE_ABI_VERSION,
      MEVMC_CTX: L.CTX, MEVMC_CTX_SIZE: L.CTX_SIZE, MEVMC_SCRATCH: L.SCRATCH, MEVMC_SCRATCH_SIZE: L.SCRATCH_SIZE,
      MEVMC_ENV: L.ENV, MEVMC_ENV_SLOTS: ENV_SLOTS, MEVMC_STACK_BASE: L.STACK_BASE, MEVMC_STACK_LIMIT: L.STACK_LIMIT,
      MEVMC_STACK_END: L.STACK_END, MEVMC_EVM_MEMORY_BASE: L.EVM_MEMORY_BASE, MEVMC_MAX_EVM_MEMORY: L.MAX_EVM_MEMORY,
      MEVMC_FRAME_BYTES: FRAME_BYTES,
      MEVMC_CTX_GAS: L.Ctx.gas, MEVMC_CTX_MEM_WORDS: L.Ctx.memWords, MEVMC_CTX_RET_OFFSET: L.Ctx.retOffset,
      MEVMC_CTX_RET_LENGTH: L.Ctx.retLength, MEVMC_CTX_CALLDATA_SIZE: L.Ctx.calldataSize,
      MEVMC_CTX_RETURNDATA_SIZE: L.Ctx.returndataSize, MEVMC_CTX_CODE_SIZE: L.Ctx.codeSize,
    };
    for (const [k, v] of Object.entries(want)) expect(d.get(k), k).toBe(v);
  });

  it('statuses and environment slots match Status and EnvSlot', () => {
    const camel = (s: string) => s.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase());
    const st = enumValues('mevmc_status');
    expect(st.map(([n, v]) => [camel(n.replace(/^MEVMC_/, '')), v])).toEqual(
      Object.entries(L.Status).filter(([, v]) => typeof v === 'number').map(([n, v]) => [n, v]),
    );
    const env = enumValues('mevmc_env_slot');
    expect(env).toHaveLength(ENV_SLOTS);
    expect(env.map(([n, v]) => [n.replace(/^MEVMC_ENV_/, '').replace(/_/g, '').toLowerCase(), v])).toEqual(
      Object.entries(EnvSlot).filter(([, v]) => typeof v === 'number').map(([n, v]) => [n.toLowerCase(), v]),
    );
  });
});
