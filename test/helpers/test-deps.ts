import os from 'node:os';
import path from 'node:path';
import { createMemoryTokenStore, type TokenStore } from '../../src/auth/token-store.js';
import type { Deps, InterruptHandlers } from '../../src/deps.js';
import type { StopSignal } from '../../src/errors.js';
import { createConnector } from '../../src/salesforce/connect.js';
import { DEFAULT_RETRY, FAST_RETRY, type RetryPolicy } from '../../src/salesforce/retry.js';
import { createTestIO, type TestIO } from '../../src/ui/test-io.js';
import type { Prompter } from '../../src/ui/prompt.js';
import { noTTYError } from '../../src/ui/prompt.js';

export interface TestDeps extends Deps {
  io: TestIO;
  tokenStore: TokenStore;
  openedUrls: string[];
  /** Ends a long-running command, as Ctrl-C would. */
  stop: (signal?: string) => void;
  /** Presses Ctrl-C (or sends SIGTERM) during a sync. */
  interrupt: (signal?: StopSignal) => void;
}

const TEST_CONFIG_DIR = path.join(os.tmpdir(), `sfsync-test-config-${process.pid}`);

const refusingPrompter: Prompter = {
  input: async () => {
    throw noTTYError();
  },
  confirm: async () => {
    throw noTTYError();
  },
  password: async () => {
    throw noTTYError();
  },
  select: async () => {
    throw noTTYError();
  },
};

/** Retries without waiting, so fault tests stay fast (the policy SFSYNC_TEST_TIMINGS=fast gives a spawned CLI). */
export { FAST_RETRY };

/** A policy (jitter fixed at its middle) that records the waits it is asked for instead of sleeping them. */
export function recordingPolicy(): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return {
    ...DEFAULT_RETRY,
    random: () => 0.5,
    waits,
    sleep: async (ms) => {
      waits.push(ms);
    },
  };
}

/**
 * The pace of a real org's client (DEFAULT_RETRY): a Bulk job not yet full waits a second for more records, where
 * FAST_RETRY's client waits a tenth of one. For tests of how records are gathered into jobs while the input is read.
 * Its sleeps (Bulk polls, retry backoff) are cut to 25 ms: the local org ends a job in milliseconds, and polling it
 * at a real org's pace cost these tests a second or two of waiting each.
 */
export const PRODUCTION_PACE: RetryPolicy = {
  ...DEFAULT_RETRY,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 25))),
};

export function createTestDeps(
  options: {
    tty?: boolean;
    env?: NodeJS.ProcessEnv;
    stdin?: string;
    cwd?: string;
    /** The client's retry policy (default FAST_RETRY), which also paces Bulk polls and job gathering. */
    retry?: RetryPolicy;
  } = {},
): TestDeps {
  // No heap governor (src/operations/heap.ts) unless a test asks for one: in-process runs share the test worker's
  // heap (vitest and every module loaded, above the 64 MB limit), so each run forced a full collection of it, about
  // a tenth of the CPU of the files that run syncs. A CLI process (bin/sfsync.js) keeps its governor.
  // A config folder of the test process's own, unless the test names one: runs keep their list of plan runs there
  // (plan-runs.ndjson), which must not land in the machine's ~/.config/sfsync.
  const env = { SFSYNC_HEAP_LIMIT_MB: '0', SFSYNC_CONFIG_DIR: TEST_CONFIG_DIR, ...options.env };
  const io = createTestIO(options);
  const tokenStore = createMemoryTokenStore();
  const openedUrls: string[] = [];
  let stopResolve: ((signal: string) => void) | undefined;
  let interruptHandler: InterruptHandlers | undefined;
  const stopped = new Promise<string>((resolve) => (stopResolve = resolve));
  return {
    io,
    env,
    cwd: options.cwd ?? process.cwd(),
    tokenStore,
    store: () => tokenStore,
    connect: createConnector(env, () => tokenStore, options.retry ?? FAST_RETRY),
    prompt: refusingPrompter,
    openUrl: async (url) => void openedUrls.push(url),
    openedUrls,
    now: () => new Date('2026-01-02T03:04:05.000Z'),
    waitForStop: () => stopped,
    onInterrupt: (handlers) => {
      interruptHandler = handlers;
      return () => (interruptHandler = undefined);
    },
    interrupt: (signal = 'SIGINT') => interruptHandler?.stop(signal),
    stop: (signal = 'SIGINT') => stopResolve?.(signal),
  };
}
