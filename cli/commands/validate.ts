/**
 * @file `mevmc validate <block…> --witness <file|dir> --parent-root <root> [--code <dir|contracts.txt>] [--json]`:
 * stateless re-execution of blocks from their SALT witnesses (issue #17 part 4, issue #18).
 *
 * Several blocks: `--witness` is a folder of `<n>.<hash>.salt` files, each block's found by number and hash, and a
 * last line `N passed, N failed`. On an OP chain (`--chain megaeth`) the parent root comes from the parent block
 * file beside the block, the next block's witness (diagnostic) and the `.mpt` withdrawals witness from beside the
 * `.salt`, and the line reads per header field (stateRoot, receiptsRoot, gasUsed, logsBloom, withdrawalsRoot).
 *
 * Verifies the witness against the parent root, executes the block from the witnessed key/values alone (code by
 * hash from `--code`), applies its updates to the witnessed partial trie and prints the post-state root with the
 * header checks: `<n> stateRoot 0x… receiptsRoot ok gasUsed ok logsBloom ok  (witness K kvs / C commitments /
 * B bytes; verify ms, exec ms, update ms)`, or with `--json` `{ "block", "stateRoot", "ok", … }`.
 * `--expect-root` also compares the post-state root (e.g. the full node's). Exit codes: 0 ok, 1 a check failed
 * (a FAIL line / ok false), 2 bad input — an unreadable file, a witness that does not verify, or a key the block
 * touches that the witness lacks (`mevmc: error: witness lacks key …`).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../runtime/harness/case.ts';
import { loadFixture } from '../../runtime/harness/blocks/fixture.ts';
import { BlockFormatError } from '../../runtime/block/rpc.ts';
import type { ContractLoader } from '../../runtime/loader/types.ts';
import { NativeLoader, nativeUnavailableReason } from '../../runtime/loader/native.ts';
import { WasmLoader } from '../../runtime/loader/wasm.ts';
import { MissingCodeError } from '../../runtime/salt/backend.ts';
import { WitnessInvalidError, WitnessLacksKeyError } from '../../runtime/salt/stateless.ts';
import { CodeSourceError, type CodeLookup, loadCodeSource } from '../../runtime/salt/stateless-backend.ts';
import { WitnessFormatError, type ValidationResult, validateBlock } from '../../runtime/salt/validate.ts';
import { chainOption } from './block.ts';

/** Arguments of `mevmc validate`. */
export interface ValidateArgs {
  /** Block files (RPC JSON or pevm fixture folders); with several, `witness` is a folder. */
  blocks?: string[];
  /** One block file (the form before `blocks`). */
  block?: string;
  /** A witness file, or a folder of `<n>.<hash>.salt` files (with `.mpt` beside them on OP chains). */
  witness: string;
  /** Default on an OP chain: the stateRoot of the parent block's file beside the block (`<n-1>.<parentHash>.json`). */
  parentRoot?: string;
  chain?: string;
  /** The next block's witness (default on an OP chain: `<n+1>.*.salt` beside `--witness`), for the diagnostic. */
  nextWitness?: string;
  code?: string;
  json: boolean;
  expectRoot?: string;
  engine: 'wasm' | 'native';
  blockHashes?: string;
  cacheDir?: string;
  /** OP chain, gas and root wrong: find the transaction whose gas alone explains the root (~0.5 s a candidate). */
  explainGas?: boolean;
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

/** `<n>.<hash>.<ext>` files of a folder (the layout of ../shared/salt/megaeth). */
function numbered(dir: string, n: bigint, ext: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.startsWith(`${n}.`) && f.endsWith(ext)).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** The parent's header roots from its block file beside `blockPath` (found by number and hash). */
function parentBeside(blockPath: string, block: Record<string, unknown>): { stateRoot?: string; withdrawalsRoot?: string } | undefined {
  const n = BigInt(String(block.number ?? '0x0'));
  const parentHash = String(block.parentHash ?? '').toLowerCase();
  const file = numbered(dirname(blockPath), n - 1n, '.json').find((f) => basename(f).toLowerCase().includes(parentHash));
  if (!file) return undefined;
  const p = JSON.parse(readFileSync(file, 'utf8')) as { stateRoot?: string; withdrawalsRoot?: string; result?: { stateRoot?: string; withdrawalsRoot?: string } };
  return p.result ?? p;
}

/** The diagnostic lines of an OP-chain validation (issue #18): where our run first differs from the chain. */
function diagnosticLines(r: ValidationResult, block: Record<string, unknown>, nextWitness: string | undefined): string[] {
  const out: string[] = [];
  const txs = Array.isArray(block.transactions) ? (block.transactions as { hash?: string; gasUsed?: string }[]) : [];
  const claimed = BigInt(String(block.gasUsed ?? '0x0'));
  const ours = r.result.gasUsed;
  const perTx = txs.length > 0 && txs.every((t) => typeof t.gasUsed === 'string');
  if (perTx) {
    const i = r.result.txs.findIndex((t, j) => t.result.gasUsed !== BigInt(txs[j].gasUsed!));
    out.push(i < 0 ? '  gas: every transaction as the block says' : `  gas: tx ${i} first differs (ours ${r.result.txs[i].result.gasUsed}, block ${BigInt(txs[i].gasUsed!)})`);
  } else {
    out.push(`  gas: ours ${ours}, header ${claimed} (${ours - claimed >= 0n ? '+' : ''}${ours - claimed}); the block JSON has no receipts: per-tx gas not comparable`);
  }
  // A sender whose balance alone differs after its own transaction: the difference over its gas price is gas.
  const baseFee = BigInt(String(block.baseFeePerGas ?? '0x0'));
  const gasHint = (m: { address: string; slot?: string; ours?: string; theirs?: string }, w: number | undefined): string => {
    const t = w === undefined ? undefined : (txs[w] as Record<string, string> | undefined);
    if (!t || m.slot || !m.ours || !m.theirs || t.from?.toLowerCase() !== m.address || t.type === '0x7e') return '';
    const bal = (v: string): bigint => BigInt('0x' + v.slice(2 + 16, 2 + 80));
    const price = t.maxFeePerGas !== undefined
      ? (BigInt(t.maxFeePerGas) < baseFee + BigInt(t.maxPriorityFeePerGas ?? '0x0') ? BigInt(t.maxFeePerGas) : baseFee + BigInt(t.maxPriorityFeePerGas ?? '0x0'))
      : BigInt(t.gasPrice ?? '0x0');
    const diff = bal(m.ours) - bal(m.theirs);
    return price > 0n && diff % price === 0n ? ` = ${(diff < 0n ? -diff : diff) / price} gas ${diff > 0n ? 'less' : 'more'} than the chain charged for tx ${w} at its gas price ${price}` : '';
  };
  const failed = r.result.txs.map((t, i) => [i, t] as const).filter(([, t]) => t.result.status !== 'success');
  if (failed.length) {
    out.push(`  status: ${failed.length} tx(s) failed in our run: ` + failed.slice(0, 5).map(([i, t]) => `tx ${i} ${t.result.status}${t.result.error ? ` (${t.result.error})` : ''}`).join(', ') + (failed.length > 5 ? ', …' : ''));
  } else out.push('  status: every transaction succeeded in our run');
  if (r.applyError) out.push(`  state: our key changes do not apply to the witnessed trie (${r.applyError}): the chain made no such insert/delete`);
  const d = r.divergence;
  if (!d) out.push(`  state: no next-block witness${nextWitness ? '' : ' (give --next-witness)'}: keys not compared`);
  else if (!d.first) out.push(`  state: all ${d.compared} keys the next witness holds and we know agree`);
  else {
    const f = d.first;
    const w = f.writers.length ? f.writers[0] : undefined;
    const who = w === undefined ? 'no tx of ours wrote it (a missed write)' : w < 0 ? 'written before the transactions (system calls)' : w >= r.result.txs.length ? 'written after the transactions' : `first written by tx ${w}${txs[w]?.hash ? ` ${txs[w].hash}` : ''}`;
    out.push(`  state: ${d.mismatches.length} of ${d.compared} compared keys differ from the next witness; first: ${f.address}${f.slot ? ` slot ${f.slot}` : ''}, ${who}: ${f.detail}${gasHint(f, w)}`);
  }
  return out;
}

/** A numbered file beside others of the block (`<n>.<hash><ext>` in `dir`), by the block's number and hash. */
function besideByHash(dir: string, block: Record<string, unknown>, ext: string): string | undefined {
  const n = BigInt(String(block.number ?? '0x0'));
  const hash = String(block.hash ?? '').toLowerCase();
  const found = numbered(dir, n, ext);
  return found.find((f) => basename(f).toLowerCase().includes(hash)) ?? (found.length === 1 ? found[0] : undefined);
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const readInput = (path: string): Uint8Array => {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
};

/** What every block of one `mevmc validate` run shares. */
interface Shared {
  chain: ReturnType<typeof chainOption> | undefined;
  code: CodeLookup;
  loader: ContractLoader;
  expect?: string;
}

/** Validate one block file; prints its lines; true when every check passed, 'skipped' when the witness folder has none for it. */
async function validateOne(a: ValidateArgs, blockPath: string, s: Shared, several: boolean): Promise<boolean | 'skipped'> {
  const { chain, code, loader, expect } = s;
  const { block, hashes } = readBlock(blockPath, a.blockHashes);
  // --witness: the file, or a folder holding `<n>.<hash>.salt` (the layout of ../shared/salt/megaeth/witness).
  let witnessPath = a.witness;
  if (isDir(a.witness)) {
    const found = besideByHash(a.witness, block, '.salt');
    const why = `no ${String(BigInt(String(block.number ?? '0x0')))}.<hash>.salt in ${a.witness}`;
    // Over a glob of blocks, the first one (the parent of the first witness) has none: skipped, not an error.
    if (!found && several) {
      if (!a.json) console.log(`${BigInt(String(block.number ?? '0x0'))} skipped: ${why}`);
      return 'skipped';
    }
    if (!found) throw new InputError(`--witness: ${why} (for ${blockPath})`);
    witnessPath = found;
  }
  const witness = readInput(witnessPath);
  const parent = chain?.op ? parentBeside(blockPath, block) : undefined;
  const parentRootHex = a.parentRoot ?? parent?.stateRoot;
  if (parentRootHex === undefined) throw new InputError('--parent-root: required (no parent block file beside the block to take it from)');
  const parentRoot = root32('--parent-root', parentRootHex);
  let nextPath = a.nextWitness;
  if (nextPath === undefined && chain?.op) {
    const found = numbered(dirname(witnessPath), BigInt(String(block.number ?? '0x0')) + 1n, '.salt');
    if (found.length === 1) nextPath = found[0];
  }
  const nextWitness = nextPath === undefined ? undefined : readInput(nextPath);
  // OP Isthmus: the message passer's MPT witness beside the SALT one (`<n>.<hash>.mpt`).
  const mptPath = chain?.op ? witnessPath.replace(/\.salt$/, '') + '.mpt' : undefined;
  const mptWitness = mptPath !== undefined && existsSync(mptPath) ? readInput(mptPath) : undefined;
  let r;
  try {
    r = await validateBlock(block, witness, parentRoot, code, { loader, blockHash: (n) => hashes.get(n), ...(chain ? { chain } : {}) },
      { nextWitness, mptWitness, parentWithdrawalsRoot: parent?.withdrawalsRoot, explainGas: a.explainGas === true });
  } catch (e) {
    if (e instanceof WitnessLacksKeyError || e instanceof WitnessInvalidError || e instanceof WitnessFormatError ||
      e instanceof MissingCodeError || e instanceof BlockFormatError) {
      throw new InputError(`${witnessPath}: ${e.message}`);
    }
    if (e instanceof Error && e.name === 'InvalidBlockError') {
      // A block its own witness cannot carry through is a failed validation, not a usage error.
      if (a.json) console.log(JSON.stringify({ block: Number((block as { number?: string }).number ?? 0), stateRoot: null, ok: false, error: e.message }));
      else console.log(`${several ? `${BigInt(String(block.number ?? '0x0'))} ` : ''}FAIL: ${e.message}`);
      return false;
    }
    throw e;
  }
  const rootCheck = expect === undefined ? undefined : r.stateRoot === expect ? 'ok' : 'FAIL';
  const ok = r.ok && rootCheck !== 'FAIL';
  if (a.json) {
    console.log(JSON.stringify({
      block: Number(r.number), stateRoot: r.stateRoot, ok, receiptsRoot: r.receiptsRoot, logsBloom: r.logsBloom, gasUsed: r.gasUsed,
      ...(rootCheck ? { stateRootCheck: rootCheck } : {}), ...(r.stateRootHeader !== 'n/a' ? { stateRootHeader: r.stateRootHeader } : {}),
      ...(r.withdrawalsRoot !== 'n/a' || chain?.op ? { withdrawalsRoot: r.withdrawalsRoot } : {}),
      ...(r.gasExplained ? { explainGas: { txs: r.gasExplained.txs ?? null, gasDelta: Number(r.gasExplained.gasDelta), tried: r.gasExplained.tried } } : {}),
      ...(r.divergence ? { divergence: { compared: r.divergence.compared, mismatches: r.divergence.mismatches.length, first: r.divergence.first } } : {}),
      gas: Number(r.result.gasUsed), keys: r.keys,
      witness: r.witness, verifyMs: +r.verifyMs.toFixed(1), execMs: +r.execMs.toFixed(1), updateMs: +r.updateMs.toFixed(1),
    }));
  } else if (chain?.op) {
    // Per field against the header, then where our run first differs (docs/megaeth.md, issue #18).
    console.log(`${r.number} stateRoot ${r.stateRootHeader} receiptsRoot ${r.receiptsRoot} gasUsed ${r.gasUsed} logsBloom ${r.logsBloom} ` +
      `withdrawalsRoot ${r.withdrawalsRoot}${mptWitness ? '' : ' (no .mpt witness beside the .salt)'}  (root ${r.stateRoot}; witness ${r.witness.kvs} kvs; verify ${r.verifyMs.toFixed(0)} ms, ` +
      `exec ${r.execMs.toFixed(0)} ms, update ${r.updateMs.toFixed(0)} ms, ${r.keys} keys)`);
    if (!ok) {
      if (r.withdrawalsError) console.log(`  withdrawals: ${r.withdrawalsError}`);
      else if (r.withdrawalsRoot === 'FAIL') console.log(`  withdrawals: ours ${r.withdrawalsRootValue}, header ${String((block as { withdrawalsRoot?: string }).withdrawalsRoot)}`);
      for (const line of diagnosticLines(r, block, nextPath)) console.log(line);
      const g = r.gasExplained;
      if (g) {
        const txs = Array.isArray(block.transactions) ? (block.transactions as { hash?: string }[]) : [];
        const d = `${g.gasDelta > 0n ? g.gasDelta : -g.gasDelta} gas ${g.gasDelta > 0n ? 'more' : 'less'}`;
        const named = g.txs === undefined ? '' : g.txs.length === 1 ? `tx ${g.txs[0]} ${txs[g.txs[0]]?.hash ?? ''}` : `one of txs ${g.txs.join(', ')} (one sender)`;
        console.log(g.txs === undefined
          ? `  explain-gas: no single transaction's gas makes the root the header's (${g.tried} tried, ${g.ms.toFixed(0)} ms): several differ, or more than gas`
          : `  explain-gas: with ${d} charged to ${named} (its sender and the fee vaults moved), the post-state root equals the header's: ` +
            `every other key is right, that transaction's gas is the divergence (${g.tried} tried, ${g.ms.toFixed(0)} ms)`);
      }
    }
  } else {
    console.log(`${r.number} stateRoot ${r.stateRoot}${rootCheck ? ` ${rootCheck}` : ''} receiptsRoot ${r.receiptsRoot} logsBloom ${r.logsBloom} ` +
      `gasUsed ${r.gasUsed}  (witness ${r.witness.kvs} kvs / ${r.witness.commitments} commitments / ${r.witness.bytes} B; ` +
      `verify ${r.verifyMs.toFixed(0)} ms, exec ${r.execMs.toFixed(0)} ms, update ${r.updateMs.toFixed(0)} ms, ${r.keys} keys)`);
    if (!ok) console.log(`FAIL: ${[r.receiptsRoot === 'FAIL' && 'receiptsRoot', r.logsBloom === 'FAIL' && 'logsBloom', r.gasUsed === 'FAIL' && 'gasUsed', rootCheck === 'FAIL' && `stateRoot (expected ${expect})`].filter(Boolean).join(', ')} differ from the header`);
  }
  return ok;
}

export async function validateCommand(a: ValidateArgs): Promise<number> {
  const chain = a.chain === undefined ? undefined : chainOption(a.chain);
  const blocks = a.blocks ?? (a.block !== undefined ? [a.block] : []);
  if (blocks.length === 0) throw new InputError('validate: no block file given');
  if (blocks.length > 1) {
    // Per-block inputs cannot be shared by several blocks.
    if (!isDir(a.witness)) throw new InputError(`--witness: with ${blocks.length} blocks, give the folder holding their <n>.<hash>.salt files`);
    for (const [v, name] of [[a.parentRoot, '--parent-root'], [a.expectRoot, '--expect-root'], [a.nextWitness, '--next-witness']] as const) {
      if (v !== undefined) throw new InputError(`${name}: applies to one block; give a single block file`);
    }
  }
  const expect = a.expectRoot === undefined ? undefined : '0x' + Buffer.from(root32('--expect-root', a.expectRoot)).toString('hex');
  let code: CodeLookup = () => undefined;
  if (a.code) {
    try {
      code = loadCodeSource(a.code);
    } catch (e) {
      if (e instanceof CodeSourceError) throw new InputError(e.message);
      throw e;
    }
  }
  let loader: ContractLoader;
  // MegaETH REX's gas detention needs code that marks block-environment reads.
  const volatileEnv = chain?.op?.megaSpec === 'rex';
  if (a.engine === 'native') {
    const why = nativeUnavailableReason();
    if (why) throw new InputError(`--engine native: ${why}`);
    loader = new NativeLoader({ ...(a.cacheDir ? { cacheDir: a.cacheDir } : {}), volatileEnv });
  } else loader = new WasmLoader({ cacheDir: a.cacheDir, volatileEnv });
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const path of blocks) {
    let r: boolean | 'skipped';
    try {
      r = await validateOne(a, path, { chain, code, loader, expect }, blocks.length > 1);
    } catch (e) {
      // Over several blocks, one block's unusable witness fails that block; the others still run.
      if (!(e instanceof InputError) || blocks.length === 1) throw e;
      if (a.json) console.log(JSON.stringify({ file: path, ok: false, error: e.message }));
      else console.log(`FAIL ${basename(path)}: ${e.message}`);
      r = false;
    }
    if (r === 'skipped') skipped++;
    else if (r) passed++;
    else failed++;
  }
  if (blocks.length > 1 && !a.json) console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped (no witness)` : ''}`);
  return failed === 0 ? 0 : 1;
}
