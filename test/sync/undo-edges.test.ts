import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { createSalesforceClient } from '../../src/salesforce/client.js';
import { useSyncEnv } from '../helpers/sync-env.js';
import { createTestDeps, type TestDeps } from '../helpers/test-deps.js';

const env = useSyncEnv();

describe('undo: edges', () => {
  it('an expired session on the SOAP undelete() call (a fault, HTTP 500) is renewed and the call sent once more', async () => {
    const store = env.org().store;
    const made = store.create('Contact', { LastName: 'Binned' });
    if (!made.ok) throw new Error('not created');
    store.delete(made.id);
    let token = 'expired-session-token';
    let refreshes = 0;
    const client = createSalesforceClient({
      instanceUrl: env.org().instanceUrl,
      apiVersion: '62.0',
      tokens: {
        accessToken: () => token,
        refresh: async () => {
          refreshes++;
          token = env.org().accessToken;
          return token;
        },
      },
    });
    const results = await client.undelete([made.id]);
    expect(results).toEqual([{ id: made.id, success: true, errors: [] }]);
    expect(refreshes).toBe(1);
    expect(store.find(made.id)?.deleted).toBeFalsy();
  });
});

/** Seeds n Contacts straight into the org, then an update run (in this process) changes the Title of each. */
async function updatedRun(prefix: string, n: number, results: string): Promise<void> {
  const store = env.org().store;
  for (let i = 0; i < n; i++)
    store.create('Contact', { LastName: `P${i}`, Email: `${prefix}${i}@edges.test`, Title: `Was ${i}` });
  const rows = ['Email,Title'];
  for (let i = 0; i < n; i++) rows.push(`${prefix}${i}@edges.test,Now ${i}`);
  env.write(`${prefix}.csv`, `${rows.join('\n')}\n`);
  const r = await env.sfsync([
    'update',
    `${prefix}.csv`,
    '--object',
    'Contact',
    '--match',
    'Email',
    '--results',
    results,
  ]);
  expect(r.code).toBe(0);
}

describe('undo: stopped', () => {
  // In this process: the stop is pressed through the deps a signal reaches (test/signals-cli.test.ts sends real
  // signals to bin/sfsync.js). An undo that had not taken its stop handler by then would run to its end (exit 0).
  it('SIGTERM while the undo connects: exit 143, says nothing was taken back and how to start again; stderr ends its lines', async () => {
    await updatedRun('term', 40, 'runs/term');
    const d = createTestDeps({
      cwd: env.dir(),
      env: {
        SFSYNC_INSTANCE_URL: env.org().instanceUrl,
        SFSYNC_ACCESS_TOKEN: env.org().accessToken,
        SFSYNC_CONFIG_DIR: path.join(env.dir(), '.config'),
      },
    });
    // The first call: the undo is connecting (describe), before it has opened anything.
    let signalled = false;
    const connect = d.connect;
    Object.assign(d, {
      connect: async (o: Parameters<TestDeps['connect']>[0]) => {
        const client = await connect(o);
        return {
          ...client,
          describe: async (name: string) => {
            if (!signalled) d.interrupt('SIGTERM');
            signalled = true;
            return client.describe(name);
          },
        };
      },
    });
    const code = await main(['undo', 'runs/term', '--batch-size', '10', '--verbose'], d);
    const stderr = d.io.stderrText;
    expect(signalled).toBe(true);
    expect(code, stderr).toBe(143);
    expect(stderr).toContain('SIGTERM');
    // Wherever the signal landed: what was done, and the command that starts or continues the undo.
    expect(stderr).toMatch(/sfsync undo runs\/term( --batch-size 10)?( --resume --results \S+)?\n/);
    expect(stderr.endsWith('\n')).toBe(true);
    expect(d.io.stdoutText).toBe('');
    if (stderr.includes('nothing was taken back'))
      expect(
        await env.query("SELECT Id FROM Contact WHERE Email LIKE 'term%' AND Title LIKE 'Was%'"),
      ).toEqual([]);
  });
});

// An org whose clock moves only when the test says: "later" is an input here, not a wait.
let orgNow = Date.parse('2026-06-01T10:00:00.000Z');
const clocked = useSyncEnv({ clock: () => orgNow });

describe('undo: the SystemModstamp rule', () => {
  it('a record edited after the run on a field the run did not touch is a CONFLICT (stamps reported), left alone unless --force; an edit in the second of the write falls back to the values', async () => {
    const store = clocked.org().store;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const made = store.create('Contact', {
        LastName: `S${i}`,
        Email: `st${i}@edges.test`,
        Title: `Was ${i}`,
      });
      if (made.ok) ids.push(made.id);
    }
    clocked.write(
      'st.csv',
      'Email,Title\nst0@edges.test,Now 0\nst1@edges.test,Now 1\nst2@edges.test,Now 2\n',
    );
    const run = await clocked.sfsync([
      'update',
      'st.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--results',
      'runs/st',
    ]);
    expect(run.code).toBe(0);
    const lines = fs
      .readFileSync(path.join(clocked.dir(), 'runs/st/before.ndjson'), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(lines.at(-1) as string)).toEqual({
      op: 'written',
      w: expect.any(String),
      at: '2026-06-01T10:00:00.000Z',
    });
    const edit = async (id: string | undefined, body: Record<string, unknown>): Promise<void> => {
      const res = await fetch(`${clocked.org().instanceUrl}/services/data/v62.0/sobjects/Contact/${id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${clocked.org().accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(204);
    };
    // In the second the run wrote in: the stamp cannot tell it from the run's own write.
    await edit(ids[2], { Phone: '555-0102' });
    orgNow += 5000;
    await edit(ids[1], { Phone: '555-0101' });
    const stampNow = store.find(ids[1] as string)?.row.SystemModstamp;

    const undo = await clocked.sfsync(['undo', 'runs/st', '--json']);
    expect(undo.code).toBe(2);
    const result = undo.json().result;
    expect(result.counts).toMatchObject({ total: 3, updated: 2, conflict: 1 });
    expect(result.conflicts).toEqual([
      expect.objectContaining({
        id: ids[1],
        fields: ['SystemModstamp'],
        runValues: { SystemModstamp: '2026-06-01T10:00:00.000Z' },
        currentValues: { SystemModstamp: stampNow },
        runLine: 3,
        message: expect.stringContaining('by someone or by another sfsync run or undo (SystemModstamp'),
      }),
    ]);
    expect(result.conflicts[0].message).toContain(
      'the fields this run wrote still hold its values: left as it is. Add --force to set them back.',
    );
    const title = (id: string | undefined) => store.find(id as string)?.row.Title;
    expect([title(ids[0]), title(ids[1]), title(ids[2])]).toEqual(['Was 0', 'Now 1', 'Was 2']);
    expect(store.find(ids[1] as string)?.row.Phone).toBe('555-0101');
    const text = await clocked.sfsync(['undo', 'runs/st', '--dry-run']);
    expect(text.stdout).toContain(
      `(the run's input line 3) ${ids[1]}: SystemModstamp: run wrote "2026-06-01T10:00:00.000Z", now "${stampNow}"`,
    );

    const forced = await clocked.sfsync(['undo', 'runs/st', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(forced.json().result.counts).toMatchObject({ updated: 1, unchanged: 2, conflict: 0 });
    expect(title(ids[1])).toBe('Was 1');
    expect(store.find(ids[1] as string)?.row.Phone).toBe('555-0101');
  });
});

describe('undo over Bulk API 2.0', () => {
  it('--api bulk: the deletes of created records and the restoring updates go in Bulk jobs, the org ends as before', async () => {
    await updatedRun('bk', 30, 'runs/bk');
    const rows = ['LastName,Email'];
    for (let i = 0; i < 12; i++) rows.push(`New ${i},bknew${i}@edges.test`);
    env.write('bk-new.csv', `${rows.join('\n')}\n`);
    expect(
      (await env.sfsync(['create', 'bk-new.csv', '--object', 'Contact', '--results', 'runs/bk-new'])).code,
    ).toBe(0);

    const undoUpdate = await env.sfsync(['undo', 'runs/bk', '--api', 'bulk', '--json', '--verbose']);
    expect(undoUpdate.code, undoUpdate.stderr).toBe(0);
    expect(undoUpdate.json().result).toMatchObject({
      api: 'bulk',
      bulkJobs: 1,
      counts: { total: 30, updated: 30 },
    });
    expect(undoUpdate.stderr).toMatch(/→ POST \/jobs\/ingest/);
    expect(undoUpdate.stderr).not.toMatch(/→ PATCH \/composite\/sobjects/);
    const titles = await env.query(
      "SELECT Title FROM Contact WHERE Email LIKE 'bk%@edges.test' AND Title LIKE 'Was%'",
    );
    expect(titles).toHaveLength(30);

    const undoCreate = await env.sfsync(['undo', 'runs/bk-new', '--api', 'bulk', '--json', '--verbose']);
    expect(undoCreate.code, undoCreate.stderr).toBe(0);
    expect(undoCreate.json().result).toMatchObject({
      api: 'bulk',
      bulkJobs: 1,
      counts: { total: 12, deleted: 12 },
    });
    expect(undoCreate.stderr).not.toMatch(/→ DELETE \/composite\/sobjects/);
    expect(await env.query("SELECT Id FROM Contact WHERE Email LIKE 'bknew%'")).toEqual([]);
    // And back: undeletes are SOAP calls whatever --api says; the rest of the undo of the undo goes through Bulk.
    const dir = undoCreate.json().result.results.dir as string;
    const again = await env.sfsync(['undo', dir, '--api', 'bulk', '--json']);
    expect(again.json().result.counts).toMatchObject({ total: 12, undeleted: 12 });
    expect(await env.query("SELECT Id FROM Contact WHERE Email LIKE 'bknew%'")).toHaveLength(12);
  });
});

describe('export → upsert round trip with Bulk', () => {
  // 3,500 records here, just over the 3,000 from which an upsert matches through an export of the existing records
  // (10,000 cost the suite about two CPU seconds more and proved nothing more); `npm run bench -- rerun` runs the
  // same round trip on 100,000 (about 30 s in one process).
  const N = 3_500;
  it(`${N.toLocaleString('en-US')} records exported through a Bulk query job and upserted back with --api bulk: nothing written, only the match reads`, async () => {
    const store = env.org().store;
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const made = store.create('Contact', {
        FirstName: `F${i}`,
        LastName: `Round ${i}`,
        Email: `rt${i}@round.test`,
        Title: i % 3 ? `T ${i}` : null,
      });
      if (made.ok) ids.push(made.id);
    }
    const where = "Email LIKE '%@round.test'";
    const exported = await env.sfsync([
      'export',
      `SELECT Id, FirstName, LastName, Email, Title FROM Contact WHERE ${where}`,
      '--api',
      'bulk',
      '-o',
      'round.csv',
      '--json',
    ]);
    expect(exported.json().result).toMatchObject({ api: 'bulk', records: N });
    const stamp = store.find(ids[N - 1] as string)?.row.SystemModstamp;
    const calls = env.org().apiCalls();
    const up = await env.sfsync([
      'upsert',
      'round.csv',
      '--object',
      'Contact',
      '--api',
      'bulk',
      '--json',
      '--verbose',
    ]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.json().result.counts).toMatchObject({
      total: N,
      created: 0,
      updated: 0,
      unchanged: N,
      failed: 0,
    });
    // The org's own count: the calls the run says it made, none of them a write.
    expect(env.org().apiCalls() - calls).toBe(up.json().result.apiCalls);
    expect(up.json().result.apiCalls).toBeLessThanOrEqual(8);
    const sent = up.stderr.split('\n').filter((l) => l.startsWith('→'));
    expect(
      sent.filter(
        (l) => /\/jobs\/ingest|\/composite\/|\/sobjects\/Contact\/\w/.test(l) && !l.includes('describe'),
      ),
    ).toEqual([]);
    expect(store.find(ids[N - 1] as string)?.row.SystemModstamp).toBe(stamp);

    // A file too small for the match export: by Id its records are read for their before-images all the same, and
    // compared (they were sent whole before).
    const text = fs.readFileSync(path.join(env.dir(), 'round.csv'), 'utf8').split('\n');
    env.write('round-small.csv', `${text.slice(0, 301).join('\n')}\n`);
    const small = await env.sfsync([
      'upsert',
      'round-small.csv',
      '--object',
      'Contact',
      '--api',
      'bulk',
      '--json',
    ]);
    expect(small.json().result.counts).toMatchObject({ total: 300, updated: 0, unchanged: 300 });
    expect(small.json().result.bulkJobs).toEqual([]);
    expect(store.find(ids[N - 1] as string)?.row.SystemModstamp).toBe(stamp);
  });
});
