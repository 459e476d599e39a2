import { inputRecord, isBlank, newlines, readHeader, type HeaderState } from './csv-header.js';
import { CsvScanner } from './csv-scanner.js';
import type { InputRecord } from './types.js';

/** Longest text held for one record (the header included) before the file is handed to csv-parse. */
const MAX_PENDING = 1_000_000;

export interface FastRead {
  iterator: AsyncIterator<string>;
  /** The file's first text, its byte order mark taken off. */
  first: string;
  file: string;
  delimiter: string;
  st: HeaderState;
  onHeader?: (columns: string[], jsonRecords: boolean) => void;
}

/** A record with more or fewer fields than the header, as csv-parse reports it (its line number left out). */
function ragged(line: number, columns: number, fields: string[], delimiter: string): InputRecord {
  return {
    line,
    error: {
      code: 'CSV_RECORD_INCONSISTENT_COLUMNS',
      message: `Invalid Record Length: columns length is ${columns}, got ${fields.length}`,
    },
    raw: fields.join(delimiter).slice(0, 200),
  };
}

/**
 * The records of a CSV file read with CsvScanner, each exactly as the csv-parse reader gives it (line numbers,
 * blank lines, ragged rows, a results file's columns). Returns null once the whole file is read, or, at the first
 * record only csv-parse reads, how many records it gave: the caller reads the file again with csv-parse from
 * there. Memory holds one chunk of text and one record at most.
 */
export async function* readCsvFast(r: FastRead): AsyncGenerator<InputRecord[], number | null> {
  const scanner = new CsvScanner(r.delimiter);
  let columns: Array<string | false> | null = null;
  let text = r.first;
  let end = false;
  let line = 0;
  let given = 0;
  for (;;) {
    const out: InputRecord[] = [];
    let at = 0;
    while (!end || at < text.length) {
      const fields = scanner.record(text, at, end);
      if (fields === null) break;
      if (fields === false) return given;
      at = scanner.next;
      if (columns === null) {
        columns = readHeader(fields, r.file, r.st, r.onHeader);
        if (r.st.headerError) throw r.st.headerError;
        line = 1 + r.st.headerLines;
        continue;
      }
      const start = line;
      if (fields.length !== columns.length) {
        line += 1 + newlines(fields);
        if (!isBlank(fields)) out.push(ragged(start, columns.length, fields, r.delimiter));
        continue;
      }
      const record: Record<string, string> = {};
      let breaks = 0;
      let blank = true;
      for (let i = 0; i < columns.length; i++) {
        const name = columns[i];
        if (name === false || name === undefined) continue;
        const v = fields[i] as string;
        record[name] = v;
        if (v === '') continue;
        blank = false;
        for (let k = v.indexOf('\n'); k >= 0; k = v.indexOf('\n', k + 1)) breaks++;
      }
      line += 1 + breaks;
      if (!blank) out.push(inputRecord(r.st, start, record));
    }
    if (out.length > 0) {
      given += out.length;
      yield out;
    }
    if (end) return null;
    const rest = text.slice(at);
    if (rest.length > MAX_PENDING) return given;
    const next = await r.iterator.next();
    if (next.done) end = true;
    text = next.done ? rest : rest + next.value;
  }
}
