/**
 * @file The native section of `mevmc bench` (issue #5): fib(10^8) through compiled contracts on the native engine
 * against a hand-written C fib over `unsigned _BitInt(256)` (cli/bench/fib_bitint.c) built with the same clang flags.
 * The evmone-compiler README reports its compiled fib 13× slower than native C with gas checks; mevmc's target is ≤ 1.5×.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCase } from '../../runtime/harness/batch.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { loadSharedBench, prepareBenchCase } from '../../runtime/harness/shared-bench.ts';
import { findClang, nativeCflags } from '../../src/backend/c/clang.ts';

const FIB_C = fileURLToPath(new URL('../bench/fib_bitint.c', import.meta.url));

/**
 * Milliseconds of the hand-written C fib(n) (best of `runs`) and the low 64 bits of its result; `evmLoop` builds the
 * variant with the EVM program's 256-bit counter and per-block gas checks (see fib_bitint.c).
 */
function handWrittenFib(n: bigint, runs: number, evmLoop = false): { ms: number; low: bigint } {
  const tc = findClang()!;
  const dir = mkdtempSync(join(tmpdir(), 'mevmc-fib-'));
  try {
    const exe = join(dir, 'fib');
    const flags = nativeCflags(2).filter((f) => f !== '-shared' && f !== '-x' && f !== 'c');
    execFileSync(tc.clang, [...flags, ...(evmLoop ? ['-DEVM_LOOP'] : []), FIB_C, '-o', exe], { stdio: ['ignore', 'pipe', 'pipe'] });
    let best = Infinity;
    let low = 0n;
    for (let i = 0; i < runs; i++) {
      const [ms, hex] = execFileSync(exe, [n.toString()], { encoding: 'utf8' }).trim().split(' ');
      best = Math.min(best, Number(ms));
      low = BigInt(`0x${hex}`);
    }
    return { ms: best, low };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function nativeFibSection(native: ContractLoader, heavy: boolean): Promise<void> {
  const shared = loadSharedBench();
  const fibs = shared.cases.filter((b) => /^evmone-compiler\/fib_.*\/N1e8$/.test(b.name));
  if (fibs.length === 0) { console.log('\n(native fib(10^8) section skipped: no ../shared/bench/evmone-compiler)'); return; }
  const n = 100_000_000n;
  const runs = heavy ? 5 : 3;
  const c = handWrittenFib(n, runs);
  const e = handWrittenFib(n, runs, true);
  console.log(`\nnative: fib(10^8), best of ${runs}; hand-written C over unsigned _BitInt(256) (clang -O2, no gas, no stack): ${c.ms.toFixed(1)} ms`);
  console.log(`  the same C with the contract's 256-bit counter and gas checks (-DEVM_LOOP): ${e.ms.toFixed(1)} ms = ${(e.ms / c.ms).toFixed(2)}×${e.low === c.low ? '' : ' (F(N) DIFFERS)'}`);
  for (const b of fibs) {
    const p = await prepareBenchCase(b);
    const r = runCase(p.case, { loader: native, repeat: runs });
    const low = r.output.length >= 66 ? BigInt(`0x${r.output.slice(-16)}`) : undefined;
    const check = low === undefined ? '(no output: F(N) stays on the stack)' : low === c.low ? '(same F(N) as the C code)' : `(F(N) DIFFERS: ${low.toString(16)})`;
    console.log(`  ${b.name.padEnd(44)} ${r.status} gas ${r.gasUsed}: ${r.execMs.toFixed(1)} ms = ${(r.execMs / c.ms).toFixed(2)}× the C code, ${(r.execMs / e.ms).toFixed(2)}× its EVM-loop variant ${check}`);
  }
}
