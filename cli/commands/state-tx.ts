/**
 * @file `mevmc deploy | send | call`: an ABI-aware, stateful command line in the conventions of Foundry's `cast`,
 * over the library's `Runtime` and a `--state` file of prestate JSON (geth's shape).
 *
 *   deploy <initcode|artifact> [ctor args…] --state s.json   prints the new address
 *   send <address> '<sig>' [args…] --state s.json             commits a transaction, prints status and gas
 *   call <address> '<sig>(<return types>)' [args…] --state s.json   prints decoded return values, one per line
 *
 * A missing state file starts an empty chain with the default sender (Anvil's first dev account) funded with
 * 10,000 ETH. deploy and send write the file back atomically (temp file + rename), also after a revert (the
 * nonce was used). Exit codes: 0 success, 1 revert or halt (its reason on stderr), 2 input errors (including a
 * transaction the chain rejects).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  AbiError, type Abi, type AbiParam, type ExecutionResult, DEV_ACCOUNT, Runtime, RuntimeInputError, StateFormatError,
  TxRejectedError, checksumAddress, constructorInputs, decodeArgs, encodeArgs, encodeCall, formatValue, jsonValue,
  parseSignature, toAddress,
} from '../../runtime/index.ts';
import { InputError } from '../../runtime/harness/case.ts';
import { readContractInput } from '../artifact.ts';

/** Options shared by the three commands. */
export interface StateTxArgs {
  state: string;
  from?: string;
  value: string;
  gas?: string;
  fork: string;
  engine: 'wasm' | 'native';
  json: boolean;
  abi?: string;
  args?: string[];
}

/** `deploy` arguments. */
export interface DeployArgs extends StateTxArgs {
  code: string;
  sig?: string;
  contract?: string;
  raw: boolean;
}

/** `send` / `call` arguments. */
export interface SendArgs extends StateTxArgs {
  address: string;
  sig: string;
}

/** Balance of the default sender in a new state file. */
const DEV_FUNDS = 10_000n * 10n ** 18n;

/** Library errors caused by the user's input become one `mevmc: error:` line (exit 2). */
async function userInput<T>(f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AbiError || e instanceof RuntimeInputError || e instanceof StateFormatError) throw new InputError(e.message);
    if (e instanceof TxRejectedError) throw new InputError(`transaction rejected: ${e.message}`);
    throw e;
  }
}

function openState(a: StateTxArgs): Runtime {
  const opts = { fork: a.fork, engine: a.engine };
  if (!existsSync(a.state)) {
    const rt = new Runtime(opts);
    rt.setAccount(DEV_ACCOUNT.address, { balance: DEV_FUNDS });
    return rt;
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(a.state, 'utf8'));
  } catch (e) {
    throw new InputError(`${a.state}: not a state file (prestate JSON): ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return Runtime.fromState(json as never, opts);
  } catch (e) {
    if (e instanceof StateFormatError) throw new InputError(`${a.state}: ${e.message}`);
    throw e;
  }
}

/** Write the state atomically: a reader sees the old file or the new one, never half of one. */
function saveState(rt: Runtime, file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(rt.dumpState(), null, 2) + '\n');
    renameSync(tmp, file);
  } catch (e) {
    throw new InputError(`--state ${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** An ABI from `--abi`: a JSON ABI array, or an artifact (solc JSON output, Foundry, Hardhat) with one. */
function readAbi(file: string | undefined): Abi | undefined {
  if (file === undefined) return undefined;
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`--abi ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid JSON'}`);
  }
  if (Array.isArray(j)) return j as Abi;
  const abi = readContractInput(file, { want: 'runtime' }).abi;
  if (!Array.isArray(abi)) throw new InputError(`--abi ${file}: expected a JSON ABI array or an artifact with an ABI`);
  return abi as Abi;
}

function common(a: StateTxArgs) {
  return {
    from: a.from === undefined ? DEV_ACCOUNT.address : toAddress(a.from, '--from'),
    value: a.value, ...(a.gas !== undefined ? { gas: a.gas } : {}),
  };
}

const resultJson = (r: ExecutionResult, extra: Record<string, unknown> = {}) => ({
  status: r.status, ...(r.contractAddress ? { address: r.contractAddress } : {}), gasUsed: r.gasUsed.toString(),
  logs: r.logs, ...extra, ...(r.error !== undefined ? { error: r.error } : {}),
});

/** Exit code of a result; a failure's reason goes to stderr. */
function finish(r: ExecutionResult): number {
  if (r.status === 'success') return 0;
  console.error(`mevmc: ${r.status === 'revert' ? 'reverted' : 'halted'}: ${r.error}`);
  return 1;
}

/** `mevmc deploy`. */
export async function deployCommand(a: DeployArgs): Promise<number> {
  const input = readContractInput(a.code, { want: 'init', contract: a.contract, raw: a.raw });
  return userInput(async () => {
    const abi = (input.abi as Abi | undefined) ?? readAbi(a.abi);
    const args = a.args ?? [];
    let params: AbiParam[] | undefined;
    if (a.sig !== undefined) {
      const s = parseSignature(/^\s*\(/.test(a.sig) ? `constructor${a.sig}` : a.sig);
      if (s.name !== 'constructor') throw new InputError(`--sig ${a.sig}: expected 'constructor(<types>)'`);
      params = s.inputs;
    } else if (abi) params = constructorInputs(abi);
    if (!params && args.length) throw new InputError(`${a.code} has no ABI: give --sig 'constructor(<types>)' to encode the constructor arguments`);
    const ctor = encodeArgs(params ?? [], args);
    const data = new Uint8Array(input.code.length + ctor.length);
    data.set(input.code);
    data.set(ctor, input.code.length);
    const rt = openState(a);
    const r = await rt.deploy({ ...common(a), data, ...(abi ? { abi } : {}) });
    saveState(rt, a.state);
    if (a.json) console.log(JSON.stringify(resultJson(r, r.status === 'success' ? {} : { returnData: r.returnData })));
    else if (r.contractAddress) console.log(checksumAddress(r.contractAddress));
    return finish(r);
  });
}

/** What send and call share: the target, the encoded call, the chain, and an ABI to decode custom errors. */
function prepareCall(a: SendArgs) {
  const to = toAddress(a.address, 'address');
  const sig = parseSignature(a.sig);
  return { to, sig, data: encodeCall(sig, a.args ?? []), rt: openState(a), abi: readAbi(a.abi) };
}

/** `mevmc send`. */
export async function sendCommand(a: SendArgs): Promise<number> {
  return userInput(async () => {
    const { to, data, rt, abi } = prepareCall(a);
    const r = await rt.transact({ ...common(a), to, data, ...(abi ? { abi } : {}) });
    saveState(rt, a.state);
    if (a.json) console.log(JSON.stringify(resultJson(r, { returnData: r.returnData })));
    else console.log(`status   ${r.status}\ngasUsed  ${r.gasUsed}\nlogs     ${r.logs.length}`);
    return finish(r);
  });
}

/** `mevmc call`: nothing is written. */
export async function callCommand(a: SendArgs): Promise<number> {
  return userInput(async () => {
    const { to, sig, data, rt, abi } = prepareCall(a);
    const r = await rt.call({ ...common(a), to, data, ...(abi ? { abi } : {}) });
    let values: unknown[] | undefined;
    if (r.status === 'success' && sig.outputs) values = decodeArgs(sig.outputs, r.returnData);
    if (a.json) console.log(JSON.stringify(resultJson(r, { returnData: r.returnData, ...(values ? { values: values.map(jsonValue) } : {}) })));
    else if (values) for (const [i, v] of values.entries()) console.log(formatValue(sig.outputs![i], v));
    else if (r.status === 'success') console.log(r.returnData);
    return finish(r);
  });
}
