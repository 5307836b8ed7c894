/*
 * fib_bitint.c — the hand-written baseline of `mevmc bench`'s native section: the loop of
 * fibonacci.sol (../shared/bench/evmone-compiler) over clang's unsigned _BitInt(256), no gas, no
 * stack. Built with the same clang flags as compiled contracts (src/backend/c/clang.ts), minus
 * -shared. Usage: fib_bitint N → prints "<ms> <low 64 bits of F(N) in hex>".
 *
 * Built with -DEVM_LOOP it is the contract's loop translated block by block: a 256-bit loop counter
 * compared with a 256-bit N, and fibonacci.sol's two basic blocks' gas (23 + 32) checked every
 * iteration. It shows what the loop-level work of the compiler (src/analysis/loops.ts: the counter in
 * 64 bits, one gas check per round, exit tests hoisted) buys over a literal translation; the plain
 * variant (64-bit counter, no gas: clang unrolls it 8×) is the yardstick.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef unsigned _BitInt(256) w256;

/* noinline + volatile n: the loop runs for real, as in the contract. */
__attribute__((noinline)) static w256 fib(uint64_t n) {
  if (n < 2) return n;
  w256 a = 0, b = 1;
#ifdef EVM_LOOP
  uint64_t gas = UINT64_MAX >> 1;
  const w256 nn = n;
  for (w256 i = 2;; i = i + 1) {
    /* The loop head block (23 gas) ends in the exit test; the body block (32 gas) follows it. */
    if (__builtin_sub_overflow(gas, 23, &gas)) return 0;
    if (i > nn) break;
    if (__builtin_sub_overflow(gas, 32, &gas)) return 0;
#else
  for (uint64_t i = 2; i <= n; i++) {
#endif
    w256 c = a + b;
    a = b;
    b = c;
  }
  return b;
}

int main(int argc, char **argv) {
  volatile uint64_t n = argc > 1 ? strtoull(argv[1], 0, 10) : 100000000ull;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  w256 r = fib(n);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("%.3f %016llx\n", ms, (unsigned long long)(uint64_t)r);
  return 0;
}
