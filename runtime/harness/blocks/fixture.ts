/**
 * @file Block fixtures from disk, in the two layouts a user has:
 *
 * - pevm's (`../shared/blocks/blocks/<n>/`): `block.json` = `eth_getBlockByNumber(n, true)`, `pre_state.json` =
 *   `{ addr: { basic: {balance, nonce}, code: null | {bytecode, original_len}, storage } }` where `bytecode` is revm's
 *   zero-padded form (the real code is its first `original_len` bytes), and `block_hashes.json` (`{ "<n>": "0xhash" }`)
 *   in the block's folder or a folder above it.
 * - plain: a block JSON file (or a folder with `block.json`) with a geth `prestateTracer`-shaped pre-state
 *   (`prestate.json` next to it, or given), optionally wrapped in a JSON-RPC response (`{ result: … }`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { backendFromPrestate, type Prestate } from '../../state/prestate.ts';
import { MemoryBackend } from '../../state/world.ts';
import { InputError } from '../case.ts';

/** A block with what it needs to run. */
export interface BlockFixture {
  /** Directory or file it came from (shown in output). */
  name: string;
  /** The RPC block object. */
  block: Record<string, unknown>;
  /** The pre-state in geth's prestate shape (fresh backends are built from it per run). */
  pre: Prestate;
  /** BLOCKHASH source. */
  blockHashes: Map<bigint, bigint>;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    // A saved JSON-RPC response: its result.
    return v && typeof v === 'object' && 'result' in v && 'jsonrpc' in v ? (v as { result: unknown }).result : v;
  } catch (e) {
    throw new InputError(`${path}: not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** pevm's pre_state.json into geth's prestate shape (code cut to `original_len`). */
export function prestateFromPevm(json: unknown, where: string): Prestate {
  if (!isObject(json)) throw new InputError(`${where}: expected an object of accounts`);
  const out: Prestate = {};
  for (const [addr, raw] of Object.entries(json)) {
    if (!isObject(raw) || !isObject(raw.basic)) throw new InputError(`${where}: ${addr}: expected {basic, code, storage}`);
    const basic = raw.basic as { balance?: string; nonce?: number | string };
    let code: string | undefined;
    if (raw.code !== null && raw.code !== undefined) {
      const c = raw.code as { bytecode?: unknown; original_len?: unknown };
      if (typeof c.bytecode !== 'string' || typeof c.original_len !== 'number' || !Number.isSafeInteger(c.original_len) || c.original_len < 0 ||
        2 + 2 * c.original_len > c.bytecode.length) {
        throw new InputError(`${where}: ${addr}.code: expected {bytecode, original_len} with original_len within the bytecode`);
      }
      code = c.bytecode.slice(0, 2 + 2 * c.original_len);
    }
    if (raw.storage !== undefined && !isObject(raw.storage)) throw new InputError(`${where}: ${addr}.storage: expected an object`);
    out[addr] = { balance: basic.balance ?? '0x0', nonce: basic.nonce ?? 0, ...(code ? { code } : {}), storage: (raw.storage ?? {}) as Record<string, string> };
  }
  return out;
}

function blockHashesOf(json: unknown, where: string): Map<bigint, bigint> {
  if (!isObject(json)) throw new InputError(`${where}: expected { "<number>": "0xhash" }`);
  const m = new Map<bigint, bigint>();
  for (const [k, v] of Object.entries(json)) {
    if (!/^\d+$/.test(k) || typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new InputError(`${where}: bad entry ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    m.set(BigInt(k), BigInt(v));
  }
  return m;
}

/** The nearest `block_hashes.json` in `dir` or a folder above it (up to three levels). */
function findBlockHashes(dir: string): string | undefined {
  let d = dir;
  for (let i = 0; i < 4; i++) {
    const p = join(d, 'block_hashes.json');
    if (existsSync(p)) return p;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}

/** Options of {@link loadFixture} for the plain layout. */
export interface FixtureOptions {
  /** Pre-state file (geth prestate shape) for a block given as a file. */
  pre?: string;
  /** BLOCKHASH file (`{ "<n>": "0xhash" }`). */
  blockHashes?: string;
}

/** Read one block fixture (a folder in either layout, or a block JSON file). Throws InputError. */
export function loadFixture(path: string, opts: FixtureOptions = {}): BlockFixture {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or directory`);
  const isDir = statSync(path).isDirectory();
  const dir = isDir ? path : dirname(path);
  const blockPath = isDir ? join(path, 'block.json') : path;
  if (isDir && !existsSync(blockPath)) throw new InputError(`${path}: no block.json in this folder`);
  const block = readJson(blockPath);
  if (!isObject(block)) throw new InputError(`${blockPath}: expected a JSON-RPC block object`);
  let pre: Prestate;
  if (opts.pre) pre = readJson(opts.pre) as Prestate;
  else if (isDir && existsSync(join(path, 'pre_state.json'))) pre = prestateFromPevm(readJson(join(path, 'pre_state.json')), join(path, 'pre_state.json'));
  else if (existsSync(join(dir, 'prestate.json'))) pre = readJson(join(dir, 'prestate.json')) as Prestate;
  else throw new InputError(`${path}: no pre-state (pre_state.json or prestate.json next to the block, or --pre <file>)`);
  // Validate the pre-state once here, so a bad file is an input error before anything runs.
  try {
    backendFromPrestate(pre);
  } catch (e) {
    throw new InputError(`${path}: pre-state: ${(e as Error).message}`);
  }
  const hashesPath = opts.blockHashes ?? findBlockHashes(dir);
  const blockHashes = hashesPath ? blockHashesOf(readJson(hashesPath), hashesPath) : new Map<bigint, bigint>();
  return { name: isDir ? basename(path) : path, block, pre, blockHashes };
}

/** A fresh backend holding the fixture's pre-state. */
export function freshState(f: BlockFixture): MemoryBackend {
  return backendFromPrestate(f.pre);
}
