import { readCsv } from './csv-reader.js';
import { readNdjson } from './ndjson-reader.js';
import { openText } from './source.js';
import type { InputRecord, ReadOptions } from './types.js';

/** Every record of a CSV or NDJSON file (or stdin), in order, each with its line number, in chunks. */
export function readRecords(options: ReadOptions): AsyncGenerator<InputRecord[]> {
  const text = openText(options);
  const name = options.file === '-' ? 'standard input' : options.file;
  return options.format === 'csv'
    ? readCsv(text, name, options.delimiter, options.onHeader)
    : readNdjson(text);
}
