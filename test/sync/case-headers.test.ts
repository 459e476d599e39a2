import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

// A BOM, ';' as delimiter, a blank line: the header has "email" and "Email", which Salesforce would take as one.
const FILE =
  '\uFEFFLastName;External_Id__c;email;Email\r\nCase One;CH1;old@case.test;one@case.test\r\n\r\nCase Two;CH2;;two@case.test\r\n';

function mapping(name: string, email: string): string {
  return env.write(
    name,
    `object: Contact\nfields:\n  LastName: LastName\n  External_Id__c: External_Id__c\n  Email: ${email}\n`,
  );
}

describe('a header with columns differing only in case', () => {
  it('loads when the mapping names the column as the header spells it', async () => {
    env.write('case.csv', FILE);
    mapping('exact.yaml', 'Email');
    const r = await env.sfsync([
      'upsert',
      'case.csv',
      '--mapping',
      'exact.yaml',
      '--match',
      'External_Id__c',
      '--json',
    ]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json().result.counts).toMatchObject({ created: 2, failed: 0 });
    const rows = await env.query(
      "SELECT Email FROM Contact WHERE External_Id__c LIKE 'CH%' ORDER BY External_Id__c",
    );
    expect(rows.map((x) => x.Email)).toEqual(['one@case.test', 'two@case.test']);
  });

  it('is refused when the mapping names neither as spelled, naming both columns and the line', async () => {
    env.write('case2.csv', FILE);
    mapping('upper.yaml', 'EMAIL');
    const r = await env.sfsync([
      'upsert',
      'case2.csv',
      '--mapping',
      'upper.yaml',
      '--match',
      'External_Id__c',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 1');
    expect(r.stderr).toContain('"email" (column 3) and "Email" (column 4)');
    expect(r.stderr).toContain('"EMAIL" is neither as spelled');
  });

  it('is refused without a mapping (the columns are the fields), saying how to choose', async () => {
    env.write('case3.csv', FILE);
    const r = await env.sfsync(['upsert', 'case3.csv', '--object', 'Contact', '--match', 'External_Id__c']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'case3.csv, line 1: the header names "email" (column 3) and "Email" (column 4)',
    );
    expect(r.stderr).toContain('--mapping');
  });
});
