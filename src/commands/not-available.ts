import { SfsyncError } from '../errors.js';

/** For commands whose flags are part of the contract already but whose body is not built yet. */
export function notAvailable(command: string): never {
  throw new SfsyncError(
    'NOT_AVAILABLE',
    `"sfsync ${command}" is not available yet in this version of sfsync.`,
    {
      hint: 'Run "sfsync --help" to see what this version can do.',
    },
  );
}
