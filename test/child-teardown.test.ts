import type { ChildProcess, ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { spawnChild } from './helpers/children.js';
import { waitFor } from './helpers/wait-for.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');

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

/** Whether a process runs (a zombie, already ended, counts as gone once its parent reaps it). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a vitest run stopped by a signal', () => {
  // SIGTERM (a CI timeout, `kill`); SIGINT takes the same way (the worker's IPC channel closes) and Ctrl-C reaches
  // the whole process group anyway. A run of vitest costs seconds: one signal is enough.
  it('leaves no child of a test running after SIGTERM (vitest exits without ending its workers)', async () => {
    const signal = 'SIGTERM';
    const vitest = spawnChild<ChildProcessByStdio<null, Readable, Readable>>(
      process.execPath,
      [VITEST, 'run', '--config', 'test/fixtures/killed-run/vitest.config.ts'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } },
    );
    let out = '';
    vitest.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    vitest.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    await waitFor(() => /CHILD (\d+)/.test(out), 'the fixture test to start its child', {
      limitMs: 60_000,
    });
    const pid = Number(/CHILD (\d+)/.exec(out)?.[1]);
    try {
      expect(running(pid)).toBe(true);
      vitest.kill(signal);
      await new Promise((resolve) => vitest.once('close', resolve));
      await waitFor(() => !running(pid), `the test's child (pid ${pid}) to be gone`, { limitMs: 10_000 });
    } finally {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 90_000);
});
