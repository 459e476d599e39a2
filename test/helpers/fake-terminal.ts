import { PassThrough } from 'node:stream';
import { createIO, type IO } from '../../src/ui/io.js';

/** A terminal for the real prompts: a keyboard to type on, and everything shown on the screen so far. */
export function fakeTerminal(): { io: IO; keyboard: PassThrough; shown: () => string } {
  const keyboard = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
  // A terminal is never ended by the program writing to it: the prompts must not be able to close it.
  const screen = new PassThrough();
  screen.end = (() => screen) as typeof screen.end;
  let shown = '';
  screen.on('data', (d: Buffer) => (shown += d.toString('utf8')));
  const io = createIO({
    stdout: screen,
    stderr: screen,
    stdin: keyboard,
    stdoutIsTTY: true,
    stderrIsTTY: true,
    stdinIsTTY: true,
    env: { NO_COLOR: '1' },
  });
  return { io, keyboard, shown: () => shown };
}
