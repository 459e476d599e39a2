import { DEFAULT_API_VERSION } from '../core/api-version.js';
import { Option, type Command } from 'commander';
import type { SyncOperation, SyncOptions } from '../commands/options.js';
import { usageError } from '../errors.js';
import { checkAssignmentRule } from '../operations/assignment-rule.js';
import { mirrorOptions } from './mirror-flags.js';
import { EXIT_CODES_HELP, SYNC_EXAMPLES } from '../help-text.js';
import {
  addCommon,
  apiVersionParser,
  common,
  delimiterParser,
  intParser,
  listParser,
  str,
  upperChoice,
} from './parsers.js';

export function syncOptionsFrom(
  operation: SyncOperation,
  file: string,
  raw: Record<string, unknown>,
): SyncOptions {
  const opts: SyncOptions = {
    ...common(raw),
    operation,
    file,
    object: str(raw.object),
    match: raw.match as string[] | undefined,
    matchOperator: raw.matchOperator as SyncOptions['matchOperator'],
    allowSharedKeys: raw.allowSharedKeys === true ? true : undefined,
    createWhenKeyEmpty: raw.createWhenKeyEmpty === true ? true : undefined,
    mapping: str(raw.mapping),
    format: raw.format as SyncOptions['format'],
    delimiter: str(raw.delimiter),
    encoding: raw.encoding as SyncOptions['encoding'],
    dryRun: raw.dryRun === true,
    offline: raw.offline === true,
    api: raw.api as SyncOptions['api'],
    batchSize: raw.batchSize as number | undefined,
    concurrency: raw.concurrency as number | undefined,
    results: str(raw.results),
    resume: raw.resume === true,
    restart: raw.restart === true,
    org: str(raw.org),
    apiVersion: str(raw.apiVersion),
    failFast: raw.failFast === true,
    writeAll: raw.writeAll === true ? true : undefined,
    maxApiCalls: raw.maxApiCalls as number | undefined,
    allowDuplicates: raw.allowDuplicates === true ? true : undefined,
    hard: raw.hard === true ? true : undefined,
    yes: raw.yes === true ? true : undefined,
    assignmentRule:
      typeof raw.assignmentRule === 'string' ? checkAssignmentRule(raw.assignmentRule) : undefined,
    serial: raw.serial === true ? true : undefined,
    groupByParent: raw.groupByParent === false ? false : undefined,
    ...mirrorOptions(file, raw),
    backup: raw.backup === true ? true : undefined,
  };
  checkSyncOptions(opts, operation, file);
  return opts;
}

/** Flags that cannot go together, or not with this operation. */
function checkSyncOptions(opts: SyncOptions, operation: SyncOperation, file: string): void {
  if (opts.serial && (opts.concurrency ?? 1) > 1)
    throw usageError(
      `--serial sends one batch at a time; it cannot run with --concurrency ${opts.concurrency}.`,
      'Drop --concurrency, or drop --serial to send batches in parallel.',
    );
  if (opts.hard && opts.api === 'rest') {
    throw usageError(
      '--hard uses Bulk API 2.0 hardDelete, which REST does not offer: it cannot run with --api rest.',
      `Run "sfsync delete ${file} --hard" (it goes through Bulk API 2.0), or drop --hard to delete through REST.`,
    );
  }
  if (opts.offline && !opts.dryRun) {
    throw usageError(
      '--offline works only with --dry-run.',
      `Run "sfsync ${operation} ${file} --dry-run --offline".`,
    );
  }
  if (opts.resume && file === '-') {
    throw usageError(
      '--resume needs a file: standard input cannot be read again.',
      'Save the input to a file first.',
    );
  }
  if (opts.resume && opts.dryRun) throw usageError('--resume and --dry-run cannot be used together.');
  if (opts.resume && opts.restart) throw usageError('--resume and --restart cannot be used together.');
  if (operation === 'create' && opts.match) {
    throw usageError(
      'create does not look for existing records, so --match has no meaning for it.',
      `To update matches and create the rest, run "sfsync upsert ${file} --match ${opts.match.join(',')}".`,
    );
  }
  if (opts.createWhenKeyEmpty && operation !== 'upsert') {
    throw usageError(
      `--create-when-key-empty works only with upsert: ${operation} cannot create a record.`,
      'Give the records a value in the match field, or leave them out.',
    );
  }
}

/** The flags every sync command takes (--hard, --yes and --allow-duplicates are added per operation). */
function syncFlags(cmd: Command): Command {
  return cmd
    .option('--object <name>', 'Salesforce object API name (else the mapping, else the file name)')
    .option('--mapping <file>', 'mapping file (YAML or JSON); without one, columns are field API names')
    .option(
      '--match <fields>',
      'record matchers: fields that find existing records, comma-separated',
      listParser,
    )
    .option(
      '--match-operator <op>',
      'combine several match fields with OR (default) or AND',
      upperChoice(['OR', 'AND']),
    )
    .option(
      '--allow-shared-keys',
      'match on a field that does not identify a record (not an external ID, unique or idLookup field)',
    )
    .addOption(
      new Option('--format <format>', 'input format (else from the file extension)').choices([
        'csv',
        'ndjson',
      ]),
    )
    .option('--delimiter <char>', 'CSV delimiter: , ; | or tab (detected when omitted)', delimiterParser)
    .addOption(
      new Option('--encoding <enc>', 'input encoding (default utf8)').choices(['utf8', 'latin1', 'utf16le']),
    )
    .option('--dry-run', 'read, map, validate and match, but write nothing; report what would happen')
    .option('--offline', 'with --dry-run: do not contact any org, check what can be checked without one')
    .addOption(
      new Option('--api <api>', 'REST, Bulk API 2.0, or auto by size').choices(['rest', 'bulk', 'auto']),
    )
    .option(
      '--batch-size <n>',
      'records per call: REST at most 200 (default 200); Bulk records per job (default 10000)',
      intParser(1, 150_000_000),
    )
    .option('--concurrency <n>', 'batches in flight at once (default 4)', intParser(1, 32))
    .option('--results <dir>', 'folder for result files (default ./sfsync-results/<timestamp>)')
    .option('--resume', 'continue an interrupted run from its results folder')
    .option(
      '--restart',
      'start over although an unfinished run of this file exists (see --resume), or over the results in --results DIR',
    )
    .option('--org <alias>', 'stored org to use (default: SFSYNC_ORG, then the default org)')
    .option('--api-version <v>', `Salesforce API version, e.g. ${DEFAULT_API_VERSION}`, apiVersionParser)
    .option('--fail-fast', 'stop at the first failed record')
    .option(
      '--write-all',
      'update/upsert: send every field of every matched record (default: only records and fields that changed)',
    )
    .option(
      '--create-when-key-empty',
      'upsert: create records whose match key is blank (else they fail with MATCH_KEY_EMPTY)',
    )
    .option(
      '--max-api-calls <n>',
      'stop cleanly (resumable) before spending more than N API calls',
      intParser(1, 1_000_000_000),
    );
}

export function addSyncCommand(
  parent: Command,
  operation: SyncOperation,
  run: (opts: SyncOptions) => Promise<void>,
): void {
  const summary: Record<SyncOperation, string> = {
    create: 'create a record for each input record (no matching)',
    update: 'update the existing record each input record matches; no match is a record error',
    upsert: 'update the matching record, or create one when nothing matches',
    delete: 'delete the record each input record matches (by Id or --match)',
  };
  const cmd = syncFlags(
    parent
      .command(operation)
      .argument('<file>', 'a .csv or .ndjson file, or - for standard input')
      .description(summary[operation]),
  );
  if (operation !== 'delete')
    cmd.option(
      '--assignment-rule <rule>',
      'Lead/Case assignment rule: default (the active rule), none, or a rule Id (REST Sforce-Auto-Assign; Bulk assignmentRuleId)',
    );
  cmd
    .option(
      '--serial',
      'one batch in flight at a time (Bulk: one job at a time): the last resort against row locks',
    )
    .option(
      '--no-group-by-parent',
      "keep file order: do not group records by their parent lookup (by default one parent's children travel together, so parallel batches do not lock each other)",
    );
  if (operation === 'upsert')
    cmd
      .option(
        '--delete-missing',
        'mirror: after the upsert, delete the records in --scope whose match key is not in the file',
      )
      .option(
        '--missing <how...>',
        'mirror: what to do with them instead: delete, clear FIELD, or deactivate FIELD=VALUE',
      )
      .option('--scope <where>', 'mirror: SOQL WHERE clause bounding the records that may be touched')
      .option(
        '--max-delete <n|pct%>',
        'mirror: stop before touching anything when more would go (default 10% of the scope)',
      );
  if (operation !== 'create')
    cmd.option(
      '--backup',
      'save the full current records the run updates or deletes to backup.csv in the results folder first',
    );
  if (operation === 'delete')
    cmd
      .option(
        '--hard',
        'delete permanently with Bulk API 2.0 hardDelete (no Recycle Bin; needs the "Bulk API Hard Delete" permission)',
      )
      .option('--yes', 'confirm --hard without asking (required without a terminal)');
  else
    cmd.option(
      '--allow-duplicates',
      'save records that duplicate rules only alert on (Sforce-Duplicate-Rule-Header; Bulk refusals go again through REST)',
    );
  addCommon(cmd)
    .addHelpText('after', `\n${SYNC_EXAMPLES[operation]}\n\n${EXIT_CODES_HELP}`)
    .action(async (file: string, raw: Record<string, unknown>) => run(syncOptionsFrom(operation, file, raw)));
}
