#!/usr/bin/env node
/**
 * @file The `mevmc` executable (package.json `bin`, built to dist/cli/mevmc.js).
 *
 * Nested calls re-enter compiled code synchronously (wasm → host → wasm …), so a 1024-deep call stack needs more
 * native stack than the main thread has (V8's ~1 MB reaches depth ~500, and the limit cannot be raised after start).
 * Commands that execute EVM code therefore run on one worker thread whose stack is set by `resourceLimits.stackSizeMb`
 * (a real thread stack, independent of `ulimit -s`); the main thread only relays signals and output. No process is
 * re-executed, so no process can be orphaned. Commands that never execute EVM code (disasm, compile, salt, help)
 * run on the main thread: nothing to wait for.
 */
import { Worker } from 'node:worker_threads';
import { SIGNAL_EXIT, type StopSignal, flushOutput, requestStop, stopSignal } from './stop.ts';

/** Stack of the execution thread: 64 MiB holds 1024 nested frames with a wide margin (address space only). */
export const EXECUTION_STACK_MB = 64;

/** Bytes of the thread's output our stdout may hold for a slow reader before the thread is made to wait. */
const OUTPUT_HIGH_WATER = 16 << 20;

/** How long a stopped command that did not take the stop over may take before it is terminated. */
const STOP_GRACE_MS = 500;

const INLINE = new Set(['disasm', 'compile', 'salt', 'help', '--help', '-h', '--version']);

const argv = process.argv.slice(2);

async function exitWith(code: number): Promise<never> {
  await flushOutput();
  process.exit(code);
}

if (argv.length === 0 || INLINE.has(argv[0])) {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => { if (!requestStop(sig)) void exitWith(SIGNAL_EXIT[sig]); });
  }
  const { runCli } = await import('./main.ts');
  const code = await runCli(argv);
  const sig = stopSignal();
  await exitWith(sig ? SIGNAL_EXIT[sig] : code);
} else {
  await runOnThread();
}

async function runOnThread(): Promise<void> {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './thread-boot.mjs' : './thread.js', import.meta.url);
  // Output backpressure: the thread waits (Atomics.wait) while this is 1, set when our stdout holds too much.
  const paused = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(entry, {
    workerData: {
      argv,
      tty: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true, columns: process.stdout.columns },
      paused,
    },
    resourceLimits: { stackSizeMb: EXECUTION_STACK_MB },
    // Relayed by hand, not auto-piped: the exit must wait until the last chunk has been handed to our own streams
    // (an auto-pipe can still hold data, paused by a slow reader, when the thread exits).
    stdout: true,
    stderr: true,
  });
  const relayed = [[worker.stdout, process.stdout], [worker.stderr, process.stderr]].map(([from, to]) =>
    new Promise<void>((resolve) => { from.pipe(to as NodeJS.WritableStream, { end: false }); from.on('end', resolve); }));
  let signal: StopSignal | undefined;
  let takenOver = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const stopNow = async () => {
    resume();
    await worker.terminate();
    // What the thread wrote before it stopped still goes out, unless the reader does not read at all.
    await Promise.race([Promise.all(relayed), new Promise((r) => setTimeout(r, 2000))]);
    await exitWith(SIGNAL_EXIT[signal!]);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (signal !== undefined) {
        // A second signal: the user wants out now.
        worker.postMessage({ stop: sig });
        void stopNow();
        return;
      }
      signal = sig;
      worker.postMessage({ stop: sig });
      // A thread busy in compiled code cannot read the message: if nobody takes the stop over, terminate it.
      graceTimer = setTimeout(() => { if (!takenOver) void stopNow(); }, STOP_GRACE_MS);
    });
  }
  // The thread posts its output as messages (cli/thread.ts): they arrive while it computes, in order, and are all
  // delivered before the 'exit' event.
  const resume = () => { Atomics.store(paused, 0, 0); Atomics.notify(paused, 0); };
  process.stdout.on('drain', resume);
  worker.on('message', (m: { stopping?: boolean; fd?: 1 | 2; data?: string | Uint8Array }) => {
    if (m.stopping) takenOver = true;
    if (m.fd === undefined || m.data === undefined) return;
    const to = m.fd === 1 ? process.stdout : process.stderr;
    if (!to.write(m.data) && to === process.stdout && process.stdout.writableLength > OUTPUT_HIGH_WATER) Atomics.store(paused, 0, 1);
  });
  let failure: Error | undefined;
  worker.on('error', (e) => { failure = e; });
  const code = await new Promise<number>((resolve) => worker.on('exit', resolve));
  clearTimeout(graceTimer);
  await Promise.all(relayed);
  if (failure) {
    process.stderr.write(`mevmc: ${failure.message}\n`);
    if (process.env.MEVMC_DEBUG) process.stderr.write(`${failure.stack}\n`);
  }
  await exitWith(signal ? SIGNAL_EXIT[signal] : failure ? 1 : code);
}
