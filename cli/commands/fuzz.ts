/**
 * @file `mevmc fuzz [--seed S] [--runs N | --duration 60s] [--workers K] [--shard i/n] [--mode gen|raw|mutate] [--json]`:
 * differential fuzzing of mevmc against @ethereumjs/evm (runtime/fuzz/). A live progress line on a TTY; a summary at
 * the end and on Ctrl-C (a second Ctrl-C stops at once; reproducers already written are kept). Findings are minimised
 * and written to ./mevmc-regressions/<id>.json (or --out; the repository keeps its own in corpus/regressions/). Exit 1 if any divergence or crash was found.
 */
import { availableParallelism } from 'node:os';
import { InputError } from '../../runtime/harness/case.ts';
import { type Mode, type Stats, forkOpcodes, haltCoverage, MODES } from '../../runtime/harness/fuzz/stats.ts';
import { type CampaignConfig, startCampaign } from '../../runtime/harness/fuzz/runner.ts';
import { opName } from '../../src/evm/traits.ts';
import { HALT_SHORT, type HaltKind } from '../../runtime/harness/halts.ts';
import { onStop } from '../stop.ts';
import { checkOutputDir, intOption } from '../options.ts';

export interface FuzzArgs {
  seed?: number; runs?: number; duration?: string; workers?: number; shard?: string; mode: string; json: boolean; engine?: 'wasm' | 'native';
  index?: number; out?: string; coverageEvery?: number;
}

/** Default folder for reproducers, relative to the working directory. */
export const DEFAULT_OUT = 'mevmc-regressions';

/** "90", "90s", "10m", "1h" → ms. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new InputError(`--duration: expected e.g. 60s, 10m, 1h; got ${JSON.stringify(s)}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

function parseShard(s: string | undefined): [number, number] {
  if (s === undefined) return [0, 1];
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new InputError(`--shard: expected i/n with 0 <= i < n, got ${JSON.stringify(s)}`);
  return [Number(m[1]), Number(m[2])];
}

const TARGET = forkOpcodes();

function progressLine(st: Stats, ms: number, findings: number): string {
  const cov = st.opcodes.filter((o) => TARGET.includes(o)).length;
  const h = haltCoverage(st);
  const missing = h.missing.length ? ` (not yet: ${h.missing.map((k) => HALT_SHORT[k as HaltKind] ?? k).join(' ')})` : '';
  return `[${(ms / 1000).toFixed(0)}s] ${st.execs} execs (${(st.execs / Math.max(ms / 1000, 1e-3)).toFixed(1)}/s) | opcodes ${cov}/${TARGET.length} | ` +
    `halts ${h.of - h.missing.length}/${h.of}${missing} | divergences ${st.diverge + st.crash} (${findings} programs)`;
}

export async function fuzzCommand(a: FuzzArgs): Promise<number> {
  if (!MODES.includes(a.mode as Mode)) throw new InputError(`--mode: one of ${MODES.join(', ')}`);
  if (a.runs !== undefined && a.duration !== undefined) throw new InputError('give --runs or --duration, not both');
  intOption('runs', a.runs);
  intOption('seed', a.seed, 0);
  intOption('index', a.index, 0);
  const [shard, shards] = parseShard(a.shard);
  const seed = a.seed ?? (Date.now() % 1_000_000_000);
  const workers = intOption('workers', a.workers ?? availableParallelism());
  // Reproducers go under the working directory unless --out says otherwise (never into the installed package).
  const regressionsDir = checkOutputDir(a.out !== undefined ? '--out' : 'fuzz: reproducer folder', a.out ?? DEFAULT_OUT);
  const duration = a.duration !== undefined ? parseDuration(a.duration) : undefined;
  const runs = a.runs ?? (duration === undefined && a.index === undefined ? 1000 : undefined);
  const cfg: CampaignConfig = {
    mode: a.mode as Mode, seed, workers, shard, shards, runs, index: a.index,
    deadline: duration !== undefined ? Date.now() + duration : undefined,
    regressionsDir, coverageEvery: a.coverageEvery ?? 4, engine: a.engine,
  };
  if (a.engine === 'native') {
    const why = (await import('../../runtime/loader/native.ts')).nativeUnavailableReason();
    if (why) throw new InputError(`--engine native: ${why}`);
  }
  const t0 = Date.now();
  const tty = process.stderr.isTTY && !a.json;
  if (!a.json) {
    process.stderr.write(`mevmc fuzz: engine ${a.engine ?? 'wasm'}, mode ${cfg.mode}, seed ${seed}, shard ${shard}/${shards}, ${workers} worker(s), ` +
      `${runs !== undefined ? `${runs} programs` : duration !== undefined ? `${duration / 1000} s` : `program ${a.index}`}\n`);
  }
  let lastDraw = 0;
  const reported = new Set<string>();
  const h = startCampaign(cfg, () => {
    for (const [id, f] of h.findings) {
      if (reported.has(id) || a.json) continue;
      reported.add(id);
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}FINDING ${id} (${f.kind}): ${f.diffs.join('; ')}\n  reproducer: ${f.file ?? '(not written)'} (minimising…)\n`);
    }
    if (tty && Date.now() - lastDraw > 200) {
      lastDraw = Date.now();
      process.stderr.write(`\r\x1b[K${progressLine(h.stats, Date.now() - t0, h.findings.size)}`);
    }
  });
  // SIGINT/SIGTERM (cli/stop.ts): finish the current programs, then print the summary; a second signal stops at once.
  let interrupted = false;
  const offStop = onStop((sig, again) => {
    interrupted = true;
    h.stop(again);
    if (!a.json && !again) process.stderr.write(`${tty ? '\r\x1b[K' : ''}${sig}: finishing current programs (again to stop at once)\n`);
  });
  try {
    await h.done;
  } finally {
    offStop();
  }
  const ms = Date.now() - t0;
  const st = h.stats;
  const missing = TARGET.filter((o) => !st.opcodes.includes(o));
  const findings = [...h.findings.values()];
  const summary = {
    mode: cfg.mode, seed, shard: `${shard}/${shards}`, workers, seconds: ms / 1000, interrupted,
    programs: st.programs, execs: st.execs, execsPerSecond: Number((st.execs / (ms / 1000)).toFixed(2)),
    same: st.same, divergences: st.diverge, crashes: st.crash, referenceErrors: st.refError, skipped: st.skip,
    opcodeCoverage: { covered: TARGET.length - missing.length, of: TARGET.length, missing: missing.map((o) => opName(o)) },
    haltCoverage: (() => { const h = haltCoverage(st); return { covered: h.of - h.missing.length, of: h.of, reached: h.reached, missing: h.missing, other: h.other }; })(),
    halts: st.halts, findings,
  };
  if (a.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    if (tty) process.stderr.write(`\r\x1b[K${progressLine(st, ms, findings.length)}\n`);
    const lines = [
      `summary: ${st.programs} programs, ${st.execs} executions in ${(ms / 1000).toFixed(1)} s (${summary.execsPerSecond} execs/s, ${workers} workers)`,
      `  agree ${st.same}, divergences ${st.diverge}, crashes ${st.crash}, reference errors ${st.refError}, skipped (known divergences) ${st.skip}`,
      `  opcode coverage (reference, sampled every ${cfg.coverageEvery} programs): ${summary.opcodeCoverage.covered}/${TARGET.length}` +
        (missing.length ? `; missing ${summary.opcodeCoverage.missing.join(' ')}` : ''),
      `  halt coverage (every frame, reference): ${summary.haltCoverage.covered}/${summary.haltCoverage.of}: ` +
        Object.entries(summary.haltCoverage.reached).map(([k, n]) => `${k} ${n}`).join(', ') +
        (summary.haltCoverage.missing.length ? `; NOT reached: ${summary.haltCoverage.missing.join(', ')}` : '') +
        (Object.keys(summary.haltCoverage.other).length ? `; other failures: ${Object.entries(summary.haltCoverage.other).map(([k, n]) => `${k.replace(/^other: /, '')} ${n}`).join(', ')}` : ''),
      `  top-level outcomes: ${Object.entries(st.halts).sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`,
      ...findings.flatMap((f) => [
        `  FINDING ${f.id} (${f.kind}): ${f.diffs.join('; ')}`,
        `    reproducer ${f.file ?? '(none)'}${f.instructions ? `, minimised ${f.instructions.before} → ${f.instructions.after} instructions` : ''}`,
        ...(f.trace ? [`    ${f.trace.replace(/\n/g, '\n    ')}`] : []),
      ]),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  return findings.length > 0 ? 1 : 0;
}
