/**
 * @file The `mevmc` command line: yargs wiring only. Input errors print one line and exit 2;
 * unexpected errors print one line (no stack unless MEVMC_DEBUG=1) and exit 1. Started by cli/mevmc.ts.
 */
import yargs, { type Argv } from 'yargs';
import { InputError } from '../runtime/harness/case.ts';

// Commands are imported when used: binaryen and @ethereumjs take a second to load, and a typo in
// the input should be reported at once.

/** `--contract` of the commands reading artifacts. */
const CONTRACT_OPTION = { type: 'string', describe: 'which contract of solc JSON output with several: Name or file.sol:Name' } as const;
/** `--raw` of the commands reading code: a code file's bytes are the code even when they look like hex text. */
const RAW_OPTION = { type: 'boolean', default: false, describe: 'read the code file as raw bytes (default: hex text, else raw bytes)' } as const;

/** Options of deploy, send and call (cli/commands/state-tx.ts). */
function stateTxOptions<T>(y: Argv<T>) {
  return y
    .option('state', { type: 'string', demandOption: true, describe: 'prestate JSON file (created when missing, with the default sender funded)' })
    .option('from', { type: 'string', describe: 'sender (default 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, Anvil/Hardhat dev account 0)' })
    .option('value', { type: 'string', default: '0', describe: 'wei sent (decimal or 0x hex)' })
    .option('gas', { type: 'string', describe: 'gas limit (default: the block gas limit, 30,000,000)' })
    .option('abi', { type: 'string', describe: 'JSON ABI or artifact: custom errors of the callee decoded' })
    .option('fork', { type: 'string', default: 'cancun' })
    .option('engine', { choices: ['wasm', 'native'] as const, default: 'wasm' as const })
    .option('json', { type: 'boolean', default: false });
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const set = (p: number | Promise<number>) => Promise.resolve(p).then((c) => { code = c; });
  await yargs(argv)
    .scriptName('mevmc')
    .strict()
    .demandCommand(1, 'give a command (compile, disasm, run, deploy, send, call, corpus, bench, statetest, block, salt)')
    .fail((msg, err) => {
      throw err ?? new InputError(msg.replace(/\s*\n\s*/g, ' '));
    })
    .command('compile <code>', 'compile EVM runtime bytecode to WebAssembly, C or a native shared object', (y) => y
      .positional('code', { type: 'string', demandOption: true, describe: '0x… hex, a hex/.bin/raw file, or solc/Foundry/Hardhat JSON (runtime code)' })
      .option('raw', RAW_OPTION)
      .option('contract', CONTRACT_OPTION)
      .option('out', { alias: 'o', type: 'string', describe: 'output file (stdout if omitted; required for --target so)' })
      .option('target', { choices: ['wasm', 'c', 'so'] as const, default: 'wasm' as const, describe: 'wasm (binaryen), c (one self-contained C file), so (C compiled by clang ≥ 15)' })
      .option('emit', { choices: ['wasm', 'wat'] as const, default: 'wasm' as const, describe: 'with --target wasm: binary or text' })
      .option('fork', { type: 'string', default: 'cancun' })
      .option('optimize', { alias: 'O', type: 'number', default: 2, choices: [0, 1, 2, 3] }),
    async (a) => set((await import('./commands/compile.ts')).compileCommand(a as never)))
    .command('disasm <code>', 'disassemble; --blocks shows basic blocks with gas/stack and fused jumps', (y) => y
      .positional('code', { type: 'string', demandOption: true })
      .option('raw', RAW_OPTION)
      .option('blocks', { type: 'boolean', default: false })
      .option('fork', { type: 'string', default: 'cancun' }),
    async (a) => set((await import('./commands/disasm.ts')).disasmCommand(a as never)))
    .command('run [code]', 'execute a message call (runCall conventions), or a batch of cases', (y) => y
      .positional('code', { type: 'string', describe: 'as for compile, or a .wasm module from mevmc compile' })
      .option('raw', RAW_OPTION)
      .option('contract', CONTRACT_OPTION)
      .option('batch', { type: 'string', describe: 'JSON-lines file of cases; prints one result per line' })
      .option('calldata', { type: 'string', default: '0x' })
      .option('gas', { type: 'string', default: '10000000' })
      .option('value', { type: 'string', default: '0' })
      .option('caller', { type: 'string', describe: 'msg.sender (default 0x1000…0001)' })
      .option('address', { type: 'string', describe: 'the address the code runs at (default 0x2000…0002)' })
      .option('fork', { type: 'string', describe: 'default cancun; a .wasm module runs on the fork it was compiled for' })
      .option('engine', { choices: ['wasm', 'native', 'ref'] as const, default: 'wasm' as const, describe: 'native: C via clang >= 15, run through koffi' })
      .option('json', { type: 'boolean', default: false })
      .option('repeat', { type: 'number', default: 1, describe: 'runs; execMs is their median' })
      .option('cache-dir', { type: 'string', describe: 'on-disk cache of compiled modules' })
      .option('trace', { type: 'boolean', default: false, describe: 'EIP-3155 JSON trace lines (tracing build, or ethereumjs with --engine ref)' }),
    async (a) => set((await import('./commands/run.ts')).runCommand(a as never)))
    .command('corpus', 'main job: compile and run the bundled corpus, compare with @ethereumjs/evm', (y) => y
      .option('repeat', { type: 'number', default: 3 })
      .option('filter', { type: 'string', describe: 'regex over case ids' })
      .option('engine', { choices: ['wasm', 'native'] as const, default: 'wasm' as const, describe: 'engine compared with @ethereumjs/evm' }),
    async (a) => set((await import('./commands/corpus.ts')).corpusCommand(a as never)))
    .command('bench', 'benchmarks (tinybench): ../shared/bench and the corpus, mevmc vs @ethereumjs/evm', (y) => y
      .option('filter', { type: 'string', describe: 'regex over program names' })
      .option('time', { type: 'number', default: 300, describe: 'ms of steady-state runs per program (at least 3–25 runs)' })
      .option('heavy', { type: 'boolean', default: false, describe: 'also run the reference on programs that take it minutes (snailtracer, burntpix…)' })
      .option('per-call', { type: 'boolean', default: false, describe: 'only the per-call table: µs per tiny call and transaction, against @ethereumjs' })
      .option('native', { type: 'boolean', default: true, describe: 'native engine column when clang is available (--no-native: wasm only)' }),
    async (a) => set((await import('./commands/bench.ts')).benchCommand(a as never)))
    .command('statetest <paths..>', 'run ethereum/tests GeneralStateTests (files or dirs) and compare post-state roots and logs', (y) => y
      .positional('paths', { type: 'string', array: true, demandOption: true })
      .option('fork', { type: 'string', default: 'Cancun', describe: 'state-test fork key(s), comma-separated, or "all"' })
      .option('filter', { type: 'string', describe: 'regex over <file>:<test>' })
      .option('skip', { type: 'string', describe: 'regex over <file>:<test> of cases to skip (default: CALLBlake2f_MaxRounds)' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON line per case' })
      .option('engine', { choices: ['wasm', 'native', 'ref'] as const, default: 'wasm' as const })
      .option('cache-dir', { type: 'string', describe: 'on-disk cache of compiled modules' })
      .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'worker processes' })
      .option('shard', { type: 'string', hidden: true }),
    async (a) => set((await import('./commands/statetest.ts')).statetestCommand(a as never)))
    .command('block <paths..>', 'execute whole blocks (pevm fixture folders, or RPC block JSON + prestate) and check them against their headers', (y) => y
      .command('gen', 'write a synthetic block (pevm fixture folder) of a parallelism workload: block gen --workload W [--txs N] -o DIR', (g) => g
        .option('workload', { choices: ['raw', 'raw-chain', 'raw-hot', 'erc20', 'swap', 'chain', 'hot10', 'hot30'] as const, demandOption: true,
          describe: 'raw: transfers between distinct accounts (raw-chain: one sender, raw-hot: one recipient); erc20: token transfers between distinct holders; swap: one Uniswap-V2-like pair per tx; chain: every tx increments one slot; hot10/hot30: erc20 with 10/30 % of transfers to one holder' })
        .option('txs', { type: 'number', describe: 'transactions (default: a ~30 Mgas block)' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output folder (block.json, pre_state.json, block_hashes.json)' })
        .option('seed', { type: 'string', default: '1', describe: 'keys, addresses and amounts derive from it: same seed, same block' }),
      async (a) => set((await import('./commands/block-gen.ts')).blockGenCommand(a as never)))
      .positional('paths', { type: 'string', array: true, demandOption: true })
      .option('engine', { choices: ['wasm', 'native', 'ref'] as const, default: 'wasm' as const })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object per block' })
      .option('filter', { type: 'string', describe: 'regex over the block folder/file name or number' })
      .option('repeat', { type: 'number', default: 1, describe: 'runs per block on fresh state; the median is reported' })
      .option('workers', { type: 'number', describe: 'worker threads executing transactions in parallel (default 1: sequential; parallel is not yet faster on 2 cores)' })
      .option('bench', { type: 'boolean', default: false, describe: 'also run @ethereumjs/vm runBlock and print a comparison table' })
      .option('senders', { type: 'string', describe: 'from (default): each transaction\'s from field; recover: from its signature (libsecp256k1, spread over --workers threads), checked against from, timed apart' })
      .option('pre', { type: 'string', describe: 'pre-state file (geth prestateTracer shape) for a block given as a file' })
      .option('block-hashes', { type: 'string', describe: 'BLOCKHASH file: { "<number>": "0xhash" }' })
      .option('chain', { type: 'string', describe: 'chain id and fork schedule: mainnet (default), sepolia, holesky, hoodi, or a geth genesis / chain config JSON file' })
      .option('state', { type: 'string', describe: 'salt:DIR: execute on a persistent SALT store per block (DIR/<number>, genesis = the pre-state) and print the SALT roots; memory (default)' })
      .option('witness-out', { type: 'string', describe: 'with --state salt:DIR: write each block\'s SALT witness (<number>.<hash>.salt, stateless-validator format) into this folder, for mevmc validate' })
      .option('cache-dir', { type: 'string', describe: 'on-disk cache of compiled modules' }),
    async (a) => set((await import('./commands/block.ts')).blockCommand(a as never)))
    .command('validate <blocks..>', 'stateless re-execution: verify a SALT witness, execute the block from it alone, print the post-state root', (y) => y
      .positional('blocks', { type: 'string', array: true, demandOption: true, describe: 'RPC block JSON files or pevm fixture folders (their pre-state is not used)' })
      .option('witness', { type: 'string', demandOption: true, describe: 'stateless-validator witness file (.salt, bincode WitnessFileContent), or a folder of <n>.<hash>.salt files (required with several blocks; OP chains also read the .mpt beside each)' })
      .option('parent-root', { type: 'string', describe: 'SALT state root of the parent block (0x + 64 hex); with an OP --chain, default: the stateRoot of the parent block file beside <block>' })
      .option('chain', { type: 'string', describe: 'mainnet (default), …, megaeth (OP Isthmus + MegaETH spec REX: deposits, L1 fee, fee vaults; header stateRoot checked), or a geth chain config file' })
      .option('next-witness', { type: 'string', describe: 'the next block\'s witness: our post-state is compared with the values it proves (OP --chain default: <n+1>.*.salt beside --witness)' })
      .option('code', { type: 'string', describe: 'code by hash: a folder of <hash>[.bin|.hex] files (a SALT store\'s code/) or a contracts.txt' })
      .option('expect-root', { type: 'string', describe: 'also check the post-state root against this one' })
      .option('engine', { choices: ['wasm', 'native'] as const, default: 'wasm' as const })
      .option('block-hashes', { type: 'string', describe: 'BLOCKHASH file: { "<number>": "0xhash" }' })
      .option('explain-gas', { type: 'boolean', default: false, describe: 'OP chain, gas and stateRoot FAIL: find the one transaction whose gas alone makes the root the header\'s (re-applies the batch per candidate, ~0.5 s each)' })
      .option('cache-dir', { type: 'string', describe: 'on-disk cache of compiled modules' })
      .option('json', { type: 'boolean', default: false, describe: '{ "block", "stateRoot", "ok", … }' }),
    async (a) => set((await import('./commands/validate.ts')).validateCommand(a as never)))
    .command('fuzz', 'differential fuzzing against @ethereumjs/evm; findings minimised into ./mevmc-regressions/ (--out)', (y) => y
      .option('seed', { type: 'number', describe: 'campaign seed (default: from the clock, printed)' })
      .option('runs', { type: 'number', describe: 'programs of this shard (default 1000 unless --duration)' })
      .option('duration', { type: 'string', describe: 'wall-clock budget, e.g. 60s, 10m' })
      .option('workers', { type: 'number', describe: 'worker threads (default: every core)' })
      .option('shard', { type: 'string', describe: 'i/n: this job runs the disjoint slice i of n' })
      .option('mode', { choices: ['gen', 'raw', 'mutate'] as const, default: 'gen' as const })
      .option('engine', { choices: ['wasm', 'native'] as const, default: 'wasm' as const, describe: 'mevmc engine under test (native: clang-built .so, ~10× fewer execs/s: each program is compiled by clang)' })
      .option('index', { type: 'number', describe: 'replay one program of the campaign (its global index)' })
      .option('out', { type: 'string', describe: 'directory for reproducers (default ./mevmc-regressions)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON line' }),
    async (a) => set((await import('./commands/fuzz.ts')).fuzzCommand(a as never)))
    .command('deploy <code> [args..]', 'deploy init code (or an artifact) with constructor arguments into a --state file; prints the address', (y) => stateTxOptions(y
      .positional('code', { type: 'string', demandOption: true, describe: 'init code: 0x… hex, a hex/.bin/raw file, or solc/Foundry/Hardhat JSON' })
      .positional('args', { type: 'string', array: true, describe: 'constructor arguments (from the artifact ABI or --sig)' })
      .option('sig', { type: 'string', describe: "constructor types for bare init code, e.g. 'constructor(uint256,string)'" })
      .option('raw', RAW_OPTION)
      .option('contract', CONTRACT_OPTION)),
    async (a) => set((await import('./commands/state-tx.ts')).deployCommand(a as never)))
    .command('send <address> <sig> [args..]', "commit a transaction calling '<sig>' (e.g. 'transfer(address,uint256)') to the --state file", (y) => stateTxOptions(y
      .positional('address', { type: 'string', demandOption: true })
      .positional('sig', { type: 'string', demandOption: true })
      .positional('args', { type: 'string', array: true })),
    async (a) => set((await import('./commands/state-tx.ts')).sendCommand(a as never)))
    .command('call <address> <sig> [args..]', "eth_call of '<sig>(<return types>)' (e.g. 'balanceOf(address)(uint256)'): decoded values, one per line; nothing is written", (y) => stateTxOptions(y
      .positional('address', { type: 'string', demandOption: true })
      .positional('sig', { type: 'string', demandOption: true })
      .positional('args', { type: 'string', array: true })),
    async (a) => set((await import('./commands/state-tx.ts')).callCommand(a as never)))
    .command('salt', 'SALT storage: `salt root <changes.jsonl>`, `salt verify-witness <file>… --parent-root 0x…`', (y) => y
      .strict(false),
    async (a) => set((await import('./salt/command.ts')).runSaltCommand(process.argv.slice(process.argv.indexOf('salt') + 1))))
    .version('0.1.0')
    .help()
    .parseAsync();
  return code;
}

/**
 * Run the command line `argv` (without node and script) to completion and return its exit code: input errors
 * print one `mevmc: error:` line (2), unexpected errors one line (1; the stack with MEVMC_DEBUG=1).
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    if (e instanceof InputError || (e instanceof Error && e.name === 'ClangMissingError')) {
      console.error(`mevmc: error: ${e.message}`);
      return 2;
    }
    console.error(`mevmc: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.MEVMC_DEBUG) console.error(e);
    return 1;
  }
}
