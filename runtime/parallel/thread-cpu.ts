/**
 * @file CPU time of the calling thread, for the parallel executor's figures: on a loaded machine wall-clock times
 * mostly measure the scheduler, a thread's own CPU says what it did.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Per thread (module instances are per thread): its schedstat file, opened once (readFileSync cost ~150 µs). */
let fd: number | undefined;
let available = process.platform === 'linux';
const buf = Buffer.alloc(128);

/** Milliseconds the calling thread has been on a CPU (Linux schedstat, ns); undefined where unavailable. */
export function threadCpuMs(): number | undefined {
  if (!available) return undefined;
  try {
    // thread-self resolves to this thread's task at open; a read at offset 0 regenerates the figures.
    fd ??= openSync('/proc/thread-self/schedstat', 'r');
    const n = readSync(fd, buf, 0, buf.length, 0);
    const sp = buf.indexOf(32);
    return Number(buf.toString('latin1', 0, sp < 0 || sp > n ? n : sp)) / 1e6;
  } catch {
    available = false;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    return undefined;
  }
}

/** Wall-clock milliseconds comparable between threads (performance.now() has a per-thread origin). */
export const sharedNow = (): number => performance.timeOrigin + performance.now();
