/**
 * @file The package as a user installs it (issue #12): `npm pack` of this checkout installed into an empty project,
 * then a plain `.mjs` (no tsx, no path into the package's files) imports `mevmc`, deploys a Solidity token, transfers,
 * reads balances with `call`, checks a revert reason and compiles a contract; the installed `mevmc` executable runs.
 * Expected values come from the token's own semantics (the amounts minted and moved), not from our output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { compileSolidity } from '../helpers/solc.ts';

const ROOT = join(import.meta.dirname, '..', '..');

const TOKEN = `
pragma solidity ^0.8.20;
contract Mini {
  mapping(address => uint256) public balanceOf;
  event Transfer(address indexed from, address indexed to, uint256 value);
  constructor(uint256 supply) { balanceOf[msg.sender] = supply; }
  function transfer(address to, uint256 value) external returns (bool) {
    require(balanceOf[msg.sender] >= value, "insufficient balance");
    balanceOf[msg.sender] -= value;
    balanceOf[to] += value;
    emit Transfer(msg.sender, to, value);
    return true;
  }
}`;

const selector = (sig: string) => Buffer.from(keccak_256(new TextEncoder().encode(sig)).subarray(0, 4)).toString('hex');
const word = (x: bigint | string) => (typeof x === 'bigint' ? x.toString(16) : x.slice(2).toLowerCase()).padStart(64, '0');

describe('installed package', { timeout: 600_000 }, () => {
  it('npm pack → npm install → import { Runtime, compile } from "mevmc" in plain .mjs', () => {
    const tok = compileSolidity(TOKEN, 'Mini');
    const alice = '0x' + 'a1'.repeat(20), bob = '0x' + 'b0'.repeat(20);
    const dir = mkdtempSync(join(tmpdir(), 'mevmc-pkg-'));
    // dist/ is already built (npm test's pretest, or the vitest setup): pack without running scripts.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tgz)], { cwd: app, stdio: 'pipe' });

    const script = `
import assert from 'node:assert/strict';
import { Runtime, compile } from 'mevmc';
const alice = '${alice}', bob = '${bob}';
const rt = new Runtime({ fork: 'cancun' });
rt.setAccount(alice, { balance: 10n ** 18n });
const d = await rt.deploy({ from: alice, data: '${tok.initCode}${word(1000n)}' });
assert.equal(d.status, 'success', d.error);
const token = d.contractAddress;
const t = await rt.transact({ from: alice, to: token, data: '0x${selector('transfer(address,uint256)')}${word(bob)}${word(250n)}' });
assert.equal(t.status, 'success');
assert.equal(t.logs.length, 1);
const bal = async (who) => BigInt((await rt.call({ to: token, data: '0x${selector('balanceOf(address)')}' + who.slice(2).padStart(64, '0') })).returnData);
assert.equal(await bal(bob), 250n);
assert.equal(await bal(alice), 750n);
const r = await rt.transact({ from: bob, to: token, data: '0x${selector('transfer(address,uint256)')}${word(alice)}${word(251n)}' });
assert.equal(r.status, 'revert');
assert.match(r.error, /insufficient balance/);
assert.equal(await bal(bob), 250n);
const wasm = await compile('0x6001600101', { fork: 'cancun', target: 'wasm' });
assert.ok(WebAssembly.validate(wasm));
console.log('ok');
`;
    writeFileSync(join(app, 'main.mjs'), script);
    const r = spawnSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
    expect(r.status).toBe(0);

    const bin = spawnSync(join(app, 'node_modules', '.bin', 'mevmc'), ['run', '0x60026003015f5260205ff3', '--json'], { cwd: app, encoding: 'utf8' });
    expect(bin.status).toBe(0);
    expect(JSON.parse(bin.stdout).output).toBe('0x' + word(5n));
  });
});
