import { DEFAULT_API_VERSION } from '../core/api-version.js';
import { thousands } from '../core/plural.js';
import { Option, type Command } from 'commander';
import type { CompletionSpec } from '../commands/completion.js';
import type { DescribeOptions } from '../commands/options.js';
import type { ExportOptions } from '../commands/export.js';
import { AUTO_BULK_EXPORT_ROWS } from '../operations/export.js';
import { addCommon, apiVersionParser, common, intParser, listParser, str } from './parsers.js';
import type { RunCommand } from './run-command.js';

/** sfsync describe: the fields of an object, or the objects. */
export function addDescribeCommand(program: Command, run: RunCommand): void {
  addCommon(
    program
      .command('describe [object]')
      .description(
        'show the fields of an object (type, required on create, filterable, external ID); without OBJECT, list objects',
      )
      .option('--org <alias>', 'stored org to use')
      .option('--api-version <v>', `Salesforce API version, e.g. ${DEFAULT_API_VERSION}`, apiVersionParser),
  )
    .addHelpText('after', `\nExamples:\n  $ sfsync describe Contact\n  $ sfsync describe --json`)
    .action(async (object: string | undefined, raw: Record<string, unknown>) => {
      const opts: DescribeOptions = {
        ...common(raw),
        object,
        org: str(raw.org),
        apiVersion: str(raw.apiVersion),
      };
      await run('describe', 'describe', opts);
    });
}

/** sfsync export: a query or an object to CSV or NDJSON. */
export function addExportCommand(program: Command, run: RunCommand): void {
  addCommon(
    program
      .command('export [soql]')
      .description(
        'write the records of a SOQL query (or of an object) to CSV or NDJSON, ready to edit and load back',
      )
      .option('--object <name>', 'export this object instead of a query')
      .option(
        '--fields <list>',
        'with --object: the fields, comma-separated (default: every plain field)',
        listParser,
      )
      .option('--where <condition>', 'with --object: a SOQL condition, e.g. "Email != null"')
      .option('--limit <n>', 'with --object: at most this many records', intParser(1, 2_000_000_000))
      .option('-o, --output <file>', 'the file to write (default: standard output)')
      .addOption(
        new Option('--format <format>', 'csv or ndjson (default: from the file name, else csv)').choices([
          'csv',
          'ndjson',
        ]),
      )
      .addOption(
        new Option(
          '--api <api>',
          `REST pages, a Bulk API 2.0 query job, or auto (Bulk from ${thousands(AUTO_BULK_EXPORT_ROWS)} rows)`,
        )
          .choices(['rest', 'bulk', 'auto'])
          .default('auto'),
      )
      .option('--all-rows', 'include deleted and archived records (queryAll)')
      .option('--force', 'replace the output file if it exists')
      .option('--org <alias>', 'stored org to use')
      .option('--api-version <v>', `Salesforce API version, e.g. ${DEFAULT_API_VERSION}`, apiVersionParser),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync export "SELECT Id, FirstName, LastName, Email, Account.Name FROM Contact" -o contacts.csv\n  $ sfsync export --object Contact --fields Id,Email --where "Email != null" --format ndjson > contacts.ndjson\n  $ sfsync export --object Account --all-rows -o accounts.csv`,
    )
    .action(async (soql: string | undefined, raw: Record<string, unknown>) => {
      const opts: ExportOptions = {
        ...common(raw),
        soql,
        object: str(raw.object),
        fields: raw.fields as string[] | undefined,
        where: str(raw.where),
        limit: raw.limit as number | undefined,
        output: str(raw.output),
        format: raw.format as ExportOptions['format'],
        api: raw.api as ExportOptions['api'],
        allRows: raw.allRows === true,
        force: raw.force === true,
        org: str(raw.org),
        apiVersion: str(raw.apiVersion),
      };
      await run('export', 'export', opts);
    });
}

/** sfsync results: the summary of an earlier run. */
export function addResultsCommand(program: Command, run: RunCommand): void {
  addCommon(
    program
      .command('results')
      .argument('<dir>', 'a results folder of an earlier run')
      .description('print the summary of an earlier run from its results folder'),
  )
    .addHelpText('after', `\nExamples:\n  $ sfsync results sfsync-results/20260102T030405Z-upsert-Contact`)
    .action(async (dir: string, raw: Record<string, unknown>) =>
      run('results', 'results', { ...common(raw), dir }),
    );
}

/** sfsync completion: a shell script completing every command and flag of `program`. */
export function addCompletionCommand(program: Command, run: RunCommand): void {
  program
    .command('completion')
    .argument('<shell>', 'bash, zsh or fish')
    .description('print a shell completion script')
    .addHelpText(
      'after',
      `\nExamples:\n  $ source <(sfsync completion bash)\n  $ sfsync completion fish > ~/.config/fish/completions/sfsync.fish`,
    )
    .action(async (shell: string) => {
      const commands: CompletionSpec['commands'] = [];
      const walk = (cmd: Command, prefix: string): void => {
        for (const sub of cmd.commands) {
          const name = `${prefix}${sub.name()}`;
          if (sub.commands.length > 0) walk(sub, `${name} `);
          else
            commands.push({
              name,
              flags: sub.options.map((o) => o.long).filter((f): f is string => f !== undefined),
            });
        }
      };
      walk(program, '');
      await run('completion', 'completion', { json: false, verbose: false, shell, spec: { commands } });
    });
}
