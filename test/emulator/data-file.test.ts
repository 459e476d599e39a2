import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { to18 } from '../../src/emulator/ids.js';
import { startEmulator } from '../../src/emulator/server.js';
import { orgApi, queryAll, startOrgProcess, type OrgInfo } from '../helpers/emulator-bin.js';
import { createTestDeps } from '../helpers/test-deps.js';

const dirs: string[] = [];
function dataFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-data-'));
  dirs.push(dir);
  return path.join(dir, 'org.data');
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

type Item = { id?: string; success: boolean };

function contacts(from: number, n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    attributes: { type: 'Contact' },
    LastName: `Person ${from + i}`,
    Email: `p${from + i}@kill.example`,
  }));
}

async function allIds(info: OrgInfo, object: string): Promise<Set<string>> {
  return new Set((await queryAll(info, `SELECT Id FROM ${object}`, true)).map((r) => r.Id as string));
}

/** Runs a Bulk insert of Accounts to its end and returns the job's id. */
async function bulkInsert(info: OrgInfo, names: string[]): Promise<string> {
  const job = (
    await orgApi(info, 'POST', '/jobs/ingest', { object: 'Account', operation: 'insert', lineEnding: 'LF' })
  ).json as { id: string };
  await orgApi(info, 'PUT', `/jobs/ingest/${job.id}/batches`, `Name\n${names.join('\n')}\n`);
  await orgApi(info, 'PATCH', `/jobs/ingest/${job.id}`, { state: 'UploadComplete' });
  for (;;) {
    const state = ((await orgApi(info, 'GET', `/jobs/ingest/${job.id}`)).json as { state: string }).state;
    if (state === 'JobComplete') return job.id;
    if (state === 'Failed') throw new Error('the bulk job failed');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the local org with --data', () => {
  it('keeps every acknowledged write through a SIGKILL right after the answers, and never reissues an Id', async () => {
    const file = dataFile();
    const first = await startOrgProcess(['--data', file]);
    const { info } = first;
    const jobId = await bulkInsert(info, ['Bulk One', 'Bulk Two']);

    const single = (await orgApi(info, 'POST', '/sobjects/Account', { Name: 'Single' })).json as {
      id: string;
    };
    const upserted = await orgApi(info, 'PATCH', '/sobjects/Contact/External_Id__c/EXT-1', {
      LastName: 'Upserted',
    });
    expect(upserted.status).toBe(201);
    const batch = (
      await orgApi(info, 'POST', '/composite/sobjects', { allOrNone: false, records: contacts(0, 200) })
    ).json as Item[];
    const [kept, gone] = batch.map((r) => r.id) as [string, string];
    expect((await orgApi(info, 'PATCH', `/sobjects/Contact/${kept}`, { Title: 'Updated' })).status).toBe(204);
    expect((await orgApi(info, 'DELETE', `/sobjects/Contact/${gone}`)).status).toBe(204);
    // allOrNone with one bad record: the good one was given an Id, then rolled back.
    const rolledBack = (
      await orgApi(info, 'POST', '/composite/sobjects', {
        allOrNone: true,
        records: [...contacts(900, 1), { attributes: { type: 'Contact' } }],
      })
    ).json as Item[];
    const rolledBackId = rolledBack[0]?.id as string;
    expect(rolledBackId).toMatch(/^003/);
    await first.stop('SIGKILL');

    const second = await startOrgProcess(['--data', file]);
    try {
      const accounts = await queryAll(second.info, 'SELECT Id, Name FROM Account');
      expect(accounts.map((a) => a.Name).sort()).toEqual(['Bulk One', 'Bulk Two', 'Single']);
      expect(accounts.find((a) => a.Name === 'Single')?.Id).toBe(single.id);
      const live = await queryAll(
        second.info,
        'SELECT Id, Title, External_Id__c, IsDeleted FROM Contact',
        true,
      );
      const byId = new Map(live.map((r) => [r.Id as string, r]));
      for (const item of batch) expect(byId.has(item.id as string)).toBe(true);
      expect(byId.get(kept)?.Title).toBe('Updated');
      expect(byId.get(gone)?.IsDeleted).toBe(true);
      expect(byId.get((upserted.json as { id: string }).id)?.External_Id__c).toBe('EXT-1');
      expect(byId.has(rolledBackId)).toBe(false);

      const before = new Set([...byId.keys(), rolledBackId, ...accounts.map((a) => a.Id as string)]);
      const fresh = (
        await orgApi(second.info, 'POST', '/composite/sobjects', {
          allOrNone: false,
          records: contacts(1000, 5),
        })
      ).json as Item[];
      const account = (await orgApi(second.info, 'POST', '/sobjects/Account', { Name: 'After' })).json as {
        id: string;
      };
      for (const id of [...fresh.map((r) => r.id as string), account.id]) expect(before.has(id)).toBe(false);
      expect(await bulkInsert(second.info, ['Bulk Three'])).not.toBe(jobId);
    } finally {
      await second.stop();
    }
  });

  it('loses no acknowledged record when killed in the middle of a load', async () => {
    const file = dataFile();
    const first = await startOrgProcess(['--data', file]);
    const acknowledged: string[] = [];
    let sent = 0;
    let killed: Promise<void> | null = null;
    // Four clients send 200-record calls until the org has acknowledged 2,000 records, then it is killed
    // while the other calls are in flight.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!killed) {
          const from = (sent += 200);
          try {
            const items = (
              await orgApi(first.info, 'POST', '/composite/sobjects', {
                allOrNone: false,
                records: contacts(from, 200),
              })
            ).json as Item[];
            acknowledged.push(...items.map((r) => r.id as string));
          } catch {
            break; // the org is gone: this call was never acknowledged
          }
          if (acknowledged.length >= 2000) killed ??= first.stop('SIGKILL');
        }
      }),
    );
    await killed;

    const second = await startOrgProcess(['--data', file]);
    try {
      const found = await allIds(second.info, 'Contact');
      expect(acknowledged.filter((id) => !found.has(id))).toEqual([]);
      const fresh = (
        await orgApi(second.info, 'POST', '/composite/sobjects', {
          allOrNone: false,
          records: contacts(0, 200),
        })
      ).json as Item[];
      expect(fresh.filter((r) => found.has(r.id as string) || acknowledged.includes(r.id as string))).toEqual(
        [],
      );
    } finally {
      await second.stop();
    }
  });

  it('ignores a torn last line, says so, and cuts it off before appending', async () => {
    const file = dataFile();
    // In this process: the torn line is written by the test, the org before it needs no kill to leave its file.
    const first = await startEmulator({ port: 0, dataFile: file });
    const created = await orgApi(
      { instanceUrl: first.instanceUrl, accessToken: first.accessToken },
      'POST',
      '/sobjects/Account',
      { Name: 'Before the tear' },
    );
    await first.close();
    const torn = '{"records":[{"o":"Account","live":{"Id":"001';
    fs.appendFileSync(file, torn);

    const second = await startEmulator({ port: 0, dataFile: file });
    expect(second.notices).toEqual([
      `Ignored the last ${torn.length} bytes of ${file}: an incomplete change left by a stop mid-write, never acknowledged.`,
    ]);
    const info = { instanceUrl: second.instanceUrl, accessToken: second.accessToken };
    const after = await orgApi(info, 'POST', '/sobjects/Account', { Name: 'After the tear' });
    await second.close();

    // The new line went where the torn one was, not after it (which would make it a bad line in the middle).
    const third = await startEmulator({ port: 0, dataFile: file });
    try {
      expect(third.notices).toEqual([]);
      const names = await queryAll(
        { instanceUrl: third.instanceUrl, accessToken: third.accessToken },
        'SELECT Id, Name FROM Account',
      );
      expect(names).toMatchObject([
        { Id: (created.json as { id: string }).id, Name: 'Before the tear' },
        { Id: (after.json as { id: string }).id, Name: 'After the tear' },
      ]);
    } finally {
      await third.close();
    }
  });

  it('refuses a malformed line that is not the last one with DATA_FILE_INVALID, naming the file and line', async () => {
    const file = dataFile();
    const org = await startEmulator({ port: 0, dataFile: file });
    await orgApi(
      { instanceUrl: org.instanceUrl, accessToken: org.accessToken },
      'POST',
      '/sobjects/Account',
      {
        Name: 'Fine',
      },
    );
    await org.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const cases: Array<[string, RegExp]> = [
      [
        '{"records":[{"o":"Account","live":{"Name":"no id"}}]}',
        /line 2: "live" must be a record with its 18-character Id/,
      ],
      ['{"records": [', /line 2: not valid JSON/],
    ];
    for (const [bad, message] of cases) {
      fs.writeFileSync(file, [lines[0], bad, ...lines.slice(1)].join('\n'));
      const deps = createTestDeps();
      expect(await main(['emulator', '--port', '0', '--data', file, '--json'], deps)).toBe(1);
      const { error } = JSON.parse(deps.io.stdoutText) as {
        error: { code: string; message: string; hint: string };
      };
      expect(error.code).toBe('DATA_FILE_INVALID');
      expect(error.message).toContain(`--data ${file}, line 2:`);
      expect(error.message).toMatch(message);
      expect(error.hint).toContain('delete line 2');
    }

    fs.writeFileSync(file, 'Name,Email\nAda,ada@example.com\n');
    const deps = createTestDeps();
    expect(await main(['emulator', '--port', '0', '--data', file], deps)).toBe(1);
    expect(deps.io.stderrText).toContain(`--data ${file}, line 1: not valid JSON`);
  });

  it('refuses a data file another running org holds (DATA_FILE_LOCKED), and takes over the lock of a killed one', async () => {
    const file = dataFile();
    const running = await startOrgProcess(['--data', file]);
    const refused = createTestDeps();
    expect(await main(['emulator', '--port', '0', '--data', file, '--json'], refused)).toBe(1);
    expect(JSON.parse(refused.io.stdoutText).error).toMatchObject({
      code: 'DATA_FILE_LOCKED',
      message: `--data ${file} is in use by another local org (process ${running.child.pid}).`,
    });
    await running.stop('SIGKILL');
    expect(fs.existsSync(`${file}.lock`)).toBe(true);
    const org = await startEmulator({ port: 0, dataFile: file });
    await expect(startEmulator({ port: 0, dataFile: file })).rejects.toThrow(
      /is in use by another local org/,
    );
    await org.close();
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('converts a data file of the earlier format, keeping every record, Id and the recycle bin', async () => {
    const file = dataFile();
    const id = (prefix: string, n: number): string => to18(`${prefix}5g0${String(n).padStart(9, '0')}`);
    const row = (o: Record<string, unknown>): Record<string, unknown> => ({
      IsDeleted: false,
      CreatedDate: '2026-01-01T00:00:00.000+0000',
      LastModifiedDate: '2026-01-01T00:00:00.000+0000',
      SystemModstamp: '2026-01-01T00:00:00.000+0000',
      ...o,
    });
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        objects: {
          Account: { live: [row({ Id: id('001', 7), Name: 'Old Account' })], deleted: [] },
          Contact: {
            live: [row({ Id: id('003', 3), LastName: 'Old', Name: 'Old' })],
            deleted: [row({ Id: id('003', 9), LastName: 'Binned', Name: 'Binned', IsDeleted: true })],
          },
          // An object this start's schema lacks (a --schema left out) is kept, not dropped.
          Invoice__c: { live: [row({ Id: id('a01', 4), Name: 'INV-4' })], deleted: [] },
        },
      }),
      { mode: 0o600 },
    );
    const org = await startEmulator({ port: 0, dataFile: file });
    const info = { instanceUrl: org.instanceUrl, accessToken: org.accessToken };
    try {
      expect(org.notices).toEqual([`Converted ${file} to the append-only format of this sfsync version.`]);
      expect(fs.readFileSync(file, 'utf8')).toMatch(/^\{"format":"sfsync-emulator-data","version":2\}\n/);
      expect(await queryAll(info, 'SELECT Id, Name FROM Account')).toMatchObject([{ Id: id('001', 7) }]);
      expect(await queryAll(info, 'SELECT Id, IsDeleted FROM Contact', true)).toMatchObject([
        { Id: id('003', 3), IsDeleted: false },
        { Id: id('003', 9), IsDeleted: true },
      ]);
      const next = (await orgApi(info, 'POST', '/sobjects/Contact', { LastName: 'New' })).json as {
        id: string;
      };
      expect(next.id).toBe(to18('0035g000000000A')); // the 10th (base 62), after the 9th in the recycle bin
    } finally {
      await org.close();
    }
    const withSchema = await startEmulator({
      port: 0,
      dataFile: file,
      // Custom objects take key prefixes in order: Project__c a00, then Invoice__c a01.
      schemas: [{ objects: [{ name: 'Invoice__c', fields: [] }] }],
    });
    try {
      expect(withSchema.store.find(id('a01', 4))?.row).toMatchObject({ Name: 'INV-4' });
    } finally {
      await withSchema.close();
    }
  });

  it('compacts the log once it holds far more changes than records, and reads back the last state', async () => {
    const file = dataFile();
    const org = await startEmulator({ port: 0, dataFile: file });
    const info = { instanceUrl: org.instanceUrl, accessToken: org.accessToken };
    const created = (
      await orgApi(info, 'POST', '/composite/sobjects', { allOrNone: false, records: contacts(0, 200) })
    ).json as Item[];
    // 200 records changed 60 times: over 12,000 entries, past twice the records plus the slack (10,406). Changed in
    // the org's store, as its API would change them (60 calls of 200 records cost half a second more): each round is
    // one appended line, written on the turn after its changes, as after an API answer.
    for (let round = 1; round <= 60; round++) {
      for (const r of created)
        expect(org.store.update(r.id as string, { Title: `Round ${round}` }, 'Contact').ok).toBe(true);
      await new Promise((turn) => setImmediate(turn));
    }
    await org.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines[0]).toBe('{"format":"sfsync-emulator-data","version":2}');
    const entries = lines
      .slice(1)
      .reduce((n, line) => n + ((JSON.parse(line) as { records?: unknown[] }).records?.length ?? 0), 0);
    expect(entries).toBeLessThan(2 * 203 + 10_000);

    const again = await startEmulator({ port: 0, dataFile: file });
    try {
      const titles = await queryAll(
        { instanceUrl: again.instanceUrl, accessToken: again.accessToken },
        'SELECT Title FROM Contact',
      );
      expect(titles).toHaveLength(200);
      expect(new Set(titles.map((t) => t.Title))).toEqual(new Set(['Round 60']));
    } finally {
      await again.close();
    }
  });
});
