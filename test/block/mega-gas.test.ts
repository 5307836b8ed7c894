/**
 * @file MegaETH REX storage gas charged during execution (docs/megaeth.md §3.1), each rule by a small case whose
 * expected numbers come from the spec text (mega-evm `docs/spec/upgrades/minirex.md`, `rex.md`; constants.rs), run
 * with the chain's host rules and without them (Ethereum) on every engine:
 *
 * - LOG: 3,750 per topic and 80 per data byte on top of Ethereum's LOG gas, charged at the LOG (kept when the frame
 *   reverts; out of gas at the LOG when it does not fit).
 * - Code deposit: 10,000 per byte of deployed code on top of Ethereum's 200 (creation tx and CREATE); a creation
 *   whose deposit does not fit fails out of gas.
 * - SALT-scaled storage gas, `base × (m − 1)` with m = bucket capacity / 256: SSTORE of a new non-zero slot (20,000),
 *   value to an empty account by CALL or by the transaction (25,000), contract creation by CREATE or a creation
 *   transaction (32,000); nothing at the minimum capacity or when the slot / account already exists.
 * - Cold calls to the precompiles and the coinbase: the first CALL to one costs the cold access (2,600) where Ethereum
 *   has them warm from the start (100); BALANCE of them stays warm (and warms them for a later CALL). Taken from the
 *   blocks (see docs/megaeth.md §4), not from spec text.
 * - SELFDESTRUCT halts (MiniRex…Rex1); contracts up to 524,288 bytes and init code up to 548,864 (Ethereum: 24,576
 *   and 49,152); ModExp priced as Osaka (EIP-7883: at least 500, Ethereum Prague 200); KZG point evaluation 100,000
 *   (Ethereum 50,000).
 * - 98/100 forwarding: CALL and CREATE pass at most `P − ⌊P × 2 / 100⌋` of the gas P left after their own cost
 *   (Ethereum: `P − ⌊P / 64⌋`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Fork } from '../../src/evm/forks.ts';
import { SaltStorageGas, rexHostRules } from '../../runtime/block/op/mega-gas.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader, ensureCompiler } from '../../runtime/loader/wasm.ts';
import { MemoryBackend, WorldState } from '../../runtime/state/world.ts';
import { type Tx, type TxEnv, creationAddress, runTransaction } from '../../runtime/tx/index.ts';

const SENDER = '0x1000000000000000000000000000000000000001';
const LOGGER = '0x2000000000000000000000000000000000000002';
const REVERTER = '0x3000000000000000000000000000000000000003';
const OUTER = '0x4000000000000000000000000000000000000004';
const FACTORY = '0x5000000000000000000000000000000000000005';
const code = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
// LOG2(topics 0xaa, 0xbb) over 32 bytes of memory, then STOP.
const LOG2_32 = '60aa60bb60206000a2';
// OUTER: CALL REVERTER with all gas (its LOG is reverted), then STOP.
const CALL_REVERTER = '60006000600060006000' + '73' + REVERTER.slice(2) + '5af1' + '00';

// Init code returning 57 bytes of (zero) memory as the new contract's code; FACTORY CREATEs it, then STOPs.
const INIT_57 = '603960' + '00f3';
const CREATE_57 = '64' + INIT_57 + '600052' + '6005601b6000f0' + '00';
/** REX code-deposit storage gas of 57 bytes, from the spec text (10,000 per byte). */
const SPEC_DEPOSIT_57 = 57n * 10_000n;

// CALLER_OF_GAS: CALL GAS_PROBE with all gas, store the word it returns (its GAS) in slot 0. GAS_PROBE returns GAS.
const GAS_PROBE = '0x6000000000000000000000000000000000000006';
const CALLER_OF_GAS = '0x7000000000000000000000000000000000000007';
const CALL_PROBE = '5f5f5f5f5f' + '73' + GAS_PROBE.slice(2) + '5af1' + '3d5f5f3e5f515f55' + '00';
// CREATOR: CREATE with init code `GAS PUSH0 SSTORE` (the child stores the gas it sees in its own slot 0).
const CREATOR = '0x8000000000000000000000000000000000000008';
const CREATE_PROBE = '625a5f55' + '5f52' + '6003601d5ff0' + '00';

/** The P of Ethereum's rule that forwards `f` (P − ⌊P/64⌋ = f): one or two candidates. */
const ethSources = (f: bigint): bigint[] => {
  const out: bigint[] = [];
  for (let p = f; p <= f + f / 63n + 2n; p++) if (p - p / 64n === f) out.push(p);
  return out;
};

/** REX LOG storage gas of a LOG2 with 32 data bytes, from the spec text (3,750 per topic, 80 per byte). */
const SPEC_LOG2_32 = 2n * 3_750n + 32n * 80n;

const env: TxEnv = {
  number: 1n, timestamp: 1n, coinbase: '0x' + '00'.repeat(20), gasLimit: 30_000_000n, baseFee: 0n, prevRandao: 0n,
  chainId: 6342n, blobBaseFee: 1n, blockHash: () => 0n,
};
const megaEnv: TxEnv = { ...env, chainRules: rexHostRules() };

function world(): WorldState {
  const be = new MemoryBackend();
  be.setAccount(SENDER, { balance: 10n ** 20n, nonce: 0n, code: new Uint8Array(0) });
  be.setAccount(LOGGER, { balance: 0n, nonce: 1n, code: code(LOG2_32 + '00') });
  be.setAccount(REVERTER, { balance: 0n, nonce: 1n, code: code(LOG2_32 + '60006000fd') });
  be.setAccount(OUTER, { balance: 0n, nonce: 1n, code: code(CALL_REVERTER) });
  be.setAccount(FACTORY, { balance: 0n, nonce: 1n, code: code(CREATE_57) });
  be.setAccount(GAS_PROBE, { balance: 0n, nonce: 1n, code: code('5a5f5260205ff3') });
  be.setAccount(CALLER_OF_GAS, { balance: 0n, nonce: 1n, code: code(CALL_PROBE) });
  be.setAccount(CREATOR, { balance: 0n, nonce: 1n, code: code(CREATE_PROBE) });
  return new WorldState(be);
}
const tx = (to: string | undefined, gasLimit = 1_000_000n, data = new Uint8Array(0)): Tx => ({
  type: 2, sender: SENDER, nonce: 0n, gasLimit, to, value: 0n, data,
  maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, accessList: [], blobVersionedHashes: [], authorizationList: [],
});

const engines: [string, () => Promise<ContractLoader | undefined>][] = [
  ['wasm', async () => (await ensureCompiler(), new WasmLoader())],
  ['native', async () => (nativeUnavailableReason() ? undefined : new NativeLoader())],
];

describe.each(engines)('REX LOG storage gas, %s engine', (name, make) => {
  it('a LOG2 with 32 bytes costs 2 × 3,750 + 32 × 80 more than on Ethereum; the log is kept', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const eth = runTransaction(world(), tx(LOGGER), env, Fork.Prague, loader);
    const mega = runTransaction(world(), tx(LOGGER), megaEnv, Fork.Prague, loader);
    expect([eth.status, mega.status]).toEqual(['success', 'success']);
    expect(mega.gasUsed - eth.gasUsed).toBe(SPEC_LOG2_32);
    expect(mega.logs).toEqual(eth.logs);
    expect(mega.logs[0].topics).toEqual([0xbbn, 0xaan]);
  });

  it('the charge stays when the frame reverts: top frame and nested call', async () => {
    const loader = await make();
    if (!loader) return;
    for (const to of [REVERTER, OUTER]) {
      const eth = runTransaction(world(), tx(to), env, Fork.Prague, loader);
      const mega = runTransaction(world(), tx(to), megaEnv, Fork.Prague, loader);
      expect(mega.status).toBe(eth.status);
      expect(mega.gasUsed - eth.gasUsed, to).toBe(SPEC_LOG2_32);
      expect(mega.logs).toEqual([]);
    }
  });

  it('out of gas at the LOG when the storage gas does not fit (all gas used), where Ethereum succeeds', async () => {
    const loader = await make();
    if (!loader) return;
    const need = runTransaction(world(), tx(LOGGER), env, Fork.Prague, loader).gasUsed;
    const limit = need + SPEC_LOG2_32 - 1n;
    const eth = runTransaction(world(), tx(LOGGER, limit), env, Fork.Prague, loader);
    const mega = runTransaction(world(), tx(LOGGER, limit), megaEnv, Fork.Prague, loader);
    expect(eth.status).toBe('success');
    expect(mega.status).toBe('halt');
    expect(mega.gasUsed).toBe(limit);
    expect(mega.logs).toEqual([]);
    // Exactly enough: succeeds.
    expect(runTransaction(world(), tx(LOGGER, limit + 1n), megaEnv, Fork.Prague, loader).status).toBe('success');
  });
});

describe.each(engines)('REX code-deposit storage gas, %s engine', (name, make) => {
  it('57 bytes of code cost 57 × 10,000 more: creation transaction and CREATE', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    for (const [to, data] of [[undefined, code(INIT_57)], [FACTORY, new Uint8Array(0)]] as const) {
      const w1 = world();
      const w2 = world();
      const eth = runTransaction(w1, tx(to, 1_000_000n, data), env, Fork.Prague, loader);
      const mega = runTransaction(w2, tx(to, 1_000_000n, data), megaEnv, Fork.Prague, loader);
      expect([eth.status, mega.status]).toEqual(['success', 'success']);
      expect(mega.gasUsed - eth.gasUsed, to ?? 'create tx').toBe(SPEC_DEPOSIT_57);
      const created = to === undefined ? mega.createdAddress! : creationAddress(FACTORY, 1n);
      expect(w2.code(created).length).toBe(57);
    }
  });

  it('a creation whose deposit does not fit fails out of gas (all gas used), where Ethereum succeeds', async () => {
    const loader = await make();
    if (!loader) return;
    const need = runTransaction(world(), tx(undefined, 1_000_000n, code(INIT_57)), env, Fork.Prague, loader).gasUsed;
    const limit = need + SPEC_DEPOSIT_57 - 1n;
    const eth = runTransaction(world(), tx(undefined, limit, code(INIT_57)), env, Fork.Prague, loader);
    const w = world();
    const mega = runTransaction(w, tx(undefined, limit, code(INIT_57)), megaEnv, Fork.Prague, loader);
    expect(eth.status).toBe('success');
    expect(mega.status).toBe('halt');
    expect(mega.gasUsed).toBe(limit);
    expect(runTransaction(world(), tx(undefined, limit + 1n, code(INIT_57)), megaEnv, Fork.Prague, loader).status).toBe('success');
  });
});

describe.each(engines)('REX 98/100 gas forwarding, %s engine', (name, make) => {
  it('CALL and CREATE forward P − ⌊P × 2/100⌋ where Ethereum forwards P − ⌊P/64⌋', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    // What the child sees with GAS is the forwarded gas minus GAS's own 2.
    const seen = (e: TxEnv, to: string, at: string): bigint => {
      const w = world();
      const r = runTransaction(w, tx(to, 10_000_000n), e, Fork.Prague, loader);
      expect(r.status).toBe('success');
      return w.sload(at, 0n) + 2n;
    };
    for (const [to, child] of [[CALLER_OF_GAS, CALLER_OF_GAS], [CREATOR, creationAddress(CREATOR, 1n)]]) {
      const eth = seen(env, to, child);
      const mega = seen(megaEnv, to, child);
      expect(mega).toBeLessThan(eth);
      const candidates = ethSources(eth).map((p) => p - (p * 2n) / 100n);
      expect(candidates, to).toContain(mega);
    }
  });
});

const EMPTY = '0x9000000000000000000000000000000000000009';
const SETTER = '0xa00000000000000000000000000000000000000a';
const PAYER = '0xb00000000000000000000000000000000000000b';
// SETTER: SSTORE(0, 1) then SSTORE(0, 2) (the second write finds a non-zero current value). PAYER: CALL EMPTY with 1 wei.
const SET_TWICE = '6001600055' + '6002600055' + '00';
const PAY_EMPTY = '5f5f5f5f' + '6001' + '73' + EMPTY.slice(2) + '5af1' + '00';
const hexKey = (h: string): string => h.toLowerCase();
/** Capacities by plain key (hex): everything else is at the 256 minimum. */
const capacities = (m: Record<string, bigint>) => (key: Uint8Array): bigint => m[Buffer.from(key).toString('hex')] ?? 256n;
const slotKeyHex = (a: string, slot: bigint) => hexKey(a.slice(2)) + slot.toString(16).padStart(64, '0');

function saltWorld(slot0?: bigint): WorldState {
  const be = new MemoryBackend();
  be.setAccount(SENDER, { balance: 10n ** 20n, nonce: 0n, code: new Uint8Array(0) });
  be.setAccount(SETTER, { balance: 0n, nonce: 1n, code: code(SET_TWICE) }, slot0 === undefined ? undefined : new Map([[0n, slot0]]));
  be.setAccount(PAYER, { balance: 10n, nonce: 1n, code: code(PAY_EMPTY) });
  be.setAccount(FACTORY, { balance: 0n, nonce: 1n, code: code(CREATE_57) });
  return new WorldState(be);
}

describe.each(engines)('REX SALT-scaled storage gas, %s engine', (name, make) => {
  // m = 768 / 256 = 3 for SETTER's slot 0, 512 / 256 = 2 for EMPTY and for the contract FACTORY creates.
  const caps = capacities({
    [slotKeyHex(SETTER, 0n)]: 768n,
    [hexKey(EMPTY.slice(2))]: 512n,
    [hexKey(creationAddress(FACTORY, 1n).slice(2))]: 512n,
    [hexKey(creationAddress(SENDER, 0n).slice(2))]: 1024n,
  });
  const scaledEnv: TxEnv = { ...env, chainRules: rexHostRules(new SaltStorageGas(caps)) };
  const run = (e: TxEnv, w: WorldState, t: Tx, salt?: SaltStorageGas) =>
    runTransaction(w, t, e, Fork.Prague, loaderOf!, salt ? { intrinsicExtra: (x, ws) => ({ initial: salt.forTransaction(x, ws), floor: 0n }) } : undefined);
  let loaderOf: ContractLoader | undefined;

  it('SSTORE of a new non-zero slot: 20,000 × (3 − 1), once per slot; nothing when the slot was non-zero', async () => {
    loaderOf = await make();
    if (!loaderOf) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const flat = run(megaEnv, saltWorld(), tx(SETTER));
    const scaled = run(scaledEnv, saltWorld(), tx(SETTER));
    expect([flat.status, scaled.status]).toEqual(['success', 'success']);
    expect(scaled.gasUsed - flat.gasUsed).toBe(20_000n * 2n);
    expect(run(scaledEnv, saltWorld(5n), tx(SETTER)).gasUsed).toBe(run(megaEnv, saltWorld(5n), tx(SETTER)).gasUsed);
  });

  it('CALL with value to an empty account: 25,000 × (2 − 1); CREATE: 32,000 × (2 − 1)', async () => {
    loaderOf = await make();
    if (!loaderOf) return;
    expect(run(scaledEnv, saltWorld(), tx(PAYER)).gasUsed - run(megaEnv, saltWorld(), tx(PAYER)).gasUsed).toBe(25_000n);
    expect(run(scaledEnv, saltWorld(), tx(FACTORY)).gasUsed - run(megaEnv, saltWorld(), tx(FACTORY)).gasUsed).toBe(32_000n);
  });

  it('SALT backends answer the capacity of a key\'s bucket (default metadata: 256)', async () => {
    const { SaltBackend } = await import('../../runtime/salt/backend.ts');
    const be = SaltBackend.open();
    expect(be.saltBucketCapacity(new Uint8Array(Buffer.from(EMPTY.slice(2), 'hex')))).toBe(256n);
  });

  it('the transaction itself: value to an empty account 25,000 × (2 − 1), a creation 32,000 × (4 − 1)', async () => {
    loaderOf = await make();
    if (!loaderOf) return;
    const salt = new SaltStorageGas(caps);
    const pay = { ...tx(EMPTY), value: 1n };
    expect(run(megaEnv, saltWorld(), pay, salt).gasUsed - run(megaEnv, saltWorld(), pay).gasUsed).toBe(25_000n);
    const create = tx(undefined, 1_000_000n, code(INIT_57));
    expect(run(megaEnv, saltWorld(), create, salt).gasUsed - run(megaEnv, saltWorld(), create).gasUsed).toBe(32_000n * 3n);
    // Value to an existing account, and no value at all: nothing.
    expect(salt.forTransaction({ ...pay, to: SENDER }, saltWorld())).toBe(0n);
    expect(salt.forTransaction({ ...pay, value: 0n }, saltWorld())).toBe(0n);
  });
});

const COINBASE = '0xc00000000000000000000000000000000000000c';
const CALL_ID = '0xd00000000000000000000000000000000000000d';
const CALL_CB = '0xe00000000000000000000000000000000000000e';
const BAL_CALL_CB = '0xf00000000000000000000000000000000000000f';
const BAL_ID = '0x1100000000000000000000000000000000000011';
const callTo = (a: string) => '5f5f5f5f5f' + '73' + a.slice(2) + '5af1' + '50';

describe.each(engines)('REX cold calls to precompiles and the coinbase, %s engine', (name, make) => {
  it('first CALL to a precompile or the coinbase: +2,500 (cold 2,600 instead of warm 100); after a BALANCE of it, or BALANCE alone: +0', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const cbEnv: TxEnv = { ...env, coinbase: COINBASE };
    const cbMega: TxEnv = { ...megaEnv, coinbase: COINBASE };
    const w = () => {
      const be = new MemoryBackend();
      be.setAccount(SENDER, { balance: 10n ** 20n, nonce: 0n, code: new Uint8Array(0) });
      be.setAccount(CALL_ID, { balance: 0n, nonce: 1n, code: code(callTo('0x0000000000000000000000000000000000000004') + '00') });
      be.setAccount(CALL_CB, { balance: 0n, nonce: 1n, code: code(callTo(COINBASE) + '00') });
      be.setAccount(BAL_CALL_CB, { balance: 0n, nonce: 1n, code: code('73' + COINBASE.slice(2) + '3150' + callTo(COINBASE) + '00') });
      be.setAccount(BAL_ID, { balance: 0n, nonce: 1n, code: code('60043150' + '00') });
      return new WorldState(be);
    };
    const extra = (to: string): bigint => {
      const eth = runTransaction(w(), tx(to), cbEnv, Fork.Prague, loader);
      const mega = runTransaction(w(), tx(to), cbMega, Fork.Prague, loader);
      expect([eth.status, mega.status], to).toEqual(['success', 'success']);
      return mega.gasUsed - eth.gasUsed;
    };
    expect(extra(CALL_ID)).toBe(2_600n - 100n);
    expect(extra(CALL_CB)).toBe(2_600n - 100n);
    expect(extra(BAL_CALL_CB)).toBe(0n);
    expect(extra(BAL_ID)).toBe(0n);
  });

  // mega-evm v1.3.1 on revm 27 (docs/megaeth.md §3.4): the CALL wrapper's inspection leaves the account loaded
  // and cold, so a revert cools it again like any account; a BALANCE touching it first warms it for good.
  it('a reverted first STATICCALL to 0x04 leaves it cold for a later BALANCE (+2 × 2,500); a reverted first BALANCE of the coinbase keeps it warm for a later CALL (+0)', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const cbEnv: TxEnv = { ...env, coinbase: COINBASE };
    const cbMega: TxEnv = { ...megaEnv, coinbase: COINBASE };
    const STATIC_ID_REVERT = '0x1200000000000000000000000000000000000012';
    const BAL_CB_REVERT = '0x1300000000000000000000000000000000000013';
    const THEN_BAL_ID = '0x1400000000000000000000000000000000000014';
    const THEN_CALL_CB = '0x1500000000000000000000000000000000000015';
    const w = () => {
      const be = new MemoryBackend();
      be.setAccount(SENDER, { balance: 10n ** 20n, nonce: 0n, code: new Uint8Array(0) });
      // STATICCALL 0x04 with all gas, then REVERT.
      be.setAccount(STATIC_ID_REVERT, { balance: 0n, nonce: 1n, code: code('5f5f5f5f60045afa50' + '5f5ffd') });
      // BALANCE(coinbase), then REVERT.
      be.setAccount(BAL_CB_REVERT, { balance: 0n, nonce: 1n, code: code('73' + COINBASE.slice(2) + '3150' + '5f5ffd') });
      be.setAccount(THEN_BAL_ID, { balance: 0n, nonce: 1n, code: code(callTo(STATIC_ID_REVERT) + '60043150' + '00') });
      be.setAccount(THEN_CALL_CB, { balance: 0n, nonce: 1n, code: code(callTo(BAL_CB_REVERT) + callTo(COINBASE) + '00') });
      return new WorldState(be);
    };
    const extra = (to: string): bigint => {
      const eth = runTransaction(w(), tx(to), cbEnv, Fork.Prague, loader);
      const mega = runTransaction(w(), tx(to), cbMega, Fork.Prague, loader);
      expect([eth.status, mega.status], to).toEqual(['success', 'success']);
      return mega.gasUsed - eth.gasUsed;
    };
    expect(extra(THEN_BAL_ID)).toBe(2n * (2_600n - 100n));
    expect(extra(THEN_CALL_CB)).toBe(0n);
  });
});

describe.each(engines)('REX SELFDESTRUCT, size limits, precompile prices, %s engine', (name, make) => {
  const hx = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));
  const big = (e: TxEnv): TxEnv => ({ ...e, gasLimit: 1_000_000_000n });
  const one = () => world();
  it('SELFDESTRUCT halts with all gas used where Ethereum succeeds', async () => {
    const loader = await make();
    if (!loader) return console.log(`skipped: ${name} engine unavailable (${nativeUnavailableReason()})`);
    const w1 = one();
    w1.setCode(FACTORY, code('5fff'));
    const eth = runTransaction(w1, tx(FACTORY, 100_000n), env, Fork.Prague, loader);
    const w2 = one();
    w2.setCode(FACTORY, code('5fff'));
    const mega = runTransaction(w2, tx(FACTORY, 100_000n), megaEnv, Fork.Prague, loader);
    expect(eth.status).toBe('success');
    expect([mega.status, mega.gasUsed]).toEqual(['halt', 100_000n]);
  });

  it('a 24,577-byte contract and 49,153 bytes of init code: refused on Ethereum, accepted under REX', async () => {
    const loader = await make();
    if (!loader) return;
    const deploy = tx(undefined, 300_000_000n, code('6160015ff3')); // RETURN(0, 24577)
    expect(runTransaction(one(), deploy, big(env), Fork.Prague, loader).status).toBe('halt');
    const w = one();
    const r = runTransaction(w, deploy, big(megaEnv), Fork.Prague, loader);
    expect(r.status).toBe('success');
    expect(w.code(r.createdAddress!).length).toBe(24_577);
    const init = tx(undefined, 10_000_000n, new Uint8Array(49_153)); // zero bytes: STOP
    expect(runTransaction(one(), init, env, Fork.Prague, loader).status).toBe('rejected');
    expect(runTransaction(one(), init, megaEnv, Fork.Prague, loader).status).toBe('success');
  });

  it('ModExp with 64-byte base and modulus, exponent 2^255: Osaka 255 × 2 × 8² (Ethereum 255 × 8² / 3); a valid KZG proof 100,000 (Ethereum 50,000)', async () => {
    const loader = await make();
    if (!loader) return;
    const modexp = hx('40'.padStart(64, '0') + '20'.padStart(64, '0') + '40'.padStart(64, '0') + '02'.padStart(128, '0') + '80'.padEnd(64, '0') + '05'.padStart(128, '0'));
    const kzg = hx(JSON.parse(readFileSync(join(import.meta.dirname, '../precompiles/kzg-vectors.json'), 'utf8'))
      .find((v: { valid: boolean }) => v.valid).input);
    for (const [to, data, d] of [['0x0000000000000000000000000000000000000005', modexp, 255n * 2n * 64n - (255n * 64n) / 3n], ['0x000000000000000000000000000000000000000a', kzg, 50_000n]] as const) {
      const eth = runTransaction(one(), tx(to, 1_000_000n, data), env, Fork.Prague, loader);
      const mega = runTransaction(one(), tx(to, 1_000_000n, data), megaEnv, Fork.Prague, loader);
      expect([eth.status, mega.status], to).toEqual(['success', 'success']);
      expect(mega.gasUsed - eth.gasUsed, to).toBe(d);
      expect(mega.returnData).toEqual(eth.returnData);
    }
  });
});
