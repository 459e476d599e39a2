import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { ExitCode, SfsyncError } from '../src/errors.js';
import { defaultHandlers, type Handlers } from '../src/handlers.js';
import { colorLevel } from '../src/ui/color.js';
import { createTestIO } from '../src/ui/test-io.js';
import { createTestDeps } from './helpers/test-deps.js';

function withOrgs(result: Handlers['orgs']): Handlers {
  return { ...defaultHandlers, orgs: result };
}

const UNEXPECTED = 'This is unexpected. Re-run with --verbose and report it with the output.';

describe('errors and exit codes', () => {
  // The expected message and hint are written out, not derived with toSfsyncError (the conversion under test).
  it.each([
    [
      'a usage error',
      1,
      'USAGE',
      new SfsyncError('USAGE', 'bad flag', { hint: 'see --help' }),
      'bad flag',
      'see --help',
    ],
    [
      'an auth error',
      1,
      'AUTH_EXPIRED',
      new SfsyncError('AUTH_EXPIRED', 'expired', { hint: 'run sfsync login' }),
      'expired',
      'run sfsync login',
    ],
    [
      'records failed',
      2,
      'RECORDS_FAILED',
      new SfsyncError('RECORDS_FAILED', 'some', { exitCode: ExitCode.RecordsFailed }),
      'some',
      null,
    ],
    ['an unexpected exception', 1, 'INTERNAL', new TypeError('x is undefined'), 'x is undefined', UNEXPECTED],
    ['a thrown string', 1, 'INTERNAL', 'boom', 'boom', UNEXPECTED],
  ])('%s exits %i with code %s', async (_title, exitCode, code, thrown, message, hint) => {
    const handlers = withOrgs(async () => {
      throw thrown;
    });
    const human = createTestDeps();
    expect(await main(['orgs'], human, handlers)).toBe(exitCode);
    expect(human.io.stderrText).toBe(`Error: ${message}\n${hint === null ? '' : `Hint: ${hint}\n`}`);
    expect(human.io.stdoutText).toBe('');

    const json = createTestDeps();
    expect(await main(['orgs', '--json'], json, handlers)).toBe(exitCode);
    const doc = JSON.parse(json.io.stdoutText);
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'orgs', ok: false, exitCode });
    expect(doc.error).toEqual({ code, message, hint });
  });

  it('a hint follows the message on stderr', async () => {
    const deps = createTestDeps();
    const handlers = withOrgs(async () => {
      throw new SfsyncError('NO_ORG', 'No org is logged in.', { hint: 'Run "sfsync login".' });
    });
    await main(['orgs'], deps, handlers);
    expect(deps.io.stderrText).toBe('Error: No org is logged in.\nHint: Run "sfsync login".\n');
  });

  it('a command that asks for exit code 2 gets it, with ok:false and its result', async () => {
    const deps = createTestDeps();
    const handlers = withOrgs(async () => ({ result: { failed: 3 }, exitCode: ExitCode.RecordsFailed }));
    expect(await main(['orgs', '--json'], deps, handlers)).toBe(2);
    expect(JSON.parse(deps.io.stdoutText)).toEqual({
      schemaVersion: 1,
      command: 'orgs',
      ok: false,
      exitCode: 2,
      result: { failed: 3 },
    });
  });
});

describe('the JSON envelope', () => {
  it('wraps a result in exactly one document and prints nothing else', async () => {
    const deps = createTestDeps();
    deps.tokenStore.saveOrg({
      alias: 'uat',
      username: 'u@acme.com.uat',
      userId: '005000000000001AAA',
      orgId: '00D000000000001AAA',
      instanceUrl: 'https://acme--uat.sandbox.my.salesforce.com',
      loginUrl: 'https://test.salesforce.com',
      clientId: 'client',
      accessToken: '00D000000000001!secret-access',
      refreshToken: 'secret-refresh',
      isSandbox: true,
      grant: 'web',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    deps.tokenStore.updateSettings({ defaultOrg: 'uat' });
    expect(await main(['orgs', '--json'], deps)).toBe(0);
    expect(deps.io.stdoutText.endsWith('}\n')).toBe(true);
    expect(deps.io.stdoutText.trim().split('\n')).toHaveLength(1);
    expect(deps.io.stderrText).toBe('');
    const doc = JSON.parse(deps.io.stdoutText);
    expect(doc).toEqual({
      schemaVersion: 1,
      command: 'orgs',
      ok: true,
      exitCode: 0,
      result: {
        defaultOrg: 'uat',
        orgs: [
          {
            alias: 'uat',
            username: 'u@acme.com.uat',
            instanceUrl: 'https://acme--uat.sandbox.my.salesforce.com',
            orgId: '00D000000000001AAA',
            isSandbox: true,
            isDefault: true,
            clientId: 'client',
          },
        ],
      },
    });
    expect(deps.io.stdoutText).not.toContain('secret');
  });

  it('a missing input file is named in a JSON error with exit 1', async () => {
    const deps = createTestDeps();
    expect(await main(['mapping', 'init', 'missing.csv', '--json'], deps)).toBe(1);
    expect(JSON.parse(deps.io.stdoutText).error).toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('missing.csv'),
    });
  });
});

describe('TTY, colour and NO_COLOR', () => {
  it.each([
    [false, {}, 0],
    [true, {}, 1],
    [true, { TERM: 'xterm-256color' }, 2],
    [true, { COLORTERM: 'truecolor' }, 3],
    [true, { NO_COLOR: '1' }, 0],
    [true, { NO_COLOR: '' }, 1],
    [true, { TERM: 'dumb' }, 0],
    [false, { FORCE_COLOR: '2' }, 2],
    [true, { FORCE_COLOR: '0' }, 0],
    [true, { NO_COLOR: '1', FORCE_COLOR: '3' }, 0],
  ])('tty=%s env=%j → level %i', (tty, env, level) => {
    expect(colorLevel(tty, env)).toBe(level);
  });

  it('colours errors on a terminal', async () => {
    const deps = createTestDeps({ tty: true });
    await main(['upsert'], deps);
    expect(deps.io.stderrText).toContain('\u001b[31mError:\u001b[39m');
  });

  it.each([
    ['not a terminal', { tty: false, env: {} }],
    ['NO_COLOR on a terminal', { tty: true, env: { NO_COLOR: '1' } }],
  ])('has no escape codes when %s', async (_title, options) => {
    const deps = createTestDeps(options);
    await main(['upsert'], deps);
    expect(deps.io.stderrText).toContain('Error: Missing required argument');
    expect(deps.io.stderrText).not.toContain('\u001b[');
  });

  it('decides colour per stream', () => {
    const io = createTestIO({ tty: true });
    expect(io.colorErr.level).toBe(1);
    expect(io.colorOut.level).toBe(1);
  });

  it.each([
    [{ tty: true, env: {} }, true],
    [{ tty: false, env: {} }, false],
    [{ tty: true, env: { CI: 'true' } }, false],
  ])('can prompt only on a terminal outside CI: %j → %s', (options, expected) => {
    expect(createTestIO(options).canPrompt).toBe(expected);
  });
});
