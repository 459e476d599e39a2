import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_COLUMNS } from '../src/core/result-columns.js';
import { SfsyncError } from '../src/errors.js';
import { JOURNAL_VERSION, readJournal, readJournalHeader } from '../src/operations/journal.js';
import { readPrior } from '../src/operations/prior-results.js';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-journal-'));
});

const header = JSON.stringify({
  v: JOURNAL_VERSION,
  operation: 'create',
  object: 'Contact',
  file: '/x.csv',
  size: 1,
  mtimeMs: 1,
  sha256: 'ab',
  mapping: null,
});

function journal(name: string, text: string): string {
  const d = path.join(root, name);
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'journal.ndjson'), text);
  return d;
}

async function refusal(dir: string): Promise<SfsyncError> {
  const err = await readJournal(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SfsyncError);
  return err as SfsyncError;
}

describe('reading a journal', () => {
  it('skips a torn last line, even when blank lines follow it', async () => {
    const j = await readJournal(
      journal('torn-last', `${header}\n{"sent":[2,3],"job":"750x"}\n{"sent":[4,\n\n`),
    );
    expect([...j.sent]).toEqual([2, 3]);
    expect(j.jobs.get(2)).toBe('750x');
  });

  it.each([
    [
      'a torn line before the last',
      `${header}\n{"sent":[2,\n{"sent":[4]}\n`,
      'line 2 is not a journal entry',
    ],
    [
      'an entry of the wrong shape',
      `${header}\n{"sent":[2]}\n{"sent":"3"}\n`,
      'line 3 is not a journal entry',
    ],
    ['an entry of the wrong shape, last', `${header}\n{"sent":[2.5]}\n`, 'line 2 is not a journal entry'],
    ['no header', '{"sent":[2]}\n', 'line 1 is not a journal header'],
    ['a header that is not JSON', 'sfsync\n{"sent":[2]}\n', 'line 1 is not a journal header'],
    [
      'an incomplete header',
      `${JSON.stringify({ v: JOURNAL_VERSION, operation: 'create' })}\n`,
      'incomplete',
    ],
    ['an empty file', '', 'it is empty'],
  ])('refuses %s, naming the file and the line, and says what to do', async (name, text, problem) => {
    const dir = journal(name.replace(/\W+/g, '-'), text);
    const err = await refusal(dir);
    expect(err.code).toBe('RESUME_NOT_POSSIBLE');
    expect(err.message).toContain(path.join(dir, 'journal.ndjson'));
    expect(err.message).toContain(problem);
    expect(err.hint).toContain('--restart');
  });

  it('refuses a header of another version, saying which it reads', async () => {
    const dir = journal('v1', `${header.replace(`"v":${JOURNAL_VERSION}`, '"v":1')}\n{"sent":[2]}\n`);
    const err = await refusal(dir);
    expect(err.message).toContain(`its header is version 1`);
    expect(err.message).toContain(`it reads version ${JOURNAL_VERSION}`);
    // Looking for unfinished runs passes over a journal it cannot read rather than failing.
    expect(await readJournalHeader(dir)).toBeNull();
  });
});

describe("a failures file read back on --resume, by FAILURE_COLUMNS' positions", () => {
  it('takes the error code, message and fields from the columns FAILURE_COLUMNS names', async () => {
    const dir = path.join(root, 'prior');
    fs.mkdirSync(dir);
    const row: Record<string, string> = {
      line: '7',
      outcome: 'failed',
      status: '400',
      error_code: 'REQUIRED_FIELD_MISSING',
      error_message: 'Required fields are missing: [LastName]',
      error_fields: 'LastName;Email',
      matched_ids: '',
    };
    // The input's own columns follow sfsync's, and may carry the same names.
    const text = `${FAILURE_COLUMNS.join(',')},error_code,Email\n${FAILURE_COLUMNS.map((c) => row[c]).join(',')},X,e@x.test\n`;
    fs.writeFileSync(path.join(dir, 'failures.csv'), text);
    const prior = await readPrior(path.join(dir, 'success.csv'), path.join(dir, 'failures.csv'));
    expect([...prior.done]).toEqual([7]);
    const [group] = [...prior.prior.failureCodes.values()];
    expect(group).toMatchObject({
      count: 1,
      lines: [7],
      message: 'Required fields are missing: [LastName]',
      fields: ['LastName', 'Email'],
    });
    expect([...prior.prior.failureCodes.keys()].join()).toContain('REQUIRED_FIELD_MISSING');
  });
});
