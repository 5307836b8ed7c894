/**
 * @file `mevmc statetest <files or dirs…> [--fork Cancun] [--filter re] [--json] [--engine wasm|native|ref] [--skip re]`:
 * runs ethereum/tests GeneralStateTests through a compiled engine (wasm, or native C; with `--engine ref`, @ethereumjs/vm) and
 * compares the post-state root and logs hash with the fixtures. Prints every failure (test, fork, indexes,
 * expected vs got), a progress line on a terminal (stderr), and ends with `N passed, N failed` (`, N skipped`).
 * Exit 1 on any failure.
 *
 * `--jobs N` runs N worker processes (each every N-th file) and merges their results.
 * `--cache-dir` (or MEVMC_CACHE_DIR) keeps compiled modules on disk across runs. `--filter` is a regex over `<file path>:<test name>`. `--skip` (same subject) skips cases visibly; by default the
 * one case no engine can finish is skipped: stTimeConsuming/CALLBlake2f_MaxRounds (BLAKE2F with 2^32-1 rounds).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../runtime/harness/case.ts';
import { onStop, stopSignal } from '../stop.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { withCompiler } from '../../runtime/loader/wasm.ts';
import { type StateTestCase, type StateTestResult, STATETEST_FORKS, WHOLE_TEST, loadStateTests, runStateTest } from '../../runtime/harness/statetest.ts';
import { intOption, regexOption } from '../options.ts';

export const DEFAULT_SKIP = 'CALLBlake2f_MaxRounds';

/** The CLI launcher the --jobs workers start (inside the execution thread, process.argv[1] is the thread's entry). */
const LAUNCHER = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../mevmc.mjs' : '../mevmc.js', import.meta.url));

export interface StatetestArgs {
  paths: string[];
  fork: string;
  filter?: string;
  skip?: string;
  json: boolean;
  engine: 'wasm' | 'native' | 'ref';
  cacheDir?: string;
  /** Worker processes (each runs every jobs-th file). */
  jobs?: number;
  /** Internal: run only files i, i+n, … and print JSON lines (used by --jobs). */
  shard?: string;
}

/** Every .json file under the given files/dirs, sorted. */
export function collectFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(`no such file or directory: ${p}`);
    }
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (p.endsWith('.json')) out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

/** One case's outcome as printed by --json (and exchanged with --jobs workers). */
interface Rec {
  file: string; test: string; fork: string; index: number; indexes: StateTestCase['indexes'];
  skipped?: boolean; pass?: boolean; expectedHash?: string; gotHash?: string; expectedLogs?: string; gotLogs?: string;
  expectException?: string; rejected?: boolean; error?: string; failure?: string; ms?: number;
}

/** The record of a whole file that could not be loaded (not JSON, not a state test). */
const FILE_TEST = '(file)';

function failureText(r: Rec): string {
  // A file or a whole test that could not be read has no fork, index or hashes: one line with the reason.
  if (r.test === FILE_TEST) return `FAIL ${r.file}: ${r.failure}`;
  if (r.index === WHOLE_TEST) return `FAIL ${r.file} ${r.test}: ${r.failure}`;
  const ix = r.indexes ? ` (d=${r.indexes.data},g=${r.indexes.gas},v=${r.indexes.value})` : '';
  const lines = [`FAIL ${r.file} ${r.test} ${r.fork}[${r.index}]${ix}`];
  if (r.failure) lines.push(`  error:  ${r.failure}`);
  if (r.gotHash !== r.expectedHash) lines.push(`  root:   expected ${r.expectedHash} got ${r.gotHash}`);
  if (r.gotLogs !== r.expectedLogs) lines.push(`  logs:   expected ${r.expectedLogs} got ${r.gotLogs}`);
  if (r.expectException && !r.rejected) lines.push(`  expected rejection (${r.expectException}), the transaction was applied`);
  if (!r.expectException && r.rejected) lines.push(`  rejected: ${r.error}`);
  else if (r.error && !r.failure) lines.push(`  tx: ${r.error}`);
  return lines.join('\n');
}

export async function statetestCommand(a: StatetestArgs): Promise<number> {
  if (a.engine === 'native') {
    const { nativeUnavailableReason } = await import('../../runtime/loader/native.ts');
    const why = nativeUnavailableReason();
    if (why) throw new InputError(`--engine native: ${why}`);
  }
  const forks = a.fork === 'all' ? undefined : new Set(a.fork.split(','));
  for (const f of forks ?? []) if (STATETEST_FORKS[f] === undefined) throw new InputError(`unknown state-test fork ${f} (e.g. Cancun, Shanghai, Berlin)`);
  const filter = regexOption('filter', a.filter);
  const skip = regexOption('skip', a.skip ?? DEFAULT_SKIP)!;
  const jobs = intOption('jobs', a.jobs ?? 1);
  const all = collectFiles(a.paths);
  if (all.length === 0) throw new InputError(`no .json file in ${a.paths.join(', ')}`);
  let shard: [number, number] | undefined;
  if (a.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(a.shard);
    if (!m || Number(m[1]) >= Number(m[2])) throw new InputError(`--shard wants i/n with i < n, got ${a.shard}`);
    shard = [Number(m[1]), Number(m[2])];
  }
  const files = shard ? all.filter((_, i) => i % shard![1] === shard![0]) : all;
  const json = a.json || shard !== undefined;
  const tty = process.stderr.isTTY && !json;
  let passed = 0, failed = 0, skipped = 0, done = 0;
  let lastProgress = 0;
  const t0 = performance.now();
  const base = process.cwd();

  const progress = (what: string) => {
    if (tty && performance.now() - lastProgress > 100) {
      lastProgress = performance.now();
      process.stderr.write(`\r\x1b[K[${done}/${files.length} files] ${passed} passed, ${failed} failed  ${what.slice(0, 60)}`);
    }
  };
  const report = (r: Rec) => {
    if (r.skipped) skipped++;
    else if (r.pass) passed++;
    else failed++;
    if (json) console.log(JSON.stringify(r));
    else if (r.skipped) console.log(`SKIP ${r.file} ${r.test} ${r.fork}[${r.index}]`);
    else if (!r.pass) {
      if (tty) process.stderr.write('\r\x1b[K');
      console.log(failureText(r));
    }
    progress(r.test);
  };

  if (jobs > 1 && shard === undefined) {
    // Worker processes, each running every jobs-th file with --json; their lines are merged here.
    const { spawn } = await import('node:child_process');
    const { createInterface } = await import('node:readline');
    const extra = ['--fork', a.fork, '--engine', a.engine, ...(a.filter ? ['--filter', a.filter] : []), ...(a.skip ? ['--skip', a.skip] : []),
      ...(a.cacheDir ? ['--cache-dir', a.cacheDir] : [])];
    // On SIGINT/SIGTERM the worker processes get the same signal: none outlives this one, and the summary of what
    // finished is still printed.
    const children: import('node:child_process').ChildProcess[] = [];
    const offStop = onStop((sig) => { for (const c of children) c.kill(sig); });
    await Promise.all(Array.from({ length: jobs }, (_, i) => new Promise<void>((resolveJob) => {
      const child = spawn(process.execPath, [...process.execArgv, LAUNCHER, 'statetest', ...a.paths, '--shard', `${i}/${jobs}`, ...extra],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      // A worker that exits without its closing summary line died (a crash also exits 1): not "no failures".
      let finished = false;
      // A worker's own closing line is not ours; anything else it says on stderr is passed on.
      createInterface({ input: child.stderr! }).on('line', (line) => {
        if (!/^\d+ passed, \d+ failed/.test(line)) console.error(line);
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let r: Rec & { fileDone?: boolean; passed?: number };
        try {
          r = JSON.parse(line);
        } catch {
          return;
        }
        if (r.fileDone) done++;
        else if (r.file !== undefined) report(r);
        else if (typeof r.passed === 'number') finished = true;
      });
      child.on('close', (code, signal) => {
        if (signal !== null && stopSignal() === undefined) {
          failed++;
          console.log(`FAIL worker ${i}/${jobs} killed by ${signal} (a crash of mevmc: rerun with --shard ${i}/${jobs} to reproduce, and report it)`);
        } else if (signal === null && !finished && stopSignal() === undefined) {
          failed++;
          console.log(`FAIL worker ${i}/${jobs} exited with ${code} before its summary (rerun with --shard ${i}/${jobs} to see why)`);
        } else if (signal === null && code !== 0 && code !== 1) {
          failed++;
          console.log(`FAIL worker ${i}/${jobs} exited with ${code}`);
        }
        resolveJob();
      });
    })));
    offStop();
  } else {
    const { loaderFor } = await import('./run.ts');
    const newLoader = () => loaderFor(a.engine, a.cacheDir);
    let loader: ContractLoader | undefined;
    const ref = a.engine === 'ref' ? await import('../../runtime/harness/reference/statetest.ts') : undefined;
    for (const file of files) {
      const rel = relative(base, file);
      // A fresh loader per file: pooled instances each hold a WebAssembly.Memory (a large virtual reservation), and
      // keeping every contract of ~1500 files alive exhausts the address space; files rarely share contracts.
      loader?.dispose?.();
      loader = await newLoader();
      let cases: StateTestCase[];
      try {
        cases = loadStateTests(file, forks);
      } catch (e) {
        report({ file: rel, test: FILE_TEST, fork: '-', index: 0, indexes: { data: 0, gas: 0, value: 0 }, pass: false, failure: `cannot load: ${e instanceof Error ? e.message : e}` });
        done++;
        if (shard) console.log(JSON.stringify({ fileDone: true }));
        continue;
      }
      for (const c of cases) {
        const subject = `${rel}:${c.test}`;
        if (filter && !filter.test(subject)) continue;
        const head = { file: rel, test: c.test, fork: c.forkName, index: c.index, indexes: c.indexes };
        if (skip.test(subject)) {
          report({ ...head, skipped: true });
          continue;
        }
        if (c.invalid) {
          report({ ...head, pass: false, failure: c.invalid });
          continue;
        }
        let r: StateTestResult;
        try {
          r = ref ? await ref.runStateTestReference(c) : await withCompiler(() => runStateTest(c, loader!));
        } catch (e) {
          r = { pass: false, gotHash: '-', gotLogs: '-', rejected: false, failure: e instanceof Error ? e.message : String(e), ms: 0 };
        }
        report({
          ...head, pass: r.pass, expectedHash: c.hash, gotHash: r.gotHash, expectedLogs: c.logs, gotLogs: r.gotLogs,
          expectException: c.expectException, rejected: r.rejected, error: r.error, failure: r.failure, ms: Math.round(r.ms * 100) / 100,
        });
      }
      done++;
      if (shard) console.log(JSON.stringify({ fileDone: true }));
    }
  }
  if (tty) process.stderr.write('\r\x1b[K');
  // Nothing found to run is not a pass (a shard may legitimately get no case: its parent decides).
  if (passed + failed + skipped === 0 && shard === undefined) {
    throw new InputError(`no state-test case in ${a.paths.join(', ')} (fork ${a.fork}${a.filter ? `, filter ${JSON.stringify(a.filter)}` : ''})`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (json) console.log(JSON.stringify({ passed, failed, skipped, seconds: Number(secs) }));
  else console.log(`${a.engine} engine, ${files.length} files, ${jobs} job${jobs > 1 ? 's' : ''}, ${secs} s`);
  // With --json stdout stays pure JSON lines; the closing line goes to stderr.
  (json ? console.error : console.log)(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed === 0 ? 0 : 1;
}
