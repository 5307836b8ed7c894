/**
 * @file The committed builtins.wasm: it is what build.ts produces from the C sources today, it
 * satisfies the memory layout of src/abi/context.ts, and its exports have exactly the
 * signatures of the BUILTINS table (checked by linking a module that imports them as declared:
 * the engine rejects any mismatch).
 */
import { describe, it, expect } from 'vitest';
import binaryen from 'binaryen';
import { BUILTINS, BUILTINS_WASM } from '../../src/builtins/index.ts';
import {
  REFERENCE_CLANG_MAJOR, STATE_MODULES, buildBuiltins, buildStateModule, checkBuiltins, findToolchain, stateModulePath, summarizeWasm,
} from '../../src/builtins/build.ts';
import { readFileSync } from 'node:fs';
import { BUILTIN_STACK_END, CTX } from '../../src/abi/context.ts';

const toolchain = findToolchain();
if (!toolchain) {
  console.warn(
    'test/builtins/artifact.test.ts: no clang >= 15 with wasm32 + wasm-ld found ' +
      '(apt-get install clang-19 lld-19): skipping the rebuild-and-compare test',
  );
} else if (toolchain.clangMajor !== REFERENCE_CLANG_MAJOR) {
  console.warn(
    `test/builtins/artifact.test.ts: found clang ${toolchain.clangMajor}, but builtins.wasm is built ` +
      `with clang ${REFERENCE_CLANG_MAJOR}: only checking that the sources build, not byte equality`,
  );
}

describe('builtins.wasm', () => {
  it.skipIf(!toolchain)('is reproduced byte for byte by src/builtins/build.ts', () => {
    const fresh = buildBuiltins(toolchain);
    if (toolchain!.clangMajor === REFERENCE_CLANG_MAJOR) {
      // On failure: run `npx tsx src/builtins/build.ts` and commit src/builtins/builtins.wasm.
      expect(Buffer.from(fresh).equals(Buffer.from(BUILTINS_WASM))).toBe(true);
      // and the build is deterministic
      expect(Buffer.from(buildBuiltins(toolchain)).equals(Buffer.from(fresh))).toBe(true);
    }
  }, 60_000);

  it('fits the layout: only env.memory imported, stack below BUILTIN_STACK_END, data below CTX', () => {
    expect(() => checkBuiltins(BUILTINS_WASM)).not.toThrow();
    const s = summarizeWasm(BUILTINS_WASM);
    expect(s.imports.map((i) => `${i.module}.${i.name}`)).toEqual(['env.memory']);
    expect(s.globals[0].init).toBe(BUILTIN_STACK_END);
    for (const d of s.data) {
      expect(d.offset).toBeGreaterThanOrEqual(BUILTIN_STACK_END);
      expect(d.offset + d.size).toBeLessThanOrEqual(CTX);
    }
    // no names, producers or other custom sections: nothing machine-specific
    const custom = [...WebAssembly.Module.customSections(new WebAssembly.Module(BUILTINS_WASM), 'name'),
      ...WebAssembly.Module.customSections(new WebAssembly.Module(BUILTINS_WASM), 'producers')];
    expect(custom).toEqual([]);
  });

  it('checkBuiltins rejects a module that breaks the layout', () => {
    const m = new binaryen.Module();
    m.addFunctionImport('f', 'env', 'abort', binaryen.none, binaryen.none);
    const bad = m.emitBinary();
    m.dispose();
    expect(() => checkBuiltins(bad)).toThrow(/imports must be exactly env.memory/);
  });

  it('exports exactly the BUILTINS table, with its signatures', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(BUILTINS_WASM), { env: { memory } });
    expect(Object.keys(inst.exports).sort()).toEqual(BUILTINS.map((b) => b.name).sort());

    const ty = (ts: readonly string[]) =>
      ts.length === 0 ? binaryen.none : binaryen.createType(ts.map((t) => (t === 'i64' ? binaryen.i64 : binaryen.i32)));
    const m = new binaryen.Module();
    for (const b of BUILTINS) {
      m.addFunctionImport(b.name, 'builtins', b.name, ty(b.params), ty(b.results));
      expect(b.args.length).toBe(b.params.length);
    }
    const importer = new WebAssembly.Module(new Uint8Array(m.emitBinary()));
    m.dispose();
    // LinkError if any declared signature differs from the real one
    expect(() => new WebAssembly.Instance(importer, { builtins: inst.exports })).not.toThrow();
  });
});

describe('state_cache.wasm and state_host.wasm', () => {
  it.skipIf(!toolchain || toolchain.clangMajor !== REFERENCE_CLANG_MAJOR)('are reproduced byte for byte by src/builtins/build.ts', () => {
    for (const m of STATE_MODULES) {
      // On failure: run `npx tsx src/builtins/build.ts` and commit src/builtins/state_*.wasm.
      expect(Buffer.from(buildStateModule(m.name, toolchain)).equals(readFileSync(stateModulePath(m.name)))).toBe(true);
    }
  }, 60_000);

  it('state_host has no data (it runs in frame memories) and imports only env.memory, cache.* and host.*', () => {
    const s = summarizeWasm(new Uint8Array(readFileSync(stateModulePath('state_host'))));
    expect(s.data).toEqual([]);
    expect(s.imports.every((i) => i.name === 'memory' ? i.module === 'env' : i.module === 'cache' || i.module === 'host')).toBe(true);
  });
});
