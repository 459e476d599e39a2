import type { SfsyncError, StopSignal } from '../errors.js';

/**
 * What a long run does on SIGINT or SIGTERM. The first calls `stop` (finish the calls in flight, record every
 * outcome). A second one calls `quit` (src/cli.ts prints the error it returns: what was left undone, the command
 * to continue) and exits at once with 130 or 143.
 */
export interface InterruptHandlers {
  stop: (signal: StopSignal) => void;
  quit: (signal: StopSignal) => SfsyncError;
}

/** Starts listening for the signals; returns a function that stops listening. */
export type OnInterrupt = (handlers: InterruptHandlers) => () => void;
