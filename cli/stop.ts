/**
 * @file Stopping on SIGINT/SIGTERM. The launcher (cli/mevmc.ts) turns a signal into `requestStop`; a command that
 * has something to finish (fuzz: its summary; statetest -j: its worker processes) registers a handler with
 * `onStop` and ends soon after, otherwise the process stops at once. Either way the exit code is 128 + the signal
 * number (130 for SIGINT, 143 for SIGTERM), as a shell reports a process killed by the signal.
 */

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Exit code after a stop by `signal`. */
export const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** `again`: a second signal arrived; stop without finishing anything. */
export type StopHandler = (signal: StopSignal, again: boolean) => void;

const handlers = new Set<StopHandler>();
let requested: StopSignal | undefined;

/** Register `h` while a command runs; returns the function that unregisters it. */
export function onStop(h: StopHandler): () => void {
  handlers.add(h);
  return () => handlers.delete(h);
}

/** The signal that asked this process to stop, if any. */
export function stopSignal(): StopSignal | undefined {
  return requested;
}

/** Tell the running command to stop. True when a handler took over (the command finishes soon); false: stop now. */
export function requestStop(signal: StopSignal): boolean {
  const again = requested !== undefined;
  requested ??= signal;
  if (again || handlers.size === 0) {
    for (const h of handlers) h(signal, true);
    return false;
  }
  for (const h of handlers) h(signal, false);
  return true;
}

/** Resolve once everything written so far to stdout and stderr has been handed to the OS (pipes drain before exit). */
export function flushOutput(): Promise<void> {
  const flush = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => {
    if (s.destroyed || !s.writable) resolve();
    else s.write('', () => resolve());
  });
  return Promise.all([flush(process.stdout), flush(process.stderr)]).then(() => {});
}
