/**
 * @file The strict schema of a batch line (`mevmc run --batch`): which keys a case, a `pre` account and `block` may
 * have, and which are required. `parseCase` itself stays lenient (internal callers build partial cases); user input
 * goes through {@link parseBatchCase}, so a misspelt key is an error that names it and suggests the right one
 * instead of silently taking the default.
 */
import { type Case, InputError, parseCase } from './case.ts';

/** Keys of a case, of a `pre` account and of `block` (README "Batch format"). */
export const CASE_KEYS = ['id', 'fork', 'code', 'calldata', 'gas', 'value', 'caller', 'address', 'gasPrice', 'pre', 'block'] as const;
export const ACCOUNT_KEYS = ['balance', 'nonce', 'code', 'storage'] as const;
export const BLOCK_KEYS = ['number', 'timestamp', 'coinbase', 'gasLimit', 'baseFee', 'prevRandao', 'chainId', 'excessBlobGas'] as const;

/** Names people use from other tools (transaction/JSON-RPC fields) → our key; tried before spelling distance. */
const SYNONYMS: Record<string, string> = {
  to: 'address', from: 'caller', sender: 'caller', data: 'calldata', input: 'calldata', gaslimit: 'gas',
  bytecode: 'code', runtimecode: 'code', alloc: 'pre', prestate: 'pre', env: 'block', gasprice: 'gasPrice',
  difficulty: 'prevRandao', random: 'prevRandao', mixhash: 'prevRandao', basefeepergas: 'baseFee', chain: 'chainId',
};

/** Levenshtein distance (keys are short: the quadratic table is fine). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The known key an unknown one most likely meant: same letters in another case, a synonym, or a near spelling. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const low = key.toLowerCase();
  const same = known.find((k) => k.toLowerCase() === low);
  if (same) return same;
  const syn = SYNONYMS[low.replace(/[_-]/g, '')];
  if (syn && known.includes(syn)) return syn;
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(low, k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  // A third of the word may be wrong (at least one edit): "calldat", "balanse", "timestmp".
  return bestD <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

function checkKeys(o: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const s = suggestKey(k, known);
    throw new InputError(`${where}unknown key ${JSON.stringify(k)}${s ? ` (did you mean ${JSON.stringify(s)}?)` : ` (known: ${known.join(', ')})`}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Check a decoded batch line against the schema: known keys only (at every level), `code` present, objects where objects belong. */
export function checkCaseSchema(o: unknown): asserts o is Record<string, unknown> {
  if (!isObject(o)) throw new InputError('a case is a JSON object');
  checkKeys(o, CASE_KEYS, '');
  if (o.id !== undefined && typeof o.id !== 'string' && typeof o.id !== 'number') throw new InputError('id: expected a string or a number');
  if (o.code === undefined) throw new InputError('missing key "code" (the called contract\'s runtime code, 0x…; "0x" for none)');
  if (o.pre !== undefined) {
    if (!isObject(o.pre)) throw new InputError('pre: expected an object {"0xaddress": {balance, nonce, code, storage}}');
    for (const [addr, acc] of Object.entries(o.pre)) {
      if (!isObject(acc)) throw new InputError(`pre ${addr}: expected an object {balance, nonce, code, storage}`);
      checkKeys(acc, ACCOUNT_KEYS, `pre ${addr}: `);
      if (acc.storage !== undefined && !isObject(acc.storage)) throw new InputError(`pre ${addr} storage: expected an object {"0xslot": "0xvalue"}`);
    }
  }
  if (o.block !== undefined) {
    if (!isObject(o.block)) throw new InputError(`block: expected an object {${BLOCK_KEYS.join(', ')}}`);
    checkKeys(o.block, BLOCK_KEYS, 'block: ');
  }
}

/** A user's batch line (already JSON-decoded): schema check, then the usual parsing and defaults. */
export function parseBatchCase(o: unknown, defaultId: string): Case {
  checkCaseSchema(o);
  return parseCase(o, defaultId);
}

/** The id a result line carries for a line that could not be run: its own id when readable, else `line N`. */
export function lineId(o: unknown, lineNo: number): string {
  if (isObject(o) && (typeof o.id === 'string' || typeof o.id === 'number')) return String(o.id);
  return `line ${lineNo}`;
}
