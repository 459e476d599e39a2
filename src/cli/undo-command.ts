import { Option, type Command } from 'commander';
import type { UndoOptions } from '../commands/undo.js';
import { usageError } from '../errors.js';
import { EXIT_CODES_HELP } from '../help-text.js';
import { addCommon, apiVersionParser, common, intParser, str } from './parsers.js';
import type { RunCommand } from './run-command.js';

const EXAMPLES = [
  'Examples:',
  '  $ sfsync undo sfsync-results/20260102T030405Z-upsert-Contact --dry-run',
  '  $ sfsync undo sfsync-results/20260102T030405Z-upsert-Contact',
  '  $ sfsync undo sfsync-results/20260102T030405Z-upsert-Contact --force --json',
  '  $ sfsync undo sfsync-results/20260102T030405Z-upsert-Contact --resume',
  '  $ sfsync undo sfsync-results/20260102T040000Z-undo-Contact   # undo the undo',
  '  $ sfsync undo out/load   # a plan: its steps the last first, children before parents',
].join('\n');

/** sfsync undo: a run taken back from the before-images in its results folder. */
export function addUndoCommand(program: Command, run: RunCommand): void {
  addCommon(
    program
      .command('undo')
      .argument('<dir>', 'the results folder of the run (or of the plan) to take back')
      .description(
        'take back a run: delete what it created, set back what it changed, undelete what it deleted',
      )
      .option('--dry-run', 'read the records and say what would be taken back, without writing anything')
      .option(
        '--force',
        'take back records changed since the run too (else they are left alone, reported as CONFLICT)',
      )
      .option(
        '--results <dir>',
        "folder for the undo's own results (default ./sfsync-results/<time>-undo-<Object>)",
      )
      .option(
        '--resume',
        'continue an interrupted undo (with --results DIR, else the newest unfinished one of this run)',
      )
      .option(
        '--batch-size <n>',
        'records per call (default 200, the most one call carries)',
        intParser(1, 200),
      )
      .addOption(
        new Option(
          '--api <api>',
          'REST, Bulk API 2.0 for the deletes and updates (undeletes stay SOAP calls), or auto: Bulk from 100,000 writes',
        ).choices(['rest', 'bulk', 'auto']),
      )
      .option('--org <alias>', 'stored org to use (the org the run wrote to)')
      .option('--api-version <v>', 'Salesforce API version, e.g. 62.0', apiVersionParser),
  )
    .addHelpText('after', `\n${EXAMPLES}\n\n${EXIT_CODES_HELP}`)
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const opts: UndoOptions = {
        ...common(raw),
        dir,
        dryRun: raw.dryRun === true,
        force: raw.force === true,
        resume: raw.resume === true,
        results: str(raw.results),
        batchSize: raw.batchSize as number | undefined,
        api: raw.api as UndoOptions['api'],
        org: str(raw.org),
        apiVersion: str(raw.apiVersion),
      };
      if (opts.resume && opts.dryRun) throw usageError('--resume and --dry-run cannot be used together.');
      if (opts.dryRun && opts.results !== undefined)
        throw usageError(
          `--results and --dry-run cannot be used together: an undo's dry run writes no results folder (it reads the records and prints what would be taken back).`,
          `Leave out --results ${opts.results} for the dry run; pass it to the undo itself.`,
        );
      await run('undo', 'undo', opts);
    });
}
