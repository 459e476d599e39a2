import fs from 'node:fs';
import { FAILURE_COLUMNS, SUCCESS_COLUMNS } from '../core/result-columns.js';

/**
 * The columns of a CSV header to read when the file is one of sfsync's own result files (its header starts with
 * sfsync's columns, in order): sfsync's columns are left out (false) and the input's kept, so a failures file
 * fed back sends what its input held. A success file's `id` becomes `Id` when the input had no Id column, so
 * `sfsync delete success.csv` finds the records it names. Null for any other file.
 */
export function resultsFileColumns(names: string[]): Array<string | false> | null {
  for (const own of [FAILURE_COLUMNS, SUCCESS_COLUMNS]) {
    if (names.length < own.length || own.some((c, i) => names[i] !== c)) continue;
    const input = names.slice(own.length);
    const id = own === SUCCESS_COLUMNS && !input.some((c) => c.toLowerCase() === 'id') ? 'Id' : false;
    return [...own.map((c) => (c === 'id' ? id : false)), ...input];
  }
  return null;
}

/** Whether a file starts with a success file's header (sfsync writes it exactly so). */
function isSuccessFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return new RegExp(`^${SUCCESS_COLUMNS.join(',')}(,|\\r?\\n|$)`).test(
      head.subarray(0, n).toString('utf8'),
    );
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The columns to map when a success file is fed to `delete` without a mapping: its Id (and the --match
 * columns) only, since the input's other columns were named for the run's own mapping and need not be fields.
 */
export function columnsForDelete(file: string, columns: string[], match: string[] | undefined): string[] {
  if (!isSuccessFile(file)) return columns;
  return columns.filter((c) => c.toLowerCase() === 'id' || match?.includes(c));
}
