/**
 * @file ethereum/tests GeneralStateTests (../shared/statetests, Cancun cases) on the compiled engine: post-state
 * root and logs hash must equal the fixtures'; `expectException` cases must be rejected with the state unchanged.
 *
 * By default a representative, fast subset runs: the first files (sorted) of every test directory, without the
 * slow-by-design ones (stTimeConsuming, vmPerformance, stQuadraticComplexityTest, the 50000-deep static calls).
 * `MEVMC_STATETESTS=all` runs every file (except CALLBlake2f_MaxRounds, which no engine finishes). Skipped visibly
 * when ../shared/statetests is absent. Also: the one-pass trie root equals @ethereumjs/mpt's on random states.
 * The whole folder: `node cli/mevmc.mjs statetest -j 2 ../shared/statetests` (all 19,260 Cancun cases pass).
 * Transaction rules the fixtures do not reach (Prague, older forks) are in tx-diff.test.ts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { sharedDir } from '../../runtime/harness/shared-bench.ts';
import { logsHash, stateRoot, stateRootMPT, toHex } from '../../runtime/state/state-root.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { caseLabel, loadStateTests, runStateTest } from '../../runtime/harness/statetest.ts';

const ALL = process.env.MEVMC_STATETESTS === 'all';
/** Files per directory in the default subset. */
const PER_DIR = 3;
/** Also in the subset: every file with invalid transactions (`expectException`: rejected, state unchanged). */
const EXTRA = new Set([
  'ethereum-tests/GeneralStateTests/Cancun/stEIP4844-blobtransactions/blobhashListBounds7.json',
  'ethereum-tests/GeneralStateTests/Cancun/stEIP4844-blobtransactions/createBlobhashTx.json',
  'ethereum-tests/GeneralStateTests/Cancun/stEIP4844-blobtransactions/emptyBlobhashList.json',
  'ethereum-tests/GeneralStateTests/Cancun/stEIP4844-blobtransactions/wrongBlobhashVersion.json',
  'ethereum-tests/GeneralStateTests/Pyspecs/cancun/eip4844_blobs/blob_type_tx_pre_fork.json',
  'ethereum-tests/GeneralStateTests/Pyspecs/cancun/eip4844_blobs/insufficient_balance_blob_tx.json',
  'ethereum-tests/GeneralStateTests/Pyspecs/cancun/eip4844_blobs/invalid_blob_hash_versioning_single_tx.json',
  'ethereum-tests/GeneralStateTests/Pyspecs/cancun/eip4844_blobs/invalid_normal_gas.json',
  'ethereum-tests/GeneralStateTests/Pyspecs/cancun/eip4844_blobs/invalid_tx_blob_count.json',
  'ethereum-tests/GeneralStateTests/Pyspecs/cancun/eip4844_blobs/invalid_tx_max_fee_per_blob_gas_state.json',
  'ethereum-tests/GeneralStateTests/Pyspecs/shanghai/eip3860_initcode/contract_creating_tx.json',
  'ethereum-tests/GeneralStateTests/Shanghai/stEIP3860-limitmeterinitcode/creationTxInitCodeSizeLimit.json',
  'ethereum-tests/GeneralStateTests/stCreateTest/CreateTransactionHighNonce.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/intrinsic.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/lowFeeCap.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/lowGasLimit.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/lowGasPriceOldTypes.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/outOfFunds.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/outOfFundsOldTypes.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/tipTooHigh.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/transactionIntinsicBug_Paris.json',
  'ethereum-tests/GeneralStateTests/stEIP1559/valCausesOOF.json',
  'ethereum-tests/GeneralStateTests/stEIP3607/transactionCollidingWithNonEmptyAccount_calls.json',
  'ethereum-tests/GeneralStateTests/stEIP3607/transactionCollidingWithNonEmptyAccount_callsItself.json',
  'ethereum-tests/GeneralStateTests/stEIP3607/transactionCollidingWithNonEmptyAccount_init_Paris.json',
  'ethereum-tests/GeneralStateTests/stEIP3607/transactionCollidingWithNonEmptyAccount_send_Paris.json',
  'ethereum-tests/GeneralStateTests/stExample/invalidTr.json',
  'ethereum-tests/GeneralStateTests/stTransactionTest/HighGasPriceParis.json',
  'ethereum-tests/GeneralStateTests/stTransactionTest/NoSrcAccount.json',
  'ethereum-tests/GeneralStateTests/stTransactionTest/NoSrcAccount1559.json',
  'ethereum-tests/GeneralStateTests/stTransactionTest/NoSrcAccountCreate.json',
  'ethereum-tests/GeneralStateTests/stTransactionTest/NoSrcAccountCreate1559.json',
  'ethereum-tests/GeneralStateTests/stTransactionTest/ValueOverflowParis.json',
]);
const SLOW = /stTimeConsuming|vmPerformance|stQuadraticComplexityTest|static_Call50000|static_Return50000|CALLBlake2f_MaxRounds|stMemoryStressTest/;
const SKIP = /CALLBlake2f_MaxRounds/;

function selectFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir).sort();
    const json = entries.filter((e) => e.endsWith('.json')).map((e) => join(dir, e));
    if (ALL) out.push(...json.filter((f) => !SKIP.test(f)));
    else {
      const first = json.filter((f) => !SLOW.test(f)).slice(0, PER_DIR);
      out.push(...first, ...json.filter((f) => !first.includes(f) && EXTRA.has(relative(root, f))));
    }
    for (const e of entries) if (statSync(join(dir, e)).isDirectory()) walk(join(dir, e));
  };
  walk(root);
  return out;
}

describe('state root', () => {
  it('equals @ethereumjs/mpt on random states', async () => {
    let seed = 7n;
    const rnd = (bits: bigint) => (seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n)) % (1n << bits);
    for (let n = 0; n < 20; n++) {
      const be = new MemoryBackend();
      const accounts = Number(rnd(4n));
      for (let i = 0; i < accounts; i++) {
        const storage = new Map<bigint, bigint>();
        const slots = Number(rnd(5n));
        for (let s = 0; s < slots; s++) storage.set(rnd(s % 2 ? 8n : 256n), rnd(s % 3 ? 8n : 200n));
        const code = Uint8Array.from({ length: Number(rnd(6n)) }, () => Number(rnd(8n)));
        be.setAccount('0x' + rnd(160n).toString(16).padStart(40, '0'), { balance: rnd(100n), nonce: rnd(3n), code }, storage);
      }
      const world = new WorldState(be);
      expect(toHex(stateRoot(world))).toBe(toHex(await stateRootMPT(world)));
    }
  });
  it('hashes the empty log list to keccak(0xc0)', () => {
    expect(toHex(logsHash([]))).toBe('0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347');
  });
});

const root = join(sharedDir(), 'statetests');

describe(`state tests (${ALL ? 'all' : 'subset'}, Cancun)`, () => {
  if (!existsSync(root)) {
    console.warn(`[statetests] skipped: ${root} not found (set MEVMC_SHARED to the shared directory)`);
    it.skip(`state tests (${root} not found)`, () => undefined);
    return;
  }
  for (const file of selectFiles(root)) {
    const rel = relative(root, file);
    it(rel, () => {
      const loader = new WasmLoader(); // per file: pooled instances hold large wasm memory reservations
      const failures: string[] = [];
      for (const c of loadStateTests(file, new Set(['Cancun']))) {
        const r = runStateTest(c, loader);
        if (!r.pass) {
          failures.push(`${caseLabel(c)}: ${r.failure ?? ''} root ${r.gotHash} (expected ${c.hash}) logs ${r.gotLogs} (expected ${c.logs})` +
            `${c.expectException && !r.rejected ? ' — expected rejection' : ''}${!c.expectException && r.rejected ? ` — rejected: ${r.error}` : ''}`);
        }
      }
      expect(failures).toEqual([]);
    }, 600_000);
  }
});
