import type * as TokenStores from './auth/token-store.js';
import type { TokenStore } from './auth/token-store.js';
import { installEarlySignals, ownSignals } from './early-signals.js';
import type { OnInterrupt } from './core/interrupt.js';
import { signalExitCode, type StopSignal } from './errors.js';
import type { Connect } from './salesforce/connect.js';
import { createInquirerPrompter, type Prompter } from './ui/prompt.js';
import { createProcessIO, type IO } from './ui/io.js';

/**
 * Every side effect a command may have. Tests hand in a test IO, an in-memory store and a client
 * pointed at the local org; nothing touches the disk or the network until a command asks for it.
 */
export interface Deps {
  io: IO;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Opened lazily: `--help` and offline commands never create the config folder. */
  store: () => TokenStore;
  /** A Salesforce client for the chosen org; nothing authenticates before a command calls it. */
  connect: Connect;
  prompt: Prompter;
  openUrl: (url: string) => Promise<void>;
  now: () => Date;
  /** Resolves with the signal's name when the user asks a long-running command (the emulator) to stop. */
  waitForStop: () => Promise<string>;
  /**
   * The first SIGINT or SIGTERM calls `stop` (finish the calls in flight, record every outcome). A second one
   * calls `quit` (src/cli.ts prints the error it returns: what was left undone, the command to continue) and
   * exits at once with 130 or 143. Returns a function that stops listening.
   */
  onInterrupt: OnInterrupt;
  /** Called before a command runs (not for `--help`): loads what `store` needs. */
  ready?: () => Promise<void>;
}

export type { InterruptHandlers } from './core/interrupt.js';

export function createDefaultDeps(env: NodeJS.ProcessEnv = process.env): Deps {
  const io = createProcessIO(env);
  let store: TokenStore | undefined;
  // conf (with ajv and semver) is a quarter of `--help`'s start-up: loaded by `ready`, before a command runs.
  let stores: typeof TokenStores | undefined;
  const getStore = (): TokenStore => {
    if (!stores) throw new Error('The token store was asked for before deps.ready() loaded it.');
    return (store ??= stores.createFileTokenStore(stores.defaultConfigDir(env)));
  };
  installEarlySignals();
  return {
    io,
    env,
    cwd: process.cwd(),
    store: getStore,
    ready: async () => {
      stores ??= await import('./auth/token-store.js');
    },
    // jsforce loads only when a command connects.
    connect: async (options) =>
      (await import('./salesforce/connect.js')).createConnector(env, getStore)(options),
    prompt: createInquirerPrompter(io),
    openUrl: async (url) => {
      const { default: open } = await import('open');
      await open(url);
    },
    now: () => new Date(),
    onInterrupt: (handlers) => {
      let stopping = false;
      const handler = (signal: StopSignal): void => {
        if (!stopping) {
          stopping = true;
          handlers.stop(signal);
          return;
        }
        handlers.quit(signal);
        process.exit(signalExitCode(signal));
      };
      const release = ownSignals();
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        release();
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    waitForStop: () =>
      new Promise((resolve) => {
        const release = ownSignals();
        const stop = (signal: string): void => {
          release();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(signal);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
  };
}
