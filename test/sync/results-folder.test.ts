import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { createTestDeps, type TestDeps } from '../helpers/test-deps.js';
import { waitFor } from '../helpers/wait-for.js';

let org: Emulator;
let root: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-results-'));
});
afterAll(async () => org.close());

/** A folder of its own for a test: its cwd, with its own sfsync-results/. */
function workdir(name: string): string {
  const d = path.join(root, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

function deps(cwd: string): TestDeps {
  return createTestDeps({
    cwd,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
}

/** A result file's rows as read by position (its input's columns may repeat sfsync's names). */
function rows(file: string): string[][] {
  return (parse(fs.readFileSync(file, 'utf8'), { relax_column_count: true }) as string[][]).slice(1);
}

function contactsIn(domain: string): Array<Record<string, unknown>> {
  return [...(org.store.object('Contact')?.live.values() ?? [])].filter((r) =>
    String(r.Email ?? '').endsWith(domain),
  );
}

/** Writes `<name>.csv`: n contacts with emails in the domain `<name>.test`. */
function contactsCsv(cwd: string, name: string, n: number): string {
  const lines = ['LastName,Email'];
  for (let i = 0; i < n; i++) lines.push(`C${i},c${i}@${name}.test`);
  fs.writeFileSync(path.join(cwd, `${name}.csv`), `${lines.join('\n')}\n`);
  return `${name}.csv`;
}

/**
 * A Bulk create that ran to its end, then its success file cut back to line 2's answer: as if the run had been
 * killed with its job open. The job's id is in the journal.
 */
async function bulkCreateCut(name: string, n: number) {
  const cwd = workdir(name);
  const args = [
    'create',
    contactsCsv(cwd, name, n),
    '--object',
    'Contact',
    '--api',
    'bulk',
    '--results',
    'out',
  ];
  expect(await main(args, deps(cwd))).toBe(0);
  const job = /"job":"(\w+)"/.exec(fs.readFileSync(path.join(cwd, 'out/journal.ndjson'), 'utf8'))?.[1];
  expect(job).toBeDefined();
  const success = path.join(cwd, 'out/success.csv');
  fs.writeFileSync(success, `${fs.readFileSync(success, 'utf8').split('\n').slice(0, 2).join('\n')}\n`);
  return { cwd, args, job: job as string, success, failures: path.join(cwd, 'out/failures.csv') };
}

/** Starts a run, presses Ctrl-C once it has written some outcomes, and waits for it to stop. */
async function interrupted(d: TestDeps, args: string[], success: () => string | undefined): Promise<number> {
  org.setFaults({ latencyMs: 25 });
  const running = main(args, d);
  await waitFor(() => {
    const file = success();
    return file !== undefined && fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\n').length > 3;
  }, 'outcomes in success.csv');
  d.interrupt();
  const code = await running;
  org.setFaults({ latencyMs: 0 });
  return code;
}

describe('resume with input columns named like sfsync’s own', () => {
  it('an input with line, error_code and outcome columns resumes with every line one outcome, every record sent once', async () => {
    const cwd = workdir('own-names');
    const lines = ['LastName,Email,line,error_code,outcome'];
    for (let i = 0; i < 3000; i++) lines.push(`N${i},n${i}@own-names.test,2,,created`);
    fs.writeFileSync(path.join(cwd, 'own.csv'), `${lines.join('\n')}\n`);
    fs.writeFileSync(
      path.join(cwd, 'own.mapping.yaml'),
      'object: Contact\nfields:\n  LastName: LastName\n  Email: Email\n',
    );
    const args = [
      'create',
      'own.csv',
      '--mapping',
      'own.mapping.yaml',
      '--batch-size',
      '50',
      '--results',
      'out',
    ];
    const code = await interrupted(deps(cwd), args, () => path.join(cwd, 'out/success.csv'));
    expect(code).toBe(130);
    const skipped = rows(path.join(cwd, 'out/failures.csv')).filter((r) => r[3] === 'NOT_PROCESSED');
    expect(skipped.length, 'the interrupt must leave records not sent').toBeGreaterThan(0);

    const d = deps(cwd);
    expect(await main([...args, '--resume', '--json'], d), d.io.stderrText).toBe(0);
    expect(JSON.parse(d.io.stdoutText).result.counts).toMatchObject({
      total: 3000,
      created: 3000,
      skipped: 0,
    });
    const outcomes = [
      ...rows(path.join(cwd, 'out/success.csv')),
      ...rows(path.join(cwd, 'out/failures.csv')),
    ];
    const seen = outcomes.map((r) => Number(r[0])).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i + 2));
    const emails = contactsIn('@own-names.test').map((r) => r.Email);
    expect(emails).toHaveLength(3000);
    expect(new Set(emails).size).toBe(3000);
    // The input's own line, error_code and outcome columns are kept as they were.
    expect(rows(path.join(cwd, 'out/success.csv'))[0]?.slice(3)).toEqual([
      'N0',
      'n0@own-names.test',
      '2',
      '',
      'created',
    ]);
  }, 60_000);

  it('refuses to resume a folder where a line has two outcomes', async () => {
    const cwd = workdir('two-outcomes');
    fs.writeFileSync(path.join(cwd, 'two.csv'), 'LastName,Email\nA,a@two.test\nB,b@two.test\n');
    const args = ['upsert', 'two.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out'];
    expect(await main(args, deps(cwd))).toBe(0);
    fs.appendFileSync(path.join(cwd, 'out/failures.csv'), '2,failed,,X,broken,,,A,a@two.test\n');
    const d = deps(cwd);
    expect(await main([...args, '--resume'], d)).toBe(1);
    expect(d.io.stderrText).toContain('input line 2 has two outcomes');
  });
});

describe('result files fed back', () => {
  it('failures.csv, fixed in one column, sends every other value exactly as the input held it', async () => {
    const cwd = workdir('feed-back');
    const long = 'L'.repeat(100);
    fs.writeFileSync(
      path.join(cwd, 'people.csv'),
      [
        'LastName,Email,Phone,Title,Description',
        'Ok,ok@feed.test,+1 (555) 010-0700,-Lead,plain',
        `${long},bad@feed.test,+1 (555) 010-0800,=HYPERLINK(1),"@home, ""quoted""\nsecond line"`,
        '',
      ].join('\n'),
    );
    const first = deps(cwd);
    expect(
      await main(
        ['upsert', 'people.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out'],
        first,
      ),
    ).toBe(2);
    const failures = path.join(cwd, 'out/failures.csv');
    // The input's values carry no spreadsheet guard; only sfsync's own columns may.
    expect(fs.readFileSync(failures, 'utf8')).toContain(',+1 (555) 010-0800,=HYPERLINK(1),');
    fs.writeFileSync(failures, fs.readFileSync(failures, 'utf8').replace(long, 'Fixed'));

    const again = deps(cwd);
    expect(
      await main(
        ['upsert', 'out/failures.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out2'],
        again,
      ),
      again.io.stderrText,
    ).toBe(0);
    const [row] = contactsIn('bad@feed.test');
    expect(row).toMatchObject({
      LastName: 'Fixed',
      Phone: '+1 (555) 010-0800',
      Title: '=HYPERLINK(1)',
      Description: '@home, "quoted"\nsecond line',
    });
    const [ok] = contactsIn('ok@feed.test');
    expect(ok).toMatchObject({ Phone: '+1 (555) 010-0700', Title: '-Lead' });
  });

  it('success.csv carries the input, and `delete success.csv` deletes exactly the records it names', async () => {
    const cwd = workdir('delete-success');
    fs.writeFileSync(path.join(cwd, 'keep.csv'), 'LastName,Email\nKeep,keep@del.test\n');
    expect(await main(['create', 'keep.csv', '--object', 'Contact', '--results', 'keep'], deps(cwd))).toBe(0);
    fs.writeFileSync(
      path.join(cwd, 'made.csv'),
      'LastName,Email,Phone\nOne,one@del.test,+1 555\nTwo,two@del.test,=2\nThree,three@del.test,\n',
    );
    expect(await main(['create', 'made.csv', '--object', 'Contact', '--results', 'made'], deps(cwd))).toBe(0);
    const made = rows(path.join(cwd, 'made/success.csv'));
    expect(fs.readFileSync(path.join(cwd, 'made/success.csv'), 'utf8').split('\n')[0]).toBe(
      'line,outcome,id,LastName,Email,Phone',
    );
    expect(made.map((r) => [r[0], r[1], r[3], r[5]])).toEqual([
      ['2', 'created', 'One', '+1 555'],
      ['3', 'created', 'Two', '=2'],
      ['4', 'created', 'Three', ''],
    ]);
    const d = deps(cwd);
    expect(
      await main(['delete', 'made/success.csv', '--object', 'Contact', '--results', 'gone', '--json'], d),
      d.io.stderrText,
    ).toBe(0);
    expect(JSON.parse(d.io.stdoutText).result.counts).toMatchObject({ total: 3, deleted: 3, failed: 0 });
    for (const r of made) expect(org.store.find(r[2] as string)?.deleted ?? true).toBe(true);
    expect(contactsIn('@del.test').map((r) => r.LastName)).toEqual(['Keep']);
  });
  it('`delete success.csv` needs only its Id: the input columns of a mapped run are left aside', async () => {
    const cwd = workdir('delete-mapped');
    fs.writeFileSync(
      path.join(cwd, 'm.csv'),
      'Surname,Mail\nOne,one@delmapped.test\nTwo,two@delmapped.test\n',
    );
    fs.writeFileSync(
      path.join(cwd, 'm.yaml'),
      'object: Contact\nfields:\n  LastName: Surname\n  Email: Mail\n',
    );
    expect(
      await main(
        ['upsert', 'm.csv', '--mapping', 'm.yaml', '--match', 'Email', '--results', 'up'],
        deps(cwd),
      ),
    ).toBe(0);
    expect(contactsIn('@delmapped.test')).toHaveLength(2);
    const d = deps(cwd);
    expect(
      await main(['delete', 'up/success.csv', '--object', 'Contact', '--results', 'gone'], d),
      d.io.stderrText,
    ).toBe(0);
    expect(contactsIn('@delmapped.test')).toHaveLength(0);
  });
});

describe('one run per results folder', () => {
  it('a second run into a folder in use is refused, the first one finishes, and nothing is sent twice', async () => {
    const cwd = workdir('lock');
    const args = [
      'create',
      contactsCsv(cwd, 'lock', 1000),
      '--object',
      'Contact',
      '--batch-size',
      '50',
      '--results',
      'out',
    ];
    org.setFaults({ latencyMs: 20 });
    const a = deps(cwd);
    const first = main(args, a);
    // Locked, and its journal begun: a plain run tells a running run by its journal (the lock alone, under load,
    // gave the lock's message instead).
    const begun = (): boolean =>
      fs.existsSync(path.join(cwd, 'out/sfsync.lock')) &&
      fs.existsSync(path.join(cwd, 'out/journal.ndjson')) &&
      fs.statSync(path.join(cwd, 'out/journal.ndjson')).size > 0;
    await waitFor(begun, 'the first run to lock out/ and begin its journal', { everyMs: 5 });
    const b = deps(cwd);
    const second = await main([...args, '--restart'], b);
    const c = deps(cwd);
    const resumed = await main([...args, '--resume'], c);
    const e = deps(cwd);
    const again = await main(args, e);
    expect(await first, a.io.stderrText).toBe(0);
    org.setFaults({ latencyMs: 0 });
    expect(second).toBe(1);
    expect(b.io.stderrText).toMatch(/out is in use by process \d+ on /);
    expect(resumed).toBe(1);
    expect(c.io.stderrText).toContain('is in use by process');
    expect(again).toBe(1);
    expect(e.io.stderrText).toContain('is still running (process');
    expect(contactsIn('@lock.test')).toHaveLength(1000);
    expect(fs.existsSync(path.join(cwd, 'out/sfsync.lock'))).toBe(false);
  }, 60_000);

  it('takes over the lock of a process that is gone, and gives two runs of the same second folders of their own', async () => {
    const cwd = workdir('stale');
    fs.writeFileSync(path.join(cwd, 'stale.csv'), 'LastName,Email\nS,s@stale.test\n');
    fs.mkdirSync(path.join(cwd, 'out'));
    fs.writeFileSync(
      path.join(cwd, 'out/sfsync.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), started: '2026-01-01T00:00:00Z' }),
    );
    expect(
      await main(
        ['upsert', 'stale.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out'],
        deps(cwd),
      ),
    ).toBe(0);

    // The test clock stands still: both runs start "in the same second".
    for (let i = 0; i < 2; i++)
      expect(await main(['upsert', 'stale.csv', '--object', 'Contact', '--match', 'Email'], deps(cwd))).toBe(
        0,
      );
    expect(fs.readdirSync(path.join(cwd, 'sfsync-results')).sort()).toEqual([
      '20260102T030405Z-upsert-Contact',
      '20260102T030405Z-upsert-Contact-2',
    ]);
  });

  it('refuses a new run while an unfinished one of the same file exists, with the command that resumes it', async () => {
    const cwd = workdir('unfinished');
    const args = [
      'create',
      contactsCsv(cwd, 'unfinished', 2000),
      '--object',
      'Contact',
      '--batch-size',
      '50',
    ];
    const results = path.join(cwd, 'sfsync-results');
    const run = path.join(results, '20260102T030405Z-create-Contact');
    expect(await interrupted(deps(cwd), args, () => path.join(run, 'success.csv'))).toBe(130);

    const refused = deps(cwd);
    expect(await main(args, refused)).toBe(1);
    expect(refused.io.stderrText).toContain('did not finish');
    const resume =
      'sfsync create unfinished.csv --object Contact --batch-size 50 --resume --results sfsync-results/20260102T030405Z-create-Contact';
    expect(refused.io.stderrText).toContain(resume);
    expect(refused.io.stderrText).toContain('--restart');
    expect(fs.readdirSync(results)).toHaveLength(1);

    const resumed = deps(cwd);
    expect(await main([...resume.split(' ').slice(1), '--json'], resumed), resumed.io.stderrText).toBe(0);
    expect(JSON.parse(resumed.io.stdoutText).result.counts).toMatchObject({ total: 2000, created: 2000 });
    expect(contactsIn('@unfinished.test')).toHaveLength(2000);
    // Finished now: a new run of the same file is a new run, on purpose.
    contactsCsv(cwd, 'unfinished', 1);
    expect(await main(['create', 'unfinished.csv', '--object', 'Contact'], deps(cwd))).toBe(0);
  }, 60_000);

  it('--restart starts over although an unfinished run exists', async () => {
    const cwd = workdir('restart');
    fs.writeFileSync(path.join(cwd, 'r.csv'), 'LastName,Email\nR,r@restart.test\n');
    const run = path.join(cwd, 'sfsync-results/20260102T030405Z-upsert-Contact');
    const args = ['upsert', 'r.csv', '--object', 'Contact', '--match', 'Email'];
    expect(await main(args, deps(cwd))).toBe(0);
    // A run killed outright leaves a journal and no summary.
    fs.rmSync(path.join(run, 'summary.json'));
    expect(await main(args, deps(cwd))).toBe(1);
    expect(await main([...args, '--restart'], deps(cwd))).toBe(0);
    expect(fs.existsSync(`${run}-2/summary.json`)).toBe(true);
  });
});

describe('resume checks the whole input', () => {
  it('refuses to resume when lines past the first megabyte were re-sorted (same size)', async () => {
    const cwd = workdir('resorted');
    const lines = ['LastName,Email,Description'];
    for (let i = 0; i < 2600; i++) lines.push(`R${i},r${i}@resorted.test,${'d'.repeat(480)}`);
    const file = path.join(cwd, 'big.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    expect(fs.statSync(file).size).toBeGreaterThan(1_300_000);
    const args = ['upsert', 'big.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out'];
    // A run stopped by its budget after its first call (the input is identified when the run starts): loading the
    // 2,600 records cost the suite half a second and changes nothing of what the resume checks.
    const first = deps(cwd);
    expect(await main([...args, '--max-api-calls', '1', '--json'], first)).toBe(1);
    expect(JSON.parse(first.io.stdoutText).error.code).toBe('API_BUDGET_EXCEEDED');
    // Swap two records near the end: the size and the first megabyte stay the same.
    const [a, b] = [lines[2500] as string, lines[2501] as string];
    lines[2500] = b;
    lines[2501] = a;
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const d = deps(cwd);
    expect(await main([...args, '--resume', '--json'], d)).toBe(1);
    expect(JSON.parse(d.io.stdoutText).error.code).toBe('RESUME_MISMATCH');
    // A refused resume frees the folder it had locked.
    expect(fs.existsSync(path.join(cwd, 'out/sfsync.lock'))).toBe(false);
  }, 60_000);
});

describe('resume of a Bulk create whose job is gone', () => {
  it('leaves the records of a deleted job uncertain, says why, and keeps the result files', async () => {
    const { cwd, args, job, success } = await bulkCreateCut('gone', 20);
    // The Bulk path writes the input beside each outcome too (read back from its spool).
    expect(rows(success)[0]).toEqual(['2', 'created', expect.stringMatching(/^003/), 'C0', 'c0@gone.test']);
    // Then Salesforce deleted the job (it does seven days after it ended).
    const deleted = await fetch(`${org.instanceUrl}/services/data/v62.0/jobs/ingest/${job}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${org.accessToken}` },
    });
    expect(deleted.status).toBe(204);

    const d = deps(cwd);
    expect(await main([...args, '--resume', '--json'], d), d.io.stderrText).toBe(2);
    expect(JSON.parse(d.io.stdoutText).result.counts).toMatchObject({ total: 20, created: 1, skipped: 19 });
    const failures = rows(path.join(cwd, 'out/failures.csv'));
    expect(failures).toHaveLength(19);
    expect(failures.every((r) => r[3] === 'UNCERTAIN' && r[4]?.includes(`no longer has job ${job}`))).toBe(
      true,
    );
    expect(rows(success).map((r) => r[0])).toEqual(['2']);
    expect(contactsIn('@gone.test')).toHaveLength(20);
  });
});

describe('a resume that cannot start changes nothing', () => {
  it('keeps the result files byte for byte when reading a Bulk job fails for another reason than a 404', async () => {
    const { cwd, args, success, failures } = await bulkCreateCut('bulkfails', 10);
    // Line 3 left "not sent", and a row torn at the end; the rest went in the job.
    fs.appendFileSync(success, '4,crea');
    fs.appendFileSync(failures, '3,skipped,,NOT_PROCESSED,Not sent,,,C1,c1@bulkfails.test\n');
    const before = [fs.readFileSync(success, 'utf8'), fs.readFileSync(failures, 'utf8')];
    const d = deps(cwd);
    // A budget of one call: the describe, then reading the job's results goes over it.
    expect(await main([...args, '--resume', '--max-api-calls', '1', '--json'], d)).toBe(1);
    expect(JSON.parse(d.io.stdoutText).error.code).toBe('API_BUDGET_EXCEEDED');
    expect([fs.readFileSync(success, 'utf8'), fs.readFileSync(failures, 'utf8')]).toEqual(before);
    // before.ndjson is the interrupted run's (the Ids it created, for sfsync undo).
    expect(fs.readdirSync(path.join(cwd, 'out')).sort()).toEqual([
      'before.ndjson',
      'failures.csv',
      'journal.ndjson',
      'success.csv',
      'summary.json',
    ]);
  });
});

describe('the results folder is the owner’s, and written only through its own files', () => {
  it('refuses a result file that is a symbolic link, and makes an existing folder owner-only', async () => {
    const cwd = workdir('links');
    fs.writeFileSync(path.join(cwd, 'l.csv'), 'LastName,Email\nL,l@links.test\n');
    fs.writeFileSync(path.join(cwd, 'precious.txt'), 'keep me\n');
    fs.mkdirSync(path.join(cwd, 'out'), { mode: 0o755 });
    fs.chmodSync(path.join(cwd, 'out'), 0o755);
    fs.symlinkSync(path.join(cwd, 'precious.txt'), path.join(cwd, 'out/success.csv'));
    const d = deps(cwd);
    expect(
      await main(['upsert', 'l.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out'], d),
    ).toBe(1);
    expect(d.io.stderrText).toContain('is a symbolic link');
    expect(fs.readFileSync(path.join(cwd, 'precious.txt'), 'utf8')).toBe('keep me\n');
    expect(fs.statSync(path.join(cwd, 'out')).mode & 0o777).toBe(0o700);
  });
});
