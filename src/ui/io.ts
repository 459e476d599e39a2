import type { ChalkInstance } from 'chalk';
import { colorLevel, makeChalk } from './color.js';

export interface OutputStream {
  write(chunk: string): unknown;
}

/**
 * The only way commands reach the terminal: data goes to stdout, everything else to stderr,
 * each stream with its own colour decision.
 */
export interface IO {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** True only when a person can answer: stdin and stderr are terminals and this is not CI. */
  canPrompt: boolean;
  /** Colour for stdout and stderr, already off where NO_COLOR or a non-TTY says so. */
  colorOut: ChalkInstance;
  colorErr: ChalkInstance;
  /** Write a line of data to stdout. */
  out(line: string): void;
  /** Write a line of status, warning or hint to stderr. */
  err(line: string): void;
}

interface IOParts {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

function isCI(env: NodeJS.ProcessEnv): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

export function createIO(parts: IOParts): IO {
  return {
    stdout: parts.stdout,
    stderr: parts.stderr,
    stdin: parts.stdin,
    stdoutIsTTY: parts.stdoutIsTTY,
    stderrIsTTY: parts.stderrIsTTY,
    stdinIsTTY: parts.stdinIsTTY,
    canPrompt: parts.stdinIsTTY && parts.stderrIsTTY && !isCI(parts.env),
    colorOut: makeChalk(colorLevel(parts.stdoutIsTTY, parts.env)),
    colorErr: makeChalk(colorLevel(parts.stderrIsTTY, parts.env)),
    out: (line) => void parts.stdout.write(`${line}\n`),
    err: (line) => void parts.stderr.write(`${line}\n`),
  };
}

export function createProcessIO(env: NodeJS.ProcessEnv = process.env): IO {
  return createIO({
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    env,
  });
}
