import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTokenStore, type TokenStore } from '../src/auth/token-store.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { SfsyncError } from '../src/errors.js';
import { createSalesforceClient } from '../src/salesforce/client.js';
import { createConnector } from '../src/salesforce/connect.js';
import { createTransport, fixedToken } from '../src/salesforce/transport.js';
import { clientOf } from './helpers/local-org.js';
import { storeLocalOrg } from './helpers/stored-org.js';
import { recordingPolicy } from './helpers/test-deps.js';

// The client reads response headers (Retry-After, Sforce-Locator) through its own fetch transport, never through
// jsforce's private `_transport`; jsforce is kept for OAuth. These tests pin that choice against the local org.

let org: Emulator;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
});
afterAll(async () => org.close());

describe('the fetch transport', () => {
  it('is the only way src/salesforce/ reaches the org: no private jsforce API anywhere', () => {
    const dir = path.resolve(import.meta.dirname, '../src/salesforce');
    for (const file of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/\._transport\b|\._refreshDelegate\b/);
    }
    const client = fs.readFileSync(path.join(dir, 'client.ts'), 'utf8');
    expect(client).not.toMatch(/from 'jsforce'/);
  });

  it('hands back the answer with its headers: Sforce-Limit-Info on REST, Sforce-Locator on Bulk result pages', async () => {
    const send = createTransport(org.instanceUrl, '62.0', fixedToken(org.accessToken));
    const limits = await send({ method: 'GET', url: '/limits' });
    expect(limits.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/\d+$/);
    expect(limits.body).toHaveProperty('DailyApiRequests');

    const json = { 'Content-Type': 'application/json' };
    const records = [1, 2].map((i) => ({ attributes: { type: 'Account' }, Name: `Paged ${i}` }));
    await send({
      method: 'POST',
      url: '/composite/sobjects',
      body: JSON.stringify({ records }),
      headers: json,
    });
    const job = await send({
      method: 'POST',
      url: '/jobs/query',
      body: JSON.stringify({ operation: 'query', query: "SELECT Id FROM Account WHERE Name LIKE 'Paged%'" }),
      headers: json,
    });
    const id = (job.body as { id: string }).id;
    for (let state = ''; state !== 'JobComplete';) {
      state = ((await send({ method: 'GET', url: `/jobs/query/${id}` })).body as { state: string }).state;
    }
    const page = await send({ method: 'GET', url: `/jobs/query/${id}/results?maxRecords=1`, as: 'text' });
    expect(typeof page.body).toBe('string');
    expect(page.headers.get('sforce-locator')).toMatch(/^(?!null$)\S+$/);
  });

  it('turns an error answer into its Salesforce code, with the Retry-After it asked for', async () => {
    const send = createTransport(org.instanceUrl, '62.0', fixedToken(org.accessToken));
    org.setFaults({ transientRate: 1, transientKinds: ['SERVER_UNAVAILABLE'], retryAfterSeconds: 9 });
    try {
      await expect(send({ method: 'GET', url: '/sobjects' })).rejects.toMatchObject({
        errorCode: 'SERVER_UNAVAILABLE',
        retryAfterMs: 9000,
      });
    } finally {
      org.setFaults({ transientRate: 0, retryAfterSeconds: 0 });
    }
  });

  it('honours Retry-After through the client: the next attempt waits at least as long as asked', async () => {
    const policy = recordingPolicy();
    const sf = clientOf(org, policy);
    org.setFaults({
      transientRate: 1,
      transientKinds: ['SERVER_UNAVAILABLE'],
      retryAfterSeconds: 2,
      maxInjected: 2,
    });
    try {
      expect(await sf.count('SELECT COUNT() FROM Account')).toBeGreaterThanOrEqual(0);
    } finally {
      org.setFaults({ transientRate: 0, retryAfterSeconds: 0, maxInjected: 0 });
    }
    expect(policy.waits).toEqual([2000, 2000]);
    expect(sf.apiCalls()).toBe(3);
  });
});

describe('a server that is not an org', () => {
  it('answering a web page gives an error that says so, not the page', async () => {
    const server = http.createServer((_req, res) =>
      res
        .writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' })
        .end('<html><body>Not here</body></html>'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const sf = createSalesforceClient({
        instanceUrl: `http://127.0.0.1:${port}`,
        apiVersion: '62.0',
        tokens: fixedToken('00D000000000000!token'),
      });
      const err = (await sf.describeGlobal().catch((e: unknown) => e)) as SfsyncError;
      expect(err.message).toBe(
        `HTTP 404 with a web page instead of an API answer: is http://127.0.0.1:${port} a Salesforce org?`,
      );
      expect(err.message).not.toContain('<html>');
    } finally {
      server.close();
    }
  });
});

describe('an org that cannot be reached', () => {
  it('fails at once with NETWORK naming the address: nothing was sent, so nothing is retried', async () => {
    const policy = recordingPolicy();
    const dead = await startEmulator({ port: 0 });
    await dead.close();
    const sf = clientOf(dead, policy);
    const err = await sf.describeGlobal().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NETWORK' });
    expect((err as SfsyncError).message).toContain(`Cannot reach ${dead.instanceUrl}`);
    expect((err as SfsyncError).message).toContain('ECONNREFUSED');
    expect(policy.waits).toEqual([]);
  });
});

describe('an expired session, renewed through the token provider', () => {
  function countingStore(): TokenStore & { saves: () => number } {
    const store = createMemoryTokenStore();
    let saves = 0;
    return Object.assign(Object.create(store) as TokenStore, {
      saveOrg: (o: Parameters<TokenStore['saveOrg']>[0]) => {
        saves++;
        store.saveOrg(o);
      },
      saves: () => saves,
    });
  }

  it('is refreshed once for all the calls that found it expired together, and the new token is stored', async () => {
    const store = countingStore();
    const tokens = await storeLocalOrg(store, org, 'transport');
    const savesBefore = store.saves();
    const sf = await createConnector({}, () => store)({ org: 'transport' });
    org.oauth.revokeAccessToken(tokens.access_token);
    const described = await Promise.all(['Account', 'Contact', 'Lead', 'Case'].map((o) => sf.describe(o)));
    expect(described.map((d) => d.name)).toEqual(['Account', 'Contact', 'Lead', 'Case']);
    expect(store.saves() - savesBefore).toBe(1);
    const stored = store.getOrg('transport')?.accessToken;
    expect(stored).not.toBe(tokens.access_token);
    // The renewed token is the one the client now sends.
    org.oauth.revokeAccessToken(stored as string);
    expect((await sf.identity()).username).toBe(org.username);
    expect(store.getOrg('transport')?.accessToken).not.toBe(stored);
  });

  it('a refused refresh token ends in AUTH_INVALID naming the login command of that org', async () => {
    const store = createMemoryTokenStore();
    const tokens = await storeLocalOrg(store, org, 'dead');
    const sf = await createConnector({}, () => store)({ org: 'dead' });
    await fetch(`${org.loginUrl}/services/oauth2/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: tokens.refresh_token }),
    });
    const err = await sf.describeGlobal().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SfsyncError);
    expect(err).toMatchObject({ code: 'AUTH_INVALID' });
    expect((err as SfsyncError).hint).toContain('sfsync login --instance-url');
    expect((err as SfsyncError).hint).toContain('--alias dead');
  });

  it('a bare access token (SFSYNC_ACCESS_TOKEN) is not refreshed: AUTH_INVALID at once, after one call', async () => {
    const sf = createSalesforceClient({
      instanceUrl: org.instanceUrl,
      apiVersion: '62.0',
      tokens: fixedToken('00D000000000000!expired'),
    });
    await expect(sf.describeGlobal()).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    expect(sf.apiCalls()).toBe(1);
  });
});
