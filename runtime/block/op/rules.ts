/**
 * @file The OP-stack / MegaETH rule set a {@link ChainConfig} may carry (`chain.op`): which OP upgrade and which
 * MegaETH spec a chain runs, and the protocol addresses those rules name (docs/megaeth.md §2–3).
 *
 * Only what the blocks of `../shared/salt/megaeth` need is modelled: OP Isthmus (Fjord L1 fee, operator fee) and
 * MegaETH spec REX. A chain without `op` is Ethereum and takes none of these paths.
 */

/** The OP upgrade whose L1-fee formula applies (earlier upgrades are not modelled). */
export type OpUpgrade = 'isthmus';

/** MegaETH spec (mega-evm `MegaSpecId`); undefined on a plain OP chain. */
export type MegaSpec = 'rex';

/** OP / MegaETH rules of a chain. */
export interface OpRules {
  upgrade: OpUpgrade;
  megaSpec?: MegaSpec;
  /** Sender of Mega system transactions (legacy txs to a whitelisted target run fee-less, like deposits). */
  megaSystemAddress?: string;
  megaSystemWhitelist?: readonly string[];
}

/** OP predeploys (lowercase). */
export const L1_BLOCK = '0x4200000000000000000000000000000000000015';
export const SEQUENCER_FEE_VAULT = '0x4200000000000000000000000000000000000011';
export const BASE_FEE_VAULT = '0x4200000000000000000000000000000000000019';
export const L1_FEE_VAULT = '0x420000000000000000000000000000000000001a';
export const OPERATOR_FEE_VAULT = '0x420000000000000000000000000000000000001b';
export const L2_TO_L1_MESSAGE_PASSER = '0x4200000000000000000000000000000000000016';
/** Sender of the L1-attributes deposit. */
export const L1_INFO_DEPOSITOR = '0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001';

/** MegaETH system contracts (mega-evm `docs/spec/system-contracts/overview.md`). */
export const MEGA_ORACLE = '0x6342000000000000000000000000000000000001';
export const MEGA_TIMESTAMP = '0x6342000000000000000000000000000000000002';
/** Fixed Mega system address before Rex5. */
export const MEGA_SYSTEM_ADDRESS = '0xa887dcb9d5f39ef79272801d05abdf707cfbbd1d';

/** MegaETH at spec REX on OP Isthmus: the rules of blocks 1139–1154 (docs/megaeth.md §1). */
export const MEGAETH_REX: OpRules = {
  upgrade: 'isthmus',
  megaSpec: 'rex',
  megaSystemAddress: MEGA_SYSTEM_ADDRESS,
  megaSystemWhitelist: [MEGA_ORACLE],
};
