import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { to18 } from '../../src/emulator/ids.js';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

const PLAN = `
steps:
  - name: tasks
    file: tasks.csv
    object: Task
    operation: create
    mapping:
      fields:
        Subject: subject
        WhoId: {steps: [contacts, leads], key: Email, column: who}
        WhatId: {steps: [accounts], objects: [Opportunity], key: Name, column: what}
        OwnerId: {users: [Email, Username], queues: [Name, DeveloperName], column: owner}
  - name: accounts
    file: accounts.csv
    object: Account
    operation: upsert
    mapping: {match: {fields: [Name], allowSharedKeys: true}, fields: {Name: name}}
  - name: contacts
    file: contacts.csv
    object: Contact
    operation: create
    mapping: {fields: {LastName: last, Email: email}}
  - name: leads
    file: leads.csv
    object: Lead
    operation: create
    mapping: {fields: {LastName: last, Company: company, Email: email}}
`;

function seedUser(n: number, username: string, email: string): void {
  env.org().store.seed('User', {
    Id: to18(`0055g00000PLY${String(n).padStart(2, '0')}`),
    Username: username,
    Email: email,
    LastName: `Poly ${n}`,
    IsActive: true,
  });
}

describe('polymorphic references in a plan (WhoId, WhatId, OwnerId)', () => {
  it('finds a Contact or a Lead, an Account or an Opportunity, a user or a queue; ambiguity and absence fail the record', async () => {
    seedUser(1, 'rep@poly.test', 'rep@poly.test');
    seedUser(2, 'twin1@poly.test', 'shared@poly.test');
    seedUser(3, 'twin2@poly.test', 'shared@poly.test');
    const org = env.org().store;
    org.create('Group', { Name: 'Poly Support', DeveloperName: 'Poly_Support', Type: 'Queue' });
    org.create('Lead', { LastName: 'Old', Company: 'Org Co', Email: 'old-lead@poly.test' });
    org.create('Opportunity', { Name: 'Poly deal', StageName: 'Prospecting', CloseDate: '2026-09-30' });
    env.write('poly/accounts.csv', 'name\nPoly Acme\n');
    env.write('poly/contacts.csv', 'last,email\nAda,ada@poly.test\nBoth,both@poly.test\n,broken@poly.test\n');
    env.write(
      'poly/leads.csv',
      'last,company,email\nLee,Lee Co,lee@poly.test\nBoth,Both Co,both@poly.test\n',
    );
    env.write(
      'poly/tasks.csv',
      [
        'subject,who,what,owner',
        'T1 contact,ADA@poly.test,Poly Acme,admin@sfsync.local',
        'T2 lead in run,lee@poly.test,Poly deal,Poly_Support',
        'T3 lead in org,old-lead@poly.test,,rep@poly.test',
        'T4 queue by name,,,Poly Support',
        'T5 both,both@poly.test,,',
        'T6 nobody,nobody@poly.test,,',
        'T7 two users,,,shared@poly.test',
        'T8 failed contact,broken@poly.test,,',
        'T9 no owner,,,nobody@poly.test',
        '',
      ].join('\n'),
    );
    env.write('poly/plan.yaml', PLAN);
    const check = await env.sfsync(['plan', 'check', 'poly/plan.yaml']);
    expect(check.stdout).toContain('tasks: create Task from tasks.csv (refers to contacts, leads, accounts)');
    const dry = await env.sfsync([
      'run',
      'poly/plan.yaml',
      '--dry-run',
      '--results',
      'out/poly-dry',
      '--json',
    ]);
    expect(dry.code, dry.stdout).toBe(2);
    const r = await env.sfsync(['run', 'poly/plan.yaml', '--results', 'out/poly', '--json']);
    expect(r.code, r.stdout).toBe(2);
    const counts = (x: typeof r): unknown => x.json().result.steps.map((s: any) => [s.step, s.counts]);
    expect(counts(dry)).toEqual(counts(r));
    // Named by the record each Id is: the org's people by email, accounts and deals by name, owners by name.
    const names = new Map<string, string>();
    for (const q of [
      "SELECT Id, Email FROM Contact WHERE Email LIKE '%@poly.test'",
      "SELECT Id, Email FROM Lead WHERE Email LIKE '%@poly.test'",
      "SELECT Id, Name FROM Account WHERE Name = 'Poly Acme'",
      "SELECT Id, Name FROM Opportunity WHERE Name = 'Poly deal'",
      'SELECT Id, Username FROM User',
      "SELECT Id, Name FROM Group WHERE Type = 'Queue'",
    ])
      for (const row of await env.query(q))
        names.set(row.Id, `${row.attributes.type} ${row.Email ?? row.Name ?? row.Username}`);
    const tasks = await env.query(
      "SELECT Subject, WhoId, WhatId, OwnerId FROM Task WHERE Subject LIKE 'T%' ORDER BY Subject",
    );
    const named = (id: string | null): string | null => (id ? (names.get(id) ?? id) : null);
    expect(tasks.map((t) => [t.Subject, named(t.WhoId), named(t.WhatId), named(t.OwnerId)])).toEqual([
      ['T1 contact', 'Contact ada@poly.test', 'Account Poly Acme', 'User admin@sfsync.local'],
      ['T2 lead in run', 'Lead lee@poly.test', 'Opportunity Poly deal', 'Group Poly Support'],
      ['T3 lead in org', 'Lead old-lead@poly.test', null, 'User rep@poly.test'],
      ['T4 queue by name', null, null, 'Group Poly Support'],
    ]);
    const failures = readResultCsv(path.join(env.dir(), 'out/poly/tasks/failures.csv'));
    expect(failures.map((f) => [f.line, f.error_code])).toEqual([
      ['6', 'LOOKUP_AMBIGUOUS'],
      ['7', 'LOOKUP_NOT_FOUND'],
      ['8', 'LOOKUP_AMBIGUOUS'],
      ['9', 'PARENT_FAILED'],
      ['10', 'LOOKUP_NOT_FOUND'],
    ]);
    expect([failures[0]?.status, failures[0]?.matched_ids?.split(';').length]).toEqual(['300', 2]);
    expect(failures[0]?.error_message).toMatch(
      /^WhoId: both@poly.test names 2 records \(Contact 003\w+, Lead 00Q\w+\); not written$/,
    );
    expect(failures[1]?.error_message).toBe(
      'WhoId: no record has nobody@poly.test (searched Contact.Email, Lead.Email)',
    );
    expect(failures[3]?.error_message).toBe(
      'WhoId: the contacts record with Email = broken@poly.test (contacts.csv line 4) failed, so this record was not sent',
    );
    expect(failures[4]?.error_message).toBe(
      'OwnerId: no record has nobody@poly.test (searched User.Email, User.Username, queue Name, queue DeveloperName)',
    );
  });

  it('searches the org with a few queries per batch, never one per record', async () => {
    const store = env.org().store;
    for (let i = 0; i < 150; i++)
      store.create(i % 2 ? 'Lead' : 'Contact', {
        LastName: `Many ${i}`,
        Email: `many${i}@batch.test`,
        ...(i % 2 ? { Company: 'Many Co' } : {}),
      });
    const rows = Array.from(
      { length: 150 },
      (_v, i) => `Many call ${i},many${i}@batch.test,admin@sfsync.local`,
    );
    env.write('batch/tasks.csv', `subject,who,owner\n${rows.join('\n')}\n`);
    env.write(
      'batch/plan.yaml',
      'steps:\n  - name: tasks\n    file: tasks.csv\n    object: Task\n    operation: create\n    mapping:\n      fields:\n        Subject: subject\n        WhoId: {objects: [Contact, Lead], key: Email, column: who}\n        OwnerId: {users: Username, column: owner}\n',
    );
    const before = env.org().apiCalls();
    const r = await env.sfsync([
      'run',
      'batch/plan.yaml',
      '--results',
      'out/batch',
      '--batch-size',
      '50',
      '--concurrency',
      '1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    // Far below one call per record: 3 batches × (Contact, Lead), User once (every task has the same owner: later
    // batches reuse the answer), 3 writes and 7 describes and checks. Without the reuse, 19.
    expect(env.org().apiCalls() - before).toBeLessThanOrEqual(17);
    const linked = await env.query("SELECT WhoId FROM Task WHERE Subject LIKE 'Many call %'");
    expect(linked.filter((t) => t.WhoId).length).toBe(150);
  });

  it('plan check names a target the field cannot refer to, and a key the target lacks', async () => {
    env.write('badpoly/a.csv', 'name\nX\n');
    env.write('badpoly/t.csv', 'subject,who,owner\nx,y,z\n');
    env.write(
      'badpoly/plan.yaml',
      'steps:\n  - {name: accounts, file: a.csv, object: Account, operation: upsert, mapping: {match: {fields: [Name], allowSharedKeys: true}, fields: {Name: name}}}\n  - name: tasks\n    file: t.csv\n    object: Task\n    operation: create\n    mapping:\n      fields:\n        Subject: subject\n        WhoId: {steps: [accounts], objects: [Lead], key: [Name, Email], column: who}\n        OwnerId: {users: Nickname, column: owner}\n',
    );
    const r = await env.sfsync(['plan', 'check', 'badpoly/plan.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'plan.yaml:10: step "tasks": WhoId: WhoId refers to Contact or Lead, not to Account (step "accounts")',
    );
    expect(r.stderr).toContain('plan.yaml:11: step "tasks": OwnerId: User has no field Nickname (users)');
  });
});
