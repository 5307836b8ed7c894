/**
 * @file The execution thread started by cli/mevmc.ts: runs the command line with the thread's large stack, takes
 * stop requests from the main thread (signals are only delivered there), and exits with the command's code.
 * Output written here reaches the process's stdout through the main thread, in order and in full.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runCli } from './main.ts';
import { SIGNAL_EXIT, type StopSignal, requestStop, stopSignal } from './stop.ts';

interface ThreadData {
  argv: string[];
  tty: { stdout: boolean; stderr: boolean; columns?: number };
  /** 1 while the main thread's stdout holds too much for a slow reader: wait before writing more. */
  paused: Int32Array;
}

const data = workerData as ThreadData;
// A worker's own stdout stream is flushed only when this thread's event loop turns, so a command computing for
// seconds between lines would show them late: output is posted to the main thread directly instead.
for (const [stream, fd] of [[process.stdout, 1], [process.stderr, 2]] as const) {
  stream.write = ((chunk: string | Uint8Array, enc?: unknown, cb?: unknown): boolean => {
    Atomics.wait(data.paused, 0, 1);
    parentPort!.postMessage({ fd, data: typeof chunk === 'string' ? chunk : new Uint8Array(chunk) });
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof stream.write;
}
// Streams of a worker are never TTYs: report what the process's streams are, so progress lines behave the same.
Object.defineProperty(process.stdout, 'isTTY', { value: data.tty.stdout, configurable: true });
Object.defineProperty(process.stderr, 'isTTY', { value: data.tty.stderr, configurable: true });
if (data.tty.columns) Object.defineProperty(process.stdout, 'columns', { value: data.tty.columns, configurable: true });

parentPort!.on('message', (m: { stop?: StopSignal }) => {
  if (!m.stop) return;
  if (requestStop(m.stop)) parentPort!.postMessage({ stopping: true });
  else process.exit(SIGNAL_EXIT[m.stop]);
});

const code = await runCli(data.argv);
const sig = stopSignal();
process.exit(sig ? SIGNAL_EXIT[sig] : code);
