import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { createTestDeps, type TestDeps } from './helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-export-'));
  fs.writeFileSync(
    path.join(dir, 'accounts.csv'),
    'Name,NumberOfEmployees,AnnualRevenue\n"Acme, Inc.",120,1500000.5\nGlobex,,\n',
  );
  fs.writeFileSync(
    path.join(dir, 'contacts.csv'),
    [
      'LastName,FirstName,Email,Phone,HasOptedOutOfEmail',
      'Lovelace,Ada,ada@export.test,"+1 (555) 010-0800",true',
      'Hopper,Grace,grace@export.test,,false',
      '"O\'Neil, Jr.",Shaq,shaq@export.test,=1+2,false',
      'Gone,Soon,gone@export.test,,false',
    ].join('\n'),
  );
  expect(await main(['create', 'accounts.csv', '--object', 'Account'], deps())).toBe(0);
  expect(await main(['create', 'contacts.csv', '--object', 'Contact'], deps())).toBe(0);
});
afterAll(async () => org.close());

function deps(): TestDeps {
  return createTestDeps({
    cwd: dir,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const d = deps();
  const code = await main(argv, d);
  return { code, out: d.io.stdoutText, err: d.io.stderrText };
}

const read = (file: string): string => fs.readFileSync(path.join(dir, file), 'utf8');
const sortedLines = (text: string): string[] => {
  const [header, ...rows] = text.trimEnd().split('\n');
  return [header as string, ...rows.sort()];
};

describe('sfsync export', () => {
  it('writes a query as CSV with the API names spelled as Salesforce does, relationship fields flattened', async () => {
    const r = await run([
      'export',
      "select lastname, email, phone, account.name from contact where email like '%@export.test' order by email",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'LastName,Email,Phone,Account.Name',
        'Lovelace,ada@export.test,+1 (555) 010-0800,',
        'Gone,gone@export.test,,',
        'Hopper,grace@export.test,,',
        // Data is written as Salesforce holds it: no spreadsheet guard, so the file loads back unchanged.
        '"O\'Neil, Jr.",shaq@export.test,=1+2,',
        '',
      ].join('\n'),
    );
    // With records on standard output, what was written is said on stderr.
    expect(r.err).toMatch(/^Exported 4 Contact records \(4 columns, CSV\) to standard output through REST/);
  });

  it('gives the same file through a Bulk API 2.0 query job as through REST', async () => {
    const args = ['export', '--object', 'Contact', '--fields', 'Id,LastName,Email,Phone,HasOptedOutOfEmail'];
    expect((await run([...args, '--api', 'rest', '-o', 'rest.csv'])).code).toBe(0);
    const bulk = await run([...args, '--api', 'bulk', '-o', 'bulk.csv', '--json']);
    expect(bulk.code).toBe(0);
    expect(JSON.parse(bulk.out).result).toMatchObject({ api: 'bulk', records: 4, format: 'csv' });
    expect(sortedLines(read('bulk.csv'))).toEqual(sortedLines(read('rest.csv')));
    expect(read('rest.csv')).toContain(',true\n');
    expect(fs.statSync(path.join(dir, 'rest.csv')).mode & 0o777).toBe(0o600);
  });

  it('keeps the types of values in NDJSON, the same through REST and Bulk', async () => {
    const args = ['export', '--object', 'Account', '--fields', 'Name,NumberOfEmployees,AnnualRevenue'];
    expect((await run([...args, '--api', 'rest', '-o', 'accounts.ndjson'])).code).toBe(0);
    expect((await run([...args, '--api', 'bulk', '-o', 'accounts-bulk.ndjson'])).code).toBe(0);
    const rows = (file: string) =>
      read(file)
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l))
        .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    expect(rows('accounts.ndjson')).toEqual([
      { Name: 'Acme, Inc.', NumberOfEmployees: 120, AnnualRevenue: 1500000.5 },
      { Name: 'Globex', NumberOfEmployees: null, AnnualRevenue: null },
    ]);
    expect(rows('accounts-bulk.ndjson')).toEqual(rows('accounts.ndjson'));
    const flags = ['export', "SELECT Name, HasOptedOutOfEmail FROM Contact WHERE Email = 'ada@export.test'"];
    for (const api of ['rest', 'bulk'])
      expect(JSON.parse((await run([...flags, '--format', 'ndjson', '--api', api])).out)).toEqual({
        Name: 'Ada Lovelace',
        HasOptedOutOfEmail: true,
      });
  });

  it('round-trips: an exported file, edited in one cell, loads back with no mapping and changes only that', async () => {
    const fields = 'Id,FirstName,LastName,Email,Phone,HasOptedOutOfEmail';
    expect((await run(['export', '--object', 'Contact', '--fields', fields, '-o', 'before.csv'])).code).toBe(
      0,
    );
    const edited = read('before.csv').replace('Hopper', 'Hopper-Murray');
    fs.writeFileSync(path.join(dir, 'edited.csv'), edited);
    const update = await run(['update', 'edited.csv', '--object', 'Contact']);
    // Nothing but progress (a plain '… ' line every 5 s off a terminal, which a loaded machine can reach).
    expect(update.err.split('\n').filter((l) => l !== '' && !l.startsWith('… '))).toEqual([]);
    expect(update.code).toBe(0);
    expect((await run(['export', '--object', 'Contact', '--fields', fields, '-o', 'after.csv'])).code).toBe(
      0,
    );
    expect(sortedLines(read('after.csv'))).toEqual(sortedLines(edited));
  });

  it('includes deleted records only with --all-rows (queryAll), through REST and Bulk', async () => {
    fs.writeFileSync(path.join(dir, 'gone.csv'), 'Email\ngone@export.test\n');
    expect((await run(['delete', 'gone.csv', '--object', 'Contact', '--match', 'Email'])).code).toBe(0);
    const soql = "SELECT Email, IsDeleted FROM Contact WHERE Email = 'gone@export.test'";
    expect((await run(['export', soql])).out).toBe('Email,IsDeleted\n');
    for (const api of ['rest', 'bulk']) {
      const all = await run(['export', soql, '--all-rows', '--api', api]);
      expect(all.out).toBe('Email,IsDeleted\ngone@export.test,true\n');
    }
  });

  it('refuses what it cannot do well, before writing, and leaves no file behind a failed export', async () => {
    fs.writeFileSync(path.join(dir, 'kept.csv'), 'precious\n');
    const exists = await run(['export', '--object', 'Contact', '-o', 'kept.csv']);
    expect(exists.code).toBe(1);
    expect(exists.err).toContain('kept.csv exists already');
    expect(exists.err).toContain('--force');
    expect(read('kept.csv')).toBe('precious\n');

    const json = await run(['export', '--object', 'Contact', '--json']);
    expect(JSON.parse(json.out).error).toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('-o FILE'),
    });

    const both = await run(['export', 'SELECT Id FROM Contact', '--object', 'Contact']);
    expect(both.err).toContain('either a SOQL query or --object');

    const count = await run(['export', 'SELECT COUNT() FROM Contact']);
    expect(count.code).toBe(1);
    expect(count.err).toContain('COUNT() answers a number');

    const sub = await run(['export', 'SELECT Id, (SELECT Id FROM Contacts) FROM Account']);
    expect(sub.err).toContain('cannot be flattened into CSV columns');

    const bad = await run(['export', 'SELECT Id, Nope__c FROM Contact', '-o', 'bad.csv', '--api', 'bulk']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('Error: INVALID_FIELD: ');
    expect(bad.err).toContain('Nothing was written to');
    expect(fs.readdirSync(dir).filter((f) => f.includes('bad.csv'))).toEqual([]);
  });

  it('Ctrl-C drops the rows written so far with the temporary file and exits 130', async () => {
    const d = deps();
    // The signal comes while the export asks for the object's fields: it stops before any row is kept.
    let signalled = false;
    Object.assign(d, {
      connect: async (o: Parameters<TestDeps['connect']>[0]) => {
        const client = await deps().connect(o);
        return {
          ...client,
          describe: async (name: string) => (
            signalled || d.interrupt('SIGINT'),
            (signalled = true),
            client.describe(name)
          ),
        };
      },
    });
    const code = await main(['export', 'SELECT Id, Email FROM Contact', '-o', 'stopped.csv'], d);
    expect(code).toBe(130);
    expect(d.io.stderrText).toContain('Export stopped by SIGINT: nothing was written to');
    expect(fs.readdirSync(dir).filter((f) => f.includes('stopped.csv'))).toEqual([]);
  });
});
