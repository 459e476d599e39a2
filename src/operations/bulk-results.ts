import { toSfsyncError, type SfsyncError } from '../errors.js';
import {
  unreadJobOf,
  type BulkJobOutcome,
  type BulkResultSet,
  type SaveResult,
} from '../salesforce/client.js';
import { rowLocks } from '../salesforce/retry.js';
import { parseBulkError, recordOfRow } from './bulk-csv.js';
import { cellsHash, type LineIndex } from './line-index.js';

/** Shared by every successful result (nothing adds to it). */
const NO_ERRORS: SaveResult['errors'] = [];

/**
 * Joins a job's result rows to its records: each row to the first record not yet given a result among those
 * uploaded with exactly its values, its result put at the record's place in `results`.
 */
export function resultJoiner(
  columns: readonly string[],
  index: LineIndex,
  results: Array<SaveResult | undefined>,
): (set: BulkResultSet, header: string[], row: string[]) => void {
  let layout: { header: string[]; id: number; flag: number; columns: number[] } | undefined;
  return (set, header, row) => {
    // Where sf__Id, sf__Created or sf__Error and the uploaded columns are, once per result set.
    if (layout?.header !== header) {
      const flag = set === 'successfulResults' ? 'sf__Created' : 'sf__Error';
      layout = {
        header,
        id: header.indexOf('sf__Id'),
        flag: header.indexOf(flag),
        columns: columns.map((c) => header.indexOf(c)),
      };
    }
    const { id, flag, columns: at } = layout;
    const i = index.take(cellsHash(row, at));
    if (i === undefined) return;
    if (set === 'successfulResults') {
      results[i] = { id: row[id], success: true, created: row[flag] === 'true', errors: NO_ERRORS };
      return;
    }
    const error = parseBulkError(row[flag] ?? '');
    const failure: SaveResult = { id: row[id] || undefined, success: false, errors: [error] };
    // A record that only met a row lock is sent again: with the values the row gives back.
    if (rowLocks.is(error.statusCode)) failure.resend = recordOfRow(columns, row, at);
    results[i] = failure;
  };
}

/** The answer for the records of a job that stopped (not opened, not uploaded, or its results not read). */
export function unanswered(err: unknown): { answer: SaveResult; stop: SfsyncError; jobId?: string } {
  const stop = toSfsyncError(err);
  const jobId = unreadJobOf(err);
  const answer: SaveResult = {
    success: false,
    errors: [
      jobId
        ? {
            // The job was closed, so Salesforce may have run it: its records are left for --resume, never failed.
            statusCode: 'BULK_RESULTS_UNREAD',
            message: `Sent in Bulk job ${jobId}, whose results could not be read (${stop.code}: ${stop.message}): Salesforce may have applied it. Run the same command with --resume: it reads the job's results and settles this record.`,
            fields: [],
          }
        : // Not closed: nothing of the job is applied.
          { statusCode: stop.code, message: stop.message, fields: [] },
    ],
    stop,
  };
  return { answer, stop, jobId };
}

/** The error of a record a job that ended gave no result for. */
export function notProcessed(outcome: BulkJobOutcome): SaveResult['errors'][number] {
  return outcome.state === 'Failed'
    ? {
        statusCode: 'BULK_JOB_FAILED',
        message: `Bulk job ${outcome.jobId} failed: ${outcome.errorMessage ?? 'no reason given'}`,
        fields: [],
      }
    : {
        statusCode: 'NOT_PROCESSED',
        message: `Bulk job ${outcome.jobId} ended ${outcome.state} before processing this record.`,
        fields: [],
      };
}
