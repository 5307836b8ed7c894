/**
 * @file Vitest setup: load the wasm compiler before any test runs. Loaders compile synchronously only once
 * it is loaded (runtime/loader/wasm.ts); the CLI and the library load it on demand, but many tests run
 * cases through the synchronous `runCase`. Tests of the on-demand path run in a child process.
 */
import { ensureCompiler } from '../../runtime/loader/wasm.ts';

await ensureCompiler();
