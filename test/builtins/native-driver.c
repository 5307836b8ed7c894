/*
 * native-driver.c — runs the functions of src/builtins/mevmc_native.h on operands read from stdin,
 * for test/builtins/native.test.ts (which compiles it with clang and compares every output with
 * the BigInt reference semantics). Hosted C: the driver itself may use stdio; the header may not.
 *
 * Input, one request per line, numbers in hex without 0x:
 *   <op> <a> <b> [<c>]    op = mul div mod sdiv smod addmod mulmod exp signextend byte shl shr sar
 *                         clz bytelen (a, b, c: words, stack order)
 *   keccak <bytes>        bytes: an even number of hex digits, or "-" for none
 *   expand <gas> <words> <offset> <length> <overflow>
 *   bytes <a>             load_be/store_be/load/store/make/limb round trips of a word
 * Output, one line per request: the result word in hex; for expand "<status> <gas> <words>";
 * for bytes "<load_be of a's little-endian bytes> <ok>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mevmc.h"
#include "mevmc_native.h"

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  fprintf(stderr, "bad hex digit %c\n", c);
  exit(2);
}

static w256 parse_word(const char *s) {
  w256 v = 0;
  for (; *s; s++) v = (v << 4) | (w256)hexval(*s);
  return v;
}

static void print_word(w256 v) {
  printf("%016llx%016llx%016llx%016llx\n", (unsigned long long)mevmc_w_limb(v, 3),
         (unsigned long long)mevmc_w_limb(v, 2), (unsigned long long)mevmc_w_limb(v, 1),
         (unsigned long long)mevmc_w_limb(v, 0));
}

/* The frame memory of expand requests: only the context is touched. */
static uint8_t frame[MEVMC_CTX + MEVMC_CTX_SIZE] __attribute__((aligned(64)));

static uint8_t bytes[1 << 20];

int main(void) {
  static char line[(2 << 20) + 64];
  char *tok[6];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    int nt = 0;
    for (char *p = strtok(line, " "); p && nt < 6; p = strtok(0, " ")) tok[nt++] = p;
    if (nt == 0) continue;
    const char *op = tok[0];
    w256 a = nt > 1 && strcmp(op, "keccak") ? parse_word(tok[1]) : 0;
    w256 b = nt > 2 ? parse_word(tok[2]) : 0;
    w256 c = nt > 3 ? parse_word(tok[3]) : 0;
    if (!strcmp(op, "mul")) print_word(mevmc_w_mul(a, b));
    else if (!strcmp(op, "div")) print_word(mevmc_w_div(a, b));
    else if (!strcmp(op, "mod")) print_word(mevmc_w_mod(a, b));
    else if (!strcmp(op, "sdiv")) print_word(mevmc_w_sdiv(a, b));
    else if (!strcmp(op, "smod")) print_word(mevmc_w_smod(a, b));
    else if (!strcmp(op, "addmod")) print_word(mevmc_w_addmod(a, b, c));
    else if (!strcmp(op, "mulmod")) print_word(mevmc_w_mulmod(a, b, c));
    else if (!strcmp(op, "exp")) print_word(mevmc_w_exp(a, b));
    else if (!strcmp(op, "signextend")) print_word(mevmc_w_signextend(a, b));
    else if (!strcmp(op, "byte")) print_word(mevmc_w_byte(a, b));
    else if (!strcmp(op, "shl")) print_word(mevmc_w_shl(a, b));
    else if (!strcmp(op, "shr")) print_word(mevmc_w_shr(a, b));
    else if (!strcmp(op, "sar")) print_word(mevmc_w_sar(a, b));
    else if (!strcmp(op, "clz")) print_word(mevmc_w_clz(a));
    else if (!strcmp(op, "bytelen")) print_word(mevmc_w_bytelen(a));
    else if (!strcmp(op, "keccak")) {
      const char *h = nt > 1 && strcmp(tok[1], "-") ? tok[1] : "";
      size_t len = strlen(h) / 2;
      /* an odd start address, so unaligned loads are exercised */
      uint8_t *p = bytes + 1 + (len % 7);
      for (size_t i = 0; i < len; i++) p[i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
      print_word(mevmc_w_keccak(len ? p : 0, len));
    } else if (!strcmp(op, "expand")) {
      if (nt != 6) return 3;
      uint64_t gas = (uint64_t)parse_word(tok[1]), words = (uint64_t)parse_word(tok[2]);
      memcpy(frame + MEVMC_CTX + MEVMC_CTX_GAS, &gas, 8);
      memcpy(frame + MEVMC_CTX + MEVMC_CTX_MEM_WORDS, &words, 8);
      int32_t st = mevmc_w_expand(frame, (uint64_t)parse_word(tok[3]), (uint64_t)parse_word(tok[4]),
                                  (uint32_t)parse_word(tok[5]));
      memcpy(&gas, frame + MEVMC_CTX + MEVMC_CTX_GAS, 8);
      memcpy(&words, frame + MEVMC_CTX + MEVMC_CTX_MEM_WORDS, 8);
      printf("%d %llx %llx\n", st, (unsigned long long)gas, (unsigned long long)words);
    } else if (!strcmp(op, "bytes")) {
      /* a's little-endian bytes read back big-endian, and the other round trips' agreement */
      uint8_t buf[40];
      mevmc_w_store(buf + 3, a);
      w256 be = mevmc_w_load_be(buf + 3);
      int ok = mevmc_w_load(buf + 3) == a;
      mevmc_w_store_be(buf + 5, be);
      ok &= mevmc_w_load(buf + 5) == a;
      ok &= mevmc_w_make(mevmc_w_limb(a, 3), mevmc_w_limb(a, 2), mevmc_w_limb(a, 1), mevmc_w_limb(a, 0)) == a;
      for (int i = 0; i < 32; i++) ok &= buf[5 + i] == (uint8_t)(a >> (8 * i));
      printf("%016llx%016llx%016llx%016llx %d\n", (unsigned long long)mevmc_w_limb(be, 3),
             (unsigned long long)mevmc_w_limb(be, 2), (unsigned long long)mevmc_w_limb(be, 1),
             (unsigned long long)mevmc_w_limb(be, 0), ok);
    } else {
      fprintf(stderr, "unknown op %s\n", op);
      return 2;
    }
  }
  return 0;
}
