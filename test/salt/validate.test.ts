/**
 * @file Stateless re-execution end to end on ../shared/blocks (skipped visibly without it): a block executed on a
 * SaltBackend (genesis = the fixture pre-state) with its reads tracked, its witness built before the batch is
 * committed; the witness verifies against the parent root, and `validateBlock` over the witness alone (code by
 * hash) reproduces the full node's post-state root while receipts root / bloom / gas used match the real header.
 * Blocks: 116525 (Frontier: contract self-destructs, so an account's storage is cleared) and 19426587 (Cancun,
 * beacon-root system call) in the library; on the command line `mevmc block --state salt:DIR --witness-out W` then
 * `mevmc validate` on the empty Cancun block 19910734 (withdrawals only) and 116525. A witness re-proved without one key the block reads → `WitnessLacksKeyError` naming it (CLI: one
 * `mevmc: error: … witness lacks key …` line, exit 2); a wrong parent root → exit 2.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { executeBlock } from '../../runtime/block/execute.ts';
import { blockFromRpc } from '../../runtime/block/rpc.ts';
import { freshState, loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { SaltBackend } from '../../runtime/salt/backend.ts';
import { toHex } from '../../runtime/salt/field.ts';
import { saltKey } from '../../runtime/salt/keys.ts';
import { proveKeys } from '../../runtime/salt/prover.ts';
import { WitnessLacksKeyError } from '../../runtime/salt/stateless.ts';
import { CodeSourceError, loadCodeSource } from '../../runtime/salt/stateless-backend.ts';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { blockWitness, validateBlock } from '../../runtime/salt/validate.ts';
import { encodeWitnessFile } from '../../runtime/salt/witness-build.ts';
import { verifyWitnessFile } from '../../runtime/salt/witness.ts';
import { mevmc } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '../../../shared/blocks');
const B = (n: string) => join(ROOT, 'blocks', n);
const tmp = mkdtempSync(join(tmpdir(), 'mevmc-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const loader = new WasmLoader();
const hex = (b: Uint8Array) => '0x' + toHex(b);

/** Run block `n` on a SALT store in `dir` (or memory); returns the witness, roots and a way to re-prove fewer keys. */
async function onSalt(n: string, dir?: string) {
  const f = loadFixture(B(n));
  const be = SaltBackend.open(dir);
  be.loadGenesis(freshState(f));
  const parentRoot = be.root();
  const { block } = blockFromRpc(f.block);
  be.trackReads();
  const r = await executeBlock(block, be, { loader, blockHash: (x) => f.blockHashes.get(x) });
  const { witness, bytes } = blockWitness(be, r, new Uint8Array(Buffer.from(block.header.parentHash!.slice(2), 'hex')));
  // A witness of the same block lacking the SaltKey of the first sender's account (proved before the commit).
  const sender = new Uint8Array(Buffer.from(block.transactions[0]?.sender.slice(2) ?? '', 'hex'));
  const l = block.transactions.length ? be.state.locate(sender) : undefined;
  const dropped = l && saltKey(l.bucket, l.slot);
  const lacking = dropped === undefined ? undefined : (() => {
    const keys = [...witness.kvs.keys()].filter((k) => k !== dropped);
    const p = proveKeys(be.state, keys);
    return encodeWitnessFile({ ...witness, kvs: p.kvs, saltProof: p.proof });
  })();
  const c = be.commitBlock();
  be.close();
  return { f, be, parentRoot, bytes, postRoot: c.root, sender, dropped, lacking };
}

const CONTRACTS = join(import.meta.dirname, '../../../shared/salt/megaeth/contracts.txt');
describe('code sources for mevmc validate --code', () => {
  it('a folder of <hash>, <hash>.bin and <hash>.hex files; a code that does not hash to its name is refused', () => {
    const d = join(tmp, 'codes');
    mkdirSync(d);
    const codes = [Uint8Array.from([0x60, 0x00, 0x56]), Uint8Array.from([0x5f, 0x5f, 0xf3]), Uint8Array.from([0x00])];
    const name = (c: Uint8Array) => toHex(keccak_256(c));
    writeFileSync(join(d, name(codes[0])), codes[0]);
    writeFileSync(join(d, name(codes[1]) + '.bin'), codes[1]);
    writeFileSync(join(d, '0x' + name(codes[2]) + '.hex'), '0x00\n');
    writeFileSync(join(d, 'README'), 'ignored');
    const get = loadCodeSource(d);
    for (const c of codes) expect(toHex(get(keccak_256(c))!)).toBe(toHex(c));
    expect(get(new Uint8Array(32))).toBeUndefined();
    expect(get(keccak_256(new Uint8Array(0)))!.length).toBe(0);
    writeFileSync(join(d, name(codes[0]) + '.hex'), '0x6001');
    expect(() => loadCodeSource(d)).toThrow(CodeSourceError);
  });

  it.skipIf(!existsSync(CONTRACTS))('the stateless-validator contracts.txt (revm LegacyAnalyzed padded to original_len, Eip7702 raw designators): every code hashes to its key (skipped without ../shared/salt)', () => {
    const get = loadCodeSource(CONTRACTS);
    const lines = readFileSync(CONTRACTS, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as [string, Record<string, { original_len?: number }>]);
    expect(lines.length).toBeGreaterThan(30);
    for (const [h, body] of lines) {
      const code = get(new Uint8Array(Buffer.from(h.slice(2), 'hex')))!;
      if (body.LegacyAnalyzed) expect(code.length).toBe(body.LegacyAnalyzed.original_len);
      else expect([...code.subarray(0, 3)]).toEqual([0xef, 0x01, 0x00]); // EIP-7702 delegation designator
    }
  });
});

if (!existsSync(ROOT)) {
  it.skip(`stateless validation (${ROOT} not found)`, () => undefined);
} else {
  describe('stateless validation from block witnesses', () => {
    for (const n of ['116525', '19426587']) {
      it(`block ${n}: witness verifies; validate reproduces the full node's root; header checks pass; a missing key is named`, async () => {
        const s = await onSalt(n);
        expect(verifyWitnessFile(s.bytes, s.parentRoot)).toEqual({ ok: true });
        const v = await validateBlock(s.f.block, s.bytes, s.parentRoot, (h) => s.be.code.get(h), { loader, blockHash: (x) => s.f.blockHashes.get(x) });
        expect(v.stateRoot).toBe(hex(s.postRoot));
        expect(v.stateRoot).not.toBe(hex(s.parentRoot));
        expect([v.receiptsRoot, v.logsBloom, v.gasUsed]).toEqual([n === '116525' ? 'n/a' : 'ok', 'ok', 'ok']);
        expect(v.ok).toBe(true);
        // The same block from a witness without the first sender's account slot.
        expect(verifyWitnessFile(s.lacking!, s.parentRoot)).toEqual({ ok: true });
        const err = await validateBlock(s.f.block, s.lacking!, s.parentRoot, (h) => s.be.code.get(h), { loader }).then(() => undefined, (e) => e);
        expect(err).toBeInstanceOf(WitnessLacksKeyError);
        expect((err as Error).message).toMatch(/^witness lacks key 0x[0-9a-f]{16} \(bucket \d+ slot \d+, looking up 0x[0-9a-f]+\)$/);
        expect((err as Error).message).toContain(toHex(s.sender));
      }, 600_000);
    }

    it('mevmc block --state salt:DIR --witness-out W, then mevmc validate: the full node\'s root, --json, --expect-root; a lacking witness and a wrong parent root exit 2 with one line', async () => {
      const dir = join(tmp, 'salt');
      const out = join(tmp, 'witnesses');
      let r = mevmc(['block', B('19910734'), B('116525'), '--state', `salt:${dir}`, '--witness-out', out, '--json'], { timeout: 300_000 });
      expect(r.status).toBe(0);
      const runs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      for (const b of runs) {
        expect(b.witness.path).toMatch(new RegExp(`${b.block}\\.0x[0-9a-f]{64}\\.salt$`));
        const v = mevmc(['validate', B(String(b.block)), '--witness', b.witness.path, '--parent-root', b.parentStateRoot, '--code', join(dir, String(b.block), 'code'), '--json'], { timeout: 300_000 });
        expect(v.stderr).toBe('');
        expect(JSON.parse(v.stdout)).toMatchObject({ block: b.block, stateRoot: b.stateRoot, ok: true });
        expect(v.status).toBe(0);
      }
      r = mevmc(['block', B('19910734'), '--witness-out', out], { timeout: 300_000 });
      expect(r.stderr).toMatch(/^mevmc: error: --witness-out needs --state salt:DIR/);
      expect(r.status).toBe(2);

      const s = await onSalt('19910734', join(tmp, 'store-19910734'));
      const w = join(tmp, '19910734.salt');
      writeFileSync(w, s.bytes);
      const args = ['validate', B('19910734'), '--witness', w, '--parent-root', hex(s.parentRoot), '--code', join(tmp, 'store-19910734', 'code')];
      r = mevmc([...args, '--expect-root', hex(s.postRoot)], { timeout: 300_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^19910734 stateRoot ${hex(s.postRoot)} ok receiptsRoot ok logsBloom ok gasUsed ok `));
      expect(r.status).toBe(0);
      r = mevmc(['validate', B('19910734'), '--witness', w, '--parent-root', hex(s.postRoot)], { timeout: 300_000 });
      expect(r.stderr).toMatch(/^mevmc: error: .*witness does not verify: root mismatch/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.status).toBe(2);

      const d2 = join(tmp, 'store-116525');
      const t = await onSalt('116525', d2);
      const lw = join(tmp, '116525-lacking.salt');
      writeFileSync(lw, t.lacking!);
      r = mevmc(['validate', B('116525'), '--witness', lw, '--parent-root', hex(t.parentRoot), '--code', join(d2, 'code')], { timeout: 300_000 });
      expect(r.stderr).toMatch(new RegExp(`^mevmc: error: .*witness lacks key 0x[0-9a-f]{16} .*looking up 0x${toHex(t.sender)}`));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
      expect(r.status).toBe(2);
    }, 600_000);
  });
}
