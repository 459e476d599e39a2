import type { SyncOptions } from '../commands/options.js';
import { usageError } from '../errors.js';
import { parseDeleteLimit, parseMissing } from '../operations/mirror.js';
import { str } from './parsers.js';

/** --delete-missing / --missing, --scope and --max-delete (upsert's mirror mode), checked together. */
export function mirrorOptions(file: string, raw: Record<string, unknown>): Partial<SyncOptions> {
  const words = raw.missing as string[] | undefined;
  if (raw.deleteMissing !== true && !words) {
    for (const [flag, key] of [
      ['--scope', 'scope'],
      ['--max-delete', 'maxDelete'],
    ] as const)
      if (raw[key] !== undefined)
        throw usageError(
          `${flag} works only with --delete-missing (or --missing).`,
          `Run: sfsync upsert ${file} --match KEY --delete-missing --scope "WHERE ..."`,
        );
    return {};
  }
  const missing = words ? parseMissing(words) : { verb: 'delete' as const };
  if (raw.deleteMissing === true && missing.verb !== 'delete')
    throw usageError(
      `--delete-missing deletes, but --missing ${words?.join(' ')} asks to ${missing.verb}: give one of them.`,
      `Run with --missing ${words?.join(' ')} alone, or with --delete-missing alone.`,
    );
  const scope = str(raw.scope);
  if (!scope || !/^\s*WHERE\s/i.test(scope))
    throw usageError(
      scope
        ? `--scope "${scope}" must be a SOQL WHERE clause (starting with WHERE).`
        : 'Mirror mode (--delete-missing, --missing) needs --scope: the records it may touch.',
      `Run: sfsync upsert ${file} --match KEY --delete-missing --scope "WHERE Region__c = 'EMEA'" (only records inside the scope whose key the file lacks are ${missing.verb === 'delete' ? 'deleted' : 'changed'}).`,
    );
  if (file === '-')
    throw usageError(
      'Mirror mode reads the file twice (its keys, then the upsert): it cannot read standard input.',
      'Save the input to a file and give its path.',
    );
  const maxDelete = str(raw.maxDelete);
  if (maxDelete !== undefined) parseDeleteLimit(maxDelete);
  return { missing, scope: scope.trim(), maxDelete };
}
