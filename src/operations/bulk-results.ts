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

/** Salesforce Ids as the results give them: 18 characters. */
const ID_CHARS = 18;

/**
 * The answers of one job's records, by their place in the job, in a few bytes each: a job of 300,000 records
 * answers all of them at once, and as objects (with each Id a slice of a downloaded page, keeping the page alive)
 * they were 100 MB. A successful record is a kind and its Id's 18 characters; only failures are objects. `get`
 * builds a record's answer when its write call takes it.
 */
export class JobResults {
  /** 0: no answer yet; 1: created; 2: saved (updated, deleted); 3: in `others`. */
  private readonly kinds: Uint8Array;
  private readonly ids: Uint8Array;
  private readonly others = new Map<number, SaveResult>();
  /** The answer of every record given none (the job stopped, or ended without processing it). */
  fallback: SaveResult | undefined;

  constructor(readonly size: number) {
    this.kinds = new Uint8Array(size);
    this.ids = new Uint8Array(size * ID_CHARS);
  }

  has(i: number): boolean {
    return this.kinds[i] !== 0;
  }

  succeed(i: number, id: string, created: boolean): void {
    if (id.length !== ID_CHARS || !/^[A-Za-z0-9]+$/.test(id))
      return this.set(i, { id, success: true, created, errors: NO_ERRORS });
    const at = i * ID_CHARS;
    for (let c = 0; c < ID_CHARS; c++) this.ids[at + c] = id.charCodeAt(c);
    this.kinds[i] = created ? 1 : 2;
  }

  set(i: number, result: SaveResult): void {
    this.kinds[i] = 3;
    this.others.set(i, result);
  }

  get(i: number): SaveResult | undefined {
    const kind = this.kinds[i];
    if (kind === 3) return this.others.get(i);
    if (kind === 0) return this.fallback;
    const at = i * ID_CHARS;
    const id = String.fromCharCode.apply(null, this.ids.subarray(at, at + ID_CHARS) as unknown as number[]);
    return { id, success: true, created: kind === 1, errors: NO_ERRORS };
  }
}

/**
 * Joins a job's result rows to its records: each row to the first record not yet given a result among those
 * uploaded with exactly its values, its result put at the record's place in `results`.
 */
export function resultJoiner(
  columns: readonly string[],
  index: LineIndex,
  results: JobResults,
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
    if (set === 'successfulResults') return results.succeed(i, row[id] ?? '', row[flag] === 'true');
    const error = parseBulkError(row[flag] ?? '');
    const failure: SaveResult = { id: row[id] || undefined, success: false, errors: [error] };
    // A record that only met a row lock is sent again: with the values the row gives back.
    if (rowLocks.is(error.statusCode)) failure.resend = recordOfRow(columns, row, at);
    results.set(i, failure);
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
