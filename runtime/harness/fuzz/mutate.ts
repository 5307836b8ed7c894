/**
 * @file `mutate` mode: byte/instruction mutations of real bytecode — the corpus cases (corpus/cases.jsonl, the
 * runtimes of corpus/build/*.bin with their calldata) and, when present, the `../shared/bench` programs (through
 * runtime/shared-bench.ts; constructors are run once through the reference, heavy programs skipped). Each source
 * keeps its pre-state and calldata; 1–8 mutations are applied to the decoded instructions, sometimes to the calldata.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.ts';
import { type Case, addrKey, caseToJson, parseCase } from '../case.ts';
import { loadSharedBench, prepareBenchCase } from '../shared-bench.ts';
import { type Program, type Unit, decodeUnits, FORKS, MAX256, pushIns, Rng } from './program.ts';

const ROOT = PACKAGE_ROOT;

export interface MutationSource {
  name: string;
  case: Case;
}

let cached: Promise<MutationSource[]> | undefined;

/** Every mutation source, in a fixed order (so that a seed always picks the same one). */
export function mutationSources(): Promise<MutationSource[]> {
  return (cached ??= (async () => {
    const out: MutationSource[] = [];
    const file = join(ROOT, 'corpus', 'cases.jsonl');
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const c = parseCase(JSON.parse(line));
        out.push({ name: `corpus/${c.id}`, case: c });
      }
    }
    const bench = loadSharedBench();
    for (const b of [...bench.cases].sort((x, y) => (x.name < y.name ? -1 : 1))) {
      if (b.heavy) continue;
      try {
        const p = await prepareBenchCase(b);
        out.push({ name: `bench/${b.name}`, case: p.case });
      } catch { /* a constructor that fails here is not a source */ }
    }
    if (out.length === 0) throw new Error('mutate: no source programs (corpus/cases.jsonl and ../shared/bench are both missing)');
    return out;
  })());
}

const INTERESTING = [0n, 1n, 2n, 32n, 0x20n, 0xffn, 1n << 255n, MAX256, MAX256 - 1n, 1n << 64n];

function mutateUnits(r: Rng, units: Unit[]): Unit[] {
  const u = units.slice();
  const n = r.range(1, 8);
  for (let k = 0; k < n && u.length > 0; k++) {
    const i = r.int(u.length);
    const bytes = (x: Unit) => ('b' in x[0] ? x[0].b : [0]);
    switch (r.int(7)) {
      case 0: u.splice(i, 1); break;
      case 1: u.splice(i, 0, u[r.int(u.length)]); break;
      case 2: u.splice(i, 0, [{ b: [r.int(256)] }]); break;
      case 3: { // flip one byte of the instruction (opcode or immediate)
        const b = bytes(u[i]).slice();
        b[r.int(b.length)] ^= 1 << r.int(8);
        u[i] = [{ b }];
        break;
      }
      case 4: { // replace an immediate by an interesting value of the same width
        const b = bytes(u[i]);
        if (b[0] >= 0x60 && b[0] <= 0x7f) u[i] = [pushIns(r.pick(INTERESTING) & ((1n << BigInt(8 * (b[0] - 0x5f))) - 1n), b[0] - 0x5f)];
        break;
      }
      case 5: { const j = r.int(u.length); [u[i], u[j]] = [u[j], u[i]]; break; }
      default: u.splice(i, 0, [pushIns(r.pick(INTERESTING))]); break;
    }
  }
  return u;
}

/** A `mutate`-mode program. */
export async function mutateProgram(r: Rng, id: string): Promise<Program> {
  const sources = await mutationSources();
  const s = r.pick(sources).case;
  const called = s.pre.get(addrKey(s.address));
  const pre = caseToJson(s).pre as Record<string, unknown>;
  delete pre[addrKey(s.address)];
  let calldata = s.calldata;
  if (r.chance(0.2) && calldata.length > 0) {
    calldata = calldata.slice();
    for (let k = r.range(1, 3); k > 0; k--) calldata[r.int(calldata.length)] = r.int(256);
  }
  const gas = r.weighted<bigint>([[3, 1_000_000n], [2, 3_000_000n], [2, BigInt(r.range(0, 200_000))]]);
  return {
    id, fork: r.chance(0.5) ? s.fork : r.pick(FORKS),
    contracts: [{ address: addrKey(s.address), units: mutateUnits(r, decodeUnits(s.code)), balance: called?.balance ?? 0n, storage: [...(called?.storage ?? [])] }],
    calldata, gas: gas < s.gas ? gas : s.gas, value: s.value, extraPre: pre, caller: addrKey(s.caller),
  };
}
