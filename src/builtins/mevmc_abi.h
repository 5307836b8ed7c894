/*
 * mevmc_abi.h — the linear-memory layout and status codes, repeated from src/abi/context.ts
 * (the single owner of every offset). test/builtins/abi.test.ts parses the #defines below and
 * checks they agree with context.ts, so edit both together.
 *
 * Keep every value a plain decimal literal (or a sum of earlier macros): the test evaluates them.
 */
#ifndef MEVMC_ABI_H
#define MEVMC_ABI_H

/* ---- memory layout (byte addresses) ---- */
#define MEVMC_BUILTIN_STACK_END 16384
#define MEVMC_CTX 20480
#define MEVMC_CTX_SIZE 256
#define MEVMC_SCRATCH (MEVMC_CTX + MEVMC_CTX_SIZE)
#define MEVMC_SCRATCH_SIZE 256
#define MEVMC_ENV (MEVMC_SCRATCH + MEVMC_SCRATCH_SIZE)
#define MEVMC_STACK_BASE 24576
#define MEVMC_STACK_LIMIT 1024
#define MEVMC_STACK_END (MEVMC_STACK_BASE + MEVMC_STACK_LIMIT * 32)
#define MEVMC_CALLDATA_BASE 57344 /* the frame's calldata and 32 zero bytes when at most MEVMC_CALLDATA_MAX bytes (wasm CALLDATALOAD/COPY) */
#define MEVMC_CALLDATA_MAX 73696
#define MEVMC_EVM_MEMORY_BASE 131072
#define MEVMC_MAX_EVM_MEMORY 1073741824

/* ---- ExecutionContext field offsets, relative to MEVMC_CTX ---- */
#define MEVMC_CTX_GAS 0             /* u64 gas left */
#define MEVMC_CTX_MEM_WORDS 8       /* u64 EVM memory size in 32-byte words */
#define MEVMC_CTX_RET_OFFSET 16     /* u32 */
#define MEVMC_CTX_RET_LENGTH 20     /* u32 */
#define MEVMC_CTX_CALLDATA_SIZE 24  /* u32 */
#define MEVMC_CTX_RETURNDATA_SIZE 28 /* u32 */
#define MEVMC_CTX_CODE_SIZE 32      /* u32 */
#define MEVMC_CTX_PAGES 36          /* u32 wasm pages of the memory, kept by mevmc_expand */
#define MEVMC_CTX_STATE_ADDR 40     /* u32 state-cache address record of the executing account (0: cache off) */
#define MEVMC_CTX_FLAGS 44          /* u32 frame flags */
#define MEVMC_CTX_FORK 48           /* u32 enum Fork */
#define MEVMC_CTX_VOLATILE 52       /* u32 set to 1 by volatileEnv builds on a block-environment read */
#define MEVMC_CTX_MEMO_EPOCH 56     /* u32 frame serial: the KECCAK256 memo reuses entries of the same serial only */
#define MEVMC_CTX_FLAG_STATIC 1     /* flags bit: a static frame */

/* ---- Status codes (enum Status) ---- */
#define MEVMC_STATUS_STOP 0
#define MEVMC_STATUS_RETURN 1
#define MEVMC_STATUS_REVERT 2
#define MEVMC_STATUS_OUT_OF_GAS 3
#define MEVMC_STATUS_STACK_UNDERFLOW 4
#define MEVMC_STATUS_STACK_OVERFLOW 5
#define MEVMC_STATUS_INVALID_JUMP 6
#define MEVMC_STATUS_INVALID_OPCODE 7
#define MEVMC_STATUS_STATIC_VIOLATION 8
#define MEVMC_STATUS_RETURN_DATA_OUT_OF_BOUNDS 9
#define MEVMC_STATUS_MEMORY_LIMIT 10
#define MEVMC_STATUS_UNSUPPORTED 11
#define MEVMC_STATUS_HOST_ERROR 12

#endif /* MEVMC_ABI_H */
