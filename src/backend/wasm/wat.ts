/**
 * @file WebAssembly text of a compiled module, printed by wabt (an independent toolchain: it also
 * re-validates what binaryen emitted). The only importer of wabt.
 */
import wabtInit from 'wabt';

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

/** Disassemble a module to WAT; throws if wabt finds it invalid. */
export async function toWat(binary: Uint8Array): Promise<string> {
  wabt ??= await wabtInit();
  const mod = wabt.readWasm(binary, { readDebugNames: true, mutable_globals: true, bulk_memory: true, sign_extension: true });
  try {
    mod.validate();
    return mod.toText({ foldExprs: false, inlineExport: false });
  } finally {
    mod.destroy();
  }
}
