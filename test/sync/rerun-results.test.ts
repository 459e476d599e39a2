import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

describe('a results file fed back names the lines of the first input', () => {
  it('failures.csv fixed and rerun, then its own failures rerun: every result carries original_line and original_file', async () => {
    const input = env.write(
      'people.csv',
      [
        'LastName,Email,Birthdate',
        'Ok 1,ok1@rerun.test,1990-01-01',
        ',blank@rerun.test,1990-01-02',
        'Ok 2,ok2@rerun.test,1990-01-03',
        'Bad date,bad-date@rerun.test,31/31/1990',
        'Bad both,,not a date',
      ].join('\n') + '\n',
    );
    const first = await env.sfsync([
      'upsert',
      'people.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--results',
      'out/first',
    ]);
    expect(first.code).toBe(2);
    const failures = path.join(env.dir(), 'out/first/failures.csv');
    // (in the order their outcomes were known: refused by the mapping first, then by the org)
    expect(readResultCsv(failures).map((r) => r.line)).toEqual(['5', '6', '3']);

    // The folder itself given as input: the error names the file to give.
    const folder = await env.sfsync(['upsert', 'out/first', '--object', 'Contact', '--match', 'Email']);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain(`to send its failed records again (after fixing them), name ${failures}`);

    // Fix two of the three in the failures file itself, as a user would in a spreadsheet.
    const fixed = fs
      .readFileSync(failures, 'utf8')
      .replace(',,blank@rerun.test,', ',Blank fixed,blank@rerun.test,')
      .replace(/,31\/31\/1990$/m, ',1990-12-31');
    fs.writeFileSync(failures, fixed);
    const second = await env.sfsync([
      'upsert',
      'out/first/failures.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--results',
      'out/second',
    ]);
    expect(second.code).toBe(2);
    expect(second.stdout).toContain('VALUE_INVALID [Birthdate]: 1 record (line 3; original_line 6)');
    const ok = readResultCsv(path.join(env.dir(), 'out/second/success.csv'));
    expect(ok.map((r) => [r.line, r.outcome, r.original_line, r.original_file])).toEqual([
      ['2', 'created', '5', input],
      ['4', 'created', '3', input],
    ]);
    const still = readResultCsv(path.join(env.dir(), 'out/second/failures.csv'));
    expect(still.map((r) => [r.line, r.original_line, r.original_file, r.LastName])).toEqual([
      ['3', '6', input, 'Bad both'],
    ]);

    // A rerun of the rerun keeps the first input's line, not the line in the file it was given.
    const third = await env.sfsync([
      'upsert',
      'out/second/failures.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--results',
      'out/third',
    ]);
    expect(third.code).toBe(2);
    const last = readResultCsv(path.join(env.dir(), 'out/third/failures.csv'));
    expect(last.map((r) => [r.line, r.original_line, r.original_file])).toEqual([['2', '6', input]]);
    expect(Object.keys(last[0] ?? {}).slice(7, 10)).toEqual(['original_line', 'original_file', 'LastName']);
  });
});
