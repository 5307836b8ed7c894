/**
 * @file The native loader (runtime/loader/native.ts): ABI version check, frames run through koffi,
 * frame reuse with cleared memory, host errors rethrown exactly as on the wasm path, nested calls
 * across engines (native → wasm → native) and 1024-deep native recursion.
 *
 * Contracts here are hand-written C implementing runtime/include/mevmc.h (injected with the loader's
 * `source` option), so the loader is tested independently of the C backend; the last block runs
 * real compiled code once src/backend/c compiles EVM code. Skipped, with a message, without clang.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCase } from '../../runtime/harness/case.ts';
import { backendOf, blockContextOf, runCase } from '../../runtime/harness/batch.ts';
import { Executor, HostFailure } from '../../runtime/host/call.ts';
import type { Message } from '../../runtime/host/types.ts';
import { MixedLoader } from '../../runtime/loader/mixed.ts';
import { NATIVE_ABI_VERSION, NativeLoadError, NativeLoader, nativeUnavailableReason, openContract } from '../../runtime/loader/native.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { WorldState } from '../../runtime/state/world.ts';
import { expectSame, mkCase } from '../helpers/engines.ts';
import { buildSharedObject } from '../../src/backend/c/clang.ts';
import { Status } from '../../src/abi/context.ts';
import { Fork } from '../../src/evm/forks.ts';

const unavailable = nativeUnavailableReason();
if (unavailable) console.warn(`[native-loader tests skipped] ${unavailable}`);

const HEADER = readFileSync(join(import.meta.dirname, '../../runtime/include/mevmc.h'), 'utf8');

/**
 * Fixture contracts, one C file. MODE 1 (leaf): r ← calldata word 0; sload(r); EVM memory word 0 += 1;
 * returns [memory word 0, the storage value, the byte at EVM memory 9 MiB before it is set to 0xff]
 * with memWords covering 10 MiB (so a reused frame must have cleared it, past MADVISE_MIN: pages given back). MODE 2 (caller): CALLs the
 * address TARGET (0 = itself) with all its gas and no input, returns [callee output (64 bytes), success].
 */
function fixture(mode: 1 | 2, opts: { target?: number; abi?: number; pad?: number } = {}): string {
  return `${HEADER}
#define V __attribute__((visibility("default")))
V uint32_t mevmc_abi_version(void) { return ${opts.abi ?? 'MEVMC_ABI_VERSION'}; }
V const char *mevmc_contract_info(void) { return "fixture ${mode}"; }
__attribute__((noinline)) static void touch(volatile uint8_t *p, uint32_t n) { for (uint32_t i = n; i >= 4096; i -= 4096) p[i - 1] = 1; }
static void setw(uint8_t *p, uint64_t v) { for (int i = 0; i < 32; i++) p[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0; }
V int32_t mevmc_run(mevmc_frame *f) {
  uint8_t *M = f->mem; const mevmc_host *H = f->host; uint64_t U = f->user;
  uint64_t *gas = (uint64_t *)(M + MEVMC_CTX + MEVMC_CTX_GAS);
  uint8_t *mem = M + MEVMC_EVM_MEMORY_BASE;
  uint8_t *S = M + MEVMC_SCRATCH;
  if (*gas < 100) return MEVMC_OUT_OF_GAS;
  *gas -= 100;
#if ${mode} == 1
  H->calldataload(U, MEVMC_SCRATCH, 0, 0);
  if (*gas < 100) return MEVMC_OUT_OF_GAS; /* a failed void callback zeroed the gas: stop here */
  int32_t st = H->sload(U, MEVMC_SCRATCH);
  if (st) return st;
  mem[31] += 1;
  for (int i = 0; i < 32; i++) mem[32 + i] = S[31 - i];
  setw(mem + 64, 0);
  mem[95] = mem[9 << 20];
  mem[9 << 20] = 0xff;
  *(uint64_t *)(M + MEVMC_CTX + MEVMC_CTX_MEM_WORDS) = (10 << 20) / 32;
  *(uint32_t *)(M + MEVMC_CTX + MEVMC_CTX_RET_OFFSET) = 0;
  *(uint32_t *)(M + MEVMC_CTX + MEVMC_CTX_RET_LENGTH) = 96;
  return MEVMC_RETURN;
#else
  ${opts.pad ? `uint8_t pad[${opts.pad}]; touch(pad, ${opts.pad}); /* a huge stack frame, probed from the top */` : ''}
  *(uint64_t *)(M + MEVMC_CTX + MEVMC_CTX_MEM_WORDS) = 3;
  setw(S, *gas);                                   /* gas */
  ${opts.target ? `setw(S + 32, ${opts.target});` : 'for (int i = 0; i < 32; i++) S[32 + i] = M[MEVMC_ENV + 32 * MEVMC_ENV_ADDRESS + i];'}
  setw(S + 64, 0); setw(S + 96, 0); setw(S + 128, 0);  /* value, inOffset, inLength */
  setw(S + 160, 0); setw(S + 192, 64);              /* outOffset, outLength */
  int32_t st = H->call(U, 0xf1, MEVMC_SCRATCH);
  if (st) return st;
  for (int i = 0; i < 32; i++) mem[64 + i] = S[31 - i];
  *(uint32_t *)(M + MEVMC_CTX + MEVMC_CTX_RET_OFFSET) = 0;
  *(uint32_t *)(M + MEVMC_CTX + MEVMC_CTX_RET_LENGTH) = 96;
  return MEVMC_RETURN;
#endif
}
`;
}

// Fixture "code": 0xfe (INVALID) then the mode and target, so no EVM engine would mistake it for a program.
const LEAF = Uint8Array.from([0xfe, 0x01]);
const CALL_B = Uint8Array.from([0xfe, 0x02, 0x0b]);
const CALL_SELF = Uint8Array.from([0xfe, 0x02, 0x00]);
const CALL_SELF_BIG_FRAME = Uint8Array.from([0xfe, 0x03, 0x00]);
const fixtureSource = (code: Uint8Array): string =>
  code[1] === 1 ? fixture(1) : fixture(2, { target: code[2], pad: code[1] === 3 ? 256 << 10 : undefined });
const isFixture = (code: Uint8Array): boolean => code.length <= 3 && code[0] === 0xfe;

const hex = (b: Uint8Array) => '0x' + Buffer.from(b).toString('hex');
const word = (n: bigint | number) => BigInt(n).toString(16).padStart(64, '0');
const ADDR_B = '0x000000000000000000000000000000000000000b';
const ADDR_C = '0x000000000000000000000000000000000000000c';
// B (wasm): CALL 0x0c with all gas, no input, 64 bytes of output at 0; RETURN them.
const B_CODE = Uint8Array.from([0x60, 0x40, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x0c, 0x5a, 0xf1, 0x50, 0x60, 0x40, 0x60, 0x00, 0xf3]);

const newLoader = (o: ConstructorParameters<typeof NativeLoader>[0] = {}) =>
  new NativeLoader({ cacheDir: mkdtempSync(join(tmpdir(), 'mevmc-native-test-')), optimize: 1, source: fixtureSource, ...o });

describe.skipIf(unavailable)('NativeLoader', () => {
  it('refuses an object built for another ABI version, with a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-native-abi-'));
    const other = NATIVE_ABI_VERSION + 1;
    const so = join(dir, 'other-abi.so');
    buildSharedObject(fixture(1, { abi: other }), so, { optimize: 0 });
    expect(() => openContract(so)).toThrow(NativeLoadError);
    expect(() => openContract(so)).toThrow(`mevmc_abi_version() is ${other} but this runtime implements mevmc ABI ${NATIVE_ABI_VERSION}`);
    const good = join(dir, 'this-abi.so');
    buildSharedObject(fixture(1), good, { optimize: 0 });
    expect(openContract(good).info).toBe('fixture 1');
    // through a loader: a fresh build of a wrong-ABI object is an error, not a silent rebuild loop
    const l = newLoader({ source: () => fixture(1, { abi: other }) });
    expect(() => l.load(LEAF, Fork.Cancun)).toThrow(/refusing to run it/);
  });

  it('runs a frame: callbacks, gas, output; frames are reused with cleared memory (also beyond MADVISE_MIN, 8 MiB)', () => {
    const l = newLoader();
    const c = parseCase({ code: hex(LEAF), gas: '100000', calldata: '0x' + word(7), pre: { '0x2000000000000000000000000000000000000002': { storage: { '7': '0x2a' } } } });
    const want = '0x' + word(1) + word(0x2a) + word(0);
    const first = runCase(c, { loader: l });
    expect(first).toMatchObject({ status: 'success', output: want, gasUsed: String(100 + 2100) }); // cold SLOAD (Cancun)
    const again = runCase(c, { loader: l, repeat: 3 });
    expect(again).toMatchObject({ status: 'success', output: want, gasUsed: first.gasUsed });
    expect(l.frameCount).toBe(1);
    // from the disk cache in a new loader (no clang run); another source is another object
    const l2 = new NativeLoader({ cacheDir: join(l.dir, '..'), optimize: 1, source: fixtureSource });
    expect(l2.load(LEAF, Fork.Cancun)).toMatchObject({ fromDisk: true, compileMs: 0 });
    const l3 = new NativeLoader({ cacheDir: join(l.dir, '..'), optimize: 1, source: () => fixture(1) + '\n/* changed */\n' });
    expect(l3.load(LEAF, Fork.Cancun).fromDisk).toBe(false);
    l3.dispose();
    expect(runCase(c, { loader: l2 }).output).toBe(want);
    l.dispose();
    l2.dispose();
  });

  it('keeps at most maxIdleFrames idle frames (the rest are unmapped)', () => {
    const l = newLoader({ maxIdleFrames: 2 });
    const loaded = l.load(LEAF, Fork.Cancun);
    const frames = [0, 1, 2, 3, 4].map(() => l.acquire(loaded));
    expect(new Set(frames.map((f) => f.id)).size).toBe(5);
    for (const f of frames) l.release(f);
    expect(l.frameCount).toBe(2);
    // the most recently released is reused first
    expect(l.acquire(loaded)).toBe(frames[4]);
    l.release(frames[4]);
    l.dispose();
  });

  it('a JS exception in a callback comes out of run() (int32 and void callbacks), and the frame stays usable', () => {
    const l = newLoader();
    const loaded = l.load(LEAF, Fork.Cancun);
    const inst = l.acquire(loaded);
    const setGas = () => new DataView(inst.memory.buffer).setBigUint64(20480, 100000n, true);
    const boom = new Error('boom');
    setGas();
    inst.fns = { mevmc_calldataload: () => {}, mevmc_sload: () => { throw boom; } };
    expect(() => inst.run()).toThrow(boom);
    const voidBoom = new RangeError('void boom');
    setGas();
    inst.fns = { mevmc_calldataload: () => { throw voidBoom; }, mevmc_sload: () => 0 };
    expect(() => inst.run()).toThrow(voidBoom);
    // i64 parameters arrive as BigInt, as from wasm; the status of an int32 callback is returned
    const seen: unknown[] = [];
    setGas();
    inst.fns = { mevmc_calldataload: (...a: unknown[]) => { seen.push(...a.slice(0, 3)); }, mevmc_sload: () => Status.StaticViolation };
    expect(inst.run()).toBe(Status.StaticViolation);
    expect(seen).toEqual([20736, 0n, 0]);
    l.release(inst);
    l.dispose();
  });

  it('host failures are reported exactly as on the wasm path', () => {
    class Boom extends WorldState {
      override sload(): bigint {
        throw new Error('state backend down');
      }
      // The wasm engine's SLOAD reads the state cache, which reaches the world only on a miss.
      override loadSlot(): bigint {
        throw new Error('state backend down');
      }
    }
    const run = (loader: NativeLoader | WasmLoader, code: Uint8Array): unknown => {
      const c = parseCase({ code: hex(code), gas: '100000' });
      const world = new Boom(backendOf(c));
      const ex = new Executor(world, Fork.Cancun, blockContextOf(c, Fork.Cancun), loader);
      const msg: Message = {
        caller: '0x1000000000000000000000000000000000000001', address: '0x2000000000000000000000000000000000000002',
        codeAddress: '0x2000000000000000000000000000000000000002', origin: '0x1000000000000000000000000000000000000001',
        value: 0n, gasPrice: 0n, calldata: new Uint8Array(0), gas: 100000n, isStatic: false, depth: 0,
      };
      try {
        ex.run(msg, false);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const native = run(newLoader(), LEAF);
    const wasm = run(new WasmLoader(), Uint8Array.from([0x60, 0x00, 0x35, 0x54, 0x00])); // PUSH1 0 CALLDATALOAD SLOAD STOP
    expect(native).toBeInstanceOf(HostFailure);
    expect(wasm).toBeInstanceOf(HostFailure);
    expect((native as Error).message).toBe((wasm as Error).message);
    expect((native as Error).message).toBe('Error: state backend down');
  });

  it('nested calls cross engines: native → wasm → native', () => {
    const native = newLoader();
    const mixed = new MixedLoader(native, new WasmLoader(), (code) => (isFixture(code) ? 'native' : 'wasm'));
    const c = parseCase({
      code: hex(CALL_B), gas: '1000000',
      pre: { [ADDR_B]: { code: hex(B_CODE) }, [ADDR_C]: { code: hex(LEAF), storage: { '0': '0x2a' } } },
    });
    const r = runCase(c, { loader: mixed, repeat: 2 });
    expect(r.status).toBe('success');
    // C's output [1, 0x2a, 0] → B returns its first 64 bytes → A appends the success flag
    expect(r.output).toBe('0x' + word(1) + word(0x2a) + word(1));
    expect(mixed.load(CALL_B, Fork.Cancun).via).toBe('native');
    expect(mixed.load(B_CODE, Fork.Cancun).via).toBe('wasm');
    mixed.dispose();
  });

  it('recursion to the EVM depth limit (1024 nested native frames)', () => {
    const l = newLoader();
    NativeLoader.resetMaxDepth();
    const c = parseCase({ code: hex(CALL_SELF), gas: '1000000000000' });
    const r = runCase(c, { loader: l });
    expect(r.status).toBe('success');
    expect(NativeLoader.maxDepth).toBeGreaterThanOrEqual(1025);
    expect(l.frameCount).toBeLessThanOrEqual(32);
    l.dispose();
  });

  it('a nested frame that could overflow koffi\'s stack fails as a host error instead of crashing', () => {
    const l = newLoader();
    const r = runCase(parseCase({ code: hex(CALL_SELF_BIG_FRAME), gas: '1000000000000' }), { loader: l });
    expect(r.status).toBe('halt');
    expect(r.error).toMatch(/^host error: native stack exhausted at call depth \d+/);
    // the loader and its frames are fine afterwards
    expect(runCase(parseCase({ code: hex(LEAF), gas: '100000' }), { loader: l }).status).toBe('success');
    l.dispose();
  });
});

// Real compiled code (src/backend/c), compared with @ethereumjs/evm.
describe.skipIf(unavailable)('native engine on compiled EVM code', () => {
  // PUSH1 0x40 PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 <to> GAS CALL POP PUSH1 0x40 PUSH1 0 RETURN: call <to>, return 64 bytes of its output
  const caller = (to: number) => Uint8Array.from([0x60, 0x40, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, to, 0x5a, 0xf1, 0x50, 0x60, 0x40, 0x60, 0x00, 0xf3]);
  // PUSH1 0 SLOAD PUSH1 0x20 MSTORE PUSH1 1 PUSH1 1 SSTORE CALLER PUSH1 0 MSTORE PUSH1 0x40 PUSH1 0 RETURN
  const leaf = Uint8Array.from([0x60, 0x00, 0x54, 0x60, 0x20, 0x52, 0x60, 0x01, 0x60, 0x01, 0x55, 0x33, 0x60, 0x00, 0x52, 0x60, 0x40, 0x60, 0x00, 0xf3]);

  it('native → wasm → native, identical to the reference', async () => {
    const native = new NativeLoader({ optimize: 1 });
    const wasmCode = caller(0x0c);
    const mixed = new MixedLoader(native, new WasmLoader(), (code) => (Buffer.from(code).equals(Buffer.from(wasmCode)) ? 'wasm' : 'native'));
    const c = mkCase({
      code: caller(0x0b), gas: '1000000',
      pre: { [ADDR_B]: { code: hex(wasmCode) }, [ADDR_C]: { code: hex(leaf), storage: { '0': '0x2a' } } },
    });
    const { ours } = await expectSame(c, { loader: mixed });
    expect(ours.output).toBe('0x' + word(0x0b) + word(0x2a)); // C saw B as its caller, read its slot 0
    expect(mixed.load(caller(0x0b), Fork.Cancun).via).toBe('native');
    expect(mixed.load(leaf, Fork.Cancun).via).toBe('native');
  });

  it('self-recursion to the depth limit on koffi\'s stack, identical to the reference', async () => {
    // PUSH1 0 DUP1 DUP1 DUP1 DUP1 ADDRESS GAS CALL PUSH1 0 SSTORE STOP: every level calls itself with all its gas
    const code = Uint8Array.from([0x60, 0x00, 0x80, 0x80, 0x80, 0x80, 0x30, 0x5a, 0xf1, 0x60, 0x00, 0x55, 0x00]);
    const l = new NativeLoader({ optimize: 2 });
    NativeLoader.resetMaxDepth();
    await expectSame(mkCase({ code, gas: '1000000000000' }), { loader: l });
    expect(NativeLoader.maxDepth).toBeGreaterThanOrEqual(1025);
  }, 120_000);
});

