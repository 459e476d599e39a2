import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

const PLAN = `
steps:
  - name: contacts
    file: contacts.csv
    object: Contact
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        LastName: name
        External_Id__c: id
        AccountId: {step: accounts, key: External_Id__c, column: account}
        ReportsToId: {step: contacts, key: External_Id__c, column: boss}
  - name: accounts
    file: accounts.csv
    object: Account
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        Name: name
        External_Id__c: id
        ParentId: {step: accounts, key: External_Id__c, column: parent}
`;

describe('sfsync run PLAN', () => {
  it('loads steps in dependency order, references from memory, self-references in a second pass', async () => {
    env.write('basic/accounts.csv', 'id,name,parent\nA1,Acme,\nA2,Acme EU,A1\nA3,Acme FR,A2\n,Broken,\n');
    env.write(
      'basic/contacts.csv',
      'id,name,account,boss\nC1,Ada,A1,\nC2,Bob,A2,C1\nC3,Cid,A4,\nC4,Dan,A9,C2\n',
    );
    env.write('basic/plan.yaml', PLAN);
    const r = await env.sfsync(['run', 'basic/plan.yaml', '--results', 'out/basic', '--json']);
    expect(r.stderr).toBe('');
    const result = r.json().result;
    expect(result.order).toEqual(['accounts', 'contacts']);
    expect(r.code).toBe(2);
    const rows = await env.query(
      "SELECT External_Id__c, Parent.External_Id__c FROM Account WHERE External_Id__c LIKE 'A%' ORDER BY External_Id__c",
    );
    expect(rows.map((a) => [a.External_Id__c, a.Parent?.External_Id__c ?? null])).toEqual([
      ['A1', null],
      ['A2', 'A1'],
      ['A3', 'A2'],
    ]);
    const contacts = await env.query(
      "SELECT External_Id__c, Account.External_Id__c, ReportsTo.External_Id__c FROM Contact WHERE External_Id__c LIKE 'C%' ORDER BY External_Id__c",
    );
    expect(
      contacts.map((c) => [
        c.External_Id__c,
        c.Account?.External_Id__c ?? null,
        c.ReportsTo?.External_Id__c ?? null,
      ]),
    ).toEqual([
      ['C1', 'A1', null],
      ['C2', 'A2', 'C1'],
    ]);
    const failures = readResultCsv(path.join(env.dir(), 'out/basic/contacts/failures.csv'));
    expect(failures.map((f) => [f.line, f.error_code])).toEqual([
      ['4', 'LOOKUP_NOT_FOUND'],
      ['5', 'LOOKUP_NOT_FOUND'],
    ]);
    expect(fs.existsSync(path.join(env.dir(), 'out/basic/plan-summary.json'))).toBe(true);
  });
});
