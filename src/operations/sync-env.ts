import { SfsyncError } from '../errors.js';

/** The heap size past which a run collects garbage between batches (see HeapGovernor). */
const HEAP_LIMIT_MB = 64;

/** SFSYNC_HEAP_LIMIT_MB: the governor's limit; 0 leaves the heap to V8 (faster, about 100 MB more at the peak). */
export function heapLimit(env: NodeJS.ProcessEnv): number {
  const raw = env.SFSYNC_HEAP_LIMIT_MB;
  if (raw === undefined || raw === '') return HEAP_LIMIT_MB * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 0)
    throw new SfsyncError(
      'CONFIG_INVALID',
      `SFSYNC_HEAP_LIMIT_MB=${raw} is not a whole number of megabytes.`,
      {
        hint: 'Set it to 0 (no limit) or to a size such as 64, or unset it.',
      },
    );
  return mb === 0 ? Infinity : mb * 1024 * 1024;
}

/** A whole number of bytes from the environment, or the default when unset; anything else is refused. */
export function envBytes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new SfsyncError('CONFIG_INVALID', `${name}=${raw} is not a whole number of bytes.`, {
      hint: `Set it to a size such as ${fallback}, or unset it.`,
    });
  return n;
}
