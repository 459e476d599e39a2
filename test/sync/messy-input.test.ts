import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

describe('NDJSON without a mapping', () => {
  it('a value under a key the first record lacks is refused (KEY_NOT_MAPPED), never dropped; null and empty ones are not', async () => {
    env.write(
      'later.ndjson',
      [
        '{"LastName":"K1","Email":"k1@keys.test"}',
        '{"LastName":"K2","Email":"k2@keys.test","Title":"Boss"}',
        '{"LastName":"K3","Email":"k3@keys.test","Title":null,"Department":""}',
      ].join('\n') + '\n',
    );
    const run = await env.sfsync([
      'create',
      'later.ndjson',
      '--object',
      'Contact',
      '--results',
      'out/later',
      '--json',
    ]);
    expect(run.code).toBe(2);
    expect(run.json().result.counts).toMatchObject({ created: 2, failed: 1 });
    const [failed] = readResultCsv(path.join(env.dir(), 'out/later/failures.csv'));
    expect(failed).toMatchObject({ line: '2', error_code: 'KEY_NOT_MAPPED', error_fields: 'Title' });
    expect(failed?.error_message).toContain('Title: not a key of the first record');
    const titles = await env.query("SELECT LastName, Title FROM Contact WHERE Email LIKE '%@keys.test'");
    expect(titles.map((r) => r.LastName).sort()).toEqual(['K1', 'K3']);
  });

  it('an unreadable first line: the fields come from the first record that reads', async () => {
    env.write(
      'broken-first.ndjson',
      ['{"LastName":', '{"LastName":"B1","Email":"b1@keys.test","Title":"Kept"}'].join('\n') + '\n',
    );
    const run = await env.sfsync(['create', 'broken-first.ndjson', '--object', 'Contact', '--json']);
    expect(run.json().result.counts).toMatchObject({ created: 1, failed: 1 });
    const rows = await env.query("SELECT Title FROM Contact WHERE Email = 'b1@keys.test'");
    expect(rows.map((r) => r.Title)).toEqual(['Kept']);
  });
});

describe('a ragged row in a file delimited by ;', () => {
  it('fails alone, and the hint speaks of delimiters, not of commas', async () => {
    env.write('semi.csv', 'LastName;Email\nS1;s1@semi.test\nS2;s2@semi.test;extra\n');
    const run = await env.sfsync(['create', 'semi.csv', '--object', 'Contact', '--results', 'out/semi']);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('CSV_RECORD_INCONSISTENT_COLUMNS');
    expect(run.stdout).toContain('check its delimiters (the one the file uses, or --delimiter) and quotes');
    expect(run.stdout).not.toContain('check commas');
  });
});

describe('rows of delimiters only', () => {
  it('are records: skipped with BLANK_ROW in failures.csv and counted; empty lines are no records', async () => {
    env.write(
      'blank-rows.csv',
      'LastName;Email\nB1;b1@blank.test\n;\nB2;b2@blank.test\n\n;;\nB3;b3@blank.test\n',
    );
    const args = ['upsert', 'blank-rows.csv', '--object', 'Contact', '--match', 'Email', '--json'];
    const run = await env.sfsync([...args, '--results', 'out/blank']);
    expect(run.code).toBe(2);
    const { counts, failuresByCode } = run.json().result;
    expect(counts).toMatchObject({ total: 5, created: 3, failed: 0, skipped: 2 });
    expect(failuresByCode).toEqual([expect.objectContaining({ code: 'BLANK_ROW', count: 2, lines: [3, 6] })]);
    const failures = readResultCsv(path.join(env.dir(), 'out/blank/failures.csv'));
    expect(failures.map((f) => [f.line, f.outcome, f.error_code, f.LastName, f.Email])).toEqual([
      ['3', 'skipped', 'BLANK_ROW', '', ''],
      ['6', 'skipped', 'BLANK_ROW', '', ''],
    ]);
    // Fed back, they are blank rows again, still naming their first lines.
    const again = await env.sfsync([
      'upsert',
      'out/blank/failures.csv',
      ...args.slice(2),
      '--results',
      'out/b2',
    ]);
    expect(again.json().result.counts).toMatchObject({ total: 2, skipped: 2 });
    const rows = readResultCsv(path.join(env.dir(), 'out/b2/failures.csv'));
    expect(rows.map((f) => [f.error_code, f.original_line])).toEqual([
      ['BLANK_ROW', '3'],
      ['BLANK_ROW', '6'],
    ]);
  });
});

describe('a stop message after blank lines and values with line breaks', () => {
  it('says how many records came before the line it names', async () => {
    env.write(
      'gap.csv',
      'LastName,Email,Description\nA,a@gap.test,"two\nlines"\n\nB,b@gap.test,x\n\nC,c@gap.test,"x\ny\nz"\nD,d@gap.test,x\nE,e@gap.test,x\nF,f@gap.test,x\n',
    );
    const args = ['create', 'gap.csv', '--object', 'Contact', '--batch-size', '2', '--concurrency', '1'];
    const run = await env.sfsync([...args, '--max-api-calls', '2', '--results', 'out/gap']);
    expect(run.code).toBe(1);
    // Where it stops depends on when the refused call is noticed; the records up to there always add up.
    const m =
      /The run stopped after input line (\d+) \((\d+) records up to there: the header, blank lines and line breaks inside values are no records\); from line (\d+) no record has an outcome \(the resume sends them\): (\d+) records written, (\d+) failed, (\d+) not sent\./.exec(
        run.stderr,
      );
    expect(m, run.stderr).not.toBeNull();
    const [line, records, , written, failed] = (m ?? []).slice(1).map(Number);
    expect(records).toBe((written ?? 0) + (failed ?? 0));
    expect(records).toBe({ 5: 2, 7: 3, 10: 4, 11: 5, 12: 6 }[line ?? 0]);
  });
});

describe('a stop message when records are grouped by parent (written out of file order)', () => {
  it('names the line up to which every record has its outcome, the first without one, and the highest with one', async () => {
    env.write('parents.csv', 'Name\nParent A\nParent B\n');
    expect((await env.sfsync(['create', 'parents.csv', '--object', 'Account'])).code).toBe(0);
    const [a, b] = (await env.query("SELECT Id FROM Account WHERE Name LIKE 'Parent _' ORDER BY Name")).map(
      (r) => r.Id as string,
    );
    // Lines 2-11 under one parent, 12-21 under the other: the two lanes take turns, 2,3 then 12,13 then 4,5 …
    const rows = Array.from({ length: 20 }, (_, i) => `G${i},g${i}@group.test,${i < 10 ? a : b}`);
    env.write('grouped.csv', `LastName,Email,AccountId\n${rows.join('\n')}\n`);
    const args = ['create', 'grouped.csv', '--object', 'Contact', '--batch-size', '2', '--concurrency', '2'];
    const run = await env.sfsync([...args, '--max-api-calls', '4', '--results', 'out/grouped']);
    expect(run.code).toBe(1);
    const done = readResultCsv(path.join(env.dir(), 'out/grouped/success.csv')).map((r) => Number(r.line));
    let upTo = 1;
    while (done.includes(upTo + 1)) upTo++;
    const first = upTo + 1;
    const highest = Math.max(...done);
    expect(highest, run.stderr).toBeGreaterThan(first);
    const where =
      upTo > 1
        ? `after input line ${upTo}, the records up to there all handled`
        : 'before any record had its outcome';
    expect(run.stderr).toContain(
      `The run stopped ${where}; from line ${first} some have no outcome (the resume sends them), though lines up to ${highest} have one:`,
    );
    const summary = JSON.parse(fs.readFileSync(path.join(env.dir(), 'out/grouped/summary.json'), 'utf8'));
    expect(summary.lastLine).toBe(upTo > 1 ? upTo : 0);
  });
});

describe('a stop message with counts over a thousand', () => {
  it('writes every count with thousands separators', async () => {
    // Records the mapping refuses (no call) before the ones that spend the budget.
    const bad = Array.from({ length: 1100 }, (_, i) => `T${i},t${i}@thousands.test,not a date`);
    const good = Array.from({ length: 400 }, (_, i) => `U${i},u${i}@thousands.test,2020-01-02`);
    env.write('many.csv', `LastName,Email,Birthdate\n${[...bad, ...good].join('\n')}\n`);
    const args = ['create', 'many.csv', '--object', 'Contact', '--batch-size', '200', '--concurrency', '1'];
    const run = await env.sfsync([...args, '--max-api-calls', '2', '--results', 'out/many']);
    expect(run.code).toBe(1);
    const counts = /: ([0-9,]+) records? written, ([0-9,]+) failed, ([0-9,]+) not sent\./.exec(run.stderr);
    expect(counts, run.stderr).not.toBeNull();
    expect(counts?.[2], run.stderr).toBe('1,100');
    for (const n of (counts ?? []).slice(1)) expect(n).toMatch(/^\d{1,3}(,\d{3})*$/);
  });
});
