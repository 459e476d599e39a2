import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg();

/** Escapes a value as a client must for a SOQL string literal. */
function literal(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}'`;
}

// Seeded straight into the org: these tests are about reading, and 25 collection calls cost seconds on a loaded machine.
beforeAll(() => {
  for (let i = 0; i < 5000; i++) {
    const res = org().store.create('Contact', {
      LastName: `Person ${String(i).padStart(4, '0')}`,
      Email: `p${i}@example.com`,
      Department: i % 2 === 0 ? 'Even' : 'Odd',
    });
    expect(res.ok).toBe(true);
  }
});

describe('query', () => {
  it('pages 5,000 records by 2,000 with nextRecordsUrl under /query/, and jsforce follows it', async () => {
    const first = await conn().query('SELECT Id, Email FROM Contact');
    expect(first.totalSize).toBe(5000);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g[a-zA-Z0-9]{15}-2000$/);
    const second = await conn().queryMore(first.nextRecordsUrl as string);
    expect(second.records).toHaveLength(2000);
    expect(second.totalSize).toBe(5000);

    const all = await conn().query('SELECT Id FROM Contact').run({ autoFetch: true, maxFetch: 10_000 });
    expect(all.records).toHaveLength(5000);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(5000);
  });

  it('honours Sforce-Query-Options batchSize within 200–2000', async () => {
    const res = await fetch(
      `${org().instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`,
      {
        headers: { Authorization: `Bearer ${org().accessToken}`, 'Sforce-Query-Options': 'batchSize=500' },
      },
    );
    const body = (await res.json()) as { records: unknown[]; nextRecordsUrl: string };
    expect(body.records).toHaveLength(500);
    expect(body.nextRecordsUrl.endsWith('-500')).toBe(true);
  });

  it('filters with =, IN, LIKE, comparisons, AND/OR/NOT, ORDER BY, LIMIT and OFFSET', async () => {
    const q = async (soql: string): Promise<string[]> =>
      (await conn().query<{ LastName: string }>(soql)).records.map((r) => r.LastName);
    expect(await q("SELECT LastName FROM Contact WHERE Email = 'P42@EXAMPLE.COM'")).toEqual(['Person 0042']);
    expect(
      await q(
        "SELECT LastName FROM Contact WHERE Email IN ('p1@example.com', 'p2@example.com') ORDER BY LastName DESC",
      ),
    ).toEqual(['Person 0002', 'Person 0001']);
    expect(
      await q(
        "SELECT LastName FROM Contact WHERE LastName LIKE 'person 001%' AND Department = 'Odd' ORDER BY LastName LIMIT 3",
      ),
    ).toEqual(['Person 0011', 'Person 0013', 'Person 0015']);
    expect(
      await q(
        "SELECT LastName FROM Contact WHERE (Email = 'p1@example.com' OR Email = 'p3@example.com') AND NOT Department = 'Even' ORDER BY LastName",
      ),
    ).toEqual(['Person 0001', 'Person 0003']);
    expect(await q("SELECT LastName FROM Contact WHERE LastName >= 'Person 4998' ORDER BY LastName")).toEqual(
      ['Person 4998', 'Person 4999'],
    );
    expect(
      await q("SELECT LastName FROM Contact WHERE Department = 'Even' ORDER BY LastName LIMIT 2 OFFSET 1"),
    ).toEqual(['Person 0002', 'Person 0004']);
    expect(
      await q(
        "SELECT LastName FROM Contact WHERE Email NOT IN ('p0@example.com') AND LastName < 'Person 0002' ORDER BY LastName",
      ),
    ).toEqual(['Person 0001']);
  });

  it('counts with COUNT()', async () => {
    const res = await conn().query("SELECT COUNT() FROM Contact WHERE Department = 'Odd'");
    expect(res).toMatchObject({ totalSize: 2500, done: true, records: [] });
  });

  it('matches quotes, backslashes and injection attempts literally', async () => {
    const values = ["O'Brien", 'a\\b', "x' OR LastName != '", "back\\\\slash's", 'new\nline'];
    const created = await conn()
      .sobject('Contact')
      .create(values.map((v) => ({ LastName: 'Tricky', Title: v })));
    expect(created.every((r) => r.success)).toBe(true);
    for (const v of values) {
      const res = await conn().query<{ Title: string }>(
        `SELECT Title FROM Contact WHERE Title = ${literal(v)}`,
      );
      expect(res.records.map((r) => r.Title)).toEqual([v]);
    }
    const unescaped = await errorOf(conn().query("SELECT Id FROM Contact WHERE Title = 'O'Brien'"));
    expect(unescaped.name).toBe('MALFORMED_QUERY');
  });

  it.each([
    ['SELECT Foo FROM Contact', 'INVALID_FIELD', "No such column 'Foo' on entity 'Contact'"],
    ['SELECT Id FROM Nope', 'INVALID_TYPE', "sObject type 'Nope' is not supported"],
    [
      "SELECT Id FROM Case WHERE Description = 'x'",
      'INVALID_FIELD',
      "field 'Description' can not be filtered in query call",
    ],
    [
      "SELECT Id FROM Account WHERE NumberOfEmployees = '5'",
      'INVALID_FIELD',
      "value of filter criterion for field 'NumberOfEmployees' must be of type integer and should not be enclosed in quotes",
    ],
    [
      'SELECT Id FROM Contact WHERE Email = 5',
      'INVALID_FIELD',
      "field 'Email' must be of type string and should be enclosed in quotes",
    ],
    ["SELECT Id FROM Contact WHERE Id = 'bogus'", 'INVALID_QUERY_FILTER_OPERATOR', 'invalid ID field: bogus'],
    ['SELECT Id FROM Contact WHERE', 'MALFORMED_QUERY', 'ERROR at Row:1:Column:29'],
    ['SELECT Id, COUNT() FROM Contact', 'MALFORMED_QUERY', 'COUNT() must be the only element'],
    ['SELECT Nope.Name FROM Contact', 'INVALID_FIELD', "Didn't understand relationship 'Nope'"],
  ])('%s → %s', async (soql, code, message) => {
    const err = await errorOf(conn().query(soql));
    expect(err.name).toBe(code);
    expect(err.message).toContain(message);
  });

  it('returns parent fields nested, and null when there is no parent', async () => {
    const acct = await conn().sobject('Account').create({ Name: 'Parent Co', AccountNumber: 'AN-1' });
    await conn()
      .sobject('Contact')
      .create([{ LastName: 'WithParent', AccountId: acct.id }, { LastName: 'NoParent' }]);
    const res = await conn().query(
      "SELECT LastName, Account.Name, Account.AccountNumber FROM Contact WHERE LastName IN ('WithParent', 'NoParent') ORDER BY LastName",
    );
    expect(res.records).toEqual([
      { attributes: expect.anything(), LastName: 'NoParent', Account: null },
      {
        attributes: expect.anything(),
        LastName: 'WithParent',
        Account: {
          attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${acct.id}` },
          Name: 'Parent Co',
          AccountNumber: 'AN-1',
        },
      },
    ]);
    const byParent = await conn().query("SELECT LastName FROM Contact WHERE Account.AccountNumber = 'AN-1'");
    expect(byParent.records.map((r) => (r as { LastName: string }).LastName)).toEqual(['WithParent']);
  });

  it('queries dates, datetimes and booleans with unquoted literals', async () => {
    await conn()
      .sobject('Opportunity')
      .create({ Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-03-31', Amount: 1000 });
    const q = async (where: string): Promise<number> =>
      (await conn().query(`SELECT Id FROM Opportunity WHERE ${where}`)).totalSize;
    expect(await q('CloseDate = 2026-03-31')).toBe(1);
    expect(await q('CloseDate > 2026-04-01')).toBe(0);
    expect(await q('Amount >= 999.5 AND IsClosed = false')).toBe(1);
    expect(await q('CreatedDate = TODAY')).toBe(1);
    expect(await q('CreatedDate > 2020-01-01T00:00:00Z')).toBe(1);
    expect(
      (await errorOf(conn().query("SELECT Id FROM Opportunity WHERE CloseDate = '2026-03-31'"))).name,
    ).toBe('INVALID_FIELD');
  });
});
