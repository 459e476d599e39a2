import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileTokenStore, defaultConfigDir } from '../src/auth/token-store.js';
import { DEFAULT_SETTINGS, resolveSettings, settingsFromEnv } from '../src/config/settings.js';

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
