import http from 'node:http';
import jsforce from 'jsforce';
import { describe, expect, it } from 'vitest';
import { useLocalOrg } from '../helpers/local-org.js';

const { org } = useLocalOrg();

function get(path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { port, accessToken } = org();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { Authorization: `Bearer ${accessToken}` } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('the local org over HTTP, as clients other than sfsync use it', () => {
  it('serves paths with repeated slashes as Salesforce does (an instance URL kept with a trailing slash)', async () => {
    const soql = encodeURIComponent("SELECT Id FROM User WHERE Alias = 'ladmin'");
    const res = await get(`//services/data/v62.0//query?q=${soql}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ totalSize: 1, records: [{ Id: org().userId }] });

    const conn = new jsforce.Connection({
      instanceUrl: `${org().instanceUrl}/`,
      accessToken: org().accessToken,
      version: '62.0',
    });
    const created = await conn.sobject('Account').create({ Name: 'Through a trailing slash' });
    expect(created).toMatchObject({ success: true });
  });

  it('gives every Collections upsert result `created`, failures and allOrNone rollbacks included', async () => {
    const { instanceUrl, accessToken } = org();
    const upsert = async (allOrNone: boolean, records: Array<Record<string, unknown>>): Promise<unknown> => {
      const res = await fetch(
        `${instanceUrl}/services/data/v62.0/composite/sobjects/Account/External_Id__c`,
        {
          method: 'PATCH',
          headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            allOrNone,
            records: records.map((r) => ({ attributes: { type: 'Account' }, ...r })),
          }),
        },
      );
      return res.json();
    };
    expect(
      await upsert(false, [{ Name: 'Kept', External_Id__c: 'CR-1' }, { External_Id__c: 'CR-2' }]),
    ).toEqual([
      { id: expect.any(String), success: true, errors: [], created: true },
      {
        success: false,
        errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })],
        created: false,
      },
    ]);
    expect(
      await upsert(true, [{ Name: 'Rolled back', External_Id__c: 'CR-3' }, { External_Id__c: 'CR-4' }]),
    ).toEqual([
      {
        id: expect.any(String),
        success: false,
        errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })],
        created: false,
      },
      {
        success: false,
        errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })],
        created: false,
      },
    ]);
  });

  it('keeps idle keep-alive connections open long enough for clients that pause between calls', async () => {
    const res = await get('/services/data');
    expect(res.headers.connection).toBe('keep-alive');
    expect(res.headers['keep-alive']).toBe('timeout=120');
  });
});
