/*
 * state_cache_consts.h — numbers the state cache core (state_cache_core.h) and the modules that call it
 * (state_host.c in each wasm frame, state_native.c) must agree on: fork numbers and account-entry flags.
 */
#ifndef MEVMC_STATE_CACHE_CONSTS_H
#define MEVMC_STATE_CACHE_CONSTS_H

/* Fork numbers: enum Fork of src/evm/forks.ts (checked by test/runtime/state-cache.test.ts). */
#define SC_FORK_CONSTANTINOPLE 6
#define SC_FORK_PETERSBURG 7
#define SC_FORK_ISTANBUL 8
#define SC_FORK_BERLIN 10
#define SC_FORK_LONDON 11

/* Account-entry flags (state_cache_core.h explains the entries). */
#define SC_ACCT_BALANCE 16u
#define SC_ACCT_SIZE 32u
#define SC_ACCT_HASH 64u
#define SC_ACCT_SELF 128u /* the balance, from SELFBALANCE: known, but not that the account is warm (a bare call) */

/* EIP-2929: a warm account access costs 100 from Berlin on (before it, the opcode's static gas covers it). */
#define SC_WARM_ACCESS_COST(fork) ((fork) >= SC_FORK_BERLIN ? 100u : 0u)

#endif
