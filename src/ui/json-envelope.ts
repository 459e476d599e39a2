import type { SfsyncError } from '../errors.js';

/** Bumped only on a breaking change of any command's `--json` document. */
export const JSON_SCHEMA_VERSION = 1;

export interface JsonSuccess<T> {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: string;
  /** False when the command finished but reported a partial failure (exit code 2). */
  ok: boolean;
  exitCode: number;
  result: T;
}

export interface JsonFailure {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: string;
  ok: false;
  exitCode: number;
  error: {
    code: string;
    message: string;
    hint: string | null;
    /** The exact command that continues a stopped run (only when there is one). */
    resume?: string;
  };
  /** What a stopped run did before it stopped: its counts and results folder (only for a stopped run). */
  result?: unknown;
}

export type JsonEnvelope<T> = JsonSuccess<T> | JsonFailure;

export function successEnvelope<T>(command: string, result: T, exitCode: number): JsonSuccess<T> {
  return { schemaVersion: JSON_SCHEMA_VERSION, command, ok: exitCode === 0, exitCode, result };
}

export function failureEnvelope(command: string, error: SfsyncError): JsonFailure {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    command,
    ok: false,
    exitCode: error.exitCode,
    error: {
      code: error.code,
      message: error.message,
      hint: error.hint ?? null,
      ...(error.resume === undefined ? {} : { resume: error.resume }),
    },
    ...(error.result === undefined ? {} : { result: error.result }),
  };
}
