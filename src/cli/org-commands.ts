import type { Command } from 'commander';
import type { LoginOptions, LogoutOptions, OrgOptions } from '../commands/options.js';
import { usageError } from '../errors.js';
import { EXIT_CODES_HELP } from '../help-text.js';
import { addCommon, common, intParser, str } from './parsers.js';
import type { RunCommand } from './run-command.js';

/** sfsync login: the OAuth flows, one at a time. */
export function addLoginCommand(program: Command, run: RunCommand): void {
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
}

/** sfsync logout, orgs and whoami: the stored orgs. */
export function addOrgCommands(program: Command, run: RunCommand): void {
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
}
