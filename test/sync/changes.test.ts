import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resumeCommand } from '../../src/core/resume-command.js';
import type { SyncOptions } from '../../src/core/sync-options.js';
import { storedForm } from '../../src/operations/changes.js';
import { readPrior } from '../../src/operations/prior-results.js';
import { FAILURE_COLUMNS, SUCCESS_COLUMNS } from '../../src/operations/results.js';
import type { FieldInfo } from '../../src/salesforce/types.js';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';
import { PRODUCTION_PACE } from '../helpers/test-deps.js';

const env = useSyncEnv();

/** The write calls of a --verbose run's trace: sObject Collections and Bulk ingest jobs. */
function writeCalls(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /→ (POST|PATCH|DELETE) .*(composite\/sobjects|jobs\/ingest)/.test(l));
}

function contacts(n: number, title: (i: number) => string, prefix = 'ch'): string {
  const rows = ['External_Id__c,LastName,Email,Title'];
  for (let i = 0; i < n; i++) rows.push(`${prefix}-${i},Person ${i},${prefix}${i}@changes.test,${title(i)}`);
  return `${rows.join('\n')}\n`;
}

function payloads(dir: string): Array<{ line: number; action: string; payload: Record<string, unknown> }> {
  return fs
    .readFileSync(path.join(dir, 'payloads.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('only what changed', () => {
  it('an upsert run twice writes nothing the second time, on an external ID and on a queried field', async () => {
    env.write(
      'twice.csv',
      contacts(50, () => 'Engineer'),
    );
    const first = await env.sfsync([
      'upsert',
      'twice.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
    ]);
    expect(first.code).toBe(0);
    for (const match of ['External_Id__c', 'Email']) {
      const before = env.org().apiCalls();
      const again = await env.sfsync([
        'upsert',
        'twice.csv',
        '--object',
        'Contact',
        '--match',
        match,
        '--verbose',
      ]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('50 records: 0 created, 0 updated, 50 unchanged');
      expect(writeCalls(again.stderr)).toEqual([]);
      // Describes, the limits and the match queries: no write.
      expect(env.org().apiCalls() - before).toBeLessThanOrEqual(6);
    }
    const json = await env.sfsync([
      'upsert',
      'twice.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--json',
    ]);
    const result = json.json().result;
    expect(result.counts).toEqual({
      total: 50,
      created: 0,
      updated: 0,
      unchanged: 50,
      deleted: 0,
      failed: 0,
      skipped: 0,
    });
    const success = readResultCsv(result.results.success);
    expect(new Set(success.map((r) => r.outcome))).toEqual(new Set(['unchanged']));
    expect(success.every((r) => /^003/.test(r.id ?? ''))).toBe(true);
    const shown = await env.sfsync(['results', result.results.dir]);
    expect(shown.stdout + shown.stderr).toContain('0 updated, 50 unchanged');
  });

  it('10 of 1,000 rows edited: exactly 10 updated, each sending only its edited field; the dry run predicts it', async () => {
    // The 1,000 as an earlier run left them, seeded straight into the org.
    for (let i = 0; i < 1000; i++)
      env.org().store.create('Contact', {
        External_Id__c: `k-${i}`,
        LastName: `Person ${i}`,
        Email: `k${i}@changes.test`,
        Title: 'Analyst',
      });
    const edited = new Set([3, 97, 150, 401, 402, 555, 700, 808, 901, 999]);
    env.write(
      'thousand.csv',
      contacts(1000, (i) => (edited.has(i) ? `Lead ${i}` : 'Analyst'), 'k'),
    );

    const plan = await env.sfsync([
      'upsert',
      'thousand.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--dry-run',
      '--json',
    ]);
    const planned = plan.json().result;
    expect(planned.counts).toMatchObject({ created: 0, updated: 10, unchanged: 990 });
    const sent = payloads(planned.results.dir);
    expect(sent.sort((a, b) => a.line - b.line).map((p) => p.payload)).toEqual(
      [...edited].map((i) => ({ Title: `Lead ${i}` })),
    );
    const rows = readResultCsv(planned.results.success);
    expect(rows.filter((r) => r.outcome === 'unchanged')).toHaveLength(990);

    const run = await env.sfsync([
      'upsert',
      'thousand.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--json',
    ]);
    const result = run.json().result;
    expect(result.counts).toEqual({ ...planned.counts });
    console.log(`1,000-record upsert, 10 edited: ${result.apiCalls} API calls`);
    expect(await env.query("SELECT Id FROM Contact WHERE Title LIKE 'Lead %'")).toHaveLength(10);
  });

  it('compares as Salesforce stores: numbers by value, dates, booleans, email case, blank and null', async () => {
    env.write(
      'projects.csv',
      'Code__c,Name,Budget__c,Start_Date__c,Active__c,Status__c,Notes__c\nT-1,One,1,2026-02-01,true,Active,kept\nT-2,Two,1200.5,2026-03-01,false,Done,\n',
    );
    expect((await env.sfsync(['upsert', 'projects.csv', '--match', 'Code__c'])).code).toBe(0);
    // The same values as written differently, and a blank that leaves the field alone.
    env.write(
      'projects.csv',
      'Code__c,Name,Budget__c,Start_Date__c,Active__c,Status__c,Notes__c\nt-1,One,1.0,2026-02-01,TRUE,Active,\nT-2,Two,1200.50,2026-03-01,no,Done,\n',
    );
    // t-1 differs from T-1 only in case: the key it is found by, which an upsert does not rewrite.
    const plan = await env.sfsync(['upsert', 'projects.csv', '--match', 'Code__c', '--dry-run', '--json']);
    expect(plan.json().result.counts).toMatchObject({ updated: 0, unchanged: 2 });
    const same = await env.sfsync(['upsert', 'projects.csv', '--match', 'Code__c', '--verbose', '--json']);
    expect(same.json().result.counts).toMatchObject({ updated: 0, unchanged: 2 });
    expect(writeCalls(same.stderr)).toEqual([]);

    // A blank cleared by the mapping's null policy: null against a value is a change, null against null is not;
    // a date in another format is the same day.
    env.write(
      'clear.yaml',
      'object: Project__c\nmatch: Code__c\nfields:\n  Code__c: Code__c\n  Notes__c: {column: Notes__c, nulls: clear}\n  Start_Date__c: {column: Start, format: dd/MM/yyyy}\n',
    );
    env.write('clear.csv', 'Code__c,Notes__c,Start\nt-1,,01/02/2026\nT-2,,01/03/2026\n');
    const clear = await env.sfsync(['upsert', 'clear.csv', '--mapping', 'clear.yaml', '--dry-run', '--json']);
    const cleared = clear.json().result;
    expect(cleared.counts).toMatchObject({ updated: 1, unchanged: 1 });
    expect(payloads(cleared.results.dir)).toEqual([
      { line: 2, action: 'update', id: expect.any(String), payload: { Notes__c: null } },
    ]);

    // Email without case.
    env.write('mail.csv', 'External_Id__c,LastName,Email\nmail-1,Mailer,Ada@Example.test\n');
    expect(
      (await env.sfsync(['upsert', 'mail.csv', '--object', 'Contact', '--match', 'External_Id__c'])).code,
    ).toBe(0);
    env.write('mail.csv', 'External_Id__c,LastName,Email\nmail-1,Mailer,ada@example.TEST\n');
    const mail = await env.sfsync([
      'upsert',
      'mail.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
      '--json',
    ]);
    expect(mail.json().result.counts).toMatchObject({ updated: 0, unchanged: 1 });
  });

  it('stored forms: numbers at the scale, datetimes as instants, Ids on 15 characters, text exactly', () => {
    const field = (type: string, scale = 0): FieldInfo => ({ name: 'F', type, scale }) as FieldInfo;
    const same = (f: FieldInfo, a: unknown, b: unknown): boolean => storedForm(f, a) === storedForm(f, b);
    expect(same(field('double', 2), 1, '1.0')).toBe(true);
    expect(same(field('currency', 2), 1.004, '1.00')).toBe(true);
    expect(same(field('currency', 2), 1.01, 1)).toBe(false);
    expect(same(field('int'), 7, '7')).toBe(true);
    expect(same(field('datetime'), '2026-05-01T09:30:00.000Z', '2026-05-01T09:30:00.000+0000')).toBe(true);
    expect(same(field('datetime'), '2026-05-01T11:30:00+02:00', '2026-05-01T09:30:00.000Z')).toBe(true);
    expect(same(field('datetime'), '2026-05-01T09:30:01Z', '2026-05-01T09:30:00Z')).toBe(false);
    expect(same(field('date'), '2026-05-01', '2026-05-01')).toBe(true);
    expect(same(field('boolean'), true, 'true')).toBe(true);
    expect(same(field('boolean'), false, 'true')).toBe(false);
    expect(same(field('reference'), '001000000000001AAA', '001000000000001')).toBe(true);
    expect(same(field('email'), 'A@B.test', 'a@b.TEST')).toBe(true);
    expect(same(field('string'), 'Ada', 'ada')).toBe(false);
    expect(same(field('string'), 'Ada ', 'Ada')).toBe(false);
    expect(same(field('string'), '', null)).toBe(true);
    expect(same(field('picklist'), 'Active', 'active')).toBe(false);
    expect(same(field('multipicklist'), 'a;b', 'b;a')).toBe(true);
  });

  it('--write-all sends every record as before', async () => {
    env.write(
      'all.csv',
      contacts(20, () => 'Same', 'wa'),
    );
    expect((await env.sfsync(['upsert', 'all.csv', '--object', 'Contact', '--match', 'Email'])).code).toBe(0);
    const r = await env.sfsync([
      'upsert',
      'all.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--write-all',
      '--json',
    ]);
    expect(r.json().result.counts).toMatchObject({ updated: 20, unchanged: 0 });
    const native = await env.sfsync([
      'upsert',
      'all.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
      '--write-all',
      '--json',
    ]);
    expect(native.json().result).toMatchObject({
      matchStrategy: 'native-upsert',
      counts: { updated: 20, unchanged: 0 },
    });
    expect(native.json().result.warnings).toEqual([]);

    // By Id: read to compare (the summary says what that costs), the changed record sent alone.
    const ids = await env.query("SELECT Id, Email FROM Contact WHERE Email LIKE 'wa%' ORDER BY Email");
    env.write(
      'by-id.csv',
      `Id,Title\n${ids.map((r, i) => `${r.Id},${i === 0 ? 'Changed' : 'Same'}`).join('\n')}\n`,
    );
    const byId = await env.sfsync(['update', 'by-id.csv', '--object', 'Contact', '--json']);
    expect(byId.json().result).toMatchObject({
      matchStrategy: 'id',
      counts: { updated: 1, unchanged: 19, failed: 0 },
      warnings: [expect.stringContaining('change detection: matching by Id reads the matched records first')],
    });
    expect(await env.query("SELECT Email FROM Contact WHERE Title = 'Changed'")).toEqual([
      expect.objectContaining({ Email: ids[0]?.Email }),
    ]);
  });

  it('Bulk: a rerun opens no job; an edited rerun sends only the edited records, other cells left empty', async () => {
    // Enough records for the match export (3,000), seeded into the org as the file holds them.
    const n = 3000;
    env.write(
      'bulk.csv',
      contacts(n, () => 'Bulk', 'bk'),
    );
    for (let i = 0; i < n; i++)
      env.org().store.create('Contact', {
        External_Id__c: `bk-${i}`,
        LastName: `Person ${i}`,
        Email: `bk${i}@changes.test`,
        Title: 'Bulk',
      });

    const again = await env.sfsync([
      'upsert',
      'bulk.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--api',
      'bulk',
      '--json',
    ]);
    const same = again.json().result;
    expect(same.counts).toMatchObject({ created: 0, updated: 0, unchanged: n });
    expect(same.matchExport).toMatchObject({ records: expect.any(Number) });
    expect(same.bulkJobs).toEqual([]);
    // Describe, limits, a count and the export job's steps: no write.
    expect(same.apiCalls).toBeLessThanOrEqual(10);
    console.log(`rerun of ${n} unchanged records with Bulk: ${same.apiCalls} API calls`);

    const edited = new Set([5, 1234, 2999]);
    env.write(
      'bulk.csv',
      contacts(n, (i) => (edited.has(i) ? `Bulk ${i}` : 'Bulk'), 'bk'),
    );
    // The three edited records in one job, however long reading the 3,000 takes: a job waits for more as long as
    // against a real org.
    const third = await env.sfsync(
      ['upsert', 'bulk.csv', '--object', 'Contact', '--match', 'Email', '--api', 'bulk', '--json'],
      undefined,
      PRODUCTION_PACE,
    );
    const changed = third.json().result;
    expect(changed.counts).toMatchObject({ updated: 3, unchanged: n - 3 });
    expect(changed.bulkJobs).toHaveLength(1);
    expect(changed.bulkJobs[0]).toMatchObject({ records: 3, state: 'JobComplete' });
    const rows = await env.query(
      "SELECT Email, Title, LastName FROM Contact WHERE Title LIKE 'Bulk %' ORDER BY Email",
    );
    expect(rows.map((r) => [r.Email, r.Title, r.LastName])).toEqual([
      ['bk1234@changes.test', 'Bulk 1234', 'Person 1234'],
      ['bk2999@changes.test', 'Bulk 2999', 'Person 2999'],
      ['bk5@changes.test', 'Bulk 5', 'Person 5'],
    ]);
  });

  it('Bulk with an external ID: compared through the export of a large file, else sent whole (cheaper), as the dry run says', async () => {
    // The 3,000 Contacts the Bulk test left, as its last file holds them.
    const n = 3000;
    const args = [
      'upsert',
      'bulk.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
      '--api',
      'bulk',
      '--json',
    ];
    const again = (await env.sfsync(args)).json().result;
    expect(again).toMatchObject({
      matchStrategy: 'native-upsert',
      matchExport: { records: expect.any(Number) },
      counts: { created: 0, updated: 0, unchanged: n },
      bulkJobs: [],
    });

    env.write(
      'ext-small.csv',
      contacts(20, () => 'Bulk', 'bk'),
    );
    const small = [...args.slice(0, 1), 'ext-small.csv', ...args.slice(2)];
    const plan = (await env.sfsync([...small, '--dry-run'])).json().result;
    const run = (await env.sfsync(small)).json().result;
    for (const r of [plan, run]) {
      expect(r.counts).toMatchObject({ updated: 20, unchanged: 0 });
      expect(r.warnings).toEqual([expect.stringContaining('change detection is off')]);
    }
  });

  it('parents by external ID: sent only when the record has another parent, through REST and the Bulk export', async () => {
    env.write('parents.csv', 'Name,External_Id__c\nParent P,EXT-P\nParent Q,EXT-Q\n');
    expect(
      (await env.sfsync(['upsert', 'parents.csv', '--object', 'Account', '--match', 'External_Id__c'])).code,
    ).toBe(0);
    env.write('kids.csv', 'Code__c,Name,Account__r.External_Id__c\nK-1,Kid 1,EXT-P\nK-2,Kid 2,EXT-P\n');
    const args = ['upsert', 'kids.csv', '--object', 'Project__c', '--match', 'Code__c', '--json'];
    expect((await env.sfsync(args)).json().result.counts).toMatchObject({ created: 2 });
    expect((await env.sfsync(args)).json().result.counts).toMatchObject({ updated: 0, unchanged: 2 });
    env.write('kids.csv', 'Code__c,Name,Account__r.External_Id__c\nK-1,Kid 1,ext-p\nK-2,Kid 2,EXT-Q\n');
    const plan = (await env.sfsync([...args, '--dry-run'])).json().result;
    expect(plan.counts).toMatchObject({ updated: 1, unchanged: 1 });
    expect(payloads(plan.results.dir)).toEqual([
      {
        line: 3,
        action: 'update',
        id: expect.any(String),
        payload: { Account__r: { External_Id__c: 'EXT-Q' } },
      },
    ]);
    expect((await env.sfsync(args)).json().result.counts).toMatchObject({ updated: 1, unchanged: 1 });
    expect(await env.query("SELECT Account__r.Name FROM Project__c WHERE Code__c = 'K-2'")).toEqual([
      expect.objectContaining({ Account__r: expect.objectContaining({ Name: 'Parent Q' }) }),
    ]);

    // The Bulk export reads the parent's key as a flattened column.
    const rows = ['LastName,Email,Account.External_Id__c'];
    for (let i = 0; i < 3000; i++) rows.push(`Kin ${i},kin${i}@changes.test,EXT-P`);
    env.write('kin.csv', `${rows.join('\n')}\n`);
    const bulk = ['upsert', 'kin.csv', '--object', 'Contact', '--match', 'Email', '--api', 'bulk', '--json'];
    // Seeded into the org as the file holds them (3,000: enough for the export), under Parent P.
    const [parent] = await env.query("SELECT Id FROM Account WHERE External_Id__c = 'EXT-P'");
    for (let i = 0; i < 3000; i++)
      env.org().store.create('Contact', {
        LastName: `Kin ${i}`,
        Email: `kin${i}@changes.test`,
        AccountId: parent?.Id,
      });
    const again = (await env.sfsync(bulk)).json().result;
    expect(again).toMatchObject({
      matchExport: { records: expect.any(Number) },
      counts: { unchanged: 3000 },
    });
  });

  it('a resume counts the unchanged records of the run it continues, and repeats --write-all', async () => {
    const success = env.write(
      'prior/success.csv',
      `${SUCCESS_COLUMNS.join(',')},Email\n2,unchanged,003000000000001AAA,a@p.test\n3,updated,003000000000002AAA,b@p.test\n`,
    );
    const failures = env.write('prior/failures.csv', `${FAILURE_COLUMNS.join(',')},Email\n`);
    const prior = await readPrior(success, failures);
    expect(prior.prior.counts).toMatchObject({ total: 2, updated: 1, unchanged: 1 });
    expect([...prior.done]).toEqual([2, 3]);
    const opts = {
      operation: 'upsert',
      file: 'c.csv',
      match: ['Email'],
      writeAll: true,
      dryRun: false,
      offline: false,
      resume: false,
      failFast: false,
    } as SyncOptions;
    expect(resumeCommand(opts, '/w/out', '/w')).toBe(
      'sfsync upsert c.csv --match Email --write-all --resume --results out',
    );
  });
});
