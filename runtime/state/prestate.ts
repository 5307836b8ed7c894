/**
 * @file State as plain JSON in geth's prestate shape (`debug_traceCall` prestateTracer, also `--state` files of
 * the CLI): `{ "0xaddr": { balance: "0x…", nonce: 1, code: "0x…", storage: { "0x<32-byte slot>": "0x<32-byte value>" } } }`.
 * Written like geth: `balance` always, `nonce`, `code` and `storage` only when non-zero/non-empty; addresses and
 * slots sorted so a dump is deterministic. Read leniently: quantities as 0x hex, decimal strings or numbers;
 * slots and values of any hex width; state-test `pre` objects are accepted as they are.
 */
import type { Account, StateBackend } from './world.ts';
import { MemoryBackend } from './world.ts';

/** One account of a prestate JSON. */
export interface PrestateAccount {
  balance?: string | number;
  nonce?: string | number;
  code?: string;
  storage?: Record<string, string>;
}

/** Accounts by address. */
export type Prestate = Record<string, PrestateAccount>;

/** A malformed prestate JSON (the message names the account and field). */
export class StateFormatError extends Error {
  override name = 'StateFormatError';
}

const MAX_U256 = (1n << 256n) - 1n;
const word = (v: bigint): string => '0x' + v.toString(16).padStart(64, '0');

function quantity(v: unknown, where: string, max = MAX_U256): bigint {
  let n: bigint | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^(0x[0-9a-fA-F]*|\d+)$/.test(v)) n = v === '0x' ? 0n : BigInt(v);
  if (n === undefined || n < 0n || n > max) throw new StateFormatError(`${where}: expected a quantity (0x hex or decimal), got ${JSON.stringify(v)}`);
  return n;
}

/** Parse prestate JSON (already `JSON.parse`d) into a new in-memory backend. Throws {@link StateFormatError}. */
export function backendFromPrestate(json: unknown): MemoryBackend {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new StateFormatError('state: expected an object of accounts by address');
  const be = new MemoryBackend();
  for (const [addr, raw] of Object.entries(json as Record<string, unknown>)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(addr)) throw new StateFormatError(`state: bad address ${JSON.stringify(addr)}`);
    if (!raw || typeof raw !== 'object') throw new StateFormatError(`${addr}: expected an object`);
    const a = raw as PrestateAccount;
    const code = a.code ?? '0x';
    if (typeof code !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(code)) throw new StateFormatError(`${addr}.code: expected hex bytes`);
    const storage = new Map<bigint, bigint>();
    if (a.storage !== undefined && (typeof a.storage !== 'object' || a.storage === null)) throw new StateFormatError(`${addr}.storage: expected an object`);
    for (const [k, v] of Object.entries(a.storage ?? {})) {
      const val = quantity(v, `${addr}.storage[${k}]`);
      if (val !== 0n) storage.set(quantity(k, `${addr}.storage key ${k}`), val);
    }
    const account: Account = {
      balance: quantity(a.balance ?? 0, `${addr}.balance`),
      nonce: quantity(a.nonce ?? 0, `${addr}.nonce`, (1n << 64n) - 1n),
      code: new Uint8Array(Buffer.from(code.replace(/^0x/, ''), 'hex')),
    };
    be.setAccount(addr.toLowerCase(), account, storage);
  }
  // The same (unmodified) prestate object gives the same state: see MemoryBackend.origin.
  be.origin = { key: json, writes: be.writes };
  return be;
}

/** Every account of `backend` as prestate JSON. */
export function prestateOf(backend: StateBackend): Prestate {
  const out: Prestate = {};
  for (const addr of [...backend.addresses()].sort()) {
    const a = backend.getAccount(addr);
    if (!a) continue;
    const acc: PrestateAccount = { balance: '0x' + a.balance.toString(16) };
    if (a.nonce !== 0n) acc.nonce = a.nonce <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(a.nonce) : '0x' + a.nonce.toString(16);
    if (a.code.length) acc.code = '0x' + Buffer.from(a.code).toString('hex');
    const slots = [...backend.storageEntries(addr)].filter(([, v]) => v !== 0n).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    if (slots.length) acc.storage = Object.fromEntries(slots.map(([k, v]) => [word(k), word(v)]));
    out[addr] = acc;
  }
  return out;
}
