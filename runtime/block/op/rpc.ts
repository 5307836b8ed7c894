/**
 * @file OP-stack blocks from JSON-RPC: the header and the Ethereum transactions as `blockFromRpc` reads them,
 * plus the deposits (type 0x7e) in their places, each non-deposit transaction with its raw EIP-2718 bytes (the
 * L1 data fee is computed over them) and the Mega system transactions marked. Each non-deposit transaction's sender
 * is recovered from its signature and must be its `from`: a stateless validator takes nothing on trust but the
 * witness (~0.1 ms a transaction on libsecp256k1).
 */
import { type Common, Mainnet, createCustomCommon } from '@ethereumjs/common';
import { createTx, type TypedTransaction } from '@ethereumjs/tx';
import { keccak256 } from '../../state/keccak.ts';
import { forkName } from '../../../src/evm/forks.ts';
import type { Tx } from '../../tx/index.ts';
import type { ChainConfig } from '../chain.ts';
import { BlockFormatError, blockFromRpc, fromMismatch, recoverSenderFromRpc } from '../rpc.ts';
import type { BlockHeader } from '../types.ts';
import { DEPOSIT_TX_TYPE, DepositFormatError, type DepositTx, depositFromRpc, depositHash } from './deposit.ts';

/** One transaction of an OP block. */
export type OpItem =
  | { kind: 'deposit'; deposit: DepositTx; hash: string }
  | { kind: 'tx'; tx: Tx; raw: Uint8Array; hash: string; megaSystem: boolean };

/** An OP block: header and transactions in block order. */
export interface OpBlock {
  header: BlockHeader;
  items: OpItem[];
  /** Header fields the checks compare with (0x-hex, lowercase). */
  claimed: { stateRoot?: string; receiptsRoot?: string; logsBloom?: string; gasUsed?: bigint; withdrawalsRoot?: string; hash?: string };
}

type Json = Record<string, unknown>;

const commons = new Map<string, Common>();
function commonOf(chain: ChainConfig, fork: string): Common {
  const key = `${chain.chainId}/${fork}`;
  let c = commons.get(key);
  if (!c) commons.set(key, (c = createCustomCommon({ chainId: Number(chain.chainId) }, Mainnet, { hardfork: fork })));
  return c;
}

/** The raw signed bytes of an RPC transaction object (re-encoded from its fields). */
function rawOf(t: Json, common: Common, where: string): Uint8Array {
  try {
    const data: Json = { ...t, gasLimit: t.gas, data: t.input ?? t.data };
    if (data.type !== undefined && Number(data.type) !== 0 && data.v === undefined) data.v = t.yParity;
    return (createTx(data as never, { common }) as TypedTransaction).serialize();
  } catch (e) {
    throw new BlockFormatError(`${where}: cannot encode: ${e instanceof Error ? e.message.split('\n')[0] : e}`);
  }
}

const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const lower = (v: unknown): string | undefined => (typeof v === 'string' ? v.toLowerCase() : undefined);

/**
 * Parse an OP-stack `eth_getBlockByNumber(n, true)` object for `chain` (which must carry `op` rules). Each
 * transaction's re-encoding must hash to its `hash` field when one is given (so the L1 fee is computed over the
 * bytes the sequencer signed). Throws {@link BlockFormatError}.
 */
export function opBlockFromRpc(json: unknown, chain: ChainConfig): OpBlock {
  if (!chain.op) throw new Error('opBlockFromRpc: the chain has no OP rules');
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new BlockFormatError('block: expected a JSON-RPC block object');
  const j = json as Json;
  const all = Array.isArray(j.transactions) ? (j.transactions as Json[]) : [];
  const isDeposit = (t: Json): boolean => t && typeof t === 'object' && typeof t.type === 'string' && Number(t.type) === DEPOSIT_TX_TYPE;
  const { block, fork } = blockFromRpc({ ...j, transactions: all.filter((t) => !isDeposit(t)) }, { chain });
  const common = commonOf(chain, forkName(fork));
  const sys = chain.op.megaSystemAddress;
  const whitelist = new Set(chain.op.megaSystemWhitelist ?? []);
  const items: OpItem[] = [];
  let k = 0;
  all.forEach((t, i) => {
    const where = `block.transactions[${i}]`;
    const given = lower(t.hash);
    let item: OpItem;
    if (isDeposit(t)) {
      let deposit: DepositTx;
      try {
        deposit = depositFromRpc(t, where);
      } catch (e) {
        if (e instanceof DepositFormatError) throw new BlockFormatError(e.message);
        throw e;
      }
      item = { kind: 'deposit', deposit, hash: hex(depositHash(deposit)) };
    } else {
      const tx = block.transactions[k++];
      const signer = recoverSenderFromRpc(t, tx, where, fork, chain.chainId);
      if (signer !== tx.sender) throw fromMismatch(where, tx.sender, signer);
      const raw = rawOf(t, common, where);
      const megaSystem = sys !== undefined && tx.type === 0 && tx.sender === sys && tx.to !== undefined && whitelist.has(tx.to);
      item = { kind: 'tx', tx, raw, hash: hex(keccak256(raw)), megaSystem };
    }
    if (given !== undefined && given !== item.hash) throw new BlockFormatError(`${where}: re-encoded transaction hashes to ${item.hash}, the block says ${given}`);
    items.push(item);
  });
  return {
    header: block.header,
    items,
    claimed: {
      stateRoot: lower(j.stateRoot), receiptsRoot: lower(j.receiptsRoot), logsBloom: lower(j.logsBloom),
      gasUsed: typeof j.gasUsed === 'string' ? BigInt(j.gasUsed) : undefined, withdrawalsRoot: lower(j.withdrawalsRoot), hash: lower(j.hash),
    },
  };
}
