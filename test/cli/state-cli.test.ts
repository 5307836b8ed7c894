/**
 * @file `mevmc deploy | send | call` end to end from the shell, with one --state file: a Solidity token deployed
 * from solc's JSON output, minted and transferred, balances read back through ABI-decoded calls; a revert prints
 * its decoded reason and exits 1; constructor arguments encoded from --sig for bare init code; bad input is one
 * `mevmc: error:` line and exit 2; the state file is prestate JSON, written without leftovers.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address, generateAddress, hexToBytes, toChecksumAddress } from '@ethereumjs/util';
import { afterAll, describe, expect, it } from 'vitest';
import { mevmc } from '../helpers/cli.ts';
import { compileSolidity } from '../helpers/solc.ts';

const ROOT = join(import.meta.dirname, '../..');
const DEV = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const BOB = '0x' + 'b0'.repeat(20);
const dir = mkdtempSync(join(tmpdir(), 'mevmc-state-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tokenSrc = readFileSync(join(ROOT, 'corpus/contracts/Token.sol'), 'utf8');
const TOKEN = compileSolidity(tokenSrc, 'Token');
// A Foundry-style artifact: bytecode.object + abi.
const artifact = join(dir, 'Token.json');
writeFileSync(artifact, JSON.stringify({ abi: TOKEN.abi, bytecode: { object: TOKEN.initCode }, deployedBytecode: { object: TOKEN.runtimeCode } }));

const run = (...args: string[]) => {
  const r = mevmc(args, { cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('mevmc deploy / send / call with a state file', { timeout: 120_000 }, () => {
  const state = join(dir, 'chain.json');
  let token = '';

  it('deploy prints the address: the sender-and-nonce CREATE address, checksummed', () => {
    const r = run('deploy', artifact, '--state', state);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const expected = toChecksumAddress(new Address(generateAddress(hexToBytes(DEV), new Uint8Array(0))).toString());
    expect(r.out.trim()).toBe(expected);
    token = r.out.trim();
    const json = JSON.parse(readFileSync(state, 'utf8'));
    expect(json[token.toLowerCase()].code).toBe(TOKEN.runtimeCode);
    expect(json[DEV]).toMatchObject({ nonce: 1, balance: '0x' + (10_000n * 10n ** 18n).toString(16) });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('send commits; call prints decoded values one per line', () => {
    expect(run('send', token, 'mint(address,uint256)', DEV, '1000', '--state', state).code).toBe(0);
    const t = run('send', token, 'transfer(address,uint256)', BOB, '250', '--state', state, '--json');
    expect(t.code).toBe(0);
    const j = JSON.parse(t.out);
    expect(j).toMatchObject({ status: 'success', returnData: '0x' + '1'.padStart(64, '0') });
    expect(j.logs[0].topics[2]).toBe('0x' + BOB.slice(2).padStart(64, '0'));
    expect(run('call', token, 'balanceOf(address)(uint256)', BOB, '--state', state).out).toBe('250\n');
    expect(run('call', token, 'balanceOf(address)(uint256)', DEV, '--state', state).out).toBe('750\n');
    const multi = run('call', token, 'name()(string)', '--state', state);
    expect(multi.out).toBe('Corpus Token\n');
    expect(run('call', token, 'owner()(address)', '--state', state).out).toBe(toChecksumAddress(DEV) + '\n');
  });

  it('a revert prints its reason and exits 1; the nonce is still used', () => {
    const before = JSON.parse(readFileSync(state, 'utf8'))[DEV].nonce;
    const r = run('send', token, 'transfer(address,uint256)', BOB, '5000', '--state', state, '--abi', artifact);
    expect(r.code).toBe(1);
    expect(r.err).toBe('mevmc: reverted: InsufficientBalance(750, 5000)\n');
    expect(JSON.parse(readFileSync(state, 'utf8'))[DEV].nonce).toBe(before + 1);
    const p = run('call', token, 'mint(address,uint256)', DEV, '0x' + 'f'.repeat(64), '--state', state);
    expect(p.code).toBe(1);
    expect(p.err).toBe('mevmc: reverted: Panic(0x11): arithmetic overflow or underflow\n');
    const o = run('call', token, 'mint(address,uint256)', BOB, '1', '--state', state, '--from', BOB, '--json');
    expect(o.code).toBe(1);
    expect(JSON.parse(o.out)).toMatchObject({ status: 'revert', error: expect.stringMatching(/^custom error 0x/) });
  });

  it('bare init code takes constructor arguments through --sig', () => {
    const box = compileSolidity(`pragma solidity ^0.8.20;
contract Box { uint256 v; string s; int8[] xs;
  constructor(uint256 a, string memory b, int8[] memory c) { v = a; s = b; xs = c; }
  function get() external view returns (uint256, string memory, int8[] memory) { return (v, s, xs); } }`, 'Box');
    const bin = join(dir, 'Box.bin');
    writeFileSync(bin, box.initCode.slice(2) + '\n');
    const s2 = join(dir, 'box.json');
    const d = run('deploy', bin, '42', 'hello, world', '[-1,2,-128]', '--sig', 'constructor(uint256,string,int8[])', '--state', s2);
    expect(d.err).toBe('');
    expect(run('call', d.out.trim(), 'get()(uint256,string,int8[])', '--state', s2).out).toBe('42\nhello, world\n[-1, 2, -128]\n');
    const missing = run('deploy', bin, '42', '--state', s2);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^mevmc: error: .*--sig/);
  });

  it('bad input: one error line, exit 2', () => {
    for (const args of [
      ['call', token, 'balanceOf(address)(uint256)', '0x12', '--state', state],
      ['call', token, 'balanceOf(address', BOB, '--state', state],
      ['send', token, 'mint(address,uint8)', BOB, '300', '--state', state],
      ['send', token, 'transfer(address,uint256)', BOB, '1', '--state', state, '--value', '10000000000000000000000000'],
      ['call', token, 'name()(string)', '--state', join(dir, 'Token.json')],
    ]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/^mevmc: error: [^\n]+\n$/);
    }
  });
});
