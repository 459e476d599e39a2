import { createMemoryTokenStore, type TokenStore } from '../../src/auth/token-store.js';
import type { Deps } from '../../src/deps.js';
import { createTestIO, type TestIO } from '../../src/ui/test-io.js';
import type { Prompter } from '../../src/ui/prompt.js';
import { noTTYError } from '../../src/ui/prompt.js';

export interface TestDeps extends Deps {
  io: TestIO;
  tokenStore: TokenStore;
  openedUrls: string[];
  /** Ends a long-running command, as Ctrl-C would. */
  stop: (signal?: string) => void;
}

const refusingPrompter: Prompter = {
  input: async () => {
    throw noTTYError();
  },
  confirm: async () => {
    throw noTTYError();
  },
  select: async () => {
    throw noTTYError();
  },
};

export function createTestDeps(
  options: { tty?: boolean; env?: NodeJS.ProcessEnv; stdin?: string } = {},
): TestDeps {
  const io = createTestIO(options);
  const tokenStore = createMemoryTokenStore();
  const openedUrls: string[] = [];
  let stopResolve: ((signal: string) => void) | undefined;
  const stopped = new Promise<string>((resolve) => (stopResolve = resolve));
  return {
    io,
    env: options.env ?? {},
    cwd: process.cwd(),
    tokenStore,
    store: () => tokenStore,
    prompt: refusingPrompter,
    openUrl: async (url) => void openedUrls.push(url),
    openedUrls,
    now: () => new Date('2026-01-02T03:04:05.000Z'),
    waitForStop: () => stopped,
    stop: (signal = 'SIGINT') => stopResolve?.(signal),
  };
}
