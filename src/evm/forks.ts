/**
 * @file Hardforks in activation order, with @ethereumjs/common names. Stage-independent facts:
 * every table in src/evm is indexed by `Fork`, and fork decisions are taken at compile time.
 */

/** Hardforks from Frontier to Osaka, in activation order (comparisons like `fork >= Fork.Berlin` are meaningful). */
export enum Fork {
  Frontier = 0,
  Homestead,
  Dao,
  TangerineWhistle,
  SpuriousDragon,
  Byzantium,
  Constantinople,
  Petersburg,
  Istanbul,
  MuirGlacier,
  Berlin,
  London,
  ArrowGlacier,
  GrayGlacier,
  Paris,
  Shanghai,
  Cancun,
  Prague,
  Osaka,
}

/** @ethereumjs/common hardfork names, indexed by `Fork`. */
export const FORK_COMMON_NAMES = [
  'chainstart', 'homestead', 'dao', 'tangerineWhistle', 'spuriousDragon', 'byzantium', 'constantinople',
  'petersburg', 'istanbul', 'muirGlacier', 'berlin', 'london', 'arrowGlacier', 'grayGlacier', 'paris',
  'shanghai', 'cancun', 'prague', 'osaka',
] as const;

export type ForkName = (typeof FORK_COMMON_NAMES)[number];

/** All forks, oldest first. */
export const ALL_FORKS: readonly Fork[] = FORK_COMMON_NAMES.map((_, i) => i as Fork);

/** Parse a fork name (common name, case-insensitive; 'frontier' and 'merge' are accepted aliases). */
export function parseForkName(name: string): Fork | undefined {
  const n = name.toLowerCase();
  const alias: Record<string, string> = { frontier: 'chainstart', merge: 'paris' };
  const i = FORK_COMMON_NAMES.findIndex((f) => f.toLowerCase() === (alias[n] ?? n));
  return i < 0 ? undefined : (i as Fork);
}

/** The @ethereumjs/common name of a fork. */
export function forkName(f: Fork): ForkName {
  return FORK_COMMON_NAMES[f];
}
