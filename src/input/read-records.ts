import { readCsv } from './csv-reader.js';
import { readCsvOnThread, readsOnThread } from './csv-thread.js';
import { readNdjson } from './ndjson-reader.js';
import { checkInputFile, openText } from './source.js';
import type { InputRecord, ReadOptions } from './types.js';

/** Every record of a CSV or NDJSON file (or stdin), in order, each with its line number, in chunks. */
export function readRecords(options: ReadOptions): AsyncGenerator<InputRecord[]> {
  if (options.file !== '-' && options.format === 'csv') {
    checkInputFile(options.file);
    if (readsOnThread(options)) return readCsvOnThread(options);
  }
  const text = openText(options);
  const name = options.file === '-' ? 'standard input' : options.file;
  return options.format === 'csv'
    ? readCsv(text, name, options.delimiter, options.onHeader)
    : readNdjson(text);
}
