/** Exit codes are part of the user's contract (see `sfsync --help`). */
export const ExitCode = {
  /** Everything succeeded. */
  Ok: 0,
  /** Fatal: usage, config, auth, network after retries; nothing or only part of the input processed. */
  Fatal: 1,
  /** The run finished, but some records failed. */
  RecordsFailed: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface SfsyncErrorOptions {
  /** What to do next, ideally the exact command to run. */
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

/** The one error type of sfsync: a stable code for scripts, a message for people, and a hint. */
export class SfsyncError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: SfsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SfsyncError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.Fatal;
  }
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
