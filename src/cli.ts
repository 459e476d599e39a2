import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type {
  CommonOptions,
  DescribeOptions,
  EmulatorOptions,
  LoginOptions,
  LogoutOptions,
  MappingCheckOptions,
  MappingInitOptions,
  OrgOptions,
  SyncOperation,
  SyncOptions,
} from './commands/options.js';
import type { Deps } from './deps.js';
import type { CompletionSpec } from './commands/completion.js';
import type { ExportOptions } from './commands/export.js';
import type { UndoOptions } from './commands/undo.js';
import { AUTO_BULK_EXPORT_ROWS } from './operations/export.js';
import { ExitCode, SfsyncError, toSfsyncError, usageError } from './errors.js';
import { ENVIRONMENT_HELP, EXIT_CODES_HELP, PROGRAM_EXAMPLES, SYNC_EXAMPLES } from './help-text.js';
import { defaultHandlers, type CommandOutput, type Handlers } from './handlers.js';
import { redact } from './core/redact.js';
import { installEarlySignals } from './early-signals.js';
import { failureEnvelope, successEnvelope } from './ui/json-envelope.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** What the last action ran, so errors can name the command and the exit code can be returned. */
interface RunState {
  command: string;
  json: boolean;
  exitCode: ExitCode;
}

function intParser(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

function listParser(value: string, previous: string[] | undefined): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new InvalidArgumentError('Expected field names separated by commas.');
  return [...(previous ?? []), ...items];
}

function upperChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    const v = value.toUpperCase() as T;
    if (!choices.includes(v)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    return v;
  };
}

const DELIMITERS: Record<string, string> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  '\t': '\t',
  '\\t': '\t',
  tab: '\t',
  '|': '|',
  pipe: '|',
};

function delimiterParser(value: string): string {
  const d = DELIMITERS[value.toLowerCase()];
  if (d === undefined) throw new InvalidArgumentError('Allowed: , ; | tab (or comma, semicolon, pipe).');
  return d;
}

function addCommon(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout and nothing else')
    .option('--verbose', 'explain more on stderr (secrets are always redacted)');
}

function common(raw: Record<string, unknown>): CommonOptions {
  return { json: raw.json === true, verbose: raw.verbose === true };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

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
  };
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
  return opts;
}

function rateParser(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('Expected a number from 0 to 1.');
  return n;
}

function apiVersionParser(value: string): string {
  const m = /^v?(\d{2,3})(?:\.0)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('Expected a Salesforce API version such as 62.0.');
  return `${m[1]}.0`;
}

function addSyncCommand(
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
  const cmd = parent
    .command(operation)
    .argument('<file>', 'a .csv or .ndjson file, or - for standard input')
    .description(summary[operation])
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
    .option('--api-version <v>', 'Salesforce API version, e.g. 62.0', apiVersionParser)
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

/**
 * The command tree. Actions turn flags into typed options and hand them to `run`, which the caller supplies,
 * so a test can capture parsed options without running anything.
 */
export function buildProgram(
  run: <K extends keyof Handlers>(
    name: K,
    command: string,
    opts: Parameters<Handlers[K]>[0],
  ) => Promise<void>,
): Command {
  const program = new Command('sfsync')
    .description(
      'Load CSV and NDJSON files into Salesforce: create, update, upsert and delete with record matchers.',
    )
    .version(pkg.version, '-v, --version', 'print the sfsync version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .addHelpText('after', `\n${PROGRAM_EXAMPLES}\n\n${EXIT_CODES_HELP}\n\n${ENVIRONMENT_HELP}`);

  addCommon(
    program
      .command('login')
      .description('log in to an org with OAuth 2.0 and store its tokens')
      .option('--sandbox', 'log in through test.salesforce.com (sandboxes)')
      .option('--instance-url <url>', 'My Domain URL (or the local org) to log in through')
      .option('--login-url <url>', 'same as --instance-url')
      .option('--alias <name>', 'name to store the org under (default: the username)')
      .option(
        '--client-id <id>',
        "your connected app's consumer key (default: the stored one, else the Salesforce CLI's app PlatformCLI)",
      )
      .option(
        '--port <n>',
        'port of the local OAuth callback on 127.0.0.1 (default 1717; another port needs --client-id)',
        intParser(0, 65535),
      )
      .option('--username <user>', 'login hint; required with --jwt-key')
      .option('--device', 'device flow: enter a code on another device')
      .option('--jwt-key <file>', 'JWT bearer flow with this private key (headless, for CI)')
      .option('--client-credentials', 'client credentials flow; secret from SFSYNC_CLIENT_SECRET or stdin')
      .option('--set-default', 'make this org the default')
      .option('--no-browser', 'print the authorize URL instead of opening a browser'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync login --sandbox --alias uat\n  $ sfsync login --instance-url https://acme.my.salesforce.com\n  $ sfsync login --jwt-key server.key --username ci@acme.com --client-id 3MVG9...\n\n${EXIT_CODES_HELP}`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const opts: LoginOptions = {
        ...common(raw),
        sandbox: raw.sandbox === true,
        instanceUrl: str(raw.instanceUrl),
        loginUrl: str(raw.loginUrl),
        alias: str(raw.alias),
        clientId: str(raw.clientId),
        port: raw.port as number | undefined,
        username: str(raw.username),
        device: raw.device === true,
        jwtKey: str(raw.jwtKey),
        clientCredentials: raw.clientCredentials === true,
        setDefault: raw.setDefault === true,
        browser: raw.browser !== false,
      };
      const flows = [opts.device, opts.jwtKey !== undefined, opts.clientCredentials].filter(Boolean).length;
      if (flows > 1) throw usageError('Choose one of --device, --jwt-key and --client-credentials.');
      if (opts.jwtKey !== undefined && opts.username === undefined) {
        throw usageError('--jwt-key needs --username: the user the token is issued for.');
      }
      if (opts.sandbox && (opts.instanceUrl ?? opts.loginUrl)) {
        throw usageError('--sandbox and --instance-url both choose the login host; use one.');
      }
      await run('login', 'login', opts);
    });

  addCommon(
    program
      .command('logout')
      .description('revoke and forget the tokens of a stored org')
      .option('--org <alias>', 'org to log out of (default: the default org)')
      .option('--all', 'log out of every stored org'),
  )
    .addHelpText('after', `\nExamples:\n  $ sfsync logout --org uat\n  $ sfsync logout --all`)
    .action(async (raw: Record<string, unknown>) => {
      const opts: LogoutOptions = { ...common(raw), org: str(raw.org), all: raw.all === true };
      if (opts.all && opts.org) throw usageError('Use either --org or --all, not both.');
      await run('logout', 'logout', opts);
    });

  addCommon(program.command('orgs').description('list stored orgs and the default one (never their tokens)'))
    .addHelpText('after', `\nExamples:\n  $ sfsync orgs\n  $ sfsync orgs --json`)
    .action(async (raw: Record<string, unknown>) => run('orgs', 'orgs', common(raw)));

  addCommon(
    program
      .command('whoami')
      .description('show the user, org and instance of the current org, and whether it is a sandbox')
      .option('--org <alias>', 'stored org to show (default: SFSYNC_ORG, then the default org)'),
  )
    .addHelpText('after', `\nExamples:\n  $ sfsync whoami\n  $ SFSYNC_ORG=uat sfsync whoami --json`)
    .action(async (raw: Record<string, unknown>) => {
      const opts: OrgOptions = { ...common(raw), org: str(raw.org) };
      await run('whoami', 'whoami', opts);
    });

  for (const operation of ['create', 'update', 'upsert', 'delete'] as const) {
    addSyncCommand(program, operation, (opts) => run('sync', operation, opts));
  }

  addCommon(
    program
      .command('describe [object]')
      .description(
        'show the fields of an object (type, required on create, filterable, external ID); without OBJECT, list objects',
      )
      .option('--org <alias>', 'stored org to use')
      .option('--api-version <v>', 'Salesforce API version, e.g. 62.0', apiVersionParser),
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
          `REST pages, a Bulk API 2.0 query job, or auto (Bulk from ${AUTO_BULK_EXPORT_ROWS.toLocaleString('en-US')} rows)`,
        )
          .choices(['rest', 'bulk', 'auto'])
          .default('auto'),
      )
      .option('--all-rows', 'include deleted and archived records (queryAll)')
      .option('--force', 'replace the output file if it exists')
      .option('--org <alias>', 'stored org to use')
      .option('--api-version <v>', 'Salesforce API version, e.g. 62.0', apiVersionParser),
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

  addCommon(
    program
      .command('undo')
      .argument('<dir>', 'the results folder of the run to take back')
      .description(
        'take back a run: delete what it created, set back what it changed, undelete what it deleted',
      )
      .option('--dry-run', 'read the records and say what would be taken back, without writing anything')
      .option(
        '--force',
        'take back records changed since the run too (else: left alone, reported as CONFLICT)',
      )
      .option(
        '--results <dir>',
        "folder for the undo's own results (default ./sfsync-results/<time>-undo-<Object>)",
      )
      .option('--resume', 'continue an interrupted undo (with --results DIR, else the newest unfinished one)')
      .option(
        '--batch-size <n>',
        'records per call (default 200, the most one call carries)',
        intParser(1, 200),
      )
      .option('--org <alias>', 'stored org to use (the org the run wrote to)')
      .option('--api-version <v>', 'Salesforce API version, e.g. 62.0', apiVersionParser),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync undo sfsync-results/20260102T030405Z-upsert-Contact --dry-run\n  $ sfsync undo sfsync-results/20260102T030405Z-upsert-Contact\n  $ sfsync undo sfsync-results/20260102T030405Z-upsert-Contact --force --json\n  $ sfsync undo sfsync-results/20260102T040000Z-undo-Contact   # undo the undo\n\n\${EXIT_CODES_HELP}`,
    )
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const opts: UndoOptions = {
        ...common(raw),
        dir,
        dryRun: raw.dryRun === true,
        force: raw.force === true,
        resume: raw.resume === true,
        results: str(raw.results),
        batchSize: raw.batchSize as number | undefined,
        org: str(raw.org),
        apiVersion: str(raw.apiVersion),
      };
      if (opts.resume && opts.dryRun) throw usageError('--resume and --dry-run cannot be used together.');
      await run('undo', 'undo', opts);
    });

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

  const mapping = program.command('mapping').description('create and check mapping files');
  addCommon(
    mapping
      .command('init <file>')
      .description(
        "propose a mapping from FILE's columns and the object's fields (interactive on a terminal)",
      )
      .option('--object <name>', 'Salesforce object API name (else inferred from the file name)')
      .option('--output <file>', 'where to write the mapping (default: <file>.mapping.yaml)')
      .option('--yes', 'accept every proposal without asking (the default without a terminal)')
      .option('--force', 'overwrite the mapping file if it exists')
      .option('--org <alias>', 'stored org to read metadata from'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync mapping init contacts.csv --object Contact\n  $ sfsync mapping init contacts.csv --object Contact --yes --force`,
    )
    .action(async (file: string, raw: Record<string, unknown>) => {
      const opts: MappingInitOptions = {
        ...common(raw),
        file,
        object: str(raw.object),
        output: str(raw.output),
        yes: raw.yes === true,
        force: raw.force === true,
        org: str(raw.org),
      };
      await run('mappingInit', 'mapping init', opts);
    });
  addCommon(
    mapping
      .command('check <mapping> [file]')
      .description("validate a mapping, against the org's metadata when one is reachable, and FILE's columns")
      .option('--offline', 'check without contacting any org')
      .option('--org <alias>', 'stored org to read metadata from'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync mapping check leads.mapping.yaml leads.ndjson\n  $ sfsync mapping check contacts.mapping.yaml --offline`,
    )
    .action(async (mappingFile: string, file: string | undefined, raw: Record<string, unknown>) => {
      const opts: MappingCheckOptions = {
        ...common(raw),
        mapping: mappingFile,
        file,
        offline: raw.offline === true,
        org: str(raw.org),
      };
      await run('mappingCheck', 'mapping check', opts);
    });

  addCommon(
    program
      .command('emulator')
      .description('run the built-in local Salesforce-compatible org on 127.0.0.1')
      .option('--port <n>', 'port to listen on (0 picks a free one)', intParser(0, 65535), 8383)
      .option('--data <file>', "keep the org's records in this file across restarts")
      .option('--schema <file>', 'custom objects and fields to add (JSON or YAML)')
      .option('--api-version <v>', 'newest API version the org offers', apiVersionParser)
      .option('--jwt-cert <file>', 'certificate (PEM) that verifies JWT bearer logins')
      .option('--token-ttl <seconds>', 'lifetime of access tokens (default 7200)', intParser(1, 31_536_000))
      .option('--api-limit <n>', 'DailyApiRequests limit (default 100000)', intParser(1, 1_000_000_000))
      .option('--latency <ms>', 'fault injection: delay every API call', intParser(0, 600_000))
      .option(
        '--transient-rate <0-1>',
        'fault injection: share of calls failing with 503 or UNABLE_TO_LOCK_ROW',
        rateParser,
      )
      .option(
        '--drop-rate <0-1>',
        'fault injection: share of connections dropped without an answer',
        rateParser,
      )
      .option(
        '--retry-after <seconds>',
        'fault injection: the Retry-After header of injected 503 answers',
        intParser(1, 3600),
      )
      .option(
        '--expire-every <n>',
        'fault injection: every Nth call finds its session expired',
        intParser(1, 1_000_000_000),
      )
      .option('--duplicate-rules <file>', 'duplicate rules to enforce (JSON or YAML; see README)')
      .option('--deny-hard-delete', 'the user lacks the "Bulk API Hard Delete" permission'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync emulator --port 8383 --data org.json\n  $ sfsync emulator --json   # one JSON line with the URL and a token, then serves`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const opts: EmulatorOptions = {
        ...common(raw),
        port: raw.port as number,
        data: str(raw.data),
        schema: str(raw.schema),
        apiVersion: str(raw.apiVersion),
        jwtCert: str(raw.jwtCert),
        tokenTtlSeconds: raw.tokenTtl as number | undefined,
        dailyApiRequests: raw.apiLimit as number | undefined,
        latencyMs: raw.latency as number | undefined,
        transientRate: raw.transientRate as number | undefined,
        dropRate: raw.dropRate as number | undefined,
        retryAfterSeconds: raw.retryAfter as number | undefined,
        expireSessionEvery: raw.expireEvery as number | undefined,
        duplicateRules: str(raw.duplicateRules),
        denyHardDelete: raw.denyHardDelete === true ? true : undefined,
      };
      await run('emulator', 'emulator', opts);
    });

  return program;
}

/** Commander must neither exit nor print errors itself: main() turns them into sfsync errors. */
function routeThroughDeps(cmd: Command, deps: Deps): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => void deps.io.stdout.write(s),
    writeErr: (s) => void deps.io.stderr.write(s),
    outputError: () => {},
  });
  for (const sub of cmd.commands) routeThroughDeps(sub, deps);
}

function commanderToSfsync(err: { message: string }, command: string): SfsyncError {
  const message = err.message.replace(/^error: /, '');
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return usageError(sentence, `Run "sfsync ${command === 'sfsync' ? '' : `${command} `}--help" for usage.`);
}

/** The words of argv that name a command, e.g. "mapping check", for error messages before an action runs. */
function commandFromArgv(program: Command, argv: string[]): string {
  const words: string[] = [];
  let cmd: Command | undefined = program;
  for (const arg of argv) {
    const sub: Command | undefined = cmd?.commands.find((c) => c.name() === arg);
    if (!sub) break;
    words.push(arg);
    cmd = sub;
  }
  return words.length > 0 ? words.join(' ') : 'sfsync';
}

function printOutput(deps: Deps, state: RunState, output: CommandOutput): void {
  if (output.printed) return;
  if (state.json) {
    deps.io.out(JSON.stringify(successEnvelope(state.command, output.result, state.exitCode)));
    return;
  }
  for (const line of output.lines ?? []) deps.io.out(line);
}

/**
 * An error on stderr (or as the one JSON document). A stopped run first shows what it did (its summary on stdout,
 * or its result in the JSON document), and stderr ends with the exact command that continues it.
 */
export function printError(deps: Deps, state: RunState, error: SfsyncError): void {
  // Errors can quote what a server said; no token, code or secret leaves through them.
  const safe = new SfsyncError(error.code, redact(error.message), {
    hint: error.hint && redact(error.hint),
    exitCode: error.exitCode,
    result: error.result,
    resume: error.resume,
  });
  const c = deps.io.colorErr;
  if (state.json) deps.io.out(JSON.stringify(failureEnvelope(state.command, safe)));
  else {
    for (const line of error.summary ?? []) deps.io.out(line);
    deps.io.err(`${c.red('Error:')} ${safe.message}`);
    if (safe.hint) deps.io.err(`${c.dim('Hint:')} ${safe.hint}`);
  }
  if (safe.resume) deps.io.err(`To continue where it stopped, run:\n  ${safe.resume}`);
}

/** Parses argv, runs the command, prints its result or error, and returns the exit code. Never throws. */
export async function main(
  argv: string[],
  deps: Deps,
  handlers: Handlers = defaultHandlers,
): Promise<ExitCode> {
  const state: RunState = { command: 'sfsync', json: argv.includes('--json'), exitCode: ExitCode.Ok };
  // A second Ctrl-C quits at once, from a signal handler: what it leaves undone is printed here all the same.
  const runDeps: Deps = {
    ...deps,
    onInterrupt: (h) =>
      deps.onInterrupt({
        stop: h.stop,
        quit: (signal) => {
          const error = h.quit(signal);
          deps.io.live(null);
          printError(deps, state, error);
          return error;
        },
      }),
  };
  const program = buildProgram(async (name, command, opts) => {
    state.command = command;
    state.json = opts.json;
    const handler = handlers[name] as (o: typeof opts, d: Deps) => Promise<CommandOutput>;
    const output = await handler(opts, runDeps);
    state.exitCode = output.exitCode ?? ExitCode.Ok;
    printOutput(deps, state, output);
  });
  routeThroughDeps(program, deps);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Ok;
      if (err.code === 'commander.help') return ExitCode.Fatal;
      state.command = commandFromArgv(program, argv);
      printError(deps, state, commanderToSfsync(err, state.command));
      return ExitCode.Fatal;
    }
    let error = toSfsyncError(err);
    if (state.command === 'sfsync') state.command = commandFromArgv(program, argv);
    if (error.code === 'USAGE' && error.hint === undefined) error = commanderToSfsync(error, state.command);
    printError(deps, state, error);
    return error.exitCode;
  }
}

export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  // Before deps.js loads conf (see early-signals.ts).
  installEarlySignals();
  const { createDefaultDeps } = await import('./deps.js');
  process.exitCode = await main(argv, createDefaultDeps());
}
