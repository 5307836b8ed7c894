/**
 * @file Chain configuration and block-level rules: the named chains and blob schedules against
 * @ethereumjs/common's own definitions, geth chain configs, the DAO fork's irregular state change and EIP-7702
 * transactions from RPC JSON against the @ethereumjs/vm runBlock oracle, and the EIP-4844 blob limits.
 */
import { paramsBlock } from '@ethereumjs/block';
import { Common, Hoodi, Holesky, Mainnet, Sepolia } from '@ethereumjs/common';
import { createTx } from '@ethereumjs/tx';
import { eoaCode7702AuthorizationListBytesItemToJSON, eoaCode7702SignAuthorization, privateToAddress } from '@ethereumjs/util';
import { describe, expect, it } from 'vitest';
import { Fork, parseForkName } from '../../src/evm/forks.ts';
import {
  CHAINS, ChainConfigError, DAO_REFUND_CONTRACT, InvalidBlockError, blobParamsAt, blockFromRpc, chainFromGethConfig,
  executeBlock, forkAt,
} from '../../runtime/block/index.ts';
import type { BlockFixture } from '../../runtime/harness/blocks/fixture.ts';
import { runBlockReference } from '../../runtime/harness/blocks/oracle.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { backendFromPrestate, type Prestate } from '../../runtime/state/prestate.ts';

const loader = new WasmLoader({ cacheDir: process.env.MEVMC_CACHE_DIR });
const q = (n: bigint | number): string => '0x' + BigInt(n).toString(16);
const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const ZERO32 = '0x' + '00'.repeat(32);

describe('named chains equal @ethereumjs/common', () => {
  const defs = { mainnet: Mainnet, sepolia: Sepolia, holesky: Holesky, hoodi: Hoodi };
  for (const [name, def] of Object.entries(defs)) {
    it(`${name}: chain id, every fork activation, blob parameters`, () => {
      const chain = CHAINS[name];
      expect(chain.chainId).toBe(BigInt(def.chainId));
      let checked = 0;
      for (const hf of def.hardforks) {
        const fork = parseForkName(hf.name);
        if (hf.block == null && hf.timestamp == null) continue; // scheduled nowhere yet
        const [n, t] = hf.block != null ? [BigInt(hf.block), 0n] : [30_000_000n, BigInt(hf.timestamp!)];
        const common = new Common({ chain: def, params: paramsBlock });
        common.setHardforkBy({ blockNumber: n, timestamp: t });
        if (fork !== undefined) {
          // Forks activated together (all at block 0) resolve to the newest: compare through ethereumjs's choice.
          expect(forkAt(chain, n, t), `${hf.name}`).toBe(parseForkName(common.hardfork()) ?? forkAt(chain, n, t));
          checked++;
        }
        if (common.gteHardfork('cancun')) {
          const s = common.getBlobGasSchedule();
          const p = blobParamsAt(chain, forkAt(chain, n, t), t)!;
          expect(BigInt(p.max) * 131072n, `${hf.name} max blob gas`).toBe(s.maxBlobGasPerBlock);
          expect(p.updateFraction, `${hf.name} update fraction`).toBe(s.blobGasPriceUpdateFraction);
        }
      }
      expect(checked).toBeGreaterThan(5);
    });
  }
});

describe('geth chain config', () => {
  const sepoliaGenesis = {
    config: {
      chainId: 11155111, homesteadBlock: 0, eip150Block: 0, eip155Block: 0, eip158Block: 0, byzantiumBlock: 0,
      constantinopleBlock: 0, petersburgBlock: 0, istanbulBlock: 0, muirGlacierBlock: 0, berlinBlock: 0, londonBlock: 0,
      mergeNetsplitBlock: 1450409, terminalTotalDifficulty: 17000000000000000, shanghaiTime: 1677557088,
      cancunTime: 1706655072, pragueTime: 1741159776, osakaTime: 1760427360, bpo1Time: 1761017184, bpo2Time: 1761607008,
      blobSchedule: {
        cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 }, prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
        osaka: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 }, bpo1: { target: 10, max: 15, baseFeeUpdateFraction: 8346193 },
        bpo2: { target: 14, max: 21, baseFeeUpdateFraction: 11684671 },
      },
    },
    alloc: {},
  };

  it('a genesis file gives the same forks and blob parameters as the named chain', () => {
    const chain = chainFromGethConfig(sepoliaGenesis);
    expect(chain.chainId).toBe(11155111n);
    for (const [n, t] of [[0n, 0n], [1_450_408n, 1_600_000_000n], [1_450_409n, 1_600_000_000n], [3_000_000n, 1_677_557_087n],
      [3_000_000n, 1_677_557_088n], [5_000_000n, 1_706_655_072n], [7_000_000n, 1_741_159_776n], [9_000_000n, 1_760_427_360n],
      [9_100_000n, 1_761_017_184n], [9_200_000n, 1_761_607_008n]] as const) {
      const fork = forkAt(chain, n, t);
      expect(fork, `${n}/${t}`).toBe(forkAt(CHAINS.sepolia, n, t));
      expect(blobParamsAt(chain, fork, t)?.max).toBe(blobParamsAt(CHAINS.sepolia, fork, t)?.max);
      expect(blobParamsAt(chain, fork, t)?.updateFraction).toBe(blobParamsAt(CHAINS.sepolia, fork, t)?.updateFraction);
    }
  });

  it('the DAO fork only where the chain supports it', () => {
    const base = { chainId: 1, homesteadBlock: 1150000, daoForkBlock: 1920000, eip150Block: 2463000 };
    expect(forkAt(chainFromGethConfig(base), 1_920_000n, 0n)).toBe(Fork.Dao);
    expect(forkAt(chainFromGethConfig({ ...base, daoForkSupport: false }), 1_920_000n, 0n)).toBe(Fork.Homestead);
  });

  it('inconsistent configs are refused, naming the field', () => {
    expect(() => chainFromGethConfig({ homesteadBlock: 0 })).toThrow(/chainId: missing/);
    expect(() => chainFromGethConfig({ chainId: 5, londonBlock: 0, terminalTotalDifficulty: 10 })).toThrow(/mergeNetsplitBlock/);
    expect(() => chainFromGethConfig({ chainId: 5, byzantiumBlock: 10, homesteadBlock: 20 })).toThrow(ChainConfigError);
    expect(() => chainFromGethConfig({ chainId: 5, blobSchedule: { bpo1: { max: 1, baseFeeUpdateFraction: 1 } } })).toThrow(/bpo1Time/);
    expect(() => chainFromGethConfig({ chainId: 'x' })).toThrow(/chainId/);
    expect(() => chainFromGethConfig([])).toThrow(ChainConfigError);
  });
});

/** A header at `number`/`timestamp` for the oracle and for blockFromRpc (roots are not checked by either here). */
function header(number: bigint, timestamp: bigint, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: q(number), timestamp: q(timestamp), miner: '0x' + '11'.repeat(20), gasLimit: q(30_000_000n), gasUsed: '0x0',
    difficulty: q(17_000_000_000n), mixHash: ZERO32, nonce: '0x0000000000000000', parentHash: '0x' + 'aa'.repeat(32),
    extraData: '0x', sha3Uncles: '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347', uncles: [],
    transactions: [], ...extra,
  };
}

describe('DAO fork irregular state change (EIP-779)', () => {
  it('balances move to the refund contract as @ethereumjs/vm runBlock does; absent accounts are created', async () => {
    // Two drained accounts with balances, one absent, and the refund contract with a balance of its own.
    const [a, b, absent] = ['0xbb9bc244d798123fde783fcc1c72d3bb8c189413', '0x807640a13483f8ac783c557fcdf27be11ea4ac7a', '0xd4fe7bc31cedb7bfb8a345f31e668033056b2728'];
    const pre: Prestate = {
      [a]: { balance: q(10n ** 24n), nonce: 1 }, [b]: { balance: q(12345n) }, [DAO_REFUND_CONTRACT]: { balance: q(7n) },
    };
    // extraData 'dao-hard-fork': the oracle checks the fork block's marker.
    const f: BlockFixture = { name: 'dao', block: header(1_920_000n, 1_469_020_840n, { extraData: hex(new TextEncoder().encode('dao-hard-fork')) }), pre, blockHashes: new Map() };
    const { block, fork } = blockFromRpc(f.block);
    expect(fork).toBe(Fork.Dao);
    const state = backendFromPrestate(pre);
    await executeBlock(block, state, { loader });
    const want = await runBlockReference(f, fork);
    for (const addr of [a, b, absent, DAO_REFUND_CONTRACT]) {
      const w = await want.account(addr);
      const g = state.getAccount(addr);
      expect(g === undefined, `${addr} exists`).toBe(w === undefined);
      expect(g?.balance, addr).toBe(w?.balance);
      expect(g?.nonce, addr).toBe(w?.nonce);
    }
    expect(state.getAccount(DAO_REFUND_CONTRACT)!.balance).toBe(10n ** 24n + 12345n + 7n);
    expect(state.getAccount(absent)).toEqual({ balance: 0n, nonce: 0n, code: new Uint8Array(0) });

    // The block after the fork block changes nothing of the sort.
    const next = backendFromPrestate(pre);
    await executeBlock(blockFromRpc(header(1_920_001n, 1_469_020_850n)).block, next, { loader });
    expect(next.getAccount(a)!.balance).toBe(10n ** 24n);
  });
});

describe('EIP-7702 transactions from RPC JSON', () => {
  const senderKey = Uint8Array.from(Buffer.from('45'.repeat(32), 'hex'));
  const authorityKey = Uint8Array.from(Buffer.from('46'.repeat(32), 'hex'));
  const sender = hex(privateToAddress(senderKey));
  const authority = hex(privateToAddress(authorityKey));
  const delegate = '0x' + 'de'.repeat(20);
  const NUMBER = 22_500_000n;
  const TIMESTAMP = 1_748_000_000n; // Prague

  async function fixture(auths: Record<string, string>[]): Promise<BlockFixture> {
    const common = new Common({ chain: Mainnet, hardfork: 'prague' });
    const tx = createTx({
      type: 4, chainId: 1n, nonce: 0n, maxPriorityFeePerGas: 1n, maxFeePerGas: 10n ** 10n, gasLimit: 200_000n,
      to: authority as `0x${string}`, value: 0n, data: '0x', accessList: [], authorizationList: auths as never,
    }, { common }).sign(senderKey);
    const j = tx.toJSON() as Record<string, unknown>;
    const rpcTx = {
      ...j, hash: hex(tx.hash()), from: sender, gas: j.gasLimit, input: j.data, yParity: j.v, type: '0x4',
      transactionIndex: '0x0', blockNumber: q(NUMBER),
    };
    // The delegate stores CALLER at slot 1 and logs: visible in the authority's storage and the receipt.
    const code = '0x336001556001600052602060' + '00a0' + '00';
    const pre: Prestate = { [sender]: { balance: q(10n ** 18n) }, [authority]: { balance: q(5n) }, [delegate]: { balance: '0x0', code } };
    const block = header(NUMBER, TIMESTAMP, {
      difficulty: '0x0', mixHash: '0x' + '22'.repeat(32), baseFeePerGas: q(10n ** 9n), withdrawals: [],
      withdrawalsRoot: '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421', blobGasUsed: '0x0',
      excessBlobGas: '0x0', parentBeaconBlockRoot: '0x' + '33'.repeat(32),
      requestsHash: '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', transactions: [rpcTx],
    });
    return { name: '7702', block, pre, blockHashes: new Map() };
  }

  const sign = (chainId: bigint, nonce: bigint) =>
    eoaCode7702AuthorizationListBytesItemToJSON(eoaCode7702SignAuthorization({ chainId: q(chainId), address: delegate, nonce: q(nonce) } as never, authorityKey)) as unknown as Record<string, string>;

  it('authority recovered, delegation set and executed; wrong-chain and wrong-nonce tuples skipped; equal to the oracle', async () => {
    const f = await fixture([sign(5n, 0n), sign(1n, 7n), sign(1n, 0n)]);
    const { block, fork } = blockFromRpc(f.block);
    expect(fork).toBe(Fork.Prague);
    expect(block.transactions[0].authorizationList.map((x) => x.authority)).toEqual([authority, authority, authority]);
    const state = backendFromPrestate(f.pre);
    const got = await executeBlock(block, state, { loader });
    const want = await runBlockReference(f, fork);
    expect(got.txs[0].result.status).toBe('success');
    expect(got.gasUsed).toBe(want.gasUsed);
    expect(got.txs[0].result.logs.length).toBe(want.txs[0].logs.length);
    expect(hex(got.receiptsRoot!)).toBe(want.receiptsRoot);
    const acc = state.getAccount(authority)!;
    const w = (await want.account(authority))!;
    expect(acc.nonce).toBe(w.nonce);
    expect(acc.nonce).toBe(1n);
    expect(hex(acc.code)).toBe('0xef0100' + delegate.slice(2));
    expect(state.getStorage(authority, 1n)).toBe(await want.storage(authority, 1n));
    expect(state.getStorage(authority, 1n)).toBe(BigInt(sender));
  });

  it('a tuple with a chain id of another chain is honoured when the block runs on that chain', async () => {
    const f = await fixture([sign(5n, 0n)]);
    const mainnet = backendFromPrestate(f.pre);
    await executeBlock(blockFromRpc(f.block).block, mainnet, { loader });
    expect(mainnet.getAccount(authority)!.code.length).toBe(0);
    const other = { ...CHAINS.mainnet, chainId: 5n };
    const onFive = backendFromPrestate(f.pre);
    await executeBlock(blockFromRpc(f.block, { chain: other }).block, onFive, { loader, chain: other });
    expect(hex(onFive.getAccount(authority)!.code)).toBe('0xef0100' + delegate.slice(2));
  });

  it('malformed authorization lists are input errors naming the field', () => {
    const base = { type: '0x4', from: sender, nonce: '0x0', gas: '0x5208', to: authority, value: '0x0', input: '0x', maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x1' };
    expect(() => blockFromRpc(header(NUMBER, TIMESTAMP, { transactions: [{ ...base }] }))).toThrow(/authorizationList: expected an array/);
    expect(() => blockFromRpc(header(NUMBER, TIMESTAMP, { transactions: [{ ...base, authorizationList: [{ chainId: '0x1' }] }] }))).toThrow(/authorizationList\[0\]\.nonce: missing/);
  });
});

describe('EIP-4844 blob limits', () => {
  const NUMBER = 19_500_000n;
  const TIMESTAMP = 1_711_000_000n; // Cancun: 6 blobs per block
  const from = '0x' + '77'.repeat(20);
  const blobTx = (nonce: number, blobs: number, version = '01') => ({
    type: '0x3', from, nonce: q(nonce), gas: q(21_000n), to: '0x' + '88'.repeat(20), value: '0x0', input: '0x',
    maxFeePerGas: q(10n ** 10n), maxPriorityFeePerGas: '0x1', maxFeePerBlobGas: q(10n ** 9n),
    blobVersionedHashes: Array.from({ length: blobs }, (_, i) => '0x' + version + i.toString(16).padStart(62, '0')),
  });
  const run = (txs: unknown[], extra: Record<string, unknown> = {}) => {
    const { block } = blockFromRpc(header(NUMBER, TIMESTAMP, {
      difficulty: '0x0', baseFeePerGas: q(10n ** 9n), excessBlobGas: '0x0', parentBeaconBlockRoot: ZERO32, withdrawals: [], transactions: txs, ...extra,
    }));
    return executeBlock(block, backendFromPrestate({ [from]: { balance: q(10n ** 20n) } }), { loader });
  };

  it('six blobs fit a Cancun block, a seventh makes it invalid (MAX_BLOB_GAS_PER_BLOCK = 786432)', async () => {
    const ok = await run([blobTx(0, 4), blobTx(1, 2)]);
    expect(ok.blobGasUsed).toBe(6n * 131072n);
    await expect(run([blobTx(0, 4), blobTx(1, 3)])).rejects.toThrow(/transaction 1: blob gas 393216 above the 262144 left/);
  });

  it('a header whose blobGasUsed disagrees makes the block invalid', async () => {
    await expect(run([blobTx(0, 1)], { blobGasUsed: q(2n * 131072n) })).rejects.toThrow(InvalidBlockError);
    expect((await run([blobTx(0, 1)], { blobGasUsed: q(131072n) })).blobGasUsed).toBe(131072n);
  });

  it('a blob transaction without blobs or with a non-KZG version byte is rejected', async () => {
    await expect(run([blobTx(0, 0)])).rejects.toThrow(/without blobs/);
    await expect(run([blobTx(0, 1, '02')])).rejects.toThrow(/version byte 0x01/);
  });
});
