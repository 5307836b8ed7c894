/**
 * @file Reliability of CLI inputs (issue #13, classes 3, 5, 6, 8), each class with an injected fault: batch lines
 * checked one by one against a strict schema (the good ones still run, and agree with `--engine ref`); state-test runs
 * that find nothing, or files that are not state tests, never pass silently; code files with a BOM or a stray byte;
 * bad option values and output paths are one `mevmc: error:` line with exit 2.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mevmc } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mevmc-inputs-'));
const SHARED = process.env.MEVMC_SHARED ?? resolve(import.meta.dirname, '../../../shared');
const FIXTURE = join(SHARED, 'statetests/legacytests/Cancun/GeneralStateTests/Cancun/stEIP1153-transientStorage/12_tloadDelegateCall.json');
const HAVE_FIXTURE = existsSync(FIXTURE);
if (!HAVE_FIXTURE) console.warn(`[inputs] ${FIXTURE} not found: the state-test runs with a passing case are skipped`);

/** Exactly one stderr line, `mevmc: error: …`, matching `re`. */
function expectOneError(p: { stderr: string }, re: RegExp): void {
  const lines = p.stderr.trim().split('\n');
  expect(lines, p.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mevmc: error: /);
  expect(lines[0]).toMatch(re);
}

const jsonLines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));

describe('batch lines are independent and strictly checked (class 3)', { timeout: 300_000 }, () => {
  const ADDR = '0x2000000000000000000000000000000000000002';
  // SSTORE(0, CALLDATALOAD(0) + 1); RETURN the sum.
  const code = '0x600035600101806000556000526020' + '6000f3';
  const lines = [
    JSON.stringify({ id: 'good1', code, calldata: '0x' + '00'.repeat(31) + '07', gas: '100000' }),
    JSON.stringify({ id: 'typo', code, callData: '0x01' }),
    '{"id": "broken", ',
    JSON.stringify({ Code: code }),
    JSON.stringify({ id: 'to', code, to: ADDR }),
    JSON.stringify({ id: 'limit', code, gasLimit: '100' }),
    JSON.stringify({ id: 'nocode', calldata: '0x' }),
    JSON.stringify({ id: 'prekey', code, pre: { [ADDR]: { balanse: '1' } } }),
    JSON.stringify({ id: 'blockkey', code, block: { gaslimit: '1' } }),
    JSON.stringify({ id: 'preshape', code, pre: [1] }),
    '',
    JSON.stringify({ id: 'good2', code, gas: '100000', pre: { [ADDR]: { storage: { '0x00': '0x05' } } }, block: { number: '5', gasLimit: '1000000' } }),
  ];
  const file = join(tmp, 'mixed.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');

  it('a bad line yields an error result in its place, the rest runs, exit 2 with one error line', () => {
    const w = mevmc(['run', '--batch', file, '--json']);
    expect(w.status).toBe(2);
    expectOneError(w, /mixed\.jsonl: 9 of 11 lines not run \(line 2: unknown key "callData"/);
    const out = jsonLines(w.stdout);
    expect(out.map((r) => r.id)).toEqual(['good1', 'typo', 'line 3', 'line 4', 'to', 'limit', 'nocode', 'prekey', 'blockkey', 'preshape', 'good2']);
    const err = Object.fromEntries(out.filter((r) => r.status === 'error').map((r) => [r.id, r.error]));
    expect(Object.keys(out.find((r) => r.id === 'typo')).sort()).toEqual(['error', 'id', 'status']);
    expect(err.typo).toBe('line 2: unknown key "callData" (did you mean "calldata"?)');
    expect(err['line 3']).toBe('line 3: not valid JSON');
    expect(err['line 4']).toBe('line 4: unknown key "Code" (did you mean "code"?)');
    expect(err.to).toBe('line 5: unknown key "to" (did you mean "address"?)');
    expect(err.limit).toBe('line 6: unknown key "gasLimit" (did you mean "gas"?)');
    expect(err.nocode).toMatch(/^line 7: missing key "code"/);
    expect(err.prekey).toBe(`line 8: pre ${ADDR}: unknown key "balanse" (did you mean "balance"?)`);
    expect(err.blockkey).toBe('line 9: block: unknown key "gaslimit" (did you mean "gasLimit"?)');
    expect(err.preshape).toMatch(/^line 10: pre: expected an object/);

    // The good lines ran, and agree with the reference interpreter.
    const goodFile = join(tmp, 'good.jsonl');
    writeFileSync(goodFile, [lines[0], lines[11]].join('\n') + '\n');
    const ref = mevmc(['run', '--batch', goodFile, '--json', '--engine', 'ref']);
    expect(ref.status, ref.stderr).toBe(0);
    expect(ref.stderr).toBe('');
    const r = jsonLines(ref.stdout);
    const good = out.filter((x) => x.status !== 'error');
    expect(good.map((x) => x.id)).toEqual(['good1', 'good2']);
    for (let i = 0; i < 2; i++) for (const k of ['status', 'gasUsed', 'output', 'logs', 'storage', 'refund']) expect(good[i][k]).toEqual(r[i][k]);
    expect(good[0].output).toBe('0x' + '00'.repeat(31) + '08');
    expect(good[1].storage).toEqual({ ['0x' + '00'.repeat(32)]: '0x' + '00'.repeat(31) + '01' });
  });

  it('same exit code without --json; a clean file exits 0 with nothing on stderr', () => {
    const p = mevmc(['run', '--batch', file]);
    expect(p.status).toBe(2);
    expect(jsonLines(p.stdout)).toHaveLength(11);
    const clean = join(tmp, 'clean.jsonl');
    writeFileSync(clean, lines[0] + '\n');
    const q = mevmc(['run', '--batch', clean]);
    expect(q.status).toBe(0);
    expect(q.stderr).toBe('');
  });

  it('a batch with no case at all (empty, or blank lines only) is an error, as for statetest', () => {
    for (const [name, text] of [['empty.jsonl', ''], ['blank.jsonl', '\n  \n\n']]) {
      const f = join(tmp, name);
      writeFileSync(f, text);
      const p = mevmc(['run', '--batch', f, '--json']);
      expect(p.status).toBe(2);
      expect(p.stdout).toBe('');
      expectOneError(p, /no cases/);
    }
  });
});

describe('state-test runs never pass without testing (class 5)', { timeout: 300_000 }, () => {
  const dir = join(tmp, 'st');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a-not-a-test.json'), JSON.stringify({ name: 'x', version: 1 }));
  writeFileSync(join(dir, 'b-array.json'), '[1, 2, 3]');
  writeFileSync(join(dir, 'c-broken.json'), '{"t": ');
  if (HAVE_FIXTURE) {
    copyFileSync(FIXTURE, join(dir, 'd-good.json'));
    const t = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const name = Object.keys(t)[0];
    delete t[name].post.Cancun[0].indexes;
    t.other = { env: {}, pre: {} };
    writeFileSync(join(dir, 'e-malformed.json'), JSON.stringify(t));
  }

  const expectSummary = (text: string, passed: number, failed: number) => expect(text).toMatch(new RegExp(`^${passed} passed, ${failed} failed$`, 'm'));

  it.skipIf(!HAVE_FIXTURE)('files that are not state tests and malformed entries are failures with reasons; the run goes on', () => {
    const p = mevmc(['statetest', dir]);
    expect(p.status, p.stderr).toBe(1);
    expect(p.stdout).toMatch(/FAIL .*a-not-a-test\.json: cannot load: not a state test/);
    expect(p.stdout).toMatch(/FAIL .*b-array\.json: cannot load: not a state test/);
    expect(p.stdout).toMatch(/FAIL .*c-broken\.json: cannot load: not JSON/);
    expect(p.stdout).toMatch(/FAIL .*e-malformed\.json 12_tloadDelegateCall Cancun\[0\][^\n]*\n {2}error: {2}malformed post\.Cancun\[0\]: post entry without "indexes"/);
    expect(p.stdout).toMatch(/FAIL .*e-malformed\.json other: malformed test: no "post" object/);
    expect(p.stdout).not.toMatch(/d-good\.json/);
    expectSummary(p.stdout, 1, 5);
  });

  it.skipIf(!HAVE_FIXTURE)('the same with -j 2 and with --json', () => {
    const j = mevmc(['statetest', dir, '-j', '2']);
    expect(j.status, j.stderr).toBe(1);
    expectSummary(j.stdout, 1, 5);
    const js = mevmc(['statetest', dir, '-j', '2', '--json']);
    expect(js.status, js.stderr).toBe(1);
    const recs = jsonLines(js.stdout);
    expect(recs.at(-1)).toMatchObject({ passed: 1, failed: 5, skipped: 0 });
    const failures: string[] = recs.filter((r) => r.pass === false).map((r) => r.failure);
    expect(failures).toHaveLength(5);
    for (const re of [/^cannot load: not JSON/, /^cannot load: not a state test \(expected an object of tests\)$/, /^cannot load: not a state test \(no test with/,
      /^malformed post\.Cancun\[0\]: post entry without "indexes"$/, /^malformed test: no "post" object$/]) {
      expect(failures.filter((f) => re.test(f)), String(re)).toHaveLength(1);
    }
  });

  it('a file that is not a state test fails (exit 1), also with -j and --json', () => {
    for (const extra of [[], ['-j', '2'], ['--json']]) {
      const p = mevmc(['statetest', join(dir, 'a-not-a-test.json'), ...extra]);
      expect(p.status, `${extra} ${p.stderr}`).toBe(1);
      expect(p.stdout).toMatch(/not a state test/);
    }
  });

  it('finding no case at all is an error', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const e = mevmc(['statetest', empty]);
    expect(e.status).toBe(2);
    expectOneError(e, /no \.json file in/);
    if (!HAVE_FIXTURE) return;
    for (const extra of [[], ['-j', '2'], ['--json']]) {
      const p = mevmc(['statetest', join(dir, 'd-good.json'), '--fork', 'Berlin', ...extra]);
      expect(p.status, p.stderr).toBe(2);
      expectOneError(p, /no state-test case in .*d-good\.json \(fork Berlin\)/);
    }
  });
});

describe('code files: BOM, stray bytes, raw binary (class 6)', { timeout: 300_000 }, () => {
  // PUSH1 1 PUSH1 0 SSTORE STOP
  const HEX = '600160005500';
  const disasm = (f: string, ...extra: string[]) => mevmc(['disasm', f, ...extra]);
  const write = (name: string, data: Uint8Array | string) => { const f = join(tmp, name); writeFileSync(f, data); return f; };
  const want = mevmc(['disasm', '0x' + HEX]).stdout;

  it('a UTF-8 or UTF-16 byte-order mark is dropped', () => {
    expect(want).toMatch(/SSTORE/);
    const utf8 = write('bom8.hex', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`0x${HEX}\n`)]));
    const le = write('bom16le.hex', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEX}\r\n`, 'utf16le')]));
    const beBody = Buffer.from(`${HEX}\n`, 'utf16le').swap16();
    const be = write('bom16be.hex', Buffer.concat([Buffer.from([0xfe, 0xff]), beBody]));
    for (const f of [utf8, le, be]) {
      const p = disasm(f);
      expect(p.status, p.stderr).toBe(0);
      expect(p.stdout).toBe(want);
    }
    // And what runs is that code: the same result as the reference on the 0x form.
    const run = mevmc(['run', utf8, '--json']);
    const ref = mevmc(['run', '0x' + HEX, '--json', '--engine', 'ref']);
    expect(run.status, run.stderr).toBe(0);
    for (const k of ['status', 'gasUsed', 'storage']) expect(JSON.parse(run.stdout)[k]).toEqual(JSON.parse(ref.stdout)[k]);
  });

  it('almost-hex text with an offending byte is an error naming the offset and the byte', () => {
    const nbsp = write('nbsp.hex', Buffer.concat([Buffer.from('600160'), Buffer.from([0xc2, 0xa0]), Buffer.from('005500\n')]));
    const p = disasm(nbsp);
    expect(p.status).toBe(2);
    expectOneError(p, /nbsp\.hex: not hex: 0xc2 at byte offset 6; .*--raw/);
    const latin = write('latin.hex', Buffer.concat([Buffer.from('6001\n6000'), Buffer.from([0xe9]), Buffer.from('\n5500\n')]));
    expectOneError(disasm(latin), /latin\.hex: not hex: 0xe9 at byte offset 9/);
    const bomBad = write('bombad.hex', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('6001600g5500')]));
    expectOneError(disasm(bomBad), /bombad\.hex: not hex: "g" \(0x67\) at byte offset 10 \(UTF-8 text\)/);
  });

  it('raw binary stays possible: detected, or forced with --raw', () => {
    const raw = write('code.bin', Buffer.from(HEX, 'hex'));
    const p = disasm(raw);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toBe(want);
    // Bytes that happen to be hex digits ("a" = 0x61 = PUSH2) are code with --raw.
    const ascii = write('ascii.bin', 'ab');
    expect(disasm(ascii).stdout).toBe('0000  INVALID(0xab)\n');
    expect(disasm(ascii, '--raw').stdout).toMatch(/^0000 {2}PUSH2 0x6200/);
  });
});

describe('option values and output paths (class 8)', { timeout: 300_000 }, () => {
  const badDir = join(tmp, 'no', 'such', 'dir');
  const aFile = join(tmp, 'plain-file');
  writeFileSync(aFile, 'x');
  it.each([
    [['run', '0x00', '--repeat', 'abc'], /--repeat: expected a positive integer/],
    [['run', '0x00', '--repeat', '0'], /--repeat: expected a positive integer, got 0/],
    [['run', '0x00', '--repeat', '1.5'], /--repeat: expected a positive integer, got 1.5/],
    [['corpus', '--repeat', '-1'], /--repeat: expected a positive integer/],
    [['corpus', '--filter', '('], /--filter: not a valid regular expression/],
    [['bench', '--filter', '(', '--time', '10'], /--filter: not a valid regular expression/],
    [['bench', '--time', '0'], /--time: expected a positive number/],
    [['statetest', tmp, '--filter', '('], /--filter: not a valid regular expression/],
    [['statetest', tmp, '--skip', '['], /--skip: not a valid regular expression/],
    [['statetest', tmp, '-j', '0'], /--jobs: expected a positive integer/],
    [['fuzz', '--runs', '-5'], /--runs: expected a positive integer, got -5/],
    [['fuzz', '--runs', 'abc'], /--runs: expected a positive integer/],
    [['fuzz', '--workers', '0'], /--workers: expected a positive integer/],
    [['fuzz', '--seed', '-1'], /--seed: expected a non-negative integer/],
    [['fuzz', '--runs', '1', '--out', aFile], /--out .*plain-file: exists and is not a directory/],
    [['compile', '0x00', '-o', join(badDir, 'x.wasm')], /-o .*x\.wasm: no such directory/],
    [['compile', '0x00', '-o', tmp], /-o .*: is a directory/],
    [['compile', '0x00', '--target', 'c', '-o', join(aFile, 'x.c')], /-o .*x\.c: .*plain-file is not a directory/],
    [['compile', '0x00', '-o', '/sys/mevmc-test.wasm'], /-o \/sys\/mevmc-test\.wasm: permission denied/],
    // Checked before clang runs (without clang too): clang itself would fail on its temporary file with an internal error.
    [['compile', '0x00', '--target', 'so', '-o', '/sys/mevmc-test.so'], /-o \/sys\/mevmc-test\.so: permission denied/],
    [['salt'], /usage: mevmc salt root\|verify-witness/],
    [['salt', 'root'], /usage: mevmc salt root <changes\.jsonl>/],
    [['salt', 'root', join(tmp, 'missing.jsonl')], /missing\.jsonl: no such file/],
  ])('%j → one error line, exit 2', (args, re) => {
    // A regression here can mean a run that never ends (`fuzz --runs abc`): bounded, so it fails instead of hanging.
    const p = mevmc(args as string[], { timeout: 60_000 });
    expect(p.status, p.stderr).toBe(2);
    expectOneError(p, re);
  });

  it('fuzz writes reproducers under the working directory by default, not into the package', () => {
    // /sys is read-only even for root: the default folder is checked where it would be created (the cwd).
    const p = mevmc(['fuzz', '--runs', '1'], { cwd: '/sys', timeout: 60_000 });
    expect(p.status).toBe(2);
    expectOneError(p, /mevmc-regressions: permission denied/);
  });

  it('salt verify-witness reports every file, goes on past a missing one, exits 2', () => {
    const junk = join(tmp, 'junk.salt');
    writeFileSync(junk, 'not a witness');
    const missing = join(tmp, 'missing.salt');
    const p = mevmc(['salt', 'verify-witness', missing, junk, '--parent-root', '0x' + '00'.repeat(32)]);
    expect(p.status).toBe(2);
    expect(p.stdout).toMatch(/missing\.salt: ERROR no such file\n.*junk\.salt: FAIL malformed witness/);
    expectOneError(p, /1 of 2 witness files could not be read/);
  });
});
