import { SfsyncError } from '../errors.js';
import { shortName } from '../mapping/did-you-mean.js';
import { parseLine } from './ndjson-reader.js';
import { fieldColumns, ORIGIN_COLUMNS, originalFile, resultsFileColumns } from './results-columns.js';
import type { InputRecord } from './types.js';

/**
 * Longest column name read. Salesforce field and relationship paths are far shorter; a longer name is a lost
 * line break or quote, and every message and guess about it would cost its length (squared, for guesses).
 */
export const MAX_COLUMN_NAME = 1_000;

/** What the header row decided, read by the loop that takes the records (from csv-parse or the fast reader). */
export interface HeaderState {
  headerError: SfsyncError | null;
  headerLines: number;
  headerRead: boolean;
  /** The failures file of an NDJSON run holds each record as JSON in one `input` column. */
  jsonRecords: boolean;
  /** A results file's first input (from its journal), set on each record as `original_file`. */
  originFile?: string;
}

export function newHeaderState(): HeaderState {
  return { headerError: null, headerLines: 1, headerRead: false, jsonRecords: false };
}

export function newlines(values: Iterable<unknown>): number {
  let n = 0;
  for (const v of values) {
    if (typeof v !== 'string') continue;
    for (let i = v.indexOf('\n'); i >= 0; i = v.indexOf('\n', i + 1)) n++;
  }
  return n;
}

export function isBlank(values: Iterable<unknown>): boolean {
  for (const v of values) if (v !== '' && v !== undefined) return false;
  return true;
}

/**
 * The header row read: names trimmed, a results file's own columns left out (false), the header checked. Returns
 * the columns to read each record by, as csv-parse's `columns` option takes them.
 */
export function readHeader(
  header: string[],
  file: string,
  st: HeaderState,
  onHeader?: (columns: string[], jsonRecords: boolean) => void,
): Array<string | false> {
  st.headerRead = true;
  const names = header.map((h) => h.trim());
  st.headerLines = 1 + newlines(header);
  // A results file fed back is read as its input: sfsync's own columns are skipped (false).
  const own = resultsFileColumns(names);
  const read = own ?? names;
  const kept = read.filter((c): c is string => c !== false);
  const inputs = fieldColumns(kept);
  st.jsonRecords = own !== null && inputs.length === 1 && inputs[0] === 'input';
  // A results file of a first run: where its records came from is the input its journal names.
  if (own !== null && !names.includes('original_file')) st.originFile = originalFile(file);
  if (st.originFile !== undefined) kept.splice(kept.indexOf('original_line') + 1, 0, 'original_file');
  st.headerError = checkHeader(kept, file);
  onHeader?.(kept, st.jsonRecords);
  return read;
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

/** A record of the file as the run reads it: its values, or (a failures file of an NDJSON run) its JSON. */
export function inputRecord(st: HeaderState, line: number, record: Record<string, string>): InputRecord {
  if (st.originFile !== undefined) record.original_file = st.originFile;
  return st.jsonRecords ? withOrigin(jsonRecord(line, record.input ?? ''), record) : { line, values: record };
}

export function checkHeader(names: string[], file: string): SfsyncError | null {
  const long = names.findIndex((h) => h.length > MAX_COLUMN_NAME);
  if (long >= 0) {
    return new SfsyncError(
      'CSV_HEADER_INVALID',
      `${file}, line 1: the name of column ${long + 1} ("${shortName(names[long] as string, 40)}") is longer than ${MAX_COLUMN_NAME.toLocaleString('en-US')} characters.`,
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
  const seen = new Map<string, number>();
  for (const [i, n] of names.entries()) {
    const before = seen.get(n.toLowerCase());
    if (before !== undefined) {
      const first = names[before] as string;
      // Field names ignore case, as Salesforce's do: "Email" and "email" would fill one field.
      const what =
        first === n
          ? `"${shortName(n)}" twice (columns ${before + 1} and ${i + 1})`
          : `"${shortName(first)}" (column ${before + 1}) and "${shortName(n)}" (column ${i + 1}), one name to Salesforce, which ignores case`;
      return new SfsyncError('CSV_HEADER_INVALID', `${file}, line 1: the header names ${what}.`, {
        hint: 'Rename or remove one of the columns.',
      });
    }
    seen.set(n.toLowerCase(), i);
  }
  return null;
}
