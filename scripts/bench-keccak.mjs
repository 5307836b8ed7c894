#!/usr/bin/env node
/**
 * @file `node scripts/bench-keccak.mjs`: ns per chained Keccak-256 hash (each input begins with the last digest, so
 * nothing can be batched or remembered), the figure behind README › "keccak-f against its floor". Two engines:
 * - wasm: src/builtins/builtins.wasm's mevmc_keccak256 called from JS (its memo misses on every call);
 * - native: src/builtins/keccak_core.h compiled by the native backend's clang with the contracts' flags (-O2, baseline
 *   ISA: the BMI2 copy is chosen at run time where the CPU has it), timed in C.
 * Each figure is the minimum over ROUNDS (default 1500) timings of 2,000 hashes: on the shared 2-core machine the
 * minimum is what an unloaded core does. LENS (default "32,64") picks input lengths. Without clang the native line
 * says why. Needs dist/ for the clang lookup (`npm run build`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.ROUNDS ?? 1500);
const PER = 2000;
const LENS = (process.env.LENS ?? '32,64').split(',').map(Number);
if (!(ROUNDS > 0) || LENS.some((l) => !(l >= 32 && l <= 4096))) {
  console.error('bench-keccak: ROUNDS must be > 0 and LENS lengths in 32..4096');
  process.exit(2);
}
const IN = 131072; // EVM_MEMORY_BASE: inputs live where frames keep EVM memory

function wasmNs(len) {
  const module = new WebAssembly.Module(readFileSync(join(root, 'src/builtins/builtins.wasm')));
  const memory = new WebAssembly.Memory({ initial: 4 });
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports.mevmc_keccak256;
  new Uint8Array(memory.buffer).fill(7, IN, IN + len);
  let best = Infinity;
  for (let r = 0; r < ROUNDS + 100; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < PER; i++) k(IN, IN, len); // the digest overwrites the input's first word
    const t = Number(process.hrtime.bigint() - t0) / PER;
    if (r >= 100 && t < best) best = t; // the first rounds run before V8's optimising tier
  }
  return best;
}

const DRIVER = `#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "keccak_core.h"
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
int main(int argc, char **argv) {
  int len = atoi(argv[1]), rounds = atoi(argv[2]);
  static uint8_t buf[4096];
  for (int i = 0; i < len; i++) buf[i] = 7;
  uint64_t d[4];
  double best = 1e30;
  for (int r = 0; r < rounds; r++) {
    double t0 = now();
    for (int i = 0; i < ${PER}; i++) { mevmc_keccak256_lanes(buf, (uint64_t)len, d); __builtin_memcpy(buf, d, 32); }
    double t = (now() - t0) / ${PER};
    if (t < best) best = t;
  }
  printf("%.1f\\n", best);
  return 0;
}
`;

async function nativeNs() {
  const dist = join(root, 'dist/src/backend/c/clang.js');
  if (!existsSync(dist)) return { why: 'dist/ is missing (npm run build)' };
  const { findClang, nativeCflags } = await import(pathToFileURL(dist).href);
  const tc = findClang();
  if (!tc) return { why: 'no clang >= 15 (MEVMC_CLANG)' };
  const dir = mkdtempSync(join(tmpdir(), 'mevmc-bench-keccak-'));
  try {
    writeFileSync(join(dir, 'driver.c'), DRIVER);
    // The contracts' optimisation flags, as an executable instead of a shared object.
    const flags = nativeCflags(2).filter((f) => !['-shared', '-fPIC', '-fvisibility=hidden', '-x', 'c'].includes(f));
    execFileSync(tc.clang, [...flags, '-I', join(root, 'src/builtins'), join(dir, 'driver.c'), '-o', join(dir, 'driver')], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { run: (len) => Number(execFileSync(join(dir, 'driver'), [String(len), String(ROUNDS)], { encoding: 'utf8' })), done: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `clang failed: ${String(e.stderr ?? e.message).split('\n')[0]}` };
  }
}

const native = await nativeNs();
console.log(`ns per chained Keccak-256 hash, min over ${ROUNDS} x ${PER}`);
for (const len of LENS) {
  const w = wasmNs(len).toFixed(1);
  const n = native.run ? native.run(len).toFixed(1) : `- (${native.why})`;
  console.log(`${String(len).padStart(5)} bytes   wasm ${w.padStart(7)}   native ${n}`);
}
native.done?.();
