import jsforce from 'jsforce';
import { describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg({ dailyApiRequests: 40 });

describe('API accounting', () => {
  it('counts every authenticated call in Sforce-Limit-Info and /limits, then answers REQUEST_LIMIT_EXCEEDED', async () => {
    const start = org().apiCalls();
    await conn().query('SELECT Id FROM User');
    await conn().describeGlobal();
    expect(org().apiCalls()).toBe(start + 2);
    expect(conn().limitInfo.apiUsage).toEqual({ used: start + 2, limit: 40 });
    const limits = await conn().limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 40, Remaining: 40 - (start + 3) });
    while (org().apiCalls() < 40) await conn().query('SELECT Id FROM User');
    const err = await errorOf(conn().query('SELECT Id FROM User'));
    expect(err).toMatchObject({ name: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' });
    // The versions list is not an API call.
    expect((await fetch(`${org().instanceUrl}/services/data/`)).status).toBe(200);
  });

  it('a test can raise the limit and restore the one the org started with', async () => {
    org().setDailyApiRequests(org().apiCalls() + 1);
    await conn().query('SELECT Id FROM User');
    expect(conn().limitInfo.apiUsage).toEqual({ used: org().apiCalls(), limit: org().apiCalls() });
    expect((await errorOf(conn().query('SELECT Id FROM User'))).name).toBe('REQUEST_LIMIT_EXCEEDED');
    org().setDailyApiRequests(null);
    expect((await errorOf(conn().query('SELECT Id FROM User'))).name).toBe('REQUEST_LIMIT_EXCEEDED');
    org().setDailyApiRequests(org().apiCalls() + 10);
    await conn().query('SELECT Id FROM User');
    org().setDailyApiRequests(null);
    expect(org().requestsInFlight()).toBe(0);
  });
});

describe('fault injection', () => {
  const faulty = useLocalOrg({ faults: { seed: 7 } });

  it('fails a share of calls with transient errors, and drops connections', async () => {
    faulty.org().setFaults({ transientRate: 1, transientKinds: ['SERVER_UNAVAILABLE'] });
    const res = await fetch(`${faulty.org().instanceUrl}/services/data/v62.0/limits`, {
      headers: { Authorization: `Bearer ${faulty.org().accessToken}` },
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual([
      { errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable. Please try again later.' },
    ]);
    faulty.org().setFaults({ transientRate: 1, transientKinds: ['UNABLE_TO_LOCK_ROW'] });
    const lock = await errorOf(faulty.conn().sobject('Contact').create({ LastName: 'x' }));
    expect(lock.name).toBe('UNABLE_TO_LOCK_ROW');
    faulty.org().setFaults({ transientRate: 0, dropRate: 1 });
    await expect(
      fetch(`${faulty.org().instanceUrl}/services/data/v62.0/limits`, {
        headers: { Authorization: `Bearer ${faulty.org().accessToken}` },
      }),
    ).rejects.toThrow();
    faulty.org().setFaults({ dropRate: 0 });
  });

  it('aims faults at the paths matching pathPattern, at most maxInjected times, and answers REQUEST_LIMIT_EXCEEDED as an org out of calls does', async () => {
    const get = (p: string) =>
      fetch(`${faulty.org().instanceUrl}/services/data/v62.0${p}`, {
        headers: { Authorization: `Bearer ${faulty.org().accessToken}` },
      });
    faulty.org().setFaults({
      transientRate: 1,
      transientKinds: ['REQUEST_LIMIT_EXCEEDED'],
      pathPattern: '^/limits$',
      maxInjected: 1,
    });
    try {
      expect((await get('/sobjects')).status).toBe(200);
      const refused = await get('/limits');
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(await refused.json()).toEqual([
        { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
      ]);
      // Used up: the next call to the same path goes through.
      expect((await get('/limits')).status).toBe(200);
    } finally {
      faulty.org().setFaults({ transientRate: 0, pathPattern: undefined, maxInjected: 0 });
    }
  });

  it('expires the session every Nth call once, and jsforce recovers by refreshing', async () => {
    const auth = new jsforce.OAuth2({
      loginUrl: faulty.org().loginUrl,
      clientId: faulty.org().clientId,
      redirectUri: 'http://localhost:1717/cb',
      useVerifier: true,
    });
    const res = await fetch(auth.getAuthorizationUrl({}), { redirect: 'manual' });
    const code = new URL(res.headers.get('location') as string).searchParams.get('code') as string;
    const c = new jsforce.Connection({ oauth2: auth, version: '62.0' });
    await c.authorize(code);
    let refreshes = 0;
    c.on('refresh', () => refreshes++);
    faulty.org().setFaults({ expireSessionEvery: 5 });
    for (let i = 0; i < 12; i++) expect((await c.query('SELECT Id FROM User')).totalSize).toBe(1);
    faulty.org().setFaults({ expireSessionEvery: 0 });
    expect(refreshes).toBeGreaterThanOrEqual(2);
  });

  it('is controlled over HTTP by the admin token only', async () => {
    const url = `${faulty.org().instanceUrl}/__emulator/faults`;
    const denied = await fetch(url, {
      method: 'POST',
      body: '{}',
      headers: { Authorization: 'Bearer other' },
    });
    expect(denied.status).toBe(401);
    const ok = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ latencyMs: 1 }),
      headers: { Authorization: `Bearer ${faulty.org().accessToken}` },
    });
    expect(await ok.json()).toMatchObject({ latencyMs: 1 });
    faulty.org().setFaults({ latencyMs: 0 });
  });
});
