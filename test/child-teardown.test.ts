import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { spawnChild } from './helpers/children.js';

// A child process that runs until it is killed, as a hung `sfsync` run would.
const forever = (): ChildProcess =>
  spawnChild(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });

const started: ChildProcess[] = [];

describe('child processes a test starts (test/helpers/children.ts, test/setup-children.ts)', () => {
  it.fails('(a test that times out while its child runs)', { timeout: 500 }, async () => {
    started.push(forever());
    // Never settles: the test ends by its timeout, and its code is never resumed to stop the child.
    await new Promise(() => {});
  });

  it('are killed when their test timed out', () => {
    expect(started[0]?.signalCode).toBe('SIGKILL');
  });

  it('(a test that passes and leaves its child running)', () => {
    started.push(forever());
  });

  it('are killed when their test passed', () => {
    expect(started[1]?.signalCode).toBe('SIGKILL');
  });
});
