import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg();

const AGGREGATE = { type: 'AggregateResult' };

beforeAll(async () => {
  const res = await conn()
    .sobject('Opportunity')
    .create([
      { Name: 'Agg 1', StageName: 'Prospecting', CloseDate: '2026-02-01', Amount: 100 },
      { Name: 'Agg 2', StageName: 'Prospecting', CloseDate: '2026-01-15', Amount: 200 },
      { Name: 'Agg 3', StageName: 'Closed Won', CloseDate: '2026-03-01', Amount: 1000 },
      { Name: 'Agg 4', StageName: 'Negotiation/Review', CloseDate: '2026-04-01' },
      { Name: 'Agg 5', StageName: 'Negotiation/Review', CloseDate: '2026-04-02', Amount: 50 },
      { Name: 'Agg 6', StageName: 'Negotiation/Review', CloseDate: '2026-04-02', Amount: 50 },
    ]);
  expect(res.every((r) => r.success)).toBe(true);
});

describe('aggregate queries', () => {
  it('groups with GROUP BY: AggregateResult records, aliases, and expr0… for unaliased functions', async () => {
    const res = await conn().query(
      "SELECT StageName, COUNT(Id), SUM(Amount) total, MAX(Amount), MIN(CloseDate), AVG(Amount), COUNT(Amount), COUNT_DISTINCT(CloseDate) FROM Opportunity WHERE Name LIKE 'Agg %' GROUP BY StageName ORDER BY StageName",
    );
    expect(res).toEqual({
      totalSize: 3,
      done: true,
      records: [
        {
          attributes: AGGREGATE,
          StageName: 'Prospecting',
          expr0: 2,
          total: 300,
          expr1: 200,
          expr2: '2026-01-15',
          expr3: 150,
          expr4: 2,
          expr5: 2,
        },
        {
          attributes: AGGREGATE,
          StageName: 'Negotiation/Review',
          expr0: 3,
          total: 100,
          expr1: 50,
          expr2: '2026-04-01',
          expr3: 50,
          expr4: 2,
          expr5: 2,
        },
        {
          attributes: AGGREGATE,
          StageName: 'Closed Won',
          expr0: 1,
          total: 1000,
          expr1: 1000,
          expr2: '2026-03-01',
          expr3: 1000,
          expr4: 1,
          expr5: 1,
        },
      ],
    });
  });

  it('sorts a picklist by its defined order, in record and aggregate queries', async () => {
    const res = await conn().query<{ StageName: string }>(
      "SELECT StageName FROM Opportunity WHERE Name LIKE 'Agg %' ORDER BY StageName DESC, Name LIMIT 3",
    );
    expect(res.records.map((r) => r.StageName)).toEqual([
      'Closed Won',
      'Negotiation/Review',
      'Negotiation/Review',
    ]);
  });

  it('sorts nulls first unless NULLS LAST, whichever the direction', async () => {
    const names = async (order: string): Promise<string[]> =>
      (
        await conn().query<{ Name: string }>(
          `SELECT Name FROM Opportunity WHERE Name LIKE 'Agg %' ORDER BY ${order}, Name`,
        )
      ).records.map((r) => r.Name.slice(4));
    expect(await names('Amount DESC')).toEqual(['4', '3', '2', '1', '5', '6']);
    expect(await names('Amount DESC NULLS LAST')).toEqual(['3', '2', '1', '5', '6', '4']);
    expect(await names('Amount NULLS LAST')).toEqual(['5', '6', '1', '2', '3', '4']);
  });

  it('filters groups with HAVING and orders them by an aggregate', async () => {
    const res = await conn().query(
      "SELECT StageName s, COUNT(Id) n FROM Opportunity WHERE Name LIKE 'Agg %' GROUP BY StageName HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC",
    );
    expect(res.records).toEqual([
      { attributes: AGGREGATE, s: 'Negotiation/Review', n: 3 },
      { attributes: AGGREGATE, s: 'Prospecting', n: 2 },
    ]);
    const bySum = await conn().query(
      "SELECT StageName FROM Opportunity WHERE Name LIKE 'Agg %' GROUP BY StageName HAVING SUM(Amount) >= 300 AND StageName != 'Closed Won'",
    );
    expect(bySum.records).toEqual([{ attributes: AGGREGATE, StageName: 'Prospecting' }]);
  });

  it('answers one row without GROUP BY, even when nothing matches', async () => {
    const all = await conn().query("SELECT COUNT(Id), MAX(Amount) FROM Opportunity WHERE Name LIKE 'Agg %'");
    expect(all).toEqual({
      totalSize: 1,
      done: true,
      records: [{ attributes: AGGREGATE, expr0: 6, expr1: 1000 }],
    });
    const none = await conn().query("SELECT COUNT(Id), SUM(Amount) FROM Opportunity WHERE Name = 'no such'");
    expect(none.records).toEqual([{ attributes: AGGREGATE, expr0: 0, expr1: null }]);
  });

  it('groups by a parent field, named by its field name', async () => {
    const acct = await conn().sobject('Account').create({ Name: 'Agg Parent' });
    await conn()
      .sobject('Contact')
      .create([
        { LastName: 'Agg C1', AccountId: acct.id },
        { LastName: 'Agg C2', AccountId: acct.id },
      ]);
    const res = await conn().query(
      "SELECT Account.Name, COUNT(Id) FROM Contact WHERE LastName LIKE 'Agg C%' GROUP BY Account.Name",
    );
    expect(res.records).toEqual([{ attributes: AGGREGATE, Name: 'Agg Parent', expr0: 2 }]);
    const aliased = await conn().query(
      "SELECT Account.Name acct, Owner.Name owner, COUNT(Id) FROM Contact WHERE LastName LIKE 'Agg C%' GROUP BY Account.Name, Owner.Name",
    );
    expect(aliased.records).toEqual([
      { attributes: AGGREGATE, acct: 'Agg Parent', owner: expect.any(String), expr0: 2 },
    ]);
  });

  it('adds ROLLUP subtotals after the rows they sum up and a grand total last, marked by GROUPING()', async () => {
    const lead = (LeadSource: string, Rating: string | null) => ({
      LastName: 'Roll',
      Company: 'Rollup Co',
      LeadSource,
      Rating,
    });
    await conn()
      .sobject('Lead')
      .create([lead('Web', 'Hot'), lead('Phone Inquiry', 'Warm'), lead('Web', null), lead('Web', 'Hot')]);
    const res = await conn().query(
      "SELECT LeadSource, Rating, GROUPING(LeadSource) grpLS, GROUPING(Rating) grpRating, COUNT(Id) cnt FROM Lead WHERE Company = 'Rollup Co' GROUP BY ROLLUP(LeadSource, Rating)",
    );
    const row = (
      LeadSource: string | null,
      Rating: string | null,
      grpLS: number,
      grpRating: number,
      cnt: number,
    ) => ({ attributes: AGGREGATE, LeadSource, Rating, grpLS, grpRating, cnt });
    expect(res.records).toEqual([
      row('Web', null, 0, 0, 1),
      row('Web', 'Hot', 0, 0, 2),
      row('Web', null, 0, 1, 3),
      row('Phone Inquiry', 'Warm', 0, 0, 1),
      row('Phone Inquiry', null, 0, 1, 1),
      row(null, null, 1, 1, 4),
    ]);
    const cube = await conn().query(
      "SELECT LeadSource, Rating, GROUPING(LeadSource), GROUPING(Rating), COUNT(Id) FROM Lead WHERE Company = 'Rollup Co' GROUP BY CUBE(LeadSource, Rating) HAVING GROUPING(LeadSource) = 1 ORDER BY GROUPING(Rating), Rating DESC NULLS LAST",
    );
    expect(cube.records.map((r) => Object.values(r).slice(1))).toEqual([
      [null, 'Warm', 1, 0, 1],
      [null, 'Hot', 1, 0, 2],
      [null, null, 1, 0, 1],
      [null, null, 1, 1, 4],
    ]);
  });

  it.each([
    [
      'SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName',
      'MALFORMED_QUERY',
      'Field must be grouped or aggregated: Name',
    ],
    [
      'SELECT SUM(Name) FROM Opportunity',
      'MALFORMED_QUERY',
      'field Name does not support aggregate operator SUM',
    ],
    [
      'SELECT Account.Name, Owner.Name, COUNT(Id) FROM Contact GROUP BY Account.Name, Owner.Name',
      'MALFORMED_QUERY',
      'duplicate alias: Name',
    ],
    [
      'SELECT StageName, GROUPING(StageName) FROM Opportunity GROUP BY StageName',
      'MALFORMED_QUERY',
      'GROUPING() is only allowed with GROUP BY ROLLUP or CUBE',
    ],
    [
      'SELECT COUNT(Id) FROM Opportunity GROUP BY ROLLUP(StageName), Name',
      'MALFORMED_QUERY',
      "unexpected token: ','",
    ],
    [
      'SELECT Amount FROM Opportunity GROUP BY Amount',
      'MALFORMED_QUERY',
      "field 'Amount' can not be grouped in a query call",
    ],
  ])('%s → %s', async (soql, code, message) => {
    const err = await errorOf(conn().query(soql));
    expect(err.name).toBe(code);
    expect(err.message).toContain(message);
  });

  it('refuses more groups than one batch holds, as aggregates cannot queryMore()', async () => {
    // Seeded straight into the org: what is tested is the query, not 2,001 writes over HTTP.
    for (let i = 0; i < 2001; i++)
      org().store.create('Contact', { LastName: `Many ${i}`, Department: 'Many' });
    const soql = "SELECT LastName, COUNT(Id) FROM Contact WHERE Department = 'Many' GROUP BY LastName";
    const err = await errorOf(conn().query(soql));
    expect(err.name).toBe('EXCEEDED_ID_LIMIT');
    expect(err.message).toBe(
      'Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch',
    );
    expect((await conn().query(`${soql} LIMIT 2000`)).totalSize).toBe(2000);
  });

  it('is refused by Bulk query jobs', async () => {
    const res = await fetch(`${org().instanceUrl}/services/data/v62.0/jobs/query`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${org().accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        operation: 'query',
        query: 'SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName',
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Array<{ errorCode: string }>)[0]?.errorCode).toBe('API_ERROR');
  });
});
