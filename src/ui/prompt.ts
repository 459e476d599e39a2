import { ExitCode, SfsyncError } from '../errors.js';
import type { IO } from './io.js';

export interface Choice<T extends string> {
  value: T;
  name?: string;
  description?: string;
}

/** Questions to a person. Every method refuses (instead of hanging) when nobody can answer. */
export interface Prompter {
  input(message: string, options?: { default?: string; signal?: AbortSignal }): Promise<string>;
  confirm(message: string, options?: { default?: boolean }): Promise<boolean>;
  /** Input that is not echoed, for secrets. */
  password(message: string): Promise<string>;
  select<T extends string>(message: string, choices: Choice<T>[], options?: { default?: T }): Promise<T>;
}

export function noTTYError(): SfsyncError {
  return new SfsyncError('NO_TTY', 'This needs an answer from a person, but no terminal is attached.', {
    hint: 'Pass the answer as a flag (see --help), or use --yes to accept the proposed defaults.',
  });
}

/** Ctrl-C at a prompt (a keypress in raw mode, not a signal) is the user's choice, not a bug to report. */
async function cancellable<T>(ask: Promise<T>): Promise<T> {
  try {
    return await ask;
  } catch (err) {
    if (err instanceof Error && err.name === 'ExitPromptError')
      throw new SfsyncError('CANCELLED', 'Cancelled.', { exitCode: ExitCode.Interrupted });
    throw err;
  }
}

/** Prompts through @inquirer/prompts, drawn on stderr so stdout stays clean for data. */
export function createInquirerPrompter(io: IO): Prompter {
  const context = { input: io.stdin, output: io.stderr as NodeJS.WritableStream, clearPromptOnDone: false };
  const guard = (): void => {
    if (!io.canPrompt) throw noTTYError();
  };
  return {
    async input(message, options = {}) {
      guard();
      const { input } = await import('@inquirer/prompts');
      return cancellable(
        input({ message, default: options.default }, { ...context, signal: options.signal }),
      );
    },
    async confirm(message, options = {}) {
      guard();
      const { confirm } = await import('@inquirer/prompts');
      return cancellable(confirm({ message, default: options.default }, context));
    },
    async password(message) {
      guard();
      const { password } = await import('@inquirer/prompts');
      return cancellable(password({ message, mask: '*' }, context));
    },
    async select(message, choices, options = {}) {
      guard();
      const { select } = await import('@inquirer/prompts');
      return cancellable(select({ message, choices, default: options.default }, context));
    },
  };
}
