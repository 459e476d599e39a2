import { signalExitCode, type StopSignal } from './errors.js';

/**
 * SIGINT and SIGTERM from the first moment: until a command takes them itself (a sync, a login waiting for its
 * browser), one ends the process as the default action would (exit 130 or 143: nothing has started).
 *
 * Installed before anything loads conf: conf's `when-exit` adds signal listeners that src/auth/conf.ts then
 * removes, and a signal caught while they existed was queued to a watcher that closed with them, so it was lost
 * and the run went on to the end. With this listener in place first, the watcher stays open and the signal is
 * acted on.
 */
let owners = 0;
let installed = false;

export function installEarlySignals(): void {
  if (installed) return;
  installed = true;
  const early = (signal: StopSignal): void => {
    if (owners === 0) process.exit(signalExitCode(signal));
  };
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
}

/** A command takes SIGINT and SIGTERM over until the returned function is called. */
export function ownSignals(): () => void {
  owners++;
  let released = false;
  return () => {
    if (!released) owners--;
    released = true;
  };
}
