import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileTokenStore } from '../src/auth/token-store.js';
import { main } from '../src/cli.js';
import { runLogin } from '../src/commands/login.js';
import type { LoginOptions } from '../src/commands/options.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { createConnector } from '../src/salesforce/connect.js';
import { createTestDeps, FAST_RETRY, type TestDeps } from './helpers/test-deps.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
let org: Emulator;
let dir: string;
const outputs: string[] = [];

beforeAll(async () => {
  org = await startEmulator({
    port: 0,
    jwtCertificate: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sandbox: true,
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-login-'));
});
afterAll(async () => {
  // Nothing any command printed, in any test of this file, carries a token, refresh token or code.
  const secrets = org.oauth.issuedSecrets();
  expect(secrets.length).toBeGreaterThan(5);
  for (const text of outputs)
    for (const s of secrets)
      expect(text.includes(s), `a secret leaked into: ${text.slice(0, 200)}`).toBe(false);
  await org.close();
});

/** Test deps whose browser follows the authorize redirect into sfsync's callback server. */
function withBrowser(deps: TestDeps, before?: (callback: URL) => Promise<void>): TestDeps {
  deps.openUrl = async (url) => {
    deps.openedUrls.push(url);
    const res = await fetch(url, { redirect: 'manual' });
    const callback = new URL(res.headers.get('location') as string);
    callback.hostname = '127.0.0.1';
    await before?.(callback);
    const page = await fetch(callback);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('sfsync is logged in');
  };
  return deps;
}

async function run(deps: TestDeps, argv: string[]): Promise<number> {
  const code = await main(argv, deps);
  outputs.push(deps.io.stdoutText, deps.io.stderrText);
  return code;
}

function storeFiles(deps: TestDeps): string {
  return JSON.stringify(deps.tokenStore.listOrgs().map((o) => o.alias));
}

describe('sfsync login', () => {
  it('runs the browser flow with PKCE against the local org; the stored token works for a later command', async () => {
    const deps = withBrowser(createTestDeps({ cwd: dir }));
    expect(await run(deps, ['login', '--instance-url', org.loginUrl, '--alias', 'local', '--json'])).toBe(0);
    const doc = JSON.parse(deps.io.stdoutText);
    expect(doc.result).toMatchObject({
      alias: 'local',
      username: 'admin@sfsync.local',
      orgId: org.orgId,
      isSandbox: true,
      grant: 'web',
      isDefault: true,
      hasRefreshToken: true,
    });
    // With no --client-id: the Salesforce CLI's connected app, its fixed callback, and a line that says so.
    const authorize = new URL(deps.openedUrls[0] as string);
    expect(authorize.searchParams.get('client_id')).toBe('PlatformCLI');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://localhost:1717/OauthRedirect');
    expect(deps.io.stderrText).toContain(deps.openedUrls[0]);
    expect(deps.io.stderrText).toContain("Using the Salesforce CLI's connected app (PlatformCLI)");
    expect(deps.tokenStore.getOrg('local')?.clientId).toBe('PlatformCLI');
    // Its tokens refresh like any other: the session ends, the next command refreshes and stores the new one.
    const first = deps.tokenStore.getOrg('local')?.accessToken as string;
    org.oauth.revokeAccessToken(first);

    const who = createTestDeps({ cwd: dir });
    Object.assign(who, {
      tokenStore: deps.tokenStore,
      store: deps.store,
      connect: createConnector({}, deps.store, FAST_RETRY),
    });
    expect(await run(who, ['whoami', '--json'])).toBe(0);
    expect(JSON.parse(who.io.stdoutText).result).toMatchObject({
      username: 'admin@sfsync.local',
      instanceUrl: org.instanceUrl,
      isSandbox: true,
    });
    expect(storeFiles(deps)).toBe('["local"]');
    expect(deps.tokenStore.getOrg('local')?.accessToken).not.toBe(first);

    const orgs = createTestDeps();
    Object.assign(orgs, { store: deps.store });
    expect(await run(orgs, ['orgs', '--json'])).toBe(0);
    expect(JSON.parse(orgs.io.stdoutText).result.orgs[0]).toEqual({
      alias: 'local',
      username: 'admin@sfsync.local',
      instanceUrl: org.instanceUrl,
      orgId: org.orgId,
      isSandbox: true,
      isDefault: true,
      clientId: 'PlatformCLI',
    });
  });

  it('login --sandbox with nothing else sends the browser to test.salesforce.com with PlatformCLI, PKCE and a state', async () => {
    const deps = createTestDeps({ cwd: dir });
    deps.openUrl = async (url) => {
      deps.openedUrls.push(url);
      const u = new URL(url);
      const callback = new URL(u.searchParams.get('redirect_uri') as string);
      callback.hostname = '127.0.0.1';
      callback.searchParams.set('state', u.searchParams.get('state') as string);
      callback.searchParams.set('error', 'access_denied');
      await fetch(callback);
    };
    expect(await run(deps, ['login', '--sandbox'])).toBe(1);
    const authorize = new URL(deps.openedUrls[0] as string);
    expect(authorize.origin).toBe('https://test.salesforce.com');
    expect(authorize.searchParams.get('client_id')).toBe('PlatformCLI');
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://localhost:1717/OauthRedirect');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('state')).toMatch(/^[0-9a-f]{32}$/);
    expect(deps.io.stderrText).toContain('--client-id selects your own');
  });

  it('refuses another --port with the default app, and JWT or client credentials without an app of your own', async () => {
    const port = createTestDeps({ cwd: dir });
    expect(await run(port, ['login', '--sandbox', '--port', '8080'])).toBe(1);
    expect(port.io.stderrText).toContain('callback URL is fixed at http://localhost:1717/OauthRedirect');
    expect(port.io.stderrText).toContain('--client-id');
    const jwt = createTestDeps({ cwd: dir });
    expect(await run(jwt, ['login', '--jwt-key', 'server.key', '--username', 'ci@acme.com'])).toBe(1);
    expect(jwt.io.stderrText).toContain('needs a connected app of your own');
  });

  it('the local org holds PlatformCLI to its fixed callback and its tokens to their app', async () => {
    const authorize = (redirect: string): Promise<Response> =>
      fetch(
        `${org.loginUrl}/services/oauth2/authorize?response_type=code&client_id=PlatformCLI&redirect_uri=${encodeURIComponent(redirect)}`,
        { redirect: 'manual' },
      );
    const wrong = await authorize('http://localhost:8080/OauthRedirect');
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('redirect_uri_mismatch');
    expect((await authorize('http://localhost:1717/OauthRedirect')).status).toBe(302);
    // No secret and no client credentials flow for the CLI's app.
    const cc = await fetch(`${org.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'PlatformCLI',
        client_secret: 'x',
      }),
    });
    expect(((await cc.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('refuses a wrong state on the callback and a replay after the login', async () => {
    let replay: URL | undefined;
    const deps = withBrowser(createTestDeps({ cwd: dir }), async (callback) => {
      const forged = new URL(callback);
      forged.searchParams.set('state', 'forged');
      const res = await fetch(forged);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('state parameter does not match');
      const other = new URL(callback);
      other.pathname = '/somewhere-else';
      expect((await fetch(other)).status).toBe(404);
      replay = callback;
    });
    expect(
      await run(deps, [
        'login',
        '--instance-url',
        org.loginUrl,
        '--port',
        '0',
        '--client-id',
        org.clientId,
        '--alias',
        'again',
      ]),
    ).toBe(0);
    await expect(fetch(replay as URL).then((r) => r.status)).rejects.toThrow();
  });

  it.each([
    [['--sandbox'], 'test.salesforce.com'],
    [[], 'login.salesforce.com'],
    [['--instance-url', 'https://acme.my.salesforce.com'], 'acme.my.salesforce.com'],
  ])('%j sends the browser to %s', async (flags, host) => {
    const deps = createTestDeps({ cwd: dir });
    deps.openUrl = async (url) => {
      deps.openedUrls.push(url);
      const u = new URL(url);
      const callback = new URL(u.searchParams.get('redirect_uri') as string);
      callback.hostname = '127.0.0.1';
      callback.searchParams.set('state', u.searchParams.get('state') as string);
      callback.searchParams.set('error', 'access_denied');
      await fetch(callback);
    };
    expect(
      await run(deps, [
        'login',
        ...flags,
        '--client-id',
        'abc',
        '--username',
        'u@acme.com.uat',
        '--port',
        '0',
      ]),
    ).toBe(1);
    const authorize = new URL(deps.openedUrls[0] as string);
    expect(authorize.host).toBe(host);
    expect(authorize.pathname).toBe('/services/oauth2/authorize');
    expect(authorize.searchParams.get('login_hint')).toBe('u@acme.com.uat');
    expect(deps.io.stderrText).toContain('did not authorize');
  });

  it('takes the pasted address when the browser is on another machine', async () => {
    const deps = createTestDeps({ cwd: dir, tty: true });
    deps.prompt = {
      ...deps.prompt,
      input: async () => {
        const url = /(http\S+authorize\S+)/.exec(deps.io.stderrText)?.[1] as string;
        const res = await fetch(url, { redirect: 'manual' });
        return res.headers.get('location') as string;
      },
    };
    expect(
      await run(deps, [
        'login',
        '--instance-url',
        org.loginUrl,
        '--port',
        '0',
        '--client-id',
        org.clientId,
        '--alias',
        'remote',
        '--no-browser',
      ]),
    ).toBe(0);
    expect(deps.tokenStore.getOrg('remote')?.username).toBe('admin@sfsync.local');
  });

  it('refuses plain http login hosts other than this machine', async () => {
    const deps = createTestDeps();
    expect(
      await run(deps, ['login', '--instance-url', 'http://acme.my.salesforce.com', '--client-id', 'x']),
    ).toBe(1);
    expect(deps.io.stderrText).toContain('is not https');
  });

  it('logs in headless with JWT bearer', async () => {
    const keyFile = path.join(dir, 'server.key');
    fs.writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const deps = createTestDeps({ cwd: dir });
    // The assertion's expiry is computed from sfsync's clock; the org checks it against the real one.
    deps.now = () => new Date();
    const code = await run(deps, [
      'login',
      '--jwt-key',
      keyFile,
      '--username',
      'admin@sfsync.local',
      '--instance-url',
      org.loginUrl,
      '--alias',
      'ci',
      '--json',
    ]);
    expect(deps.io.stdoutText).toContain('"ok":true');
    expect(code).toBe(0);
    expect(JSON.parse(deps.io.stdoutText).result).toMatchObject({
      alias: 'ci',
      grant: 'jwt',
      hasRefreshToken: false,
    });
    const wrongUser = createTestDeps({ cwd: dir });
    wrongUser.now = () => new Date();
    expect(
      await run(wrongUser, [
        'login',
        '--jwt-key',
        keyFile,
        '--username',
        'nobody@x.com',
        '--instance-url',
        org.loginUrl,
      ]),
    ).toBe(1);
    expect(wrongUser.io.stderrText).toContain("user hasn't approved this consumer");
  });

  it('logs in with client credentials, the secret from the environment or standard input', async () => {
    const env = createTestDeps({ cwd: dir, env: { SFSYNC_CLIENT_SECRET: org.clientSecret } });
    expect(
      await run(env, ['login', '--client-credentials', '--instance-url', org.loginUrl, '--alias', 'cc']),
    ).toBe(0);
    const stdin = createTestDeps({ cwd: dir, stdin: `${org.clientSecret}\n` });
    expect(
      await run(stdin, ['login', '--client-credentials', '--instance-url', org.loginUrl, '--alias', 'cc2']),
    ).toBe(0);
    const wrong = createTestDeps({ cwd: dir, stdin: 'wrong-secret\n' });
    expect(await run(wrong, ['login', '--client-credentials', '--instance-url', org.loginUrl])).toBe(1);
    expect(wrong.io.stderrText).toContain('invalid_client');
    const prod = createTestDeps({ cwd: dir, env: { SFSYNC_CLIENT_SECRET: 'x' } });
    expect(await run(prod, ['login', '--client-credentials', '--client-id', 'x'])).toBe(1);
    expect(prod.io.stderrText).toContain("works only on the org's My Domain");
  });

  it('logs in with the device flow', async () => {
    const deps = createTestDeps({ cwd: dir });
    deps.openUrl = async (url) => {
      const code = /enter the code (\w+)/.exec(deps.io.stderrText)?.[1];
      await fetch(`${url}?user_code=${code}`);
    };
    const opts: LoginOptions = {
      json: false,
      verbose: false,
      sandbox: false,
      instanceUrl: org.loginUrl,
      alias: 'tv',
      device: true,
      clientCredentials: false,
      setDefault: false,
      browser: true,
    };
    const result = await runLogin(opts, deps, { webMs: 1000, deviceMs: 10_000, devicePollMs: 10 });
    outputs.push(deps.io.stderrText);
    expect(result).toMatchObject({ alias: 'tv', grant: 'device', hasRefreshToken: true });
  });

  it('a revoked refresh token ends with exit 1 and the exact re-login command', async () => {
    const deps = withBrowser(createTestDeps({ cwd: dir }));
    expect(
      await run(deps, [
        'login',
        '--instance-url',
        org.loginUrl,
        '--port',
        '0',
        '--client-id',
        org.clientId,
        '--alias',
        'doomed',
      ]),
    ).toBe(0);
    const stored = deps.tokenStore.getOrg('doomed');
    await fetch(`${org.loginUrl}/services/oauth2/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: stored?.refreshToken as string }),
    });
    const who = createTestDeps({ cwd: dir });
    Object.assign(who, { store: deps.store, connect: createConnector({}, deps.store, FAST_RETRY) });
    expect(await run(who, ['whoami', '--org', 'doomed'])).toBe(1);
    expect(who.io.stderrText).toContain(
      `Run "sfsync login --instance-url ${org.loginUrl} --alias doomed" again`,
    );
  });

  it('logout revokes at Salesforce and forgets the org', async () => {
    const deps = withBrowser(createTestDeps({ cwd: dir }));
    expect(
      await run(deps, [
        'login',
        '--instance-url',
        org.loginUrl,
        '--port',
        '0',
        '--client-id',
        org.clientId,
        '--alias',
        'bye',
        '--set-default',
      ]),
    ).toBe(0);
    const refresh = deps.tokenStore.getOrg('bye')?.refreshToken as string;
    const out = createTestDeps();
    Object.assign(out, { store: deps.store });
    expect(await run(out, ['logout', '--org', 'bye', '--json'])).toBe(0);
    expect(JSON.parse(out.io.stdoutText).result).toEqual({
      loggedOut: [{ alias: 'bye', username: 'admin@sfsync.local', revoked: true }],
      defaultOrg: null,
    });
    expect(deps.tokenStore.getOrg('bye')).toBeUndefined();
    const res = await fetch(`${org.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: org.clientId,
        refresh_token: refresh,
      }),
    });
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('keeps tokens encrypted in a 0600 file in a 0700 folder', async () => {
    const configDir = path.join(dir, 'config');
    const store = createFileTokenStore(configDir);
    const deps = withBrowser(createTestDeps({ cwd: dir }));
    Object.assign(deps, { store: () => store });
    expect(
      await run(deps, [
        'login',
        '--instance-url',
        org.loginUrl,
        '--port',
        '0',
        '--client-id',
        org.clientId,
        '--alias',
        'disk',
      ]),
    ).toBe(0);
    const file = path.join(configDir, 'orgs.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(configDir, 'key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(configDir).mode & 0o777).toBe(0o700);
    const text = fs.readFileSync(file, 'utf8');
    const stored = store.getOrg('disk');
    expect(stored?.accessToken).toMatch(/^00D/);
    expect(text).not.toContain(stored?.accessToken as string);
    expect(text).not.toContain(stored?.refreshToken as string);
    expect(text).toContain('enc:v1:');
  });
});

describe('a stored org whose tokens the org no longer knows', () => {
  it('says the session was refused and to log in again, not "see the error code above"', async () => {
    const first = await startEmulator({ port: 0 });
    const port = Number(new URL(first.instanceUrl).port);
    const deps = withBrowser(createTestDeps({ cwd: dir }));
    expect(
      await run(deps, [
        'login',
        '--instance-url',
        first.loginUrl,
        '--alias',
        'gone',
        '--port',
        '0',
        '--client-id',
        first.clientId,
      ]),
    ).toBe(0);
    await first.close();
    // The org restarts on the same address and has forgotten every token (its access and refresh tokens).
    const again = await startEmulator({ port });
    try {
      const later = createTestDeps({ cwd: dir });
      Object.assign(later, { tokenStore: deps.tokenStore, store: deps.store, connect: deps.connect });
      expect(await run(later, ['describe', 'Contact', '--org', 'gone'])).toBe(1);
      expect(later.io.stderrText).toContain('refused the session');
      expect(later.io.stderrText).toContain('Hint: Run "sfsync login');
      expect(later.io.stderrText).not.toContain('error code above');
    } finally {
      await again.close();
    }
  });
});
