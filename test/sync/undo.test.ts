import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { spawnChild } from '../helpers/children.js';
import { BIN } from '../helpers/run-bin.js';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

function contacts(prefix: string, n: number, title: (i: number) => string, phone = ''): string {
  const rows = ['External_Id__c,LastName,Email,Title,Phone'];
  for (let i = 0; i < n; i++)
    rows.push(`${prefix}-${i},Person ${i},${prefix}${i}@undo.test,${title(i)},${phone}`);
  return `${rows.join('\n')}\n`;
}

async function load(prefix: string, n: number, title: (i: number) => string, phone = ''): Promise<void> {
  env.write(`${prefix}.csv`, contacts(prefix, n, title, phone));
  const r = await env.sfsync([
    'create',
    `${prefix}.csv`,
    '--object',
    'Contact',
    '--results',
    `runs/${prefix}-seed`,
  ]);
  expect(r.code).toBe(0);
}

async function rows(prefix: string): Promise<Array<Record<string, any>>> {
  return env.query(
    `SELECT Id, External_Id__c, Email, Title, Phone FROM Contact WHERE External_Id__c LIKE '${prefix}-%' ORDER BY External_Id__c`,
  );
}

async function patch(id: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${env.org().instanceUrl}/services/data/v62.0/sobjects/Contact/${id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${env.org().accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(204);
}

/** An update run that changes Title and sets Phone on every record of `prefix`. */
async function updateRun(prefix: string, n: number, results: string): Promise<void> {
  env.write(
    `${prefix}-new.csv`,
    contacts(prefix, n, (i) => `Changed ${i}`, '555-0100'),
  );
  const r = await env.sfsync([
    'update',
    `${prefix}-new.csv`,
    '--object',
    'Contact',
    '--match',
    'External_Id__c',
    '--results',
    results,
  ]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`${n} updated`);
}

describe('sfsync undo', () => {
  it('undo of a create run leaves the org as before, and the before-images are owner-only', async () => {
    const count = async (): Promise<number> => {
      const res = await fetch(
        `${env.org().instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent('SELECT COUNT() FROM Contact')}`,
        { headers: { Authorization: `Bearer ${env.org().accessToken}` } },
      );
      return ((await res.json()) as { totalSize: number }).totalSize;
    };
    const start = await count();
    env.write(
      'made.csv',
      contacts('made', 12, () => 'New'),
    );
    const run = await env.sfsync(['create', 'made.csv', '--object', 'Contact', '--results', 'runs/made']);
    expect(run.code).toBe(0);
    const file = path.join(env.dir(), 'runs/made/before.ndjson');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(13);
    expect(await count()).toBe(start + 12);
    const undo = await env.sfsync(['undo', 'runs/made', '--json']);
    expect(undo.code).toBe(0);
    const result = undo.json().result;
    expect(result.counts).toMatchObject({ total: 12, deleted: 12, conflict: 0, failed: 0 });
    expect(await count()).toBe(start);
    // The undo is a run: its own results, summary and before-images.
    const dir = result.results.dir as string;
    expect(readResultCsv(path.join(dir, 'success.csv')).map((r) => r.outcome)).toEqual(
      Array(12).fill('deleted'),
    );
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'))).toMatchObject({
      operation: 'undo',
      ended: 'completed',
    });
    const shown = await env.sfsync(['results', dir]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Done: undo of a create of Contact');
  });

  it('undo of an update run restores every previous value (a blank one too); undo of the undo puts the run back', async () => {
    await load('upd', 30, (i) => `Title ${i}`);
    const original = await rows('upd');
    await updateRun('upd', 30, 'runs/upd');
    const images = fs
      .readFileSync(path.join(env.dir(), 'runs/upd/before.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l));
    expect(images[0]).toMatchObject({
      op: 'update',
      before: { Title: 'Title 0', Phone: null },
      after: { Title: 'Changed 0', Phone: '555-0100' },
      seen: expect.any(String),
    });
    const shown = await env.sfsync(['undo', 'runs/upd', '--dry-run']);
    expect(shown.stdout).toContain('Dry run: undo of an update of Contact');
    const undo = await env.sfsync(['undo', 'runs/upd', '--results', 'runs/upd-undo', '--json']);
    expect(undo.code).toBe(0);
    expect(undo.json().result.counts).toMatchObject({ total: 30, updated: 30, conflict: 0 });
    expect(await rows('upd')).toEqual(original);

    const again = await env.sfsync(['undo', 'runs/upd-undo', '--results', 'runs/upd-undo-undo']);
    expect(again.code).toBe(0);
    expect((await rows('upd')).map((r) => [r.Title, r.Phone])).toEqual(
      original.map((r) => [`Changed ${String(r.External_Id__c).slice(4)}`, '555-0100']),
    );
  });

  it('undo of a delete run restores the records with their original Ids; purged ones come back with new Ids', async () => {
    await load('del', 8, (i) => `Keep ${i}`);
    const original = await rows('del');
    env.write('del-ids.csv', `Id\n${original.map((r) => r.Id).join('\n')}\n`);
    const del = await env.sfsync(['delete', 'del-ids.csv', '--object', 'Contact', '--results', 'runs/del']);
    expect(del.code).toBe(0);
    expect(await rows('del')).toEqual([]);
    // Two of them emptied from the Recycle Bin since.
    const store = env.org().store;
    for (const r of original.slice(0, 2)) {
      const found = store.find(r.Id) as NonNullable<ReturnType<typeof store.find>>;
      store.restore(found.object, found.row.Id as string, undefined, undefined);
    }
    const undo = await env.sfsync(['undo', 'runs/del', '--json']);
    expect(undo.code).toBe(0);
    expect(undo.json().result.counts).toMatchObject({ total: 8, undeleted: 6, created: 2 });
    const back = await rows('del');
    expect(back.map((r) => [r.External_Id__c, r.Email, r.Title])).toEqual(
      original.map((r) => [r.External_Id__c, r.Email, r.Title]),
    );
    expect(back.slice(2).map((r) => r.Id)).toEqual(original.slice(2).map((r) => r.Id));
    const recreated = readResultCsv(path.join(undo.json().result.results.dir, 'success.csv')).filter(
      (r) => r.outcome === 'created',
    );
    expect(recreated.map((r) => r.original_id).sort()).toEqual([original[0]?.Id, original[1]?.Id].sort());
    expect(recreated.map((r) => r.id).sort()).toEqual([back[0]?.Id, back[1]?.Id].sort());
  });

  it('a record edited between the run and the undo is a CONFLICT, left alone; --force takes it back', async () => {
    await load('cf', 5, (i) => `Was ${i}`);
    const original = await rows('cf');
    await updateRun('cf', 5, 'runs/cf');
    await patch(original[2]?.Id, { Title: 'Edited by hand' });
    const dry = await env.sfsync(['undo', 'runs/cf', '--dry-run', '--json']);
    expect(dry.json().result.counts).toMatchObject({ total: 5, updated: 4, conflict: 1 });
    const undo = await env.sfsync(['undo', 'runs/cf', '--json']);
    expect(undo.code).toBe(2);
    const result = undo.json().result;
    expect(result.counts).toMatchObject({ total: 5, updated: 4, conflict: 1 });
    expect(result.conflicts).toEqual([
      expect.objectContaining({
        id: original[2]?.Id,
        code: 'CONFLICT',
        fields: ['Title'],
        runValues: { Title: 'Changed 2' },
        currentValues: { Title: 'Edited by hand' },
        runLine: 4,
      }),
    ]);
    const text = await env.sfsync(['undo', 'runs/cf', '--dry-run']);
    expect(text.stdout).toContain('Title: run wrote "Changed 2", now "Edited by hand"');
    // The line is the before-image's (the undo's own input), and says so: it is not a line of the run's CSV.
    expect(text.stdout).toMatch(/ {4}before\.ndjson line \d+ \(the run's input line 4\) 003\w+: Title:/);
    const after = await rows('cf');
    expect(after[2]?.Title).toBe('Edited by hand');
    expect(after.filter((_, i) => i !== 2)).toEqual(original.filter((_, i) => i !== 2));
    const forced = await env.sfsync(['undo', 'runs/cf', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(forced.json().result.counts).toMatchObject({ updated: 1, unchanged: 4, conflict: 0 });
    expect(await rows('cf')).toEqual(original);
  });

  it('--dry-run writes nothing and predicts the counts the undo then has', async () => {
    await load('dry', 10, (i) => `Dry ${i}`);
    await updateRun('dry', 10, 'runs/dry');
    const changed = await rows('dry');
    const calls = env.org().apiCalls();
    const dry = await env.sfsync(['undo', 'runs/dry', '--dry-run', '--json', '--verbose']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).not.toMatch(/→ (POST|PATCH|DELETE)/);
    expect(dry.json().result.results).toBeNull();
    expect(await rows('dry')).toEqual(changed);
    const predicted = dry.json().result.counts;
    expect(env.org().apiCalls() - calls).toBeLessThanOrEqual(dry.json().result.apiCalls + 2);
    const real = await env.sfsync(['undo', 'runs/dry', '--json']);
    expect(real.json().result.counts).toEqual(predicted);
  });

  it('an undo killed mid-way is resumed and finishes the job', async () => {
    await load('kill', 120, (i) => `Before ${i}`);
    const original = await rows('kill');
    await updateRun('kill', 120, 'runs/kill');
    // Killed (SIGKILL: no chance to write anything more) once a write call has been answered: the trace's first
    // answer is the describe's, and at most 4 batches (one read each) are in flight before a write is answered.
    const child = spawnChild<ChildProcessByStdio<null, null, Readable>>(
      process.execPath,
      [BIN, 'undo', 'runs/kill', '--results', 'runs/kill-undo', '--batch-size', '10', '--verbose'],
      {
        cwd: env.dir(),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SFSYNC_INSTANCE_URL: env.org().instanceUrl,
          SFSYNC_ACCESS_TOKEN: env.org().accessToken,
          SFSYNC_CONFIG_DIR: path.join(env.dir(), '.config'),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let answers = 0;
    const killed = new Promise<number | null>((resolve) =>
      child.on('close', (code, signal) => resolve(signal ? -1 : code)),
    );
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      answers += (d.match(/← ok/g) ?? []).length;
      if (answers >= 6) child.kill('SIGKILL');
    });
    expect(await killed).toBe(-1);
    const partial = await rows('kill');
    const restored = partial.filter((r, i) => r.Title === original[i]?.Title).length;
    expect(restored).toBeGreaterThanOrEqual(10);
    expect(restored).toBeLessThan(120);
    expect(fs.existsSync(path.join(env.dir(), 'runs/kill-undo/summary.json'))).toBe(false);
    const resumed = await env.sfsync(['undo', 'runs/kill', '--resume', '--json']);
    expect(resumed.code).toBe(0);
    const counts = resumed.json().result.counts;
    expect(counts.total).toBe(120);
    expect(counts.updated + counts.unchanged).toBe(120);
    expect(await rows('kill')).toEqual(original);
  });

  it('--backup exports the full records an update or delete touches, before touching them', async () => {
    await load('bk', 6, (i) => `Orig ${i}`);
    const original = await rows('bk');
    // Only Title of the first three changes: the other three are unchanged, not touched, not backed up.
    env.write(
      'bk-new.csv',
      contacts('bk', 6, (i) => (i < 3 ? `New ${i}` : `Orig ${i}`)),
    );
    const upd = await env.sfsync([
      'update',
      'bk-new.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
      '--backup',
      '--results',
      'runs/bk',
    ]);
    expect(upd.code).toBe(0);
    const saved = readResultCsv(path.join(env.dir(), 'runs/bk/backup.csv'));
    expect(saved.map((r) => [r.Id, r.Title, r.Email])).toEqual(
      original.slice(0, 3).map((r) => [r.Id, r.Title, r.Email]),
    );
    // Every plain field, as `sfsync export --object Contact` writes them.
    expect(Object.keys(saved[0] ?? {})).toEqual(
      expect.arrayContaining(['Id', 'LastName', 'CreatedDate', 'OwnerId']),
    );
    expect(fs.statSync(path.join(env.dir(), 'runs/bk/backup.csv')).mode & 0o777).toBe(0o600);

    env.write('bk-ids.csv', `Id\n${original.map((r) => r.Id).join('\n')}\n`);
    const del = await env.sfsync([
      'delete',
      'bk-ids.csv',
      '--object',
      'Contact',
      '--backup',
      '--results',
      'runs/bk-del',
    ]);
    expect(del.code).toBe(0);
    expect(readResultCsv(path.join(env.dir(), 'runs/bk-del/backup.csv')).map((r) => r.Id)).toEqual(
      original.map((r) => r.Id),
    );
    const create = await env.sfsync(['create', 'bk.csv', '--object', 'Contact', '--backup']);
    expect(create.code).toBe(1);
    expect(create.stderr).toContain("Unknown option '--backup'");
  });

  it('--backup with upsert --write-all on an external ID backs up the records it updates, not those it creates', async () => {
    await load('bkw', 2, (i) => `Orig ${i}`);
    const original = await rows('bkw');
    env.write(
      'bkw-new.csv',
      contacts('bkw', 3, (i) => `New ${i}`),
    );
    const args = ['upsert', 'bkw-new.csv', '--object', 'Contact', '--match', 'External_Id__c', '--write-all'];
    const run = await env.sfsync([...args, '--backup', '--results', 'runs/bkw', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().result.counts).toMatchObject({ created: 1, updated: 2 });
    const saved = readResultCsv(path.join(env.dir(), 'runs/bkw/backup.csv'));
    expect(saved.map((r) => [r.Id, r.Title])).toEqual(original.map((r) => [r.Id, r.Title]));
  });

  it('undo of an upsert that created some records and updated others, one of them twice', async () => {
    await load('ups', 3, (i) => `Old ${i}`);
    const original = await rows('ups');
    const file = [
      'External_Id__c,LastName,Email,Title',
      'ups-0,Person 0,ups0@undo.test,First change',
      'ups-1,Person 1,ups1@undo.test,Changed',
      'ups-new,Newcomer,upsnew@undo.test,Fresh',
      'ups-0,Person 0,ups0@undo.test,Second change',
    ].join('\n');
    env.write('ups.csv', `${file}\n`);
    const run = await env.sfsync([
      'upsert',
      'ups.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
      '--results',
      'runs/ups',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.json().result.counts).toMatchObject({ created: 1, updated: 3 });
    const undo = await env.sfsync(['undo', 'runs/ups', '--json']);
    expect(undo.code).toBe(0);
    expect(undo.json().result.counts).toMatchObject({ total: 4, deleted: 1, updated: 3, conflict: 0 });
    expect(await rows('ups')).toEqual(original);
  });
});
