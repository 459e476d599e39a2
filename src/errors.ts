/** Exit codes are part of the user's contract (see `sfsync --help`). */
export const ExitCode = {
  /** Everything succeeded. */
  Ok: 0,
  /** Fatal: usage, config, auth, network after retries; nothing or only part of the input processed. */
  Fatal: 1,
  /** The run finished, but some records failed. */
  RecordsFailed: 2,
  /** Stopped by SIGINT (Ctrl-C) after writing every outcome and the command to continue (128 + 2). */
  Interrupted: 130,
  /** Stopped by SIGTERM (CI cancel, `timeout`, `docker stop`), likewise (128 + 15). */
  Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface SfsyncErrorOptions {
  /** What to do next, ideally the exact command to run. */
  hint?: string;
  /**
   * The hint is a fix after which the same command is run again: the hint reads "FIX, then run the command again.",
   * and a stopped run that can be continued says "FIX, then continue with the command below." (see continueHint).
   */
  thenRunAgain?: boolean;
  exitCode?: ExitCode;
  cause?: unknown;
  /** What a stopped run did before it stopped (its counts and results folder), for `--json` and people. */
  result?: unknown;
  /** The same result as lines for people (stdout), printed before the error. */
  summary?: string[];
  /** The exact command that continues a stopped run; printed last on stderr. */
  resume?: string;
}

/** The one error type of sfsync: a stable code for scripts, a message for people, and a hint. */
export class SfsyncError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** The hint without its last step, when that step is to run the command again. */
  readonly fix: string | undefined;
  readonly exitCode: ExitCode;
  readonly result: unknown;
  readonly summary: string[] | undefined;
  readonly resume: string | undefined;

  constructor(code: string, message: string, options: SfsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SfsyncError';
    this.code = code;
    this.fix = options.thenRunAgain ? options.hint : undefined;
    this.hint = this.fix !== undefined ? `${this.fix}, then run the command again.` : options.hint;
    this.exitCode = options.exitCode ?? ExitCode.Fatal;
    this.result = options.result;
    this.summary = options.summary;
    this.resume = options.resume;
  }
}

/** The hint of an error that stopped a run which can be continued: a plain re-run is refused while it is unfinished. */
export function continueHint(error: SfsyncError): string | undefined {
  return error.fix !== undefined ? `${error.fix}, then continue with the command below.` : error.hint;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

export function signalExitCode(signal: StopSignal): ExitCode {
  return signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted;
}

/**
 * A write to the results folder that failed for want of space (or quota) says so and where, instead of
 * "unexpected": the run can continue once there is room. Any other error is left as it is.
 */
export function diskFullError(err: unknown, dir: string): SfsyncError | null {
  const cause = err instanceof SfsyncError ? err.cause : err;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return null;
  return new SfsyncError(
    'DISK_FULL',
    `No space left on the device of the results folder ${dir} (${code}): the outcomes of the last records could not all be written.`,
    {
      hint: 'Free some space on that device (the records without an outcome are checked when you continue).',
      cause,
    },
  );
}

export function usageError(message: string, hint?: string): SfsyncError {
  return new SfsyncError('USAGE', message, { hint });
}

/** Any thrown value becomes an SfsyncError; unknown errors keep their message but get a generic code. */
export function toSfsyncError(err: unknown): SfsyncError {
  if (err instanceof SfsyncError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SfsyncError('INTERNAL', message, {
    hint: 'This is unexpected. Re-run with --verbose and report it with the output.',
    cause: err,
  });
}
