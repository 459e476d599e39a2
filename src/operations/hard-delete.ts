import type { SyncOptions } from '../core/sync-options.js';
import { runCommand } from '../core/resume-command.js';
import { SfsyncError } from '../errors.js';

/** Asks a person a yes/no question (the answer defaults to no). */
export type Confirm = (question: string) => Promise<boolean>;

/**
 * --hard deletes past the Recycle Bin, for good: a person at a terminal confirms it, a script says --yes. Without a
 * terminal (no `confirm`) and without --yes the run is refused before it connects. Returns the question to ask once
 * the object is known, or null when nothing is to be asked.
 */
export function hardDeleteConfirmation(
  opts: SyncOptions,
  confirm: Confirm | undefined,
): ((object: string, org: string) => Promise<void>) | null {
  if (!opts.hard || opts.dryRun || opts.yes) return null;
  if (!confirm)
    throw new SfsyncError(
      'USAGE',
      '--hard deletes records permanently (no Recycle Bin), and no terminal is attached to confirm it.',
      {
        hint: `Add --yes to confirm: ${runCommand({ ...opts, yes: true })}`,
      },
    );
  return async (object, org) => {
    const ok = await confirm(
      `Permanently delete the ${object} records that ${opts.file === '-' ? 'standard input' : opts.file} names${org ? ` in ${org}` : ''}? Hard-deleted records skip the Recycle Bin and cannot be restored.`,
    );
    if (!ok)
      throw new SfsyncError('CANCELLED', 'Cancelled: nothing was deleted.', {
        hint: 'Run without --hard to delete into the Recycle Bin, where records can be restored for 15 days.',
      });
  };
}
