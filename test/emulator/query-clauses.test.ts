import { describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { conn } = useLocalOrg();

interface Stamps {
  Id: string;
  LastViewedDate: string | null;
  LastReferencedDate: string | null;
  LastModifiedDate: string;
  SystemModstamp: string;
}

const stamps = async (id: string): Promise<Stamps> =>
  (
    await conn().query<Stamps>(
      `SELECT Id, LastViewedDate, LastReferencedDate, LastModifiedDate, SystemModstamp FROM Account WHERE Id = '${id}'`,
    )
  ).records[0] as Stamps;

describe('FOR VIEW, FOR REFERENCE, UPDATE TRACKING/VIEWSTAT and WITH', () => {
  it('FOR REFERENCE stamps LastReferencedDate, FOR VIEW also LastViewedDate; neither modifies the record', async () => {
    const { id } = await conn().sobject('Account').create({ Name: 'Viewed Co' });
    const before = await stamps(id as string);
    expect(before).toMatchObject({ LastViewedDate: null, LastReferencedDate: null });

    const referenced = await conn().query(`SELECT Id FROM Account WHERE Id = '${id}' FOR REFERENCE`);
    expect(referenced.totalSize).toBe(1);
    const afterReference = await stamps(id as string);
    expect(afterReference.LastViewedDate).toBeNull();
    expect(afterReference.LastReferencedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);

    await conn().query(`SELECT Name FROM Account WHERE Id = '${id}' FOR VIEW`);
    const afterView = await stamps(id as string);
    expect(afterView.LastViewedDate).toMatch(/\+0000$/);
    expect(afterView.LastModifiedDate).toBe(before.LastModifiedDate);
    expect(afterView.SystemModstamp).toBe(before.SystemModstamp);

    const recent = await conn().query<{ Id: string }>('SELECT Id FROM Account WHERE LastViewedDate != null');
    expect(recent.records.map((r) => r.Id)).toEqual([id]);
  });

  it('accepts UPDATE TRACKING, UPDATE VIEWSTAT, WITH SECURITY_ENFORCED and USING SCOPE', async () => {
    await conn().sobject('Contact').create({ LastName: 'Clauses' });
    for (const soql of [
      "SELECT Id FROM Contact WHERE LastName = 'Clauses' UPDATE TRACKING",
      "SELECT Id FROM Contact WHERE LastName = 'Clauses' UPDATE VIEWSTAT",
      "SELECT Id FROM Contact WHERE LastName = 'Clauses' WITH SECURITY_ENFORCED ORDER BY Id LIMIT 5",
      "SELECT Id FROM Contact USING SCOPE Everything WHERE LastName = 'Clauses'",
    ]) {
      expect((await conn().query(soql)).totalSize, soql).toBe(1);
    }
  });
});

describe('query explain (GET /query/?explain=)', () => {
  it('answers plans, cheapest first: an Index plan for an indexed equality filter, then the TableScan', async () => {
    await conn()
      .sobject('Contact')
      .create([
        { LastName: 'Explain A', Email: 'explain-a@example.com', Title: 'X' },
        { LastName: 'Explain B', Email: 'explain-b@example.com', Title: 'X' },
      ]);
    const total = (await conn().query('SELECT COUNT() FROM Contact')).totalSize;
    const res = await conn()
      .query("SELECT Id FROM Contact WHERE Email = 'explain-a@example.com' AND Title = 'X'")
      .explain();
    expect(res.plans).toEqual([
      {
        cardinality: 1,
        fields: ['Email'],
        leadingOperationType: 'Index',
        notes: [],
        relativeCost: expect.any(Number),
        sobjectCardinality: total,
        sobjectType: 'Contact',
      },
      {
        cardinality: 1,
        fields: [],
        leadingOperationType: 'TableScan',
        notes: [
          {
            description: 'Not considering filter for optimization because unindexed',
            fields: ['IsDeleted', 'Title'],
            tableEnumOrId: 'Contact',
          },
        ],
        relativeCost: expect.any(Number),
        sobjectCardinality: total,
        sobjectType: 'Contact',
      },
    ]);
    expect(res.plans[0]?.relativeCost).toBeLessThan(res.plans[1]?.relativeCost as number);
  });

  it('does not run FOR VIEW, and answers a bad query as the query resource does', async () => {
    const { id } = await conn().sobject('Account').create({ Name: 'Explained' });
    const plans = await conn().query(`SELECT Id FROM Account WHERE Id = '${id}' FOR VIEW`).explain();
    expect(plans.plans.map((p) => p.leadingOperationType)).toEqual(['Index', 'TableScan']);
    expect((await stamps(id as string)).LastViewedDate).toBeNull();
    const bad = await conn()
      .query('SELECT Nope FROM Account')
      .explain()
      .then(
        () => null,
        (err: Error) => err,
      );
    expect(bad?.name).toBe('INVALID_FIELD');
  });
});

describe('FIELDS()', () => {
  it('selects all, standard or custom fields in describe order, and mixes with named fields', async () => {
    const { id } = await conn().sobject('Account').create({ Name: 'Fields Co', External_Id__c: 'FLD-1' });
    const describe = await conn().sobject('Account').describe();
    const all = await conn().query<Record<string, unknown>>(
      `SELECT FIELDS(ALL) FROM Account WHERE Id = '${id}' LIMIT 1`,
    );
    expect(Object.keys(all.records[0] as object)).toEqual([
      'attributes',
      ...describe.fields.map((f) => f.name),
    ]);
    expect(all.records[0]).toMatchObject({ Id: id, Name: 'Fields Co', External_Id__c: 'FLD-1' });
    const custom = await conn().query(
      `SELECT Name, FIELDS(CUSTOM) FROM Account WHERE Id = '${id}' LIMIT 200`,
    );
    expect(custom.records).toEqual([
      { attributes: expect.anything(), Name: 'Fields Co', External_Id__c: 'FLD-1' },
    ]);
    const standard = await conn().query<Record<string, unknown>>(
      `SELECT FIELDS(STANDARD) FROM Account WHERE Id = '${id}'`,
    );
    expect(Object.keys(standard.records[0] as object)).not.toContain('External_Id__c');
    expect(standard.records[0]).toMatchObject({ Name: 'Fields Co' });
    const children = await conn().query<{ Contacts: unknown }>(
      `SELECT Id, (SELECT FIELDS(STANDARD) FROM Contacts) FROM Account WHERE Id = '${id}'`,
    );
    expect(children.records[0]?.Contacts).toBeNull();
  });

  it.each([
    [
      'SELECT FIELDS(ALL) FROM Account',
      'MALFORMED_QUERY',
      'The SOQL FIELDS function must have a LIMIT of at most 200',
    ],
    ['SELECT FIELDS(CUSTOM) FROM Account LIMIT 201', 'MALFORMED_QUERY', 'must have a LIMIT of at most 200'],
    ['SELECT Id, FIELDS(ALL) FROM User LIMIT 200', 'INVALID_FIELD', 'duplicate field selected: Id'],
    ['SELECT Name, name FROM Account', 'INVALID_FIELD', 'duplicate field selected: Name'],
  ])('%s → %s', async (soql, code, message) => {
    const err = await errorOf(conn().query(soql));
    expect(err.name).toBe(code);
    expect(err.message).toContain(message);
  });
});
