import path from 'node:path';
import type { SyncOptions } from './sync-options.js';

/** A word as a POSIX shell reads it: left alone when safe, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const DELIMITER_NAMES: Record<string, string> = { ',': ',', ';': ';', '|': '|', '\t': 'tab' };

/** The folder as the user would type it: relative to where they run sfsync when it is below, else absolute. */
function shownFolder(dir: string, cwd: string): string {
  const relative = path.relative(cwd, dir);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : dir;
}

/**
 * The exact command that continues a stopped run: the same operation, file and flags that decide what is sent
 * and how, then `--resume --results DIR` (relative to where the user runs it, when it is below).
 */
export function resumeCommand(opts: SyncOptions, dir: string, cwd: string): string {
  return resumeCommandOf(opts.operation, opts.file, runFlags(opts), dir, cwd);
}

/** The resume command from a run's recorded flags (its journal keeps runFlags), as `sfsync results` prints it. */
export function resumeCommandOf(
  operation: string,
  file: string,
  flags: readonly string[],
  dir: string,
  cwd: string,
): string {
  return ['sfsync', operation, file, ...flags, '--resume', '--results', shownFolder(dir, cwd)]
    .map(shellWord)
    .join(' ');
}

/**
 * The user's command again, with the flags that decide what is sent and how (the one source for every hint that
 * shows a command to run: resume, `sfsync results`, refusals that say which flag to add).
 */
export function runCommand(opts: SyncOptions): string {
  const results = opts.results === undefined ? [] : ['--results', opts.results];
  return ['sfsync', opts.operation, opts.file, ...runFlags(opts), ...results].map(shellWord).join(' ');
}

/** The flags (after the file) that decide what a run sends and how: what its resume must repeat. */
export function runFlags(opts: SyncOptions): string[] {
  const flags: Array<[string, string | number | boolean | undefined]> = [
    ['--object', opts.object],
    ['--mapping', opts.mapping],
    ['--match', opts.match?.join(',')],
    ['--match-operator', opts.matchOperator],
    ['--allow-shared-keys', opts.allowSharedKeys],
    ['--create-when-key-empty', opts.createWhenKeyEmpty],
    ['--format', opts.format],
    ['--delimiter', opts.delimiter === undefined ? undefined : DELIMITER_NAMES[opts.delimiter]],
    ['--encoding', opts.encoding],
    ['--api', opts.api],
    ['--batch-size', opts.batchSize],
    ['--concurrency', opts.concurrency],
    ['--org', opts.org],
    ['--api-version', opts.apiVersion],
    ['--fail-fast', opts.failFast],
    ['--write-all', opts.writeAll],
    ['--max-api-calls', opts.maxApiCalls],
    ['--allow-duplicates', opts.allowDuplicates],
    // A hard delete goes on as one: the rest of the file must not land in the Recycle Bin.
    ['--hard', opts.hard],
    ['--yes', opts.yes],
    ['--assignment-rule', opts.assignmentRule],
    ['--serial', opts.serial],
    ['--no-group-by-parent', opts.groupByParent === false],
    // Mirror mode goes on too: it runs once the resumed upsert has read the whole file.
    ['--delete-missing', opts.missing?.verb === 'delete'],
    ['--scope', opts.scope],
    ['--max-delete', opts.maxDelete],
    ['--backup', opts.backup],
    ['--json', opts.json],
  ];
  const words: string[] = [];
  for (const [flag, value] of flags) {
    if (value === undefined || value === false) continue;
    words.push(flag);
    if (value !== true) words.push(String(value));
  }
  const missing = opts.missing;
  if (missing && missing.verb !== 'delete')
    words.push(
      '--missing',
      missing.verb,
      missing.verb === 'clear' ? (missing.field ?? '') : `${missing.field ?? ''}=${missing.value ?? ''}`,
    );
  return words;
}
