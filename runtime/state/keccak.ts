/**
 * @file Keccak-256 for the runtime's own hashing of large batches (trie roots, receipts roots, log blooms): the
 * builtins module's keccak-f (src/builtins/keccak.c, the one compiled contracts call), instantiated once per thread
 * over a private memory. Why: in a profile of `executeBlock` on a swap block (407 receipts with logs) @noble/hashes'
 * JS permutation took ~20 ms per block, half of the time spent outside execution; the wasm permutation is ~0.3 µs.
 */
import { builtinsModule } from '../../src/builtins/index.ts';

/** Below EVM_MEMORY_BASE (65536) the builtins keep their shadow stack, constants and KECCAK256 memo. */
const OUT = 65536;
const IN = OUT + 32;

let memory: WebAssembly.Memory | undefined;
let hash: ((out: number, input: number, len: number) => void) | undefined;
let bytes = new Uint8Array(0);

function instantiate(): (out: number, input: number, len: number) => void {
  memory = new WebAssembly.Memory({ initial: 4 });
  const exports = new WebAssembly.Instance(builtinsModule(), { env: { memory } }).exports;
  bytes = new Uint8Array(memory.buffer);
  return (hash = exports.mevmc_keccak256 as (out: number, input: number, len: number) => void);
}

/** keccak256(data) as 32 bytes. */
export function keccak256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  keccak256Into(data, out, 0);
  return out;
}

/** keccak256(data) written to `out[at, at + 32)` (trie nodes hash straight into their parent's encoding). */
export function keccak256Into(data: Uint8Array, out: Uint8Array, at: number): void {
  const f = hash ?? instantiate();
  const need = IN + data.length;
  if (need > bytes.length) {
    memory!.grow(Math.ceil((need - bytes.length) / 65536));
    bytes = new Uint8Array(memory!.buffer);
  }
  bytes.set(data, IN);
  f(OUT, IN, data.length);
  // The builtin stores the digest as an EVM word: little-endian, so its bytes come out reversed.
  for (let i = 0; i < 32; i++) out[at + i] = bytes[OUT + 31 - i];
}
