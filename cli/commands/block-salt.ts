/**
 * @file `mevmc block … --state salt:DIR`: the option, the SALT part of each block's line and JSON object, and the
 * `--bench` table of SALT commits against the in-memory backend. The run itself is runtime/harness/blocks/salt-run.ts.
 */
import { InputError } from '../../runtime/harness/case.ts';
import type { BlockRun } from '../../runtime/harness/blocks/run.ts';
import type { SaltRunInfo } from '../../runtime/harness/blocks/salt-run.ts';

/** `--witness-out DIR` needs `--state salt:…` (a witness is proved against the SALT store). */
export function witnessOutOption(out: string | undefined, saltDir: string | undefined): string | undefined {
  if (out !== undefined && saltDir === undefined) throw new InputError('--witness-out needs --state salt:DIR (witnesses are proved against the SALT store)');
  return out;
}

/** `--state`: undefined / 'memory' → the in-memory backend; 'salt:DIR' → the SALT store root DIR. */
export function stateOption(v: string | undefined, engine: string): string | undefined {
  if (v === undefined || v === 'memory') return undefined;
  const m = /^salt:(.+)$/.exec(v);
  if (!m) throw new InputError(`--state ${v}: expected salt:DIR or memory`);
  if (engine === 'ref') throw new InputError('--state salt:DIR runs on wasm or native (--engine ref is @ethereumjs/vm\'s own state)');
  return m[1];
}

const ms = (x: number): string => x.toFixed(1);
const mgas = (gas: bigint, t: number): string => (t > 0 ? (Number(gas) / 1e6 / (t / 1e3)).toFixed(1) : '-');
const perKey = (mults: number, keys: number): number | null => (keys > 0 ? +(mults / keys).toFixed(2) : null);

/** The text after a block's line: the roots, and the batch. */
export function saltLine(r: BlockRun, s: SaltRunInfo): string {
  const c = s.commit;
  const roots = `\n  salt ${s.store} ${s.parentStateRoot} -> ${s.stateRoot ?? '(block failed)'}`;
  if (!c) return roots + (s.storedRootMatches === false ? '  STORED ROOT DIFFERS' : '');
  return roots + `  keys=${c.keys} update ${ms(s.updateMs)} ms (cpu ${ms(s.updateCpuMs)}; ${(c.mults / Math.max(1, c.keys)).toFixed(2)} ECMul/key) ` +
    `commit ${ms(s.commitMs)} ms  with commit ${mgas(r.gasUsed, r.execMs + s.commitMs)} Mgas/s` +
    (s.storedRootMatches !== undefined ? `  stored root ${s.storedRootMatches ? 'verified' : 'DIFFERS'}` : '') +
    (s.witness ? `\n  witness ${s.witness.path} (${s.witness.kvs} kvs / ${s.witness.commitments} commitments / ${s.witness.bytes} B, ${s.witness.ms.toFixed(0)} ms)` : '');
}

/** The fields added to a block's JSON object. */
export function saltJson(r: BlockRun, s: SaltRunInfo): Record<string, unknown> {
  const c = s.commit;
  return {
    parentStateRoot: s.parentStateRoot, stateRoot: s.stateRoot ?? null,
    salt: {
      dir: s.dir, store: s.store, ...(s.storedRootMatches !== undefined ? { storedRootMatches: s.storedRootMatches } : {}),
      genesisKeys: s.genesis?.keys ?? null, keys: c?.keys ?? null, mults: c?.mults ?? null, multsPerKey: c ? perKey(c.mults, c.keys) : null,
      prepareMs: c ? +c.prepareMs.toFixed(3) : null, updateMs: +s.updateMs.toFixed(3), updateCpuMs: +s.updateCpuMs.toFixed(3), persistMs: c ? +c.persistMs.toFixed(3) : null,
      commitMs: +s.commitMs.toFixed(3), mgasPerSecWithCommit: r.execMs + s.commitMs > 0 ? +(Number(r.gasUsed) / 1e3 / (r.execMs + s.commitMs)).toFixed(2) : null,
    },
    ...(s.witness ? { witness: { ...s.witness, ms: +s.witness.ms.toFixed(1) } } : {}),
  };
}

/** `--bench` with SALT: per block the diff, the update, and execution + commit against the in-memory backend. */
export function printSaltBench(rows: [BlockRun & { salt: SaltRunInfo }, BlockRun][]): void {
  const cols: [string, number][] = [['block', 9], ['txs', 5], ['Mgas', 7], ['keys', 6], ['ECMul/key', 9], ['update ms', 9], ['cpu ms', 7], ['commit ms', 9],
    ['salt exec', 9], ['mem exec', 9], ['salt Mgas/s', 11], ['mem Mgas/s', 10]];
  const out = (cells: string[]) => console.log(cells.map((c, i) => c.padStart(cols[i][1])).join(' '));
  out(cols.map(([c]) => c));
  const t = { txs: 0, gas: 0n, keys: 0, mults: 0, update: 0, cpu: 0, commit: 0, exec: 0, mem: 0 };
  const row = (name: string, x: typeof t) => out([name, String(x.txs), (Number(x.gas) / 1e6).toFixed(2), String(x.keys),
    x.keys ? (x.mults / x.keys).toFixed(2) : '-', ms(x.update), ms(x.cpu), ms(x.commit), ms(x.exec), ms(x.mem), mgas(x.gas, x.exec + x.commit), mgas(x.gas, x.mem)]);
  for (const [r, m] of rows) {
    const one = { txs: r.txs, gas: r.gasUsed, keys: r.salt.commit?.keys ?? 0, mults: r.salt.commit?.mults ?? 0, update: r.salt.updateMs, cpu: r.salt.updateCpuMs,
      commit: r.salt.commitMs, exec: r.execMs, mem: m.execMs };
    row(String(r.number), one);
    for (const k of Object.keys(t) as (keyof typeof t)[]) (t[k] as number | bigint) = (t[k] as never) + (one[k] as never);
  }
  row('total', t);
  console.log('keys: SALT key changes of the block (accounts + slots); update ms: SHI tables, slot hashes, commitments and root ' +
    '(median of the repeats, wall; cpu ms: CPU time of all threads, what a busy machine does not inflate); commit ms: + turning the diff into keys and the durable write; salt exec / mem exec: execution ' +
    'reading SALT vs the in-memory backend; salt Mgas/s counts execution + commit.');
}
