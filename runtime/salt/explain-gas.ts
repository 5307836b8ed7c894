/**
 * @file Which transaction's gas explains a block's wrong state root (issue #18's diagnostic, `mevmc validate
 * --explain-gas`). MegaETH's RPC blocks carry no receipts, so per-transaction gas cannot be compared; but when our
 * gas total is off by D and the state side is otherwise right, exactly one account pair shows it: the sender paid
 * D × its gas price too little (or much), and the fee vaults (base fee to BaseFeeVault, the tip to the coinbase)
 * got D × base fee and D × tip too little. Moving D gas onto one transaction's sender and the vaults, then
 * recomputing the post-state root from the witness, finds the transaction whose gas alone differs — and proves
 * every other key of the block equal to the chain's.
 *
 * Stage: after a failed validation, on request (each candidate re-applies the whole batch: ~0.5 s on this
 * machine). Input: the witness, the parent root, our key changes, the RPC transactions, D, the header root.
 * Output: the transaction, or undefined when no single transaction explains the root (several differ, or
 * something other than gas does). Transactions of one sender at one gas price move the same keys, so they are one
 * candidate, named by all their indexes. Invariants: deposits and fee-less (gas price 0) transactions are not
 * candidates; the Isthmus operator fee (gas-dependent through its refund) is taken as zero, as in the shared
 * blocks; the witness is not re-verified (the validation did).
 */
import { BASE_FEE_VAULT } from '../block/op/rules.ts';
import { accountValue, bytesEqual, decodeAccountValue } from './keys.ts';
import type { KeyChange } from './state.ts';
import { PartialSaltState } from './stateless.ts';
import type { WitnessFile } from './witness.ts';
import { addrBytes } from './block-overlay.ts';

/** The RPC fields of a transaction the search needs. */
export interface GasCandidateTx {
  from: string;
  type?: string;
  gasPrice?: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
}

/** Effective gas price of an RPC transaction at `baseFee`. */
function effectivePrice(t: GasCandidateTx, baseFee: bigint): bigint {
  if (t.maxFeePerGas === undefined) return BigInt(t.gasPrice ?? '0x0');
  const max = BigInt(t.maxFeePerGas);
  const capped = baseFee + BigInt(t.maxPriorityFeePerGas ?? '0x0');
  return max < capped ? max : capped;
}

/** `changes` with `address`'s balance moved by `delta` (undefined when the batch does not write the account). */
function withBalance(changes: KeyChange[], address: string, delta: bigint): KeyChange[] | undefined {
  const key = addrBytes(address);
  const i = changes.findIndex((c) => bytesEqual(c.key, key));
  if (i < 0 || !changes[i].value) return undefined;
  const a = decodeAccountValue(changes[i].value!);
  const out = changes.slice();
  out[i] = { key: changes[i].key, value: accountValue({ ...a, balance: a.balance + delta }) };
  return out;
}

/**
 * The transaction whose `gasDelta` more gas (negative: less) makes the post-state root `headerRoot`, trying every
 * fee-paying transaction in block order: `txs` = its index and those of the same sender at the same gas price
 * (indistinguishable by state).
 */
export function explainGasGap(
  witness: WitnessFile, parentRoot: Uint8Array, changes: readonly KeyChange[], txs: readonly GasCandidateTx[],
  block: { baseFee: bigint; coinbase: string }, gasDelta: bigint, headerRoot: string,
): { txs: number[]; tried: number } | { txs: undefined; tried: number } {
  let tried = 0;
  const want = headerRoot.toLowerCase();
  const candidate = (i: number): string | undefined => {
    const t = txs[i];
    const price = t.type === '0x7e' ? 0n : effectivePrice(t, block.baseFee);
    return price === 0n ? undefined : `${t.from.toLowerCase()}/${price}`;
  };
  const seen = new Set<string>();
  for (let i = 0; i < txs.length; i++) {
    const t = txs[i];
    const id = candidate(i);
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    const price = effectivePrice(t, block.baseFee);
    let c: KeyChange[] | undefined = changes.slice();
    c = withBalance(c, t.from.toLowerCase(), -gasDelta * price);
    if (c) c = withBalance(c, BASE_FEE_VAULT, gasDelta * block.baseFee);
    if (c && price > block.baseFee) c = withBalance(c, block.coinbase.toLowerCase(), gasDelta * (price - block.baseFee));
    if (!c) continue;
    tried++;
    const root = PartialSaltState.fromWitness(witness, parentRoot, { skipVerify: true }).applyBatch(c);
    if ('0x' + Buffer.from(root).toString('hex') === want) return { txs: txs.map((_, j) => j).filter((j) => candidate(j) === id), tried };
  }
  return { txs: undefined, tried };
}
