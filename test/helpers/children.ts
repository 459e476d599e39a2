import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { TestRunner } from 'vitest';

type Owner = ReturnType<typeof TestRunner.getCurrentTest>;

/** Child processes still running, each with the test that started it (undefined: a hook of the file). */
const live = new Map<ChildProcess, Owner>();

/**
 * When vitest itself is stopped (SIGINT or SIGTERM), it exits without ending its workers: each runs on, orphaned,
 * with its children (a CLI run, a local org serving until it is stopped). A worker learns it from its IPC channel
 * closing: it kills its children and ends itself. A signal to the worker (Ctrl-C reaches the whole process group,
 * vitest ends a worker with SIGTERM) kills them too before the worker goes. Registered once a worker (a module of
 * an isolate: false run is loaded once).
 */
function killAllNow(): void {
  for (const child of live.keys())
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  live.clear();
}
const REAPER = Symbol.for('sfsync.test.children.reaper');
const registry = globalThis as { [REAPER]?: true };
if (!registry[REAPER]) {
  registry[REAPER] = true;
  process.on('exit', killAllNow);
  process.once('disconnect', () => {
    killAllNow();
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.once(signal, () => {
      killAllNow();
      // Then the signal's own end, as if this handler were not there (unless someone else handles it).
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
}

/**
 * `spawn`, with the child killed (SIGKILL) when its test ends, whether it passed, failed or timed out (a timed-out
 * test's code stops being awaited, and its child would otherwise run on and hold the worker): see
 * test/setup-children.ts. A child started in a `beforeAll` is killed when its file ends.
 */
export function spawnChild<T extends ChildProcess>(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): T {
  const child = spawn(command, args, options) as T;
  live.set(child, TestRunner.getCurrentTest());
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Kills the children `owner` started (all of them when `owner` is 'all') and waits for them to be gone. */
export async function killChildren(owner: Owner | 'all'): Promise<number> {
  const mine = [...live].filter(([, o]) => owner === 'all' || o === owner).map(([child]) => child);
  await Promise.all(
    mine.map(
      (child) =>
        new Promise<void>((gone) => {
          live.delete(child);
          if (child.exitCode !== null || child.signalCode !== null) return gone();
          child.once('exit', () => gone());
          child.kill('SIGKILL');
        }),
    ),
  );
  return mine.length;
}
