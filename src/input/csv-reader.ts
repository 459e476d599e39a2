import { parse, type CsvError } from 'csv-parse';
import { SfsyncError } from '../errors.js';
import {
  inputRecord,
  isBlank,
  newHeaderState,
  newlines,
  readHeader,
  type HeaderState,
} from './csv-header.js';
import { readCsvFast } from './csv-fast.js';
import { CsvScanner } from './csv-scanner.js';
import type { InputRecord } from './types.js';

export { MAX_COLUMN_NAME } from './csv-header.js';

const CANDIDATES = [',', ';', '\t', '|'];

/** Longest header row read (Bulk API 2.0 allows 32,000 characters; 5,000 columns of 200 fit). */
export const MAX_HEADER = 1_000_000;

function headerTooLong(file: string): SfsyncError {
  return new SfsyncError(
    'CSV_HEADER_INVALID',
    `${file}, line 1: the header row is longer than ${MAX_HEADER.toLocaleString('en-US')} characters.`,
    {
      hint: 'Check that the file is a CSV file with a header row of column names, and that no quote in the header is left open.',
    },
  );
}

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

interface Skip {
  /** How many records the parser had produced when it skipped this one: its place in the stream. */
  after: number;
  code: string;
  message: string;
  values: string[];
}

/** What the parser's callbacks learn, read by the loop that takes its records. */
interface ParseState extends HeaderState {
  skipped: Skip[];
}

type CsvParser = ReturnType<typeof parse>;

/** The first piece of the text, without a byte order mark; an empty file has no header row. */
async function firstText(iterator: AsyncIterator<string>, file: string): Promise<string> {
  const head = await iterator.next();
  const first = head.done ? '' : head.value.replace(/^\uFEFF/, '');
  if (first.trim() === '')
    throw new SfsyncError('INPUT_EMPTY', `${file} is empty: there is no header row.`, {
      hint: 'A CSV file starts with a header row of field names.',
    });
  return first;
}

/** csv-parse with the header checked (and a results file's own columns skipped) and bad records set aside. */
function csvParser(
  delimiter: string,
  file: string,
  st: ParseState,
  onHeader?: (columns: string[], jsonRecords: boolean) => void,
): CsvParser {
  const parser: CsvParser = parse({
    delimiter,
    columns: (header: string[]) => readHeader(header, file, st, onHeader),
    // Blank lines reach on_skip (wrong column count) or come as empty records, so they can be counted.
    skip_empty_lines: false,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      if (!err) return;
      const values = Array.isArray(err.record) ? (err.record as string[]) : [];
      st.skipped.push({
        after: parser.info.records,
        code: err.code,
        message: err.message.replace(/ on line \d+$| at line \d+$/, ''),
        values,
      });
    },
  });
  return parser;
}

/** Writes the text into the parser as it reads it, waiting when the parser is full; ends it, or destroys it on error. */
async function feedParser(
  parser: CsvParser,
  iterator: AsyncIterator<string>,
  firstChunk: string,
  headerFits: (chunk: string) => boolean,
): Promise<void> {
  try {
    if (!parser.write(firstChunk)) await new Promise((r) => parser.once('drain', r));
    if (!headerFits(firstChunk)) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      if (!parser.write(next.value)) await new Promise((r) => parser.once('drain', r));
      if (!headerFits(next.value)) return;
    }
    parser.end();
  } catch (err) {
    parser.destroy(err as Error);
  }
}

/** Resolves when the parser has records to read, has ended, or has failed. */
function readableOrEnded(parser: CsvParser): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      parser.off('readable', done);
      parser.off('end', done);
      parser.off('error', done);
      resolve();
    };
    parser.once('readable', done);
    parser.once('end', done);
    parser.once('error', done);
  });
}

/**
 * CSV records through csv-parse: header row, quotes, CRLF or LF, BOM. A record with the wrong number of
 * columns or an unclosed quote becomes an error record with its line; the rest of the file goes on.
 * Line numbers are counted here, from the line breaks inside each record's values: csv-parse's own `info`
 * and `raw` options would copy state for every record and cost a third of the parse.
 */
async function* parseCsv(
  iterator: AsyncIterator<string>,
  firstChunk: string,
  file: string,
  chosen: string,
  onHeader?: (columns: string[], jsonRecords: boolean) => void,
): AsyncGenerator<InputRecord[]> {
  const st: ParseState = { ...newHeaderState(), skipped: [] };
  const parser = csvParser(chosen, file, st, onHeader);
  // The parser holds the header row until it ends: past MAX_HEADER without one, the file is not read further.
  let unread = 0;
  const headerFits = (chunk: string): boolean => {
    if (st.headerRead) return true;
    unread += chunk.length;
    if (unread <= MAX_HEADER) return true;
    parser.destroy(headerTooLong(file));
    void iterator.return?.();
    return false;
  };
  const feed = feedParser(parser, iterator, firstChunk, headerFits);
  let line = 0;
  let produced = 0;
  function* skipsBefore(count: number): Generator<InputRecord> {
    while (st.skipped.length > 0 && (st.skipped[0] as Skip).after <= count) {
      const skip = st.skipped.shift() as Skip;
      const start = line;
      line += 1 + newlines(skip.values);
      if (skip.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' && isBlank(skip.values)) continue;
      yield {
        line: start,
        error: { code: skip.code, message: skip.message },
        raw: skip.values.join(chosen).slice(0, 200),
      };
    }
  }
  // Records are taken from the parser as many at a time as it holds: one await per chunk, not per record.
  let ended = false;
  let failure = null as { error: unknown } | null;
  parser.once('end', () => (ended = true));
  parser.once('error', (error) => (failure = { error }));
  for (;;) {
    const out: InputRecord[] = [];
    let record: Record<string, string> | null;
    while ((record = parser.read() as Record<string, string> | null) !== null) {
      if (st.headerError) throw st.headerError;
      if (line === 0) line = 1 + st.headerLines;
      out.push(...skipsBefore(produced));
      produced++;
      const start = line;
      let breaks = 0;
      let blank = true;
      for (const key in record) {
        const v = record[key] as string;
        if (v === '') continue;
        blank = false;
        for (let i = v.indexOf('\n'); i >= 0; i = v.indexOf('\n', i + 1)) breaks++;
      }
      line += 1 + breaks;
      if (!blank) out.push(inputRecord(st, start, record));
    }
    if (failure) throw failure.error;
    if (out.length > 0) yield out;
    if (ended || parser.readableEnded) break;
    await readableOrEnded(parser);
  }
  await feed;
  if (st.headerError) throw st.headerError;
  if (line === 0) line = 1 + st.headerLines;
  const rest = [...skipsBefore(Infinity)];
  if (rest.length > 0) yield rest;
}

/** The records of chunks after the first `count`: what a second reading of a file gives that the first did not. */
async function* after(count: number, chunks: AsyncIterable<InputRecord[]>): AsyncGenerator<InputRecord[]> {
  let left = count;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.slice(left) : chunk;
    left = 0;
  }
}

/**
 * The records of a CSV file (or stdin), each with the line it starts on. A file is read by CsvScanner, several
 * times faster than csv-parse; at the first record the scanner does not read as csv-parse does (a stray quote, a
 * bare CR, mixed line ends), the file is read again (`reopen`) by csv-parse from the start, and its records are
 * given from the first one not given yet, so records and messages are csv-parse's whichever reads them.
 */
export async function* readCsv(
  text: AsyncIterable<string>,
  file: string,
  delimiter?: string,
  onHeader?: (columns: string[], jsonRecords: boolean) => void,
  reopen?: () => AsyncIterable<string>,
): AsyncGenerator<InputRecord[]> {
  const iterator = text[Symbol.asyncIterator]();
  const first = await firstText(iterator, file);
  const chosen = delimiter ?? detectDelimiter(first.split(/\r?\n/)[0] ?? '');
  if (!reopen || !CsvScanner.reads(chosen)) {
    yield* parseCsv(iterator, first, file, chosen, onHeader);
    return;
  }
  const st = newHeaderState();
  const given = yield* readCsvFast({ iterator, first, file, delimiter: chosen, st, onHeader });
  if (given === null) return;
  await iterator.return?.();
  const again = reopen()[Symbol.asyncIterator]();
  const header = st.headerRead ? undefined : onHeader;
  yield* after(given, parseCsv(again, await firstText(again, file), file, chosen, header));
}
