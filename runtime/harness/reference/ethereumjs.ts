/**
 * @file The reference engine: runs one batch {@link Case} through @ethereumjs/evm 10.1.3 `runCall` (a bare message
 * call: no intrinsic gas, no access list, nothing pre-warmed) and maps the outcome to a {@link CaseResult}.
 * The compiled engine must produce the same result bit for bit, so the exact conventions of this run are listed here.
 * Every statement below was read in `node_modules/@ethereumjs/evm/dist/esm` (evm.js, interpreter.js, journal.js,
 * opcodes/*.js, types.js, constructors.js) and is pinned by `test/reference/ethereumjs.test.ts`.
 *
 * Setup per run (never timed):
 * - `Common`: Mainnet parameters with `hardfork: c.fork` and `chainId: c.block.chainId` (custom chain config; the id is
 *   passed as a decimal string, so any 256-bit value works). CHAINID pushes exactly `c.block.chainId`.
 *   A template per (fork, chainId) is cached; every run gets a `copy()` (an EVM registers a listener on its Common).
 * - State: a fresh `SimpleStateManager` (ethereumjs' own default) holding every `pre` account (balance, nonce, code,
 *   storage; an account is created even when it is empty) and the called account `calledAccount(c)` at `c.address`
 *   (its code is always `c.code`). Storage values are stored in ethereumjs' canonical form (minimal big-endian bytes,
 *   zero = absent).
 * - A fresh `createEVM({ common, stateManager })` per run: default `EVMMockBlockchain`, no KZG (see below).
 * - Call: `evm.runCall({ caller, to: address, data: calldata, value, gasLimit: gas, block, origin: caller, gasPrice })`.
 *   ORIGIN = CALLER = `c.caller`. GASPRICE pushes `gasPrice` = the optional `c.gasPrice` (see {@link ReferenceCase};
 *   not in case.ts yet), else 0 (runCall's default). Nothing is charged for gas price (no balance deduction).
 *
 * Block environment (`block.header`, read by the interpreter getters, nothing else is looked at):
 * - NUMBER, TIMESTAMP, GASLIMIT, BASEFEE: `c.block.number/timestamp/gasLimit/baseFee` as given.
 * - COINBASE: `c.block.coinbase` (Mainnet is not Clique, so no signer recovery).
 * - 0x44 (DIFFICULTY / PREVRANDAO): from Paris on (EIP-4399 active) ethereumjs pushes `header.prevRandao`; before
 *   Paris it pushes `header.difficulty`. This runner sets `difficulty = prevRandao` read as a big-endian integer, so
 *   **0x44 pushes `c.block.prevRandao` (as a 256-bit big-endian word) on every fork**.
 * - BLOBBASEFEE (Cancun+): `header.getBlobGasPrice()`, which this runner computes per EIP-4844 as
 *   `fake_exponential(1, c.block.excessBlobGas, F)` with F = 3338477 (Cancun) and 5007716 (Prague, Osaka: EIP-7691).
 *   It is evaluated lazily (only when BLOBBASEFEE runs). When `excessBlobGas > 178·F` the price no longer fits in
 *   256 bits (ethereumjs would push an oversized bigint); this runner throws instead of producing such a value.
 * - BLOBHASH: no blob hashes are passed, so it always pushes 0.
 * - BLOCKHASH: no fork in `FORK_NAMES` activates EIP-7709, so ethereumjs asks the blockchain for blocks in
 *   `[number-256, number-1]` and pushes 0 outside that window; the default `EVMMockBlockchain.getBlock()` returns a
 *   block whose `hash()` is 32 zero bytes. **BLOCKHASH therefore always pushes 0** (base gas 20, nothing else charged;
 *   history-contract storage from EIP-2935 is not consulted even on Prague/Osaka).
 *
 * Warmth (EIP-2929, Berlin+): runCall warms **nothing**. `runTx`-level warming (sender, recipient, precompiles,
 * coinbase per EIP-3651, access list) lives in @ethereumjs/vm, which is not used. Consequently, in the called frame:
 * BALANCE, EXTCODESIZE/-COPY/-HASH and the CALL family cost the cold 2600 on first touch of any address, including
 * `c.address` itself, `c.caller`, the coinbase and the precompiles (SELFBALANCE stays 5), and every storage slot
 * costs the cold 2100 on its first SLOAD/SSTORE. Addresses and
 * slots become warm when touched and stay warm until the end of the call (reverted frames un-warm what they touched).
 * The EVM is created anew for every run because its journal would otherwise keep warm sets across runCalls.
 *
 * Value transfer (done before any code runs, in `_executeCall`):
 * - `value` is debited from the caller and credited to `c.address`; SELFBALANCE/BALANCE see the credited balance.
 * - `value > caller balance`: the debit throws `insufficient balance`; the call returns **status 'halt', error
 *   'insufficient balance', gasUsed 0, empty output, no code executed**, and the state is reverted.
 * - callee balance + value ≥ 2^256: likewise `value overflow`, gasUsed 0.
 * - Empty `c.code`: success, gasUsed 0, empty output (early exit, after the value transfer).
 * - Before the call runCall increments the caller's nonce by 1 (creating the caller account with nonce 1 when it is
 *   not in `pre`): the caller therefore always exists during execution. This is only observable when
 *   `c.caller === c.address` (CREATE addresses) or through EXTCODEHASH/CALL-new-account checks on the caller.
 *
 * Result mapping: status 'success' (no exceptionError), 'revert' (`exceptionError.error === 'revert'`), 'halt' (any
 * other exceptionError; `executionGasUsed` is then the whole gas limit); `error` = ethereumjs' message ('out of gas',
 * 'invalid opcode', 'stack underflow', 'stack overflow', 'invalid JUMP', 'static state change', ...; the
 * ` at <codehash>/<address>:<pc>` suffix ethereumjs appends to 'invalid JUMP' is removed); `gasUsed` =
 * `executionGasUsed`; `refund` = `gasRefund` (ethereumjs resets it to 0 on revert and halt); logs are empty unless
 * success; `storage` = the called account's non-zero storage after the call (the state manager's whole flat storage
 * map is scanned, so it is complete, including pre-state slots never touched); `execMs` = median wall time of
 * `runCall` only over `repeat` runs, each on a fresh state and EVM.
 *
 * Not supported (throws, never a result): the KZG point-evaluation precompile 0x0a (ethereumjs throws
 * 'kzg not initialized' because no KZG library is configured).
 */

import { Common, Mainnet, createCustomCommon } from '@ethereumjs/common';
import { createEVM, getOpcodesForHF, paramsEVM } from '@ethereumjs/evm';
import type { EVM } from '@ethereumjs/evm';
import { SimpleStateManager } from '@ethereumjs/statemanager';
import { Account, Address, bigIntToBytes, bytesToBigInt, hexToBytes, setLengthLeft } from '@ethereumjs/util';

import {
  type BlockEnv,
  type Case,
  type CaseResult,
  type ForkName,
  type LogEntry,
  type PostState,
  type PreAccount,
  addrKey,
  calledAccount,
  defaultBlock,
  formatPostState,
  formatStorage,
  median,
  parseHexBytes,
  toHex,
} from '../case.ts';
import { parseForkName } from '../../../src/evm/forks.ts';
import { baseGas } from '../../../src/evm/gas.ts';
import { opName } from '../../../src/evm/traits.ts';
import { fillGasCosts, type TraceStep } from '../../host/trace.ts';
import { blobBaseFee as gasBlobBaseFee, maxExcessBlobGas } from '../../../src/evm/gas.ts';
import { haltKindOfError } from '../halts.ts';

/**
 * A case as the reference reads it: `gasPrice` (GASPRICE, default 0) is not yet part of `Case` in case.ts; it is
 * read here when present so that fixtures whose code reads GASPRICE (revmc burntpix: tx gasPrice 10) reproduce.
 */
export type ReferenceCase = Case & { gasPrice?: bigint };

/** Options of {@link runReference}. */
export interface ReferenceOptions {
  /** Number of timed runs (each on fresh state); the reported `execMs` is their median. Default 1. */
  repeat?: number;
  /** Receive an EIP-3155 step before every instruction (one run only; gasCost as runtime/trace.ts defines it). */
  onStep?: (s: TraceStep) => void;
  /**
   * Receive every exceptional halt of any frame, nested ones too, and the fail-fast failures of the CALL and CREATE families that
   * start no frame (call depth, insufficient balance), by runtime/halts.ts kind (first run only; see that file).
   */
  onHalt?: (kind: string) => void;
  /** Also report `postState` (every account after the call, end-of-transaction deletions applied; see {@link referencePostState}). */
  postState?: boolean;
}

export { fakeExponential } from '../../../src/evm/gas.ts';

/** BLOBBASEFEE for a fork and excess blob gas, as this runner feeds it to ethereumjs (see the file header). */
export function blobBaseFee(fork: ForkName, excessBlobGas: bigint): bigint {
  const f = parseForkName(fork)!;
  if (excessBlobGas > maxExcessBlobGas(f)) {
    throw new Error(`excessBlobGas ${excessBlobGas} gives a blob base fee above 2^256 (limit ${maxExcessBlobGas(f)} for ${fork})`);
  }
  return gasBlobBaseFee(f, excessBlobGas);
}

const commonTemplates = new Map<string, Common>();

/** A fresh Common for (fork, chainId); the template is built once and copied. */
function commonFor(fork: ForkName, chainId: bigint): Common {
  const key = `${fork}:${chainId}`;
  let t = commonTemplates.get(key);
  if (!t) {
    t = createCustomCommon({ chainId: chainId.toString() }, Mainnet, { hardfork: fork, params: paramsEVM });
    commonTemplates.set(key, t);
  }
  return t.copy();
}

/** The `block` argument of runCall (the `Block` shape of @ethereumjs/evm types.ts). */
function makeBlock(fork: ForkName, b: BlockEnv) {
  let blobPrice: bigint | undefined;
  return {
    header: {
      number: b.number,
      coinbase: new Address(b.coinbase),
      timestamp: b.timestamp,
      difficulty: bytesToBigInt(b.prevRandao),
      prevRandao: b.prevRandao,
      gasLimit: b.gasLimit,
      baseFeePerGas: b.baseFee,
      slotNumber: 0n,
      getBlobGasPrice(): bigint {
        blobPrice ??= blobBaseFee(fork, b.excessBlobGas);
        return blobPrice;
      },
    },
  };
}

/** Canonical ethereumjs storage key (32 bytes) and value (minimal bytes). */
const slotKey = (k: bigint): Uint8Array => setLengthLeft(bigIntToBytes(k), 32);

/** A fresh state manager holding `accounts` (every one is created, even when empty). */
async function makeState(accounts: ReadonlyMap<string, PreAccount>): Promise<SimpleStateManager> {
  const sm = new SimpleStateManager();
  for (const [key, a] of accounts) {
    const addr = new Address(parseHexBytes(key));
    await sm.putAccount(addr, new Account(a.nonce, a.balance));
    if (a.code.length > 0) await sm.putCode(addr, a.code);
    for (const [k, v] of a.storage) if (v !== 0n) await sm.putStorage(addr, slotKey(k), bigIntToBytes(v));
  }
  return sm;
}

/** The accounts of a case: `pre` plus the called account (whose code is `c.code`). */
function caseAccounts(c: Case): Map<string, PreAccount> {
  const accounts = new Map(c.pre);
  accounts.set(addrKey(c.address), calledAccount(c));
  return accounts;
}

/** The called account's storage read straight from the state manager's flat map (complete by construction). */
function dumpStorage(sm: SimpleStateManager, address: Uint8Array): Array<[bigint, bigint]> {
  const top = sm.storageStack[sm.storageStack.length - 1];
  const prefix = `${addrKey(address)}_`;
  const out: Array<[bigint, bigint]> = [];
  for (const [k, v] of top) {
    if (!k.startsWith(prefix)) continue;
    const val = v.length === 0 ? 0n : bytesToBigInt(v);
    if (val !== 0n) out.push([BigInt(k.slice(prefix.length)), val]);
  }
  return out;
}

/**
 * The post-state as a state root would hold it after the call, with ethereumjs' own end-of-transaction steps
 * (@ethereumjs/vm runTx `processSelfdestructs` and `journal.cleanup()`, which runCall alone does not do): the
 * SELFDESTRUCTed accounts in address order (EIP-6780: only those created in the call) are deleted, then, from
 * Spurious Dragon, every account of the journal's touched set that is empty (EIP-161). The state is changed: last.
 */
async function referencePostState(evm: EVM, sm: SimpleStateManager, res: Awaited<ReturnType<EVM['runCall']>>): Promise<PostState> {
  const er = res.execResult;
  const created = er.createdAddresses ?? new Set<string>();
  for (const [a] of [...(er.selfdestruct ?? new Map<string, string>()).entries()].sort(([x], [y]) => x.localeCompare(y))) {
    const address = new Address(hexToBytes(a as `0x${string}`));
    if (evm.common.isActivatedEIP(6780) && !created.has(address.toString())) continue;
    await evm.journal.deleteAccount(address);
  }
  await evm.journal.cleanup();
  const storage = new Map<string, Array<[bigint, bigint]>>();
  for (const [k, v] of sm.storageStack[sm.storageStack.length - 1]) {
    const i = k.indexOf('_');
    const val = v.length === 0 ? 0n : bytesToBigInt(v);
    if (val === 0n) continue;
    const a = k.slice(0, i).toLowerCase();
    let l = storage.get(a);
    if (!l) storage.set(a, (l = []));
    l.push([BigInt(k.slice(i + 1)), val]);
  }
  const out: Array<[string, { balance: bigint; nonce: bigint; codeHash: Uint8Array }, Array<[bigint, bigint]>]> = [];
  for (const [k, acc] of sm.accountStack[sm.accountStack.length - 1]) {
    if (acc === undefined) continue; // deleted
    const a = k.toLowerCase();
    out.push([a, { balance: acc.balance, nonce: acc.nonce, codeHash: acc.codeHash }, storage.get(a) ?? []]);
  }
  return formatPostState(out);
}

/** An entry of ethereumjs' per-EVM opcode dispatch table (`evm._opcodeMap`, read by `Interpreter.lookupOpInfo`). */
interface OpEntry {
  opcodeInfo: { code: number };
  opHandler: (rs: any, common: Common) => unknown;
  gasHandler?: (rs: any, gas: bigint, common: Common) => unknown;
}

/**
 * Report halts of every frame to `onHalt` (runtime/halts.ts): frame results through 'afterMessage'; the fail-fast
 * failures of CALL/CALLCODE/DELEGATECALL/STATICCALL/CREATE/CREATE2 (depth ≥ 1024, value above the balance — the
 * conditions of `Interpreter._baseCall` and `Interpreter.create`) by wrapping those opcode handlers of this EVM only
 * (a handler runs once the opcode's gas was paid); RETURNDATACOPY out of bounds, which ethereumjs reports as 'out of
 * gas', by wrapping its gas handler. The wrappers only read: the run is unchanged.
 */
function installHaltHooks(evm: EVM, onHalt: (kind: string) => void): void {
  let rdcOutOfBounds = false;
  evm.events!.on('afterMessage', (r: any) => {
    const e: string | undefined = r?.execResult?.exceptionError?.error;
    if (e !== undefined) {
      let k = haltKindOfError(e);
      if (rdcOutOfBounds && k === 'out of gas') k = 'return data out of bounds';
      if (k !== undefined) onHalt(k);
    }
    rdcOutOfBounds = false;
  });
  const map = (evm as unknown as { _opcodeMap: OpEntry[] })._opcodeMap;
  const common = evm.common;
  const depthLimit = Number(common.param('stackLimit'));
  const maxInit = common.isActivatedEIP(3860) ? BigInt(common.param('maxInitCodeSize')) : undefined;
  const wrap = (op: number, check: (rs: any) => string | undefined) => {
    const e = map[op];
    if (!e || e.opcodeInfo.code !== op) return; // not an instruction of this fork
    const orig = e.opHandler;
    map[op] = {
      ...e,
      opHandler: (rs, c) => {
        let k: string | undefined;
        try { k = check(rs); } catch { k = undefined; }
        if (k !== undefined) onHalt(k);
        return orig(rs, c);
      },
    };
  };
  const callCheck = (valueAt: number | undefined) => (rs: any): string | undefined => {
    if (rs.env.depth >= depthLimit) return 'call depth exceeded';
    if (valueAt !== undefined && rs.stack.peek(valueAt + 1)[valueAt] > rs.env.contract.balance) return 'insufficient balance';
    return undefined;
  };
  wrap(0xf1, callCheck(2)); // CALL: gas, to, value, …
  wrap(0xf2, callCheck(2)); // CALLCODE
  wrap(0xf4, callCheck(undefined)); // DELEGATECALL
  wrap(0xfa, callCheck(undefined)); // STATICCALL
  const createCheck = (n: number) => (rs: any): string | undefined => {
    if (n === 4 && rs.interpreter.isStatic()) return undefined; // CREATE2's handler traps first
    const [value, , length] = rs.stack.peek(n);
    if (maxInit !== undefined && length > maxInit) return undefined; // the initcode trap comes first
    if (rs.env.depth >= depthLimit) return 'call depth exceeded';
    if (value > rs.env.contract.balance) return 'insufficient balance';
    return undefined;
  };
  wrap(0xf0, createCheck(3)); // CREATE: value, offset, length
  wrap(0xf5, createCheck(4)); // CREATE2: value, offset, length, salt
  const rdc = map[0x3e];
  if (rdc?.opcodeInfo.code === 0x3e && rdc.gasHandler) {
    const orig = rdc.gasHandler;
    map[0x3e] = {
      ...rdc,
      gasHandler: (rs, gas, c) => {
        try {
          const [, off, len] = rs.stack.peek(3);
          if (off + len > BigInt(rs.interpreter.getReturnDataSize()) && rs.env.eof === undefined) rdcOutOfBounds = true;
        } catch { /* stack underflow: reported as such by the original handler */ }
        return orig(rs, gas, c);
      },
    };
  }
}

/** ethereumjs' error message without the ` at <codehash>/<address>:<pc>` suffix it appends to 'invalid JUMP'. */
function errorName(e: string | undefined): string | undefined {
  return e !== undefined && e.startsWith('invalid JUMP at ') ? 'invalid JUMP' : e;
}

interface OneRun {
  evm: EVM;
  sm: SimpleStateManager;
}

async function prepare(c: Case): Promise<OneRun> {
  const sm = await makeState(caseAccounts(c));
  const evm = await createEVM({ common: commonFor(c.fork, c.block.chainId), stateManager: sm });
  return { evm, sm };
}

/**
 * Run a case through @ethereumjs/evm `runCall` with the conventions of the file header.
 * Throws on ethereumjs internal failures (e.g. the KZG precompile), never on EVM-level errors.
 */
export async function runReference(c: ReferenceCase, opts: ReferenceOptions = {}): Promise<CaseResult> {
  const repeat = Math.max(1, Math.floor(opts.repeat ?? 1));
  const times: number[] = [];
  const caller = new Address(c.caller);
  const to = new Address(c.address);
  let last: { res: Awaited<ReturnType<EVM['runCall']>>; sm: SimpleStateManager; evm: EVM } | undefined;
  const steps: TraceStep[] = [];
  for (let i = 0; i < (opts.onStep ? 1 : repeat); i++) {
    const { evm, sm } = await prepare(c);
    if (opts.onHalt && i === 0) installHaltHooks(evm, opts.onHalt);
    if (opts.onStep) {
      evm.events!.on('step', (e: any, resolve?: () => void) => {
        steps.push({
          pc: e.pc, op: e.opcode.code, opName: opName(e.opcode.code), gas: e.gasLeft, gasCost: 0n, memSize: Number(e.memoryWordCount) * 32,
          stack: [...e.stack], depth: e.depth + 1, refund: e.gasRefund ?? 0n,
        });
        resolve?.();
      });
    }
    const block = makeBlock(c.fork, c.block);
    const t0 = performance.now();
    const res = await evm.runCall({
      caller,
      to,
      data: c.calldata,
      value: c.value,
      gasLimit: c.gas,
      block,
      origin: caller,
      gasPrice: c.gasPrice ?? 0n,
    });
    times.push(performance.now() - t0);
    last = { res, sm, evm };
  }
  if (opts.onStep) {
    const fork = parseForkName(c.fork)!;
    fillGasCosts(steps, (op) => BigInt(baseGas(fork, op) ?? 0));
    for (const s of steps) opts.onStep(s);
  }
  const { res, sm, evm } = last!;
  const er = res.execResult;
  const err = errorName(er.exceptionError?.error);
  const status: CaseResult['status'] = err === undefined ? 'success' : err === 'revert' ? 'revert' : 'halt';
  const logs: LogEntry[] = (er.logs ?? []).map(([address, topics, data]) => ({
    address: toHex(address),
    topics: topics.map(toHex),
    data: toHex(data),
  }));
  return {
    id: c.id,
    status,
    error: err ?? null,
    gasUsed: er.executionGasUsed.toString(),
    output: toHex(er.returnValue),
    logs,
    storage: formatStorage(dumpStorage(sm, c.address)),
    refund: (er.gasRefund ?? 0n).toString(),
    execMs: median(times),
    ...(opts.postState ? { postState: await referencePostState(evm, sm, res) } : {}),
  };
}

/** Input of {@link deployReference}: a top-level CREATE transaction-less message (runCall without `to`). */
export interface DeployInput {
  fork: ForkName;
  initCode: Uint8Array;
  caller: Uint8Array;
  gas: bigint;
  value?: bigint;
  block?: BlockEnv;
  /** Accounts existing before the deployment (the caller may be among them). */
  pre?: ReadonlyMap<string, PreAccount>;
}

/** Outcome of {@link deployReference}: the created account as a ready-to-use pre-state entry. */
export interface DeployResult {
  status: CaseResult['status'];
  error: string | null;
  /** Execution gas of the init code (no intrinsic gas, no code-deposit intrinsic beyond what runCall charges). */
  gasUsed: string;
  /** Created address, lowercase 0x hex. */
  address: string;
  /** The created account after deployment: nonce, balance, deployed runtime code, storage written by the constructor. */
  account: PreAccount;
  /** The caller account after deployment (runCall bumped its nonce). */
  callerAccount: PreAccount;
}

/**
 * Run init code through ethereumjs (runCall without `to`, same conventions as {@link runReference}) and return the
 * deployed account, so that benchmarks that need a constructor can be turned into plain {@link Case}s.
 */
export async function deployReference(d: DeployInput): Promise<DeployResult> {
  const block = d.block ?? defaultBlock();
  const sm = await makeState(d.pre ?? new Map());
  const evm = await createEVM({ common: commonFor(d.fork, block.chainId), stateManager: sm });
  const caller = new Address(d.caller);
  const res = await evm.runCall({
    caller,
    data: d.initCode,
    value: d.value ?? 0n,
    gasLimit: d.gas,
    block: makeBlock(d.fork, block),
    origin: caller,
  });
  const err = errorName(res.execResult.exceptionError?.error);
  if (!res.createdAddress) throw new Error('deployReference: runCall returned no created address');
  const readAccount = async (a: Address): Promise<PreAccount> => {
    const acc = await sm.getAccount(a);
    return {
      nonce: acc?.nonce ?? 0n,
      balance: acc?.balance ?? 0n,
      code: await sm.getCode(a),
      storage: new Map(dumpStorage(sm, a.bytes)),
    };
  };
  return {
    status: err === undefined ? 'success' : err === 'revert' ? 'revert' : 'halt',
    error: err ?? null,
    gasUsed: res.execResult.executionGasUsed.toString(),
    address: res.createdAddress.toString().toLowerCase(),
    account: await readAccount(res.createdAddress),
    callerAccount: await readAccount(caller),
  };
}

/** One entry of ethereumjs' opcode table. */
export interface EthereumjsOpcode {
  name: string;
  /** ethereumjs' static base fee (the dynamic part, e.g. EIP-2929 cold/warm access, is charged separately). */
  fee: number;
  dynamicGas: boolean;
}

const opcodeTables = new Map<ForkName, ReadonlyMap<number, EthereumjsOpcode>>();

/**
 * ethereumjs' own opcode table for a fork (`getOpcodesForHF`, the table `evm.getActiveOpcodes()` returns), including
 * the designated INVALID 0xFE.
 */
export function ethereumjsOpcodeTable(fork: ForkName): ReadonlyMap<number, EthereumjsOpcode> {
  let t = opcodeTables.get(fork);
  if (!t) {
    const common = new Common({ chain: Mainnet, hardfork: fork, params: paramsEVM });
    const m = new Map<number, EthereumjsOpcode>();
    for (const [code, op] of getOpcodesForHF(common).opcodes) {
      m.set(code, { name: op.name, fee: op.fee, dynamicGas: op.dynamicGas });
    }
    t = m;
    opcodeTables.set(fork, t);
  }
  return t;
}

/** True if `op` is a defined instruction of `fork` for ethereumjs (the designated INVALID 0xFE counts as undefined). */
export function opcodeAvailable(fork: ForkName, op: number): boolean {
  const e = ethereumjsOpcodeTable(fork).get(op);
  return e !== undefined && e.name !== 'INVALID';
}

/** ethereumjs' static base gas of `op` on `fork`, or undefined where {@link opcodeAvailable} is false. */
export function baseGasOf(fork: ForkName, op: number): number | undefined {
  return opcodeAvailable(fork, op) ? ethereumjsOpcodeTable(fork).get(op)!.fee : undefined;
}
