import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createFileTokenStore, createMemoryTokenStore, defaultConfigDir } from '../src/auth/token-store.js';
import { loginHost } from '../src/commands/login.js';
import { runLogout } from '../src/commands/logout.js';
import { DEFAULT_SETTINGS, resolveSettings, settingsFromEnv, syncTuning } from '../src/config/settings.js';
import type { SfsyncError } from '../src/errors.js';
import { createConnector } from '../src/salesforce/connect.js';
import { DEFAULT_RETRY, FAST_RETRY } from '../src/salesforce/retry.js';
import { spawnChild } from './helpers/children.js';

describe('settings precedence: flags > environment > mapping > stored > defaults', () => {
  const layers = {
    flag: { org: 'from-flag' },
    env: settingsFromEnv({
      SFSYNC_ORG: 'from-env',
      SFSYNC_API_VERSION: '61.0',
      SFSYNC_INSTANCE_URL: 'https://e.my.salesforce.com',
    }),
    mapping: { object: 'Contact', apiVersion: '60.0', matchOperator: 'AND' as const },
    stored: { org: 'stored-default', apiVersion: '59.0', clientId: 'stored-client' },
    default: DEFAULT_SETTINGS,
  };

  it.each([
    ['org', 'from-flag', 'flag'],
    ['apiVersion', '61.0', 'env'],
    ['instanceUrl', 'https://e.my.salesforce.com', 'env'],
    ['object', 'Contact', 'mapping'],
    ['matchOperator', 'AND', 'mapping'],
    ['clientId', 'stored-client', 'stored'],
    ['batchSize', 200, 'default'],
    ['loginUrl', 'https://login.salesforce.com', 'default'],
  ] as const)('%s comes from %s', (key, value, source) => {
    const resolved = resolveSettings(layers);
    expect(resolved.values[key]).toEqual(value);
    expect(resolved.sources[key]).toBe(source);
  });

  it('an unset flag does not hide the environment', () => {
    const resolved = resolveSettings({ flag: { org: undefined }, env: { org: 'ci' } });
    expect(resolved.values.org).toBe('ci');
  });

  it('ignores empty environment variables', () => {
    expect(settingsFromEnv({ SFSYNC_ORG: '', SFSYNC_ACCESS_TOKEN: 'tok' })).toEqual({ accessToken: 'tok' });
  });

  it('SFSYNC_CONFIG_DIR moves the config folder', () => {
    expect(defaultConfigDir({ SFSYNC_CONFIG_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/home/u/.cfg' })).toBe('/home/u/.cfg/sfsync');
  });
});

describe('environment values are read in one place and checked', () => {
  function refusal(env: NodeJS.ProcessEnv): SfsyncError {
    try {
      settingsFromEnv(env);
    } catch (err) {
      return err as SfsyncError;
    }
    throw new Error('expected a refusal');
  }

  it.each([
    ['SFSYNC_API_VERSION', 'latest', 'is not an API version'],
    ['SFSYNC_API_VERSION', '62.5', 'is not an API version'],
    ['SFSYNC_BULK_UPLOAD_BYTES', 'NaN', 'is not a whole number of bytes'],
    ['SFSYNC_BULK_UPLOAD_BYTES', '0', 'is not a whole number of bytes'],
    ['SFSYNC_BULK_UPLOAD_BYTES', '1e6', 'is not a whole number of bytes'],
    ['SFSYNC_HEAP_LIMIT_MB', '-1', 'is not a whole number of megabytes'],
    ['SFSYNC_HEAP_LIMIT_MB', '64MB', 'is not a whole number of megabytes'],
    ['SFSYNC_TEST_TIMINGS', 'slow', 'is not "fast"'],
  ])('%s=%s is refused, naming the variable', (name, value, says) => {
    const err = refusal({ [name]: value });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(`${name}=${value} ${says}.`);
    expect(err.hint).toContain('unset it');
  });

  it('reads numbers and API versions as such', () => {
    expect(
      settingsFromEnv({
        SFSYNC_API_VERSION: 'v61',
        SFSYNC_BULK_UPLOAD_BYTES: ' 5000 ',
        SFSYNC_HEAP_LIMIT_MB: '0',
      }),
    ).toEqual({ apiVersion: '61.0', bulkUploadBytes: 5000, heapLimitMb: 0 });
    expect(syncTuning({})).toEqual({
      bulkUploadBytes: 100_000_000,
      bulkUploadBytesSet: false,
      heapLimitBytes: 64 * 1024 * 1024,
    });
    expect(syncTuning({ SFSYNC_BULK_UPLOAD_BYTES: '5000000' })).toMatchObject({
      bulkUploadBytes: 5_000_000,
      bulkUploadBytesSet: true,
    });
    expect(syncTuning({ SFSYNC_HEAP_LIMIT_MB: '0' }).heapLimitBytes).toBe(Infinity);
  });

  it("SFSYNC_TEST_TIMINGS=fast (the suite's spawned CLIs) gives the client the fast retry policy, else the default", async () => {
    const connect = (env: NodeJS.ProcessEnv) =>
      createConnector(
        { SFSYNC_INSTANCE_URL: 'http://127.0.0.1:1', SFSYNC_ACCESS_TOKEN: 'token', ...env },
        () => createMemoryTokenStore(),
      )({});
    expect((await connect({ SFSYNC_TEST_TIMINGS: 'fast' })).retry).toBe(FAST_RETRY);
    expect((await connect({})).retry).toBe(DEFAULT_RETRY);
  });

  it('no module outside src/config/ reads an SFSYNC_ variable itself', () => {
    const src = path.resolve(import.meta.dirname, '../src');
    const offenders: string[] = [];
    for (const file of fs.readdirSync(src, { recursive: true }) as string[]) {
      if (!file.endsWith('.ts') || file.startsWith('config') || file.startsWith('emulator')) continue;
      const text = fs.readFileSync(path.join(src, file), 'utf8');
      if (/env(\.|\[['"`])SFSYNC_/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it('login: --instance-url > SFSYNC_LOGIN_URL > --sandbox, and a bad URL names where it came from', () => {
    const opts = {
      ...{ json: false, verbose: false, device: false, clientCredentials: false, setDefault: false },
      ...{ sandbox: true, browser: true },
    };
    expect(loginHost(opts, {})).toBe('https://test.salesforce.com');
    expect(loginHost(opts, { SFSYNC_LOGIN_URL: 'https://acme.my.salesforce.com/' })).toBe(
      'https://acme.my.salesforce.com',
    );
    expect(
      loginHost(
        { ...opts, instanceUrl: 'https://flag.my.salesforce.com' },
        { SFSYNC_LOGIN_URL: 'https://e.com' },
      ),
    ).toBe('https://flag.my.salesforce.com');
    expect(() => loginHost(opts, { SFSYNC_LOGIN_URL: 'http://example.com' })).toThrow(/SFSYNC_LOGIN_URL/);
  });

  it('logout: --org > SFSYNC_ORG > the default org; an empty SFSYNC_ORG is unset', async () => {
    const store = createMemoryTokenStore();
    for (const alias of ['a', 'b', 'c'])
      store.saveOrg({
        alias,
        username: `${alias}@x.test`,
        userId: '005',
        orgId: '00D',
        instanceUrl: 'http://127.0.0.1:1',
        // Nothing listens there: the revoke fails at once and the org is forgotten anyway.
        loginUrl: 'http://127.0.0.1:1',
        clientId: 'c',
        accessToken: 'tok',
        isSandbox: false,
        grant: 'web',
        createdAt: 'now',
      });
    store.updateSettings({ defaultOrg: 'a' });
    const out = async (org: string | undefined, env: NodeJS.ProcessEnv) =>
      (await runLogout({ org, all: false } as never, { store: () => store, env })).loggedOut.map(
        (o) => o.alias,
      );
    expect(await out(undefined, { SFSYNC_ORG: 'b' })).toEqual(['b']);
    expect(await out('c', { SFSYNC_ORG: 'a' })).toEqual(['c']);
    expect(await out(undefined, { SFSYNC_ORG: '' })).toEqual(['a']);
  });
});

describe('file token store', () => {
  it('keeps orgs in a 0600 file in a 0700 folder, visible to a second store', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-store-')), 'config');
    const a = createFileTokenStore(dir);
    const b = createFileTokenStore(dir);
    a.saveOrg({
      alias: 'dev',
      username: 'dev@acme.com',
      userId: '005',
      orgId: '00D',
      instanceUrl: 'https://acme.my.salesforce.com',
      loginUrl: 'https://login.salesforce.com',
      clientId: 'c',
      accessToken: 'tok',
      isSandbox: false,
      grant: 'web',
      createdAt: 'now',
    });
    a.updateSettings({ defaultOrg: 'dev' });
    expect(b.getOrg('dev')?.username).toBe('dev@acme.com');
    expect(b.getSettings().defaultOrg).toBe('dev');
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(a.location as string).mode & 0o777).toBe(0o600);
    expect(b.removeOrg('dev')).toBe(true);
    expect(a.listOrgs()).toEqual([]);
    expect(a.removeOrg('dev')).toBe(false);
  });
});

describe('file token store between processes', () => {
  it('opening a store never writes the file: an older copy cannot be put back over a saved org', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-store-')), 'config');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'orgs.json');
    // A file without every key (an older sfsync's, or one a crash left) is read as it is, not rewritten.
    fs.writeFileSync(file, JSON.stringify({ orgs: {} }), { mode: 0o600 });
    const before = fs.statSync(file);
    const store = createFileTokenStore(dir);
    expect(store.getSettings()).toEqual({});
    expect(store.listOrgs()).toEqual([]);
    const after = fs.statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(fs.readFileSync(file, 'utf8')).toBe(JSON.stringify({ orgs: {} }));
  });

  it('readers in other processes always find a stored org while a writer keeps saving others', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-store-')), 'config');
    // The built module (the global setup builds dist/), as the CLI's processes load it.
    const moduleUrl = new URL('../dist/auth/token-store.js', import.meta.url).href;
    const org = {
      alias: 'soak',
      username: 'u',
      userId: '005',
      orgId: '00D',
      instanceUrl: 'https://x.my.salesforce.com',
      loginUrl: 'https://login.salesforce.com',
      clientId: 'c',
      accessToken: 'tok',
      isSandbox: false,
      grant: 'web' as const,
      createdAt: 'now',
    };
    const script = (body: string): string =>
      `const { createFileTokenStore } = await import(${JSON.stringify(moduleUrl)}); const dir = ${JSON.stringify(dir)}; ${body}`;
    const run = (body: string): Promise<{ code: number | null; out: string }> =>
      new Promise((resolve, reject) => {
        const child = spawnChild<ChildProcessByStdio<null, Readable, Readable>>(
          process.execPath,
          ['--input-type=module', '-e', script(body)],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, out }));
      });
    createFileTokenStore(dir).saveOrg(org);
    const writer = run(
      `const s = createFileTokenStore(dir); for (let i = 0; i < 150; i++) s.saveOrg({ ...${JSON.stringify(org)}, alias: 'other-' + (i % 5) });`,
    );
    const reader = () =>
      run(
        `let missing = 0; for (let i = 0; i < 150; i++) { const s = createFileTokenStore(dir); if (s.getOrg('soak')?.accessToken !== 'tok') missing++; } console.log('missing=' + missing);`,
      );
    const results = await Promise.all([writer, reader(), reader(), reader()]);
    for (const r of results) expect(r.code, r.out).toBe(0);
    for (const r of results.slice(1)) expect(r.out.trim()).toBe('missing=0');
  }, 60_000);
});

describe('settings on a real run', () => {
  it("SFSYNC_API_VERSION beats a mapping's apiVersion, --api-version beats both; a bad byte count is refused", async () => {
    const { startEmulator } = await import('../src/emulator/server.js');
    const { main } = await import('../src/cli.js');
    const { createTestDeps } = await import('./helpers/test-deps.js');
    const org = await startEmulator({ port: 0 });
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-settings-'));
      fs.writeFileSync(path.join(dir, 'p.csv'), 'LastName\nLovelace\n');
      fs.writeFileSync(
        path.join(dir, 'p.yaml'),
        'object: Contact\napiVersion: "60.0"\nfields:\n  LastName: LastName\n',
      );
      const versions = async (extraEnv: NodeJS.ProcessEnv, flags: string[]): Promise<string[]> => {
        const env = {
          SFSYNC_INSTANCE_URL: org.instanceUrl,
          SFSYNC_ACCESS_TOKEN: org.accessToken,
          ...extraEnv,
        };
        const deps = createTestDeps({ cwd: dir, env });
        expect(await main(['create', 'p.csv', '--mapping', 'p.yaml', '--verbose', ...flags], deps)).toBe(0);
        return deps.io.stderrText.match(/^API version .*$/gm) ?? [];
      };
      expect(await versions({}, [])).toEqual(['API version 60.0 (from the mapping)']);
      expect(await versions({ SFSYNC_API_VERSION: '61.0' }, [])).toEqual([
        'API version 61.0 (from SFSYNC_API_VERSION)',
      ]);
      expect(await versions({ SFSYNC_API_VERSION: '61.0' }, ['--api-version', '59.0'])).toEqual([
        'API version 59.0 (from --api-version)',
      ]);

      const env = {
        SFSYNC_INSTANCE_URL: org.instanceUrl,
        SFSYNC_ACCESS_TOKEN: org.accessToken,
        SFSYNC_BULK_UPLOAD_BYTES: '100MB',
      };
      const deps = createTestDeps({ cwd: dir, env });
      expect(await main(['create', 'p.csv', '--object', 'Contact', '--api', 'bulk'], deps)).toBe(1);
      expect(deps.io.stderrText).toContain('SFSYNC_BULK_UPLOAD_BYTES=100MB is not a whole number of bytes');
    } finally {
      await org.close();
    }
  });
});
