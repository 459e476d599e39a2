import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { TestRunner } from 'vitest';

type Owner = ReturnType<typeof TestRunner.getCurrentTest>;

/** Child processes still running, each with the test that started it (undefined: a hook of the file). */
const live = new Map<ChildProcess, Owner>();

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
