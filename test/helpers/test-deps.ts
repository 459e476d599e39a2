import { createMemoryTokenStore, type TokenStore } from '../../src/auth/token-store.js';
import type { Deps, InterruptHandlers } from '../../src/deps.js';
import type { StopSignal } from '../../src/errors.js';
import { createConnector } from '../../src/salesforce/connect.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../src/salesforce/retry.js';
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

/** Retries without waiting, so fault tests stay fast. */
export const FAST_RETRY: RetryPolicy = { ...DEFAULT_RETRY, baseDelayMs: 1, maxDelayMs: 5 };

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

export function createTestDeps(
  options: { tty?: boolean; env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {},
): TestDeps {
  const io = createTestIO(options);
  const tokenStore = createMemoryTokenStore();
  const openedUrls: string[] = [];
  let stopResolve: ((signal: string) => void) | undefined;
  let interruptHandler: InterruptHandlers | undefined;
  const stopped = new Promise<string>((resolve) => (stopResolve = resolve));
  return {
    io,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    tokenStore,
    store: () => tokenStore,
    connect: createConnector(options.env ?? {}, () => tokenStore, FAST_RETRY),
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
