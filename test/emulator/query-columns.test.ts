import { describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { conn } = useLocalOrg();

/** `query?q=…&columns=true`, as the Salesforce CLI's `sf data query` asks for a query's columns. */
async function columns(soql: string): Promise<Record<string, unknown>> {
  return conn().request<Record<string, unknown>>(
    `/services/data/v62.0/query?q=${encodeURIComponent(soql)}&columns=true`,
  );
}

describe('query columns (columns=true)', () => {
  it('describes plain fields without running the query for records', async () => {
    const r = await columns('SELECT Id, Name FROM Account');
    expect(r).toMatchObject({ entityName: 'Account', groupBy: false, idSelected: true, keyPrefix: '001' });
    expect(r).not.toHaveProperty('records');
    expect(r.columnMetadata).toEqual([
      expect.objectContaining({ columnName: 'Id', apexType: 'Id', aggregate: false, joinColumns: [] }),
      expect.objectContaining({ columnName: 'Name', apexType: 'String', textType: true, joinColumns: [] }),
    ]);
  });

  it('nests parent fields under their relationship and child subqueries under an aggregate column', async () => {
    const r = await columns('SELECT Name, Owner.Name, (SELECT LastName FROM Contacts) FROM Account');
    const [name, owner, contacts] = r.columnMetadata as Array<Record<string, unknown>>;
    expect(name).toMatchObject({ columnName: 'Name' });
    expect(owner).toMatchObject({
      columnName: 'Owner',
      foreignKeyName: 'OwnerId',
      aggregate: false,
      joinColumns: [expect.objectContaining({ columnName: 'Name' })],
    });
    expect(contacts).toMatchObject({
      columnName: 'Contacts',
      aggregate: true,
      joinColumns: [expect.objectContaining({ columnName: 'LastName', insertable: true, updatable: true })],
    });
  });

  it('names aggregate functions exprN with a display name, and groups by their field', async () => {
    const r = await columns('SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry');
    expect(r.groupBy).toBe(true);
    expect(r.columnMetadata).toEqual([
      expect.objectContaining({ columnName: 'Industry', aggregate: false }),
      expect.objectContaining({
        columnName: 'expr0',
        displayName: 'count(Id)',
        aggregate: true,
        numberType: true,
      }),
    ]);
  });

  it('keeps a grouped parent field flat, as its AggregateResult value is (Name, not Owner.Name)', async () => {
    const r = await columns(
      'SELECT LeadSource, Owner.Name, COUNT(Id) FROM Lead GROUP BY LeadSource, Owner.Name',
    );
    expect(r.columnMetadata).toEqual([
      expect.objectContaining({ columnName: 'LeadSource', joinColumns: [] }),
      expect.objectContaining({ columnName: 'Name', displayName: 'Name', aggregate: false, joinColumns: [] }),
      expect.objectContaining({ columnName: 'expr0', aggregate: true }),
    ]);
  });

  it('answers a bad query with the same MALFORMED_QUERY / INVALID_FIELD as the query itself', async () => {
    const e = await errorOf(columns('SELECT Nope__c FROM Account'));
    expect(e.errorCode).toBe('INVALID_FIELD');
  });
});
