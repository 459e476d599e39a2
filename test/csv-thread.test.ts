import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../src/input/read-records.js';
import type { InputRecord } from '../src/input/types.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-thread-'));

interface Reading {
  records: InputRecord[];
  headers: unknown[];
  error?: unknown;
}

/** Everything readRecords gives for a file: records, header calls, and the error it ends with. */
async function reading(file: string, thread: boolean, delimiter?: string): Promise<Reading> {
  const out: Reading = { records: [], headers: [] };
  const onHeader = (columns: string[], json: boolean): number => out.headers.push([columns, json]);
  try {
    for await (const chunk of readRecords({ file, format: 'csv', delimiter, onHeader, thread }))
      out.records.push(...chunk);
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string; hint?: string; exitCode?: number };
    out.error = { name: e.name, code: e.code, message: e.message, hint: e.hint, exitCode: e.exitCode };
  }
  return out;
}

const many = Array.from({ length: 3_000 }, (_, i) =>
  i % 997 === 0 ? `"x""${i}",,"multi\nline"` : i % 1_001 === 0 ? `ragged,${i}` : `a${i},b${i},c${i}`,
).join('\n');

const FILES: Array<[string, string | Buffer, string?]> = [
  ['bom-crlf.csv', '\uFEFFName,Title\r\n"Acme, Inc.","say ""hi"""\r\n\r\n"multi\r\nline",x\r\nlast,y\r\n'],
  ['semicolon.csv', 'A;B\n1;2\n\n3;4\n5\n'],
  ['delimiters-only.csv', 'A;B;C\n1;2;3\n;;\n;;;\n4;5;6\n'],
  ['delimiter.csv', 'A|B\n1|2\n', '|'],
  ['ragged-open.csv', 'A,B\n1,2\n3,4,5\n6,7\n8,"open\n9,10\n'],
  ['twice.csv', 'Email,email\n1,2\n'],
  ['nameless.csv', 'Email,,Name\n1,2,3\n'],
  ['empty.csv', ''],
  ['header-only.csv', 'Email,LastName\n'],
  ['bad-utf8.csv', Buffer.concat([Buffer.from(`A,B,C\n${many}\n`), Buffer.from([0xc3, 0x28, 0x0a])])],
  ['many.csv', `A,B,C\n${many}\n`],
];

describe('a CSV file read on a worker thread', () => {
  it.each(FILES)(
    '%s reads as on the main thread: records, lines, header, errors',
    async (name, content, d) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      const main = await reading(file, false, d);
      expect(await reading(file, true, d)).toEqual(main);
    },
  );

  it('stops its thread when the reading stops early', async () => {
    const file = path.join(dir, 'early.csv');
    fs.writeFileSync(file, `A,B,C\n${many}\n`);
    const records = readRecords({ file, format: 'csv', thread: true });
    const first = await records.next();
    expect(first.value).toContainEqual({ line: 2, values: { A: 'x"0', B: '', C: 'multi\nline' } });
    await records.return(undefined);
  });
});
