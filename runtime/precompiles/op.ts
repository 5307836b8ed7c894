/**
 * @file The OP stack's precompile sets, per OP upgrade (op-revm 8.1 `precompiles.rs`, the version mega-evm v1.3.1
 * builds on, and the OP specs' `fjord/exec-engine.md`, `granite/exec-engine.md`, `isthmus/exec-engine.md`):
 *
 * | upgrade | set |
 * | --- | --- |
 * | Fjord | Ethereum Cancun's (0x01–0x0a) + P256VERIFY at 0x0100 (RIP-7212, 3450 gas) |
 * | Granite, Holocene | Fjord's, with bn256 pairing (0x08) input ≤ 112,687 bytes |
 * | Isthmus | Granite's + the EIP-2537 BLS12-381 set (0x0b–0x11), with G1 MSM ≤ 513,760, G2 MSM ≤ 488,448 and pairing ≤ 235,008 bytes of input |
 *
 * An input over its limit makes the call fail before it is priced: all the gas given to it is consumed, as for
 * any precompile failure. The largest accepted inputs (586 bn256 pairs, 3,211 G1 and 1,696 G2 MSM pairs, 612 BLS
 * pairs) are each priced just under 20 M gas. Earlier upgrades (Bedrock…Ecotone) use Ethereum's table for
 * their fork; Jovian (smaller limits) is not modelled. A chain's own changes on top (MegaETH's ModExp and KZG
 * prices) stay in its HostChainRules.precompile.
 */
import { Fork } from '../../src/evm/forks.ts';
import { p256verifyRip7212 } from './0100-p256verify.ts';
import { PRECOMPILES } from './index.ts';
import { type Precompile, type PrecompileTable, fail } from './types.ts';

/** The OP upgrades whose precompile set differs from Ethereum's (in order). */
export type OpPrecompileUpgrade = 'fjord' | 'granite' | 'holocene' | 'isthmus';

/** Granite: largest bn256 pairing input (op-revm `bn254_pair::GRANITE_MAX_INPUT_SIZE`). */
export const GRANITE_BN254_PAIRING_MAX_INPUT = 112_687;
/** Isthmus: largest BLS12-381 G1 MSM, G2 MSM and pairing inputs (op-revm `bls12_381::ISTHMUS_*_MAX_INPUT_SIZE`). */
export const ISTHMUS_BLS_G1_MSM_MAX_INPUT = 513_760;
export const ISTHMUS_BLS_G2_MSM_MAX_INPUT = 488_448;
export const ISTHMUS_BLS_PAIRING_MAX_INPUT = 235_008;

const addr = (n: number): string => '0x' + n.toString(16).padStart(40, '0');

/** `p` refusing input longer than `max` bytes before pricing it (the call fails and consumes all its gas). */
function limited(p: Precompile, max: number, upgrade: string): Precompile {
  const error = `${p.name} input longer than ${max} bytes (OP ${upgrade})`;
  return {
    name: p.name,
    gas: (input, fork) => (input.length > max ? 0n : p.gas(input, fork)),
    run: (input, fork) => (input.length > max ? fail(error) : p.run(input, fork)),
  };
}

const TABLES = new Map<OpPrecompileUpgrade, PrecompileTable>();

/** The precompile set of an OP chain at `upgrade` (one object per upgrade). */
export function opPrecompiles(upgrade: OpPrecompileUpgrade): PrecompileTable {
  let t = TABLES.get(upgrade);
  if (t) return t;
  const bls = upgrade === 'isthmus';
  const granite = upgrade !== 'fjord';
  const base = bls ? Fork.Prague : Fork.Cancun;
  const set = new Map<string, Precompile>();
  for (const p of PRECOMPILES) if (p.since <= base) set.set(p.address, p.precompile);
  set.set(addr(0x100), p256verifyRip7212);
  const cap = (n: number, max: number, since: string) => set.set(addr(n), limited(set.get(addr(n))!, max, since));
  if (granite) cap(0x08, GRANITE_BN254_PAIRING_MAX_INPUT, 'Granite');
  if (bls) {
    cap(0x0c, ISTHMUS_BLS_G1_MSM_MAX_INPUT, 'Isthmus');
    cap(0x0e, ISTHMUS_BLS_G2_MSM_MAX_INPUT, 'Isthmus');
    cap(0x0f, ISTHMUS_BLS_PAIRING_MAX_INPUT, 'Isthmus');
  }
  const addresses: ReadonlySet<string> = new Set([...set.keys()].sort());
  t = { name: `op-${upgrade}`, at: (a) => set.get(a), addresses };
  TABLES.set(upgrade, t);
  return t;
}
