import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const { sfsync, write, dir } = useSyncEnv();

describe('hints repeat the user’s command', () => {
  it('the --hard refusal without a terminal keeps --object in its hint', async () => {
    const file = write('del100.csv', 'Id\n003000000000001AAA\n');
    const r = await sfsync(['delete', file, '--object', 'Contact', '--hard']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sfsync delete ${file} --object Contact --hard --yes`);
  });
});

describe('sfsync results', () => {
  it('prints the resume command the run printed, with every flag (--batch-size too)', async () => {
    write('r-bulk.csv', 'LastName,Email\nOne,one@hints.test\nTwo,two@hints.test\n');
    const run = await sfsync([
      'upsert',
      'r-bulk.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--api',
      'bulk',
      '--batch-size',
      '2000',
      '--results',
      'r-bulk',
    ]);
    expect(run.code).toBe(0);
    // A run killed before its summary: the journal alone tells how it continues.
    fs.rmSync(path.join(dir(), 'r-bulk', 'summary.json'));
    const r = await sfsync(['results', 'r-bulk']);
    expect(r.stderr).toContain(
      'sfsync upsert r-bulk.csv --object Contact --match Email --api bulk --batch-size 2000 --resume --results r-bulk',
    );
  });
});

describe('suggestions', () => {
  it('--match with a misspelt field suggests the field', async () => {
    write('m.csv', 'LastName,Email\nOne,one@m.test\n');
    const r = await sfsync(['upsert', 'm.csv', '--object', 'Contact', '--match', 'Emial']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Contact has no field "Emial" to match on; did you mean Email?');
  });

  it('an unknown option suggests the nearest one', async () => {
    const r = await sfsync(['upsert', 'm.csv', '--object', 'Contact', '--matc', 'Email']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--match');
  });
});

describe('undo --dry-run --results', () => {
  it('is refused, naming both flags, instead of ignoring --results', async () => {
    const r = await sfsync(['undo', 'some-run', '--dry-run', '--results', 'undo-out']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--results and --dry-run cannot be used together');
    expect(r.stderr).toContain('Leave out --results undo-out');
  });
});

describe('a rejected record with a bad value and a missing parent', () => {
  it('lists its value problems; its lookup is searched once its values pass (as the README says)', async () => {
    write(
      'lk.yaml',
      'fields:\n  LastName: name\n  Birthdate: born\n  AccountId: { column: acct, lookup: { object: Account, field: AccountNumber } }\n',
    );
    write('lk.csv', 'name,born,acct\nBad,not-a-date,MISSING\nGood,2001-02-03,MISSING\n');
    const r = await sfsync(['create', 'lk.csv', '--object', 'Contact', '--mapping', 'lk.yaml', '--dry-run']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('VALUE_INVALID [Birthdate]: 1 record (line 2)');
    expect(r.stdout).toContain('LOOKUP_NOT_FOUND [AccountId]: 1 record (line 3)');
  });
});
