import path from 'node:path';
import { shellWord } from '../core/resume-command.js';
import { SfsyncError, signalExitCode, type StopSignal } from '../errors.js';
import type { InterruptHandlers, OnInterrupt } from '../core/interrupt.js';

/**
 * SIGINT and SIGTERM, owned by a plan from its start: a signal while no step runs stops the plan before its next
 * step; one while a step runs goes to that step's sync (which finishes the calls in flight and stops).
 */
export class PlanSignals {
  signal: StopSignal | null = null;
  private step: InterruptHandlers | undefined;

  constructor(private readonly onStop: (signal: StopSignal, stepRunning: boolean) => void) {}

  listen(onInterrupt: OnInterrupt, quit: (signal: StopSignal) => SfsyncError): () => void {
    return onInterrupt({
      stop: (s) => {
        this.signal = s;
        this.onStop(s, this.step !== undefined);
        this.step?.stop(s);
      },
      quit: (s) => {
        // The step's own quit releases its lock and claim; the plan's error says how to continue the plan.
        this.step?.quit(s);
        return quit(s);
      },
    });
  }

  /** The onInterrupt a step's sync is given: the plan passes its signals on. */
  readonly forStep: OnInterrupt = (handlers) => {
    this.step = handlers;
    if (this.signal) handlers.stop(this.signal);
    return () => {
      if (this.step === handlers) this.step = undefined;
    };
  };

  /** Throws when a signal came: before the plan wrote anything, or before its next step started. */
  check(where: { folder: boolean; step?: string }): void {
    const s = this.signal;
    if (!s) return;
    if (!where.folder)
      throw new SfsyncError(
        'INTERRUPTED',
        `Interrupted by ${s} before the plan started: nothing was written, and no results folder was made.`,
        { exitCode: signalExitCode(s) },
      );
    throw new SfsyncError(
      'INTERRUPTED',
      `Interrupted by ${s} before ${where.step ? `step ${where.step} started` : 'the first step started'}.`,
      { exitCode: signalExitCode(s), resume: 'plan' },
    );
  }
}

/** The command that continues a plan from its results folder. */
export function planResume(opts: { plan: string; org?: string }, cwd: string, dir: string): string {
  const rel = path.relative(cwd, dir);
  const shown = rel && !rel.startsWith('..') ? rel : dir;
  return [
    'sfsync',
    'run',
    opts.plan,
    ...(opts.org ? ['--org', opts.org] : []),
    '--resume',
    '--results',
    shown,
  ]
    .map(shellWord)
    .join(' ');
}
