import fs from 'node:fs';
import { parse } from 'csv-parse';
import { FAILURE_COLUMNS } from '../core/result-columns.js';
import { plural } from '../core/plural.js';
import { SfsyncError } from '../errors.js';

const ERROR_CODE = FAILURE_COLUMNS.indexOf('error_code');
/** Rows whose records were sent without an answer: they may exist. */
const UNSURE = new Set(['UNCERTAIN', 'UNKNOWN_OUTCOME', 'BULK_RESULTS_UNREAD']);

function startsWith(file: string, text: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(text.length + 3);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .startsWith(text);
  } catch {
    // A file that cannot be read is reported by the reader, naming it.
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Refuses a create fed sfsync's own failures file when it holds UNCERTAIN rows: records an interrupted run sent
 * without learning their outcome, which may already exist. Created again, they would be duplicates; the resume of
 * the original run settles what it can, and the rest are to be checked by hand. One streamed pass, stopped at
 * once when the file is not a failures file.
 */
export async function refuseUncertainCreates(file: string, shown: string, delimiter = ','): Promise<void> {
  // sfsync writes its header exactly so: any other file is left at its first bytes (however long its header).
  if (!startsWith(file, FAILURE_COLUMNS.join(delimiter))) return;
  const source = fs.createReadStream(file);
  const parser = source.pipe(parse({ delimiter, bom: true, relax_column_count: true }));
  let header = true;
  let row = 1;
  const rows: number[] = [];
  let count = 0;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (header) {
        if (FAILURE_COLUMNS.some((c, i) => cells[i] !== c)) return;
        header = false;
        continue;
      }
      row++;
      if (!UNSURE.has(cells[ERROR_CODE] ?? '')) continue;
      count++;
      if (rows.length < 5) rows.push(row);
    }
  } catch {
    // A file that does not parse is reported by the reader, with its line.
    return;
  } finally {
    source.destroy();
  }
  if (count === 0) return;
  throw new SfsyncError(
    'UNCERTAIN_ROWS',
    `${shown} is an sfsync failures file with ${plural(count, 'row')} whose error_code is UNCERTAIN or UNKNOWN_OUTCOME (row${count === 1 ? '' : 's'} ${rows.join(', ')}${count > rows.length ? ', …' : ''}): a run sent those creates without learning their outcome, so the records may already exist, and creating them again would duplicate them.`,
    {
      hint: `Continue the original run with the --resume command it printed (it settles what it can), or check those records in the org and remove their rows from ${shown} before creating the rest.`,
    },
  );
}
