import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../src/input/csv-reader.js';
import { readRecords } from '../src/input/read-records.js';
import { formatFromFile } from '../src/input/source.js';
import type { InputRecord, ReadOptions } from '../src/input/types.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-input-'));

async function read(
  name: string,
  content: string | Buffer,
  options: Partial<ReadOptions> = {},
): Promise<InputRecord[]> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  const out: InputRecord[] = [];
  for await (const r of readRecords({ file, format: formatFromFile(file, undefined), ...options }))
    out.push(...r);
  return out;
}

describe('CSV reading', () => {
  it('reads a BOM, CRLF, quoted commas, quotes and newlines, and blank lines, with start line numbers', async () => {
    const rows = await read(
      'a.csv',
      '\uFEFFName,Title\r\n"Acme, Inc.","say ""hi"""\r\n\r\n"multi\r\nline",x\r\nlast,y\r\n',
    );
    expect(rows).toEqual([
      { line: 2, values: { Name: 'Acme, Inc.', Title: 'say "hi"' } },
      { line: 4, values: { Name: 'multi\r\nline', Title: 'x' } },
      { line: 6, values: { Name: 'last', Title: 'y' } },
    ]);
  });

  it('a row of delimiters only is a blank record; an empty line is none', async () => {
    const rows = await read('blank.csv', 'A,B\n1,2\n,\n\n,,\n3,4\n');
    expect(rows).toEqual([
      { line: 2, values: { A: '1', B: '2' } },
      { line: 3, values: { A: '', B: '' }, blank: true },
      { line: 5, values: { A: '', B: '' }, blank: true },
      { line: 6, values: { A: '3', B: '4' } },
    ]);
    expect(await read('one.csv', 'A\n1\n\n,\n')).toEqual([
      { line: 2, values: { A: '1' } },
      { line: 4, values: { A: '' }, blank: true },
    ]);
  });

  it('reports a ragged row and an unclosed quote as error records in line order, and goes on', async () => {
    const rows = await read('b.csv', 'A,B\n1,2\n3,4,5\n6,7\n8,"open\n9,10\n');
    expect(rows.map((r) => [r.line, r.error?.code ?? r.values])).toEqual([
      [2, { A: '1', B: '2' }],
      [3, 'CSV_RECORD_INCONSISTENT_COLUMNS'],
      [4, { A: '6', B: '7' }],
      [5, 'CSV_QUOTE_NOT_CLOSED'],
    ]);
  });

  it.each([
    ['a;b;c', ';'],
    ['a\tb', '\t'],
    ['a|b|c', '|'],
    ['"x;y",b', ','],
    ['single', ','],
  ])('detects the delimiter of %j as %j', (header, d) => {
    expect(detectDelimiter(header)).toBe(d);
  });

  it('uses a detected semicolon, or the --delimiter given', async () => {
    expect(await read('c.csv', 'A;B\n1;2\n')).toEqual([{ line: 2, values: { A: '1', B: '2' } }]);
    expect(await read('d.csv', 'A|B\n1|2\n', { delimiter: '|' })).toEqual([
      { line: 2, values: { A: '1', B: '2' } },
    ]);
  });

  it('decodes latin1 and utf16le', async () => {
    expect(await read('l.csv', Buffer.from('Name\nRené\n', 'latin1'), { encoding: 'latin1' })).toEqual([
      { line: 2, values: { Name: 'René' } },
    ]);
    expect(
      await read(
        'u.csv',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Name\r\nZoë\r\n', 'utf16le')]),
        { encoding: 'utf16le' },
      ),
    ).toEqual([{ line: 2, values: { Name: 'Zoë' } }]);
  });

  it('reads a file with a UTF-8 byte-order mark as UTF-8 even with --encoding latin1', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('LastName\nRené\n', 'utf8')]);
    expect(await read('bom.csv', bom, { encoding: 'latin1' })).toEqual([
      { line: 2, values: { LastName: 'René' } },
    ]);
  });

  it.each([
    ['empty.csv', '', 'INPUT_EMPTY'],
    ['dup.csv', 'Email,Email\n1,2\n', 'CSV_HEADER_INVALID'],
    ['blank-col.csv', 'Email,,Name\n1,2,3\n', 'CSV_HEADER_INVALID'],
  ])('refuses %s with %s', async (name, content, code) => {
    await expect(read(name, content)).rejects.toMatchObject({ code });
  });

  it('reads columns whose names differ only in case as two (a mapping names which; without one, a sync refuses)', async () => {
    expect(await read('case.csv', 'Email,email\n1,2\n')).toEqual([
      { line: 2, values: { Email: '1', email: '2' } },
    ]);
  });

  it('reads a header-only file as no records', async () => {
    expect(await read('h.csv', 'Email,LastName\n')).toEqual([]);
  });
});

describe('NDJSON reading', () => {
  it('reads objects with their line numbers and reports bad lines', async () => {
    const rows = await read('e.ndjson', '{"a":1}\n\n{bad}\n[1]\n{"traits":{"email":"x@y.z"}}\r\n');
    expect(rows).toEqual([
      { line: 1, values: { a: 1 } },
      {
        line: 3,
        error: { code: 'NDJSON_INVALID', message: expect.stringContaining('Invalid JSON') },
        raw: '{bad}',
      },
      {
        line: 4,
        error: { code: 'NDJSON_NOT_OBJECT', message: 'Each line must be a JSON object.' },
        raw: '[1]',
      },
      { line: 5, values: { traits: { email: 'x@y.z' } } },
    ]);
  });

  it('reads standard input with --format', async () => {
    const out: InputRecord[] = [];
    const stdin = Readable.from(['{"x":1}\n{"x":2}\n']);
    for await (const r of readRecords({ file: '-', format: 'ndjson', stdin })) out.push(...r);
    expect(out.map((r) => r.values)).toEqual([{ x: 1 }, { x: 2 }]);
  });
});

describe('input format', () => {
  it.each([
    ['a.csv', 'csv'],
    ['a.NDJSON', 'ndjson'],
    ['a.jsonl', 'ndjson'],
  ])('%s is %s', (file, format) => expect(formatFromFile(file, undefined)).toBe(format));

  it('needs --format for stdin and for unknown extensions', () => {
    expect(() => formatFromFile('-', undefined)).toThrow(/--format/);
    expect(() => formatFromFile('data.xlsx', undefined)).toThrow(/Cannot tell the format/);
  });
});
