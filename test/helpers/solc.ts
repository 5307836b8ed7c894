/**
 * @file Compiling Solidity for tests with solcjs (the same compiler and settings as corpus/build.ts): init code and
 * ABI of one contract, memoised per source so several tests share a compilation.
 */
import solc from 'solc';

/** A compiled contract: creation bytecode (`0x` hex) and its JSON ABI. */
export interface CompiledContract {
  initCode: string;
  runtimeCode: string;
  abi: any[];
}

const cache = new Map<string, Record<string, CompiledContract>>();

/** Compile `source` (optimizer on, runs 200, evmVersion cancun) and return contract `name`. Throws on solc errors. */
export function compileSolidity(source: string, name: string): CompiledContract {
  let contracts = cache.get(source);
  if (!contracts) {
    const input = {
      language: 'Solidity',
      sources: { 'main.sol': { content: source } },
      settings: {
        optimizer: { enabled: true, runs: 200 },
        evmVersion: 'cancun',
        outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
      },
    };
    const out = JSON.parse(solc.compile(JSON.stringify(input)));
    const errors = (out.errors ?? []).filter((e: any) => e.severity === 'error');
    if (errors.length) throw new Error('solc failed:\n' + errors.map((e: any) => e.formattedMessage).join('\n'));
    contracts = Object.fromEntries(Object.entries(out.contracts['main.sol'] as Record<string, any>).map(([n, c]) => [n, {
      initCode: '0x' + c.evm.bytecode.object, runtimeCode: '0x' + c.evm.deployedBytecode.object, abi: c.abi,
    }]));
    cache.set(source, contracts);
  }
  const c = contracts[name];
  if (!c) throw new Error(`no contract ${name} in the source`);
  return c;
}
