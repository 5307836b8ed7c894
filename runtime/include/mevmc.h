/*
 * mevmc.h — the C ABI of contracts compiled by mevmc's native backend (`mevmc compile --target so`).
 *
 * A compiled contract is a shared object exporting three symbols:
 *
 *     uint32_t    mevmc_abi_version(void);      returns MEVMC_ABI_VERSION it was built against
 *     const char *mevmc_contract_info(void);    "mevmc <version>; fork <name>; code keccak256 0x…"
 *     int32_t     mevmc_run(mevmc_frame *frame); executes the contract from pc 0, returns a status
 *
 * A host (mevmc's Node runtime through koffi, or a sequencer in C, C++ or Rust through dlopen)
 * prepares a frame, calls mevmc_run, and reads the outcome from the frame's context area. The
 * compiled code never allocates, never calls libc and never keeps state between calls: everything
 * lives in the frame memory, so one loaded object serves any number of frames and threads, and a
 * callback may re-enter mevmc_run of the same or another contract on a second frame (nested calls).
 *
 * ---- Frame memory ----
 *
 * `frame->mem` points at the frame's memory, laid out exactly as the linear memory of the
 * WebAssembly backend (offsets below, all little-endian). Addresses passed to and from callbacks
 * are byte offsets into it (uint32_t), never pointers.
 *
 *   [MEVMC_CTX, +MEVMC_CTX_SIZE)            execution context (fields below)
 *   [MEVMC_SCRATCH, +MEVMC_SCRATCH_SIZE)    operand words of callbacks (8 × 32 bytes)
 *   [MEVMC_ENV, +32·MEVMC_ENV_SLOTS)        environment words (enum mevmc_env_slot), written by the host
 *   [MEVMC_STACK_BASE, MEVMC_STACK_END)     EVM stack, 1024 words, growing upwards
 *   [MEVMC_EVM_MEMORY_BASE, +MAX)           EVM memory
 *
 * The host must make MEVMC_EVM_MEMORY_BASE + MEVMC_MAX_EVM_MEMORY bytes readable and writable
 * (reserve them lazily, e.g. mmap with MAP_NORESERVE: only touched pages cost memory) and zero
 * them before first use. Compiled code only touches EVM memory below 32·memWords, which it grows
 * by charging gas. A frame reused for another run needs its context zeroed and the EVM memory
 * [MEVMC_EVM_MEMORY_BASE, +32·memWords of the previous run) cleared.
 *
 * A 256-bit word is 32 bytes little-endian (least significant byte first). Addresses are words
 * too (an address in the low 160 bits).
 *
 * ---- Running ----
 *
 * Before mevmc_run: ctx.gas = gas available, ctx.calldataSize, ctx.codeSize, every environment
 * word, everything else in the context zero. After: the status tells how the frame ended;
 * STOP/RETURN/REVERT keep ctx.gas as the gas left, RETURN/REVERT put the output at
 * [MEVMC_EVM_MEMORY_BASE + ctx.retOffset, +ctx.retLength); every other status consumed all gas.
 *
 * ---- Callbacks ----
 *
 * `frame->host` is a table of function pointers, each receiving `frame->user` first (opaque to
 * compiled code: a pointer or an id of the host's frame). Callbacks read their operands from and
 * write their results to frame memory at the given offsets. Callbacks returning int32_t return 0
 * to continue or a status the compiled code returns at once (out of gas, static violation, a host
 * error …). Callbacks charge their own dynamic gas (warm/cold access, SSTORE, calls) on ctx.gas:
 * compiled code writes its gas counter to ctx.gas before every callback and re-reads it after.
 *
 * The table's order and signatures are those of HOST_IMPORTS in src/abi/host.ts (the WebAssembly
 * backend's host imports, module "host"); test/abi/native-abi.test.ts checks that they agree.
 *
 * Versioning: MEVMC_ABI_VERSION changes whenever a layout, a status or a callback changes; a host
 * must refuse an object whose mevmc_abi_version() differs from the header it was built with.
 */
#ifndef MEVMC_H
#define MEVMC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEVMC_ABI_VERSION 2

/* ---- frame memory layout (byte offsets into frame->mem) ---- */
#define MEVMC_CTX 20480
#define MEVMC_CTX_SIZE 256
#define MEVMC_SCRATCH 20736
#define MEVMC_SCRATCH_SIZE 256
#define MEVMC_ENV 20992
#define MEVMC_ENV_SLOTS 16
#define MEVMC_STACK_BASE 24576
#define MEVMC_STACK_LIMIT 1024
#define MEVMC_STACK_END 57344
#define MEVMC_EVM_MEMORY_BASE 131072
#define MEVMC_MAX_EVM_MEMORY 1073741824
/* Bytes a host must make addressable per frame. */
#define MEVMC_FRAME_BYTES (MEVMC_EVM_MEMORY_BASE + MEVMC_MAX_EVM_MEMORY)

/* ---- execution context fields (byte offsets from MEVMC_CTX) ---- */
#define MEVMC_CTX_GAS 0              /* uint64_t gas left */
#define MEVMC_CTX_MEM_WORDS 8        /* uint64_t EVM memory size in 32-byte words (MSIZE / 32) */
#define MEVMC_CTX_RET_OFFSET 16      /* uint32_t output offset in EVM memory */
#define MEVMC_CTX_RET_LENGTH 20      /* uint32_t output length */
#define MEVMC_CTX_CALLDATA_SIZE 24   /* uint32_t */
#define MEVMC_CTX_RETURNDATA_SIZE 28 /* uint32_t */
#define MEVMC_CTX_CODE_SIZE 32       /* uint32_t */

/* ---- statuses returned by mevmc_run and by callbacks ---- */
enum mevmc_status {
  MEVMC_STOP = 0,
  MEVMC_RETURN = 1,
  MEVMC_REVERT = 2,
  MEVMC_OUT_OF_GAS = 3,
  MEVMC_STACK_UNDERFLOW = 4,
  MEVMC_STACK_OVERFLOW = 5,
  MEVMC_INVALID_JUMP = 6,
  MEVMC_INVALID_OPCODE = 7,
  MEVMC_STATIC_VIOLATION = 8,
  MEVMC_RETURN_DATA_OUT_OF_BOUNDS = 9,
  MEVMC_MEMORY_LIMIT = 10,  /* EVM memory beyond MEVMC_MAX_EVM_MEMORY with gas to pay for it */
  MEVMC_UNSUPPORTED = 11,
  MEVMC_HOST_ERROR = 12     /* a callback failed; the host keeps the reason */
};

/* ---- environment words at MEVMC_ENV + 32·slot, written by the host before mevmc_run ---- */
enum mevmc_env_slot {
  MEVMC_ENV_ADDRESS = 0,
  MEVMC_ENV_ORIGIN,
  MEVMC_ENV_CALLER,
  MEVMC_ENV_CALLVALUE,
  MEVMC_ENV_GASPRICE,
  MEVMC_ENV_COINBASE,
  MEVMC_ENV_TIMESTAMP,
  MEVMC_ENV_NUMBER,
  MEVMC_ENV_PREVRANDAO,
  MEVMC_ENV_GASLIMIT,
  MEVMC_ENV_CHAINID,
  MEVMC_ENV_BASEFEE,
  MEVMC_ENV_BLOBBASEFEE,
  MEVMC_ENV_CALLDATASIZE,
  MEVMC_ENV_CODESIZE,
  MEVMC_ENV_RETURNDATASIZE
};

/*
 * The host callback table. Conventions: `r`, `key`, `value`, `args`, `addr_word` are offsets of
 * 32-byte words in frame memory; `dst` and `data` are offsets in frame memory of EVM memory
 * bytes (already expanded and paid for by the compiled code); a `uint64_t x` with a
 * `uint32_t x_overflow` is the low 64 bits of a 256-bit operand and whether any higher bit is set.
 */
typedef struct mevmc_host {
  /* r ← calldata word at offset (zero-padded) */
  void (*calldataload)(uint64_t user, uint32_t r, uint64_t offset, uint32_t offset_overflow);
  /* copy len bytes of calldata from offset to dst, zero-padded */
  void (*calldatacopy)(uint64_t user, uint32_t dst, uint64_t offset, uint32_t offset_overflow, uint32_t len);
  /* copy len bytes of the executing code from offset to dst, zero-padded */
  void (*codecopy)(uint64_t user, uint32_t dst, uint64_t offset, uint32_t offset_overflow, uint32_t len);
  /* copy return data; reading past its end → MEVMC_RETURN_DATA_OUT_OF_BOUNDS (EIP-211) */
  int32_t (*returndatacopy)(uint64_t user, uint32_t dst, uint64_t offset, uint32_t offset_overflow, uint64_t len,
                            uint32_t len_overflow);
  /* access gas (EIP-2929) for the address word, then copy len bytes of its code to dst */
  int32_t (*extcodecopy)(uint64_t user, uint32_t addr_word, uint32_t dst, uint64_t offset, uint32_t offset_overflow,
                         uint32_t len);
  /* r holds an address word; replaced by its balance / code size / code hash (access gas) */
  int32_t (*balance)(uint64_t user, uint32_t r);
  int32_t (*extcodesize)(uint64_t user, uint32_t r);
  int32_t (*extcodehash)(uint64_t user, uint32_t r);
  /* r ← balance of the executing account */
  void (*selfbalance)(uint64_t user, uint32_t r);
  /* r holds a block number; replaced by its hash (0 outside the last 256 blocks) */
  void (*blockhash)(uint64_t user, uint32_t r);
  /* r holds an index; replaced by the transaction's versioned blob hash (0 if none) */
  void (*blobhash)(uint64_t user, uint32_t r);
  /* r holds a storage key; replaced by its value (EIP-2929 gas) */
  int32_t (*sload)(uint64_t user, uint32_t r);
  /* storage write with EIP-2200/2929/3529 gas and refunds, the 2300 sentry and the static check */
  int32_t (*sstore)(uint64_t user, uint32_t key, uint32_t value);
  /* transient storage (EIP-1153) */
  void (*tload)(uint64_t user, uint32_t r);
  int32_t (*tstore)(uint64_t user, uint32_t key, uint32_t value);
  /* CALL (0xf1), CALLCODE (0xf2), DELEGATECALL (0xf4), STATICCALL (0xfa): args = words gas, to,
   * value, inOffset, inLength, outOffset, outLength (memory already expanded); word 0 ← 1 or 0 */
  int32_t (*call)(uint64_t user, uint32_t opcode, uint32_t args);
  /* CREATE (0xf0), CREATE2 (0xf5): args = words value, offset, length, salt; word 0 ← address or 0 */
  int32_t (*create)(uint64_t user, uint32_t opcode, uint32_t args);
  /* SELFDESTRUCT: gas, refund and balance move (EIP-6780); the frame then stops */
  int32_t (*selfdestruct)(uint64_t user, uint32_t beneficiary_word);
  /* tracing builds only: called before every instruction with its pc and the stack top offset */
  void (*trace)(uint64_t user, uint32_t pc, uint32_t sp);
  /* LOGn: topics are words at topics (topic 0 first), data = data_len bytes at data */
  int32_t (*log)(uint64_t user, uint32_t topic_count, uint32_t topics, uint32_t data, uint32_t data_len);
} mevmc_host;

/* One execution frame. */
typedef struct mevmc_frame {
  uint8_t *mem;            /* MEVMC_FRAME_BYTES addressable bytes, layout above */
  const mevmc_host *host;  /* callbacks */
  uint64_t user;           /* passed to every callback */
} mevmc_frame;

/* Exported by every compiled contract. */
uint32_t mevmc_abi_version(void);
const char *mevmc_contract_info(void);
int32_t mevmc_run(mevmc_frame *frame);

#ifdef __cplusplus
}
#endif

#endif /* MEVMC_H */
