import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { Handlers } from '../src/handlers.js';
import { createTestDeps } from './helpers/test-deps.js';

/** Handlers that record the parsed options instead of running anything. */
function capturing(): { handlers: Handlers; calls: Array<{ name: string; opts: unknown }> } {
  const calls: Array<{ name: string; opts: unknown }> = [];
  const record =
    (name: string) =>
    async (opts: unknown): Promise<{ result: null }> => {
      calls.push({ name, opts });
      return { result: null };
    };
  const handlers = {
    login: record('login'),
    logout: record('logout'),
    orgs: record('orgs'),
    whoami: record('whoami'),
    sync: record('sync'),
    describe: record('describe'),
    mappingInit: record('mappingInit'),
    mappingCheck: record('mappingCheck'),
    emulator: record('emulator'),
    results: record('results'),
    export: record('export'),
    completion: record('completion'),
    undo: record('undo'),
    runPlan: record('runPlan'),
    planCheck: record('planCheck'),
  } satisfies Handlers;
  return { handlers, calls };
}

async function parse(argv: string[]): Promise<{ name: string; opts: Record<string, unknown> }> {
  const { handlers, calls } = capturing();
  const deps = createTestDeps();
  const code = await main(argv, deps, handlers);
  expect(deps.io.stderrText).toBe('');
  expect(code).toBe(0);
  expect(calls).toHaveLength(1);
  return calls[0] as { name: string; opts: Record<string, unknown> };
}

describe('flag parsing', () => {
  it.each([
    [
      'upsert with every sync flag',
      'upsert contacts.csv --object Contact --match Email,Phone --match-operator and --mapping m.yaml --format csv --delimiter tab --encoding latin1 --dry-run --api bulk --batch-size 100 --concurrency 2 --results out --org uat --api-version v61 --fail-fast --json',
      'sync',
      {
        operation: 'upsert',
        file: 'contacts.csv',
        object: 'Contact',
        match: ['Email', 'Phone'],
        matchOperator: 'AND',
        mapping: 'm.yaml',
        format: 'csv',
        delimiter: '\t',
        encoding: 'latin1',
        dryRun: true,
        offline: false,
        api: 'bulk',
        batchSize: 100,
        concurrency: 2,
        results: 'out',
        resume: false,
        org: 'uat',
        apiVersion: '61.0',
        failFast: true,
        json: true,
      },
    ],
    [
      'create from stdin',
      'create - --object Case --json',
      'sync',
      { operation: 'create', file: '-', object: 'Case' },
    ],
    [
      'update with repeated --match',
      'update l.ndjson --match Email --match Id',
      'sync',
      { match: ['Email', 'Id'] },
    ],
    [
      'delete offline dry run',
      'delete ids.csv --dry-run --offline',
      'sync',
      { operation: 'delete', offline: true },
    ],
    ['upsert resume', 'upsert c.csv --resume', 'sync', { resume: true, dryRun: false }],
    [
      // (--dry-run writes no results folder, so it goes without --results: see test/sync/hints.test.ts.)
      'undo with every flag',
      'undo runs/a --force --results out --batch-size 50 --org uat --api-version 61 --json',
      'undo',
      {
        dir: 'runs/a',
        dryRun: false,
        force: true,
        resume: false,
        results: 'out',
        batchSize: 50,
        org: 'uat',
        apiVersion: '61.0',
        json: true,
      },
    ],
    [
      'undo resume',
      'undo runs/a --resume',
      'undo',
      { dir: 'runs/a', resume: true, dryRun: false, force: false },
    ],
    [
      'sync defaults stay unset',
      'upsert c.csv',
      'sync',
      { matchOperator: undefined, api: undefined, batchSize: undefined },
    ],
    [
      'login with everything for the web flow',
      'login --sandbox --alias uat --client-id abc --port 1818 --username u@acme.com.uat --set-default --no-browser',
      'login',
      {
        sandbox: true,
        alias: 'uat',
        clientId: 'abc',
        port: 1818,
        username: 'u@acme.com.uat',
        setDefault: true,
        browser: false,
      },
    ],
    [
      'login to a My Domain',
      'login --instance-url https://acme.my.salesforce.com',
      'login',
      { instanceUrl: 'https://acme.my.salesforce.com', browser: true },
    ],
    [
      'login with JWT',
      'login --jwt-key k.pem --username ci@acme.com',
      'login',
      { jwtKey: 'k.pem', username: 'ci@acme.com' },
    ],
    [
      'login with client credentials',
      'login --client-credentials --instance-url https://acme.my.salesforce.com',
      'login',
      { clientCredentials: true },
    ],
    ['login with device', 'login --device', 'login', { device: true }],
    ['logout one org', 'logout --org uat', 'logout', { org: 'uat', all: false }],
    ['logout all', 'logout --all --json', 'logout', { all: true, json: true }],
    ['orgs', 'orgs --json', 'orgs', { json: true }],
    ['whoami', 'whoami --org uat', 'whoami', { org: 'uat', json: false }],
    [
      'describe an object',
      'describe Contact --api-version 62.0',
      'describe',
      { object: 'Contact', apiVersion: '62.0' },
    ],
    ['describe all objects', 'describe', 'describe', { object: undefined }],
    [
      'mapping init',
      'mapping init c.csv --object Contact --output c.yaml --yes --force',
      'mappingInit',
      { file: 'c.csv', object: 'Contact', output: 'c.yaml', yes: true, force: true },
    ],
    [
      'mapping check',
      'mapping check m.yaml c.csv --offline',
      'mappingCheck',
      { mapping: 'm.yaml', file: 'c.csv', offline: true },
    ],
    ['emulator defaults', 'emulator', 'emulator', { port: 8383, data: undefined }],
    ['results of a run', 'results out/run1 --json', 'results', { dir: 'out/run1', json: true }],
    ['completion', 'completion bash', 'completion', { shell: 'bash' }],
    [
      'emulator with flags',
      'emulator --port 0 --data org.json --schema s.yaml --api-version 60.0',
      'emulator',
      { port: 0, data: 'org.json', schema: 's.yaml', apiVersion: '60.0' },
    ],
  ])('%s', async (_title, argv, name, expected) => {
    const call = await parse(argv.split(' '));
    expect(call.name).toBe(name);
    expect(call.opts).toMatchObject(expected);
  });
});

describe('usage errors', () => {
  it.each([
    ['upsert', 'upsert', "Missing required argument 'file'"],
    ['upsert c.csv --batch-size 0', 'upsert', 'Expected a whole number from 1 to 150000000'],
    ['upsert c.csv --batch-size 2x', 'upsert', 'Expected a whole number'],
    ['upsert c.csv --match-operator XOR', 'upsert', 'Allowed choices are OR, AND'],
    ['upsert c.csv --api soap', 'upsert', 'Allowed choices are rest, bulk, auto'],
    ['upsert c.csv --match Email,,Phone', 'upsert', 'field names separated by commas'],
    ['upsert c.csv --delimiter x', 'upsert', 'Allowed: ,'],
    ['upsert c.csv --offline', 'upsert', '--offline works only with --dry-run'],
    ['upsert - --resume', 'upsert', 'standard input cannot be read again'],
    ['create c.csv --match Email', 'create', 'create does not look for existing records'],
    ['login --device --client-credentials', 'login', 'Choose one of'],
    ['login --jwt-key k.pem', 'login', '--jwt-key needs --username'],
    ['login --sandbox --instance-url https://x.my.salesforce.com', 'login', 'both choose the login host'],
    ['logout --all --org x', 'logout', 'either --org or --all'],
    ['upsrt c.csv', 'sfsync', 'Did you mean upsert?'],
    ['upsert c.csv --nope', 'upsert', "Unknown option '--nope'"],
    ['mapping check', 'mapping check', "Missing required argument 'mapping'"],
  ])('%s', async (argv, command, message) => {
    const { handlers, calls } = capturing();
    const human = createTestDeps();
    expect(await main(argv.split(' '), human, handlers)).toBe(1);
    expect(human.io.stdoutText).toBe('');
    expect(human.io.stderrText).toContain(message);
    expect(human.io.stderrText).toContain(`Hint:`);

    const json = createTestDeps();
    expect(await main([...argv.split(' '), '--json'], json, handlers)).toBe(1);
    const doc = JSON.parse(json.io.stdoutText);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      ok: false,
      command,
      exitCode: 1,
      error: { code: 'USAGE' },
    });
    expect(doc.error.message).toContain(message);
    expect(json.io.stdoutText.trim().split('\n')).toHaveLength(1);
    expect(json.io.stderrText).toBe('');
    expect(calls).toHaveLength(0);
  });
});

describe('help and version', () => {
  it('lists every command of the design and the exit codes', async () => {
    const deps = createTestDeps();
    expect(await main(['--help'], deps)).toBe(0);
    for (const cmd of [
      'login',
      'logout',
      'orgs',
      'whoami',
      'create',
      'update',
      'upsert',
      'delete',
      'describe',
      'mapping',
      'emulator',
    ]) {
      expect(deps.io.stdoutText).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    }
    expect(deps.io.stdoutText).toContain('Exit codes:');
    expect(deps.io.stdoutText).toContain('SFSYNC_ACCESS_TOKEN');
  });

  it.each(['create', 'update', 'upsert', 'delete', 'login'])(
    '%s --help has examples and exit codes',
    async (cmd) => {
      const deps = createTestDeps();
      expect(await main([cmd, '--help'], deps)).toBe(0);
      expect(deps.io.stdoutText).toContain('Examples:');
      expect(deps.io.stdoutText).toContain('2  the run finished, but some records failed');
    },
  );

  it('prints the version from package.json', async () => {
    const deps = createTestDeps();
    expect(await main(['--version'], deps)).toBe(0);
    expect(deps.io.stdoutText.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
