import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { createStep, planYaml } from './small-plan.js';

const env = useSyncEnv();
const examples = path.resolve(import.meta.dirname, '../../examples/plan');
const counts = (r: { json: () => any }): unknown =>
  r.json().result.steps.map((s: any) => [s.step, s.pass, s.counts]);

describe('running a plan again', () => {
  it('examples/plan a second time changes nothing, and its dry run predicts each run', async () => {
    // A copy: test/examples.test.ts runs the same files at the same time, and a file is loaded by one run at a time.
    fs.cpSync(examples, path.join(env.dir(), 'example'), { recursive: true });
    const example = path.join(env.dir(), 'example/plan.yaml');
    let second: any;
    for (const n of [1, 2]) {
      const dry = await env.sfsync(['run', example, '--dry-run', '--results', `out/dry${n}`, '--json']);
      const real = await env.sfsync(['run', example, '--results', `out/run${n}`, '--json']);
      expect(real.code, real.stdout).toBe(0);
      expect(counts(dry)).toEqual(counts(real));
      second = real.json().result;
    }
    expect(second.counts).toMatchObject({ created: 0, updated: 0, unchanged: 39, failed: 0, skipped: 0 });
    // Its tasks: WhoId a Contact (003) or a Lead (00Q), OwnerId a user (005) or the plan's queue (00G).
    const tasks = await env.query('SELECT Subject, WhoId, WhatId, OwnerId FROM Task ORDER BY ActivityDate');
    expect(
      tasks.map((t) => [t.WhoId.slice(0, 3), t.WhatId?.slice(0, 3) ?? null, t.OwnerId.slice(0, 3)]),
    ).toEqual([
      ['003', '006', '005'],
      ['003', '006', '00G'],
      ['00Q', '001', '00G'],
      ['00Q', null, '005'],
    ]);
    expect(second.steps.find((s: any) => s.step === 'campaign-members')).toMatchObject({
      ended: 'created before',
      results: path.join(env.dir(), 'out/run1/campaign-members'),
    });
  });

  it('refuses a new run while the last one is unfinished; --restart starts over, and creates again', async () => {
    env.write('again/people.csv', 'last\nAgain One\nAgain Two\n');
    env.write(
      'again/plan.yaml',
      planYaml(createStep('people', 'people.csv', 'Contact', { LastName: 'last' })),
    );
    const people = async (): Promise<number> =>
      (await env.query("SELECT Id FROM Contact WHERE LastName LIKE 'Again %'")).length;
    expect((await env.sfsync(['run', 'again/plan.yaml', '--results', 'out/a1'])).code).toBe(0);
    // As if it was killed: no plan summary.
    fs.rmSync(path.join(env.dir(), 'out/a1/plan-summary.json'));
    const refused = await env.sfsync(['run', 'again/plan.yaml', '--results', 'out/a2', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json().error).toMatchObject({
      code: 'RUN_UNFINISHED',
      hint: 'To continue it: sfsync run again/plan.yaml --resume --results out/a1. To start over on purpose, add --restart.',
    });
    expect(fs.existsSync(path.join(env.dir(), 'out/a2'))).toBe(false);
    // Still running (a live process holds a step's folder): said so, rather than offering to resume it.
    const lock = path.join(env.dir(), 'out/a1/people/sfsync.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), started: 'now' }));
    const running = await env.sfsync(['run', 'again/plan.yaml', '--results', 'out/a2', '--json']);
    expect(running.json().error.code).toBe('RESULTS_LOCKED');
    fs.rmSync(lock);
    expect((await env.sfsync(['run', 'again/plan.yaml', '--results', 'out/a3', '--restart'])).code).toBe(0);
    expect(await people()).toBe(4);
    // Finished now: the unchanged create step is not sent again, unless on purpose.
    const same = await env.sfsync(['run', 'again/plan.yaml', '--results', 'out/a4']);
    expect(same.stderr).toContain(
      'people: all 2 records of people.csv were created by earlier runs of the plan (their ledger: out/a3): not sent again (add --restart to create them again)',
    );
    expect(same.stdout).toMatch(/people \(created before\)\s+Contact\s+create\s+0\s+0\s+2\s+0\s+0/);
    expect(await people()).toBe(4);
    // That run killed before its end, and resumed: it keeps its decision, and still sends nothing.
    fs.rmSync(path.join(env.dir(), 'out/a4/plan-summary.json'));
    const resumed = await env.sfsync(['run', 'again/plan.yaml', '--resume', '--results', 'out/a4', '--json']);
    expect(resumed.json().result.steps).toMatchObject([{ ended: 'created before' }]);
    expect(await people()).toBe(4);
    // Undone since: the org no longer has them, so they are created again.
    expect((await env.sfsync(['undo', 'out/a3'])).code).toBe(0);
    const undone = await env.sfsync(['run', 'again/plan.yaml', '--results', 'out/a6', '--json']);
    expect(undone.json().result.steps).toMatchObject([{ ended: 'completed', counts: { created: 2 } }]);
    expect(await people()).toBe(4);
    // A row added at the top: only it is created (the others are found by their rows, not their lines).
    env.write('again/people.csv', 'last\nAgain Three\nAgain One\nAgain Two\n');
    const changed = await env.sfsync(['run', 'again/plan.yaml', '--results', 'out/a5', '--json']);
    expect(changed.json().result.counts).toMatchObject({ total: 3, created: 1, unchanged: 2 });
    expect(await people()).toBe(5);
  });

  it('a failed parent fixed in its file: the next run sends it and the children that failed with it, nothing twice', async () => {
    env.write('fix/parents.csv', 'name,staff\nFix Alpha,1\nFix Beta,lots\nFix Gamma,3\n');
    env.write('fix/children.csv', 'last,parent\nKid A,Fix Alpha\nKid B,Fix Beta\nKid C,Fix Gamma\n');
    env.write(
      'fix/plan.yaml',
      `steps:
  - {name: parents, file: parents.csv, object: Account, operation: create, mapping: {fields: {Name: name, NumberOfEmployees: staff}}}
  - name: children
    file: children.csv
    object: Contact
    operation: create
    mapping: {fields: {LastName: last, AccountId: {step: parents, key: Name, column: parent}}}
`,
    );
    const first = await env.sfsync(['run', 'fix/plan.yaml', '--results', 'out/f1', '--json']);
    expect(first.code).toBe(2);
    expect(first.json().result.steps.map((s: any) => [s.step, s.counts.created, s.counts.failed])).toEqual([
      ['parents', 2, 1],
      ['children', 2, 1],
    ]);
    env.write('fix/parents.csv', 'name,staff\nFix Alpha,1\nFix Beta,2\nFix Gamma,3\n');
    const second = await env.sfsync(['run', 'fix/plan.yaml', '--results', 'out/f2']);
    expect(second.code, second.stderr).toBe(0);
    // step, object, operation, created, updated, unchanged, failed, skipped
    expect(second.stdout).toMatch(/parents\s+Account\s+create\s+1\s+0\s+2\s+0\s+0/);
    expect(second.stdout).toMatch(/children\s+Contact\s+create\s+1\s+0\s+2\s+0\s+0/);
    expect(second.stderr).toContain(
      'children: 2 of the 3 records of children.csv were created by earlier runs of the plan (their ledger: out/f1): not sent again (add --restart to create them again); the other 1 is sent',
    );
    const kids = async (): Promise<unknown> =>
      (
        await env.query(
          "SELECT LastName, Account.Name FROM Contact WHERE LastName LIKE 'Kid %' ORDER BY LastName",
        )
      ).map((c: any) => [c.LastName, c.Account?.Name]);
    const linked = [
      ['Kid A', 'Fix Alpha'],
      ['Kid B', 'Fix Beta'],
      ['Kid C', 'Fix Gamma'],
    ];
    expect(await kids()).toEqual(linked);
    // A third run: everything was created before; nothing is sent.
    const third = await env.sfsync(['run', 'fix/plan.yaml', '--results', 'out/f3', '--json']);
    expect(third.json().result.steps.map((s: any) => s.ended)).toEqual(['created before', 'created before']);
    expect(third.json().result.counts).toMatchObject({ created: 0, unchanged: 6, failed: 0 });
    expect(await kids()).toEqual(linked);
    expect((await env.query("SELECT Id FROM Account WHERE Name LIKE 'Fix %'")).length).toBe(3);
    // Without --results, its folder is named as a single run's is (20261203T161500Z-create-Contact).
    const dry = await env.sfsync(['run', 'fix/plan.yaml', '--dry-run', '--json']);
    expect(path.basename(dry.json().result.results)).toMatch(/^\d{8}T\d{6}Z-plan-plan$/);
  });

  it('one denormalized file read by two steps: each parent once, every child linked', async () => {
    env.write(
      'one/orders.csv',
      'account_id,account,last\nD1,Denorm One,Ann\nD1,Denorm One,Bob\nD2,Denorm Two,Cy\nD1,Denorm One,Di\n',
    );
    env.write(
      'one/plan.yaml',
      `steps:
  - name: accounts
    file: orders.csv
    object: Account
    operation: upsert
    match: External_Id__c
    mapping: {fields: {External_Id__c: account_id, Name: account}}
  - name: contacts
    file: orders.csv
    object: Contact
    operation: create
    mapping: {fields: {LastName: last, AccountId: {step: accounts, key: External_Id__c, column: account_id}}}
`,
    );
    const r = await env.sfsync(['run', 'one/plan.yaml', '--results', 'out/one', '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json().result.steps.map((s: any) => [s.step, s.counts.created, s.counts.unchanged])).toEqual([
      ['accounts', 2, 2],
      ['contacts', 4, 0],
    ]);
    const kids = await env.query(
      "SELECT LastName, Account.External_Id__c FROM Contact WHERE LastName IN ('Ann', 'Bob', 'Cy', 'Di') ORDER BY LastName",
    );
    expect(kids.map((c: any) => c.Account?.External_Id__c)).toEqual(['D1', 'D1', 'D2', 'D1']);
  });

  it('one file in sections (rows: {column, equals}): each step reads its own rows; plan check names a missing column', async () => {
    env.write(
      'sec/all.csv',
      'kind,id,name,account\naccount,S1,Section One,\ncontact,,Sue,S1\naccount,S2,Section Two,\ncontact,,Sam,S2\nlead,,Nobody,\n',
    );
    const plan = (column: string): string => `steps:
  - name: accounts
    file: all.csv
    rows: {column: ${column}, equals: account}
    object: Account
    operation: upsert
    match: External_Id__c
    mapping: {fields: {External_Id__c: id, Name: name}}
  - name: contacts
    file: all.csv
    rows: {column: kind, equals: [contact]}
    object: Contact
    operation: create
    mapping: {fields: {LastName: name, AccountId: {step: accounts, key: External_Id__c, column: account}}}
`;
    env.write('sec/plan.yaml', plan('kind'));
    const r = await env.sfsync(['run', 'sec/plan.yaml', '--results', 'out/sec', '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json().result.steps.map((s: any) => [s.step, s.counts.total, s.counts.created])).toEqual([
      ['accounts', 2, 2],
      ['contacts', 2, 2],
    ]);
    const kids = await env.query(
      "SELECT LastName, Account.Name FROM Contact WHERE LastName IN ('Sue', 'Sam') ORDER BY LastName",
    );
    expect(kids.map((c: any) => [c.LastName, c.Account?.Name])).toEqual([
      ['Sam', 'Section Two'],
      ['Sue', 'Section One'],
    ]);
    env.write('sec/bad.yaml', plan('knd'));
    const bad = await env.sfsync(['plan', 'check', 'sec/bad.yaml']);
    expect(bad.stderr).toContain('step "accounts": rows: all.csv has no column knd (rows.column)');
  });
});
