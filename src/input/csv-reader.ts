import { parse, type CsvError } from 'csv-parse';
import { SfsyncError } from '../errors.js';
import { shortName } from '../mapping/did-you-mean.js';
import { parseLine } from './ndjson-reader.js';
import {
  fieldColumns,
  isOriginColumn,
  ORIGIN_COLUMNS,
  originalFile,
  resultsFileColumns,
} from './results-columns.js';
import type { InputRecord, ReadOptions } from './types.js';
import { thousands } from '../core/plural.js';

const CANDIDATES = [',', ';', '\t', '|'];

/**
 * Longest column name read. Salesforce field and relationship paths are far shorter; a longer name is a lost
 * line break or quote, and every message and guess about it would cost its length (squared, for guesses).
 */
export const MAX_COLUMN_NAME = 1_000;
/** Longest header row read (Bulk API 2.0 allows 32,000 characters; 5,000 columns of 200 fit). */
export const MAX_HEADER = 1_000_000;

function headerTooLong(file: string): SfsyncError {
  return new SfsyncError(
    'CSV_HEADER_INVALID',
    `${file}, line 1: the header row is longer than ${thousands(MAX_HEADER)} characters.`,
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

function newlines(values: Iterable<unknown>): number {
  let n = 0;
  for (const v of values) {
    if (typeof v !== 'string') continue;
    for (let i = v.indexOf('\n'); i >= 0; i = v.indexOf('\n', i + 1)) n++;
  }
  return n;
}

function isBlank(values: Iterable<unknown>): boolean {
  for (const v of values) if (v !== '' && v !== undefined) return false;
  return true;
}

/** A results file's row without the origin it carries (`original_line`): the cells that name fields. */
function* fieldValues(record: Record<string, string>): Generator<string> {
  for (const key in record) if (!isOriginColumn(key)) yield record[key] as string;
}

interface Skip {
  /** How many records the parser had produced when it skipped this one: its place in the stream. */
  after: number;
  code: string;
  message: string;
  values: string[];
}

/** A failures file's `input` cell read back as the JSON record it holds; a cell that is not one fails alone. */
function jsonRecord(line: number, cell: string): InputRecord {
  const parsed = parseLine(line, cell);
  if (parsed === null)
    return {
      line,
      error: { code: 'NDJSON_INVALID', message: 'The input column is empty: it holds no JSON record.' },
    };
  if (!parsed.error) return parsed;
  return {
    ...parsed,
    error: {
      code: parsed.error.code,
      message: `The input column does not hold a JSON record (a failures file of an NDJSON run): ${parsed.error.message}`,
    },
  };
}

/** A JSON record of a failures file keeps the origin its row carries (one it carries itself comes first). */
function withOrigin(r: InputRecord, row: Record<string, string>): InputRecord {
  if (!r.values) return r;
  for (const c of ORIGIN_COLUMNS) if (row[c] !== undefined && r.values[c] === undefined) r.values[c] = row[c];
  return r;
}

/** What the parser's callbacks learn, read by the loop that takes its records. */
interface ParseState {
  skipped: Skip[];
  headerError: SfsyncError | null;
  headerLines: number;
  headerRead: boolean;
  /** The failures file of an NDJSON run holds each record as JSON in one `input` column. */
  jsonRecords: boolean;
  /** A results file fed back: its rows carry `original_line`, which is no field. */
  originColumns: boolean;
  /** Every column empty: the values of a row of delimiters only that has more cells than the header. */
  blankRow: Record<string, string>;
  /** The input line the next record starts on (0 until the header is read). */
  line: number;
  /** A first run's results file without its results folder's journal: the input it came from is unknown. */
  originLost: boolean;
  /** A results file's first input (from its journal), set on each record as `original_file`. */
  originFile?: string;
}

const EMPTY_STATE: ParseState = {
  skipped: [],
  headerError: null,
  headerLines: 1,
  headerRead: false,
  jsonRecords: false,
  originColumns: false,
  blankRow: {},
  line: 0,
  originLost: false,
};

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
  onHeader?: ReadOptions['onHeader'],
): CsvParser {
  const parser: CsvParser = parse({
    delimiter,
    columns: (header: string[]) => {
      st.headerRead = true;
      const names = header.map((h) => h.trim());
      st.headerLines = 1 + newlines(header);
      // A results file fed back is read as its input: sfsync's own columns are skipped (false).
      const own = resultsFileColumns(names);
      const read = own ?? names;
      const kept = read.filter((c): c is string => c !== false);
      const inputs = fieldColumns(kept);
      st.originColumns = inputs.length < kept.length;
      st.jsonRecords = own !== null && inputs.length === 1 && inputs[0] === 'input';
      // A results file of a first run (its `line` is the original line): its records came from the input its
      // journal names. A later run's results carry their origin in their own columns, or do not know it.
      if (own !== null && !names.some(isOriginColumn)) {
        const origin = originalFile(file);
        st.originFile = origin === '-' ? undefined : origin;
        st.originLost = origin === undefined;
      }
      if (st.originFile !== undefined) kept.splice(kept.indexOf('original_line') + 1, 0, 'original_file');
      st.blankRow = Object.fromEntries(
        kept.map((c) => [c, c === 'original_file' ? (st.originFile ?? '') : '']),
      );
      st.headerError = checkHeader(kept, file);
      onHeader?.(kept, st.jsonRecords, st.originLost);
      return read;
    },
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

/** A row the parser set aside, as its record: an error, a blank row, or null for an empty line. */
function skippedRecord(skip: Skip, st: ParseState, delimiter: string): InputRecord | null {
  const start = st.line;
  st.line += 1 + newlines(skip.values);
  // An empty line is no record; a row of delimiters only (`;;`) is one, with nothing in it.
  if (skip.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' && isBlank(skip.values))
    return skip.values.length > 1 ? { line: start, values: { ...st.blankRow }, blank: true } : null;
  return {
    line: start,
    error: { code: skip.code, message: skip.message },
    raw: skip.values.join(delimiter).slice(0, 200),
  };
}

/** A parsed row as its record, or null for an empty line; moves `st.line` past the row's line breaks. */
function rowRecord(record: Record<string, string>, st: ParseState): InputRecord | null {
  const start = st.line;
  let breaks = 0;
  let blank = true;
  let cells = 0;
  for (const key in record) {
    cells++;
    const v = record[key] as string;
    if (v === '') continue;
    blank = false;
    for (let i = v.indexOf('\n'); i >= 0; i = v.indexOf('\n', i + 1)) breaks++;
  }
  st.line += 1 + breaks;
  if (!blank && st.originColumns && !st.jsonRecords) blank = isBlank(fieldValues(record));
  if (blank && cells === 1 && !st.originColumns) return null;
  if (st.originFile !== undefined) record.original_file = st.originFile;
  // Several empty cells (`;;`, or a results file's row with no input) are a record with nothing in it.
  if (blank) return { line: start, values: record, blank: true };
  return st.jsonRecords
    ? withOrigin(jsonRecord(start, record.input ?? ''), record)
    : { line: start, values: record };
}

/**
 * CSV records through csv-parse: header row, quotes, CRLF or LF, BOM. A record with the wrong number of
 * columns or an unclosed quote becomes an error record with its line; the rest of the file goes on.
 * Line numbers are counted here, from the line breaks inside each record's values: csv-parse's own `info`
 * and `raw` options would copy state for every record and cost a third of the parse.
 */
export async function* readCsv(
  text: AsyncIterable<string>,
  file: string,
  delimiter?: string,
  onHeader?: ReadOptions['onHeader'],
): AsyncGenerator<InputRecord[]> {
  const iterator = text[Symbol.asyncIterator]();
  const firstChunk = await firstText(iterator, file);
  const chosen = delimiter ?? detectDelimiter(firstChunk.split(/\r?\n/)[0] ?? '');
  const st: ParseState = { ...EMPTY_STATE, skipped: [] };
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
  let produced = 0;
  function* skipsBefore(count: number): Generator<InputRecord> {
    while (st.skipped.length > 0 && (st.skipped[0] as Skip).after <= count) {
      const r = skippedRecord(st.skipped.shift() as Skip, st, chosen);
      if (r) yield r;
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
      if (st.line === 0) st.line = 1 + st.headerLines;
      // Most records follow no skipped row: no generator is made for them.
      if (st.skipped.length > 0) out.push(...skipsBefore(produced));
      produced++;
      const r = rowRecord(record, st);
      if (r) out.push(r);
    }
    if (failure) throw failure.error;
    if (out.length > 0) yield out;
    if (ended || parser.readableEnded) break;
    await readableOrEnded(parser);
  }
  await feed;
  if (st.headerError) throw st.headerError;
  if (st.line === 0) st.line = 1 + st.headerLines;
  const rest = [...skipsBefore(Infinity)];
  if (rest.length > 0) yield rest;
}

function checkHeader(names: string[], file: string): SfsyncError | null {
  const long = names.findIndex((h) => h.length > MAX_COLUMN_NAME);
  if (long >= 0) {
    return new SfsyncError(
      'CSV_HEADER_INVALID',
      `${file}, line 1: the name of column ${long + 1} ("${shortName(names[long] as string, 40)}") is longer than ${thousands(MAX_COLUMN_NAME)} characters.`,
      {
        hint: 'A line break or quote in the header is probably missing: fix the header row, or check that this is the CSV file you meant.',
      },
    );
  }
  // csv-parse sets a column named __proto__ as the record's prototype: its values would vanish.
  const proto = names.findIndex((h) => h === '__proto__');
  if (proto >= 0) {
    return new SfsyncError(
      'CSV_HEADER_INVALID',
      `${file}, line 1: column ${proto + 1} is named "__proto__", which cannot be read as a column.`,
      { hint: 'Rename the column, and map it by its new name.' },
    );
  }
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
  // Names that differ only in case are two columns here: a mapping names which one each field reads, and without
  // one the columns are field names, one name to Salesforce (see caseClash in mapping/missing-columns.ts).
  const seen = new Map<string, number>();
  for (const [i, n] of names.entries()) {
    const before = seen.get(n);
    if (before !== undefined)
      return new SfsyncError(
        'CSV_HEADER_INVALID',
        `${file}, line 1: the header names "${shortName(n)}" twice (columns ${before + 1} and ${i + 1}).`,
        { hint: 'Rename or remove one of the columns.' },
      );
    seen.set(n, i);
  }
  return null;
}
