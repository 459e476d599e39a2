import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { createTestDeps } from './helpers/test-deps.js';
import { readResultCsv } from './helpers/sync-env.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({
    port: 0,
    schemas: [
      {
        fields: {
          Contact: [
            { name: 'Level__c', type: 'picklist', values: ['Gold', 'Silver'], restricted: true },
            { name: 'Score__c', type: 'double', precision: 5, scale: 2 },
          ],
        },
      },
    ],
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-predict-'));
});
afterAll(async () => org.close());

interface Run {
  code: number;
  counts: Record<string, number>;
  failures: Array<Record<string, string>>;
}

async function sync(operation: string, file: string, args: string[], dryRun: boolean): Promise<Run> {
  const out = path.join(dir, 'out', `${file}-${operation}-${dryRun ? 'dry' : 'real'}`);
  const deps = createTestDeps({
    cwd: dir,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
  const code = await main(
    [
      operation,
      file,
      '--object',
      'Contact',
      '--json',
      '--results',
      out,
      ...args,
      ...(dryRun ? ['--dry-run'] : []),
    ],
    deps,
  );
  const result = JSON.parse(deps.io.stdoutText).result;
  const failures = path.join(out, dryRun ? 'rejected.csv' : 'failures.csv');
  return { code, counts: result.counts, failures: fs.existsSync(failures) ? readResultCsv(failures) : [] };
}

const write = (name: string, text: string): void => fs.writeFileSync(path.join(dir, name), text);
/** Failed lines and their codes, in line order (records failed while mapping are written before a batch's). */
const codes = (r: Run): Array<[string, string]> =>
  r.failures
    .map((f): [string, string] => [f.line as string, f.error_code as string])
    .sort((a, b) => Number(a[0]) - Number(b[0]));

describe('a dry run predicts the real run', () => {
  it('reports every problem of a record at once, with Salesforce error codes, and its counts equal the real run', async () => {
    write(
      'messy.csv',
      [
        'LastName,Email,Title,Level__c,Birthdate,Score__c',
        'Valid,valid@p.test,Boss,Gold,1990-01-02,12.5',
        `,not-an-address,${'T'.repeat(200)},Platinum,1990-01-02,1`,
        ',blank@p.test,,,,',
        'Date,date@p.test,,,31/12/1990,',
        'Range,range@p.test,,,,12345',
      ].join('\n'),
    );
    const dry = await sync('create', 'messy.csv', [], true);
    expect(dry.code).toBe(2);
    expect(dry.counts).toMatchObject({ total: 5, created: 1, failed: 4 });
    expect(codes(dry)).toEqual([
      ['3', 'INVALID_EMAIL_ADDRESS'],
      ['4', 'REQUIRED_FIELD_MISSING'],
      ['5', 'VALUE_INVALID'],
      ['6', 'NUMBER_OUTSIDE_VALID_RANGE'],
    ]);
    const line3 = dry.failures.find((f) => f.line === '3') as Record<string, string>;
    expect(line3.error_message).toContain(
      'INVALID_EMAIL_ADDRESS: Email: "not-an-address" is not an email address',
    );
    expect(line3.error_message).toContain(
      "STRING_TOO_LONG: Title: the value has 200 characters, more than the field's 128",
    );
    expect(line3.error_message).toContain('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Level__c: "Platinum"');
    expect(line3.error_message).toContain('REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]');
    expect(line3.error_fields).toBe('Email;Title;Level__c;LastName');
    expect(dry.failures.find((f) => f.line === '4')).toMatchObject({
      error_message: 'Required fields are missing: [LastName]',
      error_fields: 'LastName',
    });

    const real = await sync('create', 'messy.csv', [], false);
    expect(real.counts).toEqual(dry.counts);
    expect(codes(real)).toEqual(codes(dry));
  });

  it('for an upsert, requires fields only of the records that would be created', async () => {
    write('seed.csv', 'LastName,Email\nKnown,known@p.test\n');
    expect((await sync('create', 'seed.csv', [], false)).code).toBe(0);
    write('up.csv', 'LastName,Email\n,known@p.test\n,unknown@p.test\nNamed,named@p.test\n');
    const dry = await sync('upsert', 'up.csv', ['--match', 'Email'], true);
    expect(dry.counts).toMatchObject({ total: 3, created: 1, unchanged: 1, failed: 1 });
    expect(codes(dry)).toEqual([['3', 'REQUIRED_FIELD_MISSING']]);
    const real = await sync('upsert', 'up.csv', ['--match', 'Email'], false);
    expect(real.counts).toEqual(dry.counts);
    expect(codes(real)).toEqual(codes(dry));
  });

  it('exits as the real run does when the only problems are blank rows (a sync, and a plan)', async () => {
    write('bl.csv', 'LastName,Email\nBlank,blank-row@p.test\n,\n');
    const dry = await sync('upsert', 'bl.csv', ['--match', 'Email'], true);
    expect(dry.counts).toMatchObject({ total: 2, created: 1, skipped: 1 });
    const real = await sync('upsert', 'bl.csv', ['--match', 'Email'], false);
    expect(real.counts).toEqual(dry.counts);
    expect([dry.code, real.code]).toEqual([2, 2]);

    write(
      'bl.yaml',
      'steps:\n  - name: contacts\n    file: bl.csv\n    object: Contact\n    operation: upsert\n    match: Email\n' +
        '    mapping:\n      fields:\n        LastName: LastName\n        Email: Email\n',
    );
    const plan = async (dryRun: boolean): Promise<[number, boolean]> => {
      const deps = createTestDeps({
        cwd: dir,
        env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
      });
      const out = path.join(dir, 'out', `bl-plan-${dryRun ? 'dry' : 'real'}`);
      const args = ['run', 'bl.yaml', '--json', '--results', out, ...(dryRun ? ['--dry-run'] : [])];
      const code = await main(args, deps);
      return [code, JSON.parse(deps.io.stdoutText).ok as boolean];
    };
    expect(await plan(true)).toEqual([2, false]);
    expect(await plan(false)).toEqual([2, false]);
  });

  it('predicts an update that would empty a required field (nulls: clear)', async () => {
    write(
      'clear.yaml',
      'object: Contact\nfields:\n  LastName: { column: LastName, nulls: clear }\n  Email: Email\n',
    );
    write('clear.csv', 'LastName,Email\n,known@p.test\n');
    const dry = await sync('update', 'clear.csv', ['--match', 'Email', '--mapping', 'clear.yaml'], true);
    expect(codes(dry)).toEqual([['2', 'REQUIRED_FIELD_MISSING']]);
    const real = await sync('update', 'clear.csv', ['--match', 'Email', '--mapping', 'clear.yaml'], false);
    expect(real.counts).toEqual(dry.counts);
    expect(codes(real)).toEqual(codes(dry));
  });

  it('a key repeated on identical rows: later rows unchanged when each batch is read, updated when exported', async () => {
    const rows = (n: number, tag: string): string => {
      const body = Array.from({ length: n }, (_, i) => `${tag} ${i},${tag}${i}@rep.test`);
      return [
        'LastName,Email',
        `${tag} twin,${tag}twin@rep.test`,
        ...body,
        `${tag} twin,${tag}twin@rep.test`,
      ].join('\n');
    };
    // 3 rows: read batch by batch (the later row finds the record as created); 3,002: one match export first.
    for (const [tag, n] of [
      ['small', 1],
      ['exported', 3000],
    ] as const) {
      write(`${tag}.csv`, rows(n, tag));
      const dry = await sync('upsert', `${tag}.csv`, ['--match', 'Email'], true);
      const real = await sync('upsert', `${tag}.csv`, ['--match', 'Email'], false);
      expect([tag, dry.counts]).toEqual([tag, real.counts]);
      const summary = path.join(dir, 'out', `${tag}.csv-upsert-real`, 'summary.json');
      expect(JSON.parse(fs.readFileSync(summary, 'utf8')).matchExport === null).toBe(tag === 'small');
    }
  });
});
