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
  /**
   * The live line at the bottom of a terminal (progress), drawn in place; null clears it. Lines written with
   * err() while it is shown go above it: it is cleared first and drawn again after them.
   */
  live(line: string | null): void;
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

const CLEAR_LINE = '\r\u001b[2K';

export function createIO(parts: IOParts): IO {
  let live: string | null = null;
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
    err: (line) => void parts.stderr.write(live === null ? `${line}\n` : `${CLEAR_LINE}${line}\n${live}`),
    live: (line) => {
      if (line === null && live === null) return;
      live = line;
      parts.stderr.write(`${CLEAR_LINE}${line ?? ''}`);
    },
  };
}

/**
 * A stream whose reader went away (`sfsync describe Contact | head -1`) takes no more writes instead of failing
 * the command with an EPIPE stack trace: the reader has what it wanted.
 */
function untilClosed(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  return stream;
}

export function createProcessIO(env: NodeJS.ProcessEnv = process.env): IO {
  return createIO({
    stdout: untilClosed(process.stdout),
    stderr: untilClosed(process.stderr),
    stdin: process.stdin,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    env,
  });
}
