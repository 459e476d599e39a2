import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';
import { accountsStep, contactsStep, planYaml } from './small-plan.js';

const env = useSyncEnv();

const PLAN = planYaml(contactsStep({ boss: true }), accountsStep({ parent: true }));

describe('sfsync run PLAN', () => {
  it('loads steps in dependency order, references from memory, self-references in a second pass', async () => {
    env.write(
      'basic/accounts.csv',
      'id,name,parent\nA1,Acme,\nA2,Acme EU,A1\nA3,Acme FR,A2\n,Broken,\nA5,,\n',
    );
    env.write(
      'basic/contacts.csv',
      'id,name,account,boss\nC1,Ada,A1,\nC2,Bob,A2,C1\nC3,Cid,A4,\nC4,Dan,A9,C2\nC5,Eve,A5,\n',
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
      ['6', 'PARENT_FAILED'],
    ]);
    expect(failures[2]?.error_message).toBe(
      'AccountId: the accounts record with External_Id__c = A5 (accounts.csv line 6) failed, so this record was not sent',
    );
    expect(fs.existsSync(path.join(env.dir(), 'out/basic/plan-summary.json'))).toBe(true);
  });
});

const CYCLE = `
steps:
  - name: a
    file: a.csv
    object: Account
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        Name: name
        External_Id__c: id
        ParentId: {step: c, key: External_Id__c, column: other}
  - name: b
    file: a.csv
    object: Account
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        Name: name
        External_Id__c: id
        ParentId: {step: a, key: External_Id__c, column: other}
  - name: c
    file: a.csv
    object: Account
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        Name: name
        External_Id__c: id
        ParentId: {step: b, key: External_Id__c, column: other}
`;

describe('sfsync plan check PLAN', () => {
  it('refuses a cycle, naming it, and writes nothing', async () => {
    env.write('cycle/a.csv', 'id,name,other\nX1,X,\n');
    env.write('cycle/plan.yaml', CYCLE);
    for (const args of [
      ['plan', 'check', 'cycle/plan.yaml'],
      ['run', 'cycle/plan.yaml', '--results', 'out/cycle'],
    ]) {
      const r = await env.sfsync(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the steps refer to each other in a cycle: a → c → b → a');
    }
    expect(fs.existsSync(path.join(env.dir(), 'out/cycle'))).toBe(false);
    const json = await env.sfsync(['plan', 'check', 'cycle/plan.yaml', '--json']);
    expect(json.json().error.code).toBe('PLAN_CYCLE');
  });

  it('reports an unknown object as a problem of its step, with the problems of the steps that refer to it', async () => {
    env.write('badobj/a.csv', 'id,name\nX1,X\n');
    env.write('badobj/c.csv', 'id,last,account\nC1,Ada,X1\n');
    env.write(
      'badobj/plan.yaml',
      [
        'steps:',
        '  - name: accounts',
        '    file: a.csv',
        '    object: Acount',
        '    operation: upsert',
        '  - name: contacts',
        '    file: c.csv',
        '    object: Contact',
        '    operation: create',
        '    mapping:',
        '      fields:',
        '        LastNme: last',
        '        AccountId: {step: accounts, key: Name, column: account}',
        '',
      ].join('\n'),
    );
    const r = await env.sfsync(['plan', 'check', 'badobj/plan.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'plan.yaml:2: step "accounts": object: The org has no object named Acount. Did you mean Account?',
    );
    expect(r.stderr).toContain(
      'plan.yaml:6: step "contacts": fields.LastNme: Contact has no field "LastNme"',
    );
  });

  it('names the file, line, step and field of every problem at once', async () => {
    env.write('bad/a.csv', 'id,name\nX1,X\n');
    env.write(
      'bad/plan.yaml',
      [
        'steps:',
        '  - name: accounts',
        '    file: a.csv',
        '    object: Account',
        '    operation: upsert',
        '    mapping: {fields: {Name: name, Nmae: name}}',
        '  - name: contacts',
        '    file: missing.csv',
        '    object: Contact',
        '    operation: create',
        '  - name: more',
        '    file: a.csv',
        '    object: Contact',
        '    operation: create',
        '    mapping:',
        '      fields:',
        '        LastName: name',
        '        AccountId: {step: accounts, key: External_Id__c, column: id}',
        '  - {name: twice, file: twice.csv, object: Contact, operation: create}',
        '  - {name: again, file: twice.csv, object: Lead, operation: create}',
        '',
      ].join('\n'),
    );
    env.write('bad/twice.csv', 'LastName,lastname\nA,B\n');
    const r = await env.sfsync(['plan', 'check', 'bad/plan.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('plan.yaml:2: step "accounts": fields.Nmae: Account has no field "Nmae"');
    expect(r.stderr).toContain('plan.yaml:7: step "contacts": file: missing.csv does not exist');
    // A header that cannot be read is one problem among the others, in every step that reads it.
    for (const [line, step] of [
      [19, 'twice'],
      [20, 'again'],
    ])
      expect(r.stderr).toContain(
        `plan.yaml:${line}: step "${step}": file: twice.csv, line 1: the header names`,
      );
    expect(r.stderr).toContain(
      'plan.yaml:18: step "more": AccountId: step "accounts" does not map External_Id__c, so its records cannot be found by it',
    );
    env.write(
      'bad/typo.yaml',
      'steps:\n  - name: a\n    file: a.csv\n    object: Account\n    operation: upsert\n    mapping:\n      fields:\n        ParentId: {step: acounts, key: Name, column: id}\n',
    );
    const typo = await env.sfsync(['plan', 'check', 'bad/typo.yaml']);
    expect(typo.stderr).toContain(
      'typo.yaml:2: step "a": ParentId refers to step "acounts", which the plan does not have',
    );
    const ok = await env.sfsync(['plan', 'check', 'basic/plan.yaml']);
    expect(ok.stdout).toContain('1. accounts: upsert Account from accounts.csv (refers to accounts)');
  });
});

describe('record types by DeveloperName', () => {
  it('sets RecordTypeId from {recordType: NAME}, and names the record types there are when one is unknown', async () => {
    env.write('rt/people.csv', 'last,email\nTuring,alan@rt.test\n');
    const plan = (name: string): string =>
      `steps:\n  - name: people\n    file: people.csv\n    object: Account\n    operation: create\n    mapping:\n      fields:\n        LastName: last\n        PersonEmail: email\n        RecordTypeId: {recordType: ${name}}\n`;
    env.write('rt/bad.yaml', plan('Business'));
    const bad = await env.sfsync(['plan', 'check', 'rt/bad.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'bad.yaml:10: step "people": RecordTypeId: Account has no record type Business (it has: PersonAccount)',
    );
    env.write('rt/plan.yaml', plan('PersonAccount'));
    const r = await env.sfsync(['run', 'rt/plan.yaml', '--results', 'out/rt']);
    expect(r.code, r.stderr).toBe(0);
    const rows = await env.query(
      "SELECT RecordType.DeveloperName, IsPersonAccount FROM Account WHERE PersonEmail = 'alan@rt.test'",
    );
    expect(rows).toEqual([
      expect.objectContaining({
        RecordType: expect.objectContaining({ DeveloperName: 'PersonAccount' }),
        IsPersonAccount: true,
      }),
    ]);
  });
});
