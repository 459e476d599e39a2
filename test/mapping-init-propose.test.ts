import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { applyTransforms } from '../src/mapping/coerce.js';
import { normalizeDateFormat } from '../src/mapping/date-format.js';
import { parseMapping } from '../src/mapping/load-mapping.js';
import { proposeValues } from '../src/mapping/propose-values.js';
import type { FieldInfo } from '../src/salesforce/types.js';
import { createTestDeps } from './helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({
    port: 0,
    schemas: [
      {
        fields: {
          Contact: [
            { name: 'Signup_Date__c', label: 'Signup Date', type: 'date' },
            { name: 'Lifetime_Value__c', label: 'Lifetime Value', type: 'currency', precision: 16, scale: 2 },
            { name: 'Opt_In__c', label: 'Opt In', type: 'boolean' },
          ],
        },
      },
    ],
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-propose-'));
});
afterAll(async () => org.close());

const env = (): NodeJS.ProcessEnv => ({
  SFSYNC_INSTANCE_URL: org.instanceUrl,
  SFSYNC_ACCESS_TOKEN: org.accessToken,
});
const write = (name: string, text: string): void => fs.writeFileSync(path.join(dir, name), text);
const read = (name: string): string => fs.readFileSync(path.join(dir, name), 'utf8');

async function init(args: string[]): Promise<{ code: number; result: any; stderr: string }> {
  const deps = createTestDeps({ cwd: dir, env: env() });
  const code = await main(['mapping', 'init', ...args, '--json'], deps);
  const doc = JSON.parse(deps.io.stdoutText || '{}');
  return { code, result: doc.result ?? doc.error, stderr: deps.io.stderrText };
}

/** A marketing export as spreadsheets write them: BOM, `;`, loose names, spaces, day-first dates, `$` amounts, Y/N. */
function marketingExport(rows: number): string {
  const lines = ['\uFEFFemail_address;last_name;First Name;Phone Number;signup;Lifetime Value;Opt In'];
  for (let i = 1; i <= rows; i++) {
    // Blank keys, keys repeated in another case, and one impossible date.
    const email =
      i % 10 === 0 ? '' : i % 15 === 0 ? ' PERSON1.1@EXAMPLE.TEST' : ` Person${i % 7}.${i}@Example.test `;
    const date = i === 7 ? '31.02.2024' : `${String((i % 28) + 1).padStart(2, '0')}.0${(i % 9) + 1}.2024`;
    lines.push(
      `${email};Smith;Ann${i};+1 (555) 010-${String(1000 + i).slice(-4)};${date};"$1,${String(100 + i).slice(-3)}.50";${i % 2 ? 'Y' : 'N'}`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

describe('mapping init: match keys that cannot merge strangers', () => {
  it('on a messy export picks Email (idLookup), never LastName, and proposes transforms and formats from values', async () => {
    write('export.csv', marketingExport(40));
    const { code, result } = await init(['export.csv', '--object', 'Contact', '--yes']);
    expect(code).toBe(0);
    expect(result).toMatchObject({ operation: 'upsert', match: ['Email'], matchNote: null, sampled: 40 });
    expect(result.columns).toEqual([
      { column: 'email_address', field: 'Email', reason: 'alias', transform: ['trim'] },
      { column: 'last_name', field: 'LastName', reason: 'loose' },
      { column: 'First Name', field: 'FirstName', reason: 'label' },
      { column: 'Phone Number', field: 'Phone', reason: 'alias' },
      {
        column: 'signup',
        field: 'Signup_Date__c',
        reason: 'close',
        format: 'dd.MM.yyyy',
        note: '39 of 40 sampled values fit dd.MM.yyyy; the others (e.g. "31.02.2024") will be rejected',
      },
      {
        column: 'Lifetime Value',
        field: 'Lifetime_Value__c',
        reason: 'label',
        transform: ['number'],
        note: 'numbers written like "$1,101.50"',
      },
      {
        column: 'Opt In',
        field: 'Opt_In__c',
        reason: 'label',
        transform: ['boolean'],
        note: 'yes/no values (y, n)',
      },
    ]);
    const mapping = parseMapping('export.mapping.yaml', read('export.mapping.yaml'));
    expect(mapping.fields?.Signup_Date__c).toEqual({ column: 'signup', transform: [], format: 'dd.MM.yyyy' });
    expect(read('export.mapping.yaml')).toContain('# 39 of 40 sampled values fit dd.MM.yyyy');

    const run = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['mapping', 'check', 'export.mapping.yaml', 'export.csv'], run)).toBe(0);
    // Rows without an e-mail may be refused by the upsert (exit 2); the others must land as proposed.
    expect([0, 2]).toContain(
      await main(['upsert', 'export.csv', '--mapping', 'export.mapping.yaml', '--json'], run),
    );
    const res = await fetch(
      `${org.instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent("SELECT Email, Signup_Date__c, Lifetime_Value__c, Opt_In__c FROM Contact WHERE FirstName = 'Ann13'")}`,
      { headers: { Authorization: `Bearer ${org.accessToken}` } },
    );
    const [row] = ((await res.json()) as { records: Array<Record<string, unknown>> }).records;
    expect(row).toMatchObject({
      Email: 'Person6.13@Example.test',
      Signup_Date__c: '2024-05-14',
      Lifetime_Value__c: 1113.5,
      Opt_In__c: true,
    });
  });

  it('proposes no match key when no mapped field identifies a record, and says how to pick one', async () => {
    write('people.csv', 'last_name,first_name,city\nSmith,Ann,Paris\nSmith,Bob,Lyon\n');
    const { code, result } = await init(['people.csv', '--object', 'Contact']);
    expect(code).toBe(0);
    expect(result).toMatchObject({ operation: 'create', match: [] });
    expect(result.matchNote).toContain('No mapped column identifies a Contact');
    expect(result.matchNote).toContain('set match: [Field]');
    const text = read('people.mapping.yaml');
    expect(text).toContain('# No mapped column identifies a Contact');
    expect(parseMapping('p.yaml', text)).toMatchObject({ operation: 'create' });
    expect(parseMapping('p.yaml', text).match).toBeUndefined();
  });

  it('ranks an external ID above an idLookup field', async () => {
    write('ext.csv', 'E-mail,External ID,LastName\na@ext.test,X-1,Smith\n');
    const { result } = await init(['ext.csv', '--object', 'Contact']);
    expect(result.match).toEqual(['External_Id__c']);
  });

  it.each([
    ['email_address', 'Email'],
    ['E-mail', 'Email'],
    ['EmailAddress', 'Email'],
    ['EMAIL ADDRESS', 'Email'],
    ['last_name', 'LastName'],
    ['Surname', 'LastName'],
    ['given-name', 'FirstName'],
    ['Zip Code', 'MailingPostalCode'],
    ['mobile', 'MobilePhone'],
    ['Opted out', 'HasOptedOutOfEmail'],
  ])('matches the column %s to %s by its name', async (column, field) => {
    write('one.csv', `${column},Other\nx,y\n`);
    const { result } = await init(['one.csv', '--object', 'Contact', '--output', 'one.yaml', '--force']);
    expect(result.columns[0].field).toBe(field);
  });

  it('matches columns by their values: addresses → Email, phone numbers → Phone', async () => {
    write(
      'opaque.csv',
      'col1,col2,LastName\n ada@x.test ,+44 20 7946 0958,A\nbob@y.test,(555) 010-0101,B\n,555-010-0102,C\n',
    );
    const { result } = await init(['opaque.csv', '--object', 'Contact']);
    expect(result.columns.slice(0, 2)).toEqual([
      { column: 'col1', field: 'Email', reason: 'values', transform: ['trim'] },
      { column: 'col2', field: 'Phone', reason: 'values' },
    ]);
    expect(result.match).toEqual(['Email']);
  });

  it('never maps two columns to one field: the better name keeps it', async () => {
    write('two.csv', 'mail,Email,LastName\na@x.test,b@x.test,A\n');
    const { result } = await init(['two.csv', '--object', 'Contact']);
    expect(result.columns.slice(0, 2)).toEqual([
      { column: 'mail', field: null, reason: 'none' },
      { column: 'Email', field: 'Email', reason: 'api name' },
    ]);
  });
});

describe('mapping init never overwrites a mapping without --force', () => {
  it('refuses with the path and the flag, and leaves the file as it was', async () => {
    write('keep.csv', 'LastName,Email\nA,a@keep.test\n');
    write('keep.mapping.yaml', '# mine\nobject: Contact\n');
    for (const extra of [[], ['--yes']]) {
      const { code, result } = await init(['keep.csv', '--object', 'Contact', ...extra]);
      expect(code).toBe(1);
      expect(result.code).toBe('FILE_EXISTS');
      expect(result.message).toContain(path.join(dir, 'keep.mapping.yaml'));
      expect(result.hint).toContain('--force');
      expect(read('keep.mapping.yaml')).toBe('# mine\nobject: Contact\n');
    }
    const { code } = await init(['keep.csv', '--object', 'Contact', '--force']);
    expect(code).toBe(0);
    expect(read('keep.mapping.yaml')).toContain('match:\n  - Email');
  });
});

function field(type: string): FieldInfo {
  return { name: 'F', label: 'F', type } as FieldInfo;
}

describe('value proposals from a sample', () => {
  it.each([
    ['date', ['12/31/2024', '01/02/2024'], 'MM/dd/yyyy', undefined],
    ['date', ['31/12/2024', '01/02/2024'], 'dd/MM/yyyy', undefined],
    ['date', ['31.12.2024', '1.2.2024'], 'd.M.yyyy', undefined],
    ['date', ['2024-12-31', '2024-01-02'], undefined, undefined],
    ['date', ['01/02/2024', '03/04/2024'], 'MM/dd/yyyy', 'they also fit dd/MM/yyyy'],
    ['date', ['12/31/2024', 'soon'], 'MM/dd/yyyy', 'the others (e.g. "soon") will be rejected'],
    ['datetime', ['12/31/2024 13:45', '01/02/2024 08:00'], 'MM/dd/yyyy HH:mm', undefined],
    ['datetime', ['2024-12-31T13:45:00Z', '2024-01-02T08:00:00+01:00'], undefined, undefined],
    ['datetime', ['2024-12-31 13:45'], undefined, 'add timezone'],
  ])('%s %j → format %s', (type, values, format, note) => {
    const p = proposeValues(field(type), values);
    expect(p.format).toBe(format);
    if (note) expect(p.note).toContain(note);
    else if (!format) expect(p.note).toBeUndefined();
  });

  it.each([
    [['$1,234.50', '$99.00'], ['number'], [1234.5, 99]],
    [['1.234,50 €', '99,00 €'], ['number-comma'], [1234.5, 99]],
    [['1 234,5', '-7,25'], ['number-comma'], [1234.5, -7.25]],
    [['12', '7.5'], [], [12, 7.5]],
  ])('numbers %j → %j', (values, transform, numbers) => {
    const p = proposeValues(field('currency'), values);
    expect(p.transform).toEqual(transform);
    expect(values.map((v) => Number(applyTransforms(v, p.transform)))).toEqual(numbers);
  });

  it.each([
    [['Y', 'N'], ['boolean']],
    [['yes', 'no'], ['boolean']],
    [['1', '0'], ['boolean']],
    [['true', 'false'], []],
    [
      [' Y', 'N '],
      ['trim', 'boolean'],
    ],
  ])('booleans %j → %j', (values, transform) => {
    expect(proposeValues(field('boolean'), values).transform).toEqual(transform);
  });

  it('proposes trim only where values have spaces around them', () => {
    expect(proposeValues(field('string'), [' a', 'b']).transform).toEqual(['trim']);
    expect(proposeValues(field('string'), ['a b', 'c']).transform).toEqual([]);
  });
});

describe('date formats as users type them', () => {
  it.each([
    ['MM/DD/YYYY', 'MM/dd/yyyy'],
    ['YYYY-MM-DD', 'yyyy-MM-dd'],
    ['DD.MM.YYYY', 'dd.MM.yyyy'],
    ['mm/dd/yyyy', 'MM/dd/yyyy'],
    ['DD/MM/YYYY HH:MM', 'dd/MM/yyyy HH:mm'],
    ['DD/MM/YYYY hh:mm', 'dd/MM/yyyy HH:mm'],
    ['MM/dd/yyyy hh:mm a', 'MM/dd/yyyy hh:mm a'],
    ['YYYY-MM-DDTHH:mm:ss', "yyyy-MM-dd'T'HH:mm:ss"],
    ['DD-MON-YYYY', 'dd-MMM-yyyy'],
    ['dd/MM/yyyy', 'dd/MM/yyyy'],
  ])('%s → %s', (typed, luxon) => {
    expect(normalizeDateFormat(typed)).toEqual({ format: luxon });
  });

  it('names the token that is wrong, in the mapping file', () => {
    expect(() =>
      parseMapping('m.yaml', 'fields:\n  Birthdate: { column: dob, format: MM/DD/YYYQ }\n'),
    ).toThrow(/m\.yaml: fields\.Birthdate\.format: "YYYQ" in "MM\/DD\/YYYQ" is not a date or time token/);
  });

  it('reads dates with a typed format', () => {
    const m = parseMapping('m.yaml', 'fields:\n  Birthdate: { column: dob, format: DD/MM/YYYY }\n');
    expect(m.fields?.Birthdate?.format).toBe('dd/MM/yyyy');
  });
});
