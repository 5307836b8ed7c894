/**
 * @file Builds the contract corpus: compiles every `corpus/contracts/*.sol` with solcjs and writes
 *
 *   corpus/build/<Name>.bin        runtime (deployed) bytecode, one hex line without 0x
 *   corpus/build/<Name>.abi.json   the ABI
 *   corpus/build/manifest.json     compiler version, settings and the sha256 of every source, so the
 *                                  test can tell a stale build from a fresh one without recompiling
 *   corpus/cases.jsonl             every case of cases.json in batch format (`mevmc run --batch`)
 *   corpus/build/workloads/        the same (<Name>.bin, <Name>.abi.json, manifest.json) for the contracts of
 *                                  `corpus/contracts/workloads/*.sol`: synthetic-block contracts (`mevmc block gen`),
 *                                  kept out of the corpus proper, whose every function needs a case and a model
 *
 * Every contract is compiled with the optimizer (runs 200). The contracts listed in `NOOPT` are
 * compiled a second time without it, as `<Name>.noopt`: unoptimised code has very different shapes
 * (more stack shuffling, no inlining, unfolded checks), which widens what the compiler is tested on.
 *
 * Run: `npx tsx corpus/build.ts` (or `npm run corpus`). Deterministic: same sources and solc version
 * give byte-identical outputs (the CBOR metadata at the end of each runtime is part of it).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import solc from 'solc';
import {
  BUILD_DIR, CONTRACTS_DIR, CORPUS_DIR, type Manifest, corpusCaseToJson, loadCorpusCases, sha256Hex,
} from './index.ts';

/** Contracts additionally compiled without the optimizer. */
const NOOPT = ['Fib', 'Sort', 'Token', 'Dispatch', 'Signed'];

const EVM_VERSION = 'cancun';

interface Compiled {
  abi: unknown[];
  evm: { deployedBytecode: { object: string } };
}

function compile(sources: Record<string, string>, optimize: boolean): Record<string, Record<string, Compiled>> {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([f, content]) => [f, { content }])),
    settings: {
      optimizer: { enabled: optimize, runs: 200 },
      evmVersion: EVM_VERSION,
      outputSelection: { '*': { '*': ['abi', 'evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e: any) => e.severity === 'error');
  // Warnings are expected (e.g. solc's generic EIP-1153 advice for Transient.sol): one line each.
  for (const e of out.errors ?? []) if (e.severity !== 'error') console.warn(`solc ${e.severity}: ${e.sourceLocation?.file ?? ''} ${e.message.split('\n')[0]}`);
  if (errors.length) throw new Error('solc failed:\n' + errors.map((e: any) => e.formattedMessage).join('\n'));
  return out.contracts;
}

function main(): void {
  const files = readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.sol')).sort();
  const sources = Object.fromEntries(files.map((f) => [f, readFileSync(join(CONTRACTS_DIR, f), 'utf8')]));

  // Start from an empty build dir so renamed/removed contracts do not leave stale binaries behind.
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });

  const manifest: Manifest = {
    compiler: solc.version(),
    evmVersion: EVM_VERSION,
    sources: Object.fromEntries(files.map((f) => [f, sha256Hex(sources[f])])),
    contracts: {},
  };

  const emit = (name: string, source: string, contract: string, optimizer: boolean, c: Compiled): void => {
    const bin = c.evm.deployedBytecode.object;
    if (!bin) return; // interfaces and abstract contracts have no runtime code
    if (manifest.contracts[name]) throw new Error(`duplicate contract name ${name}`);
    writeFileSync(join(BUILD_DIR, `${name}.bin`), bin + '\n');
    writeFileSync(join(BUILD_DIR, `${name}.abi.json`), JSON.stringify(c.abi, null, 2) + '\n');
    manifest.contracts[name] = { source, contract, optimizer, runtimeBytes: bin.length / 2 };
  };

  const optimized = compile(sources, true);
  for (const [file, contracts] of Object.entries(optimized)) {
    for (const [name, c] of Object.entries(contracts)) emit(name, file, name, true, c);
  }
  const noopt = compile(Object.fromEntries(Object.entries(sources).filter(([f]) => NOOPT.includes(f.replace(/\.sol$/, '')))), false);
  for (const [file, contracts] of Object.entries(noopt)) {
    for (const [name, c] of Object.entries(contracts)) emit(`${name}.noopt`, file, name, false, c);
  }
  for (const n of NOOPT) if (!manifest.contracts[`${n}.noopt`]) throw new Error(`NOOPT lists ${n}, which was not built`);

  writeFileSync(join(BUILD_DIR, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const workloads = buildWorkloads();

  // The batch file is derived from the fresh binaries, so it is written last.
  const cases = loadCorpusCases();
  writeFileSync(join(CORPUS_DIR, 'cases.jsonl'), cases.map((c) => JSON.stringify(corpusCaseToJson(c))).join('\n') + '\n');

  const names = Object.keys(manifest.contracts);
  console.log(`built ${names.length} runtimes (${names.join(', ')}) with ${manifest.compiler}; wrote ${cases.length} cases to corpus/cases.jsonl`);
  console.log(`built ${workloads.length} workload runtimes (${workloads.join(', ')}) into corpus/build/workloads/`);
}

/** The synthetic-block contracts (optimised, as the corpus): build/workloads/ with its own manifest. */
function buildWorkloads(): string[] {
  const dir = join(CONTRACTS_DIR, 'workloads');
  const out = join(BUILD_DIR, 'workloads');
  mkdirSync(out, { recursive: true });
  const files = readdirSync(dir).filter((f) => f.endsWith('.sol')).sort();
  const sources = Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const manifest: Manifest = {
    compiler: solc.version(),
    evmVersion: EVM_VERSION,
    sources: Object.fromEntries(files.map((f) => [f, sha256Hex(sources[f])])),
    contracts: {},
  };
  for (const [file, contracts] of Object.entries(compile(sources, true))) {
    for (const [name, c] of Object.entries(contracts)) {
      const bin = c.evm.deployedBytecode.object;
      if (!bin) continue; // interfaces
      writeFileSync(join(out, `${name}.bin`), bin + '\n');
      writeFileSync(join(out, `${name}.abi.json`), JSON.stringify(c.abi, null, 2) + '\n');
      manifest.contracts[name] = { source: file, contract: name, optimizer: true, runtimeBytes: bin.length / 2 };
    }
  }
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return Object.keys(manifest.contracts);
}

main();
