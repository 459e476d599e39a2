import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { csvCell } from '../src/operations/results.js';
import { readResultCsv } from './helpers/sync-env.js';
import { createTestDeps } from './helpers/test-deps.js';

const corpus = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'fixtures/bad-input');
let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-bad-'));
  // The large cases are made here rather than committed.
  fs.writeFileSync(
    path.join(dir, 'huge-field.csv'),
    `LastName,Description\nHuge,"${'x'.repeat(10_000_000)}"\nSmall,ok\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'wide-header.csv'),
    `${Array.from({ length: 10_000 }, (_, i) => `Col${i}`).join(',')}\n${Array.from({ length: 10_000 }, () => '1').join(',')}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'deep.ndjson'),
    `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}\n{"LastName":"After"}\n`,
  );
});
afterAll(async () => org.close());

async function run(
  file: string,
  args: string[] = ['--match', 'Email'],
  operation = 'upsert',
): Promise<{ code: number; doc: any; failures: Array<Record<string, string>> }> {
  const out = path.join(dir, 'out', path.basename(file));
  const deps = createTestDeps({
    cwd: dir,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
  const code = await main(
    [operation, file, '--object', 'Contact', '--json', '--results', out, ...args],
    deps,
  );
  const doc = JSON.parse(deps.io.stdoutText);
  const failuresFile = path.join(out, args.includes('--dry-run') ? 'rejected.csv' : 'failures.csv');
  return {
    code,
    doc,
    // Read when a test asks: the 10 MB field's failures file is read its own way.
    get failures() {
      return fs.existsSync(failuresFile) && doc.ok !== undefined && doc.result
        ? readResultCsv(failuresFile)
        : [];
    },
  };
}

const at = (name: string): string => path.join(corpus, name);

describe('hostile and broken input', () => {
  it.each([
    ['unclosed-quote.csv', { created: 1, failed: 1 }, [['3', 'CSV_QUOTE_NOT_CLOSED']]],
    [
      'ragged-rows.csv',
      { created: 2, failed: 2 },
      [
        ['3', 'CSV_RECORD_INCONSISTENT_COLUMNS'],
        ['4', 'CSV_RECORD_INCONSISTENT_COLUMNS'],
      ],
    ],
    ['header-only.csv', { total: 0 }, []],
    ['nul-bytes.csv', { created: 1, failed: 1 }, [['2', 'VALUE_INVALID']]],
    [
      'odd-dates.csv',
      { created: 2, failed: 2 },
      [
        ['2', 'VALUE_INVALID'],
        ['3', 'VALUE_INVALID'],
      ],
    ],
    [
      'broken.ndjson',
      { created: 1, failed: 4 },
      [
        ['2', 'NDJSON_INVALID'],
        ['3', 'NDJSON_NOT_OBJECT'],
        ['4', 'VALUE_INVALID'],
        ['5', 'NDJSON_NOT_OBJECT'],
      ],
    ],
  ])('%s: each bad record fails with its line, the rest loads', async (name, counts, failures) => {
    const r = await run(at(name));
    expect(r.doc.result.counts).toMatchObject(counts);
    expect(r.failures.map((f) => [f.line, f.error_code])).toEqual(failures);
    const c = r.doc.result.counts;
    expect(c.total).toBe(c.created + c.updated + c.deleted + c.failed + c.skipped);
  });

  it.each([
    [
      'duplicate-headers.csv',
      'CSV_HEADER_INVALID',
      'line 1: the header names "Email" (column 2) and "email" (column 3), one name to Salesforce, which ignores case',
    ],
    ['empty-header.csv', 'CSV_HEADER_INVALID', 'line 1: column 2 of the header has no name'],
    ['empty.csv', 'INPUT_EMPTY', 'is empty: there is no header row'],
    ['invalid-utf8.csv', 'ENCODING_INVALID', 'is not valid UTF-8 (near line 3)'],
  ])('%s is refused with %s before anything is written', async (name, code, message) => {
    const r = await run(at(name));
    expect(r.code).toBe(1);
    expect(r.doc.error.code).toBe(code);
    expect(r.doc.error.message).toContain(message);
  });

  it('reads UTF-16 with a byte-order mark without being told', async () => {
    const r = await run(at('utf16-bom.csv'));
    expect(r.doc.result.counts).toMatchObject({ created: 1, failed: 0 });
    expect(org.store.object('Contact')?.live.size).toBeGreaterThan(0);
  });

  it('keeps the input as read in result files, and guards only the cells sfsync writes against formulas', async () => {
    const r = await run(at('formulas.csv'));
    const raw = fs.readFileSync(path.join(dir, 'out', 'formulas.csv', 'failures.csv'), 'utf8');
    expect(r.failures).toHaveLength(2);
    // A failures file fed back must send what the input held: its columns carry no guard (#12).
    expect(raw).toContain(`,"=HYPERLINK(""http://evil.example"")",formula@bad.test,not-a-date`);
    expect(raw).toContain(`,@SUM(A1),at@bad.test,also-bad`);
    // sfsync's own cells (error messages may quote a value) are guarded.
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(csvCell('-12.5')).toBe('-12.5');
  });

  it('a 10 MB field fails as too long, without taking the rest down', async () => {
    const r = await run(path.join(dir, 'huge-field.csv'), [], 'create');
    expect(r.doc.result.counts).toMatchObject({ created: 1, failed: 1 });
    // The failures file keeps the 10 MB value, checked whole here; parsing it took csv-parse a second, so the
    // rows are read with the value cut short.
    const text = fs.readFileSync(path.join(dir, 'out', 'huge-field.csv', 'failures.csv'), 'utf8');
    const huge = 'x'.repeat(10_000_000);
    expect(text.includes(`,Huge,${huge}\n`), text.slice(0, 300)).toBe(true);
    const failures = parse(text.replace(huge, 'x…'), { columns: true }) as Array<Record<string, string>>;
    expect(failures[0]).toMatchObject({ line: '2', error_code: 'STRING_TOO_LONG' });
  });

  // 10,000 columns, not 100,000: the cap is the same either way, and the wider header cost the suite a second.
  it('a 10,000-column header is refused with the first problems listed, not all of them', async () => {
    const r = await run(path.join(dir, 'wide-header.csv'));
    expect(r.code).toBe(1);
    expect(r.doc.error.code).toBe('MAPPING_INVALID');
    expect(r.doc.error.message).toMatch(/has 1000\d problems/);
    expect(r.doc.error.message).toMatch(/… and 99\d\d more/);
    expect(r.doc.error.message.length).toBeLessThan(10_000);
  });

  it('deeply nested NDJSON is a failed line, not a crash', async () => {
    const r = await run(path.join(dir, 'deep.ndjson'), ['--dry-run', '--offline'], 'create');
    expect(r.failures[0]).toMatchObject({ line: '1' });
    expect(r.failures[0]?.error_code).toBe('NDJSON_TOO_DEEP');
    expect(r.doc.result.counts.total).toBe(2);
  });
});
