import { parse, type CsvError } from 'csv-parse';
import { SfsyncError } from '../errors.js';
import { LineCounter } from './line-counter.js';
import type { InputRecord } from './types.js';

const CANDIDATES = [',', ';', '\t', '|'];

/** The delimiter that splits the header line into the most columns, ignoring quoted text. */
export function detectDelimiter(headerLine: string): string {
  const unquoted = headerLine.replace(/"[^"]*"/g, '');
  let best = ',';
  let bestCount = 0;
  for (const d of CANDIDATES) {
    const count = unquoted.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Where a record (or a skipped one) starts. csv-parse reports the offset after the record's line break; its raw
 * text may carry a line break at either end, and blank lines skipped before it, so only the core is measured.
 */
function startLine(lines: LineCounter, endOffset: number, raw: string, atEof: boolean): number {
  const core = raw.replace(/^[\r\n]+/, '').replace(/[\r\n]+$/, '');
  let end = atEof ? lines.size : endOffset;
  for (let i = 0; i < 2 && end > 0; i++) {
    const b = lines.byteAt(end - 1);
    if (b !== 10 && b !== 13) break;
    end--;
  }
  return lines.lineAt(Math.max(0, end - Buffer.byteLength(core)));
}

interface ParsedItem {
  record: Record<string, string>;
  info: { bytes: number };
  raw: string;
}

/**
 * CSV records through csv-parse: header row, quotes, CRLF or LF, BOM. A record with the wrong number of
 * columns or an unclosed quote becomes an error record with its line; the rest of the file goes on.
 */
export async function* readCsv(
  text: AsyncIterable<string>,
  file: string,
  delimiter?: string,
): AsyncGenerator<InputRecord> {
  const iterator = text[Symbol.asyncIterator]();
  const head = await iterator.next();
  const firstChunk = head.done ? '' : head.value.replace(/^\uFEFF/, '');
  if (firstChunk.trim() === '') {
    throw new SfsyncError('INPUT_EMPTY', `${file} is empty: there is no header row.`, {
      hint: 'A CSV file starts with a header row of field names.',
    });
  }
  const chosen = delimiter ?? detectDelimiter(firstChunk.split(/\r?\n/)[0] ?? '');
  const lines = new LineCounter();
  const skipped: InputRecord[] = [];
  let headerError: SfsyncError | null = null;
  const parser = parse({
    delimiter: chosen,
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim());
      headerError = checkHeader(names, file);
      return names;
    },
    info: true,
    raw: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      if (!err) return;
      const raw = typeof err.raw === 'string' ? err.raw : '';
      const line = startLine(lines, Number(err.bytes), raw, err.code === 'CSV_QUOTE_NOT_CLOSED');
      skipped.push({
        line,
        error: { code: err.code, message: err.message.replace(/ on line \d+$| at line \d+$/, '') },
        raw: raw.slice(0, 200),
      });
    },
  });
  const write = async (chunk: string): Promise<void> => {
    const bytes = Buffer.from(chunk, 'utf8');
    lines.push(bytes);
    if (!parser.write(bytes)) await new Promise((r) => parser.once('drain', r));
  };
  const feed = (async () => {
    try {
      await write(firstChunk);
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        await write(next.value);
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  for await (const item of parser as AsyncIterable<ParsedItem>) {
    if (headerError) throw headerError;
    const line = startLine(lines, item.info.bytes, item.raw, false);
    while (skipped.length > 0 && (skipped[0]?.line ?? 0) < line) yield skipped.shift() as InputRecord;
    yield { line, values: item.record };
  }
  await feed;
  if (headerError) throw headerError;
  while (skipped.length > 0) yield skipped.shift() as InputRecord;
}

function checkHeader(names: string[], file: string): SfsyncError | null {
  const empty = names.findIndex((h) => h === '');
  if (empty >= 0) {
    return new SfsyncError(
      'CSV_HEADER_INVALID',
      `${file}, line 1: column ${empty + 1} of the header has no name.`,
      {
        hint: 'Give every column a name (a Salesforce field API name, or map it in a mapping file).',
      },
    );
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n.toLowerCase())) {
      return new SfsyncError('CSV_HEADER_INVALID', `${file}, line 1: the header names "${n}" twice.`, {
        hint: 'Rename or remove one of the columns.',
      });
    }
    seen.add(n.toLowerCase());
  }
  return null;
}
