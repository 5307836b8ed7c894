/**
 * @file `mevmc statetest <files or dirs…> [--fork Cancun] [--filter re] [--json] [--engine wasm|ref] [--skip re]`:
 * runs ethereum/tests GeneralStateTests through the compiled engine (or, with `--engine ref`, @ethereumjs/vm) and
 * compares the post-state root and logs hash with the fixtures. Prints every failure (test, fork, indexes,
 * expected vs got), a progress line on a terminal (stderr), and ends with `N passed, N failed` (`, N skipped`).
 * Exit 1 on any failure.
 *
 * `--filter` is a regex over `<file path>:<test name>`. `--skip` (same subject) skips cases visibly; by default the
 * one case no engine can finish is skipped: stTimeConsuming/CALLBlake2f_MaxRounds (BLAKE2F with 2^32-1 rounds).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from '../../runtime/case.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { type StateTestCase, type StateTestResult, STATETEST_FORKS, caseLabel, loadStateTests, runStateTest } from '../../runtime/tx/statetest.ts';

export const DEFAULT_SKIP = 'CALLBlake2f_MaxRounds';

export interface StatetestArgs {
  paths: string[];
  fork: string;
  filter?: string;
  skip?: string;
  json: boolean;
  engine: 'wasm' | 'ref';
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

export async function statetestCommand(a: StatetestArgs): Promise<number> {
  const forks = a.fork === 'all' ? undefined : new Set(a.fork.split(','));
  for (const f of forks ?? []) if (STATETEST_FORKS[f] === undefined) throw new InputError(`unknown state-test fork ${f} (e.g. Cancun, Shanghai, Berlin)`);
  const filter = a.filter ? new RegExp(a.filter) : undefined;
  const skip = new RegExp(a.skip ?? DEFAULT_SKIP);
  const files = collectFiles(a.paths);
  // A fresh loader per file: pooled instances each hold a WebAssembly.Memory (a large virtual reservation), and
  // keeping every contract of ~1500 files alive exhausts the address space; files rarely share contracts.
  let loader = new WasmLoader();
  const ref = a.engine === 'ref' ? await import('../../runtime/tx/reference.ts') : undefined;
  const tty = process.stderr.isTTY && !a.json;
  let passed = 0, failed = 0, skipped = 0;
  const t0 = performance.now();
  const base = process.cwd();
  for (let fi = 0; fi < files.length; fi++) {
    const file = files[fi];
    const rel = relative(base, file);
    loader = new WasmLoader();
    let cases: StateTestCase[];
    try {
      cases = loadStateTests(file, forks);
    } catch (e) {
      failed++;
      console.log(`FAIL ${rel}: cannot load: ${e instanceof Error ? e.message : e}`);
      continue;
    }
    for (const c of cases) {
      const subject = `${rel}:${c.test}`;
      if (filter && !filter.test(subject)) continue;
      if (skip.test(subject)) {
        skipped++;
        if (a.json) console.log(JSON.stringify({ file: rel, test: c.test, fork: c.forkName, index: c.index, indexes: c.indexes, skipped: true }));
        else console.log(`SKIP ${rel} ${caseLabel(c)}`);
        continue;
      }
      if (tty) process.stderr.write(`\r\x1b[K[${fi + 1}/${files.length} files] ${passed} passed, ${failed} failed  ${c.test.slice(0, 60)}`);
      let r: StateTestResult;
      try {
        r = ref ? await ref.runStateTestReference(c) : runStateTest(c, loader);
      } catch (e) {
        r = { pass: false, gotHash: '-', gotLogs: '-', rejected: false, failure: e instanceof Error ? e.message : String(e), ms: 0 };
      }
      if (r.pass) passed++;
      else failed++;
      if (a.json) {
        console.log(JSON.stringify({
          file: rel, test: c.test, fork: c.forkName, index: c.index, indexes: c.indexes, pass: r.pass, expectedHash: c.hash, gotHash: r.gotHash,
          expectedLogs: c.logs, gotLogs: r.gotLogs, expectException: c.expectException, rejected: r.rejected, error: r.error, failure: r.failure,
          ms: Math.round(r.ms * 100) / 100,
        }));
      } else if (!r.pass) {
        if (tty) process.stderr.write('\r\x1b[K');
        const lines = [`FAIL ${rel} ${caseLabel(c)}`];
        if (r.failure) lines.push(`  error:  ${r.failure}`);
        if (r.gotHash !== c.hash) lines.push(`  root:   expected ${c.hash} got ${r.gotHash}`);
        if (r.gotLogs !== c.logs) lines.push(`  logs:   expected ${c.logs} got ${r.gotLogs}`);
        if (c.expectException && !r.rejected) lines.push(`  expected rejection (${c.expectException}), the transaction was applied`);
        if (!c.expectException && r.rejected) lines.push(`  rejected: ${r.error}`);
        else if (r.error && !r.failure) lines.push(`  tx: ${r.error}`);
        console.log(lines.join('\n'));
      }
    }
  }
  if (tty) process.stderr.write('\r\x1b[K');
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (a.json) console.log(JSON.stringify({ passed, failed, skipped, seconds: Number(secs) }));
  else console.log(`${a.engine} engine, ${files.length} files, ${secs} s`);
  // With --json stdout stays pure JSON lines; the closing line goes to stderr.
  (a.json ? console.error : console.log)(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed === 0 ? 0 : 1;
}
