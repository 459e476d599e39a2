import type { Handlers } from '../handlers.js';

/** What a command's action calls with its typed options: src/cli.ts runs the handler, a test may only capture. */
export type RunCommand = <K extends keyof Handlers>(
  name: K,
  command: string,
  opts: Parameters<Handlers[K]>[0],
) => Promise<void>;
