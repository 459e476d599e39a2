import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

describe('relationships, custom objects and Person Accounts', () => {
  it('ties Contacts to Accounts by a lookup on AccountNumber, resolved in one query per batch', async () => {
    env.write('accounts.csv', 'Name,AccountNumber\nAcme,AC-1\nBeta,BE-2\n');
    expect((await env.sfsync(['create', 'accounts.csv'])).code).toBe(0);
    env.write('people.csv', 'LastName,Account.AccountNumber\nAda,AC-1\nBob,BE-2\nCid,ZZ-9\n');
    const before = env.org().apiCalls();
    const r = await env.sfsync([
      'create',
      'people.csv',
      '--object',
      'Contact',
      '--json',
      '--results',
      'out/people',
    ]);
    expect(r.code).toBe(2);
    expect(r.json().result.counts).toMatchObject({ created: 2, failed: 1 });
    // describe Contact, describe Account, one lookup query, one create call.
    expect(env.org().apiCalls() - before).toBe(4);
    expect(readResultCsv(`${env.dir()}/out/people/failures.csv`)[0]).toMatchObject({
      line: '4',
      error_code: 'LOOKUP_NOT_FOUND',
    });
    const rows = await env.query(
      "SELECT LastName, Account.Name FROM Contact WHERE LastName IN ('Ada','Bob') ORDER BY LastName",
    );
    expect(rows.map((x) => [x.LastName, x.Account?.Name])).toEqual([
      ['Ada', 'Acme'],
      ['Bob', 'Beta'],
    ]);
  });

  it('links a parent by external ID (Account.External_Id__c) and upserts a custom object on its external ID', async () => {
    env.write('ext-accounts.csv', 'Name,External_Id__c\nGamma,EXT-G\n');
    await env.sfsync(['upsert', 'ext-accounts.csv', '--object', 'Account', '--match', 'External_Id__c']);
    env.write(
      'projects.csv',
      'Name,Code__c,Budget__c,Start_Date__c,Status__c,Account__r.External_Id__c\nBuild,PRJ-1,1200.50,2026-02-01,Active,EXT-G\n',
    );
    const first = await env.sfsync(['upsert', 'projects.csv', '--match', 'Code__c', '--json']);
    expect(first.json().result).toMatchObject({
      object: 'Project__c',
      matchStrategy: 'native-upsert',
      counts: { created: 1 },
    });
    env.write('projects.csv', 'Name,Code__c,Budget__c\nBuild v2,prj-1,1500\n');
    const second = await env.sfsync(['upsert', 'projects.csv', '--match', 'Code__c', '--json']);
    expect(second.json().result.counts).toMatchObject({ created: 0, updated: 1 });
    const rows = await env.query(
      "SELECT Name, Budget__c, Start_Date__c, Status__c, Account__r.Name FROM Project__c WHERE Code__c = 'PRJ-1'",
    );
    expect(rows).toEqual([
      expect.objectContaining({
        Name: 'Build v2',
        Budget__c: 1500,
        Start_Date__c: '2026-02-01',
        Status__c: 'Active',
        Account__r: expect.objectContaining({ Name: 'Gamma' }),
      }),
    ]);
  });

  it('creates a Person Account from LastName without Name', async () => {
    env.write('person-accounts.csv', 'FirstName,LastName,PersonEmail\nGrace,Hopper,grace@navy.test\n');
    const r = await env.sfsync([
      'upsert',
      'person-accounts.csv',
      '--object',
      'Account',
      '--match',
      'PersonEmail',
      '--allow-shared-keys',
      '--json',
    ]);
    expect(r.json().result.counts).toMatchObject({ created: 1, failed: 0 });
    const rows = await env.query(
      "SELECT Name, IsPersonAccount FROM Account WHERE PersonEmail = 'grace@navy.test'",
    );
    expect(rows).toEqual([expect.objectContaining({ Name: 'Grace Hopper', IsPersonAccount: true })]);
  });
});

describe('dry run', () => {
  it('writes nothing, reports what would happen, and saves the exact payloads', async () => {
    env.write('dry-seed.csv', 'LastName,Email\nExisting,exists@dry.test\n');
    await env.sfsync(['create', 'dry-seed.csv', '--object', 'Contact']);
    env.write(
      'dry.csv',
      'LastName,Email,Birthdate\nExisting2,exists@dry.test,1990-05-01\nNew,new@dry.test,\nBad,bad@dry.test,yesterday\n',
    );
    const before = env.org().store.count('Contact');
    const r = await env.sfsync([
      'upsert',
      'dry.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--dry-run',
      '--json',
      '--results',
      'out/dry',
    ]);
    expect(r.code).toBe(2);
    expect(r.json().result).toMatchObject({
      dryRun: true,
      counts: { total: 3, created: 1, updated: 1, failed: 1 },
    });
    expect(env.org().store.count('Contact')).toBe(before);
    const plan = readResultCsv(`${env.dir()}/out/dry/plan.csv`);
    expect(plan.map((p) => [p.line, p.outcome])).toEqual([
      ['2', 'would update'],
      ['3', 'would create'],
    ]);
    const fs = await import('node:fs');
    const payloads = fs
      .readFileSync(`${env.dir()}/out/dry/payloads.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(payloads).toEqual([
      {
        line: 2,
        action: 'update',
        id: expect.stringMatching(/^003/),
        // Only what differs from the record: its Email is stored already.
        payload: { LastName: 'Existing2', Birthdate: '1990-05-01' },
      },
      { line: 3, action: 'create', id: null, payload: { LastName: 'New', Email: 'new@dry.test' } },
    ]);
    expect(readResultCsv(`${env.dir()}/out/dry/rejected.csv`)[0]).toMatchObject({
      line: '4',
      error_code: 'VALUE_INVALID',
    });
  });

  it('--dry-run --offline needs no org and checks the file and the mapping', async () => {
    env.write('offline.csv', 'LastName,Email\nA,a@o.test\n"unclosed,x\n');
    const r = await env.sfsync(
      ['create', 'offline.csv', '--object', 'Contact', '--dry-run', '--offline', '--json'],
      undefined,
    );
    expect(r.json().result).toMatchObject({ offline: true, apiCalls: 0, counts: { created: 1, failed: 1 } });
  });
});
