import http from 'node:http';
import jsforce from 'jsforce';
import { describe, expect, it } from 'vitest';
import { useLocalOrg } from '../helpers/local-org.js';

const { org } = useLocalOrg();

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  reusedSocket: boolean;
}

function request(agent: http.Agent, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${org().instanceUrl}${path}`,
      {
        method,
        agent,
        headers: { Authorization: `Bearer ${org().accessToken}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('paths and connections as clients use them', () => {
  it('collapses repeated slashes: an instance URL stored with a trailing slash works (the sf CLI does this)', async () => {
    const conn = new jsforce.Connection({
      instanceUrl: `${org().instanceUrl}/`,
      accessToken: org().accessToken,
      version: '62.0',
    });
    const created = await conn.sobject('Account').create({ Name: 'Slashes' });
    expect(created.success).toBe(true);
    expect((await conn.query(`SELECT Name FROM Account WHERE Id = '${created.id}'`)).records).toMatchObject([
      { Name: 'Slashes' },
    ]);
    const agent = new http.Agent();
    expect((await request(agent, 'GET', '//services/data//v62.0//limits')).status).toBe(200);
    expect((await request(agent, 'GET', '//services/data/')).status).toBe(200);
    agent.destroy();
  });

  it('keeps idle connections open for a minute and answers correctly on a reused socket, even after an error', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const big = JSON.stringify({ Name: 'x'.repeat(200_000) });
    const refused = await request(agent, 'POST', '/services/data/v62.0/sobjects/Nope__c', big);
    expect(refused.status).toBe(404);
    expect(Number(/timeout=(\d+)/.exec(String(refused.headers['keep-alive']))?.[1])).toBeGreaterThanOrEqual(
      60,
    );
    const next = await request(agent, 'GET', '/services/data/v62.0/limits');
    expect(next.reusedSocket).toBe(true);
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body)).toHaveProperty('DailyApiRequests');
    agent.destroy();
  });
});
