import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg();

let acme = '';
let globex = '';
let initech = '';
const contactIds: Record<string, string> = {};

beforeAll(async () => {
  const accounts = await conn()
    .sobject('Account')
    .create([{ Name: 'Rel Acme' }, { Name: 'Rel Globex' }, { Name: 'Rel Initech' }]);
  [acme, globex, initech] = accounts.map((a) => a.id as string) as [string, string, string];
  await conn().sobject('Account').update({ Id: initech, ParentId: acme });
  const contacts = await conn()
    .sobject('Contact')
    .create([
      { LastName: 'Rel Zed', AccountId: acme, Title: 'CEO' },
      { LastName: 'Rel Amy', AccountId: acme, Title: 'CTO' },
      { LastName: 'Rel Bob', AccountId: globex, Title: 'CEO' },
      { LastName: 'Rel Orphan', Title: 'CEO' },
    ]);
  for (const [i, c] of contacts.entries())
    contactIds[['zed', 'amy', 'bob', 'orphan'][i] as string] = c.id as string;
  await conn()
    .sobject('Project__c')
    .create([{ Name: 'Rel P1', Code__c: 'REL-1', Account__c: globex }]);
});

const url = (type: string, id: string): string => `/services/data/v62.0/sobjects/${type}/${id}`;

describe('parent-to-child subqueries', () => {
  it('nests each parent’s children as {totalSize, done, records}, and null when it has none', async () => {
    const res = await conn().query(
      "SELECT Name, (SELECT LastName, Title FROM Contacts ORDER BY LastName) FROM Account WHERE Name LIKE 'Rel %' ORDER BY Name",
    );
    expect(res).toEqual({
      totalSize: 3,
      done: true,
      records: [
        {
          attributes: { type: 'Account', url: url('Account', acme) },
          Name: 'Rel Acme',
          Contacts: {
            totalSize: 2,
            done: true,
            records: [
              {
                attributes: { type: 'Contact', url: url('Contact', contactIds.amy as string) },
                LastName: 'Rel Amy',
                Title: 'CTO',
              },
              {
                attributes: { type: 'Contact', url: url('Contact', contactIds.zed as string) },
                LastName: 'Rel Zed',
                Title: 'CEO',
              },
            ],
          },
        },
        {
          attributes: { type: 'Account', url: url('Account', globex) },
          Name: 'Rel Globex',
          Contacts: {
            totalSize: 1,
            done: true,
            records: [
              {
                attributes: { type: 'Contact', url: url('Contact', contactIds.bob as string) },
                LastName: 'Rel Bob',
                Title: 'CEO',
              },
            ],
          },
        },
        {
          attributes: { type: 'Account', url: url('Account', initech) },
          Name: 'Rel Initech',
          Contacts: null,
        },
      ],
    });
  });

  it('filters, limits and follows parents inside the subquery; several subqueries keep SELECT order', async () => {
    const res = await conn().query<Record<string, unknown>>(
      `SELECT Id, (SELECT Name FROM ChildAccounts), Name, (SELECT LastName, Account.Name FROM Contacts WHERE Title = 'CEO' LIMIT 1), (SELECT Code__c FROM Projects__r) FROM Account WHERE Id IN ('${acme}', '${globex}') ORDER BY Name`,
    );
    const [a, g] = res.records as [Record<string, unknown>, Record<string, unknown>];
    expect(Object.keys(a)).toEqual(['attributes', 'Id', 'ChildAccounts', 'Name', 'Contacts', 'Projects__r']);
    expect(a.ChildAccounts).toMatchObject({ totalSize: 1, records: [{ Name: 'Rel Initech' }] });
    expect(a.Contacts).toEqual({
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: 'Contact', url: url('Contact', contactIds.zed as string) },
          LastName: 'Rel Zed',
          Account: { attributes: { type: 'Account', url: url('Account', acme) }, Name: 'Rel Acme' },
        },
      ],
    });
    expect(a.Projects__r).toBeNull();
    expect(g.Projects__r).toMatchObject({ totalSize: 1, records: [{ Code__c: 'REL-1' }] });
  });

  it('serves jsforce’s query builder with include()', async () => {
    const rows = await conn()
      .sobject('Account')
      .find({ Name: 'Rel Acme' }, ['Name'])
      .include('Contacts')
      .select(['LastName'])
      .sort({ LastName: 'ASC' })
      .end();
    expect(rows).toHaveLength(1);
    expect(
      (rows[0] as { Contacts: { records: Array<{ LastName: string }> } }).Contacts.records.map(
        (c) => c.LastName,
      ),
    ).toEqual(['Rel Amy', 'Rel Zed']);
  });

  it('lists the child relationships in describe under the names subqueries accept', async () => {
    const account = await conn().sobject('Account').describe();
    const byName = (n: string): unknown => account.childRelationships.find((r) => r.relationshipName === n);
    expect(byName('Contacts')).toMatchObject({ childSObject: 'Contact', field: 'AccountId' });
    expect(byName('ChildAccounts')).toMatchObject({ childSObject: 'Account', field: 'ParentId' });
    expect(byName('Opportunities')).toMatchObject({ childSObject: 'Opportunity', field: 'AccountId' });
    expect(byName('Projects__r')).toMatchObject({ childSObject: 'Project__c', field: 'Account__c' });
    const names = account.childRelationships.map((r) => r.relationshipName).filter(Boolean);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([
    [
      'SELECT Id, (SELECT Id FROM Nope) FROM Account',
      'INVALID_TYPE',
      "Didn't understand relationship 'Nope' in FROM part of query call",
    ],
    [
      'SELECT Id, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account',
      'MALFORMED_QUERY',
      'Nesting of sub-selects is not supported',
    ],
    [
      'SELECT Id, (SELECT Foo FROM Contacts) FROM Account',
      'INVALID_FIELD',
      "No such column 'Foo' on entity 'Contact'",
    ],
  ])('%s → %s', async (soql, code, message) => {
    const err = await errorOf(conn().query(soql));
    expect(err.name).toBe(code);
    expect(err.message).toContain(message);
  });

  it('is refused by Bulk query jobs, as Salesforce does', async () => {
    const res = await fetch(`${org().instanceUrl}/services/data/v62.0/jobs/query`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${org().accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        operation: 'query',
        query: 'SELECT Id, (SELECT Id FROM Contacts) FROM Account',
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Array<{ errorCode: string }>)[0]?.errorCode).toBe('API_ERROR');
  });
});

describe('semi-joins and anti-joins', () => {
  const names = async (soql: string): Promise<string[]> =>
    (await conn().query<{ Name: string }>(soql)).records.map((r) => r.Name);

  it('keeps the rows whose id the inner query selects (IN) or does not (NOT IN)', async () => {
    expect(
      await names(
        "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Title = 'CEO') AND Name LIKE 'Rel %' ORDER BY Name",
      ),
    ).toEqual(['Rel Acme', 'Rel Globex']);
    expect(
      await names(
        "SELECT Name FROM Account WHERE Name LIKE 'Rel %' AND Id NOT IN (SELECT AccountId FROM Contact) ORDER BY Name",
      ),
    ).toEqual(['Rel Initech']);
    const contacts = await conn().query<{ LastName: string }>(
      "SELECT LastName FROM Contact WHERE AccountId IN (SELECT Account__c FROM Project__c WHERE Code__c = 'REL-1')",
    );
    expect(contacts.records.map((r) => r.LastName)).toEqual(['Rel Bob']);
  });

  it('answers Salesforce’s errors for a non-id field on either side', async () => {
    const left = await errorOf(
      conn().query('SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Contact)'),
    );
    expect(left.name).toBe('INVALID_FIELD');
    const right = await errorOf(
      conn().query('SELECT Id FROM Account WHERE Id IN (SELECT LastName FROM Contact)'),
    );
    expect(right.name).toBe('INVALID_FIELD');
  });
});

describe('relationship traversal with friendly URLs (/sobjects/{Obj}/{id}/{relationship})', () => {
  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${org().instanceUrl}/services/data/v62.0${path}`, {
      method,
      headers: { Authorization: `Bearer ${org().accessToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }

  it('reads a parent record, and lists children as a query result (empty, not 404, when none)', async () => {
    const parent = await call('GET', `/sobjects/Contact/${contactIds.bob}/Account?fields=Name`);
    expect(parent).toEqual({
      status: 200,
      json: { attributes: { type: 'Account', url: url('Account', globex) }, Name: 'Rel Globex' },
    });
    const children = await call('GET', `/sobjects/Account/${acme}/Contacts?fields=LastName`);
    expect(children.status).toBe(200);
    expect(children.json).toMatchObject({ totalSize: 2, done: true });
    expect(
      (children.json as { records: Array<{ LastName: string }> }).records.map((r) => r.LastName).sort(),
    ).toEqual(['Rel Amy', 'Rel Zed']);
    expect(await call('GET', `/sobjects/Account/${initech}/Contacts`)).toEqual({
      status: 200,
      json: { totalSize: 0, done: true, records: [] },
    });
  });

  it('updates a parent through the relationship; a missing parent or relationship is NOT_FOUND', async () => {
    expect(
      (await call('PATCH', `/sobjects/Account/${initech}/Parent`, { Description: 'via child' })).status,
    ).toBe(204);
    expect((await conn().sobject('Account').retrieve(acme)) as { Description: string }).toMatchObject({
      Description: 'via child',
    });
    const none = await call('GET', `/sobjects/Contact/${contactIds.orphan}/Account`);
    expect(none).toMatchObject({ status: 404, json: [{ errorCode: 'NOT_FOUND' }] });
    const unknown = await call('GET', `/sobjects/Account/${acme}/Nope`);
    expect(unknown).toEqual({
      status: 404,
      json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
    });
  });
});
