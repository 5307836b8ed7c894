/**
 * @file Inputs people have and artifacts that work (issue #12, items 3–4). solc 0.8.37 (solcjs) compiles
 * corpus/contracts/Token.sol and a few small contracts; the Foundry (`out/X.sol/X.json`) and Hardhat
 * (`artifacts/…/X.json`) artifacts are synthesised from that standard-JSON output in the shape each
 * tool writes. Checked: which code each input yields (solc's own fields are the expectation), init-code
 * detection on every init and runtime code, the errors, `compile <artifact> -o token.wasm` + `run
 * token.wasm` against running the runtime code and @ethereumjs/evm, rejected modules, and the example
 * host examples/run-token.mjs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import solc from 'solc';
import { beforeAll, describe, expect, it } from 'vitest';
import { readContractInput } from '../../cli/artifact.ts';
import { detectInitCode } from '../../cli/init-code.ts';
import { mevmc } from '../helpers/cli.ts';
import { WASM_ABI_VERSION } from '../../src/abi/wasm-meta.ts';

const ROOT = join(import.meta.dirname, '../..');
const EXTRA = `pragma solidity ^0.8.20;
library L { function f(uint x) external pure returns (uint) { return x + 1; } }
contract UsesLib { function g(uint x) external pure returns (uint) { return L.f(x); } }
contract Immutable { uint immutable k; constructor(uint a) { k = a; } function get() external view returns (uint) { return k; } }
contract Child { uint x; constructor() { x = 1; } }
contract Factory { function make() external returns (address) { return address(new Child()); } }
interface I { function f() external; }`;

const dir = mkdtempSync(join(tmpdir(), 'mevmc-artifacts-'));
const p = (f: string) => join(dir, f);
let out: any;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const OWNER = '0000000000000000000000001000000000000000000000000000000000000001';
const word = (n: number) => n.toString(16).padStart(64, '0');
const TRANSFER = (n: number) => `0xa9059cbb${'0'.repeat(60)}beef${word(n)}`;
const MINT = (n: number) => `0x40c10f19${OWNER}${word(n)}`;

beforeAll(() => {
  for (const optimize of [true, false]) {
    const input = {
      language: 'Solidity',
      sources: { 'Token.sol': { content: readFileSync(join(ROOT, 'corpus/contracts/Token.sol'), 'utf8') }, 'Extra.sol': { content: EXTRA } },
      settings: { optimizer: { enabled: optimize, runs: 200 }, evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode', 'evm.deployedBytecode'] } } },
    };
    const o = JSON.parse(solc.compile(JSON.stringify(input)));
    expect((o.errors ?? []).filter((e: any) => e.severity === 'error')).toEqual([]);
    writeFileSync(p(`std-${optimize}.json`), JSON.stringify(o));
    if (optimize) out = o;
  }
  const t = out.contracts['Token.sol'].Token;
  mkdirSync(p('out/Token.sol'), { recursive: true });
  // Foundry: forge's out/<File>.sol/<Name>.json (fields as forge writes them; 0x-prefixed objects).
  writeFileSync(p('out/Token.sol/Token.json'), JSON.stringify({
    abi: t.abi, bytecode: { object: '0x' + t.evm.bytecode.object, linkReferences: {} },
    deployedBytecode: { object: '0x' + t.evm.deployedBytecode.object, linkReferences: {} },
    metadata: { settings: { compilationTarget: { 'src/Token.sol': 'Token' } } },
  }));
  // Hardhat: artifacts/contracts/Token.sol/Token.json (hh-sol-artifact-1).
  writeFileSync(p('hardhat-Token.json'), JSON.stringify({
    _format: 'hh-sol-artifact-1', contractName: 'Token', sourceName: 'contracts/Token.sol', abi: t.abi,
    bytecode: '0x' + t.evm.bytecode.object, deployedBytecode: '0x' + t.evm.deployedBytecode.object, linkReferences: {}, deployedLinkReferences: {},
  }));
  writeFileSync(p('Token.bin'), t.evm.deployedBytecode.object);
  writeFileSync(p('Token-init.bin'), t.evm.bytecode.object);
});

describe('readContractInput', () => {
  it('takes deployedBytecode for runtime and bytecode for init code, from every artifact shape', () => {
    const t = out.contracts['Token.sol'].Token;
    for (const f of [p('out/Token.sol/Token.json'), p('hardhat-Token.json'), p('std-true.json')]) {
      const contract = f.includes('std-') ? 'Token' : undefined;
      const rt = readContractInput(f, { want: 'runtime', contract });
      expect(hex(rt.code)).toBe(t.evm.deployedBytecode.object);
      expect(rt.name).toBe('Token');
      expect(rt.abi).toEqual(t.abi);
      expect(hex(readContractInput(f, { want: 'init', contract }).code)).toBe(t.evm.bytecode.object);
    }
    expect(readContractInput(p('out/Token.sol/Token.json'), { want: 'runtime' }).format).toBe('foundry');
    expect(readContractInput(p('hardhat-Token.json'), { want: 'runtime' }).format).toBe('hardhat');
    expect(hex(readContractInput(p('std-true.json'), { want: 'runtime', contract: 'Extra.sol:Factory' }).code)).toBe(out.contracts['Extra.sol'].Factory.evm.deployedBytecode.object);
  });
  it('errors: several contracts (listing them), unknown name, unlinked library, no code', () => {
    expect(() => readContractInput(p('std-true.json'), { want: 'runtime' })).toThrow(/choose one with --contract: .*Extra\.sol:Factory.*Token\.sol:Token/);
    expect(() => readContractInput(p('std-true.json'), { want: 'runtime', contract: 'Nope' })).toThrow(/no contract Nope \(it has .*Token\.sol:Token/);
    expect(() => readContractInput(p('std-true.json'), { want: 'init', contract: 'UsesLib' })).toThrow(/unlinked library placeholders \(Extra\.sol:L\)/);
    expect(() => readContractInput(p('std-true.json'), { want: 'runtime', contract: 'I' })).toThrow(/has no runtime code/);
  });
  it('init code is recognised (solc, with and without optimizer, immutables, libraries); runtime code never is', () => {
    let inits = 0;
    for (const optimize of [true, false]) {
      const o = JSON.parse(readFileSync(p(`std-${optimize}.json`), 'utf8'));
      for (const cs of Object.values<any>(o.contracts)) {
        for (const [name, c] of Object.entries<any>(cs)) {
          const init = c.evm.bytecode.object, runtime = c.evm.deployedBytecode.object;
          if (!init || init.includes('__$')) continue;
          const shape = detectInitCode(Buffer.from(init, 'hex'));
          expect(shape, name).toEqual({ runtimeOffset: init.indexOf(runtime) / 2, runtimeLength: runtime.length / 2 });
          expect(detectInitCode(Buffer.from(runtime, 'hex')), `${name} runtime`).toBeUndefined();
          inits++;
        }
      }
    }
    expect(inits).toBe(10); // Token, L, Immutable, Child, Factory × optimizer on/off (UsesLib's is unlinked)
    // A runtime code that copies a child's init code to memory 0 and CREATEs it (not RETURN) is not init code.
    const child = out.contracts['Extra.sol'].Child.evm.bytecode.object as string;
    const len = (child.length / 2).toString(16).padStart(2, '0');
    const factory = Buffer.from(`60${len}600c5f3960${len}5f5ff000${child}`, 'hex');
    expect(detectInitCode(factory)).toBeUndefined();
    expect(detectInitCode(Buffer.from(`60${len}600b5f3960${len}5ff300${child}`, 'hex'))).toEqual({ runtimeOffset: 11, runtimeLength: child.length / 2 });
    for (const f of Object.keys(JSON.parse(readFileSync(join(ROOT, 'corpus/build/manifest.json'), 'utf8')).contracts)) {
      expect(detectInitCode(Buffer.from(readFileSync(join(ROOT, `corpus/build/${f}.bin`), 'utf8').trim(), 'hex')), f).toBeUndefined();
    }
  });
});

const strip = (s: string) => { const r = JSON.parse(s); delete r.execMs; return r; };

// Each test below starts the CLI several times (a few seconds each on a loaded machine).
const CLI_TIMEOUT = 300_000;

describe('compile <artifact> -o token.wasm, run token.wasm', () => {
  it('gives what the runtime code gives, and what @ethereumjs/evm gives', () => {
    for (const [art, wasm] of [[p('out/Token.sol/Token.json'), p('token.wasm')], [p('hardhat-Token.json'), p('token-hh.wasm')]]) {
      const c = mevmc(['compile', art, '-o', wasm]);
      expect(c.status, c.stderr).toBe(0);
    }
    expect(readFileSync(p('token-hh.wasm'))).toEqual(readFileSync(p('token.wasm')));
    for (const calldata of [TRANSFER(0), TRANSFER(5), `0x70a08231${OWNER}`]) {
      const pre = mevmc(['run', p('token.wasm'), '--calldata', calldata, '--json']);
      expect(pre.status, pre.stderr).toBe(0);
      expect(pre.stderr).toBe('');
      const fromHex = mevmc(['run', p('Token.bin'), '--calldata', calldata, '--json']);
      const ref = mevmc(['run', p('Token.bin'), '--calldata', calldata, '--json', '--engine', 'ref']);
      expect(strip(pre.stdout)).toEqual(strip(fromHex.stdout));
      expect(strip(pre.stdout)).toEqual(strip(ref.stdout));
    }
  }, CLI_TIMEOUT);
  it('init code given as runtime code: one warning naming the runtime code and artifacts', () => {
    const r = mevmc(['run', p('Token-init.bin'), '--calldata', TRANSFER(0)]);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mevmc: warning: .*Token-init\.bin looks like init \(deployment\) code.*1594-byte runtime code.*--bin-runtime.*artifact.*mevmc deploy .*Token-init\.bin --state/);
  }, CLI_TIMEOUT);
  it('refuses, with one error line and exit 2: a foreign ABI version, a wrong embedded code, another fork, ELF, native, compile of a module', () => {
    const bytes = readFileSync(p('token.wasm'));
    const at = bytes.indexOf(`"abi":${WASM_ABI_VERSION},`);
    expect(at).toBeGreaterThan(0);
    writeFileSync(p('abi9.wasm'), Buffer.concat([bytes.subarray(0, at), Buffer.from('"abi":9,'), bytes.subarray(at + 8)]));
    const code = bytes.lastIndexOf(Buffer.from(readFileSync(p('Token.bin'), 'utf8').slice(0, 40), 'hex'));
    const bad = Buffer.from(bytes);
    bad[code + 100] ^= 1;
    writeFileSync(p('badcode.wasm'), bad);
    writeFileSync(p('x.so'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
    const cases: [string[], RegExp][] = [
      [['run', p('abi9.wasm')], new RegExp(`wasm ABI version 9, this runtime runs version ${WASM_ABI_VERSION}`)],
      [['run', p('badcode.wasm')], /does not match the code hash/],
      [['run', p('token.wasm'), '--fork', 'prague'], /compiled for cancun, not prague/],
      [['run', p('x.so')], /shared object \(ELF/],
      [['run', p('token.wasm'), '--engine', 'native'], /runs on the wasm engine/],
      [['compile', p('token.wasm')], /already a compiled module/],
    ];
    for (const [args, msg] of cases) {
      const r = mevmc(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  }, CLI_TIMEOUT);
  it('examples/run-token.mjs runs token.wasm alone: mint, transfer, balanceOf, a reverting transfer', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'examples/run-token.mjs'), p('token.wasm'), join(ROOT, 'src/builtins/builtins.wasm'),
      MINT(1000), TRANSFER(250), `0x70a08231${OWNER}`, TRANSFER(5000)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [mint, transfer, balance, tooMuch] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(mint.status).toBe(0);
    expect(transfer).toMatchObject({ status: 1, output: '0x' + word(1) });
    expect(balance).toMatchObject({ status: 1, output: '0x' + word(750) });
    // InsufficientBalance(750, 5000): the transfer before it must have stuck, the failed one changed nothing.
    expect(tooMuch).toMatchObject({ status: 2, output: '0xcf479181' + word(750) + word(5000) });
    // The mint's gas, as @ethereumjs/evm counts it from the same storage.
    const c = { id: 'mint', fork: 'cancun', code: '0x' + readFileSync(p('Token.bin'), 'utf8'), calldata: MINT(1000), gas: '1000000',
      pre: { '0x2000000000000000000000000000000000000002': { storage: { '0x3': '0x' + OWNER } } } };
    writeFileSync(p('mint.jsonl'), JSON.stringify(c) + '\n');
    const ref = mevmc(['run', '--batch', p('mint.jsonl'), '--engine', 'ref']);
    expect(ref.status, ref.stderr).toBe(0);
    expect(mint.gasUsed).toBe(JSON.parse(ref.stdout).gasUsed);
  }, CLI_TIMEOUT);
});
