import { FAILURE_COLUMNS, SUCCESS_COLUMNS } from '../operations/results.js';

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
