import { Readable } from 'node:stream';
import { createIO, type IO } from './io.js';

export interface TestIO extends IO {
  /** Everything written to stdout so far. */
  readonly stdoutText: string;
  readonly stderrText: string;
}

export interface TestIOOptions {
  /** Pretend every stream is a terminal. */
  tty?: boolean;
  env?: NodeJS.ProcessEnv;
  stdin?: string;
}

/** An IO whose streams are string buffers, for tests. */
export function createTestIO(options: TestIOOptions = {}): TestIO {
  const buffers = { out: '', err: '' };
  const tty = options.tty ?? false;
  const io = createIO({
    stdout: { write: (s: string) => (buffers.out += s) },
    stderr: { write: (s: string) => (buffers.err += s) },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    stdinIsTTY: tty,
    env: options.env ?? {},
  });
  return Object.defineProperties(io, {
    stdoutText: { get: () => buffers.out },
    stderrText: { get: () => buffers.err },
  }) as TestIO;
}
