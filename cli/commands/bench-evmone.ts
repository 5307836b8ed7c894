/**
 * @file The evmone reference of `mevmc bench` (issue #14): fixed evmone 0.15 times per program
 * (cli/bench/evmone-0.15.json, measured once with its date and machine, not re-measured here), the program
 * sets and the geomean summary of evmone time / mevmc time (> 1 = mevmc faster).
 *
 * Sets (a partition, as issue #14 defines them): `tiny` = evmone < 0.1 ms; `compute` = evmone ≥ 0.1 ms and ≤ 0.1
 * host calls per evmone µs; `host` = the rest (host-heavy). Host calls are mevmc's count for the run.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface EvmoneReference {
  evmone: string;
  date: string;
  machine: string;
  /** ms per call by bench program name. */
  ms: Record<string, number>;
}

const REFERENCE = fileURLToPath(new URL('../bench/evmone-0.15.json', import.meta.url));

export function loadEvmoneReference(path = REFERENCE): EvmoneReference {
  return JSON.parse(readFileSync(path, 'utf8')) as EvmoneReference;
}

export type BenchSet = 'tiny' | 'compute' | 'host';

export function benchSet(evmoneMs: number, hostCalls: number): BenchSet {
  if (evmoneMs < 0.1) return 'tiny';
  return hostCalls / (evmoneMs * 1000) <= 0.1 ? 'compute' : 'host';
}

/** One program's figures; ratios are computed from them. */
export interface BenchRow {
  name: string;
  evmoneMs?: number;
  /** @ethereumjs/evm execution ms (median), when the reference ran. */
  ejsMs?: number;
  /** mevmc wasm: the first call after compiling (instantiation and V8's first tier included). */
  firstMs: number;
  /** mevmc wasm, steady state (median of the later runs). */
  steadyMs: number;
  nativeMs?: number;
  hostCalls: number;
  /** ns per timed host call (wall time inside the host functions), when the run made ≥ 100. */
  hostNs?: number;
  set?: BenchSet;
}

export function geomean(xs: number[]): number {
  return xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : NaN;
}

const SETS: { name: string; test: (r: BenchRow) => boolean }[] = [
  { name: 'all', test: () => true },
  { name: 'compute-bound (evmone ≥ 0.1 ms, ≤ 0.1 host calls/µs)', test: (r) => r.set === 'compute' },
  { name: 'host-heavy (evmone ≥ 0.1 ms, > 0.1 host calls/µs)', test: (r) => r.set === 'host' },
  { name: 'tiny calls (evmone < 0.1 ms)', test: (r) => r.set === 'tiny' },
];

/** This machine as the reference names its own: `2 vCPU AMD EPYC …`. */
export function thisMachine(): string {
  const c = cpus();
  return `${c.length} vCPU ${c[0]?.model.trim() || 'unknown CPU'}`;
}

const VENDORS = ['Intel', 'AMD', 'Apple', 'ARM', 'Ampere', 'Graviton'];
/**
 * Whether this machine's CPU is of another vendor than the reference's: ratios against a fixed column then say as much
 * about the two CPUs as about mevmc (the same commit read 1.6–2.5× lower against the Intel-measured column on an AMD
 * EPYC: weierstrudel/15 1.8 → 3.0–4.6 ms, Fib.fib 0.48 → 0.68–0.80 ms).
 */
export function otherVendor(machine: string, refMachine: string): boolean {
  const v = VENDORS.find((x) => machine.includes(x));
  return v !== undefined && VENDORS.some((x) => refMachine.includes(x)) && !refMachine.includes(v);
}

/** Geomeans per set of evmone / mevmc (first call, steady state, native) and of @ethereumjs / mevmc steady. */
export function formatGeomeans(rows: BenchRow[], ref: EvmoneReference, machine = thisMachine()): string[] {
  const pad = (s: string, n: number) => s.padStart(n);
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
  const out = [
    '',
    `geomean of evmone ${ref.evmone} time / mevmc time (> 1 = mevmc faster; evmone measured ${ref.date}, ${ref.machine}; this run: ${machine})`,
    ...(otherVendor(machine, ref.machine) ? ['note: this CPU is not the kind the evmone column was measured on: compare ratios only with runs on the same kind of CPU'] : []),
    `${'set'.padEnd(56)}${pad('n', 4)}${pad('wasm 1st', 10)}${pad('wasm', 8)}${pad('native', 8)}${pad('ejs/wasm', 10)}`,
  ];
  for (const s of SETS) {
    const rs = rows.filter((r) => r.evmoneMs !== undefined && s.test(r));
    const nat = rs.filter((r) => r.nativeMs !== undefined);
    const ejs = rows.filter((r) => r.ejsMs !== undefined && s.test(r));
    out.push(`${s.name.padEnd(56)}${pad(String(rs.length), 4)}${pad(f(geomean(rs.map((r) => r.evmoneMs! / r.firstMs))), 10)}` +
      `${pad(f(geomean(rs.map((r) => r.evmoneMs! / r.steadyMs))), 8)}${pad(f(geomean(nat.map((r) => r.evmoneMs! / r.nativeMs!))), 8)}` +
      `${pad(f(geomean(ejs.map((r) => r.ejsMs! / r.steadyMs))), 10)}`);
  }
  const slower = rows.filter((r) => r.evmoneMs !== undefined && r.steadyMs > r.evmoneMs).length;
  out.push(`wasm steady state slower than evmone on ${slower} of ${rows.filter((r) => r.evmoneMs !== undefined).length} programs`);
  return out;
}
