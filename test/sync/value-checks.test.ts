import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { readResultCsv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';

let org: Emulator;
let dir: string;

beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-values-'));
});
afterAll(async () => org.close());

function deps() {
  return createTestDeps({
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    cwd: dir,
  });
}

function write(name: string, content: string): void {
  fs.writeFileSync(path.join(dir, name), content);
}

async function revenues(prefix: string): Promise<Record<string, unknown>> {
  const res = await fetch(
    `${org.instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Name, AnnualRevenue FROM Account WHERE Name LIKE '${prefix}%'`)}`,
    { headers: { Authorization: `Bearer ${org.accessToken}` } },
  );
  const body = (await res.json()) as { records: Array<{ Name: string; AnnualRevenue: unknown }> };
  return Object.fromEntries(body.records.map((r) => [r.Name, r.AnnualRevenue]));
}

describe('number transforms read a value whole or fail the record', () => {
  it('writes what reads as a number, and fails every other value with VALUE_INVALID naming field, value and shape', async () => {
    write(
      'amounts.csv',
      [
        'Name,Revenue',
        'N-exp,1e3',
        'N-eu,"1.234,50"',
        'N-spaced,"€ 1 234,50"',
        'N-paren,"(1,000.00)"',
        'N-mixed,12abc34',
        'N-word,abc',
        'N-plain,"-$1,234.50"',
        'N-empty,',
        '',
      ].join('\n'),
    );
    write(
      'amounts.yaml',
      'object: Account\nfields:\n  Name: Name\n  AnnualRevenue: { column: Revenue, transform: number }\n',
    );
    const d = deps();
    const code = await main(
      ['create', 'amounts.csv', '--mapping', 'amounts.yaml', '--json', '--results', 'out/amounts'],
      d,
    );
    expect(code).toBe(2);
    expect(JSON.parse(d.io.stdoutText).result.counts).toMatchObject({ total: 8, created: 4, failed: 4 });
    expect(await revenues('N-')).toEqual({
      'N-exp': 1000,
      'N-paren': -1000,
      'N-plain': -1234.5,
      'N-empty': null,
    });
    const failures = readResultCsv(path.join(dir, 'out/amounts/failures.csv'));
    expect(failures.map((f) => [f.line, f.error_code])).toEqual([
      ['3', 'VALUE_INVALID'],
      ['4', 'VALUE_INVALID'],
      ['6', 'VALUE_INVALID'],
      ['7', 'VALUE_INVALID'],
    ]);
    const word = failures.find((f) => f.line === '7');
    expect(word?.error_message).toContain(
      'AnnualRevenue: "abc" is not a number as transform number reads it',
    );
    expect(word?.error_message).toContain('"." before the decimals');
    for (const f of failures) expect(f.error_message).not.toContain('use transform: number');
  });

  it('number-comma reads a decimal comma and refuses a decimal point', async () => {
    write('eu.csv', 'Name,Revenue\nC-spaced,"€ 1 234,50"\nC-point,1.5\nC-neg,"-7,25"\n');
    write(
      'eu.yaml',
      'object: Account\nfields:\n  Name: Name\n  AnnualRevenue: { column: Revenue, transform: number-comma }\n',
    );
    const d = deps();
    const code = await main(['create', 'eu.csv', '--mapping', 'eu.yaml', '--json', '--results', 'out/eu'], d);
    expect(code).toBe(2);
    expect(await revenues('C-')).toEqual({ 'C-spaced': 1234.5, 'C-neg': -7.25 });
    const failures = readResultCsv(path.join(dir, 'out/eu/failures.csv'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error_message).toContain('"1.5" is not a number as transform number-comma reads it');
  });
});

describe('a mapping column missing from the CSV header', () => {
  it('refuses the sync and its dry run before writing, naming every missing column with a did-you-mean', async () => {
    write('people.csv', 'Last Name,E-mail,Phone\nColumnCheck,cc@cols.test,555\n');
    write(
      'people.yaml',
      [
        'object: Contact',
        'match: Email',
        'fields:',
        '  LastName: Last Name',
        '  Email: E-mial',
        '  Phone: Phnoe',
        "  Description: { template: '{Last Name} from {Sorce}' }",
        '',
      ].join('\n'),
    );
    for (const extra of [[], ['--dry-run']]) {
      const d = deps();
      const code = await main(['upsert', 'people.csv', '--mapping', 'people.yaml', ...extra], d);
      expect(code).toBe(1);
      expect(d.io.stderrText).toContain('nothing was written');
      expect(d.io.stderrText).toContain(
        'fields.Email: the file has no column "E-mial"; did you mean "E-mail"?',
      );
      expect(d.io.stderrText).toContain(
        'fields.Phone: the file has no column "Phnoe"; did you mean "Phone"?',
      );
      expect(d.io.stderrText).toContain('fields.Description.template: the file has no column "Sorce"');
    }
    const res = await fetch(
      `${org.instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent("SELECT Id FROM Contact WHERE LastName = 'ColumnCheck'")}`,
      { headers: { Authorization: `Bearer ${org.accessToken}` } },
    );
    expect(((await res.json()) as { totalSize: number }).totalSize).toBe(0);
  });

  it('says when the header was read with the wrong delimiter, and which --delimiter to pass', async () => {
    write('semi.csv', 'Last Name;E-mail\nSemi;semi@cols.test\n');
    write('semi.yaml', 'object: Contact\nmatch: Email\nfields:\n  LastName: Last Name\n  Email: E-mail\n');
    const d = deps();
    const code = await main(
      ['upsert', 'semi.csv', '--mapping', 'semi.yaml', '--delimiter', ',', '--dry-run'],
      d,
    );
    expect(code).toBe(1);
    expect(d.io.stderrText).toContain('the header looks like it uses another delimiter (";")');
    expect(d.io.stderrText).toContain("pass --delimiter ';'");
    // The same file with the right delimiter goes through.
    const ok = deps();
    expect(
      await main(['upsert', 'semi.csv', '--mapping', 'semi.yaml', '--delimiter', ';', '--dry-run'], ok),
    ).toBe(0);
  });
});

describe('the failures file of an NDJSON run fed back', () => {
  it('reads each input cell as the JSON record, and fails a cell that is not JSON alone', async () => {
    write(
      'signups.ndjson',
      [
        '{"email":"fb1@feed.test","name":{"last":"FeedOne"}}',
        '{"email":"fb2@feed","name":{"last":"FeedTwo"}}',
        '{"email":"fb3@feed","name":{"last":"FeedThree"}}',
        '',
      ].join('\n'),
    );
    write('signups.yaml', 'object: Contact\nmatch: Email\nfields:\n  Email: email\n  LastName: name.last\n');
    const first = deps();
    const args = ['--mapping', 'signups.yaml', '--json'];
    expect(await main(['upsert', 'signups.ndjson', ...args, '--results', 'out/signups'], first)).toBe(2);
    const failures = fs.readFileSync(path.join(dir, 'out/signups/failures.csv'), 'utf8');
    expect(readResultCsv(path.join(dir, 'out/signups/failures.csv')).map((f) => f.error_code)).toEqual([
      'INVALID_EMAIL_ADDRESS',
      'INVALID_EMAIL_ADDRESS',
    ]);
    // The user fixes one address and breaks the JSON of the other.
    const fixed = failures
      .replaceAll('""fb3@feed""', '""fb3@feed.test""')
      .replace('{""email"":""fb2@feed""', '{email"":""fb2@feed""');
    write('again.csv', fixed);
    const again = deps();
    expect(await main(['upsert', 'again.csv', ...args, '--results', 'out/again'], again)).toBe(2);
    expect(JSON.parse(again.io.stdoutText).result.counts).toMatchObject({ total: 2, created: 1, failed: 1 });
    const left = readResultCsv(path.join(dir, 'out/again/failures.csv'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ line: '2', error_code: 'NDJSON_INVALID' });
    expect(left[0]?.error_message).toContain('The input column does not hold a JSON record');
    const res = await fetch(
      `${org.instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent("SELECT LastName, Email FROM Contact WHERE LastName LIKE 'Feed%'")}`,
      { headers: { Authorization: `Bearer ${org.accessToken}` } },
    );
    const rows = ((await res.json()) as { records: Array<Record<string, unknown>> }).records;
    expect(rows.map((r) => [r.LastName, r.Email]).sort()).toEqual([
      ['FeedOne', 'fb1@feed.test'],
      ['FeedThree', 'fb3@feed.test'],
    ]);
  });
});

describe('every problem of a record', () => {
  it('reports a blank match key, a blank required field and a bad date together, each counted by cause', async () => {
    write('problems.csv', 'Last,Mail,Born\nProbs,,1990-13-45\nFine,fine@every.test,1990-01-02\n');
    write(
      'problems.yaml',
      'object: Contact\nmatch: Email\nfields:\n  LastName: Last\n  Email: Mail\n  Birthdate: Born\n',
    );
    for (const dry of [false, true]) {
      const d = deps();
      const out = `out/problems-${dry}`;
      const args = ['upsert', 'problems.csv', '--mapping', 'problems.yaml', '--json', '--results', out];
      expect(await main(dry ? [...args, '--dry-run'] : args, d)).toBe(2);
      const rows = readResultCsv(path.join(dir, out, dry ? 'rejected.csv' : 'failures.csv'));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        line: '2',
        error_code: 'VALUE_INVALID',
        error_fields: 'Birthdate;Email',
      });
      expect(rows[0]?.error_message).toMatch(/^VALUE_INVALID: Birthdate: .*; MATCH_KEY_EMPTY: The match key/);
      const byCode = JSON.parse(d.io.stdoutText).result.failuresByCode as Array<{
        code: string;
        count: number;
      }>;
      expect(byCode.map((c) => [c.code, c.count])).toEqual([
        ['VALUE_INVALID', 1],
        ['MATCH_KEY_EMPTY', 1],
      ]);
    }
    write('problems-create.csv', 'Last,Mail,Born\n,nolast@every.test,not a date\n');
    write(
      'problems-create.yaml',
      'object: Contact\nfields:\n  LastName: Last\n  Email: Mail\n  Birthdate: Born\n',
    );
    const d = deps();
    const args = ['create', 'problems-create.csv', '--mapping', 'problems-create.yaml', '--json'];
    expect(await main([...args, '--results', 'out/problems-create'], d)).toBe(2);
    const rows = readResultCsv(path.join(dir, 'out/problems-create/failures.csv'));
    expect(rows[0]?.error_message).toContain(
      'REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]',
    );
    const byCode = JSON.parse(d.io.stdoutText).result.failuresByCode as Array<{
      code: string;
      count: number;
    }>;
    expect(byCode.map((c) => [c.code, c.count])).toEqual([
      ['VALUE_INVALID', 1],
      ['REQUIRED_FIELD_MISSING', 1],
    ]);
  });

  it('a match field whose value was refused is not also reported blank', async () => {
    write('badmail.csv', 'Last,Mail\nBadMail,not-an-address\n');
    write('badmail.yaml', 'object: Contact\nmatch: Email\nfields:\n  LastName: Last\n  Email: Mail\n');
    const d = deps();
    expect(
      await main(
        ['upsert', 'badmail.csv', '--mapping', 'badmail.yaml', '--json', '--results', 'out/badmail'],
        d,
      ),
    ).toBe(2);
    const byCode = JSON.parse(d.io.stdoutText).result.failuresByCode as Array<{ code: string }>;
    expect(byCode.map((c) => c.code)).toEqual(['INVALID_EMAIL_ADDRESS']);
  });
});

describe('columns that are not fields of the object', () => {
  it('are refused before anything is written, in a sentence that names the file', async () => {
    write('ro-columns.csv', 'LastName,Email,CreatedDate,Nope__c\nRo,ro@values.test,2026-01-01T00:00:00Z,x\n');
    const d = deps();
    expect(await main(['create', 'ro-columns.csv', '--object', 'Contact'], d)).toBe(1);
    expect(d.io.stderrText).toContain('Error: ro-columns.csv has 2 problems; nothing was written');
  });
});
