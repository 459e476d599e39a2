import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, syncOptionsFrom } from '../../src/cli.js';
import { resumeCommand } from '../../src/core/resume-command.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { readResultCsv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({
    port: 0,
    assignmentRules: [{ name: 'Lead queue', object: 'Lead', entries: [{ queue: 'Inbound Leads' }] }],
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-admin2-'));
});
afterAll(async () => {
  await org.close();
});

let run = 0;
async function sfsync(argv: string[]) {
  const deps = createTestDeps({
    cwd: dir,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
  const results = path.join(dir, `out-${++run}`);
  const code = await main([...argv, '--results', results], deps);
  const read = (name: string) =>
    fs.existsSync(path.join(results, name)) ? readResultCsv(path.join(results, name)) : [];
  return {
    code,
    results,
    read,
    stderr: deps.io.stderrText,
    stdout: deps.io.stdoutText,
    doc: argv.includes('--json') ? JSON.parse(deps.io.stdoutText) : null,
    success: read('success.csv'),
  };
}

function write(name: string, text: string): string {
  fs.writeFileSync(path.join(dir, name), text);
  return name;
}

async function query<T = Record<string, unknown>>(soql: string): Promise<T[]> {
  const res = await fetch(`${org.instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, {
    headers: { Authorization: `Bearer ${org.accessToken}` },
  });
  return ((await res.json()) as { records: T[] }).records;
}

describe('--assignment-rule', () => {
  let queue: string;
  beforeAll(async () => {
    queue = (
      await query<{ Id: string }>("SELECT Id FROM Group WHERE Type = 'Queue' AND Name = 'Inbound Leads'")
    )[0]?.Id as string;
  });

  for (const api of ['rest', 'bulk'] as const) {
    it(`${api}: default hands the Lead to the rule's queue; none keeps the running user as owner`, async () => {
      const tag = `${api}${++run}`;
      const file = write(`leads-${tag}.csv`, `LastName,Company\nRule ${tag},Acme\n`);
      const assigned = await sfsync([
        'create',
        file,
        '--object',
        'Lead',
        '--api',
        api,
        '--assignment-rule',
        'default',
        '--json',
      ]);
      expect(assigned.code).toBe(0);
      expect(assigned.doc.result.assignmentRule.asked).toBe('default');
      const kept = await sfsync([
        'create',
        file,
        '--object',
        'Lead',
        '--api',
        api,
        '--assignment-rule',
        'none',
      ]);
      expect(kept.code).toBe(0);
      expect(kept.stdout).toContain('--assignment-rule none: no assignment rule ran');
      const owner = async (id: string) =>
        (await query<{ OwnerId: string }>(`SELECT OwnerId FROM Lead WHERE Id = '${id}'`))[0]?.OwnerId;
      expect(await owner(assigned.success[0]?.id as string)).toBe(queue);
      expect(await owner(kept.success[0]?.id as string)).toBe(org.userId);
    });
  }

  it('refuses a value that is not default, none or a rule Id, and objects without assignment rules', async () => {
    const file = write('lead-bad.csv', 'LastName,Company\nX,Y\n');
    const bad = await sfsync(['create', file, '--object', 'Lead', '--assignment-rule', 'queue']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--assignment-rule queue: expected default, none, or an assignment rule Id');
    const contact = await sfsync([
      'create',
      write('c-bad.csv', 'LastName\nX\n'),
      '--object',
      'Contact',
      '--assignment-rule',
      'none',
    ]);
    expect(contact.code).toBe(1);
    expect(contact.stderr).toContain('--assignment-rule applies to Lead and Case');
  });
});

describe('mirror: upsert --delete-missing --scope', () => {
  /** Ten contacts in the region, two outside it; returns the tag. */
  async function seed(): Promise<string> {
    const tag = `m${++run}`;
    const rows = Array.from({ length: 10 }, (_, i) => `C${i},${tag}-${i}@Mirror.test,${tag}`);
    rows.push(`Out0,${tag}-out0@mirror.test,${tag}-other`, `Out1,${tag}-out1@mirror.test,${tag}-other`);
    // In the scope without a key: no file can name it, so it is never deleted.
    rows.push(`NoKey,,${tag}`);
    const r = await sfsync([
      'create',
      write(`seed-${tag}.csv`, `LastName,Email,Department\n${rows.join('\n')}\n`),
      '--object',
      'Contact',
    ]);
    expect(r.code).toBe(0);
    return tag;
  }
  const emails = async (tag: string) =>
    (await query<{ Email: string }>(`SELECT Email FROM Contact WHERE Email LIKE '${tag}-%'`))
      .map((r) => r.Email)
      .sort();

  it('deletes exactly the keys of the scope missing from the file (keys compared without case), nothing outside it', async () => {
    const tag = await seed();
    // The file keeps 9 of the 10 (one in upper case), and drops C3; the two outside the scope are not in it either.
    const keep = [0, 1, 2, 4, 5, 6, 7, 8, 9].map(
      (i) => `C${i},${i === 0 ? `${tag}-0@MIRROR.TEST`.toUpperCase() : `${tag}-${i}@mirror.test`}`,
    );
    const file = write(`mirror-${tag}.csv`, `LastName,Email\n${keep.join('\n')}\n`);
    const r = await sfsync([
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--delete-missing',
      '--scope',
      `WHERE Department = '${tag}'`,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.doc.result.mirror).toMatchObject({
      action: 'delete',
      inScope: 11,
      missing: 1,
      unkeyed: 1,
      limit: 1,
      done: 1,
      failed: 0,
      stopped: false,
    });
    // In the counts too, beside the file's records (and not in their total).
    expect(r.doc.result.counts).toMatchObject({ total: 9, deleted: 0, missing: { deleted: 1, failed: 0 } });
    const deleted = r.read('deleted.csv');
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ key: `Email=${tag}-3@Mirror.test`, outcome: 'deleted' });
    expect(await emails(tag)).not.toContain(`${tag}-3@Mirror.test`);
    expect(await emails(tag)).toContain(`${tag}-out0@mirror.test`);
    expect(await emails(tag)).toHaveLength(11);
  });

  it('the brake: stops before deleting more than --max-delete, lists them, exit 1; the dry run lists them too', async () => {
    const tag = await seed();
    const file = write(
      `half-${tag}.csv`,
      `LastName,Email\n${[0, 1, 2, 3, 4].map((i) => `C${i},${tag}-${i}@mirror.test`).join('\n')}\n`,
    );
    const args = [
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--delete-missing',
      '--scope',
      `WHERE Department = '${tag}'`,
    ];
    const dry = await sfsync([...args, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(dry.doc.result.mirror).toMatchObject({
      inScope: 11,
      missing: 5,
      unkeyed: 1,
      done: 0,
      stopped: false,
    });
    expect(
      dry
        .read('would-delete.csv')
        .map((r) => r.key)
        .sort(),
    ).toEqual([5, 6, 7, 8, 9].map((i) => `Email=${tag}-${i}@Mirror.test`));
    // Without --json the dry run says the real run would stop at the brake.
    expect(dry.doc.result.counts.missing).toEqual({ deleted: 5, failed: 0 });
    const dryText = await sfsync([...args, '--dry-run']);
    expect(dryText.stdout).toContain(
      '0 would be deleted, 0 rejected, 0 skipped; 5 would be deleted (missing from the file)',
    );
    expect(dryText.stdout).toContain(
      'the real run would stop here (MAX_DELETE_EXCEEDED): 5 is over the limit of 1; raise --max-delete if they should go',
    );
    const braked = await sfsync(args);
    expect(braked.code).toBe(1);
    expect(braked.stderr).toContain(
      '5 records in the scope are missing from the file (45.5% of the 11 in the scope), more than --max-delete allows (1',
    );
    expect(braked.read('would-delete.csv')).toHaveLength(5);
    expect(await emails(tag)).toHaveLength(12);
    const allowed = await sfsync([...args, '--max-delete', '50%']);
    expect(allowed.code).toBe(0);
    expect(await emails(tag)).toHaveLength(7);
  });

  it('--missing deactivate FIELD=VALUE sets the field instead of deleting', async () => {
    const tag = await seed();
    const file = write(
      `deact-${tag}.csv`,
      `LastName,Email\n${[0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => `C${i},${tag}-${i}@mirror.test`).join('\n')}\n`,
    );
    const r = await sfsync([
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--missing',
      'deactivate',
      'Title=Former',
      '--scope',
      `WHERE Department = '${tag}'`,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 skipped; 1 deactivated (missing from the file)');
    expect(r.read('deactivated.csv')).toMatchObject([
      { key: `Email=${tag}-9@Mirror.test`, outcome: 'deactivated' },
    ]);
    const rows = await query<{ Email: string; Title: string | null }>(
      `SELECT Email, Title FROM Contact WHERE Department = '${tag}' AND Title = 'Former'`,
    );
    expect(rows.map((x) => x.Email)).toEqual([`${tag}-9@Mirror.test`]);
  });

  it('sfsync undo of a mirror run brings the deleted records back with their Ids, and the deactivated fields', async () => {
    const tag = await seed();
    const before = await query<{ Id: string; Email: string }>(
      `SELECT Id, Email FROM Contact WHERE Email = '${tag}-9@Mirror.test'`,
    );
    const keep = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => `C${i},${tag}-${i}@mirror.test`).join('\n');
    const file = write(`undo-${tag}.csv`, `LastName,Email\n${keep}\n`);
    const scope = ['--scope', `WHERE Department = '${tag}'`];
    const del = await sfsync([
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--delete-missing',
      ...scope,
    ]);
    expect(del.code).toBe(0);
    expect(await emails(tag)).not.toContain(`${tag}-9@Mirror.test`);
    const undo = await sfsync(['undo', del.results]);
    expect(undo.code).toBe(0);
    expect(undo.success).toMatchObject([{ outcome: 'undeleted', id: before[0]?.Id }]);
    const back = await query<{ Id: string }>(`SELECT Id FROM Contact WHERE Email = '${tag}-9@Mirror.test'`);
    expect(back.map((r) => r.Id)).toEqual([before[0]?.Id]);
    const deact = ['--missing', 'deactivate', 'Title=Former', ...scope];
    const set = await sfsync(['upsert', file, '--object', 'Contact', '--match', 'Email', ...deact]);
    expect(set.code).toBe(0);
    expect((await sfsync(['undo', set.results])).code).toBe(0);
    const titles = await query<{ Title: string | null }>(
      `SELECT Title FROM Contact WHERE Email = '${tag}-9@Mirror.test'`,
    );
    expect(titles).toEqual([expect.objectContaining({ Title: null })]);
  });

  it('an offline dry run says it cannot list the missing records', async () => {
    const file = write('m-offline.csv', 'LastName,Email\nA,a@offline.test\n');
    const r = await sfsync([
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--delete-missing',
      '--scope',
      "WHERE Department = 'x'",
      '--dry-run',
      '--offline',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('an offline dry run cannot list the records of --scope the file lacks');
  });

  it('refuses mirror flags without a WHERE scope, and --scope alone', async () => {
    const file = write('m-bad.csv', 'LastName,Email\nA,a@b.test\n');
    const noScope = await sfsync([
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--delete-missing',
    ]);
    expect(noScope.code).toBe(1);
    expect(noScope.stderr).toContain('needs --scope');
    const notWhere = await sfsync([
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--delete-missing',
      '--scope',
      "Department = 'x'",
    ]);
    expect(notWhere.stderr).toContain('must be a SOQL WHERE clause');
    const alone = await sfsync([
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--scope',
      "WHERE Department = 'x'",
    ]);
    expect(alone.stderr).toContain('--scope works only with --delete-missing');
  });
});

describe('the resume command of a stopped run', () => {
  it('keeps --assignment-rule, --serial, --no-group-by-parent and the mirror flags', () => {
    const opts = syncOptionsFrom('upsert', 'staff.csv', {
      match: ['Email'],
      assignmentRule: 'none',
      serial: true,
      groupByParent: false,
      missing: ['deactivate', 'Active__c=false'],
      scope: "WHERE Team__c = 'Ops'",
      maxDelete: '5%',
    });
    expect(resumeCommand(opts, '/w/out', '/w')).toBe(
      "sfsync upsert staff.csv --match Email --assignment-rule none --serial --no-group-by-parent --scope 'WHERE Team__c = '\\''Ops'\\''' --max-delete 5% --missing deactivate Active__c=false --resume --results out",
    );
  });
});
