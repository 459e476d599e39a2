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
    // In input-line order, though the mapping refused lines 5 and 6 before the org refused line 3.
    expect(readResultCsv(failures).map((r) => r.line)).toEqual(['3', '5', '6']);

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
    expect(second.stdout).toContain('VALUE_INVALID [Birthdate]: 1 record (line 4; original_line 6)');
    const ok = readResultCsv(path.join(env.dir(), 'out/second/success.csv'));
    expect(ok.map((r) => [r.line, r.outcome, r.original_line, r.original_file])).toEqual([
      ['2', 'created', '3', input],
      ['3', 'created', '5', input],
    ]);
    const still = readResultCsv(path.join(env.dir(), 'out/second/failures.csv'));
    expect(still.map((r) => [r.line, r.original_line, r.original_file, r.LastName])).toEqual([
      ['4', '6', input, 'Bad both'],
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

  it('a failures.csv copied out of its folder: the results keep original_line and say original_file is unknown', async () => {
    env.write('copied.csv', 'LastName,Email\nOk,ok@copied.test\nBad,not-an-email\n');
    const args = ['--object', 'Contact', '--match', 'Email', '--json'];
    await env.sfsync(['upsert', 'copied.csv', ...args, '--results', 'out/c1']);
    fs.copyFileSync(path.join(env.dir(), 'out/c1/failures.csv'), path.join(env.dir(), 'fails.csv'));
    const copy = await env.sfsync(['upsert', 'fails.csv', ...args, '--results', 'out/c2']);
    expect(copy.json().result.warnings).toEqual([
      expect.stringMatching(
        /^fails\.csv: .*the results name each record's original_line but no original_file/,
      ),
    ]);
    const rows = readResultCsv(path.join(env.dir(), 'out/c2/failures.csv'));
    expect(rows.map((r) => [r.line, r.original_line, r.original_file])).toEqual([['2', '3', undefined]]);
    // Its own results fed back never name the copy as the file the records came from.
    const again = await env.sfsync(['upsert', 'out/c2/failures.csv', ...args, '--results', 'out/c3']);
    expect(again.json().result.warnings).toEqual([]);
    const last = readResultCsv(path.join(env.dir(), 'out/c3/failures.csv'));
    expect(last.map((r) => [r.line, r.original_line, r.original_file])).toEqual([['2', '3', undefined]]);
  });

  it('a rerun stopped and resumed: the failures read back keep their original lines', async () => {
    env.write(
      'fed.csv',
      [
        'line,outcome,status,error_code,error_message,error_fields,matched_ids,LastName,Email',
        '12,failed,,X,x,,,F1,bad1',
        '13,failed,,X,x,,,F2,bad2',
        '14,failed,,X,x,,,F3,f3@resumed.test',
        '15,failed,,X,x,,,F4,f4@resumed.test',
      ].join('\n') + '\n',
    );
    const args = ['upsert', 'fed.csv', '--object', 'Contact', '--match', 'Email', '--batch-size', '1'];
    const stopped = await env.sfsync([...args, '--max-api-calls', '3', '--results', 'out/fed', '--json']);
    expect(stopped.code).toBe(1);
    const resumed = await env.sfsync([...args, '--resume', '--results', 'out/fed', '--json']);
    expect(resumed.json().result.counts).toMatchObject({ total: 4, failed: 2 });
    expect(resumed.json().result.failuresByCode).toEqual([
      expect.objectContaining({ code: 'INVALID_EMAIL_ADDRESS', lines: [2, 3], originalLines: [12, 13] }),
    ]);
  });
});
