/**
 * @file `mevmc validate <block> --witness <file> --parent-root <root> [--code <dir|contracts.txt>] [--json]`:
 * stateless re-execution of one block from its SALT witness (issue #17 part 4).
 *
 * Verifies the witness against the parent root, executes the block from the witnessed key/values alone (code by
 * hash from `--code`), applies its updates to the witnessed partial trie and prints the post-state root with the
 * header checks: `<n> stateRoot 0x… receiptsRoot ok gasUsed ok logsBloom ok  (witness K kvs / C commitments /
 * B bytes; verify ms, exec ms, update ms)`, or with `--json` `{ "block", "stateRoot", "ok", … }`.
 * `--expect-root` also compares the post-state root (e.g. the full node's). Exit codes: 0 ok, 1 a check failed
 * (a FAIL line / ok false), 2 bad input — an unreadable file, a witness that does not verify, or a key the block
 * touches that the witness lacks (`mevmc: error: witness lacks key …`).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../runtime/harness/case.ts';
import { loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { BlockFormatError } from '../../runtime/block/rpc.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { MissingCodeError } from '../../runtime/salt/backend.ts';
import { WitnessInvalidError, WitnessLacksKeyError } from '../../runtime/salt/stateless.ts';
import { CodeSourceError, type CodeLookup, loadCodeSource } from '../../runtime/salt/stateless-backend.ts';
import { WitnessFormatError, validateBlock } from '../../runtime/salt/validate.ts';

/** Arguments of `mevmc validate`. */
export interface ValidateArgs {
  block: string;
  witness: string;
  parentRoot: string;
  code?: string;
  json: boolean;
  expectRoot?: string;
  engine: 'wasm' | 'native';
  blockHashes?: string;
  cacheDir?: string;
}

function root32(what: string, s: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(s)) throw new InputError(`${what}: expected 0x + 64 hex digits, got ${JSON.stringify(s)}`);
  return new Uint8Array(Buffer.from(s.slice(2), 'hex'));
}

function readBlock(path: string, blockHashes?: string): { block: Record<string, unknown>; hashes: Map<bigint, bigint> } {
  // A pevm fixture folder (its pre-state is not used) or an RPC block JSON file.
  try {
    const f = loadFixture(path, { blockHashes, pre: undefined });
    return { block: f.block, hashes: f.blockHashes };
  } catch (e) {
    if (!(e instanceof InputError) || !/no pre-state/.test(e.message)) throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]}`);
  }
  if (json && typeof json === 'object' && 'result' in json) json = (json as { result: unknown }).result;
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new InputError(`${path}: expected a JSON-RPC block object`);
  let hashes = new Map<bigint, bigint>();
  if (blockHashes) {
    const raw = JSON.parse(readFileSync(blockHashes, 'utf8')) as Record<string, string>;
    hashes = new Map(Object.entries(raw).map(([n, h]) => [BigInt(n), BigInt(h)]));
  }
  return { block: json as Record<string, unknown>, hashes };
}

export async function validateCommand(a: ValidateArgs): Promise<number> {
  const parentRoot = root32('--parent-root', a.parentRoot);
  const expect = a.expectRoot === undefined ? undefined : '0x' + Buffer.from(root32('--expect-root', a.expectRoot)).toString('hex');
  let witness: Uint8Array;
  try {
    witness = new Uint8Array(readFileSync(a.witness));
  } catch (e) {
    throw new InputError(`${a.witness}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let code: CodeLookup = () => undefined;
  if (a.code) {
    try {
      code = loadCodeSource(a.code);
    } catch (e) {
      if (e instanceof CodeSourceError) throw new InputError(e.message);
      throw e;
    }
  }
  const { block, hashes } = readBlock(a.block, a.blockHashes);
  let loader: ContractLoader;
  if (a.engine === 'native') {
    const why = nativeUnavailableReason();
    if (why) throw new InputError(`--engine native: ${why}`);
    loader = new NativeLoader(a.cacheDir ? { cacheDir: a.cacheDir } : {});
  } else loader = new WasmLoader({ cacheDir: a.cacheDir });
  let r;
  try {
    r = await validateBlock(block, witness, parentRoot, code, { loader, blockHash: (n) => hashes.get(n) });
  } catch (e) {
    if (e instanceof WitnessLacksKeyError || e instanceof WitnessInvalidError || e instanceof WitnessFormatError ||
      e instanceof MissingCodeError || e instanceof BlockFormatError) {
      throw new InputError(`${a.witness}: ${e.message}`);
    }
    if (e instanceof Error && e.name === 'InvalidBlockError') {
      // A block its own witness cannot carry through is a failed validation, not a usage error.
      if (a.json) console.log(JSON.stringify({ block: Number((block as { number?: string }).number ?? 0), stateRoot: null, ok: false, error: e.message }));
      else console.log(`FAIL: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const rootCheck = expect === undefined ? undefined : r.stateRoot === expect ? 'ok' : 'FAIL';
  const ok = r.ok && rootCheck !== 'FAIL';
  if (a.json) {
    console.log(JSON.stringify({
      block: Number(r.number), stateRoot: r.stateRoot, ok, receiptsRoot: r.receiptsRoot, logsBloom: r.logsBloom, gasUsed: r.gasUsed,
      ...(rootCheck ? { stateRootCheck: rootCheck } : {}), gas: Number(r.result.gasUsed), keys: r.keys,
      witness: r.witness, verifyMs: +r.verifyMs.toFixed(1), execMs: +r.execMs.toFixed(1), updateMs: +r.updateMs.toFixed(1),
    }));
  } else {
    console.log(`${r.number} stateRoot ${r.stateRoot}${rootCheck ? ` ${rootCheck}` : ''} receiptsRoot ${r.receiptsRoot} logsBloom ${r.logsBloom} ` +
      `gasUsed ${r.gasUsed}  (witness ${r.witness.kvs} kvs / ${r.witness.commitments} commitments / ${r.witness.bytes} B; ` +
      `verify ${r.verifyMs.toFixed(0)} ms, exec ${r.execMs.toFixed(0)} ms, update ${r.updateMs.toFixed(0)} ms, ${r.keys} keys)`);
    if (!ok) console.log(`FAIL: ${[r.receiptsRoot === 'FAIL' && 'receiptsRoot', r.logsBloom === 'FAIL' && 'logsBloom', r.gasUsed === 'FAIL' && 'gasUsed', rootCheck === 'FAIL' && `stateRoot (expected ${expect})`].filter(Boolean).join(', ')} differ from the header`);
  }
  return ok ? 0 : 1;
}
