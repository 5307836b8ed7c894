#!/usr/bin/env node
// ns per host call per opcode (issue #14 part 2): a loop of N iterations whose body is one host opcode, against the
// same loop with the opcode replaced by stack work of the same shape; (t_op − t_base) / N, median of rounds, in
// one warm process on a fresh transaction state per run. Needs dist/ (npm run build).
//   node scripts/bench-host-ops.mjs [--engine wasm|native] [--n 20000] [--rounds 15] [--only REGEX (row names)]
// MEVMC_STATE_CACHE=0 runs the JS host path (storage in WorldState's maps) for a before/after comparison.
import { Executor } from '../dist/runtime/host/call.js';
import { WasmLoader, ensureCompiler } from '../dist/runtime/loader/wasm.js';
import { MemoryBackend, WorldState } from '../dist/runtime/state/world.js';
import { Fork } from '../dist/src/evm/forks.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('n', 20000));
const ROUNDS = Number(arg('rounds', 15));
const engine = arg('engine', 'wasm');

// body: [hex of the measured body, hex of the baseline body with the same stack effect]
const BODIES = {
  'SLOAD (warm)': ['600054' + '50', '6000' + '50'],
  'SSTORE (warm)': ['80' + '600055', '80' + '6000' + '5050'],
  'TLOAD': ['60005c' + '50', '6000' + '50'],
  'TSTORE': ['80' + '60005d', '80' + '6000' + '5050'],
  'BALANCE (warm)': ['3031' + '50', '30' + '50'],
  'LOG0': ['60006000a0', '60006000' + '5050'],
  'LOG1 (32 B)': ['600160206000a1', '600160206000' + '505050'],
  'LOG2 (32 B)': ['6002600160206000a2', '6002600160206000' + '50505050'],
  // erc20's Transfer shape: three topics, 32 bytes of data
  'LOG3 (32 B)': ['60036002600160206000a3', '60036002600160206000' + '5050505050'],
  'LOG4 (64 B)': ['600460036002600160406000a4', '600460036002600160406000' + '505050505050'],
  // Larger data, what the copy costs per byte: 2 MB of logs per run (N × 256 B at N = 20000 would be 5 MB, 50 Mgas of
  // LOG data; a 30 Mgas transaction logs at most 3.75 MB), so these rows run N / 2.5 and N / 10 iterations.
  'LOG3 (256 B)': ['600360026001610100' + '6000a3', '600360026001610100' + '6000' + '5050505050', 2.5],
  'LOG1 (1 KiB)': ['6001610400' + '6000a1', '6001610400' + '6000' + '505050', 10],
  'SELFBALANCE': ['47' + '50', '30' + '50'],
  'EXTCODESIZE': ['303b' + '50', '30' + '50'],
};

/** PUSH2 N; loop: JUMPDEST body PUSH1 1 SWAP1 SUB DUP1 PUSH1 loop JUMPI; STOP. */
function program(body, n = N) {
  const head = '61' + n.toString(16).padStart(4, '0');
  const loop = 3; // the JUMPDEST's pc
  return Buffer.from(head + '5b' + body + '600190038060' + loop.toString(16).padStart(2, '0') + '5700', 'hex');
}

const ADDR = '0x2000000000000000000000000000000000000002';
const CALLER = '0x1000000000000000000000000000000000000001';
const BLOCK = {
  number: 1n, timestamp: 1_700_000_000n, coinbase: '0x3000000000000000000000000000000000000003', gasLimit: 30_000_000n,
  baseFee: 0n, prevRandao: 0n, chainId: 1n, blobBaseFee: 1n, blobHashes: [], blockHash: () => 0n,
};

async function loaderFor() {
  if (engine === 'native') {
    const { NativeLoader } = await import('../dist/runtime/loader/native.js');
    return new NativeLoader();
  }
  await ensureCompiler();
  return new WasmLoader();
}

function runOnce(loader, code) {
  const backend = new MemoryBackend();
  backend.setAccount(ADDR, { balance: 1n, nonce: 1n, code }, new Map([[0n, 7n]]));
  const world = new WorldState(backend);
  world.warmAddress(ADDR);
  const ex = new Executor(world, Fork.Cancun, BLOCK, loader);
  const msg = {
    caller: CALLER, address: ADDR, codeAddress: ADDR, origin: CALLER, value: 0n, gasPrice: 0n, calldata: new Uint8Array(0),
    gas: 1_000_000_000n, isStatic: false, depth: 0,
  };
  const t0 = performance.now();
  const r = ex.run(msg, false);
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`status ${r.status}`);
  world.discard();
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const loader = await loaderFor();
console.log(`engine ${engine}, state cache ${process.env.MEVMC_STATE_CACHE === '0' ? 'off' : 'on'}, N=${N}, ${ROUNDS} rounds`);
console.log('opcode'.padEnd(16) + 'ns/call'.padStart(9));
const only = arg('only', '');
for (const [name, [body, base, div = 1]] of Object.entries(BODIES)) {
  if (only && !new RegExp(only).test(name)) continue;
  const n = Math.round(N / div);
  const p = program(body, n), b = program(base, n);
  for (let i = 0; i < 5; i++) { runOnce(loader, p); runOnce(loader, b); } // compile and tier up
  const diffs = [];
  for (let i = 0; i < ROUNDS; i++) diffs.push(runOnce(loader, p) - runOnce(loader, b));
  console.log(name.padEnd(16) + ((median(diffs) * 1e6) / n).toFixed(0).padStart(9));
}
