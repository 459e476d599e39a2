import fs from 'node:fs';
import path from 'node:path';
import { FAILURE_COLUMNS, inputColumnName, SUCCESS_COLUMNS } from '../core/result-columns.js';

/**
 * Where a record of a results file fed back came from: its line in the first run's input, and that input. They
 * follow sfsync's columns in the results of a run whose input was a results file, so a rerun of failures.csv
 * (and a rerun of that one) still names the lines of the file the records came from. Never field names.
 */
export const ORIGIN_COLUMNS = ['original_line', 'original_file'] as const;

export function isOriginColumn(name: string): boolean {
  return name === 'original_line' || name === 'original_file';
}

/** The columns that name fields: a results file's origin columns are only carried to the new results. */
export function fieldColumns(columns: string[]): string[] {
  return columns.some(isOriginColumn) ? columns.filter((c) => !isOriginColumn(c)) : columns;
}

/**
 * The columns of a CSV header to read when the file is one of sfsync's own result files (its header starts with
 * sfsync's columns, in order): sfsync's columns are left out (false) and the input's kept, so a failures file
 * fed back sends what its input held. Its `line` is read as `original_line` (unless the file carries one already,
 * from an earlier rerun); an input column written `input_status` (named as one of sfsync's) is read as `status`.
 * A success file's `id` becomes `Id` when the input had no Id column, so
 * `sfsync delete success.csv` finds the records it names. Null for any other file.
 */
export function resultsFileColumns(names: string[]): Array<string | false> | null {
  for (const own of [FAILURE_COLUMNS, SUCCESS_COLUMNS]) {
    if (names.length < own.length || own.some((c, i) => names[i] !== c)) continue;
    const input = names.slice(own.length).map(inputColumnName);
    const carried = input[0] === 'original_line';
    const id = own === SUCCESS_COLUMNS && !input.some((c) => c.toLowerCase() === 'id') ? 'Id' : false;
    return [
      ...own.map((c) => (c === 'id' ? id : c === 'line' && !carried ? 'original_line' : false)),
      ...input,
    ];
  }
  return null;
}

/**
 * The input file of the run whose results folder holds `resultsFile` (the `file` its journal names: `-` for
 * standard input), or undefined when there is no readable journal beside it (the file was copied elsewhere).
 */
export function originalFile(resultsFile: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(path.dirname(resultsFile), 'journal.ndjson'), 'r');
    const head = Buffer.alloc(16_384);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const first = head.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    const file = (JSON.parse(first) as { file?: unknown }).file;
    return typeof file === 'string' ? file : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
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
